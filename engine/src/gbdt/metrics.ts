import type { GbdtEvalMetric } from './api';

/**
 * XGBoost's evaluation metrics, weighted as XGBoost weights them. `pred` holds transformed
 * outputs (probabilities for classification, row-major rows × numClass for multi-class).
 */
export function evalMetric(
  metric: GbdtEvalMetric,
  pred: Float32Array,
  label: Float32Array,
  weight: Float32Array | undefined,
  numClass: number,
  huberSlope = 1,
  tweedieRho = 1.5,
): number {
  const n = label.length;
  let sw = 0;
  let acc = 0;
  const w = (i: number) => (weight ? weight[i] : 1);
  switch (metric) {
    case 'rmse':
      for (let i = 0; i < n; i++) {
        const d = label[i] - pred[i];
        acc += w(i) * d * d;
        sw += w(i);
      }
      return Math.sqrt(acc / sw);
    case 'mae':
      for (let i = 0; i < n; i++) {
        acc += w(i) * Math.abs(label[i] - pred[i]);
        sw += w(i);
      }
      return acc / sw;
    case 'mphe': {
      const s2 = huberSlope * huberSlope;
      for (let i = 0; i < n; i++) {
        const z = label[i] - pred[i];
        acc += w(i) * s2 * (Math.sqrt(1 + (z * z) / s2) - 1);
        sw += w(i);
      }
      return acc / sw;
    }
    case 'poisson-nloglik':
      for (let i = 0; i < n; i++) {
        const p = Math.max(pred[i], 1e-16);
        const y = label[i];
        acc += w(i) * (logGamma(y + 1) + p - Math.log(p) * y);
        sw += w(i);
      }
      return acc / sw;
    case 'tweedie-nloglik': {
      // XGBoost's tweedie-nloglik@ρ: −y·p^(1−ρ)/(1−ρ) + p^(2−ρ)/(2−ρ), the terms free of p left out.
      const rho = tweedieRho;
      for (let i = 0; i < n; i++) {
        const lp = Math.log(pred[i]);
        acc += w(i) * (-(label[i] * Math.exp((1 - rho) * lp)) / (1 - rho) + Math.exp((2 - rho) * lp) / (2 - rho));
        sw += w(i);
      }
      return acc / sw;
    }
    case 'logloss':
      for (let i = 0; i < n; i++) {
        const p = Math.min(Math.max(pred[i], 1e-16), 1 - 1e-16);
        const y = label[i];
        acc -= w(i) * (y * Math.log(p) + (1 - y) * Math.log(1 - p));
        sw += w(i);
      }
      return acc / sw;
    case 'error':
      for (let i = 0; i < n; i++) {
        const wrong = pred[i] > 0.5 ? label[i] !== 1 : label[i] !== 0;
        if (wrong) acc += w(i);
        sw += w(i);
      }
      return acc / sw;
    case 'mlogloss':
      for (let i = 0; i < n; i++) {
        const p = Math.max(pred[i * numClass + label[i]], 1e-16);
        acc -= w(i) * Math.log(p);
        sw += w(i);
      }
      return acc / sw;
    case 'merror':
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let k = 1; k < numClass; k++) if (pred[i * numClass + k] > pred[i * numClass + best]) best = k;
        if (best !== label[i]) acc += w(i);
        sw += w(i);
      }
      return acc / sw;
    case 'auc':
      return binaryAuc(pred, label, weight);
  }
}

/** Whether a larger value of the metric is better (only AUC among XGBoost's). */
export function metricMaximizes(metric: GbdtEvalMetric): boolean {
  return metric === 'auc';
}

/**
 * Weighted ROC AUC with tied scores counted as half (the trapezoid over tie groups), as
 * XGBoost computes it for binary labels. NaN when only one class is present.
 */
export function binaryAuc(score: Float32Array | Float64Array, label: Float32Array, weight?: Float32Array): number {
  const n = label.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => score[b] - score[a] || a - b);
  let tp = 0;
  let fp = 0;
  let area = 0;
  let i = 0;
  while (i < n) {
    let dtp = 0;
    let dfp = 0;
    const s = score[order[i]];
    while (i < n && score[order[i]] === s) {
      const r = order[i];
      const wr = weight ? weight[r] : 1;
      if (label[r] > 0.5) dtp += wr;
      else dfp += wr;
      i++;
    }
    area += dfp * (tp + dtp / 2);
    tp += dtp;
    fp += dfp;
  }
  if (tp === 0 || fp === 0) return NaN;
  return area / (tp * fp);
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7), enough for the Poisson log-likelihood. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}
