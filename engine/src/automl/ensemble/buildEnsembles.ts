import { WeirError } from '../../errors';
import { getFamily } from '../families';
import { isHigherBetter } from '../metrics';
import { fmt } from '../search/leaderboard';
import type { TrialResult } from '../search/runSearch';
import { gatherRows } from '../trials/runTrial';
import { kFold, stratifiedKFold } from '../splitFolds';
import type { MetricValues, Task } from '../types';
import { type BaggedModelSpec, type EstimatorSpec, stackFeatures } from '../model/estimator';
import { approxJsonBytes } from '../postSearchBudget';
import { diversePool } from './candidatePool';
import { gatherPred, greedyEnsembleSelection, weightedAverage } from './greedySelection';

export interface EnsembleResult {
  trial: TrialResult;
  spec: EstimatorSpec;
  /**
   * The row's score when it is out-of-sample for everything the ensemble fitted on the
   * out-of-fold predictions (the stack's meta-model CV, the voting weights cross-fitted);
   * absent when the voting row had to keep its in-sample score.
   */
  honestScore?: number;
}

export interface EnsembleArgs {
  task: Task;
  numClasses?: number;
  width: number;
  primaryMetric: string;
  /** Completed trials with predictions and models kept, any order. */
  trials: TrialResult[];
  /** Labels and weights in the out-of-fold order. */
  yEval: Float32Array;
  wEval?: Float32Array;
  evaluate(oof: Float64Array, width: number): MetricValues;
  /** The primary metric of predictions for the given out-of-fold rows (all when `rows` is absent). */
  primaryScore(pred: Float64Array, rows?: Uint32Array): number;
  seed: number;
  voting: boolean;
  stack: boolean;
  firstIteration: number;
  /** Time (on `performance.now`) by which ensembles must be done; past it they stop or are skipped. */
  deadline?: number;
  signal?: AbortSignal;
  /** Warnings: an ensemble cut short or skipped, and why. */
  log?(text: string): void;
  /**
   * Work to run after the stack and before the voting selection (the run's best single trial
   * scored cross-fitted, cheap beside selection), so a deadline that cuts the voting row's
   * cross-fitting still leaves two honest scores to choose the model by.
   */
  afterStack?(): Promise<void>;
  /**
   * What the ensembles' work costs on this machine now (see postSearchBudget.ts): one primary
   * score of every out-of-fold row, measured, and every metric of a row, estimated. With them
   * the work that cannot stop midway (a row's metrics, a fold of the best single trial's pick)
   * is priced before it starts, so it does not run past the deadline.
   */
  costs?: {
    scoreMs: number;
    evaluateMs: number;
    /** Writing model JSON (the chosen row's models go into model.json after the ensembles), when measured. */
    writeMsPerByte?: number;
  };
}

const jsonBytes = new WeakMap<TrialResult, number>();
/** Time to write a trial's fold models into the model file (0 when not priced). */
function writeMsOf(a: EnsembleArgs, trials: TrialResult[]): number {
  const rate = a.costs?.writeMsPerByte;
  if (!rate) return 0;
  return trials.reduce((sum, t) => {
    let bytes = jsonBytes.get(t);
    if (bytes === undefined) jsonBytes.set(t, (bytes = approxJsonBytes(t.states)));
    return sum + bytes * rate;
  }, 0);
}

/** The VotingEnsemble's candidates at most (Azure takes the 15 best trials). */
export const MAX_CANDIDATES = 25;
const STACK_BASE_MODELS = 5;
/** Greedy selection scores on at most this many rows (a fixed subsample) to stay fast on big holdouts. */
export const SELECTION_ROWS = 20_000;
/**
 * Greedy selection holds every candidate's predictions for its row sample: at most this many
 * values together (about 160 MB), so a label with hundreds of classes gets fewer candidates.
 */
