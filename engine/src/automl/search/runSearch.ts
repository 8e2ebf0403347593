import { WeirError } from '../../errors';
import { compareScores } from '../metrics';
import { type KeepPolicy, byScore, keptTrials, wouldKeep } from '../ensemble/candidatePool';
import type { LimitReasons, TrialReply } from '../trials/trialPool';
import type { TrialRequest } from '../trials/protocol';
import type { MetricValues } from '../types';
import { CONVERGENCE_TOLERANCE, CostFrugalSearch, type Proposal, type SearchFamily } from './costFrugalSearch';
import { lowSignalVerdict } from './lowSignal';
import { configCost, configKey } from './space';

/** What runs trials: the worker pool, or an in-process runner in tests. */
export interface TrialRunner {
  readonly size: number;
  /** Whether `run` honours `spread` (fold-parallel trials); the search asks for it only then. */
  readonly foldParallel?: boolean;
  /** Starts the workers before the clock of the first trial runs. */
  warmUp?(): Promise<void>;
  /**
   * `keep` says, from a finished trial's predictions, whether its fold models are wanted.
   * `spread` > 1 asks for a fold-parallel trial on up to that many free workers (a runner
   * may ignore it and use one); the search counts the trial as that many busy workers.
   */
  run(
    request: TrialRequest,
    timeoutMs?: number,
    keep?: (reply: { oof: Float64Array; width: number }) => boolean,
    spread?: number,
    /** A trial whose first folds project it past this (ms from its start) may be stopped then (see `TrialPool.run`); a runner may ignore it. */
    projectLimitMs?: number,
    /** What those limits are, for the message of a trial stopped at one. */
    why?: LimitReasons,
  ): Promise<TrialReply>;
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
  /** The cluster node the trial ran on, when its worker was on another machine. */
  node?: string;
}

export interface SearchOptions {
  runner: TrialRunner;
  families: SearchFamily[];
  iterations: number;
  primaryMetric: string;
  seed: number;
  /** Folds per trial: a fold-parallel trial's wall time is its folds' time over the workers that share them. */
  folds?: number;
  /** Absolute deadline (ms on the `now` clock) after which no trial runs. */
  deadline?: number;
  /**
   * With a deadline: when no trial has completed by this time (ms on `now`), the running trials
   * are stopped and the fallback (see `runFallback`) runs at once, so that it can end before
   * the deadline rather than start after it.
   */
  fallbackBy?: number;
  iterationTimeoutMs?: number;
  earlyStopping: boolean;
  patience: number;
  exitScore?: number;
  /** Metrics of a trial from its out-of-fold predictions. */
  evaluate(oof: Float64Array, width: number): MetricValues;
  /** The primary metric on each fold's validation rows (the CV noise, for early stopping's contention margin); optional. */
  foldScores?(oof: Float64Array, width: number): number[];
  /** How many of the best trials keep their predictions and models. */
  keepTop: number;
  /** Beside those, how many of each family's best keep them (for diverse ensembles); 0 when absent. */
  keepPerFamily?: number;
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
  /** Where the time went, per family, in the order families first ran. */
  families: FamilySpend[];
}

export interface FamilySpend {
  family: string;
  /** Trials started (completed, failed and canceled). */
  trials: number;
  completed: number;
  /** Wall time of its trials, summed (trials run side by side, so the sum can exceed the elapsed time). */
  seconds: number;
  /** Best primary metric of its completed trials (NaN when none completed). */
  best: number;
}

/** Safety factor on a trial's estimated time before it may start near the deadline. */
const ESTIMATE_MARGIN = 1.25;
/**
 * With a time budget, a family other than the booster (the leader when there is no booster) may not start a trial estimated to take
 * more than this share of the budget, and such a trial is stopped when it passes it: one
 * slow family must not crowd the others out.
 */
export const MAX_TRIAL_SHARE = 0.2;
/** The booster's trials may take up to this share of the budget; one that does not fit is shrunk (see `CostFrugalSearch.shrink`). */
export const MAX_BOOSTER_SHARE = 0.5;
/** Why a trial is held to the search's own cap on one trial, a share of the budget (the user set no lower iteration_timeout_minutes). */
function shareWhy(share: number): string {
  return `the ${Math.round(share * 100)}% of the experiment timeout one trial may take`;
}
/**
 * With a time budget and a free worker besides, a booster trial estimated at more than this
 * share of the budget (or not yet estimated) runs fold-parallel on every free worker.
 */
export const SPREAD_SHARE = 0.05;
/**
 * With a time budget, a family whose trials have taken (on one worker) more than this share of
 * it is heavy: its next portfolio entries wait for those of a family that contends with it
 * (see `waitsFor` in `runSearch`).
 */
export const HEAVY_SHARE = 0.05;
/** Why a proposal waits rather than being ruled out. */
const WAITING = 'its first trial is still running';
/** With a time budget, early stopping waits until this share of it is spent. */
export const EARLY_STOP_MIN_SHARE = 0.5;
/** A trial counts as an improvement for early stopping only when better by more than this. */
export const IMPROVEMENT_TOLERANCE = 1e-4;
/** The least distance from the best at which another family still contends once the best has stalled. */
const MIN_CONTENTION_MARGIN = 10 * IMPROVEMENT_TOLERANCE;
/** The leading family's best trials whose spread sizes the contention margin. */
const CONTENTION_TRIALS = 5;

