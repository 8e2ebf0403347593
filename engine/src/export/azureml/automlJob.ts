import { type AutoMLConfig, DEFAULT_PRIMARY_METRIC, experimentTimeoutMinutes } from '../../automl/settings';
import { AZURE_ALGORITHM_NAMES, AZURE_COLUMN_PURPOSES, AZURE_TASK_ALGORITHMS, AZURE_TRANSFORMER_NAMES } from './algorithms';

/**
 * How every `automl` setting Weir accepts becomes part of Azure's native `automl` job (CLI
 * v2, `type: automl`). `azure` is the key path in the emitted node; `null` means Azure has no
 * counterpart and the exporter says so in a warning (or translates it, as `drop_columns`
 * becomes a prep job). The `Record` over `keyof AutoMLConfig` makes a new setting in
 * settings.ts a type error here until it is mapped, and the table-driven test in
 * test/export checks each row against what the exporter actually emits.
 */
export type SettingMapping = { azure: string; how: string } | { azure: null; how: string };

export const AUTOML_SETTING_MAP: Record<keyof AutoMLConfig, SettingMapping> = {
  task: { azure: 'task', how: 'same values' },
  primary_metric: { azure: 'primary_metric', how: 'same names; Weir\'s default is written out' },
  label_column_name: { azure: 'target_column_name', how: 'renamed' },
  iterations: { azure: 'limits.max_trials', how: 'renamed' },
  iteration_timeout_minutes: { azure: 'limits.trial_timeout_minutes', how: 'rounded up to whole minutes' },
  experiment_timeout_minutes: { azure: 'limits.timeout_minutes', how: 'rounded up to whole minutes, at least 15 (Azure\'s minimum; a warning says when it was raised)' },
  experiment_timeout_hours: { azure: 'limits.timeout_minutes', how: 'converted to minutes, at least 15' },
  experiment_exit_score: { azure: 'limits.exit_score', how: 'renamed' },
  enable_early_stopping: { azure: 'limits.enable_early_termination', how: 'renamed' },
  max_concurrent_iterations: { azure: 'limits.max_concurrent_trials', how: 'renamed; on Azure it is also bounded by the cluster\'s nodes' },
  n_cross_validations: { azure: 'n_cross_validations', how: 'same' },
  validation_size: { azure: 'validation_data_size', how: 'renamed' },
  validation_data: { azure: 'validation_data', how: 'the named step input, bound as an MLTable' },
  cv_split_column_names: { azure: 'cv_split_column_names', how: 'same' },
  weight_column_name: { azure: 'weight_column_name', how: 'same' },
  test_data: { azure: 'test_data', how: 'the named step input (default: an input named test_data), bound as an MLTable' },
  test_data_size: { azure: 'test_data_size', how: 'same' },
  featurization: { azure: 'featurization', how: '`auto` / `"off"` (quoted) become `mode`; an object becomes `mode: custom` with column_name_and_types, transformer_params.imputer and blocked_transformers; drop_columns and `Ignore` purposes become a prep job that drops the columns' },
  allowed_models: { azure: 'training.allowed_training_algorithms', how: 'Azure\'s CLI v2 names (XGBoostClassifier → xg_boost_classifier)' },
  blocked_models: { azure: 'training.blocked_training_algorithms', how: 'Azure\'s CLI v2 names' },
  enable_voting_ensemble: { azure: 'training.enable_vote_ensemble', how: 'renamed' },
  enable_stack_ensemble: { azure: 'training.enable_stack_ensemble', how: 'same' },
  seed: { azure: null, how: 'Azure AutoML takes no seed: a warning says the cloud search will not repeat the local one (use --automl weir for that)' },
  time_column_name: { azure: 'forecasting.time_column_name', how: 'in the nested forecasting block' },
  time_series_id_column_names: { azure: 'forecasting.time_series_id_column_names', how: 'always a list' },
  forecast_horizon: { azure: 'forecasting.forecast_horizon', how: 'same' },
  target_lags: { azure: 'forecasting.target_lags', how: 'a number N becomes the list 1…N, which is what Weir uses' },
  target_rolling_window_size: { azure: 'forecasting.target_rolling_window_size', how: 'same' },
  seasonality: { azure: 'forecasting.seasonality', how: 'same' },
};

/** Azure's smallest experiment timeout for tabular AutoML jobs, in minutes. */
export const AZURE_MIN_TIMEOUT_MINUTES = 15;