const SELECTION_VALUES = 20_000_000;
/** The stack's meta-model fits one weight per (base model × class) input and class: beyond this it is skipped. */
const STACK_MAX_INPUTS = 400;
/**
 * Milliseconds per (training row × meta-model input × class) of one meta-model fold on an idle
 * core, measured: Letter (12.8k rows × 130 inputs × 26 classes) took 17.7 s a fold, Soybean
 * (437 × 95 × 19) 0.3 s. The fits cannot be stopped inside, so a stack this prices past the
 * time left is not started (it had run a 17.7 s first fold past a 60 s budget).
 */
const STACK_MS_PER_UNIT = 4e-4;

/** The stack's meta-model folds over `rows` out-of-fold rows (as `ensembleFolds` makes them). */
function stackFolds(rows: number): number {
  return Math.min(CROSS_FIT_FOLDS, Math.max(2, Math.floor(rows / 4)));
}

/**
 * The stack's meta-model fits on an idle core: every fold and the fit on all rows (timed at 1.25
 * folds), `inputs` = base models × (classes, or 1 for binary), `classes` 1 unless multiclass.
 */
export function stackEstimateMs(rows: number, inputs: number, classes: number): number {
  const folds = stackFolds(rows);
  return rows * (1 - 1 / folds) * inputs * classes * STACK_MS_PER_UNIT * (folds + 1.25);
}

/**
 * The VotingEnsemble's selection: candidates are each family's 3 best first, then the rest
 * by score (up to 25, fewer under SELECTION_VALUES); 50 rounds starting from the blend of
 * the 3 best (Caruana's sorted initialisation), best prefix kept. Measured against Azure's
 * way (the 15 best, 15 rounds) on the same trials' test predictions: docs/automl.md, "Ensembles".
 */
const PER_FAMILY = 3;
const SELECTION_ROUNDS = 50;
const SORTED_INITIAL = 3;
/**
 * Selection stops after this many rounds in a row without a better blend (the best prefix is
 * kept either way): the rest of the 50 rounds rarely found one, and on a many-class table
 * each round scores every candidate (Soybean, 19 classes: the voting row's cross-fitting, five
 * more selections, had not finished in a 1-minute run's ensemble time). Replayed on 33 saved
 * runs (bench ensemble-choice): mean test of the voting row 0.88811 with all rounds, 0.88814
 * with 10, 0.88810 with 5; on Soybean's three runs 26–63% fewer blends scored.
 */
const SELECTION_PATIENCE = 10;
/** Folds of the ensembles' cross-fitted scores and of the stack's meta-model (fewer on a small table: `ensembleFolds`). */
const CROSS_FIT_FOLDS = 5;
/**
 * Cross-fitting reruns selection 5 times: beyond this many prediction values per candidate
 * (rows × classes) it is skipped, where a few dozen weights over so many values barely overfit.
 */
const CROSS_FIT_VALUES = 1_000_000;

/**
 * The VotingEnsemble and StackEnsemble rows that close the leaderboard. Both are built from
 * the kept out-of-fold predictions, so they cost no new base-model fits: the voting weights
 * come from greedy selection, and the stack's meta-model is scored by its own 5-fold
 * cross-validation over the out-of-fold predictions.
 *
 * Both are bounded: selection stops at `deadline` with the best blend so far, the stack is
 * skipped (with a warning) when its meta-model would be too large or no time is left, and
 * both yield to the event loop as they go, so a cancel stops them (CANCELED).
 */
