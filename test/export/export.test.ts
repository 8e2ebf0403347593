import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../engine/src/cli/main';
import type { CliIO } from '../../engine/src/cli/command';
import { exportAzureML } from '../../engine/src/export/azureml';
import { readTableFile } from '../../engine/src/automl/model/tableFiles';
import { openWorkspace } from '../../engine/src/store/workspace';
import type { WorkspaceStore } from '../../engine/src/store/storeApi';
import { python, repoRoot, tempDir, titanicCsv } from '../helpers/paths';
import { mltableProblems, pipelineProblems, readAsAzure } from './azureml';
import { registerDataset } from '../../engine/src/data/registerDataset';

const examples = {
  titanic: path.join(repoRoot, 'examples/titanic/titanic.pipeline.yaml'),
  penguins: path.join(repoRoot, 'examples/penguins/penguins.pipeline.yaml'),
  forecast: path.join(repoRoot, 'examples/forecast/co2.pipeline.yaml'),
};
const expectedDir = path.join(__dirname, 'expected');

async function cli(argv: string[], workspace: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), json: (v) => out.push(JSON.stringify(v)), isTTY: false, signal: new AbortController().signal };
  const code = await main([...argv, '--workspace', workspace], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A pipeline file in a temp folder (the automl settings under test, on a file: input). */
function pipelineWith(automl: string, extra = ''): string {
  const dir = tempDir('weir-export-');
  const file = path.join(dir, 'p.pipeline.yaml');
  writeFileSync(
    file,
    [
      'name: settings-test',
      'inputs:',
      `  table: file:${titanicCsv}`,
      'steps:',
      '  train:',
      '    automl:',
      ...automl.split('\n').map((l) => `      ${l}`),
      '    inputs: { training_data: ${{ inputs.table }} }',
      extra,
    ].join('\n'),
  );
  return file;
}

let ws: string;
let store: WorkspaceStore;

beforeAll(async () => {
  ws = tempDir('weir-export-ws-');
  store = await openWorkspace(ws);
  await registerDataset(store, 'titanic_ds', [titanicCsv], { description: 'Titanic baseline data' });
});
afterAll(async () => {
  await store?.dispose();
});

describe('weir export azureml: the examples', () => {
  for (const [name, file] of Object.entries(examples)) {
    it(`${name}: pipeline.yml equals the hand-checked expected file and validates against the shipped schema`, async () => {
      const out = path.join(tempDir(), name);
      const result = await exportAzureML(file, { outDir: out, compute: 'cpu-cluster', store });
      const expected = readFileSync(path.join(expectedDir, name, 'pipeline.yml'), 'utf8');
      expect(result.yaml).toBe(expected);
      expect(readFileSync(path.join(out, 'pipeline.yml'), 'utf8')).toBe(expected);
      expect(pipelineProblems(result.yaml, out)).toEqual([]);
    });
  }

  it("mirrors Azure's AutoML sample: a command job feeds an automl node whose best_model a register job consumes", async () => {
    for (const file of Object.values(examples)) {
      const out = path.join(tempDir(), 'x');
      const { yaml } = await exportAzureML(file, { outDir: out, compute: 'cpu-cluster', store });
      const jobs = readAsAzure(yaml).jobs as Record<string, Record<string, unknown>>;
      const automl = Object.entries(jobs).find(([, j]) => j.type === 'automl');
      expect(automl).toBeDefined();
      const [trainName, train] = automl!;
      expect(train.outputs).toEqual({ best_model: { type: 'mlflow_model' } });
      const feeder = String(train.training_data).match(/^\$\{\{parent\.jobs\.(\w+)\.outputs\.\w+\}\}$/)?.[1];
      expect(jobs[feeder!]?.type).toBe('command');
      const register = Object.values(jobs).find((j) => String(j.command).includes('weir_register.py'));
      expect((register!.inputs as Record<string, string>).model).toBe(`\${{parent.jobs.${trainName}.outputs.best_model}}`);
    }
  });

  it('copies the registered dataset snapshot into an MLTable folder', async () => {
    const out = path.join(tempDir(), 'titanic');
    const result = await exportAzureML(examples.titanic, { outDir: out, store });
    expect(result.files).toEqual(expect.arrayContaining(['data/titanic/MLTable', 'data/titanic/data.parquet', 'src/sql/dataprep.sql', 'src/weir_sql.py', 'environments/weir-duckdb.yml']));
    const mltable = readFileSync(path.join(out, 'data/titanic/MLTable'), 'utf8');
    expect(mltableProblems(mltable)).toEqual([]);
    expect(readAsAzure(mltable)).toMatchObject({ paths: [{ file: './data.parquet' }], transformations: ['read_parquet'] });
    const version = await store.getDataset('titanic_ds');
    expect(readFileSync(path.join(out, 'data/titanic/data.parquet'))).toEqual(readFileSync(store.artifactPath(version.artifact)));
    expect(readFileSync(path.join(out, 'src/sql/dataprep.sql'), 'utf8')).toBe(readFileSync(path.join(repoRoot, 'examples/titanic/dataprep.sql'), 'utf8'));
  });

  it('without a store, refers to the Azure data asset of the same name and says so on the input line', async () => {
    const out = path.join(tempDir(), 'titanic');
    const { yaml, warnings } = await exportAzureML(examples.titanic, { outDir: out });
    expect((readAsAzure(yaml).inputs as Record<string, unknown>).titanic).toEqual({ type: 'mltable', path: 'azureml:titanic_ds@latest' });
    expect(warnings.find((w) => w.line === 7)?.message).toContain("no workspace store (.weir/) here, so dataset 'titanic_ds' is not copied");
    expect(pipelineProblems(yaml, out)).toEqual([]);
  });

  it('refers to Azure data assets with --data-assets, and needs no store then', async () => {
    const out = path.join(tempDir(), 'titanic');
    const { yaml, files } = await exportAzureML(examples.titanic, { outDir: out, dataAssets: true });
    expect((readAsAzure(yaml).inputs as Record<string, unknown>).titanic).toEqual({ type: 'mltable', path: 'azureml:titanic_ds@latest' });
    expect(files.some((f) => f.startsWith('data/'))).toBe(false);
    expect(pipelineProblems(yaml, out)).toEqual([]);
  });

  it('warns, naming the line, about the 15-minute minimum, the metrics output and the compute default', async () => {
    const out = path.join(tempDir(), 'p');
    const { warnings, yaml } = await exportAzureML(examples.penguins, { outDir: out });
    const text = warnings.map((w) => `${w.line}: ${w.message}`);
    expect(text).toContain("29: Azure's smallest AutoML timeout is 15 minutes: timeout_minutes is 15 instead of 1");
    expect(text.some((t) => t.startsWith('43: ') && t.includes("'metrics_output'"))).toBe(true);
    expect(text.some((t) => t.startsWith('1: no --compute given'))).toBe(true);
    expect(readAsAzure(yaml).settings).toEqual({ default_compute: 'azureml:cpu-cluster' });
    expect(warnings.every((w) => w.file === examples.penguins)).toBe(true);
  });
});

describe('automl settings', () => {
  it('writes featurization off quoted, so PyYAML reads the string "off" and not false', async () => {
    const out = path.join(tempDir(), 'o');
    const { yaml } = await exportAzureML(pipelineWith('task: classification\nlabel_column_name: Survived\nfeaturization: "off"'), { outDir: out, compute: 'c' });
    expect(yaml).toContain('mode: "off"');
    const jobs = readAsAzure(yaml).jobs as Record<string, { featurization: unknown }>;
    expect(jobs.train!.featurization).toEqual({ mode: 'off' });
    expect(pipelineProblems(yaml, out)).toEqual([]);
  });

  it('puts forecasting settings in the nested forecasting block and nowhere else', async () => {
    const out = path.join(tempDir(), 'f');
    const file = pipelineWith(
      'task: forecasting\nlabel_column_name: Fare\ntime_column_name: Age\ntime_series_id_column_names: Pclass\nforecast_horizon: 6\ntarget_lags: 3\ntarget_rolling_window_size: 4\nseasonality: 12',
    );
    const { yaml } = await exportAzureML(file, { outDir: out, compute: 'c' });
    const train = (readAsAzure(yaml).jobs as Record<string, Record<string, unknown>>).train!;
    expect(train.forecasting).toEqual({ time_column_name: 'Age', time_series_id_column_names: ['Pclass'], forecast_horizon: 6, target_lags: [1, 2, 3], target_rolling_window_size: 4, seasonality: 12 });
    for (const key of ['time_column_name', 'forecast_horizon', 'target_lags', 'seasonality']) expect(train[key]).toBeUndefined();
    expect(pipelineProblems(yaml, out)).toEqual([]);
  });

  it('translates featurization drop_columns into a DuckDB prep job before the automl node', async () => {
    const out = path.join(tempDir(), 'd');
    const file = pipelineWith('task: classification\nlabel_column_name: Survived\nfeaturization:\n  drop_columns: [Name, Ticket]\n  column_purposes: { Pclass: Categorical, Cabin: Ignore }\n  transformer_params: { Imputer: { Age: { strategy: median } } }\n  blocked_transformers: [CatTargetEncoder]');
    const { yaml, files } = await exportAzureML(file, { outDir: out, compute: 'c' });
    const jobs = readAsAzure(yaml).jobs as Record<string, Record<string, unknown>>;
    expect(jobs.train!.training_data).toBe('${{parent.jobs.train_drop_columns.outputs.result}}');
    expect(jobs.train!.featurization).toEqual({
      mode: 'custom',
      column_name_and_types: { Pclass: 'Categorical' },
      transformer_params: { imputer: [{ fields: ['Age'], parameters: { strategy: 'median' } }] },
      blocked_transformers: ['cat_target_encoder'],
    });
    expect(files).toContain('src/sql/train_drop_columns.sql');
    expect(readFileSync(path.join(out, 'src/sql/train_drop_columns.sql'), 'utf8')).toContain('SELECT * EXCLUDE ("Cabin", "Name", "Ticket") FROM training_data');
    expect(pipelineProblems(yaml, out)).toEqual([]);
  });
});

describe('the CLI', () => {
  it('weir export azureml writes the folder and prints the warnings with file:line', async () => {
    const out = path.join(tempDir(), 'cli-out');
    const r = await cli(['export', 'azureml', examples.penguins, '--out', out, '--compute', 'gpu-cluster'], ws);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Wrote ${path.join(out, 'pipeline.yml')}`);
    expect(r.err).toContain(`${examples.penguins}:29: warning: Azure's smallest AutoML timeout`);
    expect(readAsAzure(readFileSync(path.join(out, 'pipeline.yml'), 'utf8')).settings).toEqual({ default_compute: 'azureml:gpu-cluster' });
  });

  it('bad input exits 2 with a clear message and writes nothing', async () => {
    const empty = tempDir();
    const out = path.join(empty, 'never');
    let r = await cli(['export', 'azureml', examples.penguins], ws);
    expect(r.code).toBe(2);
    expect(r.err).toContain('usage: weir export azureml FILE --out DIR');
    r = await cli(['export', 'azureml', path.join(empty, 'missing.pipeline.yaml'), '--out', out], ws);
    expect(r.code).toBe(2);
    expect(r.err).toContain('pipeline file not found');
    r = await cli(['export', 'azureml', examples.penguins, '--out', out, '--automl', 'sagemaker'], ws);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--automl takes azure or weir, not 'sagemaker'");
    expect(existsSync(out)).toBe(false);
    // A store without the dataset is bad input, as for weir run.
    const otherStore = tempDir();
    await (await openWorkspace(otherStore)).dispose();
    r = await cli(['export', 'azureml', examples.titanic, '--out', out], otherStore);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/titanic\.pipeline\.yaml:7:\d+: .*titanic_ds/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses to replace a folder that holds something other than an export', async () => {
    const out = tempDir();
    writeFileSync(path.join(out, 'notes.txt'), 'mine');
    const r = await cli(['export', 'azureml', examples.penguins, '--out', out], ws);
    expect(r.code).toBe(2);
    expect(r.err).toContain('holds no earlier export');
    expect(readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('the offline checks themselves', () => {
  it('reject what Azure would reject: unquoted off, a timeout under 15 minutes, a dangling binding, an unknown key', async () => {
    const good = readFileSync(path.join(expectedDir, 'titanic', 'pipeline.yml'), 'utf8');
    expect(pipelineProblems(good)).toEqual([]);
    expect(pipelineProblems(good.replace('mode: auto', 'mode: off'))).not.toEqual([]);
    expect(pipelineProblems(good.replace('timeout_minutes: 15', 'timeout_minutes: 1'))).not.toEqual([]);
    expect(pipelineProblems(good.replace('parent.jobs.dataprep.outputs.prepped', 'parent.jobs.prep.outputs.prepped'))).toEqual(['jobs.train.training_data: ${{parent.jobs.prep.outputs.prepped}} names no job']);
    expect(pipelineProblems(good.replace('max_trials: 20', 'iterations: 20'))).not.toEqual([]);
    expect(pipelineProblems(good.replace('--name ${{inputs.model_name}}', '--name ${{inputs.name}}'))).toEqual(['jobs.register.command: ${{inputs.name}} is not an input of the job']);
    expect(mltableProblems('paths:\n  - file: ./data.parquet\ntransformations:\n  - read_excel\n')).not.toEqual([]);
  });
});

describe('--automl weir', () => {
  it("exports a command job with Weir's engine, whose runner trains a Weir model from an MLTable folder", async () => {
    const out = path.join(tempDir(), 'w');
    const file = pipelineWith('task: classification\nlabel_column_name: Survived\niterations: 3\nn_cross_validations: 3\nseed: 3');
    const { yaml, files, warnings } = await exportAzureML(file, { outDir: out, compute: 'c', automl: 'weir' });
    expect(pipelineProblems(yaml, out)).toEqual([]);
    const train = (readAsAzure(yaml).jobs as Record<string, Record<string, unknown>>).train!;
    expect(train).toMatchObject({ type: 'command', code: './weir', environment: { image: 'node:20-bookworm-slim' }, outputs: { model: { type: 'custom_model' }, metrics: { type: 'uri_file' } } });
    expect(train.command).toBe('node weir_automl.mjs --settings automl/train.json --input training_data=${{inputs.training_data}} --model ${{outputs.model}} --metrics ${{outputs.metrics}}');
    expect(files).toEqual(expect.arrayContaining(['weir/weir_automl.mjs', 'weir/dist/cli.js', 'weir/dist/worker.js', 'weir/dist/gbdt.wasm', 'weir/dist/node_modules/@duckdb/node-api/package.json']));
    // The seed goes to Weir's own search, so no warning about it here.
    expect(warnings.some((w) => w.message.includes('takes no seed'))).toBe(false);

    // Run the job's command as Azure would, on an MLTable folder like the one a sql job writes.
    const input = path.join(tempDir(), 'mltable');
    mkdirSync(input);
    writeFileSync(path.join(input, 'titanic.csv'), readFileSync(titanicCsv));
    writeFileSync(path.join(input, 'MLTable'), 'paths:\n  - file: ./titanic.csv\n');
    const results = tempDir();
    const run = spawnSync(process.execPath, ['weir_automl.mjs', '--settings', 'automl/train.json', '--input', `training_data=${input}`, '--model', path.join(results, 'model'), '--metrics', path.join(results, 'metrics.json')], { cwd: path.join(out, 'weir'), encoding: 'utf8' });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(JSON.parse(readFileSync(path.join(results, 'model', 'model.json'), 'utf8'))).toMatchObject({ task: 'classification' });
    expect(Object.keys(JSON.parse(readFileSync(path.join(results, 'metrics.json'), 'utf8')))).toContain('accuracy');

    // A score step under --automl weir scores that Weir model with the same engine.
    const withScore = pipelineWith('task: classification\nlabel_column_name: Survived\niterations: 3', ['  score:', '    score: { keep_columns: false }', '    inputs:', '      model: ${{ steps.train.outputs.model }}', '      data: ${{ inputs.table }}'].join('\n'));
    const scored = await exportAzureML(withScore, { outDir: path.join(tempDir(), 'ws'), compute: 'c', automl: 'weir' });
    expect(pipelineProblems(scored.yaml, path.join(path.dirname(scored.pipelineFile)))).toEqual([]);
    const scoreJob = (readAsAzure(scored.yaml).jobs as Record<string, Record<string, unknown>>).score!;
    expect(scoreJob).toMatchObject({ code: './weir', command: 'node weir_score.mjs --model ${{inputs.model}} --data ${{inputs.data}} --output ${{outputs.predictions}} --prediction-only', inputs: { model: '${{parent.jobs.train.outputs.model}}' } });
    const predictions = path.join(tempDir(), 'predictions');
    const score = spawnSync(process.execPath, ['weir_score.mjs', '--model', path.join(results, 'model'), '--data', input, '--output', predictions, '--prediction-only'], { cwd: path.join(path.dirname(scored.pipelineFile), 'weir'), encoding: 'utf8' });
    expect(score.status, score.stderr + score.stdout).toBe(0);
    expect(readFileSync(path.join(predictions, 'MLTable'), 'utf8')).toContain('- read_parquet');
    const table = await readTableFile(path.join(predictions, 'data.parquet'));
    expect(table.rows).toBe(891);
    expect(table.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['prediction']));
  });
});

describe('the programs the jobs run', () => {
  // DuckDB and MLflow for Python are not on this machine, so the Python runners are checked
  // for syntax with the Python that is; the Node runner of --automl weir runs for real above.
  it('every Python runner written into src/ parses', async () => {
    const out = path.join(tempDir(), 'py');
    const file = pipelineWith('task: classification\nlabel_column_name: Survived', ['  score:', '    score: {}', '    inputs:', '      model: ${{ steps.train.outputs.model }}', '      data: ${{ inputs.table }}', '  register:', '    register_model: { model: "${{ steps.train.outputs.model }}", name: M, description: d, tags: { a: 1 } }'].join('\n'));
    const { files, yaml } = await exportAzureML(file, { outDir: out, compute: 'c' });
    expect(pipelineProblems(yaml, out)).toEqual([]);
    const runners = files.filter((f) => f.endsWith('.py'));
    expect(runners.sort()).toEqual(['src/weir_register.py', 'src/weir_score.py']);
    for (const runner of runners) {
      const r = spawnSync(python, ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])', path.join(out, runner)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    const sqlOut = path.join(tempDir(), 'sql');
    const sqlFiles = (await exportAzureML(examples.titanic, { outDir: sqlOut, dataAssets: true })).files;
    expect(sqlFiles).toContain('src/weir_sql.py');
    const r = spawnSync(python, ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])', path.join(sqlOut, 'src/weir_sql.py')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });
});
