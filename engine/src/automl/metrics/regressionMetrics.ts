import { medianOf } from '../../util/median';
import { argsort } from './argsort';
import type { RegressionMetricName } from './metricCatalog';

export interface RegressionInput {
  yTrue: ArrayLike<number>;
  pred: ArrayLike<number>;
  /** Optional sample weights (Spearman correlation ignores them, as scipy does). */
  weight?: ArrayLike<number>;
  /**
   * The label's range for the `normalized_*` metrics. Azure normalizes by the range of the
   * whole training label, not of one fold, so the search passes it; default: range of yTrue.
   */
  labelRange?: { min: number; max: number };
}

/**
 * Every Azure regression (and forecasting) metric. `r2_score` is clipped at −1 as Azure
 * documents ("automated ML clips reported R2 scores at −1"); the rest follow scikit-learn's
 * definitions, with MAPE in percent over the rows whose true value is not 0 (Azure's rule).
 */
export function regressionMetrics(input: RegressionInput): Record<RegressionMetricName, number> {
  const { yTrue, pred, weight } = input;
  const n = yTrue.length;
  const w = (i: number): number => (weight ? weight[i] : 1);
  const { min, max, sw, errMean, sse, sst } = squaredErrors(input);

  let sae = 0;
  let errVar = 0;
  let sle = 0;
  let logDefined = true;
  let apeSum = 0;
  let apeWeight = 0;
  const absErr = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = yTrue[i];
    const e = y - pred[i];
    const wi = w(i);
    absErr[i] = Math.abs(e);
    sae += wi * absErr[i];
    errVar += wi * (e - errMean) * (e - errMean);
    if (y < 0) logDefined = false;
    else {
      const d = Math.log1p(y) - Math.log1p(Math.max(0, pred[i]));
      sle += wi * d * d;
    }
    if (y !== 0) {
      apeSum += (wi * absErr[i]) / Math.abs(y);
      apeWeight += wi;
    }
  }

  const mae = sae / sw;
  const rmse = Math.sqrt(sse / sw);
  const medae = weightedMedian(absErr, weight);
  const rmsle = logDefined ? Math.sqrt(sle / sw) : NaN;
  const range = max - min;
  const logRange = min >= 0 ? Math.log1p(max) - Math.log1p(min) : NaN;

  return {
    r2_score: Math.max(-1, sst === 0 ? (sse === 0 ? 1 : 0) : 1 - sse / sst),
    explained_variance: sst === 0 ? (errVar === 0 ? 1 : 0) : 1 - errVar / sst,
    spearman_correlation: spearman(yTrue, pred),
    mean_absolute_error: mae,
    median_absolute_error: medae,
    root_mean_squared_error: rmse,
    root_mean_squared_log_error: rmsle,
    mean_absolute_percentage_error: apeWeight > 0 ? (100 * apeSum) / apeWeight : NaN,
    normalized_mean_absolute_error: normalize(mae, range),
    normalized_median_absolute_error: normalize(medae, range),
    normalized_root_mean_squared_error: normalize(rmse, range),
    normalized_root_mean_squared_log_error: normalize(rmsle, logRange),
  };
}

/**
 * `regressionMetrics(input)[metric]` for `r2_score` or `normalized_root_mean_squared_error`
 * alone, by the same sums in the same order (so the value is identical), without the sorts
 * the median and Spearman metrics need.
 */
export function squaredErrorMetric(metric: 'r2_score' | 'normalized_root_mean_squared_error', input: RegressionInput): number {
  const { min, max, sw, sse, sst } = squaredErrors(input);
  if (metric === 'r2_score') return Math.max(-1, sst === 0 ? (sse === 0 ? 1 : 0) : 1 - sse / sst);
  return normalize(Math.sqrt(sse / sw), max - min);
}

/** The label's range (or `labelRange`), weight, means, and the squared error and total sums. */
function squaredErrors(input: RegressionInput) {
  const { yTrue, pred, weight } = input;
  const n = yTrue.length;
  if (pred.length !== n) throw new RangeError(`regressionMetrics: ${pred.length} predictions for ${n} rows`);
  const w = (i: number): number => (weight ? weight[i] : 1);
  let min = Infinity;
  let max = -Infinity;
  let sw = 0;
  let yMean = 0;
  let errMean = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i];
    if (y < min) min = y;
    if (y > max) max = y;
    sw += w(i);
    yMean += w(i) * y;
    errMean += w(i) * (y - pred[i]);
  }
  yMean /= sw;
  errMean /= sw;
  if (input.labelRange) {
    min = input.labelRange.min;
    max = input.labelRange.max;
  }
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i];
    const e = y - pred[i];
    sse += w(i) * e * e;
    sst += w(i) * (y - yMean) * (y - yMean);
  }
  return { min, max, sw, errMean, sse, sst };
}

/** A constant label has no range; the error is then only meaningful when it is 0. */
function normalize(error: number, range: number): number {
  if (!(range > 0)) return error === 0 ? 0 : NaN;
  return error / range;
}

/**
 * The median, or with weights scikit-learn's weighted median (the smallest value whose
 * cumulative weight reaches half the total), so the two agree on weighted data too.
 */
export function weightedMedian(values: Float64Array, weight?: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  if (!weight) return medianOf(values);
  const order = argsort(values);
  let total = 0;
  for (let i = 0; i < n; i++) total += weight[i];
  const half = total / 2;
  let cumulative = 0;
  for (const i of order) {
    cumulative += weight[i];
    if (cumulative >= half) return values[i];
  }
  return values[order[n - 1]];
}

/** Average ranks (ties share the mean of their positions), 1-based. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = argsort(values);
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const rank = (start + end + 1) / 2;
    for (let r = start; r < end; r++) ranks[order[r]] = rank;
    start = end;
  }
  return ranks;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) * (a[i] - ma);
    vb += (b[i] - mb) * (b[i] - mb);
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : NaN;
}

export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(averageRanks(a), averageRanks(b));
}