export async function buildEnsembles(a: EnsembleArgs): Promise<EnsembleResult[]> {
  const usable = usableTrials(a.trials);
  if (usable.length < 2) return [];
  const timeLeft = () => (a.deadline === undefined ? Infinity : a.deadline - performance.now());
  const out: EnsembleResult[] = [];
  let iteration = a.firstIteration;
  const votingIteration = a.voting ? iteration++ : -1;
  // The stack first (it is the model unless another row's honest score beats it: chooseModel),
  // so a tight deadline cuts the voting selection rather than the stack; then `afterStack`
  // (the best single trial's honest score), the voting weights, and their cross-fitted score
  // with the time left.
  let stack: EnsembleResult | undefined;
  /** Writing the stack's models, should it be the model: kept free of the voting selection. */
  let stackWriteMs = 0;
  if (a.stack) {
    // The best of each family, filled up to 5 by score.
    const base = diversePool(a.primaryMetric, usable, 1, Math.max(STACK_BASE_MODELS, new Set(usable.map((t) => t.algorithm)).size));
    const inputs = base.length * (a.width === 2 ? 1 : a.width);
    if (inputs > STACK_MAX_INPUTS) {
      a.log?.(`StackEnsemble skipped: its meta-model would have ${inputs} inputs (${base.length} models × ${a.width} classes), more than ${STACK_MAX_INPUTS}`);
    } else if (timeLeft() <= 0) {
      a.log?.('StackEnsemble skipped: no time left in the experiment timeout');
    } else {
      stack = await stackEnsemble(a, base, iteration);
      if (stack) stackWriteMs = writeMsOf(a, base);
    }
  }
  await a.afterStack?.();
  const plan = a.voting ? await votingSelection(a, usable, stackWriteMs) : undefined;
  if (plan) out.push(await votingEnsemble(a, plan, votingIteration, stackWriteMs));
  if (stack) out.push(stack);
  return out;
}

/** The VotingEnsemble's weights, chosen on all out-of-fold rows, and what its honest score needs later. */
interface VotingPlan {
  pool: TrialResult[];
  counts: number[];
  sample?: Uint32Array;
  /** Time the selection took (the row's duration adds the cross-fitting's). */
  selectionMs: number;
  startedAt: string;
}

async function votingSelection(a: EnsembleArgs, usable: TrialResult[], reservedMs: number): Promise<VotingPlan | undefined> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const sampleRows = Math.min(a.yEval.length, SELECTION_ROWS);
  const wanted = Math.min(MAX_CANDIDATES, usable.length);
  const maxCandidates = Math.max(2, Math.min(wanted, Math.floor(SELECTION_VALUES / Math.max(1, sampleRows * a.width))));
  if (maxCandidates < wanted) a.log?.(`VotingEnsemble: ${maxCandidates} candidates instead of ${wanted}: each holds ${sampleRows} rows × ${a.width} classes of predictions`);
  const pool = diversePool(a.primaryMetric, usable, PER_FAMILY, maxCandidates);
  const sample = subsampleRows(a.yEval.length, SELECTION_ROWS);
  if (a.costs && a.deadline !== undefined) {
    // At least the sorted start and one round over the candidates, then the row's metrics.
    const scoreMs = a.costs.scoreMs * Math.min(1, SELECTION_ROWS / Math.max(1, a.yEval.length));
    const least = (1 + pool.length + (sample ? pool.length : 0)) * scoreMs + a.costs.evaluateMs + reservedMs + writeMsOf(a, pool.slice(0, 1));
    const left = a.deadline - performance.now();
    if (least > left) {
      a.log?.(
        `VotingEnsemble skipped: one selection round over ${pool.length} candidates and the row's metrics are priced at ${(least / 1000).toFixed(1)} s (${scoreMs.toFixed(1)} ms a score, ${(a.costs.evaluateMs / 1000).toFixed(1)} s every metric), ${(Math.max(0, left) / 1000).toFixed(1)} s left before the outputs' reserve`,
      );
      return undefined;
    }
  }
  // Each member's models are written into model.json should the blend be the model: priced per member.
  const memberMs = pool.map((t) => writeMsOf(a, [t]));
  const { counts, stoppedEarly } = await select(a, pool, sample, sample ? undefined : pool.map((t) => t.score), { memberMs, reservedMs });
  if (stoppedEarly) a.log?.(`VotingEnsemble: selection stopped at the experiment timeout with the best blend found so far`);
  return { pool, counts, sample, selectionMs: performance.now() - started, startedAt };
}

