import type { FeatureMatrix } from '../gbdt/api';
import { mulberry32 } from '../util/mulberry32';
import { MAX_CANDIDATES, SELECTION_ROWS, stackEstimateMs } from './ensemble/buildEnsembles';
import type { Evaluator } from './evaluation/evaluator';
import { getFamily } from './families';
import { gatherRows } from './families/familyUtils';
import type { ResolvedSettings } from './settings';
import type { Fold } from './splitFolds';
import type { Task } from './types';

/**
 * What the run reserves, before the search starts, for the work after it: the ensembles and
 * the outputs (model folder, charts, leaderboard, explanations, metrics). Both are priced from
 * what the engine knows before the search (rows, classes, the ensembles' candidates and the
 * stack's inputs) in units of one primary-metric score of out-of-fold predictions, *measured*
 * on this machine at this moment (so a loaded machine prices them higher, as it should).
 * Without a time limit nothing is reserved.
 */
export interface PostSearchBudget {
  /** The budget's end (ms on `performance.now`). */
  budgetEnd: number;
  /** When the search stops starting trials: the budget less the ensembles' share and the outputs' reserve. */
  searchDeadline: number;
  /** When the ensembles must be done: the budget less the outputs' reserve. */
  ensemblesDeadline: number;
  ensemblesMs: number;
  outputsMs: number;
  /** Measured: one primary-metric score of predictions for every out-of-fold row. */
  scoreMs: number;
  /** Estimated: every metric of one row (an ensemble row's scoring), and the best row's charts. */
  evaluateMs: number;
  chartsMs: number;
  /** The plan, for the run log. */
  text: string;
}

/** The ensembles' share is at least today's fixed one (8% of the budget, at most 15 s)… */
const ENSEMBLE_FLOOR_SHARE = 0.08;
const ENSEMBLE_FLOOR_MAX_MS = 15_000;
/** …and at most this share of the budget, however much they are priced at. */
const ENSEMBLE_CAP_SHARE = 0.2;
/** The outputs' reserve is at most this share of the budget (a larger estimate is logged). */
const OUTPUTS_CAP_SHARE = 0.3;
/**
 * Selection rounds priced up front (each scores every candidate): enough for a useful blend; the
 * rest of the 50 rounds and the voting row's cross-fitting use what time is left.
 */
const PRICED_ROUNDS = 5;
/** Safety factor on the estimates (they are scaled from one measured score). */
const MARGIN = 1.25;

/**
 * Cost ratios to one primary score, measured with `npx vitest` on synthetic predictions at load
 * ≈ 10 (2026-12-06; the ratios hold across load, the measured score carries it): every metric
 * 4.8× a score on 16k rows × 26 classes, 7.1× on 33.6k × 59, 11–22× on small tables where both
 * take milliseconds; the charts 5.5× and 7.3× on the same large tables, plus about 0.3 µs a
 * prediction value (binary 8k rows: 42 ms against a 1.4 ms score).
 */
const EVALUATE_PER_SCORE = 8;
const CHARTS_PER_SCORE = 8;
const CHARTS_MS_PER_VALUE = 3e-4;
/** Writing the files besides the charts (model.json of a small model, leaderboard, guardrails, importances, metrics). */
const OUTPUTS_FIXED_MS = 300;

/** Every metric of one row's out-of-fold predictions, from one measured primary score. */
export function evaluateEstimateMs(scoreMs: number): number {
  return EVALUATE_PER_SCORE * scoreMs + 2;
}

/** The best row's charts, from one measured primary score and the prediction values (rows × classes). */
export function chartsEstimateMs(scoreMs: number, values: number): number {
  return CHARTS_PER_SCORE * scoreMs + values * CHARTS_MS_PER_VALUE;
}

/** The outputs besides the model's own JSON (priced by the ensembles per member) and the optional charts and explanations. */
export function outputsEstimateMs(chartsMs: number): number {
  return OUTPUTS_FIXED_MS + MARGIN * chartsMs;
}

/** The outputs' reserve before today's pricing: 3% of the budget, 0.5–5 s (see `planPostSearch`). */
export function reserveMs(budgetMs: number): number {
  return Math.min(5_000, Math.max(500, budgetMs * 0.03));
}

/**
 * One primary score of predictions for every out-of-fold row, timed (the fastest of `repeats`):
 * of `predictions` (a kept trial's, when the ensembles price themselves again), or of seeded
 * random predictions, so a classification metric sorts as it would for a real model.
 */
