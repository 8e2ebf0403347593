import os from 'node:os';
import { z } from 'zod';
import { WeirError } from '../errors';
import type { FeaturizationSettings, Task } from './types';
import { defaultPrimaryMetric, isHigherBetter, primaryMetrics } from './metrics/metricCatalog';

/**
 * The `automl` step's settings, with Azure's `AutoMLConfig` names so a user of the Azure
 * article can copy them. The schema only checks shapes and cross-field rules; `resolveSettings`
 * turns a parsed config plus the data's size into the effective plan (which validation,
 * how many folds, which budget).
 */

/** Azure's allowed primary metrics per task and the defaults, from the metric catalog. */
export const PRIMARY_METRICS: Record<Task, readonly string[]> = primaryMetrics;
export const DEFAULT_PRIMARY_METRIC: Record<Task, string> = defaultPrimaryMetric;

/**
 * Model names Weir implements, per task. A test checks these against the model families'
 * registry so the list cannot drift from what actually runs.
 */
export const WEIR_MODELS: Record<Task, readonly string[]> = {
  classification: ['LogisticRegression', 'DecisionTree', 'RandomForest', 'ExtremeRandomTrees', 'XGBoostClassifier'],
  regression: ['ElasticNet', 'DecisionTree', 'RandomForest', 'ExtremeRandomTrees', 'XGBoostRegressor'],
  forecasting: ['ElasticNet', 'DecisionTree', 'RandomForest', 'ExtremeRandomTrees', 'XGBoostRegressor', 'Naive', 'SeasonalNaive'],
};

/**
 * Model names Azure knows but Weir does not run. Accepted in `allowed_models` /
 * `blocked_models` (so a copied Azure config validates) and reported as skipped.
 */
export const AZURE_ONLY_MODELS: readonly string[] = [
  'AveragedPerceptronClassifier', 'BernoulliNaiveBayes', 'GradientBoosting', 'KNN', 'LightGBM',
  'LinearSVM', 'MultinomialNaiveBayes', 'SGD', 'SVM', 'TabnetClassifier', 'TabnetRegressor',
  'FastLinearRegressor', 'LassoLars', 'OnlineGradientDescentRegressor', 'Arimax', 'AutoArima', 'Average',
  'ExponentialSmoothing', 'Prophet', 'SeasonalAverage', 'TCNForecaster',
];

const imputeStrategy = z.object({
  strategy: z.enum(['mean', 'median', 'most_frequent', 'constant']).describe('How missing values of the column are filled.'),
  fill_value: z.union([z.number(), z.string()]).optional().describe('The value used when `strategy` is `constant`.'),
});

const featurizationConfig = z
  .strictObject({
    column_purposes: z
      .record(z.string(), z.enum(['Numeric', 'Categorical', 'CategoricalHash', 'DateTime', 'Text', 'Ignore', 'Hashes']))
      .optional()
      .describe("Azure's FeaturizationConfig.column_purposes: force a column's purpose, e.g. `{ Pclass: Categorical }`."),
    drop_columns: z.array(z.string()).optional().describe('Columns left out of training.'),
    transformer_params: z
      .strictObject({ Imputer: z.record(z.string(), imputeStrategy).optional().describe('Per column imputation, e.g. `{ Age: { strategy: median } }`.') })
      .optional()
      .describe("Azure's transformer_params, per column. Only the `Imputer` transformer is configurable."),
    blocked_transformers: z.array(z.string()).optional().describe('Transformers not to use, e.g. `[CatTargetEncoder]`.'),
  })
  .describe('Custom featurization (Azure FeaturizationConfig).');

const positive = (what: string) => z.number({ error: `${what} must be a number` }).positive({ error: `${what} must be greater than 0` });

/** A task's allowed primary metrics for the docs, its default first and marked, from the one catalog. */
function metricChoices(task: Task): string {
  const fallback = defaultPrimaryMetric[task];
  return [fallback, ...primaryMetrics[task].filter((m) => m !== fallback)].map((m) => (m === fallback ? `${m} (default)` : m)).join(', ');
}

