import { describe, expect, it } from 'vitest';
import type { GbdtParams, TrainData } from '../../engine/src/gbdt/api';
import { loadXGBoostJSON, train } from '../../engine/src/gbdt';
import { WeirError } from '../../engine/src/errors';
import { binaryAuc } from '../../engine/src/gbdt/metrics';
import { sliceRows, syntheticBinary } from './datasets';

interface JsonTree {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_conditions: number[];
  default_left: number[];
  base_weights: number[];
  loss_changes: number[];
  sum_hessian: number[];
}
interface JsonModel {
  learner: {
    attributes: Record<string, string>;
    learner_model_param: Record<string, string>;
    gradient_booster: { model: { trees: JsonTree[]; tree_info: number[] } };
  };
}

/** A column-major table from rows of feature values. */
function table(rows: number[][], label: number[], weight?: number[]): TrainData {
  const cols = rows[0].length;
  const values = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => r.forEach((v, f) => (values[f * rows.length + i] = v)));
  return { rows: rows.length, cols, values, label: Float32Array.from(label), weight: weight ? Float32Array.from(weight) : undefined };
}

function trees(json: unknown): JsonTree[] {
  return (json as JsonModel).learner.gradient_booster.model.trees;
}

describe('gbdt: hand-computable trees', () => {
  it('finds the single best split of a tiny table and sets leaf weights to −eta·G/(H+lambda)', () => {
    // Squared error from base_score 0.5: gradients 0.5, 0.5, −0.5, −0.5 and hessians 1.
    const data = table([[1], [2], [3], [4]], [0, 0, 1, 1]);
    const { booster } = train(data, { objective: 'reg:squarederror', base_score: 0.5, eta: 0.3, lambda: 1, max_depth: 1, min_child_weight: 0, num_boost_round: 1 });
    const [t] = trees(booster.toXGBoostJSON());
    expect(t.left_children).toEqual([1, -1, -1]);
    expect(t.split_indices[0]).toBe(0);
    // The cut is the first value of the right side: x < 3 goes left, as in XGBoost.
    expect(t.split_conditions[0]).toBe(3);
    // Left: G = 1, H = 2 → −0.3 · 1/3 = −0.1; right: +0.1.
    expect(t.split_conditions[1]).toBeCloseTo(-0.1, 6);
    expect(t.split_conditions[2]).toBeCloseTo(0.1, 6);
    // Gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ) = 1/3 + 1/3 − 0.
    expect(t.loss_changes[0]).toBeCloseTo(2 / 3, 5);
    expect(t.sum_hessian).toEqual([4, 2, 2]);
    // The root's base weight is unscaled (−G/(H+λ) with G = 0), leaves carry eta.
    expect(t.base_weights[0]).toBeCloseTo(0, 10);
    const pred = booster.predict({ rows: 2, cols: 1, values: Float32Array.from([2.9, 3]) });
    expect(pred[0]).toBeCloseTo(0.4, 6);
    expect(pred[1]).toBeCloseTo(0.6, 6);
  });

  it('applies L1 (alpha), gamma and min_child_weight like XGBoost', () => {
    const data = table([[1], [2], [3], [4]], [0, 0, 1, 1]);
    const base: GbdtParams = { objective: 'reg:squarederror', base_score: 0.5, eta: 1, lambda: 0, max_depth: 1, min_child_weight: 0, num_boost_round: 1 };
    // alpha 0.4: leaf = −sign(G)·(|G| − 0.4)/H = −(1 − 0.4)/2 = −0.3.
    const l1 = trees(train(data, { ...base, alpha: 0.4 }).booster.toXGBoostJSON())[0];
    expect(l1.split_conditions[1]).toBeCloseTo(-0.3, 6);
    // The split gains 0.5 + 0.5 = 1; gamma above that keeps the root a leaf.
    expect(trees(train(data, { ...base, gamma: 1.5 }).booster.toXGBoostJSON())[0].left_children).toEqual([-1]);
    // Each child has hessian 2; min_child_weight 3 forbids the split.
    expect(trees(train(data, { ...base, min_child_weight: 3 }).booster.toXGBoostJSON())[0].left_children).toEqual([-1]);
  });

  it('learns the default direction of missing values', () => {
    const x = [1, 2, 3, 4, 5, 6, NaN, NaN];
    // Missing rows look like the high-x rows → missing goes right (default_left 0)...
    const right = trees(train(table(x.map((v) => [v]), [0, 0, 0, 1, 1, 1, 1, 1]), { objective: 'reg:squarederror', max_depth: 1, min_child_weight: 0, num_boost_round: 1 }).booster.toXGBoostJSON())[0];
    expect(right.split_conditions[0]).toBe(4);
    expect(right.default_left[0]).toBe(0);
    // ...and like the low-x rows → missing goes left.
    const { booster } = train(table(x.map((v) => [v]), [0, 0, 0, 1, 1, 1, 0, 0]), { objective: 'reg:squarederror', max_depth: 1, min_child_weight: 0, num_boost_round: 1, eta: 1, lambda: 0 });
    const left = trees(booster.toXGBoostJSON())[0];
    expect(left.default_left[0]).toBe(1);
    const pred = booster.predict({ rows: 3, cols: 1, values: Float32Array.from([NaN, 1, 6]) });
    expect(pred[0]).toBeCloseTo(pred[1], 6);
    expect(pred[2]).toBeCloseTo(1, 6);
    expect(pred[0]).toBeCloseTo(0, 6);
  });

  it('computes each objective’s gradients and hessians (checked through the root leaf: −eta·ΣG/(ΣH+λ))', () => {
    const x = [[1], [2], [3]];
    const stump = (objective: GbdtParams['objective'], label: number[], extra: GbdtParams = {}) => {
      // A huge gamma keeps the root a leaf whose value is the Newton step of all rows.
      const t = trees(train(table(x, label), { objective, max_depth: 1, gamma: 1e9, min_child_weight: 0, num_boost_round: 1, eta: 1, lambda: 0, ...extra }).booster.toXGBoostJSON())[0];
      expect(t.left_children).toEqual([-1]);
      return { weight: t.split_conditions[0], hess: t.sum_hessian[0] };
    };
    // binary:logistic from p = 0.5: g = p − y, h = p(1 − p); scale_pos_weight multiplies positives.
    let r = stump('binary:logistic', [1, 0, 1], {});
    expect(r.hess).toBeCloseTo(0.75, 6);
    expect(r.weight).toBeCloseTo(-(0.5 - 1 + 0.5 + 0.5 - 1) / 0.75, 5);
    r = stump('binary:logistic', [1, 0, 1], { scale_pos_weight: 2 });
    expect(r.hess).toBeCloseTo(0.25 * 2 + 0.25 + 0.25 * 2, 6);
    expect(r.weight).toBeCloseTo(-(-0.5 * 2 + 0.5 - 0.5 * 2) / 1.25, 5);
    // reg:squarederror: g = m − y, h = 1.
    r = stump('reg:squarederror', [1, 2, 6], { base_score: 0 });
    expect(r.hess).toBe(3);
    expect(r.weight).toBeCloseTo(3, 5);
    // reg:pseudohubererror (slope δ = 1): g = z/√(1+z²), h = 1/((1+z²)√(1+z²)), z = m − y.
    r = stump('reg:pseudohubererror', [1, 2, 6], { base_score: 0 });
    const zs = [-1, -2, -6];
    const g = zs.reduce((a, z) => a + z / Math.sqrt(1 + z * z), 0);
    const h = zs.reduce((a, z) => a + 1 / ((1 + z * z) * Math.sqrt(1 + z * z)), 0);
    expect(r.hess).toBeCloseTo(h, 5);
    expect(r.weight).toBeCloseTo(-g / h, 4);
    // count:poisson: g = e^m − y, h = e^(m + 0.7); the leaf is clipped to max_delta_step 0.7.
    r = stump('count:poisson', [1, 2, 6], { base_score: 1 });
    expect(r.hess).toBeCloseTo(3 * Math.exp(0.7), 5);
    expect(r.weight).toBeCloseTo(0.7, 6);
    r = stump('count:poisson', [1, 1, 2], { base_score: 1, max_delta_step: 5 });
    expect(r.weight).toBeCloseTo(-(3 - 4) / (3 * Math.exp(5)), 6);
    // reg:tweedie (ρ): g = −y·e^((1−ρ)m) + e^((2−ρ)m), h = −y(1−ρ)·e^((1−ρ)m) + (2−ρ)·e^((2−ρ)m); from m = 0,
    // ρ = 1.5: g = Σ(1 − y) = −6, h = Σ(0.5y + 0.5) = 6.
    r = stump('reg:tweedie', [1, 2, 6], { base_score: 1 });
    expect(r.hess).toBeCloseTo(6, 5);
    expect(r.weight).toBeCloseTo(1, 5);
    // From m = log 2 with ρ = 1.2 (no max_delta_step: the full Newton step).
    r = stump('reg:tweedie', [1, 2, 6], { base_score: 2, tweedie_variance_power: 1.2 });
    const ea = Math.pow(2, -0.2);
    const eb = Math.pow(2, 0.8);
    expect(r.hess).toBeCloseTo(9 * 0.2 * ea + 3 * 0.8 * eb, 4);
    expect(r.weight).toBeCloseTo(-(-9 * ea + 3 * eb) / (9 * 0.2 * ea + 3 * 0.8 * eb), 4);
    // reg:absoluteerror: the leaf is eta × the median residual, not a Newton step.
    r = stump('reg:absoluteerror', [1, 2, 6], { base_score: 0 });
    expect(r.hess).toBe(3);
    expect(r.weight).toBeCloseTo(2, 6);
    // Without base_score it starts from the label median, as XGBoost 1.7 does.
    const abs = train(table(x, [1, 2, 6]), { objective: 'reg:absoluteerror', num_boost_round: 0 }).booster.toXGBoostJSON() as JsonModel;
    expect(abs.learner.learner_model_param.base_score).toBe('2');
  });

  it('computes softmax gradients per class: g = p − [y = k], h = 2p(1 − p)', () => {
    const { booster } = train(table([[1], [2], [3], [4]], [0, 1, 2, 2]), {
      objective: 'multi:softprob',
      num_class: 3,
      max_depth: 1,
      gamma: 1e9,
      min_child_weight: 0,
      num_boost_round: 1,
      eta: 1,
      lambda: 0,
    });
    const ts = trees(booster.toXGBoostJSON());
    expect((booster.toXGBoostJSON() as JsonModel).learner.gradient_booster.model.tree_info).toEqual([0, 1, 2]);
    const p = 1 / 3;
    const h = 4 * 2 * p * (1 - p);
    const counts = [1, 1, 2];
    ts.forEach((t, k) => {
      expect(t.sum_hessian[0]).toBeCloseTo(h, 5);
      expect(t.split_conditions[0]).toBeCloseTo(-(4 * p - counts[k]) / h, 5);
    });
    const pred = booster.predict({ rows: 1, cols: 1, values: Float32Array.from([1]) });
    expect(pred.length).toBe(3);
    expect(pred[0] + pred[1] + pred[2]).toBeCloseTo(1, 6);
    expect(pred[2]).toBeGreaterThan(pred[0]);
  });

  it('weights rows: a weighted row counts as that many copies', () => {
    const weighted = train(table([[1], [2], [3]], [0, 0, 1], [1, 1, 3]), { objective: 'reg:squarederror', max_depth: 1, min_child_weight: 0, num_boost_round: 2 });
    const copied = train(table([[1], [2], [3], [3], [3]], [0, 0, 1, 1, 1]), { objective: 'reg:squarederror', max_depth: 1, min_child_weight: 0, num_boost_round: 2 });
    const probe = { rows: 3, cols: 1, values: Float32Array.from([1, 2, 3]) };
    expect(Array.from(weighted.booster.predict(probe))).toEqual(Array.from(copied.booster.predict(probe)));
  });
});

