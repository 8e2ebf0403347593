import type { ClassificationMetricName } from './metricCatalog';
import { averagePrecision, binarySweep, rocAuc } from './binaryCurve';
import { finiteMean } from '../../util/finiteMean';

export interface ClassificationInput {
  /** True class index per row, 0..numClasses−1. */
  yTrue: ArrayLike<number>;
  /** Predicted probabilities, rows × numClasses, row-major (binary too: two columns). */
  proba: ArrayLike<number>;
  numClasses: number;
  /** Optional sample weights; every metric is weighted by them. */
  weight?: ArrayLike<number>;
}

/** Clipping of probabilities in `log_loss`, as scikit-learn 1.2 (and so Azure) does. */
const LOG_LOSS_EPS = 1e-15;

/**
 * Every Azure classification metric from out-of-fold probabilities. The predicted class is
 * the most probable one (the first on ties). One-vs-rest averages use all `numClasses`
 * classes for the threshold-free metrics (precision, recall, F1), as scikit-learn does
 * with `labels=range(k)`; AUC and average precision skip classes that have no positive
 * (or no negative) rows in `yTrue`, where they are undefined.
 */
export function classificationMetrics(input: ClassificationInput): Record<ClassificationMetricName, number> {
  const { yTrue, proba, numClasses: k, weight } = input;
  const n = yTrue.length;
  if (proba.length !== n * k) {
    throw new RangeError(`classificationMetrics: proba has ${proba.length} values, expected rows × classes = ${n} × ${k}`);
  }
  const w = (i: number): number => (weight ? weight[i] : 1);
  for (let i = 0; i < n; i++) {
    const t = yTrue[i];
    if (!(t >= 0 && t < k && Number.isInteger(t))) throw new RangeError(`classificationMetrics: row ${i} has class index ${t}, expected an integer in 0..${k - 1}`);
  }

  const predicted = new Int32Array(n);
  const confusion = new Float64Array(k * k); // [true * k + predicted]
  let total = 0;
  let logLoss = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestP = proba[i * k];
    let rowSum = 0;
    for (let c = 0; c < k; c++) {
      const p = proba[i * k + c];
      if (p > bestP) {
        bestP = p;
        best = c;
      }
      rowSum += clip(p);
    }
    predicted[i] = best;
    const t = yTrue[i];
    const wi = w(i);
    confusion[t * k + best] += wi;
    total += wi;
    logLoss -= wi * Math.log(clip(proba[i * k + t]) / rowSum);
  }

  const support = new Float64Array(k);
  const predictedCount = new Float64Array(k);
  let correct = 0;
  for (let t = 0; t < k; t++) {
    for (let p = 0; p < k; p++) {
      support[t] += confusion[t * k + p];
      predictedCount[p] += confusion[t * k + p];
    }
    correct += confusion[t * k + t];
  }
  const precision = new Float64Array(k);
  const recall = new Float64Array(k);
  const f1 = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const tp = confusion[c * k + c];
    precision[c] = predictedCount[c] > 0 ? tp / predictedCount[c] : 0;
    recall[c] = support[c] > 0 ? tp / support[c] : 0;
    const sum = precision[c] + recall[c];
    f1[c] = sum > 0 ? (2 * precision[c] * recall[c]) / sum : 0;
  }
  const accuracy = total > 0 ? correct / total : NaN;

  // Balanced accuracy averages recall over the classes that occur, as scikit-learn does.
  let recallPresentSum = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    if (support[c] > 0) {
      recallPresentSum += recall[c];
      present++;
    }
  }

  // Azure's weighted accuracy: each row counts as many times as its class has rows.
  const classRows = new Float64Array(k);
  for (let i = 0; i < n; i++) classRows[yTrue[i]] += 1;
  let waNum = 0;
  let waDen = 0;
  for (let i = 0; i < n; i++) {
    const wi = w(i) * classRows[yTrue[i]];
    waDen += wi;
    if (predicted[i] === yTrue[i]) waNum += wi;
  }

  const auc = new Float64Array(k);
  const ap = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const sweep = binarySweep(n, (i) => proba[i * k + c], (i) => yTrue[i] === c, weight);
    auc[c] = rocAuc(sweep);
    ap[c] = averagePrecision(sweep);
  }
  const pooled = binarySweep(
    n * k,
    (j) => proba[j],
    (j) => yTrue[Math.floor(j / k)] === j % k,
    weight ? repeatPerClass(weight, k, n) : undefined,
  );

  const recallMacro = mean(recall);
  const chance = k === 2 ? 0.5 : 1 / k;

  return {
    AUC_macro: finiteMean(auc),
    AUC_micro: rocAuc(pooled),
    AUC_weighted: finiteWeightedMean(auc, support),
    accuracy,
    balanced_accuracy: present > 0 ? recallPresentSum / present : NaN,
    average_precision_score_macro: finiteMean(ap),
    average_precision_score_micro: averagePrecision(pooled),
    average_precision_score_weighted: finiteWeightedMean(ap, support),
    f1_score_macro: mean(f1),
    f1_score_micro: accuracy,
    f1_score_weighted: weightedMean(f1, support),
    precision_score_macro: mean(precision),
    precision_score_micro: accuracy,
    precision_score_weighted: weightedMean(precision, support),
    recall_score_macro: recallMacro,
    recall_score_micro: accuracy,
    recall_score_weighted: weightedMean(recall, support),
    log_loss: total > 0 ? logLoss / total : NaN,
    norm_macro_recall: Math.max(0, (recallMacro - chance) / (1 - chance)),
    matthews_correlation: matthews(k, support, predictedCount, correct, total),
    weighted_accuracy: waDen > 0 ? waNum / waDen : NaN,
  };
}

