import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { openWorkspace } from '../../engine/src/store/workspace';
import type { RunRecord } from '../../engine/src/store/records';
import { cliBundle, repoRoot, titanicCsv, tempDir, vegaData } from '../helpers/paths';
import { isAlive } from './processes';
import { registerDataset } from '../../engine/src/data/registerDataset';

/** The bundled CLI (`node dist/cli.js`, built by `npm test`) as a user runs it. */

function weir(cwd: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cliBundle, ...args], { cwd, encoding: 'utf8', env: { ...process.env, WEIR_CLI_MAIN: '1' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function startWeir(cwd: string, ...args: string[]) {
  const child = spawn(process.execPath, [cliBundle, ...args], { cwd, env: { ...process.env, WEIR_CLI_MAIN: '1' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  return { child, exited, output: () => out, errors: () => err };
}

async function waitFor(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 30));
  }
}

/** Every file under the store's durable folders with its size: "the store as it was". */
function storeState(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${path.relative(root, p)}:${statSync(p).size}`);
    }
  };
  for (const d of ['runs', 'datasets', 'models', 'artifacts', 'index']) walk(path.join(root, '.weir', d));
  return out.sort();
}

function write(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text);
}

describe('weir CLI', () => {
  test('each bad input: a message with file and line or value, exit 2, and the store as it was', async () => {
    const root = tempDir('weir-cli-');
    const store = await openWorkspace(root);
    await registerDataset(store, 'penguins_ds', [path.join(vegaData, 'penguins.json')]);
    await store.dispose();
    write(root, {
      'ok.sql': 'SELECT * FROM d\n',
      'bad.sql': 'SELECT 1 AS a;\n\nSELECT *\nFROMM d\n',
      'bad-sql.pipeline.yaml': 'inputs:\n  d: dataset:penguins_ds\nsteps:\n  a:\n    sql: bad.sql\n    inputs: { d: ${{ inputs.d }} }\n    outputs: { t: parquet }\n',
      'malformed.pipeline.yaml': 'steps:\n  a:\n    sql: [unclosed\n  b: 1\n',
      'unknown-ref.pipeline.yaml': 'steps:\n  a:\n    sql: SELECT 1\n    outputs: { t: parquet }\n  b:\n    sql: SELECT * FROM x\n    inputs: { x: ${{ steps.a.outputs.nope }} }\n',
      'cycle.pipeline.yaml': 'steps:\n  a:\n    sql: SELECT * FROM x\n    inputs: { x: ${{ steps.b.outputs.t }} }\n    outputs: { t: parquet }\n  b:\n    sql: SELECT * FROM y\n    inputs: { y: ${{ steps.a.outputs.t }} }\n    outputs: { t: parquet }\n',
      'missing-sql.pipeline.yaml': 'steps:\n  a:\n    sql: nowhere/prep.sql\n    outputs: { t: parquet }\n',
      'unknown-ds.pipeline.yaml': 'inputs:\n  d: dataset:no_such_ds\nsteps:\n  a:\n    sql: ok.sql\n    inputs: { d: ${{ inputs.d }} }\n',
      'unknown-version.pipeline.yaml': 'inputs:\n  d: dataset:penguins_ds:7\nsteps:\n  a:\n    sql: ok.sql\n    inputs: { d: ${{ inputs.d }} }\n',
      'params.pipeline.yaml': 'parameters:\n  n: 5\nsteps:\n  a:\n    sql: SELECT ${{ parameters.n }} AS n\n',
      'unknown-param-ref.pipeline.yaml': 'steps:\n  a:\n    sql: SELECT ${{ parameters.zz }} AS n\n',
    });
    const before = storeState(root);
    const cases: [string[], RegExp][] = [
      [['run', 'malformed.pipeline.yaml'], /malformed\.pipeline\.yaml:\d+:\d+: YAML syntax error/],
      [['run', 'unknown-ref.pipeline.yaml'], /unknown-ref\.pipeline\.yaml:7:18: step 'a' has no output 'nope'/],
      [['run', 'cycle.pipeline.yaml'], /cycle\.pipeline\.yaml:\d+:\d+: steps form a cycle: /],
      [['run', 'missing-sql.pipeline.yaml'], /missing-sql\.pipeline\.yaml:3:10: SQL file not found: .*nowhere\/prep\.sql/],
      [['run', 'unknown-ds.pipeline.yaml'], /unknown-ds\.pipeline\.yaml:2:6: unknown dataset 'no_such_ds'\n.*weir dataset register no_such_ds/],
      [['run', 'unknown-version.pipeline.yaml'], /unknown-version\.pipeline\.yaml:2:6: dataset 'penguins_ds' has no version 7 \(versions: 1\)/],
      [['run', 'params.pipeline.yaml', '--param', 'm=3'], /unknown parameter 'm' \(--param m=3\)\n.*declares: n/],
      [['run', 'unknown-param-ref.pipeline.yaml'], /unknown-param-ref\.pipeline\.yaml:3:17: unknown parameter 'zz'/],
      [['validate', 'cycle.pipeline.yaml'], /cycle\.pipeline\.yaml:\d+:\d+: steps form a cycle/],
      [['validate', 'bad-sql.pipeline.yaml'], /bad-sql\.pipeline\.yaml:5:10: bad\.sql line 4: Parser Error: syntax error at or near "d"/],
      [['run', 'show', 'run_nope'], /no run 'run_nope'/],
    ];
    for (const [args, message] of cases) {
      const r = weir(root, ...args);
      expect(r.code, `${args.join(' ')}\n${r.err}`).toBe(2);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(storeState(root), `store changed by: weir ${args.join(' ')}`).toEqual(before);
    }
    const valid = weir(root, 'validate', 'params.pipeline.yaml');
    expect(valid.code).toBe(0);
    expect(valid.out).toContain('params.pipeline.yaml: valid — 1 step (a)');
    const json = JSON.parse(weir(root, 'validate', 'unknown-ref.pipeline.yaml', '--json').out);
    expect(json.valid).toBe(false);
    expect(json.diagnostics[0]).toMatchObject({ code: 'unknown-reference', range: { start: { line: 6, character: 17 } } });
  });

  test('run prints statuses and the run id; a rerun reuses; runs, show, logs and download', () => {
    const root = tempDir('weir-cli-');
    write(root, {
      'p.pipeline.yaml': `inputs:\n  penguins: file:${path.join(vegaData, 'penguins.json')}\nsteps:\n  prep:\n    sql: SELECT Species, count(*) AS n FROM penguins GROUP BY 1 ORDER BY 1\n    inputs: { penguins: \${{ inputs.penguins }} }\n    outputs: { counts: parquet }\n  say:\n    script: echo counted \${{ steps.prep.outputs.counts }}\noutputs:\n  counts: \${{ steps.prep.outputs.counts }}\n`,
    });
    const first = weir(root, 'run', 'p.pipeline.yaml');
    expect(first.code, first.err).toBe(0);
    const runId = /^Run (run_\S+)/.exec(first.out)![1]!;
    expect(first.out).toMatch(/prep\s+Running/);
    expect(first.out).toMatch(/prep\s+Completed/);
    expect(first.out).toMatch(/\[say\]\s+counted /);
    expect(first.out).toContain(`Run ${runId} Completed`);

    const second = weir(root, 'run', 'p.pipeline.yaml');
    expect(second.code).toBe(0);
    expect(second.out).toMatch(new RegExp(`prep\\s+Reused .*reused from ${runId}/prep`));
    expect(second.out).toMatch(/say\s+Reused/);

    const runs = JSON.parse(weir(root, 'runs', '--json').out) as RunRecord[];
    expect(runs).toHaveLength(2);
    expect(runs[1]!.id).toBe(runId);
    expect(weir(root, 'runs').out).toMatch(/Completed .*2 Reused/);
    const shown = JSON.parse(weir(root, 'run', 'show', runId, '--json').out) as RunRecord;
    expect(shown.outputs.counts!.rows).toBe(3);
    expect(weir(root, 'run', 'show', 'latest').out).toMatch(/prep\s+sql\s+Reused/);
    expect(weir(root, 'run', 'logs', runId, 'say').out).toContain('counted ');
    expect(weir(root, 'run', 'logs', runId, 'nope').code).toBe(2);

    const to = path.join(root, 'out');
    const dl = weir(root, 'run', 'download', runId, 'counts', '--to', to);
    expect(dl.code, dl.err).toBe(0);
    expect(readFileSync(path.join(to, 'counts.parquet')).subarray(0, 4).toString()).toBe('PAR1');
    const missing = weir(root, 'run', 'download', runId, 'nothing');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('Outputs: counts, prep.counts');
  });

  test('the Titanic example: validates, and its dataprep runs on titanic_ds registered from the article data', () => {
    const root = tempDir('weir-cli-');
    const example = path.join(repoRoot, 'examples', 'titanic', 'titanic.pipeline.yaml');
    const registered = weir(root, 'dataset', 'register', 'titanic_ds', titanicCsv);
    expect(registered.code, registered.err).toBe(0);
    const valid = weir(root, 'validate', example, '--workspace', root);
    expect(valid.code, valid.err).toBe(0);
    expect(valid.out).toContain('valid — 3 steps (dataprep → train → register)');
    const run = weir(root, 'run', example, '--step', 'dataprep');
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/dataprep\s+Completed/);
    const record = JSON.parse(weir(root, 'run', 'show', 'latest', '--json').out) as RunRecord;
    expect(record.experiment).toBe('titanic_automl');
    expect(record.parameters).toEqual({ model_name: 'TitanicSurvivalInitial' });
    expect(record.steps[0]!.outputs.prepped!.rows).toBe(891);
    expect(record.steps[0]!.outputs.prepped!.schema!.map((c) => c.name)).toEqual(['Survived', 'Pclass', 'Sex', 'SibSp', 'Parch', 'Embarked', 'Age_Group', 'Fare_Group']);
    expect(record.steps[0]!.datasets).toEqual([{ name: 'titanic_ds', version: 1 }]);
    expect(weir(root, 'run', example, '--step', 'dataprep').out).toMatch(/dataprep\s+Reused/);
  });

  test('a SQL error and a failing script exit 1 with the file and line or the exit code', () => {
    const root = tempDir('weir-cli-');
    write(root, {
      'sqlerr.pipeline.yaml': 'steps:\n  q:\n    sql: broken.sql\n    outputs: { t: parquet }\n',
      'broken.sql': 'SELECT 1 AS a,\n  2 AS b\nFROM range(3)\nWHERE missing_col > 1\n',
      'script.pipeline.yaml': 'steps:\n  s:\n    script: "echo failing now; exit 1"\n  t:\n    script: "echo never"\n    inputs: {}\n',
    });
    const sql = weir(root, 'run', 'sqlerr.pipeline.yaml');
    expect(sql.code).toBe(1);
    expect(sql.out + sql.err).toMatch(/broken\.sql:4:1: SQL error in broken\.sql at line 4: Binder Error.*missing_col/);
    const script = weir(root, 'run', 'script.pipeline.yaml');
    expect(script.code).toBe(1);
    expect(script.out).toMatch(/s\s+Failed .*sh exited with code 1/);
    expect(script.err).toContain("step 's' failed");
  });

  test('Ctrl-C and `weir run cancel` kill the child process and mark the run Canceled', async () => {
    const root = tempDir('weir-cli-');
    write(root, { 'slow.pipeline.yaml': 'steps:\n  slow:\n    script: "echo pid $$; exec sleep 30"\n' });
    for (const how of ['SIGINT', 'cancel'] as const) {
      const run = startWeir(root, 'run', 'slow.pipeline.yaml', '--no-reuse');
      await waitFor(() => /pid (\d+)/.test(run.output()));
      const pid = Number(/pid (\d+)/.exec(run.output())![1]);
      const runId = /^Run (run_\S+)/.exec(run.output())![1]!;
      expect(isAlive(pid)).toBe(true);
      if (how === 'SIGINT') run.child.kill('SIGINT');
      else expect(weir(root, 'run', 'cancel', runId).out).toContain(`Run ${runId} Canceled`);
      expect(await run.exited).toBe(1);
      expect(run.output()).toMatch(/slow\s+Canceled/);
      await waitFor(() => !isAlive(pid), 3000);
      const shown = JSON.parse(weir(root, 'run', 'show', runId, '--json').out) as RunRecord;
      expect(shown.status).toBe('Canceled');
    }
  });

  test('kill -9 of `weir run` mid-step: the next open shows it Failed/Interrupted, other runs intact', async () => {
    const root = tempDir('weir-cli-');
    write(root, {
      'quick.pipeline.yaml': 'steps:\n  q:\n    sql: SELECT 42 AS answer\n    outputs: { t: parquet }\n',
      'slow.pipeline.yaml': 'steps:\n  slow:\n    script: "echo pid $$; exec sleep 30"\n',
    });
    expect(weir(root, 'run', 'quick.pipeline.yaml').code).toBe(0);
    const run = startWeir(root, 'run', 'slow.pipeline.yaml');
    await waitFor(() => /pid (\d+)/.test(run.output()));
    const pid = Number(/pid (\d+)/.exec(run.output())![1]);
    run.child.kill('SIGKILL');
    await run.exited;
    process.kill(pid, 'SIGKILL'); // stop the sleep now; otherwise the next store open would (test/runs/orphans.test.ts)
    const runs = JSON.parse(weir(root, 'runs', '--json').out) as RunRecord[];
    expect(runs.map((r) => [r.pipelineName, r.status, r.error?.reason])).toEqual([
      ['slow', 'Failed', 'Interrupted'],
      ['quick', 'Completed', undefined],
    ]);
    const again = weir(root, 'run', 'quick.pipeline.yaml');
    expect(again.out).toMatch(/q\s+Reused/);
  });

  test('two `weir run` processes on one workspace at once both complete', async () => {
    const root = tempDir('weir-cli-');
    write(root, {
      'a.pipeline.yaml': 'steps:\n  one:\n    sql: SELECT range AS i FROM range(1000)\n    outputs: { t: parquet }\n  two:\n    script: sleep 0.3\n',
      'b.pipeline.yaml': 'steps:\n  one:\n    sql: SELECT range AS j FROM range(2000)\n    outputs: { t: parquet }\n  two:\n    script: sleep 0.3\n',
    });
    const a = startWeir(root, 'run', 'a.pipeline.yaml');
    const b = startWeir(root, 'run', 'b.pipeline.yaml');
    expect(await a.exited, a.errors()).toBe(0);
    expect(await b.exited, b.errors()).toBe(0);
    const runs = JSON.parse(weir(root, 'runs', '--json').out) as RunRecord[];
    expect(runs.map((r) => r.status)).toEqual(['Completed', 'Completed']);
    expect(new Set(runs.map((r) => r.pipelineName))).toEqual(new Set(['a', 'b']));
  });
});
