import { argsort } from './argsort';

/**
 * Threshold sweeps over one binary decision (a class against the rest): the weighted
 * counts of true and false positives at every distinct score, highest score first. ROC
 * AUC, average precision and the chart curves are all read off this one sweep, so the
 * numbers on the leaderboard and the curves in the editor agree by construction.
 */
export interface BinarySweep {
  /** Distinct thresholds, descending. */
  thresholds: Float64Array;
  /** Weighted true positives with score ≥ threshold. */
  tps: Float64Array;
  /** Weighted false positives with score ≥ threshold. */
  fps: Float64Array;
  /** Total positive and negative weight. */
  positives: number;
  negatives: number;
}

/**
 * Sweeps thresholds for `score(i)` against `isPositive(i)`. Accessors instead of arrays let
 * a caller read one column of a row-major probability matrix without copying it.
 */
export function binarySweep(
  n: number,
  score: (i: number) => number,
  isPositive: (i: number) => boolean,
  weight?: ArrayLike<number>,
): BinarySweep {
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = score(i);
  // Highest score first; ties are grouped below, so their order does not matter.
  const order = argsort(scores).reverse();
  // Preallocated to the worst case (all scores distinct) and trimmed: pushing millions of
  // numbers into JS arrays costs several times the memory and time.
  const thresholds = new Float64Array(n);
  const tps = new Float64Array(n);
  const fps = new Float64Array(n);
  let m = 0;
  let tp = 0;
  let fp = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r];
    const w = weight ? weight[i] : 1;
    if (isPositive(i)) tp += w;
    else fp += w;
    if (r === n - 1 || scores[order[r + 1]] !== scores[i]) {
      thresholds[m] = scores[i];
      tps[m] = tp;
      fps[m] = fp;
      m++;
    }
  }
  return { thresholds: thresholds.slice(0, m), tps: tps.slice(0, m), fps: fps.slice(0, m), positives: tp, negatives: fp };
}

/** Area under the ROC curve by the trapezoid rule; NaN when one side has no weight. */
export function rocAuc(sweep: BinarySweep): number {
  const { tps, fps, positives, negatives } = sweep;
  if (positives <= 0 || negatives <= 0) return NaN;
  let area = 0;
  let prevTp = 0;
  let prevFp = 0;
  for (let t = 0; t < tps.length; t++) {
    area += ((fps[t] - prevFp) * (tps[t] + prevTp)) / 2;
    prevTp = tps[t];
    prevFp = fps[t];
  }
  return area / (positives * negatives);
}

/**
 * Average precision as scikit-learn defines it: Σ (Rₙ − Rₙ₋₁) · Pₙ over the thresholds
 * (a step sum, not the trapezoid, which would be optimistic). NaN without positives.
 */
export function averagePrecision(sweep: BinarySweep): number {
  const { tps, fps, positives } = sweep;
  if (positives <= 0) return NaN;
  let ap = 0;
  let prevRecall = 0;
  for (let t = 0; t < tps.length; t++) {
    const recall = tps[t] / positives;
    const predicted = tps[t] + fps[t];
    const precision = predicted > 0 ? tps[t] / predicted : 1;
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
  }
  return ap;
}
