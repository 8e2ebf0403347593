import { WeirError } from '../../errors';

/**
 * Caruana et al.'s greedy ensemble selection (2004), which Azure AutoML's VotingEnsemble
 * uses: start from the best single model, then repeatedly add (with replacement) the model
 * whose inclusion gives the best score of the averaged out-of-fold predictions. The result
 * is the best-scoring prefix of that sequence, as integer counts per candidate; weights are
 * counts over their sum.
 *
 * It is bounded and cancelable: it yields to the event loop after every score (so a cancel
 * is seen while it runs), throws CANCELED when `signal` aborts, and when `deadline` (on
 * `now`) passes it stops with the best prefix found so far (`stoppedEarly`).
 */
export async function greedyEnsembleSelection(args: {
  candidates: Float64Array[];
  /** Score of averaged predictions; higher is better. */
  score: (pred: Float64Array) => number;
  rounds: number;
  /** The candidates' own scores when already known (the same `score` of each alone): not scored again. */
  singleScores?: number[];
  /** Sorted initialisation (Caruana et al.): start from the blend of this many best single models (default 1). */
  initial?: number;
  /**
   * Stop after this many rounds in a row without a blend better than the best prefix (that
   * prefix is the result either way); absent: all `rounds`.
   */
  patience?: number;
  deadline?: number;
  /**
   * Time (ms) each candidate adds to what follows the selection once it is a member (writing
   * its models into the model file): the deadline moves earlier by the members' sum, and a
   * candidate not yet a member is passed over while its time does not fit.
   */
  memberMs?: number[];
  signal?: AbortSignal;
  now?: () => number;
}): Promise<{ counts: number[]; score: number; stoppedEarly: boolean }> {
  const { candidates, score, rounds } = args;
  const now = args.now ?? (() => performance.now());
  let stoppedEarly = false;
  const m = candidates.length;
  const len = candidates[0].length;
  const counts = new Array<number>(m).fill(0);
  const memberMs = (i: number) => args.memberMs?.[i] ?? 0;
  /** What the members so far add after the selection. */
  const membersMs = () => counts.reduce((s, c, i) => s + (c > 0 ? memberMs(i) : 0), 0);
  /** Yields, then says whether to stop: throws on cancel, true past the deadline (less the members' time). */
  const pause = async (): Promise<boolean> => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (args.signal?.aborted) throw new WeirError('CANCELED', 'the AutoML run was canceled while building ensembles');
    if (args.deadline !== undefined && now() > args.deadline - membersMs()) stoppedEarly = true;
    return stoppedEarly;
  };
  /** A candidate not yet a member whose time would end past the deadline is not tried. */
  const affordable = (i: number) => args.deadline === undefined || counts[i] > 0 || now() + membersMs() + memberMs(i) <= args.deadline;
  const singleScores: number[] = args.singleScores?.slice() ?? [];
  if (!args.singleScores) {
    for (const c of candidates) {
      singleScores.push(score(c));
      // Past the deadline before every single model is scored: no blend, the best scored alone.
      if (await pause()) break;
    }
  } else await pause();
  const order = singleScores.map((_, i) => i).sort((a, b) => safe(singleScores[b]) - safe(singleScores[a]) || a - b);
  const first = order[0];
  counts[first] = 1;
  const sum = Float64Array.from(candidates[first]);
  let size = 1;
  let bestCounts = counts.slice();
  let bestScore = singleScores[first];
  const trial = new Float64Array(len);
  const initial = Math.min(args.initial ?? 1, singleScores.length);
  if (initial > 1 && !stoppedEarly) {
    for (const i of order.slice(1, initial)) {
      if (!affordable(i)) continue;
      const c = candidates[i];
      for (let j = 0; j < len; j++) sum[j] += c[j];
      counts[i]++;
      size++;
    }
    for (let j = 0; j < len; j++) trial[j] = sum[j] / size;
    const s = safe(score(trial));
    if (s > safe(bestScore)) {
      bestScore = s;
      bestCounts = counts.slice();
    }
    await pause();
  }
  let sinceBest = 0;
  for (let round = size; round < rounds && !stoppedEarly; round++) {
    if (args.patience !== undefined && sinceBest >= args.patience) break;
    let pick = -1;
    let pickScore = -Infinity;
    for (let i = 0; i < m; i++) {
      if (!affordable(i)) continue;
      const c = candidates[i];
      for (let j = 0; j < len; j++) trial[j] = (sum[j] + c[j]) / (size + 1);
      const s = safe(score(trial));
      if (s > pickScore) {
        pickScore = s;
        pick = i;
      }
      if (await pause()) break;
    }
    // A round cut short by the deadline did not see every candidate: it adds nothing.
    if (pick < 0 || stoppedEarly) break;
    const c = candidates[pick];
    for (let j = 0; j < len; j++) sum[j] += c[j];
    size++;
    counts[pick]++;
    if (pickScore > safe(bestScore)) {
      bestScore = pickScore;
      bestCounts = counts.slice();
      sinceBest = 0;
    } else sinceBest++;
  }
  return { counts: bestCounts, score: bestScore, stoppedEarly };
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

/** Predictions (rows × width) of the given rows. */
export function gatherPred(pred: Float64Array, width: number, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length * width);
  rows.forEach((r, i) => {
    for (let c = 0; c < width; c++) out[i * width + c] = pred[r * width + c];
  });
  return out;
}
