/**
 * The public surface of Weir's WebAssembly gradient boosting (implemented in `index.ts`
 * over the AssemblyScript kernels in `assembly/`). Parameter names and defaults are
 * XGBoost's, so a user can move a configuration between the two unchanged.
 *
 * All calls are synchronous: a trial runs in its own worker thread, so blocking is fine
 * and avoids promise overhead in tight CV loops.
 */

export type GbdtObjective =
  | 'binary:logistic'
  | 'multi:softprob'
  | 'reg:squarederror'
  | 'reg:absoluteerror'
  | 'reg:pseudohubererror'
  | 'count:poisson'
  | 'reg:tweedie';

export type GbdtEvalMetric =
  | 'logloss'
  | 'auc'
  | 'error'
  | 'mlogloss'
  | 'merror'
  | 'rmse'
  | 'mae'
  // The defaults XGBoost uses for reg:pseudohubererror, count:poisson and reg:tweedie (XGBoost
  // names the last `tweedie-nloglik@ρ`; here ρ is the model's tweedie_variance_power).
  | 'mphe'
  | 'poisson-nloglik'
  | 'tweedie-nloglik';

export interface GbdtParams {
  objective?: GbdtObjective; // default 'reg:squarederror'
  num_class?: number; // required for multi:softprob
  num_boost_round?: number; // default 10 (xgboost.train's default)
  eta?: number; // 0.3
  max_depth?: number; // 6 (0 = unlimited, lossguide only)
  max_leaves?: number; // 0
  grow_policy?: 'depthwise' | 'lossguide';
  max_bin?: number; // 256
  gamma?: number; // 0
  lambda?: number; // 1
  alpha?: number; // 0
  min_child_weight?: number; // 1
  subsample?: number; // 1
  colsample_bytree?: number; // 1
  colsample_bynode?: number; // 1
  scale_pos_weight?: number; // 1
  base_score?: number; // 0.5 (XGBoost 1.7 default)
  max_delta_step?: number; // 0
  huber_slope?: number; // 1
  tweedie_variance_power?: number; // 1.5, in [1, 2) (reg:tweedie)
  seed?: number; // 0
  eval_metric?: GbdtEvalMetric | GbdtEvalMetric[];
  early_stopping_rounds?: number;
}

/**
 * A feature matrix in column-major order: column j occupies `values[j*rows, (j+1)*rows)`.
 * NaN marks a missing value.
 */
export interface FeatureMatrix {
  rows: number;
  cols: number;
  values: Float32Array;
  featureNames?: string[];
  /** 'q' (quantitative), 'int', 'i' (indicator), 'c' (categorical codes) — XGBoost's feature_types. */
  featureTypes?: string[];
}

export interface TrainData extends FeatureMatrix {
  label: Float32Array;
  weight?: Float32Array;
  /**
   * When set, the training rows are these rows of `values` (then a column-major matrix of
   * `values.length / cols` rows), in this order, and `rows` is `rowIndex.length`; `label` and
   * `weight` hold one value per training row. A caller that trains on part of a matrix it
   * keeps anyway (a fold's rows less the early-stopping share) passes the indices instead of a
   * gathered copy: the columns go straight into the booster's memory, one at a time.
   */
  rowIndex?: Uint32Array;
}

export interface EvalSet {
  name: string;
  data: TrainData;
}

/** What `train` takes besides XGBoost's parameters. */
export interface TrainOptions {
  /**
   * Read before each tree; once `aborted` is true, training throws CANCELED (WeirError) instead
   * of finishing its rounds — a caller that no longer wants the model stops it within one tree.
   */
  signal?: { readonly aborted: boolean };
}

export interface TrainResult {
  booster: Booster;
  /** Per eval set, per metric, one value per round. */
  evalHistory: Record<string, Record<string, number[]>>;
  /** Set when early stopping triggered or evals were given: 0-based best round. */
  bestIteration?: number;
  bestScore?: number;
}

export interface Booster {
  readonly numFeatures: number;
  readonly numClass: number; // 1 for binary and regression
  readonly numTrees: number;
  readonly params: Readonly<GbdtParams>;
  /**
   * Batch prediction. Binary/regression: one value per row; multi:softprob: rows*num_class
   * values, row-major. `outputMargin` returns raw scores. `iterationEnd` uses only the first N
   * boosting rounds (e.g. bestIteration + 1), as XGBoost's `iteration_range=(0, N)`.
   */
  predict(data: FeatureMatrix, options?: { outputMargin?: boolean; iterationEnd?: number }): Float32Array;
  /** XGBoost's importance types. Keys are feature names (or f0, f1…). */
  featureImportance(type: 'weight' | 'gain' | 'total_gain' | 'cover' | 'total_cover'): Record<string, number>;
  /**
   * XGBoost 1.7 `Booster.save_model('m.json')` format, as an object. To write a file XGBoost
   * can read use `toXGBoostJSONText()`: XGBoost's parser rejects whole-number floats written
   * without a decimal point, which `JSON.stringify` of this object produces.
   */
  toXGBoostJSON(): unknown;
  /** The same model as JSON text that Python's `xgboost.Booster(model_file=…)` loads. */
  toXGBoostJSONText(): string;
  /** Frees WASM memory; the booster is unusable afterwards. */
  dispose(): void;
}

/** What `engine/src/gbdt/index.ts` exports. */
export interface GbdtModule {
  train(data: TrainData, params: GbdtParams, evals?: EvalSet[], options?: TrainOptions): TrainResult;
  loadXGBoostJSON(json: unknown): Booster;
}
