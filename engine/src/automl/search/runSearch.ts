import { WeirError } from '../../errors';
import { compareScores } from '../metrics';
import type { TrialReply } from '../trials/trialPool';
import type { TrialRequest } from '../trials/protocol';
import type { MetricValues } from '../types';
import { CostFrugalSearch, type Proposal, type SearchFamily } from './costFrugalSearch';

/** What runs trials: the worker pool, or an in-process runner in tests. */
export interface TrialRunner {
  readonly size: number;
  /** Starts the workers before the clock of the first trial runs. */
  warmUp?(): Promise<void>;
  /** `keep` says, from a finished trial's predictions, whether its fold models are wanted. */
  run(request: TrialRequest, timeoutMs?: number, keep?: (reply: { oof: Float64Array; width: number }) => boolean): Promise<TrialReply>;
  cancel(iteration: number, reason: string): void;
  cancelAll(reason: string): void;
}

export interface TrialResult {
  iteration: number;
  algorithm: string;
  params: Record<string, number | string>;
  status: 'Completed' | 'Failed' | 'Canceled';
  metrics: MetricValues;
  /** The primary metric (NaN when the trial did not complete). */
  score: number;
  startedAt: string;
  durationMs: number;
  /** The relative config cost the search assigned. */
  cost: number;
  error?: string;
  /** Out-of-fold predictions (kept for the best trials only, for ensembles and charts). */
  oof?: Float64Array;
  width?: number;
  /** Fitted fold models (kept for the best trials only). */
  states?: unknown[];
  importances?: Record<string, number>;
}

export interface SearchOptions {
  runner: TrialRunner;
  families: SearchFamily[];
  iterations: number;
  primaryMetric: string;
  seed: number;
  /** Absolute deadline (ms on the `now` clock) after which no trial runs. */
  deadline?: number;
  iterationTimeoutMs?: number;
  earlyStopping: boolean;
  patience: number;
  exitScore?: number;
  /** Metrics of a trial from its out-of-fold predictions. */
  evaluate(oof: Float64Array, width: number): MetricValues;
  /** How many of the best trials keep their predictions and models. */
  keepTop: number;
  signal: AbortSignal;
  onTrial(result: TrialResult): void | Promise<void>;
  /** Added to the search's 0-based iteration numbers in results (forecasting baselines come first). */
  firstIteration?: number;
  /** Called when the search decides something worth a log line. */
  onNote?(text: string): void;
  now?: () => number;
}

export interface SearchOutcome {
  trials: TrialResult[];
  stopReason: string;
}

/** Safety factor on a trial's estimated time before it may start near the deadline. */
const ESTIMATE_MARGIN = 1.5;

/**
 * Runs the search: proposes trials, runs up to `runner.size` at once, feeds results back in
 * iteration order, and enforces the budget.
 *
 * Determinism: the proposal for iteration i is made after exactly the results of
 * iterations 0 … i − size are fed back (never more, even when later ones are already in),
 * so with a seed, `iterations`, a fixed concurrency and no time limit the sequence of
 * trials does not depend on timing. Early stopping and the exit score are decided on that
 * same in-order sequence.
 *
 * Budget: a trial starts only when its estimated time (the slowest seconds-per-cost seen so
 * far for its family, times its cost, times 1.5) ends before the deadline; at the deadline
 * every running trial is stopped and recorded as Canceled, whole (its folds are discarded).
 */