/**
 * Runs the search: proposes trials, runs up to `runner.size` at once, feeds results back in
 * iteration order, and enforces the budget.
 *
 * Determinism: without a time limit the proposal for iteration i is made after exactly the
 * results of iterations 0 … i − size are fed back (never more, even when later ones are
 * already in), so with a seed, `iterations`, a fixed concurrency and no time limit the
 * sequence of trials does not depend on timing. With a time limit a free worker never waits
 * for a slow trial's result: the proposal uses every result fed so far (in iteration order). Early stopping and the exit score are decided on that
 * same in-order sequence.
 *
 * Budget: a trial starts only when its estimated time ends before the deadline. The
 * estimate scales the measured fit time of the family's trial of nearest lower config cost
 * by the cost ratio (a trial cheaper than all measured ones is scaled down from the cheapest
 * one by the square root of the ratio), times 1.25, plus the largest per-trial overhead seen: fixed costs of small
 * trials are no longer multiplied up to big ones. A family other than the booster may not take
 * more than `MAX_TRIAL_SHARE` of the budget per trial. At the deadline every running trial
 * is stopped and recorded as Canceled, whole (its folds are discarded). When none had
 * completed by then, the cheapest family's low-cost start runs once past the deadline,
 * uncapped, and the overrun is logged (see `runFallback`).
 *
 * Early stopping (`enable_early_stopping`): after `patience` trials in a row without an
 * improvement over `IMPROVEMENT_TOLERANCE`; with a time budget also only once half of it is
 * spent and the trials since the last improvement took a quarter of it — a search that is
 * still cheap to continue is not cut short — and never while a result that finished behind a
 * slower trial (not yet fed) already improves on the best. With a time budget, when another
 * family's best is close to the best (within 3 × the spread of the leading family's 5 best trials,
 * or the standard error of the best trial's fold scores when larger; see `contentionMargin`),
 * that first verdict does not stop the search: the best has *stalled*, and the rest of the
 * budget goes to the contending families by their own cost for improvement (no leader share,
 * no penalty for trailing; members for the ensembles). The search then stops early only after
 * `patience` more trials, taking a quarter of the budget, in which no contending family
 * improved its own best; both verdicts are logged with their evidence.
 */