/** Greedy selection over the pool's predictions on the given out-of-fold positions (all when absent). */
function select(a: EnsembleArgs, pool: TrialResult[], rows: Uint32Array | undefined, singleScores?: number[], write: { memberMs?: number[]; reservedMs: number } = { reservedMs: 0 }) {
  const sign = isHigherBetter(a.primaryMetric) ? 1 : -1;
  return greedyEnsembleSelection({
    candidates: pool.map((t) => (rows ? gatherPred(t.oof!, a.width, rows) : t.oof!)),
    rounds: SELECTION_ROUNDS,
    initial: SORTED_INITIAL,
    patience: SELECTION_PATIENCE,
    // On every row a candidate's score is its trial's: no need to score it again.
    singleScores: singleScores?.map((s) => sign * s),
    score: (pred) => sign * a.primaryScore(pred, rows),
    // Selection stops early enough for the row's metrics (and its in-sample score) to follow,
    // and for the models that may be written.
    deadline: a.deadline === undefined ? undefined : a.deadline - (a.costs ? a.costs.evaluateMs + a.costs.scoreMs : 0) - write.reservedMs,
    memberMs: write.memberMs,
    signal: a.signal,
  });
}

/**
 * The VotingEnsemble's row. Its weights were chosen on the very out-of-fold predictions a
 * plain score would be computed from, so that score is optimistic (on small tables by more
 * than the gaps between rows). The row is scored cross-fitted instead: the same selection is
 * rerun on 4/5 of the out-of-fold rows and its blend scored on the other fifth, rotated over
 * 5 folds, and every metric comes from those held-out blends. When a fold's selection does
 * not finish before the deadline, or the predictions are large (over 20,000 rows, or rows ×
 * classes over 1M, where a few dozen weights barely overfit), the row keeps the in-sample
 * score and the log says so.
 */
async function votingEnsemble(a: EnsembleArgs, plan: VotingPlan, iteration: number, reservedMs: number): Promise<EnsembleResult> {
  const { pool, counts } = plan;
  const started = performance.now() - plan.selectionMs;
  const members = pool.map((t, i) => ({ t, weight: counts[i] })).filter((m) => m.weight > 0);
  const total = members.reduce((s, m) => s + m.weight, 0);
  const inSample = weightedAverage(members.map((m) => m.t.oof!), members.map((m) => m.weight));
  const tooBig = plan.sample || a.yEval.length * a.width > CROSS_FIT_VALUES;
  const honest = tooBig ? undefined : await crossFittedBlend(a, pool, reservedMs + writeMsOf(a, members.map((m) => m.t)));
  const params = Object.fromEntries(members.map((m) => [`iteration_${m.t.iteration}`, Number((m.weight / total).toFixed(4))]));
  const row = ensembleRow(a, 'VotingEnsemble', iteration, params, honest ?? inSample, started, plan.startedAt);
  if (honest) {
    const inSampleScore = a.primaryScore(inSample);
    a.log?.(
      `VotingEnsemble: scored cross-fitted (weights chosen on 4/5 of the out-of-fold rows, scored on the other fifth, 5 folds): ${a.primaryMetric} ${fmt(row.score)}; with the weights chosen on all rows it would read ${fmt(inSampleScore)} (in-sample, optimistic)`,
    );
  } else {
    a.log?.(
      `VotingEnsemble: scored in-sample (its weights chosen on the same out-of-fold predictions, optimistic): ${tooBig ? `${a.yEval.length} rows × ${a.width} classes, where the weights barely overfit and cross-fitting would rerun selection 5 times` : 'cross-fitting did not finish before the experiment timeout'}`,
    );
  }
  return {
    trial: row,
    spec: { type: 'voting', members: members.map((m) => ({ weight: m.weight / total, model: bagged(m.t) })) },
    honestScore: honest ? row.score : undefined,
  };
}

/**
 * Folds over the out-of-fold rows for scoring an ensemble's fitted choices (stratified for
 * classification): `CROSS_FIT_FOLDS`, fewer on a small table (about 4 rows a fold, at least 2 folds).
 */
export function ensembleFolds(a: EnsembleArgs, salt: number) {
  const rows = a.yEval.length;
  const k = stackFolds(rows);
  return a.task === 'classification' ? stratifiedKFold(a.yEval, k, a.seed + salt) : kFold(rows, k, a.seed + salt);
}

/**
 * The best single trial's choice scored the way the VotingEnsemble's weights are: on each of
 * the same folds of out-of-fold rows, the kept trial with the best score on the other folds'
 * rows, scored on the held-out fold. The best trial's own score is the maximum over every
 * trial of the search and so optimistic too; this is what the run compares the ensembles'
 * honest scores with. Undefined past the deadline or on more than 20,000 rows.
 */
