import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { reportError } from '../../engine/src/cli/main';
import type { RunRecord } from '../../engine/src/store/records';
import type { WorkspaceStore } from '../../engine/src/store/storeApi';
import { openWorkspace } from '../../engine/src/store/workspace';
import { cliBundle } from '../helpers/paths';
import { expectUserError, sandbox, storeHash, unchanged, weir, write, type Sandbox } from './helpers';

/**
 * Issue 11's stack-trace list: every user-caused failure prints `error: <file or value>:
 * <reason>`, exits 2, shows no stack, and leaves the store and the outside as they were.
 */

const stores: WorkspaceStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.dispose();
});

const OK = 'steps:\n  s:\n    script: echo hi\n';
const REGISTER = [
  'parameters: { model_name: M }',
  'inputs: { d: "dataset:D" }',
  'steps:',
  '  m:',
  '    script: cp ${{ inputs.d }} ${{ outputs.o }}',
  '    outputs: { o: model }',
  '  r:',
  '    register_model: { model: "${{ steps.m.outputs.o }}", name: "${{ parameters.model_name }}" }',
  'outputs: { o: "${{ steps.m.outputs.o }}" }',
  '',
].join('\n');

/** A workspace with a store, a dataset D (two versions), a run and a model M with lineage to D:2. */
function populated(): Sandbox {
  const box = sandbox();
  write(box.ws, { 'a.csv': 'x,y\n1,2\n', 'b.csv': 'x,y\n3,4\n', 'ok.pipeline.yaml': OK, 'reg.pipeline.yaml': REGISTER });
  expect(weir(box.ws, ['dataset', 'register', 'D', 'a.csv']).code).toBe(0);
  expect(weir(box.ws, ['dataset', 'register', 'D', 'b.csv']).code).toBe(0);
  const r = weir(box.ws, ['run', 'reg.pipeline.yaml']);
  expect(r.code, r.out + r.err).toBe(0);
  return box;
}

/** Runs the CLI and asserts a clean user error with the store and the outside unchanged. */
function refused(box: Sandbox, args: string[], first: RegExp): void {
  const same = unchanged(box);
  expectUserError(weir(box.ws, args), first);
  same();
}

describe('bad pipeline files and flags', () => {
  const box = populated();

  test('a YAML alias bomb', () => {
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', OK].join('\n');
    write(box.ws, { 'bomb.pipeline.yaml': bomb });
    refused(box, ['run', 'bomb.pipeline.yaml'], /bomb\.pipeline\.yaml:1:1: YAML aliases expand too much/);
  });

  test('YAML nested 20,000 levels deep', () => {
    write(box.ws, { 'deep.pipeline.yaml': `${OK}x: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n` });
    refused(box, ['run', 'deep.pipeline.yaml'], /deep\.pipeline\.yaml:\d+:\d+: the YAML is nested too deeply to read/);
  });

  test('--experiment of 300 characters: refused before a run folder exists', () => {
    refused(box, ['run', 'ok.pipeline.yaml', '--experiment', 'e'.repeat(300)], /^error: invalid experiment name 'e+…'/);
  });

  test('a 300-character step name fails validate, not the run', () => {
    write(box.ws, { 'long.pipeline.yaml': `steps:\n  ${'s'.repeat(300)}:\n    script: echo\n` });
    const v = weir(box.ws, ['validate', 'long.pipeline.yaml']);
    expect(v.code).toBe(2);
    expect(v.out + v.err).toMatch(/names are at most 100 characters/);
    refused(box, ['run', 'long.pipeline.yaml'], /long\.pipeline\.yaml:2:3: .*names are at most 100 characters/);
  });

  test('--param model_name=../../x is refused before the run starts', () => {
    refused(box, ['run', 'reg.pipeline.yaml', '--param', 'model_name=../../x'], /^error: step 'r': settings are invalid with these parameters: name: a model name holds/);
  });

  test('`--workspace W` before the command works', () => {
    const r = weir(box.root, ['--workspace', box.ws, 'runs']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Completed/);
  });

  test('--limit -1 gets a range message', () => {
    refused(box, ['runs', '--limit', '-1'], /^error: --limit wants a whole number > 0, got '-1'/);
  });

  test('model predict --out into a missing folder', () => {
    refused(box, ['model', 'predict', 'M', 'a.csv', '--out', path.join(box.root, 'nonexistent', 'dir', 'x.csv')], /^error: .*nonexistent\/dir: no such folder for --out/);
  });

  test('a model.json that is not a model', () => {
    mkdirSync(path.join(box.ws, 'bogus'));
    writeFileSync(path.join(box.ws, 'bogus', 'model.json'), JSON.stringify({ format: 'weir-automl', version: 1, estimator: { type: 'Bogus' }, featurizer: null }));
    expect(weir(box.ws, ['model', 'register', 'B', 'bogus']).code).toBe(0);
    refused(box, ['model', 'predict', 'B', 'a.csv', '--out', path.join(box.ws, 'p.csv')], /^error: .*bogus\/model\.json: not a model Weir can load/);
  });
});

