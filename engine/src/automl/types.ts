import type { FeatureMatrix } from '../gbdt/api';

/**
 * Contracts between the parts of the AutoML step: featurization, model families, metrics,
 * the search and the model artifact. Each part lives in its own folder under `automl/`.
 */

export type Task = 'classification' | 'regression' | 'forecasting';

// The columnar table belongs to the data layer; AutoML code keeps importing it from here.
import type { ColumnarTable, TableColumn } from '../data/columnar';
export type { ColumnarTable, TableColumn };

/** Data guardrail, with Azure's states. */
export interface Guardrail {
  name: 'Missing feature values imputation' | 'High cardinality feature detection' | 'Class balancing detection' | 'Validation split handling' | 'Target leakage detection' | string;
  status: 'Passed' | 'Done' | 'Alerted';
  description: string;
  /** Columns or classes involved, with numbers. */
  details?: Record<string, unknown>[];
}

/**
 * A fitted featurizer, as plain JSON so it is stored in the model artifact and rebuilt by
 * `predict`. `transform` of the same table always gives the same matrix.
 */
export interface FeaturizerState {
  version: 1;
  /** Input columns the model needs (name and type), in order; `predict` checks these. */
  inputSchema: { name: string; duckType: string }[];
  /** Output feature names, in matrix column order. */
  featureNames: string[];
  /** Per input column, how it was handled (for the model card and guardrails). */
  columns: FeaturizedColumn[];
}

export interface FeaturizedColumn {
  name: string;
  /** What Azure calls the detected purpose. */
  purpose: 'Numeric' | 'Categorical' | 'CategoricalHash' | 'DateTime' | 'Text' | 'Ignore' | 'Hashes' | 'Label';
  /** Why it was dropped or how it was encoded, in words. */
  note?: string;
  /** Encoding details (impute value, categories, hash buckets, datetime parts). */
  params: Record<string, unknown>;
}

export interface FeaturizationSettings {
  mode: 'auto' | 'off' | 'custom';
  /** Custom: per column purpose and imputation, as Azure's FeaturizationConfig. */
  columnPurposes?: Record<string, FeaturizedColumn['purpose']>;
  dropColumns?: string[];
  transformerParams?: Record<string, { strategy: 'mean' | 'median' | 'most_frequent' | 'constant'; fill_value?: number | string }>;
  blockedTransformers?: string[];
}

/** The label, encoded: class indices 0..k-1 for classification, values for regression. */
export interface EncodedLabel {
  values: Float32Array;
  /** Classification: original class values in index order (strings as they appear, numbers printed). */
  classes?: string[];
}

/** What a family's space and portfolio may depend on: the training table's size and, for regression, its label's shape. */
export interface FamilyData {
  rows: number;
  features: number;
  classes?: number;
  /** Regression: the label's smallest value and its skewness (sample, third standardized moment). */
  label?: { min: number; skew: number };
}

/**
 * A model family on the leaderboard. `fit` and `predict` run inside a trial worker;
 * everything a fitted model needs to predict is in `FittedModel.state` (plain JSON).
 */
export interface ModelFamily {
  /** Azure-style algorithm name shown on the leaderboard, e.g. `XGBoostClassifier`, `LogisticRegression`. */
  name: string;
  tasks: Task[];
  /** Relative cost of the cheapest configuration (for cost-frugal ordering). */
  initialCost: number;
  /** The hyperparameter space: numeric ranges (log scale where noted) and choices. */
  space(task: Task, data: FamilyData): HyperparameterSpace;
  /** The low-cost starting point of the search, as FLAML's `low_cost_init_value`. */
  lowCostConfig(task: Task, data: FamilyData): Record<string, number | string>;
  /**
   * Configurations known to be strong on tabular data, tried in order before the local
   * search (which then starts from the best of them). Without one the search starts from
   * `lowCostConfig`.
   */
  portfolio?(task: Task, data: FamilyData): Record<string, number | string>[];
  /**
   * A shallow, heavily regularised configuration the search runs right after the portfolio
   * when the portfolio's scores show a low-signal, overfitting-prone table (search/lowSignal.ts);
   * `capacity` names the parameter that sizes the trees (`max_leaves`).
   */
  lowSignal?(task: Task, data: FamilyData): { config: Record<string, number | string>; capacity: string };
  fit(args: FitArgs): FittedModel;
  /**
   * A fit in two stages, for a trial that fits several folds (the booster on small regression
   * tables): `pick` fits the fold and either returns the finished model or the number of rounds
   * (`rounds`) a refit on all of the fold's rows would use; the trial then refits every such
   * fold with the median of its folds' rounds (`refit`). `fit` is the two stages on one fold.
   */
  staged?: {
    pick(args: FitArgs): { model: FittedModel } | { rounds: number };
    refit(args: FitArgs, rounds: number): FittedModel;
  };
}

export type HyperparameterSpace = Record<
  string,
  | { type: 'float'; low: number; high: number; log?: boolean }
  | { type: 'int'; low: number; high: number; log?: boolean }
  | { type: 'choice'; values: (string | number)[] }
>;

export interface FitArgs {
  task: Task;
  X: FeatureMatrix;
  y: Float32Array;
  weight?: Float32Array;
  numClasses?: number;
  params: Record<string, number | string>;
  /** Optional validation set for early stopping. */
  valid?: { X: FeatureMatrix; y: Float32Array; weight?: Float32Array };
  seed: number;
  /**
   * Set while the fit is wanted: a long fit checks it between its units of work (a booster's
   * trees, a forest's trees, a linear model's iterations) and throws CANCELED once it reads
   * `aborted`, so a stopped trial hands its worker back instead of the worker being
   * terminated. An AbortSignal is one; a trial worker's reads a shared flag (trials/workerMain.ts).
   */
  signal?: CancelSignal;
}

/** What a fit reads to know it should stop (see `FitArgs.signal`). */
export interface CancelSignal {
  readonly aborted: boolean;
}

export interface FittedModel {
  family: string;
  /** Classification: rows × numClasses probabilities (row-major). Regression: one value per row. */
  predict(X: FeatureMatrix): Float64Array;
  /** Feature importances by feature name, when the family has them. */
  importances?(): Record<string, number>;
  /** Plain JSON that `restore` turns back into a model in another process. */
  state(): unknown;
  dispose?(): void;
}

/** Restores a FittedModel from `state()`, per family. */
export type RestoreModel = (family: string, state: unknown) => FittedModel;

/**
 * Metric computation on out-of-fold predictions.
 * Classification: `proba` is rows × k, row-major; `yTrue` holds class indices.
 * Regression: `pred` one value per row.
 */
export type MetricValues = Record<string, number>;