export async function crossFittedBestSingle(a: EnsembleArgs): Promise<number | undefined> {
  const pred = await crossFittedBestSinglePred(a);
  return pred && a.primaryScore(pred);
}

/** `crossFittedBestSingle`'s held-out predictions (rows × width), each fold's pick on its held-out rows. */
export async function crossFittedBestSinglePred(a: EnsembleArgs): Promise<Float64Array | undefined> {
  const usable = usableTrials(a.trials);
  const rows = a.yEval.length;
  if (usable.length === 0 || rows > SELECTION_ROWS) return undefined;
  const sign = isHigherBetter(a.primaryMetric) ? 1 : -1;
  const out = new Float64Array(rows * a.width);
  const folds = ensembleFolds(a, 202);
  // A fold scores every kept trial on the other folds' rows and cannot stop midway.
  const foldMs = (a.costs?.scoreMs ?? 0) * usable.length * (1 - 1 / folds.length);
  for (const fold of folds) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (a.signal?.aborted) throw new WeirError('CANCELED', 'the AutoML run was canceled while building ensembles');
    if (a.deadline !== undefined && performance.now() + foldMs > a.deadline) return undefined;
    let pick = usable[0];
    let pickScore = -Infinity;
    for (const t of usable) {
      const s = sign * a.primaryScore(gatherPred(t.oof!, a.width, fold.train), fold.train);
      if (s > pickScore) {
        pickScore = s;
        pick = t;
      }
    }
    const held = gatherPred(pick.oof!, a.width, fold.valid);
    fold.valid.forEach((row, j) => {
      for (let c = 0; c < a.width; c++) out[row * a.width + c] = held[j * a.width + c];
    });
  }
  return out;
}

/** The voting blend's held-out predictions (rows × width): selection on the other folds' rows; undefined past the deadline. */
async function crossFittedBlend(a: EnsembleArgs, pool: TrialResult[], reservedMs: number): Promise<Float64Array | undefined> {
  const rows = a.yEval.length;
  const out = new Float64Array(rows * a.width);
  for (const fold of ensembleFolds(a, 202)) {
    if (a.deadline !== undefined && performance.now() + (a.costs?.evaluateMs ?? 0) + reservedMs > a.deadline) return undefined;
    const { counts, stoppedEarly } = await select(a, pool, fold.train, undefined, { reservedMs });
    if (stoppedEarly) return undefined;
    const held = weightedAverage(pool.map((t) => gatherPred(t.oof!, a.width, fold.valid)), counts);
    fold.valid.forEach((row, j) => {
      for (let c = 0; c < a.width; c++) out[row * a.width + c] = held[j * a.width + c];
    });
  }
  return out;
}

/** An ensemble's leaderboard row, scored from its out-of-fold predictions. */
function ensembleRow(a: EnsembleArgs, algorithm: string, iteration: number, params: Record<string, number | string>, oof: Float64Array, started: number, startedAt: string): TrialResult {
  const metrics = a.evaluate(oof, a.width);
  const durationMs = Math.round(performance.now() - started);
  return { iteration, algorithm, params, status: 'Completed', metrics, score: metrics[a.primaryMetric] ?? NaN, startedAt, durationMs, cost: 0, oof, width: a.width };
}

/**
 * The StackEnsemble row, or undefined when it would end past the deadline: the meta-model's
 * fits run on the main thread and cannot be stopped inside, so after the first fold the rest
 * (the other folds and the fit on all rows, about 1.25 folds) is estimated from it, and the
 * stack is dropped with a log line when that would not fit in the time left.
 */
