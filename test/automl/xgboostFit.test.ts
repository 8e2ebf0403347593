import { describe, expect, it } from 'vitest';
import { fitBooster, xgboostRegressor } from '../../engine/src/automl/families/xgboost';
import { mulberry32 } from '../../engine/src/util/mulberry32';

/** A small regression table: 600 rows × 4 features, a smooth signal plus noise. */
function table(): { X: { rows: number; cols: number; values: Float32Array }; y: Float32Array } {
  const rows = 600;
  const cols = 4;
  const rand = mulberry32(3);
  const values = Float32Array.from({ length: rows * cols }, () => rand() * 10);
  const y = Float32Array.from({ length: rows }, (_, i) => Math.sin(values[i]) * 3 + values[rows + i] * 0.5 + rand());
  return { X: { rows, cols, values }, y };
}

describe('XGBoost family: held-out rounds and the refit on all rows', () => {
  const { X, y } = table();
  const params = { n_estimators: 300, learning_rate: 0.1, max_leaves: 15, min_child_weight: 1, subsample: 1, colsample_bytree: 1, reg_alpha: 0, reg_lambda: 1 };

  it('below 10,000 rows refits on every row with the chosen rounds scaled by rows / fit rows, and says so', () => {
    const model = fitBooster({ task: 'regression', X, y, params, seed: 1 });
    const info = model.fitInfo!;
    expect(info.fitRows).toBe(510); // 15% of 600 held out
    expect(info.bestIteration).toBeDefined();
    expect(info.rounds).toBeGreaterThan(info.bestIteration! + 1); // early stopping watched a few rounds past the best
    expect(info.refitRounds).toBe(Math.round(((info.bestIteration! + 1) * 600) / 510));
    const state = model.state() as { iterationEnd?: number; model: { learner: { gradient_booster: { model: { trees: unknown[] } } } } };
    expect(state.model.learner.gradient_booster.model.trees).toHaveLength(info.refitRounds!);
    expect(state.iterationEnd).toBeUndefined();
    model.dispose();
  });

  it('without the refit keeps the held-out fit and predicts with its best rounds only', () => {
    const kept = fitBooster({ task: 'regression', X, y, params, seed: 1 }, { refit: false });
    const info = kept.fitInfo!;
    expect(info.refitRounds).toBeUndefined();
    const state = kept.state() as { iterationEnd?: number; model: { learner: { gradient_booster: { model: { trees: unknown[] } } } } };
    expect(state.model.learner.gradient_booster.model.trees).toHaveLength(info.rounds);
    expect(state.iterationEnd).toBe(info.bestIteration! + 1);
    // The family's own fit is the refitting one.
    const family = xgboostRegressor.fit({ task: 'regression', X, y, params, seed: 1 });
    const refit = fitBooster({ task: 'regression', X, y, params, seed: 1 });
    expect(Array.from(family.predict(X))).toEqual(Array.from(refit.predict(X)));
    expect(Array.from(kept.predict(X))).not.toEqual(Array.from(refit.predict(X)));
    for (const m of [kept, family, refit]) m.dispose?.();
  });
});
