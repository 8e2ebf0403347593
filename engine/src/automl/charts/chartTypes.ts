/**
 * The JSON the AutoML step stores per trial (and for the best model) for the editor's
 * charts. Plain data only — this file has no imports, so the webview bundle can import it
 * as it is. Every curve holds at most `MAX_CURVE_POINTS` points, so a chart file stays a
 * few tens of kilobytes whatever the size of the data.
 */

export const MAX_CURVE_POINTS = 200;

export type TrialCharts = ClassificationCharts | RegressionCharts | ForecastingCharts;

export interface XYPoint {
  x: number;
  y: number;
}

/** One curve; `label` is a class name, or `micro` / `macro` for the pooled and averaged curves. */
export interface LabeledCurve {
  label: string;
  points: XYPoint[];
}

export interface ClassificationCharts {
  kind: 'classification';
  /** Class names in index order. Per-class curves cover at most the first 20 classes. */
  classes: string[];
  /** x = false positive rate, y = true positive rate. One per class, plus `micro` and `macro`. */
  roc: (LabeledCurve & { auc: number })[];
  /** x = recall, y = precision. One per class, plus `micro`. */
  precisionRecall: (LabeledCurve & { averagePrecision: number })[];
  /** Reliability diagram: 10 equal-width bins of predicted probability (empty bins left out). */
  calibration: { label: string; bins: CalibrationBin[] }[];
  /** x = share of rows taken (0..1, highest scores first), y = lift over random (gains / x). */
  lift: LabeledCurve[];
  /** x = share of rows taken (0..1), y = share of that class's rows captured. */
  cumulativeGains: LabeledCurve[];
  confusionMatrix: ConfusionMatrix;
}

export interface CalibrationBin {
  /** Bin bounds on the predicted probability. */
  low: number;
  high: number;
  meanPredicted: number;
  fractionPositive: number;
  count: number;
}

export interface ConfusionMatrix {
  /** Class names; rows are true classes, columns predicted classes. */
  classes: string[];
  counts: number[][];
  /** Each row divided by its total (0 for a class with no rows). */
  normalized: number[][];
}

export interface RegressionCharts {
  kind: 'regression';
  /** Histogram of residuals (true − predicted) in equal-width bins. */
  residualHistogram: HistogramBin[];
  /** Up to 200 rows (an even sample when there are more) for a scatter of predicted vs true. */
  predictedVsTrue: { true: number; predicted: number }[];
  /** Equal-width bins of the true value with the spread of predictions in each, for big data. */
  predictedVsTrueBins: PredictionBin[];
}

export interface HistogramBin {
  low: number;
  high: number;
  count: number;
}

export interface PredictionBin {
  low: number;
  high: number;
  count: number;
  meanTrue: number;
  meanPredicted: number;
  /** 5th, 25th, 75th and 95th percentiles of the predictions in the bin. */
  p5: number;
  p25: number;
  p75: number;
  p95: number;
}

export interface ForecastingCharts {
  kind: 'forecasting';
  /** Per horizon step (1 = one step ahead): mean actual and forecast, and the errors. */
  byHorizon: { horizon: number; count: number; meanActual: number; meanForecast: number; mae: number; rmse: number }[];
  /** Up to 200 points for a forecast-vs-actual line chart, in input order. */
  points: { index: number; time?: number; horizon: number; actual: number; forecast: number }[];
  residualHistogram: HistogramBin[];
}
