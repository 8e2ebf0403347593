import { computeMetric, computeMetrics } from '../metrics';
import { finiteMean } from '../../util/finiteMean';
import type { Fold } from '../splitFolds';
import type { MetricValues, Task } from '../types';

/**
 * How a CV score is made of the out-of-fold predictions. `folds`: each metric on each fold's
 * validation rows, then the mean over the folds (scikit-learn's `cross_val_score`, FLAML, Azure
 * AutoML). `pooled`: each metric once over every fold's validation rows together.
 */
export type CvScoring = 'folds' | 'pooled';

/**
 * Regression folds whose label spread is this many times the median fold's (one fold's label
 * variance over the median of the folds') are scored per fold: a few rows in one fold then
 * decide a pooled r2. star98 (MATHTOT, one district of 38,852 students against a median of 445)
 * has 30–60× over seeded 80% splits; every other regression table benched has at most 5×
 * (docs/automl.md, "How a CV score is made").
 */
export const UNEVEN_FOLDS = 10;

/**
 * How a run's CV scores are made. Pooled, unless the task is regression and one fold's label
 * variance is at least `UNEVEN_FOLDS` × the median fold's: then the mean of the folds'
 * (scikit-learn's `cross_val_score`). Pooled is kept elsewhere because the fold mean measured
 * slightly worse on ordinary small tables (each fold's r2 is a noisier ratio, and the test
 * metric is pooled). `WEIR_CV_SCORE=folds|pooled` sets it for every task (benches). `why` says
 * why the folds' mean was chosen, for the run log.
 */
export function cvScoring(task: Task, foldLabels?: ArrayLike<number>[]): { scoring: CvScoring; why?: string } {
  const forced = process.env.WEIR_CV_SCORE;
  if (forced === 'folds' || forced === 'pooled') return { scoring: forced, why: forced === 'folds' ? 'WEIR_CV_SCORE=folds' : undefined };
  if (task !== 'regression' || !foldLabels || foldLabels.length < 3) return { scoring: 'pooled' };
  const variances = foldLabels.map(variance);
  const sorted = [...variances].sort((x, y) => x - y);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const widest = variances.indexOf(sorted[sorted.length - 1]);
  const ratio = variances[widest] / median;
  if (!(median > 0) || !(ratio >= UNEVEN_FOLDS)) return { scoring: 'pooled' };
  return {
    scoring: 'folds',
    why: `fold ${widest + 1}'s label variance is ${ratio.toFixed(0)}× the median fold's, so a few of its rows would decide a score pooled over all folds`,
  };
}

function variance(v: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < v.length; i++) mean += v[i] / v.length;
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += (v[i] - mean) ** 2;
  return v.length > 1 ? ss / v.length : 0;
}

