import type { FeatureMatrix } from '../../gbdt/api';
import type { Evaluator } from '../evaluation/evaluator';
import { allFamilies } from '../families';
import type { FamilyData } from '../types';
import type { Prepared } from '../prepareData';
import type { ResolvedSettings } from '../settings';
import type { Fold } from '../splitFolds';
import { STOP_GRACE_MS, type StopStats, TrialPool, shareTrialData } from '../trials/trialPool';
import type { TrialPoolFactory } from '../trials/clusterTrialPool';
import type { SearchFamily } from './costFrugalSearch';
import { fmt } from './leaderboard';
import { type TrialResult, fallbackFamily, runSearch } from './runSearch';
import { KEEP_PER_FAMILY, KEEP_TOP } from '../ensemble/candidatePool';
import { fallbackPoint, priceFallback } from '../postSearchBudget';

/** The label's smallest value and skewness (the third standardized moment), for the families' spaces. */
export function labelShape(y: Float32Array): { min: number; skew: number } {
  let min = Infinity;
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    min = Math.min(min, y[i]);
    sum += y[i];
  }
  const mean = sum / Math.max(1, y.length);
  let m2 = 0;
  let m3 = 0;
  for (let i = 0; i < y.length; i++) {
    const d = y[i] - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= Math.max(1, y.length);
  m3 /= Math.max(1, y.length);
  return { min, skew: m2 > 0 ? m3 / m2 ** 1.5 : 0 };
}

/**
 * The budgeted search over the allowed families, run in worker threads that share one copy of
 * the data. Logs where the budget went (per family: trials, seconds, best score) and returns
 * why the search stopped.
 */
export async function searchInWorkers(a: {
  settings: ResolvedSettings;
  prepared: Prepared;
  evaluator: Evaluator;
  /** When the search stops starting trials (on `performance.now`; see postSearchBudget.ts); none without a time limit. */
  deadline?: number;
  /** When the no-model fallback must be done (the ensembles' deadline; see `fallbackPoint`); the search's deadline when absent. */
  fallbackEndBy?: number;
  /** Iterations already on the leaderboard (forecasting baselines). */
  firstIteration: number;
  signal: AbortSignal;
  log(text: string): void;
  onTrial(t: TrialResult): Promise<void>;
  workerPath?: string;
  /** Runs the trials elsewhere (workers on cluster nodes) instead of in worker threads here. */
  trialPool?: TrialPoolFactory;
}): Promise<string> {
  const { settings, prepared } = a;
  const { X, y, weight, folds, classes } = prepared;
  const task = settings.task === 'forecasting' ? 'regression' : settings.task;
  const numClasses = classes?.length;
  const dims: FamilyData = { rows: y.length, features: X.cols, classes: numClasses, ...(settings.task === 'regression' ? { label: labelShape(y) } : {}) };
  const families: SearchFamily[] = allFamilies()
    .filter((f) => f.tasks.includes(task) && settings.allowedModels.includes(f.name))
    .map((f) => {
      const space = f.space(task, dims);
      const objective = space.objective;
      if (objective?.type === 'choice' && dims.label) a.log(`${f.name}: the label is ≥ 0 and right-skewed (skewness ${dims.label.skew.toFixed(1)}): objective searched among ${objective.values.join(', ')}`);
      return {
        name: f.name,
        initialCost: f.initialCost,
        space,
        lowCost: f.lowCostConfig(task, dims),
        portfolio: f.portfolio?.(task, dims),
        // WEIR_LOW_SIGNAL=off turns the low-signal rule off (for `npm run bench -- automl-quality` A/B runs).
        lowSignal: process.env.WEIR_LOW_SIGNAL === 'off' ? undefined : f.lowSignal?.(task, dims),
      };
    });
  if (families.length === 0) return 'no model families to search';

  const shared = shareTrialData({ task, numClasses, X, y, weight, folds });
  const workers = workersForMemory(settings.concurrency, X, folds);
  if (workers < settings.concurrency) a.log(`running ${workers} worker${workers > 1 ? 's' : ''} instead of ${settings.concurrency}: each needs about ${Math.round(workerBytes(X, folds) / 2 ** 20)} MB for its copy of the folds`);
  const pool = a.trialPool ? a.trialPool(shared, workers) : new TrialPool(shared, workers, a.workerPath, { onNote: a.log });
  let searchStarted = performance.now();
  let fallbackBy: number | undefined;
  if (a.deadline !== undefined) {
    // The no-model fallback is priced before the search (a fit timed here) and runs early enough to end by `fallbackEndBy`.
    const cheapest = fallbackFamily(families);
    const price = priceFallback({ family: cheapest.name, params: cheapest.lowCost, task, numClasses, X, y, weight, folds, workers: pool instanceof TrialPool ? workers : 1 });
    searchStarted = performance.now();
    fallbackBy = fallbackPoint(searchStarted, a.deadline, a.fallbackEndBy ?? a.deadline, price.ms);
    a.log(
      `fallback priced ${(price.ms / 1000).toFixed(1)} s (${price.text}): with no trial completed by ${((fallbackBy - searchStarted) / 1000).toFixed(1)} s of the search ` +
        `(${Math.round(((fallbackBy - searchStarted) / Math.max(1, a.deadline - searchStarted)) * 100)}% of its time), the trials are stopped and it runs then`,
    );
  }
  try {
    const outcome = await runSearch({
      runner: {
        size: pool.size,
        warmUp: () => pool.warmUp(),
        // Worker threads here can share one trial's folds; a cluster pool runs a trial on one worker.
        foldParallel: pool instanceof TrialPool,
        run: (request, timeoutMs, keep, spread, projectLimitMs, why) =>
          pool instanceof TrialPool ? pool.run(request, timeoutMs, keep, spread, projectLimitMs, why) : pool.run(request, timeoutMs, keep, undefined, undefined, why),
        cancel: (i, r) => pool.cancel(i, r),
        cancelAll: (r) => pool.cancelAll(r),
      },
      families,
      iterations: Math.max(0, settings.iterations - a.firstIteration),
      primaryMetric: settings.primaryMetric,
      seed: settings.seed,
      folds: folds.length,
      deadline: a.deadline,
      fallbackBy,
      iterationTimeoutMs: settings.iterationTimeoutMs,
      earlyStopping: settings.earlyStopping,
      patience: settings.earlyStoppingPatience,
      exitScore: settings.exitScore,
      evaluate: (oof) => a.evaluator.evaluate(oof),
      foldScores: (oof) => a.evaluator.foldScores(oof),
      keepTop: KEEP_TOP,
      keepPerFamily: KEEP_PER_FAMILY,
      signal: a.signal,
      onNote: (text) => a.log(text),
      firstIteration: a.firstIteration,
      onTrial: a.onTrial,
    });
    const searchSeconds = (performance.now() - searchStarted) / 1000;
    a.log(
      `budget: search ${searchSeconds.toFixed(1)} s${settings.experimentTimeoutMs ? ` of ${(settings.experimentTimeoutMs / 1000).toFixed(0)} s` : ''} on ${workers} worker${workers > 1 ? 's' : ''}; ` +
        outcome.families.map((f) => `${f.family} ${f.trials} trial${f.trials === 1 ? '' : 's'} ${f.seconds.toFixed(1)} s best ${fmt(f.best)}`).join(', '),
    );
    if (pool instanceof TrialPool) {
      const line = stopsLine(pool.stops);
      if (line) a.log(line);
    }
    return outcome.stopReason;
  } finally {
    await pool.close();
  }
}

