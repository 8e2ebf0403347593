import { averagePrecision, binarySweep, rocAuc, type BinarySweep } from '../metrics/binaryCurve';
import {
  MAX_CURVE_POINTS,
  type CalibrationBin,
  type ClassificationCharts,
  type ConfusionMatrix,
  type ForecastingCharts,
  type HistogramBin,
  type LabeledCurve,
  type PredictionBin,
  type RegressionCharts,
  type XYPoint,
} from './chartTypes';

/** Per-class curves stop here: 200 ROC curves help nobody and would bloat the file. */
const MAX_CLASS_CURVES = 20;
const CALIBRATION_BINS = 10;
const HISTOGRAM_BINS = 30;
const PREDICTION_BINS = 20;

/**
 * Chart data for a classifier from out-of-fold probabilities (rows × k, row-major). For a
 * binary task the per-class curves of the positive class (index 1) come first.
 */
export function classificationCharts(args: {
  yTrue: ArrayLike<number>;
  proba: ArrayLike<number>;
  classes: string[];
  weight?: ArrayLike<number>;
}): ClassificationCharts {
  const { yTrue, proba, classes, weight } = args;
  const k = classes.length;
  const n = yTrue.length;
  const curveClasses = (k === 2 ? [1, 0] : Array.from({ length: k }, (_, c) => c)).slice(0, MAX_CLASS_CURVES);

  const roc: ClassificationCharts['roc'] = [];
  const precisionRecall: ClassificationCharts['precisionRecall'] = [];
  const lift: LabeledCurve[] = [];
  const cumulativeGains: LabeledCurve[] = [];
  const calibration: ClassificationCharts['calibration'] = [];
  const macroGrid = Array.from({ length: 101 }, (_, i) => i / 100);
  const macroTpr = new Float64Array(macroGrid.length);
  let macroCount = 0;

  for (let c = 0; c < k; c++) {
    const sweep = binarySweep(n, (i) => proba[i * k + c], (i) => yTrue[i] === c, weight);
    const auc = rocAuc(sweep);
    const points = rocPoints(sweep);
    if (Number.isFinite(auc)) {
      for (let g = 0; g < macroGrid.length; g++) macroTpr[g] += interpolate(points, macroGrid[g]);
      macroCount++;
    }
    if (!curveClasses.includes(c)) continue;
    roc.push({ label: classes[c], auc, points });
    precisionRecall.push({ label: classes[c], averagePrecision: averagePrecision(sweep), points: prPoints(sweep) });
    const gains = gainsPoints(sweep, n, weight);
    cumulativeGains.push({ label: classes[c], points: gains });
    lift.push({ label: classes[c], points: gains.filter((p) => p.x > 0).map((p) => ({ x: p.x, y: p.y / p.x })) });
    calibration.push({ label: classes[c], bins: calibrationBins(n, (i) => proba[i * k + c], (i) => yTrue[i] === c) });
  }

  const pooled = binarySweep(
    n * k,
    (j) => proba[j],
    (j) => yTrue[Math.floor(j / k)] === j % k,
    weight ? Float64Array.from({ length: n * k }, (_, j) => weight[Math.floor(j / k)]) : undefined,
  );
  roc.push({ label: 'micro', auc: rocAuc(pooled), points: rocPoints(pooled) });
  if (macroCount > 0) {
    const points = macroGrid.map((x, g) => ({ x, y: g === 0 ? 0 : macroTpr[g] / macroCount }));
    roc.push({ label: 'macro', auc: trapezoid(points), points });
  }
  precisionRecall.push({ label: 'micro', averagePrecision: averagePrecision(pooled), points: prPoints(pooled) });

  return { kind: 'classification', classes, roc, precisionRecall, calibration, lift, cumulativeGains, confusionMatrix: confusionMatrix(yTrue, proba, classes) };
}

export function confusionMatrix(yTrue: ArrayLike<number>, proba: ArrayLike<number>, classes: string[]): ConfusionMatrix {
  const k = classes.length;
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c] > proba[i * k + best]) best = c;
    counts[yTrue[i]][best]++;
  }
  const normalized = counts.map((row) => {
    const total = row.reduce((s, v) => s + v, 0);
    return row.map((v) => (total > 0 ? v / total : 0));
  });
  return { classes, counts, normalized };
}

