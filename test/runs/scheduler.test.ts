import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startRun, type RunEvent } from '../../engine/src/scheduler';
import { openWorkspace } from '../../engine/src/store/workspace';
import type { WorkspaceStore } from '../../engine/src/store/storeApi';
import type { RunRecord } from '../../engine/src/store/records';
import { sqlString, withPrivateDuckDB } from '../../engine/src/data/duckdb';
import { isWeirError } from '../../engine/src/errors';
import { python, repoRoot, tempDir, vegaData } from '../helpers/paths';
import { isAlive } from './processes';
import { registerDataset } from '../../engine/src/data/registerDataset';

/** Real store, real DuckDB, real processes: the scheduler end to end, in this process. */

const stores: WorkspaceStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.dispose();
});

async function workspace(files: Record<string, string>): Promise<{ root: string; store: WorkspaceStore }> {
  const root = tempDir('weir-runs-');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text);
  const store = await openWorkspace(root);
  stores.push(store);
  return { root, store };
}

async function waitFor(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const PENGUINS = `name: penguins-summary
parameters:
  min_mass: 2500
inputs:
  penguins: file:${path.join(vegaData, 'penguins.json')}
steps:
  prep:
    sql: prep.sql
    inputs: { penguins: \${{ inputs.penguins }} }
    outputs: { summary: parquet }
  count:
    script:
      command: [bash, -c, 'echo "reading $WEIR_INPUT_SUMMARY"; echo "{\\"ok\\": true}" > "$1"', count, '\${{ outputs.report }}']
    inputs: { summary: \${{ steps.prep.outputs.summary }} }
    outputs: { report: json }
outputs:
  summary: \${{ steps.prep.outputs.summary }}
`;
const PREP_SQL = `SELECT Species, count(*) AS n, round(avg("Body Mass (g)"), 1) AS mass
FROM penguins WHERE "Body Mass (g)" > \${{ parameters.min_mass }}
GROUP BY Species ORDER BY Species
`;

describe('runs', () => {
  test('a sql + script pipeline completes, records outputs, and a rerun reuses every step', async () => {
    const { root, store } = await workspace({ 'p.pipeline.yaml': PENGUINS, 'prep.sql': PREP_SQL });
    const events: RunEvent[] = [];
    const handle = await startRun(store, path.join(root, 'p.pipeline.yaml'));
    handle.onEvent((e) => events.push(e));
    const run = await handle.done;
    expect(run.status).toBe('Completed');
    expect(run.steps.map((s) => [s.name, s.status])).toEqual([['prep', 'Completed'], ['count', 'Completed']]);
    expect(run.outputs.summary!.rows).toBe(3);
    expect(run.outputs.summary!.schema!.map((c) => c.name)).toEqual(['Species', 'n', 'mass']);
    expect(run.pipelineFile).toBe('p.pipeline.yaml');
    expect(run.parameters).toEqual({ min_mass: 2500 });
    const rows = await withPrivateDuckDB(async (c) => (await c.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(store.artifactPath(run.outputs.summary!))})`)).getRowObjectsJson());
    expect(rows.map((r) => r.Species)).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(JSON.parse(readFileSync(store.artifactPath(run.steps[1]!.outputs.report!), 'utf8'))).toEqual({ ok: true });
    expect(await store.readLog(run.id, 'count')).toContain(`reading ${store.artifactPath(run.outputs.summary!)}`);
    expect(events.filter((e) => e.type === 'step-status').map((e) => `${(e as { step: string }).step}:${(e as { status: string }).status}`)).toEqual([
      'prep:Running', 'prep:Completed', 'count:Running', 'count:Completed',
    ]);
    expect(events.some((e) => e.type === 'log' && e.step === 'count' && e.text.startsWith('reading '))).toBe(true);

    const again = await (await startRun(store, path.join(root, 'p.pipeline.yaml'))).done;
    expect(again.status).toBe('Completed');
    expect(again.steps.map((s) => s.status)).toEqual(['Reused', 'Reused']);
    expect(again.steps[0]!.reusedFrom).toEqual({ runId: run.id, step: 'prep' });
    expect(again.outputs.summary!.hash).toBe(run.outputs.summary!.hash);

    const forced = await (await startRun(store, path.join(root, 'p.pipeline.yaml'), { noReuse: true })).done;
    expect(forced.steps.map((s) => s.status)).toEqual(['Completed', 'Completed']);

    // A new parameter value reruns the SQL; the same result (the lightest penguin weighs 2700 g) lets the script be reused.
    const param = await (await startRun(store, path.join(root, 'p.pipeline.yaml'), { params: { min_mass: '2000' } })).done;
    expect(param.parameters).toEqual({ min_mass: 2000 });
    expect(param.steps.map((s) => s.status)).toEqual(['Completed', 'Reused']);

    // Changing the SQL file's text reruns it; a different result reruns what reads it.
    writeFileSync(path.join(root, 'prep.sql'), PREP_SQL.replace('round(avg("Body Mass (g)"), 1)', 'max("Body Mass (g)")'));
    const edited = await (await startRun(store, path.join(root, 'p.pipeline.yaml'))).done;
    expect(edited.steps.map((s) => s.status)).toEqual(['Completed', 'Completed']);
  });

  test('independent steps run in parallel up to the concurrency limit', async () => {
    const yaml = `steps:
  a: { script: 'sleep 0.6' }
  b: { script: 'sleep 0.6' }
  c: { script: 'sleep 0.6' }
`;
    const { root, store } = await workspace({ 'par.pipeline.yaml': yaml });
    const spans = (steps: { startedAt?: string; endedAt?: string }[]) => steps.map((s) => [Date.parse(s.startedAt!), Date.parse(s.endedAt!)] as const);
    const overlaps = (a: readonly [number, number], b: readonly [number, number]) => a[0] < b[1] && b[0] < a[1];

    const t0 = Date.now();
    const wide = await (await startRun(store, path.join(root, 'par.pipeline.yaml'), { concurrency: 3, noReuse: true })).done;
    const wideMs = Date.now() - t0;
    const [a, b, c] = spans(wide.steps);
    expect(overlaps(a!, b!) && overlaps(b!, c!) && overlaps(a!, c!)).toBe(true);
    expect(wideMs).toBeLessThan(1700);

    const narrow = await (await startRun(store, path.join(root, 'par.pipeline.yaml'), { concurrency: 1, noReuse: true })).done;
    const [x, y, z] = spans(narrow.steps);
    expect(overlaps(x!, y!) || overlaps(y!, z!) || overlaps(x!, z!)).toBe(false);
  });

  test('a failing script fails its step, skips its dependants, and lets independent steps finish', async () => {
    const yaml = `steps:
  bad:
    script: [bash, -c, 'echo about to fail; echo oops >&2; exit 3']
    outputs: { out: file }
  after:
    script: 'cat \${{ steps.bad.outputs.out }}'
  fine:
    script: 'echo fine'
`.replace("script: [bash, -c, 'echo about to fail; echo oops >&2; exit 3']", "script: { command: [bash, -c, 'echo about to fail; echo oops >&2; exit 3'] }");
    const { root, store } = await workspace({ 'f.pipeline.yaml': yaml });
    const run = await (await startRun(store, path.join(root, 'f.pipeline.yaml'))).done;
    expect(run.status).toBe('Failed');
    const byName = Object.fromEntries(run.steps.map((s) => [s.name, s]));
    expect(byName.bad!.status).toBe('Failed');
    expect(byName.bad!.error!.message).toContain('exited with code 3');
    expect(byName.bad!.error!.message).toContain('oops');
    expect(byName.after!.status).toBe('Skipped');
    expect(byName.fine!.status).toBe('Completed');
    expect(run.error!.step).toBe('bad');
    expect(await store.readLog(run.id, 'bad')).toContain('about to fail');
  });

  test('a SQL error fails the step naming the SQL file and line', async () => {
    const { root, store } = await workspace({
      's.pipeline.yaml': 'steps:\n  q:\n    sql: bad.sql\n    outputs: { t: parquet }\n',
      'bad.sql': '-- a comment\nCREATE TEMP TABLE x AS SELECT 1 AS a;\nSELECT a,\n       nope\nFROM x\n',
    });
    const run = await (await startRun(store, path.join(root, 's.pipeline.yaml'))).done;
    expect(run.status).toBe('Failed');
    const error = run.steps[0]!.error!;
    expect(error.code).toBe('RUN_FAILED');
    expect(error.message).toMatch(/bad\.sql:4:1: SQL error in bad\.sql at line 4: Binder Error/);
    expect(error.message).toContain('nope');
  });

  test('cancel kills the child process and marks the step and run Canceled', async () => {
    const { root, store } = await workspace({
      'c.pipeline.yaml': `steps:\n  slow:\n    script: { command: [bash, -c, 'echo $$ > "${'${{ outputs.pid }}'}"; exec sleep 30'] }\n    outputs: { pid: file }\n  later:\n    script: 'cat \${{ steps.slow.outputs.pid }}'\n`,
    });
    const handle = await startRun(store, path.join(root, 'c.pipeline.yaml'));
    const outDirPid = () => {
      const tmp = path.join(store.dir, 'tmp');
      const dir = readdirSync(tmp).find((d) => d.startsWith('slow'));
      const file = dir && path.join(tmp, dir, 'pid');
      return file && existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 0;
    };
    await waitFor(() => outDirPid() > 0);
    const pid = outDirPid();
    expect(isAlive(pid)).toBe(true);
    const t0 = Date.now();
    handle.cancel();
    const run = await handle.done;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(run.status).toBe('Canceled');
    expect(run.steps.map((s) => s.status)).toEqual(['Canceled', 'Canceled']);
    await waitFor(() => !isAlive(pid), 3000);
  });

  test('a cancel requested through the store (another process) stops the run', async () => {
    const { root, store } = await workspace({ 'c.pipeline.yaml': 'steps:\n  slow: { script: "sleep 20" }\n' });
    const handle = await startRun(store, path.join(root, 'c.pipeline.yaml'));
    await waitFor(async () => (await store.getRun(handle.runId)).steps[0]!.status === 'Running');
    const other = await openWorkspace(root);
    stores.push(other);
    await other.requestCancel(handle.runId);
    const run = await handle.done;
    expect(run.status).toBe('Canceled');
    expect(run.error?.reason).toBe('Canceled');
  });

  test('register_model registers a script\'s model with lineage to the run, step and dataset version', async () => {
    const { root, store } = await workspace({
      'm.pipeline.yaml': `parameters: { model_name: PenguinModel }
inputs: { data: dataset:penguins_ds }
steps:
  train:
    script: { command: [bash, -c, 'wc -c < "$WEIR_INPUT_DATA" > "$WEIR_OUTPUT_MODEL"'] }
    inputs: { data: \${{ inputs.data }} }
    outputs: { model: model }
  register:
    register_model:
      model: \${{ steps.train.outputs.model }}
      name: \${{ parameters.model_name }}
      tags: { source: test }
`,
    });
    const { version } = await registerDataset(store, 'penguins_ds', [path.join(vegaData, 'penguins.json')]);
    const run = await (await startRun(store, path.join(root, 'm.pipeline.yaml'))).done;
    expect(run.status).toBe('Completed');
    const model = await store.getModel('PenguinModel');
    expect(model.version).toBe(1);
    expect(model.tags).toEqual({ source: 'test' });
    expect(model.lineage).toEqual({ runId: run.id, experiment: run.experiment, step: 'train', datasets: [{ name: 'penguins_ds', version: version.version }] });
    expect(model.artifact.hash).toBe(run.steps[0]!.outputs.model!.hash);
    expect(run.steps[0]!.datasets).toEqual([{ name: 'penguins_ds', version: version.version }]);
  });

  test('bad input throws before a run is created', async () => {
    const { root, store } = await workspace({
      'ok.pipeline.yaml': 'parameters: { n: 1 }\ninputs: { d: dataset:nothing_here }\nsteps:\n  a: { script: "echo ${{ parameters.n }}", inputs: { d: "${{ inputs.d }}" } }\n',
      'ok2.pipeline.yaml': 'parameters: { n: 1 }\nsteps:\n  a: { script: "echo ${{ parameters.n }}" }\n',
    });
    const expectBad = async (p: Promise<unknown>, code: string, text: RegExp) => {
      const e = await p.then(() => undefined, (err: unknown) => err);
      expect(isWeirError(e) && e.code).toBe(code);
      expect(isWeirError(e) && e.format()).toMatch(text);
    };
    await expectBad(startRun(store, path.join(root, 'ok.pipeline.yaml')), 'BAD_INPUT', /ok\.pipeline\.yaml:2:\d+: unknown dataset 'nothing_here'/);
    await expectBad(startRun(store, path.join(root, 'ok2.pipeline.yaml'), { params: { m: '2' } }), 'BAD_INPUT', /unknown parameter 'm'/);
    await expectBad(startRun(store, path.join(root, 'ok2.pipeline.yaml'), { params: { n: 'two' } }), 'BAD_INPUT', /is a number/);
    await expectBad(startRun(store, path.join(root, 'ok2.pipeline.yaml'), { steps: ['zz'] }), 'BAD_INPUT', /unknown step 'zz'/);
    await expectBad(startRun(store, path.join(root, 'missing.pipeline.yaml')), 'NOT_FOUND', /not found/);
    expect(await store.listRuns()).toEqual([]);
  });

  test('a file: glob is snapshotted as one folder; changing a file reruns the step', async () => {
    const { root, store } = await workspace({
      'g.pipeline.yaml': 'inputs: { parts: "file:data/*.csv" }\nsteps:\n  total:\n    sql: SELECT sum(v)::INT AS total, count(*)::INT AS n FROM parts\n    inputs: { parts: ${{ inputs.parts }} }\n    outputs: { t: parquet }\n',
    });
    mkdirSync(path.join(root, 'data'));
    writeFileSync(path.join(root, 'data', 'a.csv'), 'v\n1\n2\n');
    writeFileSync(path.join(root, 'data', 'b.csv'), 'v\n10\n');
    writeFileSync(path.join(root, 'data', 'skip.txt'), 'not matched');
    const total = async (run: RunRecord) =>
      withPrivateDuckDB(async (c) => (await c.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(store.artifactPath(run.steps[0]!.outputs.t!))})`)).getRowObjectsJson()[0]);
    const first = await (await startRun(store, path.join(root, 'g.pipeline.yaml'))).done;
    expect(first.status).toBe('Completed');
    expect(await total(first)).toEqual({ total: 13, n: 3 });
    expect((await (await startRun(store, path.join(root, 'g.pipeline.yaml'))).done).steps[0]!.status).toBe('Reused');
    writeFileSync(path.join(root, 'data', 'b.csv'), 'v\n20\n');
    const changed = await (await startRun(store, path.join(root, 'g.pipeline.yaml'))).done;
    expect(changed.steps[0]!.status).toBe('Completed');
    expect(await total(changed)).toEqual({ total: 23, n: 3 });
  });

  test('examples/penguins runs as shipped (file: input from vega-datasets, SQL prep, Node script, AutoML, register)', async () => {
    const { store } = await workspace({});
    const run = await (await startRun(store, path.join(repoRoot, 'examples', 'penguins', 'penguins.pipeline.yaml'))).done;
    expect(run.status, JSON.stringify(run.error)).toBe('Completed');
    expect(run.outputs.clean_data!.rows).toBe(333);
    const profile = JSON.parse(readFileSync(store.artifactPath(run.outputs.profile!), 'utf8')) as { species: { species: string; rows: number }[] };
    expect(profile.species.map((s) => [s.species, s.rows])).toEqual([['Adelie', 146], ['Chinstrap', 68], ['Gentoo', 119]]);
    const model = await store.getModel('PenguinSpecies');
    expect(model.lineage?.runId).toBe(run.id);
    expect(run.steps.find((s) => s.name === 'train')!.metrics.AUC_weighted).toBeGreaterThan(0.95);
  });

  test('a Python script file gets its interpreter, its arguments as paths and its environment', async () => {
    const { root, store } = await workspace({
      'py.pipeline.yaml': `parameters: { greeting: hello }
steps:
  write:
    script:
      file: write.py
      args: [--out, \${{ outputs.result }}, --greeting, \${{ parameters.greeting }}]
    outputs: { result: json }
    environment: { interpreter: ${JSON.stringify(python)}, variables: { EXTRA: "\${{ parameters.greeting }}-there" } }
`,
      'write.py': [
        'import argparse, json, os',
        'p = argparse.ArgumentParser()',
        "p.add_argument('--out'); p.add_argument('--greeting')",
        'a = p.parse_args()',
        "json.dump({'greeting': a.greeting, 'extra': os.environ['EXTRA'], 'same': os.environ['WEIR_OUTPUT_RESULT'] == a.out}, open(a.out, 'w'))",
        "print('wrote', a.out)",
      ].join('\n'),
    });
    const run = await (await startRun(store, path.join(root, 'py.pipeline.yaml'))).done;
    expect(run.status, JSON.stringify(run.error)).toBe('Completed');
    expect(JSON.parse(readFileSync(store.artifactPath(run.steps[0]!.outputs.result!), 'utf8'))).toEqual({ greeting: 'hello', extra: 'hello-there', same: true });
    expect(await store.readLog(run.id, 'write')).toContain(`$ ${python} ${path.join(root, 'write.py')} --out `);
    // Editing the script defeats reuse; so does a new parameter value.
    expect((await (await startRun(store, path.join(root, 'py.pipeline.yaml'))).done).steps[0]!.status).toBe('Reused');
    writeFileSync(path.join(root, 'write.py'), readFileSync(path.join(root, 'write.py'), 'utf8') + '\n# edited\n');
    expect((await (await startRun(store, path.join(root, 'py.pipeline.yaml'))).done).steps[0]!.status).toBe('Completed');
    expect((await (await startRun(store, path.join(root, 'py.pipeline.yaml'), { params: { greeting: 'hi' } })).done).steps[0]!.status).toBe('Completed');
  });

  test('--step runs the named step and what it needs', async () => {
    const { root, store } = await workspace({
      'p.pipeline.yaml': `steps:\n  a: { script: "echo a > \${{ outputs.o }}", outputs: { o: file } }\n  b: { script: "cat \${{ steps.a.outputs.o }}" }\n  c: { script: "echo c" }\n`,
    });
    const run = await (await startRun(store, path.join(root, 'p.pipeline.yaml'), { steps: ['b'] })).done;
    expect(run.steps.map((s) => s.name)).toEqual(['a', 'b']);
    expect(run.onlySteps).toEqual(['b']);
    expect(await store.readLog(run.id, 'b')).toContain('a');
  });
});
