import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { startLsp } from '../lsp/lspHarness';
import { expectUserError, sandbox, treeHashes, unchanged, weir, write } from './helpers';

/** Issue 11 item 7: devices, FIFOs and sockets are refused as inputs, promptly and clearly. */

describe('special files as inputs', () => {
  test('`weir model register M /dev/zero` is refused at once, exit 2', () => {
    const box = sandbox();
    weir(box.ws, ['runs']);
    const same = unchanged(box);
    const r = weir(box.ws, ['model', 'register', 'M', '/dev/zero'], { timeoutMs: 20_000 });
    expectUserError(r, /^error: \/dev\/zero: is a character device/);
    same();
  });

  test('`weir dataset register D /dev/zero` is refused at once, exit 2', () => {
    const box = sandbox();
    weir(box.ws, ['runs']);
    const same = unchanged(box);
    const r = weir(box.ws, ['dataset', 'register', 'D', '/dev/zero'], { timeoutMs: 20_000 });
    expectUserError(r, /^error: \/dev\/zero: is a character device/);
    same();
  });

  test('`weir validate` on a FIFO does not block, exit 2', () => {
    const box = sandbox();
    expect(spawnSync('mkfifo', [path.join(box.ws, 'f.pipeline.yaml')]).status).toBe(0);
    const same = unchanged(box);
    const r = weir(box.ws, ['validate', 'f.pipeline.yaml'], { timeoutMs: 20_000 });
    expectUserError(r, /^error: f\.pipeline\.yaml: is a FIFO \(named pipe\), not a regular file/);
    same();
  });

  test('a `file:` input that is a FIFO fails before the run is created, exit 2', () => {
    const box = sandbox();
    expect(spawnSync('mkfifo', [path.join(box.ws, 'data.csv')]).status).toBe(0);
    write(box.ws, { 'p.pipeline.yaml': 'inputs: { d: "file:data.csv" }\nsteps:\n  s:\n    script: cat ${{ inputs.d }}\n' });
    weir(box.ws, ['runs']);
    const same = unchanged(box);
    // The check before the run refuses it, so no run record is made.
    const r = weir(box.ws, ['run', 'p.pipeline.yaml'], { timeoutMs: 30_000 });
    expectUserError(r, /^error: p\.pipeline\.yaml:1:\d+: input 'd': .*data\.csv: is a FIFO \(named pipe\), not a regular file or folder/);
    same();
  });
});

/**
 * A FIFO that a writer fills after a while: a checker that waited on it would read
 * `SELECT 1 AS waited` and report no error, so a regression fails the assertions instead of
 * hanging the test. The writer blocks until someone opens the FIFO; it is killed at the end.
 */
function fifoWithLateWriter(file: string): { stop(): void } {
  expect(spawnSync('mkfifo', [file]).status).toBe(0);
  const writer = spawn('/bin/sh', ['-c', 'sleep 8; echo "SELECT 1 AS waited" > "$0"', file], { stdio: 'ignore', detached: true });
  return {
    stop() {
      try {
        process.kill(-writer.pid!, 'SIGKILL');
      } catch {
        // Gone already.
      }
    },
  };
}

const SQL_FILE_PIPELINE = 'steps:\n  prep:\n    sql: q.sql\n    outputs: { out: parquet }\n';

describe('a SQL file that is a FIFO (item 7)', () => {
  test('`weir validate` refuses it at once, naming the file; `weir run` too; nothing is stored', () => {
    const box = sandbox();
    write(box.ws, { 'p.pipeline.yaml': SQL_FILE_PIPELINE });
    const fifo = fifoWithLateWriter(path.join(box.ws, 'q.sql'));
    try {
      weir(box.ws, ['runs']);
      const same = unchanged(box);
      const v = weir(box.ws, ['validate', 'p.pipeline.yaml'], { timeoutMs: 30_000 });
      expectUserError(v, /^error: p\.pipeline\.yaml:3:10: .*q\.sql: is a FIFO \(named pipe\), not a regular file; a SQL file must be one/);
      const r = weir(box.ws, ['run', 'p.pipeline.yaml'], { timeoutMs: 30_000 });
      expectUserError(r, /^error: p\.pipeline\.yaml:3:10: .*q\.sql: is a FIFO \(named pipe\)/);
      same();
    } finally {
      fifo.stop();
    }
  });

  test('the language server reports it on open without blocking, and a `file:` input that is a FIFO too', async () => {
    const box = sandbox();
    const fifo = fifoWithLateWriter(path.join(box.ws, 'q.sql'));
    expect(spawnSync('mkfifo', [path.join(box.ws, 'd.csv')]).status).toBe(0);
    const lsp = await startLsp(box.ws);
    try {
      const uri = await lsp.open(path.join(box.ws, 'p.pipeline.yaml'), SQL_FILE_PIPELINE);
      const diagnostics = await lsp.diagnosticsFor(uri);
      expect(diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/q\.sql: is a FIFO \(named pipe\), not a regular file; a SQL file must be one/)]);
      const withInput = 'inputs: { d: "file:d.csv" }\nsteps:\n  prep:\n    sql: SELECT * FROM d\n    inputs: { d: ${{ inputs.d }} }\n    outputs: { out: parquet }\n';
      await lsp.change(uri, withInput);
      const second = await lsp.diagnosticsFor(uri);
      expect(second.map((d) => d.message)).toEqual([expect.stringMatching(/input 'd': .*d\.csv: is a FIFO \(named pipe\), not a regular file or folder/)]);
    } finally {
      await lsp.close();
      fifo.stop();
    }
  });
});

describe('symbolic links in step outputs (item 4)', () => {
  test('a link to a file is stored as a copy of the file; a link to a folder is refused', () => {
    const box = sandbox();
    writeFileSync(path.join(box.outside, 'secret.txt'), 'outside\n');
    mkdirSync(path.join(box.outside, 'dir'));
    write(box.ws, {
      'p.pipeline.yaml': [
        'steps:',
        '  filelink:',
        `    script: mkdir -p \${{ outputs.o }} && echo in > \${{ outputs.o }}/a && ln -s ${path.join(box.outside, 'secret.txt')} \${{ outputs.o }}/b`,
        '    outputs: { o: dir }',
        '  dirlink:',
        `    script: mkdir -p \${{ outputs.o }} && ln -s ${path.join(box.outside, 'dir')} \${{ outputs.o }}/d`,
        '    outputs: { o: dir }',
        '',
      ].join('\n'),
    });
    const outsideBefore = treeHashes(box.outside);
    const r = weir(box.ws, ['run', 'p.pipeline.yaml']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/dirlink .*Failed.*is a symbolic link to a folder/);
    const links = spawnSync('find', [path.join(box.ws, '.weir', 'artifacts'), '-type', 'l'], { encoding: 'utf8' }).stdout;
    expect(links).toBe('');
    const copied = spawnSync('find', [path.join(box.ws, '.weir', 'artifacts'), '-name', 'b', '-type', 'f'], { encoding: 'utf8' }).stdout.trim();
    expect(copied).not.toBe('');
    expect(treeHashes(box.outside)).toEqual(outsideBefore);
  });
});