/** Chart data for a regressor: residuals and predicted against true. */
export function regressionCharts(args: { yTrue: ArrayLike<number>; pred: ArrayLike<number> }): RegressionCharts {
  const { yTrue, pred } = args;
  const n = yTrue.length;
  const residuals = Float64Array.from({ length: n }, (_, i) => yTrue[i] - pred[i]);
  const sample: RegressionCharts['predictedVsTrue'] = [];
  for (const i of evenSample(n, MAX_CURVE_POINTS)) sample.push({ true: yTrue[i], predicted: pred[i] });
  return {
    kind: 'regression',
    residualHistogram: histogram(residuals, HISTOGRAM_BINS),
    predictedVsTrue: sample,
    predictedVsTrueBins: predictionBins(yTrue, pred),
  };
}

/**
 * Chart data for a forecaster: `horizon[i]` is the 1-based step ahead of prediction i and
 * `time[i]` (optional) its timestamp in epoch ms.
 */
export function forecastingCharts(args: { yTrue: ArrayLike<number>; pred: ArrayLike<number>; horizon: ArrayLike<number>; time?: ArrayLike<number> }): ForecastingCharts {
  const { yTrue, pred, horizon, time } = args;
  const n = yTrue.length;
  const byStep = new Map<number, { count: number; actual: number; forecast: number; abs: number; sq: number }>();
  for (let i = 0; i < n; i++) {
    const h = horizon[i];
    let s = byStep.get(h);
    if (!s) byStep.set(h, (s = { count: 0, actual: 0, forecast: 0, abs: 0, sq: 0 }));
    const e = yTrue[i] - pred[i];
    s.count++;
    s.actual += yTrue[i];
    s.forecast += pred[i];
    s.abs += Math.abs(e);
    s.sq += e * e;
  }
  const byHorizon = [...byStep.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([h, s]) => ({ horizon: h, count: s.count, meanActual: s.actual / s.count, meanForecast: s.forecast / s.count, mae: s.abs / s.count, rmse: Math.sqrt(s.sq / s.count) }));
  const points: ForecastingCharts['points'] = [];
  // The most recent predictions are the ones a user checks first, so keep the tail.
  for (let i = Math.max(0, n - MAX_CURVE_POINTS); i < n; i++) {
    points.push({ index: i, ...(time ? { time: time[i] } : {}), horizon: horizon[i], actual: yTrue[i], forecast: pred[i] });
  }
  const residuals = Float64Array.from({ length: n }, (_, i) => yTrue[i] - pred[i]);
  return { kind: 'forecasting', byHorizon, points, residualHistogram: histogram(residuals, HISTOGRAM_BINS) };
}

/**
 * ROC points at (at most) MAX_CURVE_POINTS thresholds spread evenly over the sweep, read
 * straight from it: millions of rows never become millions of point objects.
 */
function rocPoints(sweep: BinarySweep): XYPoint[] {
  const points: XYPoint[] = [{ x: 0, y: 0 }];
  for (const t of evenSample(sweep.tps.length, MAX_CURVE_POINTS - 1)) {
    points.push({ x: sweep.negatives > 0 ? sweep.fps[t] / sweep.negatives : 0, y: sweep.positives > 0 ? sweep.tps[t] / sweep.positives : 0 });
  }
  return points;
}

function prPoints(sweep: BinarySweep): XYPoint[] {
  const points: XYPoint[] = [{ x: 0, y: 1 }];
  for (const t of evenSample(sweep.tps.length, MAX_CURVE_POINTS - 1)) {
    const predicted = sweep.tps[t] + sweep.fps[t];
    points.push({ x: sweep.positives > 0 ? sweep.tps[t] / sweep.positives : 0, y: predicted > 0 ? sweep.tps[t] / predicted : 1 });
  }
  return points;
}

