import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAutoML } from '../../engine/src/automl/runAutoML';
import { parseAutoMLConfig } from '../../engine/src/automl/settings';
import { loadModel } from '../../engine/src/automl/model/loadModel';
import type { TrialRecord } from '../../engine/src/store/records';
import { WeirError } from '../../engine/src/errors';
import { createRequire } from 'node:module';
import { repoRoot, tempDir } from '../helpers/paths';
import { num, str, syntheticClassification, syntheticRegression, table } from './tables';
import { mulberry32 } from '../../engine/src/util/mulberry32';

function run(config: Record<string, unknown>, training = syntheticClassification(300), extra: Partial<Parameters<typeof runAutoML>[0]> = {}) {
  const trials: TrialRecord[] = [];
  const logs: string[] = [];
  const outDir = tempDir('weir-automl-');
  const promise = runAutoML({
    config: parseAutoMLConfig(config),
    training,
    outDir,
    log: (t) => logs.push(t),
    reportTrial: async (t) => {
      trials.push(t);
    },
    signal: new AbortController().signal,
    ...extra,
  });
  return { promise, trials, logs, outDir };
}

const classification = { task: 'classification', label_column_name: 'label', seed: 3 } as const;

describe('runAutoML', () => {
  it('runs a classification search end to end and writes the outputs', async () => {
    const { promise, trials, logs, outDir } = run({ ...classification, primary_metric: 'AUC_weighted', iterations: 6, n_cross_validations: 3, max_concurrent_iterations: 2 });
    const result = await promise;
    // 6 searched trials plus the two ensembles.
    expect(trials.map((t) => t.iteration).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(trials.filter((t) => t.algorithm.endsWith('Ensemble')).map((t) => t.algorithm).sort()).toEqual(['StackEnsemble', 'VotingEnsemble']);
    for (const t of trials.filter((t) => t.status === 'Completed')) {
      expect(Object.keys(t.metrics)).toEqual(expect.arrayContaining(['AUC_weighted', 'accuracy', 'log_loss', 'norm_macro_recall']));
    }
    expect(result.best.metrics.AUC_weighted).toBeGreaterThan(0.8);
    const metrics = JSON.parse(readFileSync(result.metricsFile, 'utf8')) as Record<string, Record<string, number>>;
    expect(Object.keys(metrics.AUC_weighted).length).toBe(trials.filter((t) => t.status === 'Completed').length);
    expect(readdirSync(result.modelDir).sort()).toEqual(['charts.json', 'explanations.json', 'guardrails.json', 'importances.json', 'leaderboard.json', 'model.json', 'trial-charts']);
    expect(readdirSync(path.join(result.modelDir, 'trial-charts')).length).toBeGreaterThanOrEqual(2);
    expect(readFileSync(path.join(result.modelDir, 'trial-charts', `${result.best.iteration}.json`), 'utf8')).toBe(readFileSync(path.join(result.modelDir, 'charts.json'), 'utf8'));
    expect(logs.some((l) => l.startsWith('leaderboard (AUC_weighted'))).toBe(true);
    // The voting row's score is cross-fitted; the model is chosen by honest scores, and the log says how.
    expect(logs.some((l) => l.startsWith('VotingEnsemble: scored cross-fitted'))).toBe(true);
    expect(logs.find((l) => l.startsWith('best: '))).toMatch(new RegExp(`^best: iteration ${result.best.iteration} .*, (the StackEnsemble is the model unless|chosen by the highest honest score) .*honest AUC_weighted: VotingEnsemble`));
    expect(outDir).toBe(path.dirname(result.modelDir));

    const model = loadModel(result.modelDir);
    const p = model.predict([
      { x1: 2, x2: 0, color: 'red' },
      { x1: -2, x2: 2, color: 'blue', unused: 'ignored' },
    ]);
    expect(p.prediction).toEqual([1, 0]);
    expect(p.probabilities!['1'][0]).toBeGreaterThan(0.5);
    expect(p.probabilities!['0'][1]).toBeGreaterThan(0.5);
    model.dispose();
  });

  it('is deterministic: two runs with a seed and iterations give the same leaderboard', async () => {
    const config = { ...classification, iterations: 8, n_cross_validations: 3, max_concurrent_iterations: 2, enable_stack_ensemble: false };
    const a = await run(config).promise;
    const b = await run(config).promise;
    const board = (r: typeof a) => r.leaderboard.map((t) => [t.iteration, t.algorithm, t.params, t.score]);
    expect(board(a)).toEqual(board(b));
    expect(a.leaderboard.length).toBe(9);
  });

  it('is deterministic for regression too (the booster refits its folds with the median of their rounds)', async () => {
    const config = { task: 'regression', label_column_name: 'target', primary_metric: 'r2_score', seed: 2, iterations: 5, n_cross_validations: 3, max_concurrent_iterations: 2, allowed_models: ['XGBoostRegressor'], enable_stack_ensemble: false };
    const a = await run(config, syntheticRegression(300)).promise;
    const b = await run(config, syntheticRegression(300)).promise;
    const board = (r: typeof a) => r.leaderboard.map((t) => [t.iteration, t.algorithm, t.params, t.score]);
    expect(board(a)).toEqual(board(b));
  });

  it('on a count-like label (≥ 0, skewed) the booster also tries count:poisson and reg:tweedie, says so, and its model predicts counts in label space', async () => {
    const rand = mulberry32(9);
    const x1: number[] = [];
    const x2: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 400; i++) {
      x1.push(rand() * 2);
      x2.push(rand() * 2);
      const mean = Math.exp(-3 + 2.5 * x1[i] + x2[i]);
      let k = 0;
      for (let p = rand(), limit = Math.exp(-mean); p > limit; p *= rand()) k++;
      y.push(k);
    }
    const config = { task: 'regression', label_column_name: 'visits', primary_metric: 'r2_score', seed: 2, iterations: 5, n_cross_validations: 3, max_concurrent_iterations: 2, allowed_models: ['XGBoostRegressor'], enable_stack_ensemble: false, enable_voting_ensemble: false };
    const { promise, logs, trials } = run(config, table([num('x1', x1), num('x2', x2), num('visits', y)]));
    const result = await promise;
    expect(logs.some((l) => /XGBoostRegressor: the label is ≥ 0 and right-skewed \(skewness [\d.]+\): objective searched among squarederror, poisson, tweedie/.test(l))).toBe(true);
    // The portfolio's fourth entry is its third with count:poisson, the fifth its second with reg:tweedie.
    for (const objective of ['poisson', 'tweedie']) {
      const trial = trials.find((t) => t.hyperparameters.objective === objective);
      expect(trial?.status).toBe('Completed');
      expect(Number(trial?.metrics.r2_score)).toBeGreaterThan(0.3);
    }
    const model = loadModel(result.modelDir);
    const predicted = model.predict(table([num('x1', [0, 1, 2]), num('x2', [0, 1, 2])])).prediction as number[];
    expect(predicted[0]).toBeGreaterThanOrEqual(0);
    expect(predicted[2]).toBeGreaterThan(predicted[1]);
    expect(predicted[1]).toBeGreaterThan(predicted[0]);
    model.dispose();
  });

  it('never starts a trial that cannot finish before the experiment timeout', async () => {
    const started = Date.now();
    const { promise, trials } = run(
      { ...classification, experiment_timeout_minutes: 0.05, n_cross_validations: 3, max_concurrent_iterations: 2, enable_early_stopping: false, enable_voting_ensemble: false, enable_stack_ensemble: false },
      syntheticClassification(2000),
    );
    const result = await promise;
    const budgetEnd = started + 3_000;
    expect(Date.now() - started).toBeLessThan(3_000 + 1_500);
    for (const t of trials) {
      expect(Date.parse(t.startedAt)).toBeLessThan(budgetEnd);
      if (t.status === 'Completed') expect(Date.parse(t.startedAt) + t.durationMs).toBeLessThanOrEqual(budgetEnd + 50);
    }
    expect(result.stopReason).toMatch(/experiment timeout|no further trial fits/);
  });

  it('stops a trial past iteration_timeout_minutes', async () => {
    // 1.2 ms: no 5-fold trial on 20,000 rows finishes that fast, on any machine.
    const { promise, trials } = run({ ...classification, iterations: 2, iteration_timeout_minutes: 0.00002, allowed_models: ['XGBoostClassifier'], n_cross_validations: 5, max_concurrent_iterations: 1 }, syntheticClassification(20_000));
    await expect(promise).rejects.toThrow(/no AutoML trial completed/);
    expect(trials.length).toBeGreaterThan(0);
    for (const t of trials) {
      expect(t.status).toBe('Canceled');
      expect(t.error).toMatch(/iteration_timeout_minutes/);
      expect(t.durationMs).toBeLessThan(1_000);
    }
  });

  it('stops promptly when the run is canceled', async () => {
    const controller = new AbortController();
    const { promise } = run({ ...classification, iterations: 200, enable_early_stopping: false, max_concurrent_iterations: 2 }, syntheticClassification(3000), {
      signal: controller.signal,
      reportTrial: async () => {
        controller.abort();
      },
    });
    const started = Date.now();
    await expect(promise).rejects.toSatisfy((e: unknown) => e instanceof WeirError && e.code === 'CANCELED');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('records trials of a crashing worker as Failed and fails the step clearly', async () => {
    const dir = tempDir('weir-bad-worker-');
    const workerPath = path.join(dir, 'worker.js');
    writeFileSync(workerPath, "throw new Error('worker boom');\n");
    const { promise, trials } = run({ ...classification, iterations: 3, max_concurrent_iterations: 1 }, syntheticClassification(100), { workerPath });
    await expect(promise).rejects.toThrow(/no AutoML trial completed[\s\S]*worker boom/);
    expect(trials.map((t) => t.status)).toEqual(['Failed', 'Failed', 'Failed']);
  });

  it('reports a label with one class clearly', async () => {
    const t = table([num('x', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), num('label', new Array(12).fill(1))]);
    await expect(run(classification, t).promise).rejects.toThrow(/label column 'label' has one class \('1'\)/);
  });

  it('refuses a 2-row table and writes nothing', async () => {
    const t = table([num('x', [1, 2]), num('label', [0, 1])]);
    const r = run(classification, t);
    await expect(r.promise).rejects.toSatisfy((e: unknown) => e instanceof WeirError && e.code === 'BAD_INPUT' && /2 rows/.test(e.message));
    expect(readdirSync(r.outDir)).toEqual([]);
    expect(r.trials).toEqual([]);
  });

  it('names a label column that is not in the data', async () => {
    await expect(run({ ...classification, label_column_name: 'Survived' }).promise).rejects.toThrow(/label_column_name 'Survived' not in the training data/);
  });

  it('trains with an all-null column (dropped by featurization)', async () => {
    const base = syntheticRegression(200);
    const t = { rows: base.rows, columns: [...base.columns, str('empty', new Array(base.rows).fill(null)), num('nothing', new Array(base.rows).fill(NaN))] };
    const result = await run({ task: 'regression', label_column_name: 'target', iterations: 4, seed: 1, primary_metric: 'r2_score' }, t).promise;
    expect(result.best.metrics.r2_score).toBeGreaterThan(0.7);
    const model = loadModel(result.modelDir);
    expect(model.inputSchema.map((c) => c.name)).not.toContain('empty');
    model.dispose();
  });

  it('leaves out rows without a label and says how many', async () => {
    const base = syntheticRegression(200);
    const columns = base.columns.map((c) => (c.name === 'target' && c.type === 'number' ? { ...c, values: c.values.map((v, i) => (i % 10 === 0 ? NaN : v)) } : c));
    const { promise, logs } = run({ task: 'regression', label_column_name: 'target', iterations: 2, seed: 1, primary_metric: 'r2_score', enable_stack_ensemble: false }, { rows: base.rows, columns });
    await promise;
    expect(logs[0]).toMatch(/^AutoML regression: 180 rows × /);
    expect(logs).toContain("rows without a label: 20 of the 200 training rows have no value in 'target' and are left out of training (as Azure does)");
  });

  it('scoring with a missing column names it', async () => {
    const result = await run({ ...classification, iterations: 2, enable_voting_ensemble: false, enable_stack_ensemble: false }).promise;
    const model = loadModel(result.modelDir);
    expect(() => model.predict([{ x1: 1, x2: 1 }])).toThrow(/lacks column.*color/);
    try {
      model.predict([{ x1: 1 }]);
    } catch (e) {
      expect((e as WeirError).code).toBe('BAD_INPUT');
      expect((e as Error).message).toMatch(/x2, color|color, x2/);
    }
    model.dispose();
    expect(existsSync(path.join(result.modelDir, 'model.json'))).toBe(true);

    // The bundled JS API scores the same model in a plain Node program.
    const api = createRequire(__filename)(path.join(repoRoot, 'dist', 'api.js')) as typeof import('../../engine/src/index');
    const viaApi = api.loadModel(result.modelDir);
    const rows = viaApi.predict([{ x1: 2, x2: 0, color: 'red', extra: 1 }]).toRows();
    expect(rows).toEqual([{ prediction: 1, probability_0: expect.any(Number), probability_1: expect.any(Number) }]);
    expect((rows[0].probability_0 as number) + (rows[0].probability_1 as number)).toBeCloseTo(1, 6);
    viaApi.dispose();
  });
});

describe('runAutoML forecasting', () => {
  it('forecasts monthly CO2 better than the naive baselines and predicts the next months', async () => {
    const { readTableFile } = await import('../../engine/src/automl/model/tableFiles');
    const { vegaData } = await import('../helpers/paths');
    const co2 = await readTableFile(path.join(vegaData, 'co2-concentration.csv'));
    const training = { rows: co2.rows, columns: co2.columns.filter((c) => c.name !== 'adjusted CO2') };
    const { promise, trials } = run(
      { task: 'forecasting', label_column_name: 'CO2', time_column_name: 'Date', forecast_horizon: 6, target_lags: [1, 2, 12], target_rolling_window_size: 12, iterations: 6, seed: 1, max_concurrent_iterations: 2 },
      training,
    );
    const result = await promise;
    const score = (name: string) => trials.find((t) => t.algorithm === name)!.metrics.normalized_root_mean_squared_error;
    expect(score('SeasonalNaive')).toBeLessThan(score('Naive'));
    expect(result.best.metrics.normalized_root_mean_squared_error).toBeLessThan(score('SeasonalNaive'));
    const charts = JSON.parse(readFileSync(path.join(result.modelDir, 'charts.json'), 'utf8')) as { kind: string; byHorizon: unknown[] };
    expect(charts.kind).toBe('forecasting');
    expect(charts.byHorizon).toHaveLength(6);

    const model = loadModel(result.modelDir);
    const p = model.predict([{ Date: '2020-05-01' }, { Date: '2020-10-01' }]);
    expect([...p.horizon!]).toEqual([1, 6]);
    // May is the seasonal peak and October the trough; both stay near the last values (~414–417 ppm).
    expect(p.prediction[0] as number).toBeGreaterThan(414);
    expect(p.prediction[0] as number).toBeLessThan(420);
    expect(p.prediction[1] as number).toBeLessThan(p.prediction[0] as number);
    expect(() => model.predict([{ Date: '2021-06-01' }])).toThrow(/14 periods after the end of the training data; the model forecasts 1 to 6 periods ahead/);
    model.dispose();
  });
});

describe('runAutoML multiclass', () => {
  it('learns a text label with three classes and predicts the class names with probabilities', async () => {
    const base = syntheticClassification(240, 5);
    const x1 = base.columns[0].values as Float64Array;
    const species = Array.from(x1, (v) => (v < -0.4 ? 'Adelie' : v < 0.4 ? 'Chinstrap' : 'Gentoo'));
    const t = table([base.columns[0], base.columns[1], str('species', species)]);
    const result = await run({ task: 'classification', label_column_name: 'species', iterations: 4, seed: 2, max_concurrent_iterations: 2, n_cross_validations: 3 }, t).promise;
    expect(result.best.metrics.accuracy).toBeGreaterThan(0.85);
    const model = loadModel(result.modelDir);
    expect(model.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    const p = model.predict([{ x1: -2, x2: 0 }, { x1: 0, x2: 0 }, { x1: 2, x2: 0 }]);
    expect(p.prediction).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(p.probabilities!.Gentoo[2]).toBeGreaterThan(0.5);
    const table2 = p.toTable();
    expect(table2.columns.map((c) => c.name)).toEqual(['prediction', 'probability_Adelie', 'probability_Chinstrap', 'probability_Gentoo']);
    expect(table2.columns[0].type).toBe('string');
    model.dispose();
  });
});
