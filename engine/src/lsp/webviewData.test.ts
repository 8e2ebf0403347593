import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classificationCharts } from '../automl/charts';
import { withConnection, sqlString } from '../data/duckdb';
import type { ArtifactRef, RunRecord, TrialRecord } from '../store/records';
import type { WorkspaceStore } from '../store/storeApi';
import { openWorkspace } from '../store/workspace';
import { startLsp } from '../../../test/lsp/lspHarness';
import { PreviewPageRequest, RunDetailsRequest, WebviewRunChangedNotification, WeirResponseErrorCodes } from '../protocol';
import { compareRuns, modelCard, pipelineGraph, previewInfo, previewPage, previewProfile, runDetails, stepLogTail, trialCharts } from './webviewData';
import { registerDataset } from '../data/registerDataset';

/**
 * The webview data handlers against a real workspace store, real Parquet written by DuckDB
 * and chart data made by the AutoML chart code: a Titanic-shaped run written the way the
 * scheduler writes one.
 */
const penguins = path.resolve(__dirname, '../../../node_modules/vega-datasets/data/penguins.json');

const pipelineYaml = `name: penguins-automl
experiment: penguins
parameters:
  model_name: Penguins
inputs:
  penguins: dataset:penguins_ds
steps:
  dataprep:
    sql: dataprep.sql
    inputs: { penguins: \${{ inputs.penguins }} }
    outputs: { prepped: parquet }
  train:
    automl:
      task: classification
      label_column_name: Species
      primary_metric: AUC_weighted
    inputs: { training_data: \${{ steps.dataprep.outputs.prepped }} }
  register:
    register_model:
      model: \${{ steps.train.outputs.model }}
      name: \${{ parameters.model_name }}
`;

let root: string;
let store: WorkspaceStore;
let run: RunRecord;
let prepped: ArtifactRef;
let model: ArtifactRef;

function trial(iteration: number, auc: number, algorithm = 'XGBoostClassifier'): TrialRecord {
  return { iteration, algorithm, hyperparameters: { max_depth: 3 + iteration }, status: 'Completed', metrics: { AUC_weighted: auc, accuracy: auc - 0.1 }, startedAt: new Date().toISOString(), durationMs: 100 + iteration };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'weir-webview-data-'));
  store = await openWorkspace(root);
  await writeFile(path.join(root, 'penguins.pipeline.yaml'), pipelineYaml);

  const scratch = await store.makeTempDir('test');
  const parquet = path.join(scratch, 'data.parquet');
  await withConnection((c) => c.run(`COPY (SELECT * FROM read_json_auto(${sqlString(penguins)})) TO ${sqlString(parquet)} (FORMAT parquet)`));
  prepped = await store.putArtifact(parquet, 'parquet', { rows: 344, schema: undefined });

  const modelDir = path.join(scratch, 'model');
  await mkdir(modelDir);
  const yTrue = [0, 1, 1, 0, 1, 0, 1, 1];
  const proba = yTrue.flatMap((y, i) => {
    const p = Math.min(0.95, Math.max(0.05, y * 0.6 + 0.2 + (i % 3) * 0.05));
    return [1 - p, p];
  });
  await writeFile(path.join(modelDir, 'charts.json'), JSON.stringify(classificationCharts({ yTrue, proba, classes: ['Adelie', 'Gentoo'] })));
  await writeFile(
    path.join(modelDir, 'model.json'),
    JSON.stringify({
      format: 'weir-automl',
      version: 1,
      task: 'classification',
      labelColumn: 'Species',
      labelType: 'string',
      classes: ['Adelie', 'Gentoo'],
      primaryMetric: 'AUC_weighted',
      iteration: 2,
      algorithm: 'XGBoostClassifier',
      metrics: { AUC_weighted: 0.97 },
      featurizer: { version: 1, inputSchema: [{ name: 'Beak Length (mm)', duckType: 'DOUBLE' }, { name: 'Island', duckType: 'VARCHAR' }], featureNames: [], columns: [{ name: 'Island', purpose: 'Categorical', params: {} }] },
      estimator: {},
      createdAt: new Date().toISOString(),
    }),
  );
  // The automl step keeps per-trial chart data for its best rows in trial-charts/<iteration>.json.
  await mkdir(path.join(modelDir, 'trial-charts'));
  await writeFile(
    path.join(modelDir, 'trial-charts', '1.json'),
    JSON.stringify(classificationCharts({ yTrue, proba: yTrue.flatMap((y) => [0.7 - 0.4 * y, 0.3 + 0.4 * y]), classes: ['Adelie', 'Gentoo'] })),
  );
  await writeFile(path.join(modelDir, 'guardrails.json'), JSON.stringify([{ name: 'Class balancing detection', status: 'Passed', description: 'balanced' }]));
  await writeFile(path.join(modelDir, 'importances.json'), JSON.stringify({ Island_Biscoe: 0.2, 'Beak Length (mm)': 0.7, Sex: 0.1 }));
  model = await store.putArtifact(modelDir, 'model');

  run = await store.createRun({
    experiment: 'penguins',
    pipelineName: 'penguins-automl',
    pipelineFile: 'penguins.pipeline.yaml',
    parameters: { model_name: 'Penguins' },
    outputs: {},
    steps: [
      { name: 'dataprep', kind: 'sql', status: 'Completed', outputs: { prepped }, metrics: {} },
      { name: 'train', kind: 'automl', status: 'Completed', outputs: { model }, metrics: { AUC_weighted: 0.97 }, trialCount: 3 },
      { name: 'register', kind: 'register_model', status: 'Completed', outputs: {}, metrics: {} },
    ],
  });
  for (const t of [trial(0, 0.91), trial(1, 0.93, 'LogisticRegression'), trial(2, 0.97)]) await store.addTrial(run.id, 'train', t);
  await store.appendLog(run.id, 'train', Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n') + '\n');
});

