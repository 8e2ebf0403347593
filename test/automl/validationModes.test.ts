import { describe, expect, it } from 'vitest';
import { runAutoML } from '../../engine/src/automl/runAutoML';
import { parseAutoMLConfig } from '../../engine/src/automl/settings';
import type { TrialRecord } from '../../engine/src/store/records';
import type { ColumnarTable } from '../../engine/src/automl/types';
import { tempDir } from '../helpers/paths';
import { num, syntheticClassification, syntheticRegression } from './tables';

async function run(config: Record<string, unknown>, training: ColumnarTable, validation?: ColumnarTable) {
  const trials: TrialRecord[] = [];
  const logs: string[] = [];
  const result = await runAutoML({
    config: parseAutoMLConfig(config),
    training,
    validation,
    outDir: tempDir('weir-automl-modes-'),
    log: (t) => logs.push(t),
    reportTrial: async (t) => {
      trials.push(t);
    },
    signal: new AbortController().signal,
  });
  return { result, trials, logs };
}

const base = { task: 'classification', label_column_name: 'label', seed: 2, max_concurrent_iterations: 2, enable_voting_ensemble: false, enable_stack_ensemble: false } as const;

describe('validation modes and stopping rules', () => {
  it('uses a separate validation table', async () => {
    const { logs, result } = await run({ ...base, iterations: 2 }, syntheticClassification(200, 1), syntheticClassification(120, 9));
    expect(logs[0]).toMatch(/validation validation data \(120 rows\)/);
    expect(result.guardrails.find((g) => g.name === 'Validation split handling')?.status).toBe('Passed');
  });

  it('uses a holdout with validation_size, and custom folds with cv_split_column_names', async () => {
    const holdout = await run({ ...base, iterations: 2, validation_size: 0.25 }, syntheticClassification(200));
    expect(holdout.logs[0]).toMatch(/validation 25% holdout \(50 rows\)/);

    const t = syntheticClassification(90);
    const f1 = Array.from({ length: 90 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const f2 = Array.from({ length: 90 }, (_, i) => (i % 3 === 1 ? 0 : 1));
    const custom = await run({ ...base, iterations: 2, cv_split_column_names: ['f1', 'f2'] }, { rows: 90, columns: [...t.columns, num('f1', f1), num('f2', f2)] });
    expect(custom.logs[0]).toMatch(/validation 2 custom folds/);
    // Split columns are not features.
    expect(custom.result.leaderboard[0].importances && Object.keys(custom.result.leaderboard[0].importances)).not.toContain('f1');
  });

  it('gives a table of 10–19 rows as many automatic folds as keep two validation rows each; a set count too large is an error naming both', async () => {
    const small = await run({ task: 'regression', label_column_name: 'target', iterations: 2, seed: 1, max_concurrent_iterations: 1 }, syntheticRegression(17));
    expect(small.logs[0]).toMatch(/validation 8-fold cross-validation/);
    expect(small.result.leaderboard.length).toBeGreaterThan(0);
    await expect(run({ task: 'regression', label_column_name: 'target', iterations: 2, n_cross_validations: 10, max_concurrent_iterations: 1 }, syntheticRegression(17))).rejects.toThrow(/10-fold cross-validation needs at least 20 rows; the training data has 17/);
  });

  it('uses sample weights and leaves the weight column out of the features', async () => {
    const t = syntheticRegression(150);
    const w = Array.from({ length: 150 }, (_, i) => 1 + (i % 2));
    const { result } = await run({ task: 'regression', label_column_name: 'target', weight_column_name: 'w', iterations: 2, seed: 1, max_concurrent_iterations: 1 }, { rows: 150, columns: [...t.columns, num('w', w)] });
    const { loadModel } = await import('../../engine/src/automl/model/loadModel');
    const model = loadModel(result.modelDir);
    expect(model.inputSchema.map((c) => c.name).sort()).toEqual(['x1', 'x2']);
    model.dispose();
  });

  it('stops at experiment_exit_score', async () => {
    const { result, trials } = await run({ ...base, iterations: 30, primary_metric: 'accuracy', experiment_exit_score: 0.5, max_concurrent_iterations: 1 }, syntheticClassification(150));
    expect(result.stopReason).toMatch(/experiment_exit_score 0.5 reached by iteration 0/);
    expect(trials.length).toBe(1);
  });

  it('stops early after 20 trials without a better primary metric', async () => {
    // A label that a single threshold on x separates: the first trials are already perfect.
    const x = Array.from({ length: 90 }, (_, i) => (i * 7) % 30);
    const t = { rows: 90, columns: [num('x', x), num('label', x.map((v) => (v < 15 ? 0 : 1)))] };
    const { result, trials } = await run({ ...base, iterations: 100, primary_metric: 'accuracy', max_concurrent_iterations: 1, n_cross_validations: 3 }, t);
    expect(result.stopReason).toMatch(/early stopping: 20 trials in a row .* without improving accuracy by more than 0.0001; best accuracy/);
    expect(trials.length).toBeLessThan(40);
  });
});
