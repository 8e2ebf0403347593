import { describe, expect, it } from 'vitest';
import { boosterFeatureTypes, countLike, fitBooster, restoreXGBoost, type XGBoostModel, xgboostRegressor } from '../../engine/src/automl/families/xgboost';
import { labelShape } from '../../engine/src/automl/search/searchInWorkers';
import { gatherRows } from '../../engine/src/automl/families/familyUtils';
import { kFold } from '../../engine/src/automl/splitFolds';
import { runTrial } from '../../engine/src/automl/trials/runTrial';
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

describe('XGBoost family: a configuration may ask for depthwise trees (max_depth, not searched)', () => {
  const { X, y } = table();
  type Tree = { left_children: number[]; right_children: number[] };
  const depth = (t: Tree, node = 0): number => (t.left_children[node] === -1 ? 0 : 1 + Math.max(depth(t, t.left_children[node]), depth(t, t.right_children[node])));
  const trees = (m: XGBoostModel) => (m.state() as { model: { learner: { gradient_booster: { model: { trees: Tree[] } } } } }).model.learner.gradient_booster.model.trees;

  it('max_depth 2 grows every tree level by level to depth 2 at most; without it the leaves bound lossguide trees, which go deeper', () => {
    const params = { n_estimators: 30, learning_rate: 0.1, max_leaves: 4, min_child_weight: 1, subsample: 1, colsample_bytree: 1, reg_alpha: 0, reg_lambda: 1 };
    const shallow = fitBooster({ task: 'regression', X, y, params: { ...params, max_depth: 2 }, seed: 1 });
    const leafwise = fitBooster({ task: 'regression', X, y, params, seed: 1 });
    const d = trees(shallow).map((t) => depth(t));
    expect(Math.max(...d)).toBe(2);
    expect(Math.max(...trees(leafwise).map((t) => depth(t)))).toBeGreaterThan(2);
    expect(Array.from(shallow.predict(X))).not.toEqual(Array.from(leafwise.predict(X)));
    shallow.dispose();
    leafwise.dispose();
  });
});

describe('XGBoost family: categorical code columns', () => {
  /** 800 rows: a 9-category code column (typed 'c') whose categories {1, 4, 7} carry the signal, and a noise column. */
  function coded(): { X: { rows: number; cols: number; values: Float32Array; featureNames: string[]; featureTypes: string[] }; y: Float32Array } {
    const rows = 800;
    const rand = mulberry32(5);
    const values = new Float32Array(rows * 2);
    const y = new Float32Array(rows);
    for (let i = 0; i < rows; i++) {
      values[i] = Math.floor(rand() * 9);
      values[rows + i] = rand();
      y[i] = [1, 4, 7].includes(values[i]) ? 3 + rand() : rand();
    }
    return { X: { rows, cols: 2, values, featureNames: ['size_code', 'noise'], featureTypes: ['c', 'q'] }, y };
  }
  const params = { n_estimators: 10, learning_rate: 0.5, max_leaves: 2, min_child_weight: 1, subsample: 1, colsample_bytree: 1, reg_alpha: 0, reg_lambda: 1 };
  const splitTypes = (m: ReturnType<typeof fitBooster>): number[] =>
    (m.state() as { model: { learner: { gradient_booster: { model: { trees: { split_type: number[] }[] } } } } }).model.learner.gradient_booster.model.trees.flatMap((t) => t.split_type);

  it("'native' splits the code column by sets of categories, 'codes' by thresholds, and a column that is not whole codes stays numeric", () => {
    const { X, y } = coded();
    expect(boosterFeatureTypes(X, 'native')).toEqual(['c', 'q']);
    expect(boosterFeatureTypes(X, 'codes')).toEqual(['int', 'q']);
    const fractional = { ...X, values: X.values.slice() };
    fractional.values[3] = 2.5; // an unseen category between two others
    expect(boosterFeatureTypes(fractional, 'native')).toEqual(['int', 'q']);
    const before = process.env.WEIR_XGB_CATEGORICAL;
    try {
      process.env.WEIR_XGB_CATEGORICAL = 'native';
      const native = fitBooster({ task: 'regression', X, y, params, seed: 1 });
      process.env.WEIR_XGB_CATEGORICAL = 'codes';
      const codes = fitBooster({ task: 'regression', X, y, params, seed: 1 });
      expect(splitTypes(native)).toContain(1);
      expect(splitTypes(codes)).not.toContain(1);
      // With two leaves a tree, one set split separates {1, 4, 7}; thresholds cannot.
      const mse = (m: typeof native) => {
        const p = m.predict(X);
        return p.reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / y.length;
      };
      expect(mse(native)).toBeLessThan(mse(codes) * 0.5);
      native.dispose();
      codes.dispose();
    } finally {
      if (before === undefined) delete process.env.WEIR_XGB_CATEGORICAL;
      else process.env.WEIR_XGB_CATEGORICAL = before;
    }
  });
});