/** What the automl node builder needs from the exporter. */
export interface AutomlNodeContext {
  /** The Azure binding of a step input (`${{parent.…}}`), or undefined when the step has no such input. */
  inputBinding(name: string): string | undefined;
  /** Names of the step's inputs. */
  inputNames: string[];
  /** Records a warning at a YAML path below the step's `automl:` key. */
  warn(path: (string | number)[], message: string): void;
}

export interface AutomlNode {
  node: Record<string, unknown>;
  /** Columns to drop before training (featurization drop_columns and `Ignore` purposes). */
  dropColumns: string[];
}

/** Builds Azure's `type: automl` node from a Weir automl step's settings. */
export function buildAutomlNode(c: AutoMLConfig, ctx: AutomlNodeContext): AutomlNode {
  const node: Record<string, unknown> = {
    type: 'automl',
    task: c.task,
    primary_metric: c.primary_metric ?? DEFAULT_PRIMARY_METRIC[c.task],
    target_column_name: c.label_column_name,
  };
  const training = ctx.inputBinding('training_data');
  if (training === undefined) ctx.warn([], 'an automl step needs an input named training_data; Azure will reject the job without training_data');
  else node.training_data = training;

  const validationInput = c.validation_data ?? (ctx.inputNames.includes('validation_data') ? 'validation_data' : undefined);
  if (validationInput !== undefined) {
    const binding = ctx.inputBinding(validationInput);
    if (binding === undefined) ctx.warn(['validation_data'], `validation_data names input '${validationInput}', which the step does not have`);
    else node.validation_data = binding;
  }
  const testInput = c.test_data ?? (c.test_data_size === undefined && ctx.inputNames.includes('test_data') ? 'test_data' : undefined);
  if (testInput !== undefined) {
    const binding = ctx.inputBinding(testInput);
    if (binding === undefined) ctx.warn(['test_data'], `test_data names input '${testInput}', which the step does not have`);
    else node.test_data = binding;
  }
  if (c.test_data_size !== undefined) node.test_data_size = c.test_data_size;
  const known = new Set(['training_data', validationInput, testInput]);
  for (const name of ctx.inputNames) {
    if (!known.has(name)) ctx.warn([], `step input '${name}' is not training, validation or test data; Azure's automl job has no place for it`);
  }
  if (c.n_cross_validations !== undefined) node.n_cross_validations = c.n_cross_validations;
  if (c.validation_size !== undefined) node.validation_data_size = c.validation_size;
  if (c.cv_split_column_names !== undefined) node.cv_split_column_names = [...c.cv_split_column_names];
  if (c.weight_column_name !== undefined) node.weight_column_name = c.weight_column_name;

  const limits: Record<string, unknown> = {};
  if (c.iterations !== undefined) limits.max_trials = c.iterations;
  const budget = experimentTimeoutMinutes(c);
  if (budget !== undefined) {
    const key = c.experiment_timeout_minutes !== undefined ? 'experiment_timeout_minutes' : 'experiment_timeout_hours';
    let minutes = Math.ceil(budget);
    if (minutes !== budget) ctx.warn([key], `Azure takes whole minutes: timeout_minutes is ${minutes} (rounded up from ${budget})`);
    if (minutes < AZURE_MIN_TIMEOUT_MINUTES) {
      ctx.warn([key], `Azure's smallest AutoML timeout is ${AZURE_MIN_TIMEOUT_MINUTES} minutes: timeout_minutes is ${AZURE_MIN_TIMEOUT_MINUTES} instead of ${minutes}`);
      minutes = AZURE_MIN_TIMEOUT_MINUTES;
    }
    limits.timeout_minutes = minutes;
  }
  if (c.iteration_timeout_minutes !== undefined) {
    const minutes = Math.ceil(c.iteration_timeout_minutes);
    if (minutes !== c.iteration_timeout_minutes) ctx.warn(['iteration_timeout_minutes'], `Azure takes whole minutes: trial_timeout_minutes is ${minutes} (rounded up from ${c.iteration_timeout_minutes})`);
    limits.trial_timeout_minutes = minutes;
  }
  if (c.max_concurrent_iterations !== undefined) limits.max_concurrent_trials = c.max_concurrent_iterations;
  if (c.experiment_exit_score !== undefined) limits.exit_score = c.experiment_exit_score;
  if (c.enable_early_stopping !== undefined) limits.enable_early_termination = c.enable_early_stopping;
  if (Object.keys(limits).length) node.limits = limits;

  const trainingBlock: Record<string, unknown> = {};
  if (c.enable_voting_ensemble !== undefined) trainingBlock.enable_vote_ensemble = c.enable_voting_ensemble;
  if (c.enable_stack_ensemble !== undefined) trainingBlock.enable_stack_ensemble = c.enable_stack_ensemble;
  for (const [key, azureKey] of [
    ['allowed_models', 'allowed_training_algorithms'],
    ['blocked_models', 'blocked_training_algorithms'],
  ] as const) {
    const names = c[key];
    if (names === undefined) continue;
    const mapped: string[] = [];
    names.forEach((name, i) => {
      const azure = AZURE_ALGORITHM_NAMES[name];
      if (azure === undefined) ctx.warn([key, i], `model '${name}' has no Azure CLI v2 name; it is left out of ${azureKey}`);
      else if (!AZURE_TASK_ALGORITHMS[c.task].includes(azure)) ctx.warn([key, i], `Azure's ${c.task} jobs do not train '${name}' (${azure}); it is left out of ${azureKey}`);
      else mapped.push(azure);
    });
    trainingBlock[azureKey] = mapped;
  }
  if (Object.keys(trainingBlock).length) node.training = trainingBlock;

  const dropColumns: string[] = [];
  const f = c.featurization;
  if (f === 'auto' || f === 'off') {
    node.featurization = { mode: f };
  } else if (f !== undefined) {
    const featurization: Record<string, unknown> = { mode: 'custom' };
    const types: Record<string, string> = {};
    for (const [column, purpose] of Object.entries(f.column_purposes ?? {})) {
      if (purpose === 'Ignore') dropColumns.push(column);
      else types[column] = AZURE_COLUMN_PURPOSES[purpose] ?? purpose;
    }
    if (Object.keys(types).length) featurization.column_name_and_types = types;
    const imputer = f.transformer_params?.Imputer;
    if (imputer && Object.keys(imputer).length) {
      featurization.transformer_params = {
        imputer: Object.entries(imputer).map(([column, params]) => ({
          fields: [column],
          parameters: params.fill_value === undefined ? { strategy: params.strategy } : { strategy: params.strategy, fill_value: params.fill_value },
        })),
      };
    }
    if (f.blocked_transformers) {
      const blocked: string[] = [];
      f.blocked_transformers.forEach((name, i) => {
        const azure = AZURE_TRANSFORMER_NAMES[name] ?? (Object.values(AZURE_TRANSFORMER_NAMES).includes(name) ? name : undefined);
        if (azure === undefined) ctx.warn(['featurization', 'blocked_transformers', i], `transformer '${name}' has no Azure CLI v2 name; it is left out of blocked_transformers`);
        else blocked.push(azure);
      });
      featurization.blocked_transformers = blocked;
    }
    for (const column of f.drop_columns ?? []) if (!dropColumns.includes(column)) dropColumns.push(column);
    node.featurization = featurization;
  }

  if (c.seed !== undefined) ctx.warn(['seed'], 'Azure AutoML takes no seed, so the cloud search will not repeat the local one; export with --automl weir to run Weir\'s own search');

  if (c.task === 'forecasting') {
    const forecasting: Record<string, unknown> = {};
    if (c.time_column_name !== undefined) forecasting.time_column_name = c.time_column_name;
    if (c.time_series_id_column_names !== undefined) {
      forecasting.time_series_id_column_names = Array.isArray(c.time_series_id_column_names) ? [...c.time_series_id_column_names] : [c.time_series_id_column_names];
    }
    if (c.forecast_horizon !== undefined) forecasting.forecast_horizon = c.forecast_horizon;
    if (c.target_lags !== undefined) {
      forecasting.target_lags = typeof c.target_lags === 'number' ? Array.from({ length: c.target_lags }, (_, i) => i + 1) : c.target_lags === 'auto' ? 'auto' : [...c.target_lags];
    }
    if (c.target_rolling_window_size !== undefined) forecasting.target_rolling_window_size = c.target_rolling_window_size;
    if (c.seasonality !== undefined) forecasting.seasonality = c.seasonality;
    node.forecasting = forecasting;
  }
  node.outputs = { best_model: { type: 'mlflow_model' } };
  return { node, dropColumns };
}