describe('corrupted record files affect only their own entry and name the file', () => {
  test('a truncated run.json: `run show` names it; `weir runs` still lists', () => {
    const box = populated();
    const runId = readdirSync(path.join(box.ws, '.weir', 'runs'))[0]!;
    const file = path.join(box.ws, '.weir', 'runs', runId, 'run.json');
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 40));
    refused(box, ['run', 'show', runId], new RegExp(`^error: .*runs/${runId}/run\\.json: corrupted record`));
    expect(weir(box.ws, ['runs']).code).toBe(0);
  });

  test('a truncated datasets/D/1.json: other versions list and show, new versions are added', () => {
    const box = populated();
    const file = path.join(box.ws, '.weir', 'datasets', 'D', '1.json');
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 30));
    refused(box, ['dataset', 'show', 'D:1'], /^error: .*datasets\/D\/1\.json: corrupted record/);
    const list = weir(box.ws, ['dataset', 'list']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/D\s+2/);
    expect(weir(box.ws, ['dataset', 'show', 'D:2']).code).toBe(0);
    write(box.ws, { 'c.csv': 'x,y\n5,6\n' });
    const added = weir(box.ws, ['dataset', 'register', 'D', 'c.csv']);
    expect(added.code, added.err).toBe(0);
    expect(added.out).toMatch(/D:3/);
  });

  test('a truncated models/M/1.json: `model show M:1` names it; the list goes on', () => {
    const box = populated();
    expect(weir(box.ws, ['run', 'reg.pipeline.yaml', '--param', 'model_name=Other']).code).toBe(0);
    const file = path.join(box.ws, '.weir', 'models', 'M', '1.json');
    writeFileSync(file, '{"name": "M", "vers');
    refused(box, ['model', 'show', 'M:1'], /^error: .*models\/M\/1\.json: corrupted record/);
    const list = weir(box.ws, ['model', 'list']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/Other/);
  });
});

describe('other failures', () => {
  test('run download of an artifact that is gone', () => {
    const box = populated();
    for (const prefix of readdirSync(path.join(box.ws, '.weir', 'artifacts'))) rmSync(path.join(box.ws, '.weir', 'artifacts', prefix), { recursive: true });
    refused(box, ['run', 'download', 'latest', 'o', '--to', path.join(box.ws, 'got')], /^error: .*: output 'o' of run_\S+ is no longer in the artifact store/);
    expect(existsSync(path.join(box.ws, 'got', 'o'))).toBe(false);
  });

  test('deleting a dataset version a model was trained on warns, and still deletes', () => {
    const box = populated();
    const r = weir(box.ws, ['dataset', 'delete', 'D:2']);
    expect(r.code).toBe(0);
    expect(r.first).toMatch(/^warning: model M:1 \(trained on D:2\) names the deleted version in its lineage/);
    const quiet = weir(box.ws, ['dataset', 'delete', 'D:1']);
    expect(quiet.code).toBe(0);
    expect(quiet.err).toBe('');
  });

  test('`weir run … | head -2`: the closed pipe does not end the run, which completes', async () => {
    const box = sandbox();
    write(box.ws, { 'p.pipeline.yaml': 'steps:\n  s:\n    script: seq 1 20000\n' });
    const child = spawn(process.execPath, [cliBundle, 'run', 'p.pipeline.yaml'], { cwd: box.ws, env: { ...process.env, WEIR_CLI_MAIN: '1' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Read the first chunk, then go away as `head` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
    expect(err).not.toMatch(/EPIPE|internal error/);
    expect(code).toBe(0);
    const run = JSON.parse(weir(box.ws, ['run', 'show', 'latest', '--json']).out) as RunRecord;
    expect(run.status).toBe('Completed');
  });

  test('a run record that cannot be written leaves no empty run folder or marker', async () => {
    const box = sandbox();
    const store = await openWorkspace(box.ws);
    stores.push(store);
    const before = storeHash(box.ws);
    // A 300-character experiment reaches the file system here (startRun refuses it earlier).
    await expect(store.createRun({ experiment: 'e'.repeat(300), pipelineName: 'p', pipelineFile: 'p.pipeline.yaml', parameters: {}, steps: [], outputs: {} })).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
    expect(readdirSync(path.join(box.ws, '.weir', 'runs'))).toEqual([]);
    expect(storeHash(box.ws)).toBe(before);
  });
});

describe('how errors are printed', () => {
  function printed(e: unknown, verbose = false): { code: number; text: string } {
    const lines: string[] = [];
    const code = reportError(e, { err: (t) => lines.push(t) }, verbose);
    return { code, text: lines.join('\n') };
  }

  test('a full disk (on run, on dataset delete) is a user error naming the file, exit 2, no stack', () => {
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write '/w/.weir/runs/r/run.json'"), { code: 'ENOSPC', syscall: 'write', path: '/w/.weir/runs/r/run.json' });
    const r = printed(enospc);
    expect(r.code).toBe(2);
    expect(r.text.split('\n')[0]).toBe('error: /w/.weir/runs/r/run.json: no space left on device');
    expect(r.text).not.toMatch(/\n\s+at .+:\d+/);
    const rename = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', syscall: 'rename', path: '/w/.weir/tmp/x', dest: '/w/.weir/datasets/D/1.json' });
    expect(printed(rename).text.split('\n')[0]).toBe('error: /w/.weir/tmp/x: no space left on device');
  });

  test('a bug says internal error without a stack; --verbose shows it', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    const quiet = printed(bug);
    expect(quiet.code).toBe(1);
    expect(quiet.text).toMatch(/^internal error: Cannot read properties/);
    expect(quiet.text).not.toMatch(/\n\s+at /);
    expect(printed(bug, true).text).toMatch(/\n\s+at /);
  });
});
