import { WeirError } from '../../errors';
import { getFamily } from '../families';
import { isHigherBetter } from '../metrics';
import type { TrialResult } from '../search/runSearch';
import { gatherRows } from '../trials/runTrial';
import { kFold, stratifiedKFold } from '../splitFolds';
import type { MetricValues, Task } from '../types';
import { type BaggedModelSpec, type EstimatorSpec, stackFeatures } from '../model/estimator';
import { diversePool } from './candidatePool';
import { gatherPred, greedyEnsembleSelection, weightedAverage } from './greedySelection';

export interface EnsembleResult {
  trial: TrialResult;
  spec: EstimatorSpec;
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
}

/** The VotingEnsemble's candidates at most (Azure takes the 15 best trials). */
const MAX_CANDIDATES = 25;
const STACK_BASE_MODELS = 5;
/** Greedy selection scores on at most this many rows (a fixed subsample) to stay fast on big holdouts. */
const SELECTION_ROWS = 20_000;
/**
 * Greedy selection holds every candidate's predictions for its row sample: at most this many
 * values together (about 160 MB), so a label with hundreds of classes gets fewer candidates.
 */
const SELECTION_VALUES = 20_000_000;
/** The stack's meta-model fits one weight per (base model × class) input and class: beyond this it is skipped. */
const STACK_MAX_INPUTS = 400;

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
  const usable = a.trials.filter((t) => t.status === 'Completed' && t.oof && t.states && Number.isFinite(t.score));
  if (usable.length < 2) return [];
  const timeLeft = () => (a.deadline === undefined ? Infinity : a.deadline - performance.now());
  const out: EnsembleResult[] = [];
  let iteration = a.firstIteration;
  if (a.voting) out.push(await votingEnsemble(a, usable, iteration++));
  if (a.stack) {
    // The best of each family, filled up to 5 by score.
    const base = diversePool(a.primaryMetric, usable, 1, Math.max(STACK_BASE_MODELS, new Set(usable.map((t) => t.algorithm)).size));
    const inputs = base.length * (a.width === 2 ? 1 : a.width);
    if (inputs > STACK_MAX_INPUTS) {
      a.log?.(`StackEnsemble skipped: its meta-model would have ${inputs} inputs (${base.length} models × ${a.width} classes), more than ${STACK_MAX_INPUTS}`);
    } else if (timeLeft() <= 0) {
      a.log?.('StackEnsemble skipped: no time left in the experiment timeout');
    } else {
      const stack = await stackEnsemble(a, base, iteration);
      if (stack) {
        out.push(stack);
        iteration++;
      }
    }
  }
  return out;
}

async function votingEnsemble(a: EnsembleArgs, usable: TrialResult[], iteration: number): Promise<EnsembleResult> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const sampleRows = Math.min(a.yEval.length, SELECTION_ROWS);
  const wanted = Math.min(MAX_CANDIDATES, usable.length);
  const maxCandidates = Math.max(2, Math.min(wanted, Math.floor(SELECTION_VALUES / Math.max(1, sampleRows * a.width))));
  if (maxCandidates < wanted) a.log?.(`VotingEnsemble: ${maxCandidates} candidates instead of ${wanted}: each holds ${sampleRows} rows × ${a.width} classes of predictions`);
  const pool = diversePool(a.primaryMetric, usable, PER_FAMILY, maxCandidates);
  const sample = subsampleRows(a.yEval.length, SELECTION_ROWS);
  const sign = isHigherBetter(a.primaryMetric) ? 1 : -1;
  const candidates = pool.map((t) => (sample ? gatherPred(t.oof!, a.width, sample) : t.oof!));
  const { counts: weights, stoppedEarly } = await greedyEnsembleSelection({
    candidates,
    rounds: SELECTION_ROUNDS,
    initial: SORTED_INITIAL,
    // On every row a candidate's score is its trial's: no need to score it again.
    singleScores: sample ? undefined : pool.map((t) => sign * t.score),
    score: (pred) => sign * a.primaryScore(pred, sample),
    deadline: a.deadline,
    signal: a.signal,
  });
  if (stoppedEarly) a.log?.(`VotingEnsemble: selection stopped at the experiment timeout with the best blend found so far`);
  const members = pool.map((t, i) => ({ t, weight: weights[i] })).filter((m) => m.weight > 0);
  const total = members.reduce((s, m) => s + m.weight, 0);
  const oof = weightedAverage(members.map((m) => m.t.oof!), members.map((m) => m.weight));
  const params = Object.fromEntries(members.map((m) => [`iteration_${m.t.iteration}`, Number((m.weight / total).toFixed(4))]));
  return {
    trial: ensembleRow(a, 'VotingEnsemble', iteration, params, oof, started, startedAt),
    spec: { type: 'voting', members: members.map((m) => ({ weight: m.weight / total, model: bagged(m.t) })) },
  };
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
  const k = Math.min(5, Math.max(2, Math.floor(rows / 4)));
  const folds = a.task === 'classification' ? stratifiedKFold(a.yEval, k, a.seed + 101) : kFold(rows, k, a.seed + 101);
  const oof = new Float64Array(rows * a.width);
  const timeLeft = () => (a.deadline === undefined ? Infinity : a.deadline - performance.now());
  for (const [f, fold] of folds.entries()) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (a.signal?.aborted) throw new WeirError('CANCELED', 'the AutoML run was canceled while building ensembles');
    if (f > 0) {
      const perFold = (performance.now() - started) / f;
      const rest = perFold * (folds.length - f + 1.25);
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
  return { trial: ensembleRow(a, 'StackEnsemble', iteration, rowParams, oof, started, startedAt), spec };
}

export function bagged(t: TrialResult): BaggedModelSpec {
  return { algorithm: t.algorithm, iteration: t.iteration, hyperparameters: t.params, states: t.states ?? [] };
}

function subsampleRows(rows: number, max: number): Uint32Array | undefined {
  if (rows <= max) return undefined;
  const step = rows / max;
  return Uint32Array.from({ length: max }, (_, i) => Math.floor(i * step));
}
