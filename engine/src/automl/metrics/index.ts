import type { MetricValues, Task } from '../types';
import { classificationMetrics } from './classificationMetrics';
import { isHigherBetter } from './metricCatalog';
import { regressionMetrics } from './regressionMetrics';

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