describe('XGBoost family in a trial: the refit rounds are the median of the folds\' picks (regression)', () => {
  const { X, y } = table();
  const params = { n_estimators: 300, learning_rate: 0.1, max_leaves: 15, min_child_weight: 1, subsample: 1, colsample_bytree: 1, reg_alpha: 0, reg_lambda: 1 };
  const folds = kFold(X.rows, 5, 1);

  it('every fold is refitted with the median of the five held-out picks, and out-of-fold predictions come from those models', () => {
    const staged = xgboostRegressor.staged!;
    const foldArgs = (f: number) => ({ task: 'regression' as const, X: gatherRows(X, folds[f].train), y: Float32Array.from(folds[f].train, (i) => y[i]), params, seed: 7 + f });
    const picks = folds.map((_, f) => {
      const p = staged.pick(foldArgs(f));
      if (!('rounds' in p)) throw new Error('expected a refit below 10,000 rows');
      return p.rounds;
    });
    expect(new Set(picks).size).toBeGreaterThan(1); // the folds disagree, or the test shows nothing
    const median = [...picks].sort((a, b) => a - b)[2];
    const { reply, models } = runTrial({ task: 'regression', X, y, folds }, { iteration: 0, family: 'XGBoostRegressor', params, seed: 7 }, new Map());
    for (const m of models) expect((m as XGBoostModel).fitInfo!.refitRounds).toBe(median);
    const direct = staged.refit(foldArgs(0), median);
    expect(Array.from(reply.oof.subarray(0, folds[0].valid.length))).toEqual(Array.from(direct.predict(gatherRows(X, folds[0].valid))));
    expect(reply.foldMs).toHaveLength(5);
    for (const m of [...models, direct]) m.dispose?.();
  });

  it('classification keeps each fold\'s own pick (the staged fit returns the refitted model)', () => {
    const yc = Float32Array.from(y, (v) => (v > 2 ? 1 : 0));
    const p = xgboostRegressor.staged!.pick({ task: 'classification', X, y: yc, numClasses: 2, params, seed: 1 });
    expect('model' in p).toBe(true);
    if ('model' in p) p.model.dispose?.();
  });

  it('with WEIR_XGB_REFIT_ROUNDS=own every fold keeps its own pick', () => {
    process.env.WEIR_XGB_REFIT_ROUNDS = 'own';
    try {
      const { models } = runTrial({ task: 'regression', X, y, folds }, { iteration: 0, family: 'XGBoostRegressor', params, seed: 7 }, new Map());
      const own = folds.map((_, f) => fitBooster({ task: 'regression', X: gatherRows(X, folds[f].train), y: Float32Array.from(folds[f].train, (i) => y[i]), params, seed: 7 + f }).fitInfo!.refitRounds);
      expect(models.map((m) => (m as XGBoostModel).fitInfo!.refitRounds)).toEqual(own);
      for (const m of models) m.dispose?.();
    } finally {
      delete process.env.WEIR_XGB_REFIT_ROUNDS;
    }
  });
});