/**
 * How the stopped trials' workers came back, e.g. `stopped trials' workers: 4 stopped at their
 * fits' next check and were reused (after 3–180 ms, median 41 ms); 1 did not stop within 1.0 s
 * and was terminated`; undefined when no trial was stopped.
 */
export function stopsLine(s: StopStats): string | undefined {
  const parts: string[] = [];
  if (s.reused.length) {
    const sorted = [...s.reused].sort((x, y) => x - y);
    const ms = (v: number) => v.toFixed(0);
    parts.push(
      `${sorted.length} stopped at their fits' next check and ${sorted.length === 1 ? 'was' : 'were'} reused (after ${sorted.length === 1 ? `${ms(sorted[0])} ms` : `${ms(sorted[0])}–${ms(sorted[sorted.length - 1])} ms, median ${ms(sorted[Math.floor(sorted.length / 2)])} ms`})`,
    );
  }
  if (s.terminated) parts.push(`${s.terminated} did not stop within ${(STOP_GRACE_MS / 1000).toFixed(1)} s and ${s.terminated === 1 ? 'was' : 'were'} terminated (a fresh worker started cold)`);
  if (s.unsettled) parts.push(`${s.unsettled} still stopping when the search ended`);
  return parts.length ? `stopped trials' workers: ${parts.join('; ')}` : undefined;
}

/** Memory the trial workers together may use for their fold copies, so big tables stay well under 2 GB. */
const WORKER_MEMORY_BUDGET = 1024 * 2 ** 20;

/**
 * A worker keeps a gathered copy of every fold's rows, and a fit makes more (the boosting
 * copies and bins its matrix into WASM memory, trees sort it): counted as three copies.
 */
function workerBytes(X: FeatureMatrix, folds: Fold[]): number {
  const rows = folds.reduce((n, f) => n + f.train.length + f.valid.length, 0);
  return rows * X.cols * 4 * 3;
}

function workersForMemory(concurrency: number, X: FeatureMatrix, folds: Fold[]): number {
  return Math.max(1, Math.min(concurrency, Math.floor(WORKER_MEMORY_BUDGET / Math.max(1, workerBytes(X, folds)))));
}

