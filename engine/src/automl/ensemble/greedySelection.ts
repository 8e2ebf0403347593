/**
 * Caruana et al.'s greedy ensemble selection (2004), which Azure AutoML's VotingEnsemble
 * uses: start from the best single model, then repeatedly add (with replacement) the model
 * whose inclusion gives the best score of the averaged out-of-fold predictions. The result
 * is the best-scoring prefix of that sequence, as integer counts per candidate; weights are
 * counts over their sum.
 */
export function greedyEnsembleSelection(args: {
  candidates: Float64Array[];
  /** Score of averaged predictions; higher is better. */
  score: (pred: Float64Array) => number;
  rounds: number;
}): { counts: number[]; score: number } {
  const { candidates, score, rounds } = args;
  const m = candidates.length;
  const len = candidates[0].length;
  const counts = new Array<number>(m).fill(0);
  const singleScores = candidates.map((c) => score(c));
  let first = 0;
  for (let i = 1; i < m; i++) if (safe(singleScores[i]) > safe(singleScores[first])) first = i;
  counts[first] = 1;
  const sum = Float64Array.from(candidates[first]);
  let size = 1;
  let bestCounts = counts.slice();
  let bestScore = singleScores[first];
  const trial = new Float64Array(len);
  for (let round = 1; round < rounds; round++) {
    let pick = -1;
    let pickScore = -Infinity;
    for (let i = 0; i < m; i++) {
      const c = candidates[i];
      for (let j = 0; j < len; j++) trial[j] = (sum[j] + c[j]) / (size + 1);
      const s = safe(score(trial));
      if (s > pickScore) {
        pickScore = s;
        pick = i;
      }
    }
    if (pick < 0) break;
    const c = candidates[pick];
    for (let j = 0; j < len; j++) sum[j] += c[j];
    size++;
    counts[pick]++;
    if (pickScore > safe(bestScore)) {
      bestScore = pickScore;
      bestCounts = counts.slice();
    }
  }
  return { counts: bestCounts, score: bestScore };
}

/** Weighted average of prediction vectors of equal length. */
export function weightedAverage(preds: Float64Array[], weights: number[]): Float64Array {
  const out = new Float64Array(preds[0].length);
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  preds.forEach((p, i) => {
    const w = weights[i] / total;
    if (w === 0) return;
    for (let j = 0; j < out.length; j++) out[j] += w * p[j];
  });
  return out;
}

function safe(x: number): number {
  return Number.isFinite(x) ? x : -Infinity;
}