describe('XGBoost family: count:poisson on count-like labels', () => {
  /** 800 rows × 3 features, a Poisson count whose log-mean is linear in the features (many zeros, a long right tail). */
  function counts(): { X: { rows: number; cols: number; values: Float32Array }; y: Float32Array } {
    const rows = 800;
    const cols = 3;
    const rand = mulberry32(9);
    const values = Float32Array.from({ length: rows * cols }, () => rand() * 2);
    const y = new Float32Array(rows);
    for (let i = 0; i < rows; i++) {
      const mean = Math.exp(-3 + 2.5 * values[i] + values[rows + i]);
      // Knuth's Poisson draw.
      let k = 0;
      for (let p = rand(), limit = Math.exp(-mean); p > limit; p *= rand()) k++;
      y[i] = k;
    }
    return { X: { rows, cols, values }, y };
  }
  const params = { n_estimators: 200, learning_rate: 0.1, max_leaves: 7, min_child_weight: 1, subsample: 1, colsample_bytree: 1, reg_alpha: 0, reg_lambda: 1 };
  type Saved = { iterationEnd?: number; model: { learner: { objective: { name: string }; learner_model_param: { base_score: string } } } };

  it('the space and the portfolio offer it only when every label is ≥ 0 and the skewness is at least 2', () => {
    const { y } = counts();
    const shape = labelShape(y);
    expect(shape.min).toBe(0);
    expect(shape.skew).toBeGreaterThan(2);
    const data = { rows: 800, features: 3, label: shape };
    expect(countLike(data)).toBe(true);
    expect(xgboostRegressor.space('regression', data).objective).toEqual({ type: 'choice', values: ['squarederror', 'poisson', 'tweedie'] });
    const portfolio = xgboostRegressor.portfolio!('regression', data);
    const plain = xgboostRegressor.portfolio!('regression', { rows: 800, features: 3 });
    expect(portfolio).toHaveLength(plain.length + 2);
    expect(portfolio[3]).toEqual({ ...plain[2], objective: 'poisson' });
    expect(portfolio[4]).toEqual({ ...plain[1], objective: 'tweedie' });
    for (const label of [undefined, { min: 0, skew: 1.5 }, { min: -1, skew: 5 }]) {
      expect(countLike({ rows: 800, features: 3, label })).toBe(false);
      expect(xgboostRegressor.space('regression', { rows: 800, features: 3, label }).objective).toBeUndefined();
    }
    // A symmetric sample: skewness 0.
    expect(labelShape(Float32Array.from([1, 2, 3, 4, 5])).skew).toBeCloseTo(0, 12);
  });

  it("fits count:poisson (saved as XGBoost's objective, predictions > 0 and restored exactly), and squared error when a label is negative", () => {
    const { X, y } = counts();
    const model = xgboostRegressor.fit({ task: 'regression', X, y, params: { ...params, objective: 'poisson' }, seed: 1 });
    const pred = model.predict(X);
    expect(Math.min(...pred)).toBeGreaterThan(0);
    const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean(pred) - mean(y))).toBeLessThan(0.1 * mean(y));
    const state = JSON.parse(JSON.stringify(model.state())) as Saved;
    expect(state.model.learner.objective.name).toBe('count:poisson');
    const restored = restoreXGBoost('XGBoostRegressor', state);
    expect(Array.from(restored.predict(X))).toEqual(Array.from(pred));
    const shifted = y.map((v) => v - 1);
    const squared = xgboostRegressor.fit({ task: 'regression', X, y: shifted, params: { ...params, objective: 'poisson' }, seed: 1 });
    expect((squared.state() as Saved).model.learner.objective.name).toBe('reg:squarederror');
    const allZero = xgboostRegressor.fit({ task: 'regression', X, y: new Float32Array(y.length), params: { ...params, objective: 'poisson' }, seed: 1 });
    expect(Math.max(...allZero.predict(X))).toBeLessThan(1e-3);
    for (const m of [model, restored, squared, allZero]) m.dispose?.();
  });

  it("fits reg:tweedie (variance power 1.5 unless the configuration sets one; saved as XGBoost's objective, restored exactly), and squared error when a label is negative", () => {
    const { X, y } = counts();
    type TweedieSaved = Saved & { model: { learner: { objective: { tweedie_regression_param?: { tweedie_variance_power: string } } } } };
    for (const [extra, power] of [[{}, '1.5'], [{ tweedie_variance_power: 1.25 }, '1.25']] as const) {
      const model = xgboostRegressor.fit({ task: 'regression', X, y, params: { ...params, objective: 'tweedie', ...extra }, seed: 1 });
      const pred = model.predict(X);
      expect(Math.min(...pred)).toBeGreaterThan(0);
      const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
      expect(Math.abs(mean(pred) - mean(y))).toBeLessThan(0.1 * mean(y));
      const state = JSON.parse(JSON.stringify(model.state())) as TweedieSaved;
      expect(state.model.learner.objective.name).toBe('reg:tweedie');
      expect(state.model.learner.objective.tweedie_regression_param?.tweedie_variance_power).toBe(power);
      const restored = restoreXGBoost('XGBoostRegressor', state);
      expect(Array.from(restored.predict(X))).toEqual(Array.from(pred));
      for (const m of [model, restored]) m.dispose?.();
    }
    const squared = xgboostRegressor.fit({ task: 'regression', X, y: y.map((v) => v - 1), params: { ...params, objective: 'tweedie' }, seed: 1 });
    expect((squared.state() as Saved).model.learner.objective.name).toBe('reg:squarederror');
    const allZero = xgboostRegressor.fit({ task: 'regression', X, y: new Float32Array(y.length), params: { ...params, objective: 'tweedie' }, seed: 1 });
    expect(Math.max(...allZero.predict(X))).toBeLessThan(1e-3);
    for (const m of [squared, allZero]) m.dispose?.();
  });
});