const automlConfigObject = z.strictObject({
  task: z.enum(['classification', 'regression', 'forecasting']).describe('What to learn: `classification` (a class label), `regression` (a number) or `forecasting` (a number over time).'),
  primary_metric: z
    .string()
    .optional()
    .describe(`The metric the search optimises and the leaderboard is sorted by. Classification: ${metricChoices('classification')}. Regression and forecasting: ${metricChoices('forecasting')}.`),
  label_column_name: z.string().min(1).describe('The column to predict.'),
  iterations: z.number().int().min(1).max(1000).optional().describe('Maximum number of trials (model configurations) to try. Default 1000; ensembles are extra rows.'),
  iteration_timeout_minutes: positive('iteration_timeout_minutes').optional().describe('A trial still running after this many minutes is stopped and recorded as Canceled. Default: no limit.'),
  experiment_timeout_minutes: positive('experiment_timeout_minutes')
    .optional()
    .describe("Time budget of the whole search in minutes. No trial starts that cannot finish before it. Local budgets may be small (a 1-minute budget is fine; Azure's 15-minute minimum is a cloud limit)."),
  experiment_timeout_hours: positive('experiment_timeout_hours').optional().describe('The same budget in hours (set one of the two).'),
  experiment_exit_score: z.number().optional().describe('Stop the search once a trial reaches this primary metric value.'),
  enable_early_stopping: z.boolean().optional().describe('Stop the search after 20 trials in a row without a better primary metric. Default true.'),
  n_cross_validations: z
    .number()
    .int()
    .min(2)
    .max(50)
    .optional()
    .describe('Number of cross-validation folds. Default (as Azure): under 1,000 rows 10 folds, under 20,000 rows 3 folds, else a 10% holdout.'),
  validation_size: z.number().gt(0).lt(1).optional().describe('Fraction of the training data held out for validation instead of cross-validation.'),
  validation_data: z.string().optional().describe('Name of the step input that holds a separate validation table (default: the `validation_data` input when present).'),
  test_data: z
    .string()
    .optional()
    .describe('Name of the step input that holds a test table (default: the `test_data` input when present). The best model and each ensemble are scored once on it after the search; the search never sees it.'),
  test_data_size: z
    .number({ error: 'test_data_size must be a number' })
    .gt(0, { error: 'test_data_size must be a fraction between 0 and 1 (exclusive), e.g. 0.2' })
    .lt(1, { error: 'test_data_size must be a fraction between 0 and 1 (exclusive), e.g. 0.2' })
    .optional()
    .describe('Fraction of the training data held out as a test set before the search (stratified for classification, seeded). The best model and each ensemble are scored once on it.'),
  cv_split_column_names: z
    .array(z.string())
    .min(1)
    .optional()
    .describe('Columns that define custom folds: one column per fold, 1 marks a training row and 0 a validation row. The columns are not used as features.'),
  weight_column_name: z.string().optional().describe('Column of per-row sample weights. It is not used as a feature.'),
  featurization: z
    .union([z.enum(['auto', 'off']), featurizationConfig])
    .optional()
    .describe('`auto` (default): type inference, imputation, categorical encoding by cardinality, datetime parts, dropping constant and ID-like columns. `off`: numeric columns as they are. Or a FeaturizationConfig object.'),
  allowed_models: z.array(z.string()).optional().describe('Only these model families are searched, e.g. `[XGBoostClassifier, LogisticRegression]`.'),
  blocked_models: z.array(z.string()).optional().describe('Model families never searched.'),
  enable_voting_ensemble: z.boolean().optional().describe('Add a VotingEnsemble of the best trials (greedy ensemble selection on out-of-fold predictions). Default true.'),
  enable_stack_ensemble: z.boolean().optional().describe('Add a StackEnsemble (a linear meta-model over the best trials). Default true except for forecasting.'),
  max_concurrent_iterations: z.number().int().min(1).max(256).optional().describe('Trials that run at the same time, each in its own worker thread. Default: the number of CPU cores.'),
  seed: z.number().int().min(0).optional().describe('Random seed (Weir addition). With the same seed and `iterations` and no time limit, two runs give the same leaderboard. Default 0.'),
  time_column_name: z.string().optional().describe('Forecasting: the date/time column.'),
  time_series_id_column_names: z.union([z.string(), z.array(z.string())]).optional().describe('Forecasting: columns that identify each series when the table holds several.'),
  forecast_horizon: z.number().int().min(1).max(1000).optional().describe('Forecasting: how many periods ahead to predict. Default 1.'),
  target_lags: z
    .union([z.literal('auto'), z.number().int().min(1), z.array(z.number().int().min(1)).min(1)])
    .optional()
    .describe('Forecasting: past target values used as features, counted in periods before the forecast origin. `auto` picks up to one season.'),
  target_rolling_window_size: z
    .union([z.literal('auto'), z.number().int().min(2)])
    .optional()
    .describe('Forecasting: size of the window of past target values whose mean, min, max and std become features.'),
  seasonality: z.union([z.literal('auto'), z.number().int().min(1)]).optional().describe('Forecasting: the season length in periods (for SeasonalNaive and `auto` lags). `auto` infers it from the frequency.'),
});

