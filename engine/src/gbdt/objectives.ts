import { WeirError } from '../errors';
import type { GbdtObjective } from './api';

/** Whether an objective's output is exp(margin): count:poisson and reg:tweedie (log link; labels ≥ 0, base_score a mean > 0). */
export function logLink(objective: GbdtObjective): boolean {
  return objective === 'count:poisson' || objective === 'reg:tweedie';
}

/** The raw score a model starts from, given XGBoost's base_score (a probability for logistic, a mean for Poisson and Tweedie). */
export function baseMargin(objective: GbdtObjective, baseScore: number): number {
  switch (objective) {
    case 'binary:logistic':
      return Math.log(baseScore / (1 - baseScore));
    case 'count:poisson':
    case 'reg:tweedie':
      return Math.log(baseScore);
    default:
      return baseScore;
  }
}

/**
 * Turns margins into outputs in place (f32, as XGBoost computes them): sigmoid, exp,
 * or a softmax over each row's numClass margins. The logistic case runs in WASM, see Booster.
 */
export function transformMargins(objective: GbdtObjective, values: Float32Array, numClass: number): void {
  if (logLink(objective)) {
    for (let i = 0; i < values.length; i++) values[i] = Math.fround(Math.exp(values[i]));
  } else if (objective === 'binary:logistic') {
    for (let i = 0; i < values.length; i++) values[i] = Math.fround(1 / (1 + Math.exp(-values[i])));
  } else if (objective === 'multi:softprob') {
    for (let r = 0; r < values.length; r += numClass) {
      let mx = -Infinity;
      for (let k = 0; k < numClass; k++) mx = Math.max(mx, values[r + k]);
      let sum = 0;
      for (let k = 0; k < numClass; k++) {
        const e = Math.exp(values[r + k] - mx);
        values[r + k] = e;
        sum += e;
      }
      for (let k = 0; k < numClass; k++) values[r + k] = Math.fround(values[r + k] / sum);
    }
  }
}

/** Checks labels against what the objective accepts; names the first bad row. */
export function checkLabels(objective: GbdtObjective, label: Float32Array, numClass: number, what = 'label'): void {
  for (let i = 0; i < label.length; i++) {
    const y = label[i];
    let ok = Number.isFinite(y);
    if (ok) {
      if (objective === 'binary:logistic') ok = y >= 0 && y <= 1;
      else if (objective === 'multi:softprob') ok = Number.isInteger(y) && y >= 0 && y < numClass;
      else if (logLink(objective)) ok = y >= 0;
    }
    if (!ok) {
      const rule =
        objective === 'binary:logistic'
          ? 'in [0, 1]'
          : objective === 'multi:softprob'
            ? `an integer class in [0, ${numClass - 1}]`
            : objective === 'count:poisson'
              ? 'a count ≥ 0'
              : objective === 'reg:tweedie'
                ? 'a value ≥ 0'
                : 'a finite number';
      throw new WeirError('BAD_INPUT', `${what} at row ${i} is ${y}; ${objective} needs ${rule}`);
    }
  }
}

/**
 * XGBoost's quantile of a sample: linear interpolation between order statistics without
 * weights (common::Quantile), the weighted lower bound with weights (WeightedQuantile).
 */
export function xgbQuantile(alpha: number, values: Float64Array, weights?: Float64Array): number {
  const n = values.length;
  if (n === 0) return NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  if (!weights) {
    if (alpha <= 1 / (n + 1)) return values[order[0]];
    if (alpha >= n / (n + 1)) return values[order[n - 1]];
    const x = alpha * (n + 1);
    const k = Math.floor(x) - 1;
    const d = x - 1 - k;
    const v0 = values[order[k]];
    const v1 = values[order[k + 1]];
    return v0 + d * (v1 - v0);
  }
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += weights[order[i]];
    cdf[i] = acc;
  }
  const thresh = cdf[n - 1] * alpha;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] < thresh) lo = mid + 1;
    else hi = mid;
  }
  return values[order[Math.min(lo, n - 1)]];
}