export async function runSearch(o: SearchOptions): Promise<SearchOutcome> {
  const now = o.now ?? (() => performance.now());
  const search = new CostFrugalSearch(o.families, o.seed);
  const concurrency = o.runner.size;
  const results = new Map<number, TrialResult>();
  const inFlight = new Map<number, Promise<void>>();
  const secondsPerCost = new Map<string, number>();
  let globalSecondsPerCost = 0;
  /** The largest time a trial took beyond its model fits (messages, scoring), added to every estimate. */
  let overheadMs = 0;
  let fed = 0;
  let next = 0;
  let stopReason = '';
  let bestFed = NaN;
  let lastImprovement = -1;
  let deadlineHit = false;

  const deadlineTimer =
    o.deadline !== undefined
      ? setTimeout(() => {
          deadlineHit = true;
          stopReason ||= 'experiment timeout reached';
          o.runner.cancelAll('stopped at the experiment timeout');
        }, Math.max(0, o.deadline - now()))
      : undefined;
  const onAbort = () => o.runner.cancelAll('the run was canceled');
  o.signal.addEventListener('abort', onAbort);

  const feed = (upTo: number) => {
    while (fed < upTo && results.has(fed) && !stopReason) {
      const r = results.get(fed)!;
      search.observe(fed, lossOf(o.primaryMetric, r));
      if (r.status === 'Completed' && (Number.isNaN(bestFed) || compareScores(o.primaryMetric, r.score, bestFed) < 0)) {
        bestFed = r.score;
        lastImprovement = fed;
      }
      if (o.exitScore !== undefined && r.status === 'Completed' && compareScores(o.primaryMetric, r.score, o.exitScore) <= 0) {
        stopReason = `experiment_exit_score ${o.exitScore} reached by iteration ${fed}`;
      } else if (o.earlyStopping && fed - lastImprovement >= o.patience) {
        stopReason = `early stopping: ${o.patience} trials without a better ${o.primaryMetric}`;
      }
      fed++;
    }
  };

  const estimateMs = (p: Proposal): number => {
    const rate = secondsPerCost.get(p.family) ?? globalSecondsPerCost;
    return rate * p.cost * 1000 * ESTIMATE_MARGIN + overheadMs;
  };

  const start = (p: Proposal) => {
    const startedAt = new Date().toISOString();
    const request: TrialRequest = { iteration: p.iteration, family: p.family, params: p.params, seed: o.seed * 1000 + p.iteration };
    // Metrics are computed once, when the predictions arrive, and decide whether the fold
    // models are worth fetching: only trials that rank among the `keepTop` best so far.
    let metrics: MetricValues | undefined;
    let scoringError: string | undefined;
    const keep = (reply: { oof: Float64Array; width: number }): boolean => {
      try {
        metrics = o.evaluate(reply.oof, reply.width);
      } catch (e) {
        scoringError = (e as Error).message;
        return false;
      }
      return ranksAmongKept(o, results, metrics[o.primaryMetric] ?? NaN, p.iteration + (o.firstIteration ?? 0));
    };
    // The deadline has its own timer (which stops every running trial); this one is per trial.
    const done = o.runner
      .run(request, o.iterationTimeoutMs, keep)
      .then(async (reply) => {
        const result = toResult(o, p, startedAt, reply, metrics, scoringError);
        if (reply.status === 'Completed' && p.cost > 0) {
          const fitMs = reply.reply.foldMs.reduce((a, b) => a + b, 0);
          const rate = fitMs / 1000 / p.cost;
          secondsPerCost.set(p.family, Math.max(secondsPerCost.get(p.family) ?? 0, rate));
          globalSecondsPerCost = Math.max(globalSecondsPerCost, rate);
          overheadMs = Math.max(overheadMs, reply.durationMs - fitMs);
        }
        results.set(p.iteration, result);
        trimKept(o, results);
        await o.onTrial(result);
      })
      .finally(() => inFlight.delete(p.iteration));
    inFlight.set(p.iteration, done);
  };

  try {
    await o.runner.warmUp?.();
    for (;;) {
      while (!stopReason && !deadlineHit && inFlight.size < concurrency && next < o.iterations && !o.signal.aborted) {
        feed(next - concurrency + 1);
        if (stopReason || fed < next - concurrency + 1) break;
        let proposal = search.propose(next);
        if (o.deadline !== undefined) {
          // A proposal that cannot finish in time is taken back and another family tried;
          // when none fits, the search stops starting trials.
          const tooSlow = new Set<string>();
          let remaining = o.deadline - now();
          let estimate = estimateMs(proposal);
          while ((estimate > remaining || remaining <= 0) && tooSlow.size < o.families.length) {
            search.discard(next);
            tooSlow.add(proposal.family);
            if (tooSlow.size >= o.families.length || remaining <= 0) break;
            proposal = search.propose(next, tooSlow);
            remaining = o.deadline - now();
            estimate = estimateMs(proposal);
          }
          if (estimate > remaining || remaining <= 0) {
            search.discard(next);
            stopReason = `no further trial fits in the remaining ${(Math.max(0, remaining) / 1000).toFixed(1)} s of the experiment timeout (cheapest next: ${proposal.family}, estimated ${(estimate / 1000).toFixed(1)} s)`;
            o.onNote?.(stopReason);
            break;
          }
        }
        start(proposal);
        next++;
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight.values());
    }
  } finally {
    if (deadlineTimer) clearTimeout(deadlineTimer);
    o.signal.removeEventListener('abort', onAbort);
  }
  if (o.signal.aborted) throw new WeirError('CANCELED', 'the AutoML search was canceled');
  if (!stopReason) stopReason = next >= o.iterations ? `all ${o.iterations + (o.firstIteration ?? 0)} iterations done` : 'search ended';
  const trials = [...results.values()].sort((a, b) => a.iteration - b.iteration);
  return { trials, stopReason };
}

