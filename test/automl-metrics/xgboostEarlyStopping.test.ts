import { describe, expect, it } from 'vitest';
import { earlyStoppingSplit, xgboostClassifier, xgboostRegressor } from '../../engine/src/automl/families/xgboost';
import type { FeatureMatrix } from '../../engine/src/gbdt/api';
import { mulberry32 } from '../../engine/src/util/mulberry32';

/** Rounds in a fitted booster, from its XGBoost JSON. */
function rounds(state: unknown): number {
  const model = (state as { model: { learner: { gradient_booster: { model: { gbtree_model_param: { num_trees: string } } } } } }).model;
  return Number(model.learner.gradient_booster.model.gbtree_model_param.num_trees);
}

function synthetic(rows: number, seed: number): { X: FeatureMatrix; y: Float32Array; yClass: Float32Array } {
  const rand = mulberry32(seed);
  const cols = 4;
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = rand();
  const y = Float32Array.from({ length: rows }, (_, i) => 2 * values[i] + values[rows + i] + 0.3 * rand());
  const yClass = Float32Array.from(y, (v) => (v > 1.6 ? 1 : 0));
  return { X: { rows, cols, values }, y, yClass };
}

describe('XGBoost family early stopping', () => {
  it('holds out a seeded share of rows per class, the same for a seed', () => {
    const y = Float32Array.from({ length: 200 }, (_, i) => (i < 150 ? 0 : 1));
    const a = earlyStoppingSplit(y, true, 7);
    expect(a).toEqual(earlyStoppingSplit(y, true, 7));
    // 15% of each class, rounded: 23 of 150 and 8 of 50.
    expect(a.hold.length).toBe(31);
    expect([...a.hold].filter((i) => y[i] === 1).length).toBe(8);
    expect(new Set([...a.fit, ...a.hold]).size).toBe(200);
    // A class with a single row stays in the fitting part.
    const lone = earlyStoppingSplit(Float32Array.of(0, 0, 0, 0, 1), true, 1);
    expect([...lone.fit]).toContain(4);
    // Pinned: the rows the split held out before it moved to typed arrays (same shuffle, same draws).
    const three = Float32Array.from({ length: 30 }, (_, i) => i % 3);
    expect([...earlyStoppingSplit(three, true, 5).hold]).toEqual([9, 11, 12, 17, 22, 28]);
    expect([...earlyStoppingSplit(three, false, 5).hold]).toEqual([5, 8, 15, 17, 29]);
  });

  it('stops long before a generous round cap on a large table and keeps the best round', () => {
    const d = synthetic(12_000, 3);
    const model = xgboostRegressor.fit({ task: 'regression', X: d.X, y: d.y, params: { n_estimators: 3000, learning_rate: 0.3, max_leaves: 31 }, seed: 1 });
    const state = model.state() as { iterationEnd?: number };
    expect(state.iterationEnd).toBeGreaterThan(5);
    expect(state.iterationEnd).toBeLessThan(3000);
    model.dispose?.();
  });

  it('refits a small table on all its rows with the chosen rounds, scaled to the larger sample', () => {
    const d = synthetic(1_000, 4);
    const model = xgboostClassifier.fit({ task: 'classification', numClasses: 2, X: d.X, y: d.yClass, params: { n_estimators: 3000, learning_rate: 0.3, max_leaves: 15 }, seed: 2 });
    const state = model.state() as { iterationEnd?: number };
    expect(state.iterationEnd).toBeUndefined();
    expect(rounds(state)).toBeLessThan(3000);
    const pred = model.predict(d.X);
    let correct = 0;
    for (let i = 0; i < d.X.rows; i++) if (pred[2 * i + 1] > 0.5 === (d.yClass[i] === 1)) correct++;
    expect(correct / d.X.rows).toBeGreaterThan(0.9);
    model.dispose?.();
  });

  it('runs every round of a small configuration', () => {
    const d = synthetic(500, 5);
    const model = xgboostRegressor.fit({ task: 'regression', X: d.X, y: d.y, params: { n_estimators: 8, learning_rate: 0.1, max_leaves: 4 }, seed: 1 });
    expect(rounds(model.state())).toBe(8);
    model.dispose?.();
  });
});