export async function runSearch(o: SearchOptions): Promise<SearchOutcome> {
  const now = o.now ?? (() => performance.now());
  const search = new CostFrugalSearch(o.families, o.seed, {
    waitsFor: (family, other) => waitsFor(family, other),
    afterPortfolio: (family, entries) => afterPortfolio(family, entries),
  });
  const concurrency = o.runner.size;
  const results = new Map<number, TrialResult>();
  const inFlight = new Map<number, Promise<void>>();
  /** Per family, measured fit times by config cost. */
  const measured = new Map<string, { cost: number; ms: number; stopped?: boolean }[]>();
  const spend = new Map<string, FamilySpend>();
  const searchStart = now();
  const budgetMs = o.deadline !== undefined ? Math.max(1, o.deadline - searchStart) : undefined;
  /** The family of every trial in flight, by iteration. */
  const running = new Map<number, string>();
  /** Workers each trial in flight occupies (more than one when fold-parallel). */
  const widths = new Map<number, number>();
  const busyWorkers = () => [...widths.values()].reduce((a, b) => a + b, 0);
  const folds = Math.max(1, o.folds ?? 1);
  /** A trial's wall time on `spread` workers as a share of its time on one. */
  const spreadFactor = (spread: number) => Math.ceil(folds / spread) / folds;
  /** The start time (on `now`) of every trial, for early stopping's time evidence. */
  const startedAtMs = new Map<number, number>();
  /** The largest time a trial took beyond its model fits (messages, scoring), added to every estimate. */
  let overheadMs = 0;
  let fed = 0;
  let next = 0;
  let stopReason = '';
  let bestFed = NaN;
  let lastImprovement = -1;
  /** Each family's best score among the results fed so far. */
  const familyBest = new Map<string, number>();
  /**
   * With a time budget, set when the best stalled with budget left (the early-stopping
   * condition first held): from then on the search spends the rest on every family by its own
   * cost for improvement (see `CostFrugalSearch.diversify`) and stops early only when no family
   * improves its own best either.
   */
  let stalled: { at: number; ms: number; margin: number } | undefined;
  /** The last fed iteration that improved its family's best by more than the tolerance. */
  let lastFamilyGain = -1;
  /** Trials per family fed since the best stalled. */
  const sinceStall = new Map<string, number>();
  let deadlineHit = false;
  /** The standard error of each completed trial's CV score (see `contentionMargin`), by search iteration, when `foldScores` is given. */
  const standardErrors = new Map<number, { value: number; folds: number }>();
  /** Families whose convergence (see `CostFrugalSearch.converged`) the log has told. */
  const convergedNoted = new Set<string>();
  let leader: string | undefined;

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
  /** Stops the trials for the fallback when none has completed by `fallbackBy` (see `runFallback`). */
  const fallbackDue = () => {
    if (o.fallbackBy === undefined || o.deadline === undefined || stopReason || deadlineHit || o.signal.aborted || now() < o.fallbackBy) return;
    if ([...results.values()].some((r) => r.status === 'Completed')) return;
    stopReason = `no trial completed in the first ${((o.fallbackBy - searchStart) / 1000).toFixed(1)} s of the search`;
    o.runner.cancelAll('stopped: no trial had completed, so the cheapest configuration runs now, to end before the deadline');
  };
  const fallbackTimer = o.fallbackBy !== undefined && o.deadline !== undefined ? setTimeout(fallbackDue, Math.max(0, o.fallbackBy - now())) : undefined;

  const feed = (upTo: number) => {
    while (fed < upTo && results.has(fed) && !stopReason) {
      const r = results.get(fed)!;
      // With a budget the search learns from seconds spent; without one from config costs, so it stays deterministic.
      search.observe(fed, lossOf(o.primaryMetric, r), budgetMs !== undefined ? Math.max(1e-3, r.durationMs / 1000) : undefined);
      leader = search.leader();
      if (r.status === 'Completed' && (Number.isNaN(bestFed) || compareScores(o.primaryMetric, r.score, bestFed) < 0)) {
        const gain = Number.isNaN(bestFed) ? Infinity : Math.abs(r.score - bestFed);
        bestFed = r.score;
        if (gain > IMPROVEMENT_TOLERANCE) lastImprovement = fed;
      }
      const own = familyBest.get(r.algorithm);
      if (r.status === 'Completed' && Number.isFinite(r.score) && (own === undefined || compareScores(o.primaryMetric, r.score, own) < 0)) {
        familyBest.set(r.algorithm, r.score);
        // After the stall only a contending family's gains count: a far-behind family's own
        // improvements add nothing the ensembles would use.
        const contends = !stalled || Math.abs(r.score - bestFed) <= stalled.margin;
        if ((own === undefined || Math.abs(r.score - own) > IMPROVEMENT_TOLERANCE) && contends) lastFamilyGain = fed;
      }
      const shallow = lowSignalRuns.get(r.algorithm);
      if (shallow && shallow.iteration === undefined && configKey(r.params) === shallow.key) {
        shallow.iteration = fed;
        const better = r.status === 'Completed' && compareScores(o.primaryMetric, r.score, shallow.portfolioBest) < 0;
        o.onNote?.(
          `${r.algorithm} iteration ${fed + (o.firstIteration ?? 0)}, the low-signal configuration: ${r.status === 'Completed' ? `${o.primaryMetric} ${fmtScore(r.score)}` : r.status} ` +
            `against the portfolio's best ${fmtScore(shallow.portfolioBest)}: ${better ? 'its local search goes on from it' : 'not better, its local search goes on from the portfolio\'s best'}`,
        );
      }
      if (stalled) sinceStall.set(r.algorithm, (sinceStall.get(r.algorithm) ?? 0) + 1);
      for (const name of search.converged()) {
        if (convergedNoted.has(name)) continue;
        convergedNoted.add(name);
        const n = [...results].filter(([i, x]) => i <= fed && x.algorithm === name).length;
        o.onNote?.(
          `${name}: its local search converged twice in a row without improving its best ${o.primaryMetric} ${fmtScore(familyBest.get(name))} by more than ${CONVERGENCE_TOLERANCE} ` +
            `(${n} trials): no more trials for it while another family has not converged`,
        );
      }
      if (o.exitScore !== undefined && r.status === 'Completed' && compareScores(o.primaryMetric, r.score, o.exitScore) <= 0) {
        stopReason = `experiment_exit_score ${o.exitScore} reached by iteration ${fed}`;
      } else if (o.earlyStopping && stalled && fed - Math.max(lastFamilyGain, stalled.at) >= o.patience) {
        stopReason = diversifiedStop(fed) ?? '';
      } else if (o.earlyStopping && !stalled && fed - lastImprovement >= o.patience) {
        const verdict = earlyStop(fed);
        const { margin, why: marginWhy } = verdict !== undefined && budgetMs !== undefined ? contentionMargin() : { margin: 0, why: '' };
        const contenders = budgetMs === undefined ? [] : [...familyBest].filter(([f, b]) => f !== leader && Math.abs(b - bestFed) <= margin).map(([f]) => f);
        if (verdict !== undefined && contenders.length > 0) {
          // The best stalled with budget left and other families are close to it: what
          // remains buys diversity (their own improvements, members for the ensembles), not
          // more near-ties of the leader.
          stalled = { at: fed, ms: now(), margin };
          search.diversify(margin);
          o.onNote?.(
            `search stalled: ${verdict.replace(/^early stopping: /, '')}; the rest of the budget goes to the families within ${margin.toFixed(4)} of the best ` +
              `(${marginWhy}; contending: ${[leader, ...contenders].join(', ')}) by their own cost for improvement (members for the ensembles), until none improves its own best`,
          );
        } else if (verdict !== undefined && budgetMs !== undefined) {
          stopReason = `${verdict}; no other family within ${margin.toFixed(4)} of the best (${marginWhy})`;
        } else stopReason = verdict ?? '';
      }
      fed++;
    }
  };

  /** The early-stopping verdict with its evidence, or undefined while continuing is still cheap. */
  const earlyStop = (at: number): string | undefined => {
    const since = fed - lastImprovement;
    const best = `best ${o.primaryMetric} ${bestFed.toFixed(4)} from iteration ${lastImprovement + (o.firstIteration ?? 0)}`;
    if (budgetMs === undefined) return `early stopping: ${since} trials in a row (through iteration ${at + (o.firstIteration ?? 0)}) without improving ${o.primaryMetric} by more than ${IMPROVEMENT_TOLERANCE}; ${best}`;
    const elapsed = now() - searchStart;
    const sinceMs = now() - (startedAtMs.get(lastImprovement + 1) ?? searchStart);
    if (elapsed < EARLY_STOP_MIN_SHARE * budgetMs || sinceMs < 0.25 * budgetMs) return undefined;
    // With a budget, results that finished behind a slower trial wait unfed; one of them may
    // already hold the improvement these in-order counts have not seen, so it is not yet clear.
    if (hasPendingImprovement(o.primaryMetric, results, at, bestFed)) return undefined;
    return (
      `early stopping: ${since} trials over the last ${(sinceMs / 1000).toFixed(1)} s (${Math.round((100 * sinceMs) / budgetMs)}% of the budget) ` +
      `without improving ${o.primaryMetric} by more than ${IMPROVEMENT_TOLERANCE}, ${Math.round((100 * elapsed) / budgetMs)}% of the budget spent; ${best}`
    );
  };

  /**
   * After the best stalled: the early-stopping verdict once no family has improved its own
   * best for `patience` trials that took at least a quarter of the budget, with the evidence.
   */
  const diversifiedStop = (at: number): string | undefined => {
    const from = Math.max(lastFamilyGain, stalled!.at);
    const since = fed - from;
    const elapsed = now() - searchStart;
    const sinceMs = now() - (startedAtMs.get(from + 1) ?? stalled!.ms);
    if (sinceMs < 0.25 * budgetMs!) return undefined;
    if (hasPendingImprovement(o.primaryMetric, results, at, bestFed)) return undefined;
    const perFamily = [...sinceStall].map(([f, n]) => `${f} ${n} (best ${fmtScore(familyBest.get(f))})`).join(', ');
    return (
      `early stopping: ${since} trials over the last ${(sinceMs / 1000).toFixed(1)} s (${Math.round((100 * sinceMs) / budgetMs!)}% of the budget) ` +
      `without any family within ${stalled!.margin.toFixed(4)} of the best improving its own best ${o.primaryMetric} by more than ${IMPROVEMENT_TOLERANCE}, ${Math.round((100 * elapsed) / budgetMs!)}% of the budget spent; ` +
      `the best stalled at ${Math.round((100 * (stalled!.ms - searchStart)) / budgetMs!)}% of the budget and the trials since went to ${perFamily}; ` +
      `best ${o.primaryMetric} ${bestFed.toFixed(4)} from iteration ${lastImprovement + (o.firstIteration ?? 0)}`
    );
  };

  /**
   * How far behind the best a family may be and still contend for the ensembles: three times
   * the spread of the leading family's `CONTENTION_TRIALS` best completed trials — the near-ties
   * among its configurations — or, when larger, the standard error of the best trial's CV
   * score (its fold scores' spread / √folds: a family behind by less is within the CV noise,
   * which the spread misses when the leader's best trials are repeats of one converged
   * configuration), at least `MIN_CONTENTION_MARGIN`; with what set it, for the log.
   */
  const contentionMargin = (): { margin: number; why: string } => {
    const fedLeader = [...results.entries()]
      .filter(([i, r]) => i <= fed && r.algorithm === leader && r.status === 'Completed' && Number.isFinite(r.score))
      .sort(([ia, a], [ib, b]) => compareScores(o.primaryMetric, a.score, b.score) || ia - ib);
    const scores = fedLeader.map(([, r]) => r.score);
    const spread = scores.length < 2 ? 0 : 3 * Math.abs(scores[0] - scores[Math.min(CONTENTION_TRIALS, scores.length) - 1]);
    const best = fedLeader[0];
    const se = best ? standardErrors.get(best[0]) : undefined;
    if (se !== undefined && se.value > spread && se.value > MIN_CONTENTION_MARGIN) {
      return { margin: se.value, why: `the standard error of the best trial's ${se.folds} fold scores, iteration ${best[0] + (o.firstIteration ?? 0)}` };
    }
    return { margin: Math.max(MIN_CONTENTION_MARGIN, spread), why: `3 × the spread of ${leader}'s ${CONTENTION_TRIALS} best trials` };
  };

  /** Families whose low-signal configuration runs (see `afterPortfolio`): its key, the portfolio's best score, and the iteration it was fed at. */
  const lowSignalRuns = new Map<string, { key: string; portfolioBest: number; iteration?: number }>();
  /**
   * Whether `family`'s low-signal configuration runs next, once its portfolio has run (see
   * lowSignal.ts): when its best entry's skill is low and came from trees smaller than the
   * portfolio's median. Decided from the fed results' metrics (in iteration order), logged with
   * the evidence when it fires.
   */
  const afterPortfolio = (family: string, entries: { iteration: number; params: Record<string, number | string>; loss: number }[]): boolean => {
    const def = o.families.find((f) => f.name === family);
    if (!def?.lowSignal) return false;
    const scored = entries.map((e) => ({ ...e, metrics: results.get(e.iteration)?.metrics ?? {}, iteration: e.iteration + (o.firstIteration ?? 0) }));
    const verdict = lowSignalVerdict(scored, def.lowSignal.capacity);
    if (!verdict.fires) return false;
    const best = entries.reduce((a, b) => (b.loss < a.loss ? b : a));
    lowSignalRuns.set(family, { key: configKey(def.lowSignal.config), portfolioBest: results.get(best.iteration)?.score ?? NaN });
    o.onNote?.(
      `${family}: low signal, overfitting-prone — ${verdict.why}: trying a shallow, heavily regularised configuration ${JSON.stringify(def.lowSignal.config)} next (cross-validation decides)`,
    );
    return true;
  };

  /** Pairs (family → other) whose breadth-first turn the log has told. */
  const waitsNoted = new Set<string>();
  /**
   * Whether `family`'s next portfolio entry waits for `other`'s (see
   * `CostFrugalSearch.nextInPortfolio`): with a time budget, when `family`'s trials so far each
   * took a large share of it (the longest, on one worker, more than `HEAVY_SHARE`) and `other`'s
   * best is above `family`'s or behind it by no more than the CV noise (the standard error of
   * `family`'s best trial's fold scores, at least `MIN_CONTENTION_MARGIN`), as a forest's small
   * probe close to the booster is. Then the portfolios run breadth-first between them; a family
   * far behind, or a cheap line, leaves the order as it is.
   */
  const waitsFor = (family: string, other: string): boolean => {
    if (budgetMs === undefined) return false;
    const longest = Math.max(0, ...(measured.get(family) ?? []).map((m) => m.ms));
    const theirs = familyBest.get(other);
    if (longest <= HEAVY_SHARE * budgetMs || theirs === undefined) return false;
    const own = familyBest.get(family);
    let margin = MIN_CONTENTION_MARGIN;
    if (own !== undefined) {
      const bestOwn = [...results.entries()].find(([i, r]) => i < fed && r.algorithm === family && r.status === 'Completed' && r.score === own);
      margin = Math.max(margin, (bestOwn && standardErrors.get(bestOwn[0])?.value) || 0);
      if (compareScores(o.primaryMetric, theirs, own) > 0 && Math.abs(theirs - own) > margin) return false;
    }
    if (!waitsNoted.has(`${family}→${other}`)) {
      waitsNoted.add(`${family}→${other}`);
      o.onNote?.(
        `${family}: its trials take up to ${(longest / 1000).toFixed(1)} s, more than ${Math.round(HEAVY_SHARE * 100)}% of the budget, and ${other}'s best ${o.primaryMetric} ` +
          `${fmtScore(theirs)} is within ${margin.toFixed(4)} of its ${fmtScore(own)}: their portfolio configurations take turns (breadth-first)`,
      );
    }
    return true;
  };

  const hasPortfolio = (family: string): boolean => Boolean(o.families.find((f) => f.name === family)?.portfolio?.length);

  const estimateMs = (p: Proposal): number | undefined => {
    const seen = measured.get(p.family);
    if (!seen?.length) return undefined;
    let below: { cost: number; ms: number; stopped?: boolean } | undefined;
    let cheapest = seen[0];
    for (const m of seen) {
      if (m.cost <= p.cost && (!below || m.cost > below.cost || (m.cost === below.cost && m.ms > below.ms))) below = m;
      if (m.cost < cheapest.cost) cheapest = m;
    }
    // Scaled from the nearest cheaper measurement. A config cheaper than all measured is
    // scaled down from the cheapest one by the square root of the cost ratio (fixed costs do
    // not shrink with the rounds), or linearly when that one was stopped at its time cap
    // (its time is then a lower bound).
    const fitMs = below
      ? (below.ms * p.cost) / Math.max(below.cost, 1e-9)
      : cheapest.ms * (cheapest.stopped ? p.cost / Math.max(cheapest.cost, 1e-9) : Math.sqrt(p.cost / Math.max(cheapest.cost, 1e-9)));
    return fitMs * ESTIMATE_MARGIN + overheadMs;
  };

  /**
   * The family exempt from the per-trial share cap: the portfolio family (the booster, which
   * is the best bet on tabular data and whose first trial must be allowed to finish), or
   * without one the leader.
   */
  const protectedFamily = (): string | undefined => search.portfolioFamily() ?? leader;

  /**
   * Workers a trial gets: with a time budget, the booster's trials estimated at more than
   * `SPREAD_SHARE` of it (or not yet estimated) run fold-parallel on every free worker, so
   * one large trial uses every core; everything else runs on one worker.
   */
  const spreadFor = (p: Proposal): number => {
    if (budgetMs === undefined || !o.runner.foldParallel || folds < 2 || p.family !== protectedFamily()) return 1;
    const free = concurrency - busyWorkers();
    if (free < 2) return 1;
    // Past half the budget without any model, the other workers go to cheaper families instead.
    if (now() - searchStart > 0.5 * budgetMs && ![...results.values()].some((r) => r.status === 'Completed')) return 1;
    const estimate = estimateMs(p);
    return estimate === undefined || estimate > SPREAD_SHARE * budgetMs ? Math.min(free, folds) : 1;
  };

  /** Why a proposal may not start now (undefined when it may). */
  const blocked = (p: Proposal): string | undefined => {
    if (o.deadline === undefined) return undefined;
    const remaining = o.deadline - now();
    const single = estimateMs(p);
    const estimate = single === undefined ? undefined : single * spreadFactor(spreadFor(p));
    if (remaining <= 0) return 'no time left';
    // Before a family's first trial is timed, a second one in parallel could double a slow start.
    if (estimate === undefined && [...running.values()].includes(p.family)) return WAITING;
    if (estimate !== undefined && estimate > remaining) return `estimated ${(estimate / 1000).toFixed(1)} s, ${(remaining / 1000).toFixed(1)} s left`;
    if (estimate !== undefined && p.family === protectedFamily() && estimate > MAX_BOOSTER_SHARE * budgetMs!) {
      return `estimated ${(estimate / 1000).toFixed(1)} s, more than ${Math.round(MAX_BOOSTER_SHARE * 100)}% of the budget`;
    }
    if (estimate !== undefined && p.family !== protectedFamily() && estimate > MAX_TRIAL_SHARE * budgetMs!) {
      return `estimated ${(estimate / 1000).toFixed(1)} s, more than ${Math.round(MAX_TRIAL_SHARE * 100)}% of the budget for a family other than the booster`;
    }
    return undefined;
  };

  /**
   * A smaller version of a proposal of a family other than the booster (fewer trees) that is
   * estimated to fit the time it may take — the time left and its share of the budget — or
   * undefined when it has no tree count or would keep fewer than its low-cost start's trees.
   * A forest's fit time grows with its trees, so a strong forest with fewer trees is worth
   * more than more trials of a weak family that happen to fit (0.2 min on Soybean: the
   * 300-tree portfolio forests were estimated at 4–5.5 s, and DecisionTree took 15 of 23 trials).
   */
  const fitTrees = (p: Proposal): Proposal | undefined => {
    const family = o.families.find((f) => f.name === p.family);
    const trees = Number(p.params.n_estimators);
    if (!family || budgetMs === undefined || o.deadline === undefined || p.family === protectedFamily() || !(trees > 0)) return undefined;
    // Only a completed trial prices it: one stopped at its cap says only "at least that long".
    if (!measured.get(p.family)?.some((m) => !m.stopped)) return undefined;
    const dim = family.space.n_estimators;
    const least = Math.max(dim && dim.type !== 'choice' ? dim.low : 1, Number(family.lowCost.n_estimators ?? 0) || 1);
    const limit = Math.min(o.deadline - now(), MAX_TRIAL_SHARE * budgetMs);
    let q = p;
    // The estimate scales the fit time by the trees (not the overhead); a few passes settle it
    // where a smaller configuration is priced from another measurement.
    for (let pass = 0; pass < 3; pass++) {
      const estimate = estimateMs(q);
      if (estimate === undefined) return undefined;
      if (estimate <= limit) return q === p ? undefined : q;
      const current = Number(q.params.n_estimators);
      const fewer = Math.floor((current * 0.95 * Math.max(0, limit - overheadMs)) / Math.max(1e-9, estimate - overheadMs));
      if (fewer < least || fewer >= current) return undefined;
      q = { ...q, params: { ...q.params, n_estimators: fewer } };
      q = { ...q, cost: configCost(family.initialCost, family.space, family.lowCost, q.params) };
    }
    return estimateMs(q)! <= limit ? q : undefined;
  };

  /**
   * `fallback`: the trial run past the deadline because none had completed (see
   * `runFallback`): no share cap, no projection, on every worker fold-parallel.
   */
  const start = (p: Proposal, fallback = false) => {
    const startedAt = new Date().toISOString();
    const request: TrialRequest = { iteration: p.iteration, family: p.family, params: p.params, seed: o.seed * 1000 + p.iteration };
    // Metrics are computed once, when the predictions arrive, and decide whether the fold
    // models are worth fetching: only trials that rank among the kept ones so far (`ranksAmongKept`).
    let metrics: MetricValues | undefined;
    let scoringError: string | undefined;
    const keep = (reply: { oof: Float64Array; width: number }): boolean => {
      try {
        metrics = o.evaluate(reply.oof, reply.width);
      } catch (e) {
        scoringError = (e as Error).message;
        return false;
      }
      try {
        const folds = o.foldScores?.(reply.oof, reply.width).filter(Number.isFinite) ?? [];
        if (folds.length >= 2) standardErrors.set(p.iteration, { value: standardError(folds), folds: folds.length });
      } catch {
        // A fold a metric is undefined on (one class in it) leaves the margin to the spread of the best trials.
      }
      return ranksAmongKept(o, results, p.family, metrics[o.primaryMetric] ?? NaN, p.iteration + (o.firstIteration ?? 0));
    };
    // The deadline has its own timer (which stops every running trial); this one is per
    // trial, a share of the budget (tighter for a family other than the booster) so one trial
    // cannot hold a worker for long. Until some trial has completed the cap is not enforced
    // at once: a trial that passes it is stopped only once another has completed, so a
    // large table where every first trial is slow still ends with a model.
    let timeoutMs = o.iterationTimeoutMs;
    let capped = false;
    // A family's first trial (its cheapest start) gets the booster's share while the booster
    // has no model yet: its time is unknown, and stopping every family's start on a large
    // table would leave only the weakest model. Once the booster has one, a slow start (a
    // linear model's first fit on many rows and classes) may not hold a worker past the
    // other families' share.
    const boosterDone = [...results.values()].some((r) => r.status === 'Completed' && r.algorithm === protectedFamily());
    const share = p.family === protectedFamily() || (!measured.has(p.family) && !boosterDone) ? MAX_BOOSTER_SHARE : MAX_TRIAL_SHARE;
    let capTimer: ReturnType<typeof setInterval> | undefined;
    const spread = fallback ? (o.runner.foldParallel ? Math.max(1, Math.min(concurrency, folds)) : 1) : spreadFor(p);
    let untilFallback = false;
    if (budgetMs !== undefined && !fallback) {
      let capMs = Math.max(1000, share * budgetMs);
      const anyCompleted = Number.isFinite(bestFed) || [...results.values()].some((r) => r.status === 'Completed');
      // A trial on every worker is capped at once: no other trial can complete beside it.
      if (anyCompleted || (spread > 1 && spread >= concurrency)) {
        // Before any trial has completed, such a trial crowds out no other: it may run until
        // the fallback point, where the search would stop it anyway. (Letter at 0.2 minutes: the
        // booster's first trial, CV 0.9993 in 4.9 s, was stopped at half the search's 10.2 s,
        // and its shrunk retry reached 0.9983.)
        if (!anyCompleted && o.fallbackBy !== undefined && o.fallbackBy - now() > capMs) {
          capMs = o.fallbackBy - now();
          untilFallback = true;
        }
        capped = capMs < (timeoutMs ?? Infinity);
        timeoutMs = Math.min(timeoutMs ?? Infinity, capMs);
      } else {
        const startedMs = now();
        capTimer = setInterval(() => {
          if (now() - startedMs >= capMs && [...results.values()].some((r) => r.status === 'Completed')) {
            clearInterval(capTimer);
            o.runner.cancel(p.iteration, `stopped at ${((now() - startedMs) / 1000).toFixed(1)} s, ${shareWhy(share)} (held to it once another trial had completed)`);
          }
        }, 250);
      }
    }
    startedAtMs.set(p.iteration, now());
    const s = spend.get(p.family) ?? { family: p.family, trials: 0, completed: 0, seconds: 0, best: NaN };
    spend.set(p.family, s);
    s.trials++;
    widths.set(p.iteration, spread);
    if (spread > 1) o.onNote?.(`${p.family} iteration ${p.iteration + (o.firstIteration ?? 0)}: fold-parallel on ${spread} workers`);
    // With a budget, a trial whose first folds project it past its time cap or the deadline is
    // stopped then: it would be stopped there anyway, discarded whole, after holding its worker.
    const projectLimitMs = o.deadline !== undefined && !fallback ? Math.min(timeoutMs ?? Infinity, o.deadline - now()) : undefined;
    // The runner's message for a trial stopped at a limit names which one it was.
    const timeoutWhy = capped
      ? untilFallback
        ? 'the point where, with no trial completed, the fallback runs'
        : shareWhy(share)
      : `iteration_timeout_minutes (${+((timeoutMs ?? 0) / 60_000).toPrecision(6)} min)`;
    // A forest's first trial (its probe) carries the worker's warm-up on the trees' code in its
    // first folds: its projection waits for the second fold (see `LimitReasons.cold`). Stopped
    // after its first fold, the probe prices the family out of the rest of the run.
    const cold = budgetMs !== undefined && !fallback && spread === 1 && !measured.has(p.family) && p.family !== protectedFamily() && hasPortfolio(p.family);
    const why = { timeout: timeoutWhy, projection: projectLimitMs === timeoutMs ? timeoutWhy : 'the time left of the experiment timeout', ...(cold ? { cold } : {}) };
    const done = o.runner
      .run(request, Number.isFinite(timeoutMs) ? timeoutMs : undefined, keep, spread > 1 ? spread : undefined, projectLimitMs, why)
      .then(async (reply) => {
        const result = toResult(o, p, startedAt, reply, metrics, scoringError);
        s.seconds += reply.durationMs / 1000;
        if (result.status === 'Completed') {
          s.completed++;
          if (Number.isNaN(s.best) || compareScores(o.primaryMetric, result.score, s.best) < 0) s.best = result.score;
        }
        if (reply.status === 'Completed' && p.cost > 0) {
          const fitMs = reply.reply.foldMs.reduce((a, b) => a + b, 0);
          const list = measured.get(p.family) ?? [];
          list.push({ cost: p.cost, ms: fitMs });
          measured.set(p.family, list);
          overheadMs = Math.max(overheadMs, reply.durationMs - fitMs);
        } else if (reply.status === 'Canceled' && !deadlineHit && !o.signal.aborted && p.cost > 0) {
          // Stopped at its time cap: at least that long, which keeps the family's next such trial out.
          const list = measured.get(p.family) ?? [];
          // Stopped by its projection: what its folds projected (a lower bound only otherwise).
          list.push({ cost: p.cost, ms: (reply.projectedMs ?? reply.durationMs) / spreadFactor(spread), stopped: true });
          measured.set(p.family, list);
          if (p.family === protectedFamily() && search.shrink(p.family, p.params)) {
            const passed = reply.projectedMs !== undefined ? `was projected at ${(reply.projectedMs / 1000).toFixed(1)} s` : `passed ${(reply.durationMs / 1000).toFixed(1)} s`;
            o.onNote?.(`${p.family} iteration ${p.iteration + (o.firstIteration ?? 0)} ${passed}, past its share of the budget or the time left: trying a smaller configuration next`);
          }
        }
        results.set(p.iteration, result);
        trimKept(o, results);
        await o.onTrial(result);
      })
      .finally(() => {
        if (capTimer) clearInterval(capTimer);
        inFlight.delete(p.iteration);
        running.delete(p.iteration);
        widths.delete(p.iteration);
      });
    inFlight.set(p.iteration, done);
    running.set(p.iteration, p.family);
    return done;
  };

  /**
   * With a time budget, when the deadline came and no trial had completed (every start was
   * stopped at its share or the deadline on a slow or loaded machine), the run would end
   * without a model. Then the cheapest family's cheapest configuration (its low-cost start)
   * runs once more past the deadline, uncapped, and the log says by how much it overran.
   */
  const runFallback = async (): Promise<void> => {
    if (o.deadline === undefined || o.signal.aborted || next >= o.iterations) return;
    const all = [...results.values()];
    if (all.some((r) => r.status === 'Completed')) return;
    // Only when time was the reason: trials that all failed on their own would fail again.
    if (all.length > 0 && !all.some((r) => r.status === 'Canceled')) return;
    const family = fallbackFamily(o.families);
    const p: Proposal = { iteration: next, family: family.name, params: { ...family.lowCost }, cost: configCost(family.initialCost, family.space, family.lowCost, family.lowCost) };
    const at = now();
    const early = at < o.deadline;
    o.onNote?.(
      `no trial completed by ${early ? `${((at - searchStart) / 1000).toFixed(1)} s, ${((o.deadline - at) / 1000).toFixed(1)} s before the search's deadline` : "the search's deadline"} (${all.length} stopped or failed): ` +
        `running ${family.name}'s cheapest configuration ${JSON.stringify(p.params)} ${early ? 'now' : 'past it'}, uncapped, so the run ends with a model`,
    );
    next++;
    await start(p, true);
    const r = results.get(p.iteration);
    const over = (now() - o.deadline) / 1000;
    const took = `the fallback ${family.name} trial took ${((now() - at) / 1000).toFixed(1)} s, ${r?.status ?? 'no result'}`;
    if (over > 0) o.onNote?.(`budget overrun: the search ended ${over.toFixed(1)} s past its deadline (${took}) because no trial had completed within the budget`);
    else o.onNote?.(`fallback: the search ended ${(-over).toFixed(1)} s before its deadline (${took})`);
    if (r?.status === 'Completed') {
      stopReason = `${stopReason || 'experiment timeout reached'}; no trial had completed, so ${family.name}'s cheapest configuration ran ${over > 0 ? `${over.toFixed(1)} s past the deadline` : `and ended ${(-over).toFixed(1)} s before the deadline`}`;
    }
  };

  try {
    await o.runner.warmUp?.();
    for (;;) {
      fallbackDue();
      while (!stopReason && !deadlineHit && busyWorkers() < concurrency && next < o.iterations && !o.signal.aborted) {
        // Without a time limit a free worker waits for the results the next proposal depends
        // on (determinism). With one, it does not: a long trial would otherwise hold every
        // other worker idle; the search then proposes from the results fed so far, in order.
        if (o.deadline === undefined) {
          feed(next - concurrency + 1);
          if (stopReason || fed < next - concurrency + 1) break;
        } else {
          feed(next);
          if (stopReason) break;
        }
        let proposal = search.propose(next);
        // A proposal that cannot start (it would not finish in time, or would take too large a
        // share of the budget) is taken back and another family tried; when none may start,
        // the search stops starting trials.
        const tooSlow = new Map<string, string>();
        let why = blocked(proposal);
        // The booster's configuration that does not fit is shrunk until one does (a few times at most).
        for (let shrinks = 0; why !== undefined && why !== 'no time left' && why !== WAITING && proposal.family === protectedFamily() && shrinks < 4; shrinks++) {
          search.discard(next);
          if (!search.shrink(proposal.family, proposal.params)) {
            proposal = search.propose(next);
            break;
          }
          proposal = search.propose(next);
          why = blocked(proposal);
        }
        why = blocked(proposal);
        while (why !== undefined) {
          // Too large for the time left or the family's share: the same configuration with fewer trees, when that fits.
          const smaller = why.startsWith('estimated') ? fitTrees(proposal) : undefined;
          if (smaller && blocked(smaller) === undefined) {
            o.onNote?.(`${proposal.family}: ${proposal.params.n_estimators} trees ${why}: ${smaller.params.n_estimators} trees instead`);
            proposal = search.resize(next, smaller.params);
            why = undefined;
            break;
          }
          // An estimate past the family's share of the budget will not shrink as the search
          // goes: a portfolio configuration blocked by one leaves its family's line for good.
          if (why.endsWith('for a family other than the booster') && proposal.family !== protectedFamily() && search.drop(next)) {
            o.onNote?.(`${proposal.family}: portfolio configuration ${JSON.stringify(proposal.params)} dropped: ${why}`);
          } else search.discard(next);
          tooSlow.set(proposal.family, why);
          if (tooSlow.size >= o.families.length || why === 'no time left') break;
          proposal = search.propose(next, new Set(tooSlow.keys()));
          why = tooSlow.has(proposal.family) ? tooSlow.get(proposal.family) : blocked(proposal);
        }
        if (why !== undefined && inFlight.size > 0 && [...tooSlow.values()].includes(WAITING)) {
          // Only waiting for a first trial's time: wait for a running trial, then try again.
          search.discard(next);
          break;
        }
        if (why !== undefined) {
          search.discard(next);
          const remaining = Math.max(0, (o.deadline ?? now()) - now());
          stopReason = `no further trial fits in the remaining ${(remaining / 1000).toFixed(1)} s of the experiment timeout (${[...tooSlow].map(([f, w]) => `${f}: ${w}`).join('; ')})`;
          o.onNote?.(stopReason);
          break;
        }
        void start(proposal);
        next++;
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight.values());
    }
    if (deadlineTimer) clearTimeout(deadlineTimer);
    if (fallbackTimer) clearTimeout(fallbackTimer);
    await runFallback();
  } finally {
    if (deadlineTimer) clearTimeout(deadlineTimer);
    if (fallbackTimer) clearTimeout(fallbackTimer);
    o.signal.removeEventListener('abort', onAbort);
  }
  if (o.signal.aborted) throw new WeirError('CANCELED', 'the AutoML search was canceled');
  if (!stopReason) stopReason = next >= o.iterations ? `all ${o.iterations + (o.firstIteration ?? 0)} iterations done` : 'search ended';
  const trials = [...results.values()].sort((a, b) => a.iteration - b.iteration);
  return { trials, stopReason, families: [...spend.values()] };
}

