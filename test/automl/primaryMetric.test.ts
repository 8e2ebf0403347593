import { describe, expect, it } from 'vitest';
import { computeMetric, computeMetrics } from '../../engine/src/automl/metrics';
import { mulberry32 } from '../../engine/src/util/mulberry32';

/** Random labels and predictions; ties (rounded scores), weights and an absent class included. */
function data(rows: number, k: number, seed: number, weighted: boolean) {
  const rand = mulberry32(seed);
  // Class k − 1 never occurs when k > 2 (its AUC is undefined and skipped).
  const yTrue = Float64Array.from({ length: rows }, () => Math.floor(rand() * (k > 2 ? k - 1 : k)));
  const pred = Float64Array.from({ length: rows * k }, () => Math.round(rand() * 50) / 50);
  const weight = weighted ? Float64Array.from({ length: rows }, () => 0.1 + rand() * 3) : undefined;
  return { yTrue, pred, weight };
}

describe('computeMetric (one metric alone, for ensemble selection)', () => {
  it('gives AUC_weighted exactly as computeMetrics does', () => {
    for (const [k, weighted] of [[2, false], [2, true], [5, false], [7, true]] as const) {
      const d = data(300, k, k * 10 + Number(weighted), weighted);
      const args = { task: 'classification' as const, numClasses: k, ...d };
      expect(computeMetric('AUC_weighted', args)).toBe(computeMetrics(args).AUC_weighted);
      // Any other metric by the full computation.
      expect(computeMetric('log_loss', args)).toBe(computeMetrics(args).log_loss);
    }
    // Unweighted, many classes (counted pairs, not the sweep), and a NaN score (the sweep's order).
    const many = { task: 'classification' as const, numClasses: 19, ...data(437, 19, 5, false) };
    expect(computeMetric('AUC_weighted', many)).toBe(computeMetrics(many).AUC_weighted);
    many.pred[3 * 19 + 2] = NaN;
    expect(computeMetric('AUC_weighted', many)).toBe(computeMetrics(many).AUC_weighted);
  });

  it('gives r2_score and normalized RMSE exactly as computeMetrics does', () => {
    for (const weighted of [false, true]) {
      const d = data(250, 1, 3 + Number(weighted), weighted);
      const yTrue = Float64Array.from(d.yTrue, (_, i) => Math.sin(i) * 10);
      for (const labelRange of [undefined, { min: -20, max: 15 }]) {
        const args = { task: 'regression' as const, yTrue, pred: Float64Array.from(d.pred, (v) => v * 20 - 10), weight: d.weight, labelRange };
        const all = computeMetrics(args);
        expect(computeMetric('r2_score', args)).toBe(all.r2_score);
        expect(computeMetric('normalized_root_mean_squared_error', args)).toBe(all.normalized_root_mean_squared_error);
        expect(computeMetric('spearman_correlation', args)).toBe(all.spearman_correlation);
      }
    }
    // r2 clipped at −1, and a constant label.
    const bad = { task: 'regression' as const, yTrue: [1, 2, 3], pred: [30, -20, 9] };
    expect(computeMetric('r2_score', bad)).toBe(-1);
    const flat = { task: 'forecasting' as const, yTrue: [2, 2, 2], pred: [2, 2, 2.5] };
    expect(computeMetric('r2_score', flat)).toBe(computeMetrics(flat).r2_score);
    expect(computeMetric('normalized_root_mean_squared_error', flat)).toBe(computeMetrics(flat).normalized_root_mean_squared_error);
  });
});