afterAll(async () => {
  await store?.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('runDetails', () => {
  it('builds the graph from the pipeline file and the AutoML details from the model folder', async () => {
    const data = await runDetails(store, run.id);
    expect(data.graph.nodes.map((n) => n.id)).toEqual(['input:penguins', 'dataprep', 'train', 'register']);
    expect(data.graph.edges).toEqual([
      { from: 'input:penguins', to: 'dataprep' },
      { from: 'dataprep', to: 'train' },
      { from: 'train', to: 'register' },
    ]);
    const automl = data.automl[0];
    expect(automl.step).toBe('train');
    expect(automl.trials.map((t) => t.iteration)).toEqual([0, 1, 2]);
    expect(automl.primaryMetric).toBe('AUC_weighted');
    expect(automl.bestIteration).toBe(2);
    expect(automl.guardrails[0].status).toBe('Passed');
    expect(automl.featureImportances!.map((f) => f.feature)).toEqual(['Beak Length (mm)', 'Island_Biscoe', 'Sex']);
  });

  it('chains the steps in order when the pipeline file is gone', () => {
    const graph = pipelineGraph(run, undefined);
    expect(graph.nodes.map((n) => n.id)).toEqual(['dataprep', 'train', 'register']);
    expect(graph.edges).toEqual([
      { from: 'dataprep', to: 'train' },
      { from: 'train', to: 'register' },
    ]);
  });

  it('shows a reused AutoML step with the trials of the run it was reused from', async () => {
    const rerun = await store.createRun({
      ...run,
      steps: run.steps.map((s) => (s.name === 'train' ? { ...s, status: 'Reused' as const, reusedFrom: { runId: run.id, step: 'train' } } : { ...s })),
    });
    const data = await runDetails(store, rerun.id);
    expect(data.automl[0].trials.map((t) => t.iteration)).toEqual([0, 1, 2]);
    expect((await trialCharts(store, rerun.id, 'train', 2))!.roc!.length).toBeGreaterThan(0);
  });

  it('names a missing run', async () => {
    await expect(runDetails(store, '20990101-000000-nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('stepLogTail', () => {
  it('returns the whole log, or its last whole lines', async () => {
    expect((await stepLogTail(store, run.id, 'train')).text).toContain('line 0\n');
    const tail = await stepLogTail(store, run.id, 'train', 40);
    expect(tail.truncated).toBe(true);
    expect(tail.text.startsWith('line ')).toBe(true);
    expect(tail.text.endsWith('line 49\n')).toBe(true);
    expect(await stepLogTail(store, run.id, 'dataprep')).toEqual({ text: '', truncated: false });
    await expect(stepLogTail(store, run.id, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('trialCharts', () => {
  it('normalises the best model’s chart file for the webview', async () => {
    const best = await trialCharts(store, run.id, 'train');
    expect(best!.task).toBe('classification');
    expect(best!.iteration).toBe(2);
    expect(best!.roc!.length).toBeGreaterThanOrEqual(2);
    expect(best!.roc![0].name).toMatch(/AUC \d\.\d{3}/);
    expect(best!.roc![0].points.at(-1)).toEqual({ x: 1, y: 1 });
    expect(best!.confusionMatrix!.labels).toEqual(['Adelie', 'Gentoo']);
    expect(best!.calibration!.length).toBeGreaterThan(0);
    expect(best!.featureImportances![0].feature).toBe('Beak Length (mm)');
    expect((await trialCharts(store, run.id, 'train', 2))!.roc).toEqual(best!.roc);
  });

  it('serves a trial’s own chart file from the model folder’s trial-charts/', async () => {
    const charts = await trialCharts(store, run.id, 'train', 1);
    expect(charts!.iteration).toBe(1);
    expect(charts!.roc![0].name).toMatch(/AUC 1\.000/);
    expect(charts!.roc).not.toEqual((await trialCharts(store, run.id, 'train'))!.roc);
  });

  it('answers null for a trial without chart data and NOT_FOUND for an unknown one', async () => {
    expect(await trialCharts(store, run.id, 'train', 0)).toBeNull();
    await expect(trialCharts(store, run.id, 'train', 99)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('data preview', () => {
  const target = () => ({ runId: run.id, step: 'dataprep', output: 'prepped' });

  it('reads schema, pages and a profile of a step output with DuckDB', async () => {
    const info = await previewInfo(store, target());
    expect(info.rows).toBe(344);
    expect(info.schema.map((c) => c.name)).toContain('Species');
    const first = await previewPage(store, target(), 0, 10);
    expect(first.count).toBe(10);
    expect(first.values).toHaveLength(info.schema.length);
    expect(first.values[first.columns.indexOf('Species')][0]).toBe('Adelie');
    // Numbers stay numbers (DuckDB prints BIGINT as text in JSON); nulls stay null.
    expect(first.values[first.columns.indexOf('Body Mass (g)')][0]).toBe(3750);
    expect(first.values[first.columns.indexOf('Beak Length (mm)')][0]).toBe(39.1);
    expect(first.values[first.columns.indexOf('Beak Length (mm)')][3]).toBeNull();
    const last = await previewPage(store, target(), 340, 10);
    expect(last.count).toBe(4);
    expect(last.offset).toBe(340);
    const profile = await previewProfile(store, target());
    const beak = profile.columns.find((c) => c.name === 'Beak Length (mm)')!;
    expect(beak.nulls).toBe(2);
    expect(beak.min).toBeCloseTo(32.1);
    expect(beak.histogram!.reduce((a, b) => a + b.count, 0)).toBe(342);
    const species = profile.columns.find((c) => c.name === 'Species')!;
    expect(species.distinct).toBe(3);
    expect(species.top![0]).toEqual({ value: 'Adelie', count: 152 });
  });

  it('previews a dataset version too', async () => {
    await registerDataset(store, 'penguins_ds', [penguins]);
    const info = await previewInfo(store, { dataset: 'penguins_ds' });
    expect(info.title).toBe('penguins_ds:1');
    expect(info.rows).toBe(344);
    expect((await previewPage(store, { dataset: 'penguins_ds', version: 1 }, 0, 3)).count).toBe(3);
  });

  it('rejects bad pages and non-table outputs, naming the value at fault', async () => {
    await expect(previewPage(store, target(), -1, 10)).rejects.toThrow(/offset .* got -1/);
    await expect(previewPage(store, target(), 0, 100000)).rejects.toThrow(/1 to 5000 rows, got 100000/);
    await expect(previewInfo(store, { runId: run.id, step: 'train', output: 'model' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(previewInfo(store, { runId: run.id, step: 'dataprep', output: 'nope' })).rejects.toThrow(/has no output 'nope' \(it has: prepped\)/);
  });
});

describe('model card and comparison', () => {
  it('describes a registered AutoML model from its artifact', async () => {
    await store.registerModel('Penguins', model, { tags: { task: 'classification' }, lineage: { runId: run.id, experiment: 'penguins', step: 'train', datasets: [{ name: 'penguins_ds', version: 1 }] } });
    const card = await modelCard(store, 'Penguins');
    expect(card.model.version).toBe(1);
    expect(card.versions).toEqual([1]);
    expect(card.algorithm).toBe('XGBoostClassifier');
    expect(card.inputSchema).toEqual([
      { name: 'Beak Length (mm)', type: 'DOUBLE' },
      { name: 'Island', type: 'VARCHAR' },
    ]);
    expect(card.model.metrics).toEqual({ AUC_weighted: 0.97 });
    expect(card.featureImportances![0].feature).toBe('Beak Length (mm)');
  });

  it('compares 2 to 7 runs with their trials', async () => {
    const other = await store.createRun({ ...run, parameters: { model_name: 'Other' }, steps: run.steps.map((s) => ({ ...s })) });
    await store.addTrial(other.id, 'train', trial(0, 0.5));
    const compared = await compareRuns(store, [run.id, other.id]);
    expect(compared.map((c) => c.run.id)).toEqual([run.id, other.id]);
    expect(compared[1].trials[0].trials).toHaveLength(1);
    expect(compared[0].trials[0].primaryMetric).toBe('AUC_weighted');
    await expect(compareRuns(store, [run.id])).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});

describe('over the language server', () => {
  it('answers the webview requests and tells the editor when a run changes, also from another store', async () => {
    const lsp = await startLsp(root);
    try {
      const details = await lsp.client.sendRequest(RunDetailsRequest.type, { runId: run.id });
      expect(details.run.id).toBe(run.id);
      expect(details.automl[0].trials.length).toBeGreaterThanOrEqual(3);
      const page = await lsp.client.sendRequest(PreviewPageRequest.type, { target: { runId: run.id, step: 'dataprep', output: 'prepped' }, offset: 0, limit: 5 });
      expect(page.count).toBe(5);
      // A trial recorded by this test's own store (another writer, as a CLI would be) reaches the editor.
      const changed = lsp.waitForNotification(WebviewRunChangedNotification.method, (p: { runId: string }) => p.runId === run.id, 20_000);
      await store.addTrial(run.id, 'train', trial(9, 0.8));
      expect(await changed).toEqual({ runId: run.id });
      await expect(lsp.client.sendRequest(RunDetailsRequest.type, { runId: '20990101-000000-nope' })).rejects.toMatchObject({ code: WeirResponseErrorCodes.NOT_FOUND });
    } finally {
      await lsp.close();
    }
  });
});