export type AutoMLConfig = z.infer<typeof automlConfigObject>;

export const automlConfigSchema: z.ZodType<AutoMLConfig> = automlConfigObject.superRefine((c, ctx) => {
  const allowedMetrics = PRIMARY_METRICS[c.task];
  if (c.primary_metric !== undefined && !allowedMetrics.includes(c.primary_metric)) {
    ctx.addIssue({
      code: 'custom',
      path: ['primary_metric'],
      message: `primary_metric '${c.primary_metric}' does not fit task '${c.task}'; allowed: ${allowedMetrics.join(', ')}`,
    });
  }
  if (c.experiment_timeout_minutes !== undefined && c.experiment_timeout_hours !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['experiment_timeout_hours'], message: 'set either experiment_timeout_minutes or experiment_timeout_hours, not both' });
  }
  const budget = experimentTimeoutMinutes(c);
  if (budget !== undefined && c.iteration_timeout_minutes !== undefined && c.iteration_timeout_minutes > budget) {
    ctx.addIssue({
      code: 'custom',
      path: ['iteration_timeout_minutes'],
      message: `iteration_timeout_minutes (${c.iteration_timeout_minutes}) is longer than the experiment timeout (${budget} minutes)`,
    });
  }
  if (c.n_cross_validations !== undefined && c.validation_size !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['validation_size'], message: 'set either n_cross_validations or validation_size, not both' });
  }
  if (c.validation_data !== undefined && (c.n_cross_validations !== undefined || c.validation_size !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['validation_data'], message: 'validation_data cannot be combined with n_cross_validations or validation_size' });
  }
  if (c.cv_split_column_names !== undefined && (c.n_cross_validations !== undefined || c.validation_size !== undefined || c.validation_data !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['cv_split_column_names'], message: 'cv_split_column_names cannot be combined with n_cross_validations, validation_size or validation_data' });
  }
  if (c.test_data !== undefined && c.test_data_size !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['test_data_size'], message: 'set either test_data or test_data_size, not both' });
  }
  if (c.task === 'forecasting') {
    for (const key of ['test_data', 'test_data_size'] as const) {
      if (c[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies to tasks 'classification' and 'regression'; forecasting is validated by rolling origin` });
    }
  }
  const known = new Set([...WEIR_MODELS[c.task], ...AZURE_ONLY_MODELS]);
  for (const key of ['allowed_models', 'blocked_models'] as const) {
    (c[key] ?? []).forEach((name, i) => {
      if (!known.has(name)) {
        ctx.addIssue({ code: 'custom', path: [key, i], message: `unknown model '${name}' for task '${c.task}'; Weir runs: ${WEIR_MODELS[c.task].join(', ')}` });
      }
    });
  }
  if (c.allowed_models && c.allowed_models.length > 0 && !c.allowed_models.some((m) => WEIR_MODELS[c.task].includes(m) && !(c.blocked_models ?? []).includes(m))) {
    ctx.addIssue({ code: 'custom', path: ['allowed_models'], message: `none of the allowed models runs in Weir for task '${c.task}' (Weir runs: ${WEIR_MODELS[c.task].join(', ')})` });
  }
  if (c.task === 'forecasting') {
    if (!c.time_column_name) ctx.addIssue({ code: 'custom', path: ['time_column_name'], message: 'forecasting needs time_column_name' });
  } else {
    for (const key of ['time_column_name', 'time_series_id_column_names', 'forecast_horizon', 'target_lags', 'target_rolling_window_size', 'seasonality'] as const) {
      if (c[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies to task 'forecasting' only` });
    }
  }
});