/**
 * Scores out-of-fold predictions against the labels in the folds' validation order. Every
 * trial, ensemble and chart is scored through it, so they all see the same rows, weights and
 * scale: forecasting models learn the change since the origin, and their metrics are on the
 * series' own scale; normalized regression metrics divide by the label's range over the whole
 * training data, as Azure does. With `scoring` `folds` a score is the mean of the folds'
 * (see `CvScoring`): over all rows, or over the given positions grouped by the fold they are in
 * (an ensemble's cross-fitted selection scores on a subset of the rows of every fold).
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
  /** Whether scores are the mean of the folds' or computed over all rows at once. */
  scoring: CvScoring;
  /** Why the folds' mean was chosen (for the run log); absent when pooled or when given. */
  scoringWhy?: string;
  /** Every metric of the task for out-of-fold predictions. */
  evaluate(oof: Float64Array): MetricValues;
  /** The primary metric of predictions for the given out-of-fold positions (all when absent). */
  primaryScore(pred: Float64Array, rows?: Uint32Array): number;
  /**
   * The primary metric on each fold's validation rows (folds with no rows left out), for the
   * standard error of a CV score; with `scoring` `folds` the score is their mean.
   */
  foldScores(oof: Float64Array): number[];
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
  /** `cvScoring(task, the folds' labels)` when absent. */
  scoring?: CvScoring;
}): Evaluator {
  const { task, y, weight, base, numClasses } = a;
  const chosen = a.scoring ? { scoring: a.scoring } : cvScoring(task, a.folds.filter((f) => f.valid.length > 0).map((f) => Float64Array.from(f.valid, (i) => (base ? y[i] + base[i] : y[i]))));
  const scoring = chosen.scoring;
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
  const width = task === 'classification' ? numClasses! : 1;
  const metricArgs = (yTrue: ArrayLike<number>, pred: Float64Array, positions: Uint32Array | undefined, w: Float32Array | undefined) => ({
    task,
    yTrue,
    pred: toScale(pred, positions),
    numClasses,
    weight: w,
    labelRange,
  });
  const pooledScore = (pred: Float64Array, rows?: Uint32Array) =>
    computeMetric(a.primaryMetric, metricArgs(rows ? labelsOf(rows).yTrue : yTrueEval, pred, rows, rows ? labelsOf(rows).weight : wEval));
  // Each fold's validation rows are one span of the out-of-fold order.
  const spans: Uint32Array[] = [];
  let start = 0;
  for (const f of a.folds) {
    if (f.valid.length > 0) spans.push(Uint32Array.from({ length: f.valid.length }, (_, i) => start + i));
    start += f.valid.length;
  }
  const foldOf = new Uint32Array(evalRows.length);
  spans.forEach((span, k) => span.forEach((p) => (foldOf[p] = k)));
  /** Per fold, every metric (or the primary one) of the predictions on its span. */
  const perSpan = <T>(oof: Float64Array, f: (args: ReturnType<typeof metricArgs>) => T): T[] =>
    spans.map((span) => {
      const from = span[0];
      const to = from + span.length;
      return f(metricArgs(yTrueEval.subarray(from, to), oof.subarray(from * width, to * width), span, wEval?.subarray(from, to)));
    });
  // Positions grouped by fold, for the same row sample scored many times (greedy selection).
  let grouped: { rows: Uint32Array; parts: { local: Uint32Array; positions: Uint32Array; yTrue: Float64Array; weight?: Float32Array }[] } | undefined;
  const groupsOf = (rows: Uint32Array) => {
    if (grouped?.rows !== rows) {
      const counts = new Uint32Array(spans.length);
      for (const p of rows) counts[foldOf[p]]++;
      const local = Array.from(counts, (n) => new Uint32Array(n));
      const fill = new Uint32Array(spans.length);
      rows.forEach((p, j) => {
        const k = foldOf[p];
        local[k][fill[k]++] = j;
      });
      const parts = local
        .filter((l) => l.length > 0)
        .map((l) => {
          const positions = Uint32Array.from(l, (j) => rows[j]);
          return { local: l, positions, yTrue: Float64Array.from(positions, (p) => yTrueEval[p]), weight: wEval ? Float32Array.from(positions, (p) => wEval[p]) : undefined };
        });
      grouped = { rows, parts };
    }
    return grouped.parts;
  };
  const foldMeanScore = (pred: Float64Array, rows?: Uint32Array): number => {
    if (!rows) return finiteMean(perSpan(pred, (m) => computeMetric(a.primaryMetric, m)));
    return finiteMean(
      groupsOf(rows).map((g) => {
        const part = new Float64Array(g.local.length * width);
        g.local.forEach((j, i) => part.set(pred.subarray(j * width, (j + 1) * width), i * width));
        return computeMetric(a.primaryMetric, metricArgs(g.yTrue, part, g.positions, g.weight));
      }),
    );
  };
  return {
    evalRows,
    yEval,
    yTrueEval,
    wEval,
    labelRange,
    width,
    toScale,
    scoring,
    scoringWhy: chosen.why,
    evaluate: (oof) => {
      if (scoring === 'pooled') return computeMetrics(metricArgs(yTrueEval, oof, undefined, wEval));
      const folds = perSpan(oof, (m) => computeMetrics(m));
      const names = [...new Set(folds.flatMap((m) => Object.keys(m)))];
      return Object.fromEntries(names.map((name) => [name, finiteMean(folds.map((m) => m[name] ?? NaN))]));
    },
    primaryScore: (pred, rows) => (scoring === 'pooled' ? pooledScore(pred, rows) : foldMeanScore(pred, rows)),
    foldScores: (oof) => perSpan(oof, (m) => computeMetric(a.primaryMetric, m)),
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
