import { type EnsembleArgs, buildEnsembles } from '../engine/src/automl/ensemble/buildEnsembles';
import { weightedAverage } from '../engine/src/automl/ensemble/greedySelection';
import { restoreModel } from '../engine/src/automl/families';
import { computeMetric } from '../engine/src/automl/metrics';
import { type EstimatorSpec, stackFeatures } from '../engine/src/automl/model/estimator';
import type { TrialResult } from '../engine/src/automl/search/runSearch';
import type { Task } from '../engine/src/automl/types';

/**
 * The ensembles rebuilt from a saved run's trials, as the benches that replay AutoML's end
 * (ensemble-choice, repeat-bagging) do: the engine's own `buildEnsembles` over each trial's
 * out-of-fold predictions (no deadline), and each ensemble's predictions on the test split from
 * its members' saved test predictions.
 */
export interface ReplayedRun {
  task: Task;
  numClasses?: number;
  width: number;
  metric: string;
  seed: number;
}

/** The run's primary metric of predictions against labels. */
export function metricOf(run: ReplayedRun): (y: Float64Array, pred: Float64Array) => number {
  return (y, pred) => computeMetric(run.metric, { task: run.task, yTrue: y, pred, numClasses: run.numClasses });
}

/** A saved trial as the ensemble code takes it: its out-of-fold predictions and score. */
export function replayedTrial(t: { iteration: number; algorithm: string; score: number; oof: Float64Array }, width: number): TrialResult {
  return { iteration: t.iteration, algorithm: t.algorithm, params: {}, status: 'Completed', metrics: {}, score: t.score, startedAt: '', durationMs: 0, cost: 0, oof: t.oof, width, states: [] };
}

/** `buildEnsembles`' arguments for the trials, and the ensembles it builds with both rows on. */
export async function replayEnsembles(run: ReplayedRun, trials: TrialResult[], yEval: Float64Array) {
  const metric = metricOf(run);
  const args: EnsembleArgs = {
    task: run.task,
    numClasses: run.numClasses,
    width: run.width,
    primaryMetric: run.metric,
    trials,
    yEval: Float32Array.from(yEval),
    evaluate: (oof) => ({ [run.metric]: metric(yEval, oof) }),
    primaryScore: (pred, rows) => metric(rows ? Float64Array.from(rows, (i) => yEval[i]) : yEval, pred),
    seed: run.seed,
    voting: true,
    stack: true,
    firstIteration: 10_000,
  };
  return { args, ensembles: await buildEnsembles(args) };
}

/** An ensemble's test predictions from its members' (`testOf`, by iteration) on `rows` test rows. */
export function ensembleTestPrediction(spec: EstimatorSpec, testOf: Map<number, Float64Array>, width: number, rows: number): Float64Array {
  if (spec.type === 'voting') return weightedAverage(spec.members.map((m) => testOf.get(m.model.iteration)!), spec.members.map((m) => m.weight));
  if (spec.type !== 'stack') throw new Error(`unexpected ${spec.type}`);
  const meta = restoreModel(spec.meta.algorithm, spec.meta.state);
  const pred = meta.predict(stackFeatures(spec.base.map((b) => testOf.get(b.iteration)!), width, rows));
  meta.dispose?.();
  return pred;
}