function lossOf(metric: string, r: TrialResult): number {
  if (r.status !== 'Completed' || !Number.isFinite(r.score)) return Infinity;
  // compareScores orders better-first; express that as a loss to minimise.
  return compareScores(metric, r.score, 0);
}

function toResult(o: SearchOptions, p: Proposal, startedAt: string, reply: TrialReply, metrics: MetricValues | undefined, scoringError: string | undefined): TrialResult {
  const base = { iteration: p.iteration + (o.firstIteration ?? 0), algorithm: p.family, params: p.params, startedAt, durationMs: Math.round(reply.durationMs), cost: p.cost };
  if (reply.status !== 'Completed') return { ...base, status: reply.status, metrics: {}, score: NaN, error: reply.error };
  if (!metrics) return { ...base, status: 'Failed', metrics: {}, score: NaN, error: `scoring failed: ${scoringError ?? 'no metrics'}` };
  const score = metrics[o.primaryMetric] ?? NaN;
  return {
    ...base,
    status: 'Completed',
    metrics,
    score,
    // Predictions are kept only with the models: a trial without models cannot join the final model.
    oof: reply.states ? reply.reply.oof : undefined,
    width: reply.reply.width,
    states: reply.states,
    importances: reply.reply.importances,
  };
}

/**
 * Whether a finished trial with this score ranks among the `keepTop` best trials that kept
 * their models (ties broken by iteration, so the final kept set does not depend on the
 * order trials finish in).
 */
function ranksAmongKept(o: SearchOptions, results: Map<number, TrialResult>, score: number, iteration: number): boolean {
  if (!Number.isFinite(score)) return false;
  const kept = [...results.values()].filter((r) => r.states);
  if (kept.length < o.keepTop) return true;
  const worse = kept.filter((r) => (compareScores(o.primaryMetric, score, r.score) || iteration - r.iteration) < 0).length;
  return worse > 0;
}

/** Drops predictions and models of trials outside the best `keepTop`, to bound memory. */
function trimKept(o: SearchOptions, results: Map<number, TrialResult>): void {
  const kept = [...results.values()].filter((r) => r.states);
  if (kept.length <= o.keepTop) return;
  kept.sort((a, b) => compareScores(o.primaryMetric, a.score, b.score) || a.iteration - b.iteration);
  for (const r of kept.slice(o.keepTop)) {
    r.oof = undefined;
    r.states = undefined;
  }
}

/** Trials sorted best first (ties by iteration), failed and canceled last. */
export function leaderboardOrder<T extends { score: number; iteration: number }>(metric: string, trials: T[]): T[] {
  return [...trials].sort((a, b) => compareScores(metric, a.score, b.score) || a.iteration - b.iteration);
}
