import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAutoML } from '../../engine/src/automl/runAutoML';
import { automlStep } from '../../engine/src/steps/automlStep';
import { parseAutoMLConfig } from '../../engine/src/automl/settings';
import { loadModel } from '../../engine/src/automl/model/loadModel';
import { type EstimatorSpec, type MemberPredictions, restoreEstimator } from '../../engine/src/automl/model/estimator';
import { transform } from '../../engine/src/automl/featurize';
import type { ModelArtifact } from '../../engine/src/automl/model/modelArtifact';
import { splitTestRows } from '../../engine/src/automl/evaluation/testSet';
import { computeMetrics } from '../../engine/src/automl/metrics';
import type { ColumnarTable } from '../../engine/src/automl/types';
import { readColumnar } from '../../engine/src/data/tables';
import { writeTableFile } from '../../engine/src/automl/model/tableFiles';
import { startRun } from '../../engine/src/scheduler';
import { openWorkspace } from '../../engine/src/store/workspace';
import { WeirError } from '../../engine/src/errors';
import { runDetails } from '../../engine/src/lsp/webviewData';
import { cliBundle, repoRoot, tempDir, titanicCsv } from '../helpers/paths';
import { syntheticClassification, syntheticRegression } from './tables';
import { registerDataset } from '../../engine/src/data/registerDataset';

function select(t: ColumnarTable, rows: ArrayLike<number>): ColumnarTable {
  const idx = Array.from(rows);
  return {
    rows: idx.length,
    columns: t.columns.map((c) => (c.type === 'string' ? { ...c, values: idx.map((i) => c.values[i]) } : { ...c, values: Float64Array.from(idx, (i) => c.values[i]) })) as ColumnarTable['columns'],
  };
}

async function automl(config: Record<string, unknown>, training: ColumnarTable, test?: ColumnarTable) {
  const logs: string[] = [];
  const result = await runAutoML({ config: parseAutoMLConfig(config), training, test, outDir: tempDir('weir-testset-'), log: (t) => logs.push(t), signal: new AbortController().signal });
  return { result, logs };
}

/** Every classification metric recomputed from `loadModel(...).predict` on the test rows. */
function metricsFromPredict(modelDir: string, test: ColumnarTable, label: string): Record<string, number> {
  const model = loadModel(modelDir);
  try {
    const p = model.predict(test);
    const y = test.columns.find((c) => c.name === label)!;
    const classes = model.classes!;
    const proba = new Float64Array(test.rows * classes.length);
    classes.forEach((c, j) => p.probabilities![c].forEach((v, i) => (proba[i * classes.length + j] = v)));
    const yTrue = Float64Array.from({ length: test.rows }, (_, i) => classes.indexOf(String(y.values[i])));
    return computeMetrics({ task: 'classification', yTrue, pred: proba, numClasses: classes.length });
  } finally {
    model.dispose();
  }
}

function expectClose(actual: Record<string, number>, expected: Record<string, number>, keys: string[]) {
  for (const k of keys) expect(Math.abs(actual[k] - expected[k]), `${k}: ${actual[k]} vs ${expected[k]}`).toBeLessThanOrEqual(1e-9);
}

