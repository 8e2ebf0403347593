import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { DatasetVersion, ModelVersion } from '../../engine/src/store/records';
import { cliBundle } from '../helpers/paths';
import { sandbox, weir, write } from './helpers';

/**
 * "Snapshots keep the source file's permissions or the umask": what is copied into the store
 * keeps the source's bits, and a dataset snapshot (a new Parquet file) gets the umask's mode
 * narrowed by its sources' bits, so private data never becomes readable by others.
 */

const mode = (file: string) => statSync(file).mode & 0o777;

/** The one file of an artifact folder, by the path a record names. */
function storedFile(ws: string, artifactPath: string): string {
  const full = path.join(ws, artifactPath);
  return statSync(full).isDirectory() ? path.join(full, readdirSync(full)[0]!) : full;
}

/** `weir dataset register` under a given umask (a shell sets it for the one command). */
function registerWithUmask(ws: string, umask: string, name: string, file: string): DatasetVersion {
  const r = spawnSync('/bin/sh', ['-c', `umask ${umask}; exec "$0" "$1" dataset register "$2" "$3" --json`, process.execPath, cliBundle, name, file], {
    cwd: ws,
    encoding: 'utf8',
    env: { ...process.env, WEIR_CLI_MAIN: '1' },
  });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { dataset: DatasetVersion }).dataset;
}

describe('permissions of what enters the store', () => {
  test('a dataset snapshot: the umask mode, narrowed by the source file', () => {
    const box = sandbox();
    write(box.ws, { 'open.csv': 'x,y\n1,2\n', 'private.csv': 'x,y\n3,4\n', 'other.csv': 'x,y\n5,6\n' });
    chmodSync(path.join(box.ws, 'open.csv'), 0o644);
    chmodSync(path.join(box.ws, 'private.csv'), 0o600);
    chmodSync(path.join(box.ws, 'other.csv'), 0o644);
    const open = registerWithUmask(box.ws, '022', 'Open', 'open.csv');
    expect(mode(storedFile(box.ws, open.artifact.path))).toBe(0o644);
    const narrow = registerWithUmask(box.ws, '022', 'Private', 'private.csv');
    expect(mode(storedFile(box.ws, narrow.artifact.path))).toBe(0o600);
    const strict = registerWithUmask(box.ws, '077', 'Strict', 'other.csv');
    expect(mode(storedFile(box.ws, strict.artifact.path))).toBe(0o600);
  });

  test('a `file:` input and a registered model file are copied with the source bits', () => {
    const box = sandbox();
    write(box.ws, {
      'secret.csv': 'a\n1\n',
      'model.bin': 'weights\n',
      'p.pipeline.yaml': 'inputs: { d: "file:secret.csv" }\nsteps:\n  s:\n    script: cat ${{ inputs.d }}\n',
    });
    chmodSync(path.join(box.ws, 'secret.csv'), 0o600);
    chmodSync(path.join(box.ws, 'model.bin'), 0o640);
    const r = weir(box.ws, ['run', 'p.pipeline.yaml']);
    expect(r.code, r.err).toBe(0);
    // The input's snapshot is an artifact named after the file.
    const snapshot = spawnSync('find', [path.join(box.ws, '.weir', 'artifacts'), '-name', 'secret.csv', '-type', 'f'], { encoding: 'utf8' }).stdout.trim();
    expect(snapshot).not.toBe('');
    expect(mode(snapshot)).toBe(0o600);
    const m = weir(box.ws, ['model', 'register', 'M', 'model.bin', '--json']);
    expect(m.code, m.err).toBe(0);
    expect(mode(storedFile(box.ws, (JSON.parse(m.out) as ModelVersion).artifact.path))).toBe(0o640);
  });
});
