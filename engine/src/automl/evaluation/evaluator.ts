import { computeMetric, computeMetrics } from '../metrics';
import type { Fold } from '../splitFolds';
import type { MetricValues, Task } from '../types';

/**
 * Scores out-of-fold predictions against the labels in the folds' validation order. Every
 * trial, ensemble and chart is scored through it, so they all see the same rows, weights and
 * scale: forecasting models learn the change since the origin, and their metrics are on the
 * series' own scale; normalized regression metrics divide by the label's range over the whole
 * training data, as Azure does.
 */
export interface Evaluator {
  /** Row indices of the out-of-fold predictions: every fold's validation rows, in fold order. */
  evalRows: Uint32Array;
  /** Labels (encoded, for classification) in the out-of-fold order. */
  yEval: Float32Array;
  /** The labels on the scale metrics are computed on (forecasting adds the origin's value back). */
  yTrueEval: Float32Array | Float64Array;
  wEval?: Float32Array;
  labelRange?: { min: number; max: number };
  /** Predictions per row (1) or per class. */
  width: number;
  /** Predictions on the label's scale; `rows` are positions in the out-of-fold order when given. */
  toScale(oof: Float64Array, rows?: Uint32Array): Float64Array;
  /** Every metric of the task for out-of-fold predictions. */
  evaluate(oof: Float64Array): MetricValues;
  /** The primary metric of predictions for the given out-of-fold positions (all when absent). */
  primaryScore(pred: Float64Array, rows?: Uint32Array): number;
}

export function makeEvaluator(a: {
  task: Task;
  primaryMetric: string;
  y: Float32Array;
  weight?: Float32Array;
  folds: Fold[];
  numClasses?: number;
  /** Forecasting: the value at each row's origin, which the model's prediction is added to. */
  base?: Float64Array;
}): Evaluator {
  const { task, y, weight, base, numClasses } = a;
  const evalRows = concatRows(a.folds);
  const yEval = Float32Array.from(evalRows, (i) => y[i]);
  const wEval = weight ? Float32Array.from(evalRows, (i) => weight[i]) : undefined;
  const baseEval = base ? Float64Array.from(evalRows, (i) => base[i]) : undefined;
  const yTrueEval = baseEval ? Float64Array.from(yEval, (v, i) => v + baseEval[i]) : yEval;
  const labelRange = task === 'classification' ? undefined : rangeOf(base ? Float64Array.from(y, (v, i) => v + base[i]) : y);
  const toScale = (oof: Float64Array, rows?: Uint32Array): Float64Array => (baseEval ? Float64Array.from(oof, (v, i) => v + baseEval[rows ? rows[i] : i]) : oof);
  // Greedy selection scores hundreds of candidate blends on one fixed row sample: gather that
  // sample's labels and weights once, not once per score.
  let sampled: { rows: Uint32Array; yTrue: Float64Array; weight?: Float32Array } | undefined;
  const labelsOf = (rows: Uint32Array) => {
    if (sampled?.rows !== rows) {
      sampled = { rows, yTrue: Float64Array.from(rows, (i) => yTrueEval[i]), weight: wEval ? Float32Array.from(rows, (i) => wEval[i]) : undefined };
    }
    return sampled;
  };
  return {
    evalRows,
    yEval,
    yTrueEval,
    wEval,
    labelRange,
    width: task === 'classification' ? numClasses! : 1,
    toScale,
    evaluate: (oof) => computeMetrics({ task, yTrue: yTrueEval, pred: toScale(oof), numClasses, weight: wEval, labelRange }),
    primaryScore: (pred, rows) =>
      computeMetric(a.primaryMetric, {
        task,
        yTrue: rows ? labelsOf(rows).yTrue : yTrueEval,
        pred: toScale(pred, rows),
        numClasses,
        weight: rows ? labelsOf(rows).weight : wEval,
        labelRange,
      }),
  };
}

function concatRows(folds: Fold[]): Uint32Array {
  const total = folds.reduce((n, f) => n + f.valid.length, 0);
  const out = new Uint32Array(total);
  let offset = 0;
  for (const f of folds) {
    out.set(f.valid, offset);
    offset += f.valid.length;
  }
  return out;
}

function rangeOf(y: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < y.length; i++) {
    if (y[i] < min) min = y[i];
    if (y[i] > max) max = y[i];
  }
  return { min, max };
}