describe('test-set evaluation', () => {
  it('test_data_size holds out a stratified, seeded share before the search and scores the best model and each ensemble on it', async () => {
    const training = syntheticClassification(400);
    const config = { task: 'classification', label_column_name: 'label', primary_metric: 'AUC_weighted', iterations: 4, n_cross_validations: 3, max_concurrent_iterations: 2, seed: 5, test_data_size: 0.25 };
    const { result, logs } = await automl(config, training);
    const testRows = splitTestRows(training, 'label', 'classification', 0.25, 5);
    expect(testRows.length).toBe(100);
    // Stratified: the test set has the class mix of the table.
    const label = training.columns.find((c) => c.name === 'label')!.values as Float64Array;
    const ones = label.reduce((n, v) => n + v, 0);
    expect(Array.from(testRows).filter((i) => label[i] === 1).length).toBe(Math.round(ones * 0.25));
    // The search saw only the other 300 rows.
    expect(logs[0]).toMatch(/^AutoML classification: 300 rows/);
    expect(logs.join('\n')).toMatch(/test set: 100 rows held out \(test_data_size 0.25\)/);

    const artifact = JSON.parse(readFileSync(path.join(result.modelDir, 'model.json'), 'utf8')) as ModelArtifact;
    expect(artifact.test).toMatchObject({ source: 'test_data_size', fraction: 0.25, rows: 100 });
    expect(Object.keys(artifact.test!.metrics)).toEqual(expect.arrayContaining(['AUC_weighted', 'accuracy', 'log_loss', 'f1_score_macro', 'matthews_correlation']));
    expect(result.test).toEqual(artifact.test);
    // The chosen model and both ensembles are scored.
    const board = JSON.parse(readFileSync(path.join(result.modelDir, 'leaderboard.json'), 'utf8')) as { iteration: number; algorithm: string; testMetrics?: Record<string, number> }[];
    const scored = board.filter((r) => r.testMetrics).map((r) => r.algorithm);
    expect(scored).toEqual(expect.arrayContaining(['VotingEnsemble', 'StackEnsemble']));
    expect(board.find((r) => r.iteration === artifact.iteration)!.testMetrics).toEqual(artifact.test!.metrics);
    expect(Object.keys(artifact.test!.byIteration).length).toBe(scored.length);
    const charts = JSON.parse(readFileSync(path.join(result.modelDir, 'test-charts.json'), 'utf8')) as { kind: string; confusionMatrix: { counts: number[][] } };
    expect(charts.kind).toBe('classification');
    expect(charts.confusionMatrix.counts.flat().reduce((a, b) => a + b, 0)).toBe(100);

    // Equal to scoring the held-out rows with the saved model.
    const recomputed = metricsFromPredict(result.modelDir, select(training, testRows), 'label');
    expectClose(artifact.test!.metrics, recomputed, Object.keys(artifact.test!.metrics));

    // The test set restores and predicts each member once for every row that shares it; each
    // estimator predicts as it does restored alone.
    const X = transform(artifact.featurizer, select(training, testRows));
    const spec = artifact.estimator;
    const members = spec.type === 'stack' ? spec.base : spec.type === 'voting' ? spec.members.map((m) => m.model) : spec.type === 'single' ? [spec.model] : [];
    const voting: EstimatorSpec = { type: 'voting', members: members.map((model, i) => ({ weight: i + 1, model })) };
    const shared: MemberPredictions = new Map();
    for (const s of [spec, voting, spec]) {
      const alone = restoreEstimator(s, 2);
      const withShared = restoreEstimator(s, 2, shared);
      expect(Array.from(withShared.predict(X))).toEqual(Array.from(alone.predict(X)));
      alone.dispose();
      withShared.dispose();
    }
    expect([...shared.keys()].sort()).toEqual(members.map((m) => m.iteration).sort());

    // Seeded: the same settings give the same split and the same test scores.
    const again = await automl(config, training);
    expect(again.result.test!.metrics).toEqual(artifact.test!.metrics);
  });

  it('test_data scores a separate table; regression metrics are normalized by the training label range', async () => {
    const all = syntheticRegression(360);
    const training = select(all, Array.from({ length: 300 }, (_, i) => i));
    const test = select(all, Array.from({ length: 60 }, (_, i) => 300 + i));
    const { result } = await automl({ task: 'regression', label_column_name: 'target', iterations: 3, n_cross_validations: 3, max_concurrent_iterations: 1, enable_stack_ensemble: false }, training, test);
    expect(result.test).toMatchObject({ source: 'test_data', rows: 60 });
    expect(Object.keys(result.test!.metrics)).toEqual(expect.arrayContaining(['r2_score', 'normalized_root_mean_squared_error', 'spearman_correlation']));
    const model = loadModel(result.modelDir);
    const p = model.predict(test);
    model.dispose();
    const y = training.columns.find((c) => c.name === 'target')!.values as Float64Array;
    // The search holds the label as float32, and its range (the normalizer of every normalized metric) with it.
    const labelRange = { min: Math.fround(Math.min(...y)), max: Math.fround(Math.max(...y)) };
    const expected = computeMetrics({ task: 'regression', yTrue: test.columns.find((c) => c.name === 'target')!.values as Float64Array, pred: Float64Array.from(p.prediction as number[]), labelRange });
    expectClose(result.test!.metrics, expected, Object.keys(result.test!.metrics));
  });

  it('rejects a bad test set before the search, naming the problem', async () => {
    const training = syntheticClassification(120);
    const noLabel = select(training, [0, 1, 2]);
    noLabel.columns = noLabel.columns.filter((c) => c.name !== 'label');
    const base = { task: 'classification', label_column_name: 'label', iterations: 2, n_cross_validations: 3 };
    await expect(automl(base, training, noLabel)).rejects.toThrow(/the test data has no label column 'label'/);
    const newClass = select(training, [0, 1, 2]);
    newClass.columns = newClass.columns.map((c) => (c.name === 'label' ? { name: 'label', type: 'string', duckType: 'VARCHAR', values: ['0', '1', '7'] } : c)) as ColumnarTable['columns'];
    await expect(automl(base, training, newClass)).rejects.toThrow(/the test data has class '7' in 'label', which the training data lacks/);
    await expect(automl({ ...base, test_data_size: 0.001 }, training)).rejects.toThrow(WeirError);
    await expect(automl({ ...base, test_data_size: 0.001 }, training)).rejects.toThrow(/test_data_size 0.001 leaves no test rows out of 120 labelled rows/);
    // A regression on a text label (seattle-weather's `weather`) says so, not "no test rows out of 0 labelled rows".
    const words = select(training, [...Array(120).keys()]);
    words.columns = words.columns.map((c) => (c.name === 'label' ? { name: 'label', type: 'string', duckType: 'VARCHAR', values: Array.from({ length: 120 }, (_, i) => (i % 2 ? 'rain' : 'sun')) } : c)) as ColumnarTable['columns'];
    await expect(automl({ ...base, task: 'regression', test_data_size: 0.2 }, words)).rejects.toThrow(/label column 'label' must be numeric for regression, but holds 'sun'/);
  });

  it('validates the settings: ranges, exclusivity, forecasting, and the step inputs', () => {
    const base = { task: 'classification', label_column_name: 'label' };
    expect(() => parseAutoMLConfig({ ...base, test_data_size: 1 })).toThrow(/test_data_size: test_data_size must be a fraction between 0 and 1/);
    expect(() => parseAutoMLConfig({ ...base, test_data_size: 0.2, test_data: 'holdout' })).toThrow(/set either test_data or test_data_size, not both/);
    expect(() => parseAutoMLConfig({ task: 'forecasting', label_column_name: 'y', time_column_name: 't', test_data_size: 0.2 })).toThrow(/test_data_size applies to tasks 'classification' and 'regression'/);
    const schema = [{ name: 'label', type: 'BIGINT' }, { name: 'x', type: 'DOUBLE' }];
    const check = (config: Record<string, unknown>, inputs: Record<string, unknown>) => automlStep.check!(parseAutoMLConfig({ ...base, ...config }), { pipelineDir: '.', inputSchemas: inputs as never });
    expect(check({ test_data: 'holdout' }, { training_data: schema })).toEqual([{ path: ['test_data'], message: "test_data names input 'holdout', which the step does not have (inputs: training_data)" }]);
    expect(check({ test_data_size: 0.2 }, { training_data: schema, test_data: schema })[0].path).toEqual(['test_data_size']);
    expect(check({}, { training_data: schema, test_data: [{ name: 'x', type: 'DOUBLE' }] })[0].message).toMatch(/the test data \(input 'test_data'\) has no label column 'label'/);
    expect(check({ test_data: 'holdout' }, { training_data: schema, holdout: schema })).toEqual([]);
  });
});