describe('gbdt: training behaviour', () => {
  const all = syntheticBinary(6000, 6, 11);
  const trainSet = sliceRows(all, 0, 4000);
  const validSet = sliceRows(all, 4000, 6000);

  it('is deterministic: same data, parameters and seed give byte-identical JSON', () => {
    const params: GbdtParams = { objective: 'binary:logistic', num_boost_round: 8, subsample: 0.7, colsample_bytree: 0.8, colsample_bynode: 0.7, seed: 42 };
    const a = train(trainSet, params).booster.toXGBoostJSONText();
    const b = train(trainSet, params).booster.toXGBoostJSONText();
    expect(a).toBe(b);
    const c = train(trainSet, { ...params, seed: 43 }).booster.toXGBoostJSONText();
    expect(c).not.toBe(a);
  });

  it('trains on the rows rowIndex picks exactly as on a gathered copy of them (missing values, subsample, native categories)', () => {
    const picked = Uint32Array.from({ length: 1900 }, (_, i) => 3 * i + (i % 3));
    const gather = (values: Float32Array, cols: number, rows: number) => {
      const out = new Float32Array(picked.length * cols);
      for (let f = 0; f < cols; f++) for (let i = 0; i < picked.length; i++) out[f * picked.length + i] = values[f * rows + picked[i]];
      return out;
    };
    // Missing values in the picked rows (wide codes), and a categorical column of whole numbers.
    const values = Float32Array.from(all.values, (v, i) => (i % 97 === 0 ? NaN : i >= 5 * all.rows ? Math.floor(Math.abs(v) * 3) % 6 : v));
    const featureTypes = ['q', 'q', 'q', 'q', 'q', 'c'];
    const label = Float32Array.from(picked, (r) => all.label[r]);
    const params: GbdtParams = { objective: 'binary:logistic', num_boost_round: 12, subsample: 0.8, colsample_bytree: 0.8, max_leaves: 12, grow_policy: 'lossguide', seed: 5 };
    const copy = train({ rows: picked.length, cols: all.cols, values: gather(values, all.cols, all.rows), featureTypes, label }, params).booster.toXGBoostJSONText();
    const indexed = train({ rows: picked.length, cols: all.cols, values, featureTypes, label, rowIndex: picked }, params).booster.toXGBoostJSONText();
    expect(indexed).toBe(copy);
  });

  it('stops early on the last metric of the last eval set and records best_iteration', () => {
    const r = train(trainSet, { objective: 'binary:logistic', num_boost_round: 300, eta: 0.5, max_depth: 6, eval_metric: ['auc', 'logloss'], early_stopping_rounds: 5 }, [
      { name: 'train', data: trainSet },
      { name: 'valid', data: validSet },
    ]);
    const loss = r.evalHistory.valid.logloss;
    expect(r.evalHistory.valid.auc.length).toBe(loss.length);
    expect(loss.length).toBeLessThan(300);
    expect(r.bestIteration).toBeDefined();
    const best = r.bestIteration as number;
    expect(loss.length).toBe(best + 6);
    expect(r.bestScore).toBe(Math.min(...loss));
    expect(loss[best]).toBe(r.bestScore);
    expect(r.booster.numTrees).toBe(loss.length);
    const attrs = (r.booster.toXGBoostJSON() as JsonModel).learner.attributes;
    expect(attrs.best_iteration).toBe(String(best));
    // Predicting with the best rounds only is the usual follow-up.
    const bestPred = r.booster.predict(validSet, { iterationEnd: best + 1 });
    expect(binaryAuc(bestPred, validSet.label)).toBeGreaterThan(0.8);
  });

  it('reports eval metrics that agree with the predictions', () => {
    const r = train(trainSet, { objective: 'binary:logistic', num_boost_round: 5, eval_metric: ['auc', 'error'] }, [{ name: 'valid', data: validSet }]);
    const pred = r.booster.predict(validSet);
    expect(r.evalHistory.valid.auc[4]).toBeCloseTo(binaryAuc(pred, validSet.label), 10);
    let wrong = 0;
    for (let i = 0; i < pred.length; i++) if ((pred[i] > 0.5 ? 1 : 0) !== validSet.label[i]) wrong++;
    expect(r.evalHistory.valid.error[4]).toBeCloseTo(wrong / pred.length, 10);
  });

  it('computes XGBoost importances (weight, gain, total_gain, cover, total_cover)', () => {
    const { booster } = train(trainSet, { objective: 'binary:logistic', num_boost_round: 5, max_depth: 3 });
    const json = trees(booster.toXGBoostJSON());
    const weight = booster.featureImportance('weight');
    const totalGain = booster.featureImportance('total_gain');
    const gain = booster.featureImportance('gain');
    const cover = booster.featureImportance('cover');
    const totalCover = booster.featureImportance('total_cover');
    let splits = 0;
    let f0Gain = 0;
    for (const t of json) {
      t.left_children.forEach((l, i) => {
        if (l < 0) return;
        splits++;
        if (t.split_indices[i] === 0) f0Gain += t.loss_changes[i];
      });
    }
    expect(Object.values(weight).reduce((a, b) => a + b, 0)).toBe(splits);
    expect(totalGain.f0).toBeCloseTo(f0Gain, 2);
    for (const name of Object.keys(weight)) {
      expect(gain[name]).toBeCloseTo(totalGain[name] / weight[name], 6);
      expect(cover[name]).toBeCloseTo(totalCover[name] / weight[name], 6);
    }
    // The signal lives in f0…f4; f0 (linear) should matter more than the pure-noise f5.
    expect(totalGain.f0).toBeGreaterThan(totalGain.f5 ?? 0);
  });

  it('grows lossguide trees up to max_leaves, best loss change first', () => {
    const { booster } = train(trainSet, { objective: 'binary:logistic', grow_policy: 'lossguide', max_depth: 0, max_leaves: 7, num_boost_round: 3 });
    for (const t of trees(booster.toXGBoostJSON())) {
      expect(t.left_children.filter((l) => l < 0).length).toBeLessThanOrEqual(7);
      expect(t.left_children.filter((l) => l < 0).length).toBeGreaterThan(4);
    }
  });

  it('round-trips through its XGBoost JSON with identical predictions', () => {
    const { booster } = train(trainSet, { objective: 'binary:logistic', num_boost_round: 10 });
    const loaded = loadXGBoostJSON(booster.toXGBoostJSONText());
    expect(loaded.numTrees).toBe(10);
    expect(Array.from(loaded.predict(validSet))).toEqual(Array.from(booster.predict(validSet)));
    expect(Array.from(loaded.predict(validSet, { outputMargin: true }))).toEqual(Array.from(booster.predict(validSet, { outputMargin: true })));
    expect(loadXGBoostJSON(booster.toXGBoostJSON()).toXGBoostJSONText()).toBe(booster.toXGBoostJSONText());
  });

  it('releases its WASM instance on dispose', () => {
    const { booster } = train(trainSet, { objective: 'binary:logistic', num_boost_round: 2 });
    booster.predict(validSet);
    booster.dispose();
    expect(() => booster.predict(validSet)).toThrow(/disposed/);
  });
});

