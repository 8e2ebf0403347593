import type { MetricValues, Task } from '../types';
import { aucWeighted, classificationMetrics } from './classificationMetrics';
import { isHigherBetter } from './metricCatalog';
import { regressionMetrics, squaredErrorMetric } from './regressionMetrics';

export * from './metricCatalog';
export { classificationMetrics, type ClassificationInput } from './classificationMetrics';
export { regressionMetrics, type RegressionInput, spearman, pearson, averageRanks, weightedMedian } from './regressionMetrics';
export { binarySweep, rocAuc, averagePrecision, type BinarySweep } from './binaryCurve';

/**
 * All metrics of a task from out-of-fold predictions. Classification: `pred` is rows ×
 * numClasses probabilities (row-major) and `yTrue` class indices. Regression and
 * forecasting: `pred` holds one value per row.
 */
export function computeMetrics(args: {
  task: Task;
  yTrue: ArrayLike<number>;
  pred: ArrayLike<number>;
  numClasses?: number;
  weight?: ArrayLike<number>;
  labelRange?: { min: number; max: number };
}): MetricValues {
  if (args.task === 'classification') {
    if (!args.numClasses) throw new RangeError('computeMetrics: numClasses is required for classification');
    return classificationMetrics({ yTrue: args.yTrue, proba: args.pred, numClasses: args.numClasses, weight: args.weight });
  }
  return regressionMetrics({ yTrue: args.yTrue, pred: args.pred, weight: args.weight, labelRange: args.labelRange });
}

/**
 * Orders two scores of `metric` for ranking: negative when `a` is better. NaN always
 * loses, so a trial whose metric is undefined never leads the leaderboard.
 */
export function compareScores(metric: string, a: number, b: number): number {
  const aBad = !Number.isFinite(a);
  const bBad = !Number.isFinite(b);
  if (aBad || bBad) return aBad === bBad ? 0 : aBad ? 1 : -1;
  return isHigherBetter(metric) ? b - a : a - b;
}

/**
 * One metric of a task, as `computeMetrics(args)[metric]` gives it (the same value, bit for
 * bit), computed alone for the common primary metrics: ensemble selection scores hundreds
 * of blends, and every metric of a 26-class label (a pooled sweep over rows × classes among
 * them) costs many times its primary one. Other metrics fall back to `computeMetrics`.
 */
export function computeMetric(metric: string, args: Parameters<typeof computeMetrics>[0]): number {
  if (args.task === 'classification' && metric === 'AUC_weighted' && args.numClasses) {
    return aucWeighted({ yTrue: args.yTrue, proba: args.pred, numClasses: args.numClasses, weight: args.weight });
  }
  if (args.task !== 'classification' && (metric === 'r2_score' || metric === 'normalized_root_mean_squared_error')) {
    return squaredErrorMetric(metric, { yTrue: args.yTrue, pred: args.pred, weight: args.weight, labelRange: args.labelRange });
  }
  return computeMetrics(args)[metric as keyof MetricValues] ?? NaN;
}