export function experimentTimeoutMinutes(c: Pick<AutoMLConfig, 'experiment_timeout_minutes' | 'experiment_timeout_hours'>): number | undefined {
  if (c.experiment_timeout_minutes !== undefined) return c.experiment_timeout_minutes;
  if (c.experiment_timeout_hours !== undefined) return c.experiment_timeout_hours * 60;
  return undefined;
}

/** Parses a raw config (e.g. from a test or the JS API) and throws BAD_INPUT naming every problem. */
export function parseAutoMLConfig(raw: unknown): AutoMLConfig {
  const result = automlConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
    throw new WeirError('BAD_INPUT', `invalid automl settings: ${problems.join('; ')}`);
  }
  return result.data;
}

/** How trials are validated. */
export type ValidationPlan =
  | { type: 'cv'; folds: number }
  | { type: 'holdout'; fraction: number }
  | { type: 'validation_data'; input: string }
  | { type: 'custom_cv'; columns: string[] }
  | { type: 'rolling_origin'; folds: number };

/** Where the test set comes from. */
export type TestSetPlan = { type: 'test_data'; input: string } | { type: 'split'; fraction: number };

/** The settings with every default applied, for a table of known size. */
export interface ResolvedSettings {
  task: Task;
  primaryMetric: string;
  label: string;
  iterations: number;
  iterationTimeoutMs?: number;
  experimentTimeoutMs?: number;
  exitScore?: number;
  earlyStopping: boolean;
  /** Trials in a row without gain before early stopping. */
  earlyStoppingPatience: number;
  validation: ValidationPlan;
  /** True when the validation method was chosen from the data size (no setting given). */
  validationAutomatic: boolean;
  weightColumn?: string;
  /** A test set scored once after the search: a step input, or a share held out before it. */
  test?: TestSetPlan;
  featurization: FeaturizationSettings;
  allowedModels: string[];
  /** Azure model names the user allowed that Weir does not run (reported in the log). */
  skippedModels: string[];
  votingEnsemble: boolean;
  stackEnsemble: boolean;
  concurrency: number;
  seed: number;
  forecasting?: {
    timeColumn: string;
    seriesColumns: string[];
    horizon: number;
    lags: number[] | 'auto';
    rollingWindow: number | 'auto' | undefined;
    seasonality: number | 'auto';
  };
}

/** Rows at or above which Azure switches from cross-validation to a holdout. */
export const CV_ROW_LIMIT = 20_000;