/** The sample standard deviation of the values over √n: the standard error of their mean. */
export function standardError(values: number[]): number {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, n - 1);
  return Math.sqrt(variance / n);
}

function fmtScore(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(4);
}

function lossOf(metric: string, r: TrialResult): number {
  if (r.status !== 'Completed' || !Number.isFinite(r.score)) return Infinity;
  // compareScores orders better-first; express that as a loss to minimise.
  return compareScores(metric, r.score, 0);
}

function toResult(o: SearchOptions, p: Proposal, startedAt: string, reply: TrialReply, metrics: MetricValues | undefined, scoringError: string | undefined): TrialResult {
  const base = { iteration: p.iteration + (o.firstIteration ?? 0), algorithm: p.family, params: p.params, startedAt, durationMs: Math.round(reply.durationMs), cost: p.cost, ...(reply.node ? { node: reply.node } : {}) };
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
 * Whether a completed result after iteration `at` (finished, but not yet fed because an
 * earlier trial is still running) beats `best` by more than the improvement tolerance.
 */
export function hasPendingImprovement(metric: string, results: ReadonlyMap<number, Pick<TrialResult, 'status' | 'score'>>, at: number, best: number): boolean {
  for (const [iteration, r] of results) {
    if (iteration <= at || r.status !== 'Completed') continue;
    if (Number.isNaN(best) || (compareScores(metric, r.score, best) < 0 && Math.abs(r.score - best) > IMPROVEMENT_TOLERANCE)) return true;
  }
  return false;
}

/**
 * Whether a finished trial with this score would keep its models: among the `keepTop` best
 * trials or the `keepPerFamily` best of its family (ties broken by iteration, so the final
 * kept set does not depend on the order trials finish in).
 */
function ranksAmongKept(o: SearchOptions, results: Map<number, TrialResult>, family: string, score: number, iteration: number): boolean {
  const kept = [...results.values()].filter((r) => r.states);
  return wouldKeep(o.primaryMetric, kept, { algorithm: family, score, iteration }, keepPolicy(o));
}

/** Drops predictions and models of trials no longer kept (see `ranksAmongKept`), to bound memory. */
function trimKept(o: SearchOptions, results: Map<number, TrialResult>): void {
  const kept = [...results.values()].filter((r) => r.states);
  const keep = new Set(keptTrials(o.primaryMetric, kept, keepPolicy(o)));
  for (const r of kept) {
    if (keep.has(r)) continue;
    r.oof = undefined;
    r.states = undefined;
  }
}

function keepPolicy(o: SearchOptions): KeepPolicy {
  return { top: o.keepTop, perFamily: o.keepPerFamily ?? 0 };
}

/** Trials sorted best first (ties by iteration), failed and canceled last: the order the ensembles' candidates are ranked in too. */
export const leaderboardOrder = byScore;

/** The no-model fallback's family: the cheapest (lowest `initialCost`, the first of equals); its low-cost start is what runs. */
export function fallbackFamily(families: SearchFamily[]): SearchFamily {
  return families.reduce((a, b) => (b.initialCost < a.initialCost ? b : a));
}