describe('test-set evaluation in a pipeline', () => {
  it('records test metrics beside the CV ones, and they equal scoring the test table with `weir model predict` on the registered model', async () => {
    const ws = tempDir('weir-testset-pipeline-');
    cpSync(path.join(repoRoot, 'examples', 'titanic'), ws, { recursive: true });
    const file = path.join(ws, 'titanic.pipeline.yaml');
    const yaml = readFileSync(file, 'utf8')
      .replace('iterations: 20', 'iterations: 3\n      seed: 1')
      .replace('n_cross_validations: 5', 'n_cross_validations: 3\n      max_concurrent_iterations: 2\n      test_data_size: 0.2');
    writeFileSync(file, yaml);
    const store = await openWorkspace(ws);
    let modelName = '';
    let testTable: ColumnarTable;
    let recorded: ModelArtifact['test'];
    let cvPrimary = 0;
    try {
      await registerDataset(store, 'titanic_ds', [titanicCsv]);
      const run = await (await startRun(store, file)).done;
      expect(run.status, JSON.stringify(run.error)).toBe('Completed');
      const train = run.steps.find((s) => s.name === 'train')!;
      expect(train.metrics.test_AUC_weighted).toBeGreaterThan(0.7);
      expect(Object.keys(train.metrics)[0]).toBe('AUC_weighted');
      cvPrimary = train.metrics.AUC_weighted;
      const [model] = await store.listModels();
      modelName = model.name;
      expect(model.metrics?.test_AUC_weighted).toBe(train.metrics.test_AUC_weighted);
      const folder = store.artifactPath(model.artifact);
      expect(readdirSync(folder)).toContain('test-charts.json');
      recorded = (JSON.parse(readFileSync(path.join(folder, 'model.json'), 'utf8')) as ModelArtifact).test;
      expect(recorded).toMatchObject({ source: 'test_data_size', fraction: 0.2 });
      // Recreate the held-out rows of the prepped table the step read.
      const prepped = await readColumnar(store.artifactPath(run.steps.find((s) => s.name === 'dataprep')!.outputs.prepped));
      testTable = select(prepped, splitTestRows(prepped, 'Survived', 'classification', 0.2, 1));
      expect(testTable.rows).toBe(recorded!.rows);

      // The run details view gets the same numbers beside the validation ones.
      const details = (await runDetails(store, run.id)).automl[0].testSet!;
      expect(details).toMatchObject({ source: 'test_data_size', fraction: 0.2, rows: recorded!.rows });
      expect(details.metrics[0]).toEqual({ metric: 'AUC_weighted', validation: cvPrimary, test: train.metrics.test_AUC_weighted });
      expect(details.rowsScored.map((r) => r.algorithm)).toEqual(expect.arrayContaining(['VotingEnsemble', 'StackEnsemble']));
      expect(details.charts?.task).toBe('classification');

      const show = spawnSync(process.execPath, [cliBundle, 'run', 'show', run.id, '--workspace', ws], { encoding: 'utf8' });
      expect(show.status, show.stderr).toBe(0);
      expect(show.stdout).toMatch(/Test set/);
      expect(show.stdout).toMatch(new RegExp(`train\\s+AUC_weighted\\s+${cvPrimary.toFixed(4)}\\s+${train.metrics.test_AUC_weighted.toFixed(4)}`));
    } finally {
      await store.dispose();
    }

    const csv = path.join(ws, 'test.parquet');
    await writeTableFile(testTable!, csv);
    const out = path.join(ws, 'pred.parquet');
    const r = spawnSync(process.execPath, [cliBundle, 'model', 'predict', modelName, csv, '--out', out, '--workspace', ws], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const pred = await readColumnar(out);
    const col = (name: string) => pred.columns.find((c) => c.name === name)!.values as Float64Array;
    const proba = new Float64Array(pred.rows * 2);
    const p0 = col('probability_0');
    const p1 = col('probability_1');
    for (let i = 0; i < pred.rows; i++) {
      proba[2 * i] = p0[i];
      proba[2 * i + 1] = p1[i];
    }
    const expected = computeMetrics({ task: 'classification', yTrue: col('Survived'), pred: proba, numClasses: 2 });
    expectClose(recorded!.metrics, expected, Object.keys(recorded!.metrics));
  });
});