/**
 * `classificationMetrics(input).AUC_weighted` alone, by the same steps (per-class sweeps
 * weighted by the class's support from the confusion matrix), so the value is identical.
 */
export function aucWeighted(input: ClassificationInput): number {
  const { yTrue, proba, numClasses: k, weight } = input;
  const n = yTrue.length;
  if (proba.length !== n * k) throw new RangeError(`aucWeighted: proba has ${proba.length} values, expected rows × classes = ${n} × ${k}`);
  const confusion = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestP = proba[i * k];
    for (let c = 0; c < k; c++) {
      if (proba[i * k + c] > bestP) {
        bestP = proba[i * k + c];
        best = c;
      }
    }
    confusion[yTrue[i] * k + best] += weight ? weight[i] : 1;
  }
  const support = new Float64Array(k);
  for (let t = 0; t < k; t++) for (let p = 0; p < k; p++) support[t] += confusion[t * k + p];
  const auc = new Float64Array(k);
  const pos = new Float64Array(n);
  const neg = new Float64Array(n);
  for (let c = 0; c < k; c++) {
    const counted = weight ? undefined : pairCountAuc(n, proba, k, c, yTrue, pos, neg);
    auc[c] = counted ?? rocAuc(binarySweep(n, (i) => proba[i * k + c], (i) => yTrue[i] === c, weight));
  }
  return finiteWeightedMean(auc, support);
}

/**
 * Unweighted one-vs-rest ROC AUC of class `c` by counting pairs: each positive's score against
 * the negatives' sorted natively (ties count a half), the same value bit for bit as the
 * trapezoid over `binarySweep` (both sum exact half-integers, then divide by positives ×
 * negatives) at a fraction of the cost on small tables, where the sweep's index sort with a
 * comparator dominated greedy ensemble selection (19 classes × 437 rows: 1.75 ms a score).
 * NaN when a side is empty; undefined when a score is NaN (the sweep's order then decides).
 */
function pairCountAuc(n: number, proba: ArrayLike<number>, k: number, c: number, yTrue: ArrayLike<number>, pos: Float64Array, neg: Float64Array): number | undefined {
  let p = 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    const v = proba[i * k + c];
    if (v !== v) return undefined;
    if (yTrue[i] === c) pos[p++] = v;
    else neg[q++] = v;
  }
  if (p === 0 || q === 0) return NaN;
  const ps = pos.subarray(0, p).sort();
  const ns = neg.subarray(0, q).sort();
  let pairs = 0;
  let below = 0; // negatives < the positive's score
  let upTo = 0; // negatives ≤ it
  for (let j = 0; j < p; j++) {
    const v = ps[j];
    while (below < q && ns[below] < v) below++;
    if (upTo < below) upTo = below;
    while (upTo < q && ns[upTo] <= v) upTo++;
    pairs += below + (upTo - below) / 2;
  }
  return pairs / (p * q);
}

function clip(p: number): number {
  return p < LOG_LOSS_EPS ? LOG_LOSS_EPS : p > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : p;
}

/** Sample weights repeated per class, for the pooled (micro) sweep over row × class pairs. */
function repeatPerClass(weight: ArrayLike<number>, k: number, n: number): Float64Array {
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) out.fill(weight[i], i * k, (i + 1) * k);
  return out;
}

function matthews(k: number, trueSum: Float64Array, predSum: Float64Array, correct: number, total: number): number {
  let dotTp = 0;
  let dotPp = 0;
  let dotTt = 0;
  for (let c = 0; c < k; c++) {
    dotTp += trueSum[c] * predSum[c];
    dotPp += predSum[c] * predSum[c];
    dotTt += trueSum[c] * trueSum[c];
  }
  const cov = correct * total - dotTp;
  const covPp = total * total - dotPp;
  const covTt = total * total - dotTt;
  if (covPp * covTt === 0) return 0;
  return cov / Math.sqrt(covTt * covPp);
}

function mean(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length > 0 ? s / values.length : NaN;
}

function weightedMean(values: Float64Array, weights: Float64Array): number {
  let s = 0;
  let ws = 0;
  for (let c = 0; c < values.length; c++) {
    s += values[c] * weights[c];
    ws += weights[c];
  }
  return ws > 0 ? s / ws : 0;
}

function finiteWeightedMean(values: Float64Array, weights: Float64Array): number {
  let s = 0;
  let ws = 0;
  for (let c = 0; c < values.length; c++) {
    if (Number.isFinite(values[c])) {
      s += values[c] * weights[c];
      ws += weights[c];
    }
  }
  return ws > 0 ? s / ws : NaN;
}