describe('gbdt: bad input', () => {
  const ok = table([[1], [2], [3]], [0, 1, 0]);
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(WeirError);
      return `${(e as WeirError).code}: ${(e as WeirError).message}`;
    }
    return 'no error';
  };

  it('names the parameter, the row or the shape at fault', () => {
    expect(code(() => train(ok, { objective: 'binary:logistic', eta: -1 }))).toMatch(/BAD_INPUT: boosting parameter eta=-1/);
    expect(code(() => train(ok, { objective: 'multi:softprob' }))).toMatch(/num_class/);
    expect(code(() => train(table([[1], [2]], [0, 2]), { objective: 'binary:logistic' }))).toMatch(/label at row 1 is 2/);
    expect(code(() => train({ ...ok, values: new Float32Array(2) }, {}))).toMatch(/values has 2 entries/);
    expect(code(() => train(table([[1], [Infinity]], [0, 1]), {}))).toMatch(/f0 at row 1 is infinite/);
    expect(code(() => train(ok, { early_stopping_rounds: 3 }))).toMatch(/needs at least one eval set/);
    expect(code(() => train({ rows: 0, cols: 1, values: new Float32Array(0), label: new Float32Array(0) }, {}))).toMatch(/no rows/);
    expect(code(() => train({ ...ok, rows: 2, label: new Float32Array(2), rowIndex: Uint32Array.of(0, 3) }, {}))).toMatch(/rowIndex\[1\] is 3, past the 3 rows of values/);
    expect(code(() => train({ ...ok, rows: 2, label: new Float32Array(2), rowIndex: Uint32Array.of(1, 2) }, {}, [{ name: 'v', data: { ...ok, rows: 1, label: new Float32Array(1), rowIndex: Uint32Array.of(0) } }]))).toMatch(
      /eval set 'v': rowIndex is for the training data only/,
    );
    expect(code(() => train({ ...table([[1], [Infinity], [2]], [0, 1, 0]), rows: 2, label: new Float32Array(2), rowIndex: Uint32Array.of(0, 1) }, {}))).toMatch(/f0 at row 1 is infinite/);
    const { booster } = train(ok, { num_boost_round: 1 });
    expect(code(() => booster.predict({ rows: 1, cols: 2, values: new Float32Array(2) }))).toMatch(/2 feature columns; the model was trained on 1/);
    expect(code(() => loadXGBoostJSON('{"learner": 3}'))).toMatch(/not an XGBoost JSON model/);
  });
});
