import type { FeaturizerState, MetricValues, Task } from '../types';
import type { EstimatorSpec } from './estimator';
import type { ForecastSpec } from '../forecast/forecastFeatures';

/**
 * `model.json`, the heart of the AutoML `model` output folder: everything `predict` needs,
 * as plain JSON — the fitted featurizer, the estimator (one trial's bagged fold models or
 * an ensemble), the input schema and the label mapping. The folder also holds
 * `charts.json`, `leaderboard.json`, `guardrails.json`, `importances.json` and
 * `explanations.json` for people.
 */
export interface ModelArtifact {
  format: 'weir-automl';
  version: 1;
  task: Task;
  labelColumn: string;
  /** How the label looked in the training data, so predictions come back in the same type. */
  labelType: 'number' | 'string' | 'boolean';
  /** Classification: class values in index order (as strings). */
  classes?: string[];
  primaryMetric: string;
  /** The chosen leaderboard row. */
  iteration: number;
  algorithm: string;
  metrics: MetricValues;
  featurizer: FeaturizerState;
  estimator: EstimatorSpec;
  /** Forecasting: how to build lag, window and calendar features at predict time. */
  forecast?: ForecastSpec;
  /** Test-set evaluation (`test_data` or `test_data_size`): the chosen model scored once on rows the search never saw. */
  test?: TestSetSummary;
  createdAt: string;
}

/** The test-set scores recorded in `model.json` (and so in every registered copy of the model). */
export interface TestSetSummary {
  source: 'test_data' | 'test_data_size';
  /** `test_data_size`: the share of labelled rows held out before the search. */
  fraction?: number;
  /** Test rows scored (rows with a label). */
  rows: number;
  /** Every metric of the task, of the chosen model on the test rows. */
  metrics: MetricValues;
  /** The same for each leaderboard row scored on the test set (the chosen model and each ensemble), by iteration. */
  byIteration: Record<string, MetricValues>;
}

export const MODEL_FILE = 'model.json';
export const CHARTS_FILE = 'charts.json';
export const LEADERBOARD_FILE = 'leaderboard.json';
export const GUARDRAILS_FILE = 'guardrails.json';
export const IMPORTANCES_FILE = 'importances.json';
/** Chart data of the chosen model from its test-set predictions (only with a test set). */
export const TEST_CHARTS_FILE = 'test-charts.json';
/** SHAP explanations of the model (engine/src/explain, docs/explain.md). */
export const EXPLANATIONS_FILE = 'explanations.json';
/** Chart data of the best leaderboard rows, one file per iteration: `trial-charts/<iteration>.json`. */
export const TRIAL_CHARTS_DIR = 'trial-charts';
/** How many of the best rows get a chart file. */
export const TRIAL_CHARTS_KEPT = 10;