export function resolveSettings(c: AutoMLConfig, data: { rows: number; hasValidationInput?: boolean; hasTestInput?: boolean; coreCount?: number }): ResolvedSettings {
  const budget = experimentTimeoutMinutes(c);
  let validation: ValidationPlan;
  const validationInput = c.validation_data ?? (data.hasValidationInput ? 'validation_data' : undefined);
  if (c.task === 'forecasting') {
    validation = { type: 'rolling_origin', folds: c.n_cross_validations ?? 3 };
  } else if (c.cv_split_column_names) {
    validation = { type: 'custom_cv', columns: c.cv_split_column_names };
  } else if (validationInput) {
    validation = { type: 'validation_data', input: validationInput };
  } else if (c.validation_size !== undefined) {
    validation = { type: 'holdout', fraction: c.validation_size };
  } else if (c.n_cross_validations !== undefined) {
    validation = { type: 'cv', folds: c.n_cross_validations };
  } else if (data.rows < 1_000) {
    validation = { type: 'cv', folds: 10 };
  } else if (data.rows < CV_ROW_LIMIT) {
    validation = { type: 'cv', folds: 3 };
  } else {
    validation = { type: 'holdout', fraction: 0.1 };
  }
  const blocked = new Set(c.blocked_models ?? []);
  const requested = c.allowed_models && c.allowed_models.length > 0 ? c.allowed_models : WEIR_MODELS[c.task];
  const allowedModels = requested.filter((m) => WEIR_MODELS[c.task].includes(m) && !blocked.has(m));
  const skippedModels = requested.filter((m) => !WEIR_MODELS[c.task].includes(m) && !blocked.has(m));
  const cores = data.coreCount ?? os.availableParallelism();
  const seriesColumns = c.time_series_id_column_names === undefined ? [] : Array.isArray(c.time_series_id_column_names) ? c.time_series_id_column_names : [c.time_series_id_column_names];
  return {
    task: c.task,
    primaryMetric: c.primary_metric ?? DEFAULT_PRIMARY_METRIC[c.task],
    label: c.label_column_name,
    iterations: c.iterations ?? 1000,
    iterationTimeoutMs: c.iteration_timeout_minutes === undefined ? undefined : c.iteration_timeout_minutes * 60_000,
    experimentTimeoutMs: budget === undefined ? undefined : budget * 60_000,
    exitScore: c.experiment_exit_score,
    earlyStopping: c.enable_early_stopping ?? true,
    earlyStoppingPatience: 20,
    validation,
    validationAutomatic: c.n_cross_validations === undefined && c.validation_size === undefined && !validationInput && !c.cv_split_column_names,
    weightColumn: c.weight_column_name,
    test: testSetPlan(c, data.hasTestInput ?? false),
    featurization: toFeaturizationSettings(c.featurization),
    allowedModels,
    skippedModels,
    votingEnsemble: c.enable_voting_ensemble ?? true,
    stackEnsemble: c.enable_stack_ensemble ?? c.task !== 'forecasting',
    concurrency: Math.max(1, c.max_concurrent_iterations ?? cores),
    seed: c.seed ?? 0,
    forecasting:
      c.task === 'forecasting'
        ? {
            timeColumn: c.time_column_name ?? '',
            seriesColumns,
            horizon: c.forecast_horizon ?? 1,
            lags: c.target_lags === undefined || c.target_lags === 'auto' ? 'auto' : Array.isArray(c.target_lags) ? c.target_lags : Array.from({ length: c.target_lags }, (_, i) => i + 1),
            rollingWindow: c.target_rolling_window_size,
            seasonality: c.seasonality ?? 'auto',
          }
        : undefined,
  };
}

/** The test set a config asks for: `test_data_size`, else the `test_data` input (named, or present by its default name). */
export function testSetPlan(c: AutoMLConfig, hasTestInput: boolean): TestSetPlan | undefined {
  if (c.test_data_size !== undefined) return { type: 'split', fraction: c.test_data_size };
  const input = c.test_data ?? (hasTestInput ? 'test_data' : undefined);
  return input ? { type: 'test_data', input } : undefined;
}

function toFeaturizationSettings(f: AutoMLConfig['featurization']): FeaturizationSettings {
  if (f === undefined || f === 'auto') return { mode: 'auto' };
  if (f === 'off') return { mode: 'off' };
  return {
    mode: 'custom',
    columnPurposes: f.column_purposes,
    dropColumns: f.drop_columns,
    transformerParams: f.transformer_params?.Imputer,
    blockedTransformers: f.blocked_transformers,
  };
}

/** Whether a bigger value of the metric is better (Azure's error metrics are minimised). */
export function metricGoal(metric: string): 'maximize' | 'minimize' {
  return isHigherBetter(metric) ? 'maximize' : 'minimize';
}