export function measureScoreMs(evaluator: Evaluator, o: { predictions?: Float64Array; repeats?: number } = {}): number {
  const rand = mulberry32(7);
  const pred = o.predictions ?? Float64Array.from({ length: evaluator.yEval.length * evaluator.width }, () => rand());
  let best = Infinity;
  for (let i = 0; i < (o.repeats ?? 2); i++) {
    const t = performance.now();
    evaluator.primaryScore(pred);
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

export function planPostSearch(a: {
  started: number;
  settings: ResolvedSettings;
  evaluator: Evaluator;
  numClasses?: number;
  /** Families the search may run (the stack takes each family's best, at least 5 models). */
  families: number;
  scoreMs: number;
}): PostSearchBudget | undefined {
  const { settings, evaluator, scoreMs } = a;
  const budget = settings.experimentTimeoutMs;
  if (budget === undefined) return undefined;
  const rows = evaluator.yEval.length;
  const width = evaluator.width;
  const evaluateMs = evaluateEstimateMs(scoreMs);
  const chartsMs = chartsEstimateMs(scoreMs, rows * width);
  const floor = Math.min(ENSEMBLE_FLOOR_MAX_MS, budget * ENSEMBLE_FLOOR_SHARE);
  const cap = Math.max(floor, budget * ENSEMBLE_CAP_SHARE);
  const parts: string[] = [];
  let ensemblesMs = 0;
  if (settings.votingEnsemble || settings.stackEnsemble) {
    // Selection scores on a row sample of at most SELECTION_ROWS.
    const sampleScoreMs = scoreMs * Math.min(1, SELECTION_ROWS / Math.max(1, rows));
    const voting = settings.votingEnsemble ? (1 + PRICED_ROUNDS * MAX_CANDIDATES) * sampleScoreMs + evaluateMs : 0;
    if (voting) parts.push(`voting ${(voting / 1000).toFixed(1)} s (${PRICED_ROUNDS} rounds over ${MAX_CANDIDATES} candidates at ${sampleScoreMs.toFixed(1)} ms a score)`);
    if (settings.stackEnsemble) {
      const base = Math.max(5, a.families);
      const inputs = base * (width === 2 ? 1 : width);
      const classes = settings.task === 'classification' && a.numClasses && a.numClasses > 2 ? a.numClasses : 1;
      // Not reserved: the stack runs in the time the share and the search leave, when its price
      // fits then. Reserving it (up to the cap) was measured on Soybean at 0.2 minutes, split
      // seeds 0–3 at load 10–14: the stack still never fitted (its first meta-model fold ran
      // 0.4–3.5 s against 0.3 s priced on an idle core; once 1.8 s past the budget), and the test
      // AUC did not move (mean 0.99623 before, 0.99613 with it).
      parts.push(`stack not reserved (priced ${((stackEstimateMs(rows, inputs, classes) + evaluateMs) / 1000).toFixed(1)} s)`);
    }
    const estimate = MARGIN * voting;
    // Priced past the cap, the voting selection cannot run its priced rounds in any share the
    // search can spare: the share stays the old one and the search keeps the time. (Letter at
    // 0.2 minutes, voting priced 5.8 s: reserving the cap's 2.4 s stopped the search at 8.8 s
    // instead of 10.4 s, its boosters reached CV 0.9983 instead of 0.9993, the cut-short voting
    // row was not chosen, and the test AUC fell from 0.9997 to 0.9993, below HGB's.)
    const overCap = estimate > cap;
    ensemblesMs = overCap ? floor : Math.max(floor, estimate);
    parts.unshift(
      `ensembles ${(ensemblesMs / 1000).toFixed(1)} s (priced ${(estimate / 1000).toFixed(1)} s, at least ${(floor / 1000).toFixed(1)} s, ` +
        (overCap ? `priced past ${Math.round(ENSEMBLE_CAP_SHARE * 100)}% of the budget (${(cap / 1000).toFixed(1)} s), so only the least)` : `at most ${Math.round(ENSEMBLE_CAP_SHARE * 100)}% of the budget: ${(cap / 1000).toFixed(1)} s)`),
    );
  }
  const outputsPriced = outputsEstimateMs(chartsMs);
  const outputsMs = Math.min(budget * OUTPUTS_CAP_SHARE, Math.max(reserveMs(budget), outputsPriced));
  const budgetEnd = a.started + budget;
  const ensemblesDeadline = budgetEnd - outputsMs;
  const searchDeadline = ensemblesDeadline - ensemblesMs;
  const text =
    `budget plan: ${(budget / 1000).toFixed(1)} s; after the search ${parts.join(', ')}; ` +
    `outputs ${(outputsMs / 1000).toFixed(1)} s (charts priced ${(chartsMs / 1000).toFixed(1)} s for ${rows} rows × ${width} ${width > 1 ? 'classes' : 'value'}${outputsPriced > outputsMs ? `, capped at ${Math.round(OUTPUTS_CAP_SHARE * 100)}% of the budget` : ''}); ` +
    `one ${settings.primaryMetric} score measured at ${scoreMs.toFixed(1)} ms; the search stops starting trials at ${((searchDeadline - a.started) / 1000).toFixed(1)} s`;
  return { budgetEnd, searchDeadline, ensemblesDeadline, ensemblesMs, outputsMs, scoreMs, evaluateMs, chartsMs, text };
}

/**
 * About how many bytes `JSON.stringify(value)` makes, without making them: numbers in a long
 * array of numbers are sized from its first few (a booster's trees are long arrays of numbers).
 */
export function approxJsonBytes(value: unknown): number {
  if (value === null || value === undefined) return 4;
  if (typeof value === 'number') return String(value).length;
  if (typeof value === 'string') return value.length + 2;
  if (typeof value !== 'object') return 5;
  if (ArrayBuffer.isView(value)) return (value as unknown as ArrayLike<number>).length * 24;
  if (Array.isArray(value)) {
    if (value.length > 8 && typeof value[0] === 'number') {
      let sample = 0;
      for (let i = 0; i < 8; i++) sample += String(value[i]).length + 1;
      return 2 + (value.length * sample) / 8;
    }
    let n = 2;
    for (const x of value) n += approxJsonBytes(x) + 1;
    return n;
  }
  let n = 2;
  for (const [k, x] of Object.entries(value)) n += k.length + 4 + approxJsonBytes(x);
  return n;
}

/**
 * Milliseconds per byte of model JSON on this machine now: one fold model of a kept trial
 * stringified and timed (60.5 MB of a VotingEnsemble's boosters took 3.7 s to write at load ≈
 * 10, more than the whole outputs' reserve). Undefined when no trial kept a model.
 */
export function measureWriteMsPerByte(states: unknown[] | undefined): number | undefined {
  if (!states?.length) return undefined;
  const t = performance.now();
  const bytes = JSON.stringify(states[0]).length;
  const ms = performance.now() - t;
  // A file write follows the stringify (about as long again, measured with the outputs' timings).
  return bytes > 10_000 ? (2 * ms) / bytes : undefined;
}

/**
 * Share of the search's time after which, with no trial completed, the search stops its trials
 * and runs the fallback (the cheapest family's low-cost start) at once: with the time left and
 * the ensembles' share (unused with one trial) it can end before the outputs' reserve, where
 * started at the deadline it ran past the budget (Zipcodes at 0.2 minutes: 4.4 s). Earlier when
 * the fallback is priced longer than that leaves (`fallbackPoint`).
 */
export const FALLBACK_AT = 0.75;
/** Before the fallback's folds start, the stopped trials' workers come back (3–415 ms measured with `npm run bench -- trial-restart`). */
const FALLBACK_START_MS = 300;
/** The fallback's fit is timed on a sample of this many of the first fold's training rows. */
const FALLBACK_SAMPLE_ROWS = 2_000;

/**
 * The no-model fallback priced from a measured fit: the cheapest family's low-cost start
 * fitted (and predicting) on an evenly spaced sample of the first fold's training rows, the
 * faster of two, scaled to a fold's rows, times the folds each worker fits when the fallback
 * runs fold-parallel on every worker, × the safety margin, plus the workers' return from the
 * stopped trials. Fits of the cheap families grow about linearly with the rows.
 */
export function priceFallback(a: {
  family: string;
  params: Record<string, number | string>;
  task: Task;
  numClasses?: number;
  X: FeatureMatrix;
  y: Float32Array;
  weight?: Float32Array;
  folds: Fold[];
  workers: number;
}): { ms: number; text: string } {
  const fold = a.folds[0];
  const m = Math.max(1, Math.min(FALLBACK_SAMPLE_ROWS, fold.train.length));
  const rows = Uint32Array.from({ length: m }, (_, i) => fold.train[Math.floor((i * fold.train.length) / m)]);
  const X = gatherRows(a.X, rows);
  const pick = (v: Float32Array) => Float32Array.from(rows, (r) => v[r]);
  const family = getFamily(a.family);
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    const model = family.fit({ task: a.task, X, y: pick(a.y), weight: a.weight ? pick(a.weight) : undefined, numClasses: a.numClasses, params: a.params, seed: 0 });
    model.predict(X);
    best = Math.min(best, performance.now() - t);
    model.dispose?.();
  }
  // Fit and predict of m rows, scaled to the fold's training rows (its validation rows are fewer: priced high, not low).
  const perFold = (best * fold.train.length) / m;
  const foldsEach = Math.ceil(a.folds.length / Math.max(1, Math.min(a.workers, a.folds.length)));
  const ms = MARGIN * perFold * foldsEach + FALLBACK_START_MS;
  return {
    ms,
    text: `${a.family}'s cheapest configuration, ${a.folds.length} fold${a.folds.length === 1 ? '' : 's'} on ${Math.min(a.workers, a.folds.length)} worker${a.workers > 1 ? 's' : ''}, a fit of ${m} rows timed at ${best.toFixed(1)} ms`,
  };
}

/**
 * When the fallback runs if no trial has completed: at `FALLBACK_AT` of the search's time, or
 * earlier when its price would then end it past `endBy` (the ensembles' deadline: with one
 * trial there are no ensembles, and the outputs' reserve follows), never before the search starts.
 */
export function fallbackPoint(searchStart: number, deadline: number, endBy: number, fallbackMs: number): number {
  return Math.max(searchStart, Math.min(searchStart + FALLBACK_AT * (deadline - searchStart), endBy - fallbackMs));
}
