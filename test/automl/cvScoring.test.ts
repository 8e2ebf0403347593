import { describe, expect, it } from 'vitest';
import { cvScoring, makeEvaluator } from '../../engine/src/automl/evaluation/evaluator';
import { kFold } from '../../engine/src/automl/splitFolds';
import { mulberry32 } from '../../engine/src/util/mulberry32';

/** r2 of predictions against labels, written out. */
function r2(y: ArrayLike<number>, pred: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i] / y.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < y.length; i++) {
    ssRes += (y[i] - pred[i]) ** 2;
    ssTot += (y[i] - mean) ** 2;
  }
  return 1 - ssRes / ssTot;
}

/**
 * 100 rows, labels about 100 ± 10, and one row of 5,000 (star98's MATHTOT: a district of 38,852
 * students against a median of 445). Model "tree" predicts every row within ±2 but cannot reach
 * the outlier (130 there); model "line" reaches it (4,800) and is off by ±15 on every other row.
 */
function outlierTable() {
  const rand = mulberry32(3);
  const rows = 100;
  const y = Float32Array.from({ length: rows }, () => 100 + 20 * (rand() - 0.5));
  const outlier = 37;
  y[outlier] = 5000;
  const folds = kFold(rows, 5, 1);
  const ev = makeEvaluator({ task: 'regression', primaryMetric: 'r2_score', y, folds, scoring: 'folds' });
  const tree = Float64Array.from(ev.evalRows, (i) => (i === outlier ? 130 : y[i] + 4 * (rand() - 0.5)));
  const line = Float64Array.from(ev.evalRows, (i) => (i === outlier ? 4800 : y[i] + 30 * (rand() - 0.5)));
  return { y, folds, ev, tree, line };
}

describe('CV score: the mean of the folds’ metrics', () => {
  it('one outlier row decides pooled r2 but weighs in one fold of five', () => {
    const { y, folds, ev, tree, line } = outlierTable();
    const pooled = makeEvaluator({ task: 'regression', primaryMetric: 'r2_score', y, folds, scoring: 'pooled' });
    // Pooled over all rows the outlier's error is most of the sum of squares: the line wins.
    expect(pooled.primaryScore(line)).toBeGreaterThan(pooled.primaryScore(tree));
    // Per fold, the tree is better on four folds of five, and wins the mean.
    expect(ev.primaryScore(tree)).toBeGreaterThan(ev.primaryScore(line));
    expect(ev.primaryScore(tree)).toBeGreaterThan(0.5);
  });

  it('the score is the mean of the fold scores, every metric and the primary one alike', () => {
    const { y, folds, ev, tree } = outlierTable();
    const perFold: number[] = [];
    let start = 0;
    for (const f of folds) {
      perFold.push(r2(Array.from(f.valid, (i) => y[i]), tree.subarray(start, start + f.valid.length)));
      start += f.valid.length;
    }
    const mean = perFold.reduce((a, b) => a + b, 0) / perFold.length;
    expect(ev.foldScores(tree)).toHaveLength(5);
    ev.foldScores(tree).forEach((s, k) => expect(s).toBeCloseTo(perFold[k], 10));
    expect(ev.primaryScore(tree)).toBeCloseTo(mean, 10);
    const metrics = ev.evaluate(tree);
    expect(metrics.r2_score).toBeCloseTo(mean, 10);
    expect(Number.isFinite(metrics.normalized_root_mean_squared_error)).toBe(true);
  });

  it('a subset of the out-of-fold positions is scored per fold of the search, as ensemble cross-fitting does', () => {
    const { y, folds, ev, tree } = outlierTable();
    // Every third position, shuffled: its rows span all five folds.
    const rows = Uint32Array.from({ length: 34 }, (_, i) => (i * 3 * 7) % 100).sort((a, b) => b - a);
    const pred = Float64Array.from(rows, (p) => tree[p]);
    const byFold: { y: number[]; p: number[] }[] = folds.map(() => ({ y: [], p: [] }));
    const foldOfPosition: number[] = [];
    folds.forEach((f, k) => f.valid.forEach(() => foldOfPosition.push(k)));
    rows.forEach((p, j) => {
      byFold[foldOfPosition[p]].y.push(y[ev.evalRows[p]]);
      byFold[foldOfPosition[p]].p.push(pred[j]);
    });
    const expected = byFold.map((g) => r2(g.y, g.p));
    expect(ev.primaryScore(pred, rows)).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / expected.length, 10);
    // Scored again on the same rows (the cached grouping) and on all rows in order: the same as above.
    expect(ev.primaryScore(pred, rows)).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / expected.length, 10);
    const all = Uint32Array.from({ length: 100 }, (_, i) => i);
    expect(ev.primaryScore(tree, all)).toBeCloseTo(ev.primaryScore(tree), 10);
  });

  it('regression is scored per fold when one fold’s label spread dwarfs the others’, pooled otherwise', () => {
    const saved = process.env.WEIR_CV_SCORE;
    delete process.env.WEIR_CV_SCORE;
    try {
      const { y, folds } = outlierTable();
      const chosen = makeEvaluator({ task: 'regression', primaryMetric: 'r2_score', y, folds });
      expect(chosen.scoring).toBe('folds');
      expect(chosen.scoringWhy).toMatch(/label variance is \d+× the median fold's/);
      // The same rows without the outlier: folds alike, pooled as before.
      const even = Float32Array.from(y, (v) => (v > 1000 ? 100 : v));
      expect(makeEvaluator({ task: 'regression', primaryMetric: 'r2_score', y: even, folds }).scoring).toBe('pooled');
      expect(cvScoring('classification', [[0, 1], [1, 0], [0, 1]]).scoring).toBe('pooled');
      process.env.WEIR_CV_SCORE = 'pooled';
      expect(makeEvaluator({ task: 'regression', primaryMetric: 'r2_score', y, folds }).scoring).toBe('pooled');
    } finally {
      if (saved === undefined) delete process.env.WEIR_CV_SCORE;
      else process.env.WEIR_CV_SCORE = saved;
    }
  });
});