async function stackEnsemble(a: EnsembleArgs, base: TrialResult[], iteration: number): Promise<EnsembleResult | undefined> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const rows = a.yEval.length;
  const X = stackFeatures(base.map((t) => t.oof!), a.width, rows);
  const metaName = a.task === 'classification' ? 'LogisticRegression' : 'ElasticNet';
  const meta = getFamily(metaName);
  const metaTask: Task = a.task === 'classification' ? 'classification' : 'regression';
  const params = meta.lowCostConfig(metaTask, { rows, features: X.cols, classes: a.numClasses });
  const folds = ensembleFolds(a, 101);
  const oof = new Float64Array(rows * a.width);
  const timeLeft = () => (a.deadline === undefined ? Infinity : a.deadline - performance.now());
  // Priced before the first fold too: that fold alone may be longer than the time left.
  const classes = a.task === 'classification' && a.numClasses && a.numClasses > 2 ? a.numClasses : 1;
  // The fits, then the row's metrics.
  // Its models' JSON is not priced here: whichever row is chosen is written, and the voting
  // selection after the stack keeps the stack's write free (pricing it here too dropped
  // Titanic's stack at 0.2 minutes under load, the model then a VotingEnsemble of the same trials).
  const estimateMs = stackEstimateMs(rows, X.cols, classes) + (a.costs?.evaluateMs ?? 0);
  const leftAtStart = a.deadline === undefined ? Infinity : a.deadline - started;
  if (estimateMs > leftAtStart) {
    a.log?.(
      `StackEnsemble skipped: its meta-model (${rows} rows × ${X.cols} inputs${classes > 1 ? ` × ${classes} classes` : ''}) is estimated at ${(estimateMs / 1000).toFixed(1)} s on an idle core for ${folds.length} folds and the final fit, ${(Math.max(0, leftAtStart) / 1000).toFixed(1)} s left in the experiment timeout`,
    );
    return undefined;
  }
  for (const [f, fold] of folds.entries()) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (a.signal?.aborted) throw new WeirError('CANCELED', 'the AutoML run was canceled while building ensembles');
    if (f > 0) {
      const perFold = (performance.now() - started) / f;
      const rest = perFold * (folds.length - f + 1.25) + (a.costs?.evaluateMs ?? 0);
      const left = timeLeft();
      if (rest > left) {
        a.log?.(
          `StackEnsemble skipped: after ${f} of ${folds.length} meta-model folds (${(perFold / 1000).toFixed(1)} s each) the rest would take about ${(rest / 1000).toFixed(1)} s, ${(Math.max(0, left) / 1000).toFixed(1)} s left in the experiment timeout`,
        );
        return undefined;
      }
    }
    const model = meta.fit({
      task: metaTask,
      X: gatherRows(X, fold.train),
      y: Float32Array.from(fold.train, (i) => a.yEval[i]),
      weight: a.wEval ? Float32Array.from(fold.train, (i) => a.wEval![i]) : undefined,
      numClasses: a.numClasses,
      params,
      seed: a.seed,
    });
    const pred = model.predict(gatherRows(X, fold.valid));
    fold.valid.forEach((row, j) => {
      for (let c = 0; c < a.width; c++) oof[row * a.width + c] = pred[j * a.width + c];
    });
    model.dispose?.();
  }
  const final = meta.fit({ task: metaTask, X, y: a.yEval, weight: a.wEval, numClasses: a.numClasses, params, seed: a.seed });
  const spec: EstimatorSpec = { type: 'stack', base: base.map(bagged), meta: { algorithm: metaName, state: final.state() }, width: a.width };
  final.dispose?.();
  const rowParams = { meta_learner: metaName, ...params, base_iterations: base.map((t) => t.iteration).join(',') };
  const trial = ensembleRow(a, 'StackEnsemble', iteration, rowParams, oof, started, startedAt);
  return { trial, spec, honestScore: trial.score };
}

/** Completed trials that kept their predictions and models. */
function usableTrials(trials: TrialResult[]): TrialResult[] {
  return trials.filter((t) => t.status === 'Completed' && t.oof && t.states && Number.isFinite(t.score));
}

export function bagged(t: TrialResult): BaggedModelSpec {
  return { algorithm: t.algorithm, iteration: t.iteration, hyperparameters: t.params, states: t.states ?? [] };
}

function subsampleRows(rows: number, max: number): Uint32Array | undefined {
  if (rows <= max) return undefined;
  const step = rows / max;
  return Uint32Array.from({ length: max }, (_, i) => Math.floor(i * step));
}