/** Gains at every whole percent of rows taken, highest scores first (101 points). */
function gainsPoints(sweep: BinarySweep, n: number, weight?: ArrayLike<number>): XYPoint[] {
  let totalWeight = n;
  if (weight) {
    totalWeight = 0;
    for (let i = 0; i < n; i++) totalWeight += weight[i];
  }
  const points: XYPoint[] = [{ x: 0, y: 0 }];
  let t = 0;
  for (let q = 1; q <= 100; q++) {
    const taken = (q / 100) * totalWeight;
    // Advance to the last threshold whose rows fit in the share taken; within a tie group
    // the gain is interpolated linearly, as a random order inside the tie would give.
    while (t < sweep.tps.length && sweep.tps[t] + sweep.fps[t] <= taken) t++;
    const prevRows = t > 0 ? sweep.tps[t - 1] + sweep.fps[t - 1] : 0;
    const prevTp = t > 0 ? sweep.tps[t - 1] : 0;
    let tp = prevTp;
    if (t < sweep.tps.length) {
      const groupRows = sweep.tps[t] + sweep.fps[t] - prevRows;
      if (groupRows > 0) tp += ((taken - prevRows) / groupRows) * (sweep.tps[t] - prevTp);
    }
    points.push({ x: q / 100, y: sweep.positives > 0 ? Math.min(1, tp / sweep.positives) : 0 });
  }
  return points;
}

function calibrationBins(n: number, score: (i: number) => number, isPositive: (i: number) => boolean): CalibrationBin[] {
  const sum = new Float64Array(CALIBRATION_BINS);
  const pos = new Float64Array(CALIBRATION_BINS);
  const count = new Float64Array(CALIBRATION_BINS);
  for (let i = 0; i < n; i++) {
    const p = score(i);
    const b = Math.min(CALIBRATION_BINS - 1, Math.max(0, Math.floor(p * CALIBRATION_BINS)));
    sum[b] += p;
    count[b]++;
    if (isPositive(i)) pos[b]++;
  }
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < CALIBRATION_BINS; b++) {
    if (count[b] === 0) continue;
    bins.push({ low: b / CALIBRATION_BINS, high: (b + 1) / CALIBRATION_BINS, meanPredicted: sum[b] / count[b], fractionPositive: pos[b] / count[b], count: count[b] });
  }
  return bins;
}

function histogram(values: Float64Array, bins: number): HistogramBin[] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return [];
  if (max === min) return [{ low: min, high: max, count: values.length }];
  const width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - min) / width))]++;
  }
  return counts.map((count, b) => ({ low: min + b * width, high: min + (b + 1) * width, count }));
}

function predictionBins(yTrue: ArrayLike<number>, pred: ArrayLike<number>): PredictionBin[] {
  const n = yTrue.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    if (yTrue[i] < min) min = yTrue[i];
    if (yTrue[i] > max) max = yTrue[i];
  }
  if (n === 0) return [];
  const bins = max > min ? PREDICTION_BINS : 1;
  const width = max > min ? (max - min) / bins : 1;
  const members: number[][] = Array.from({ length: bins }, () => []);
  const trueSum = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const b = Math.min(bins - 1, Math.floor((yTrue[i] - min) / width));
    members[b].push(pred[i]);
    trueSum[b] += yTrue[i];
  }
  const out: PredictionBin[] = [];
  for (let b = 0; b < bins; b++) {
    const preds = Float64Array.from(members[b]).sort();
    if (preds.length === 0) continue;
    const q = (p: number): number => preds[Math.min(preds.length - 1, Math.floor(p * (preds.length - 1) + 0.5))];
    out.push({
      low: min + b * width,
      high: max > min ? min + (b + 1) * width : max,
      count: preds.length,
      meanTrue: trueSum[b] / preds.length,
      meanPredicted: preds.reduce((s, v) => s + v, 0) / preds.length,
      p5: q(0.05),
      p25: q(0.25),
      p75: q(0.75),
      p95: q(0.95),
    });
  }
  return out;
}

/** Indices of an even sample of at most `max` rows, first and last included. */
function evenSample(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, j) => Math.round((j * (n - 1)) / (max - 1)));
}

/** Linear interpolation of a monotone-in-x curve at x (the highest y at a repeated x). */
function interpolate(points: XYPoint[], x: number): number {
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (points[mid].x <= x) lo = mid;
    else hi = mid - 1;
  }
  const a = points[lo];
  const b = points[lo + 1];
  if (!b || b.x === a.x) return a.y;
  return a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
}

function trapezoid(points: XYPoint[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) area += ((points[i].x - points[i - 1].x) * (points[i].y + points[i - 1].y)) / 2;
  return area;
}
