import { WeirError } from '../errors';
import type { StepKind, StepProblem } from './stepKind';
import type { ColumnSchema } from '../store/records';
import { readTableFile } from '../automl/model/tableFiles';
import { runAutoML } from '../automl/runAutoML';
import { type AutoMLConfig, automlConfigSchema } from '../automl/settings';

/**
 * The test set's settings against the step's inputs: `test_data` must name an input, and
 * `test_data_size` cannot be combined with an input named `test_data` (which one would be
 * the test set?). With the test input's schema known, it must have the label column.
 */
function testSetProblems(config: AutoMLConfig, inputs: Record<string, unknown>): StepProblem[] {
  const names = Object.keys(inputs);
  if (config.test_data !== undefined && !(config.test_data in inputs)) {
    return [{ path: ['test_data'], message: `test_data names input '${config.test_data}', which the step does not have (inputs: ${names.join(', ') || 'none'})` }];
  }
  if (config.test_data_size !== undefined && 'test_data' in inputs) {
    return [{ path: ['test_data_size'], message: "the step has a test_data input and test_data_size: use one (remove the input, or test_data_size to score on it)" }];
  }
  const name = config.test_data_size === undefined ? (config.test_data ?? 'test_data') : undefined;
  const schema = name ? inputs[name] : undefined;
  if (Array.isArray(schema) && !schema.some((c: { name: string }) => c.name === config.label_column_name)) {
    return [{ path: [config.test_data ? 'test_data' : 'label_column_name'], message: `the test data (input '${name}') has no label column '${config.label_column_name}'` }];
  }
  return [];
}

/**
 * The `automl` step kind: Azure's `AutoMLConfig` + `AutoMLStep` on one machine. Inputs
 * `training_data` (and optionally `validation_data`), outputs `metrics` (the article's
 * metrics JSON) and `model` (a folder with model.json, charts, leaderboard, guardrails,
 * importances). The work itself is `runAutoML`; this file maps it onto the step API.
 */
export const automlStep: StepKind<AutoMLConfig> = {
  kind: 'automl',
  summary: 'Automated ML: featurization, a budgeted search over model families in worker threads, ensembles (Azure AutoMLStep).',
  docs: [
    '**automl** — trains and compares models automatically, as Azure `AutoMLConfig` + `AutoMLStep`, with the same setting names.',
    '',
    '```yaml',
    'automl:',
    '  task: classification',
    '  label_column_name: Survived',
    '  primary_metric: AUC_weighted',
    '  iterations: 20',
    '  experiment_timeout_minutes: 15',
    'inputs: { training_data: ${{ steps.dataprep.outputs.prepped }} }',
    '```',
    'Outputs: `metrics` (JSON: metric → iteration → value; `pd.DataFrame(json.load(f))` gives a row per trial) and `model` (a folder that `weir model predict`, the `score` step and `loadModel` read). Each trial is a child run.',
  ].join('\n'),
  configSchema: automlConfigSchema,
  outputs() {
    return { metrics: 'json', model: 'model' };
  },
  check(config, ctx) {
    // A metric that does not fit the task is already rejected by the schema (settings.ts), at the same path.
    const problems: StepProblem[] = [];
    const schema = ctx.inputSchemas.training_data;
    if (schema) {
      const names = new Set(schema.map((c) => c.name));
      const columns = `columns: ${schema.map((c) => c.name).join(', ')}`;
      const need: [string, (string | number)[]][] = [[config.label_column_name, ['label_column_name']]];
      if (config.weight_column_name) need.push([config.weight_column_name, ['weight_column_name']]);
      (config.cv_split_column_names ?? []).forEach((c, i) => need.push([c, ['cv_split_column_names', i]]));
      if (config.time_column_name) need.push([config.time_column_name, ['time_column_name']]);
      const ids = config.time_series_id_column_names;
      (ids === undefined ? [] : Array.isArray(ids) ? ids : [ids]).forEach((c, i) => need.push([c, Array.isArray(ids) ? ['time_series_id_column_names', i] : ['time_series_id_column_names']]));
      for (const [column, path] of need) {
        if (!names.has(column)) problems.push({ path, message: `column '${column}' is not in the training data (${columns})` });
      }
      const label = schema.find((c) => c.name === config.label_column_name);
      if (label && config.task !== 'classification') problems.push(...numericLabelProblems(label, config.task));
    }
    problems.push(...testSetProblems(config, ctx.inputSchemas));
    return problems;
  },
  async run(config, ctx) {
    const training = ctx.inputs.training_data;
    if (!training) throw new WeirError('BAD_INPUT', `automl step '${ctx.stepName}' needs an input named training_data`);
    const validationName = config.validation_data ?? 'validation_data';
    const validationInput = ctx.inputs[validationName];
    if (config.validation_data && !validationInput) throw new WeirError('BAD_INPUT', `validation_data names input '${config.validation_data}', which step '${ctx.stepName}' does not have`);
    // Upstream outputs are Parquet; `file:` inputs may be CSV, JSON or Arrow as well.
    const trainingTable = await readTableFile(training.path);
    const validationTable = validationInput ? await readTableFile(validationInput.path) : undefined;
    const testProblem = testSetProblems(config, ctx.inputs)[0];
    if (testProblem) throw new WeirError('BAD_INPUT', `automl step '${ctx.stepName}': ${testProblem.path.join('.')}: ${testProblem.message}`);
    const testInput = config.test_data_size === undefined ? ctx.inputs[config.test_data ?? 'test_data'] : undefined;
    const testTable = testInput ? await readTableFile(testInput.path) : undefined;
    const result = await runAutoML({
      config,
      training: trainingTable,
      validation: validationTable,
      test: testTable,
      outDir: ctx.outDir,
      log: (text) => ctx.log(text),
      reportTrial: (trial) => ctx.reportTrial(trial),
      signal: ctx.signal,
      concurrency: ctx.concurrency,
      ...(ctx.trialPool ? { trialPool: ctx.trialPool } : {}),
    });
    const headline: Record<string, number> = {};
    // The primary metric first: the editor shows a step's first metric as its headline.
    const primary = result.settings.primaryMetric;
    if (Number.isFinite(result.best.metrics[primary])) headline[primary] = result.best.metrics[primary]!;
    for (const [k, v] of Object.entries(result.best.metrics)) if (Number.isFinite(v)) headline[k] = v;
    // Test-set scores sit beside the validation ones as `test_<metric>`, so the run record,
    // `weir run show` and the registered model's metrics carry both.
    if (result.test) for (const [k, v] of Object.entries(result.test.metrics)) headline[`test_${k}`] = v;
    ctx.reportMetrics(headline);
    return { outputs: { metrics: result.metricsFile, model: result.modelDir }, metrics: headline };
  },
};

/**
 * A regression or forecasting label whose type says it is not a number: a date/time is an
 * error (the run refuses it); text is a warning, since text holding numbers (with `NA`-like
 * markers) is read as numbers when the run starts and only other text fails it.
 */
function numericLabelProblems(label: ColumnSchema, task: string): StepProblem[] {
  const type = label.type.toUpperCase();
  const hint = task === 'regression' ? ' Use task: classification for a label with categories.' : '';
  if (/^(DATE|TIME|TIMESTAMP|INTERVAL)/.test(type)) {
    return [{ path: ['label_column_name'], message: `label column '${label.name}' is ${label.type}; ${task} needs a numeric label` }];
  }
  if (/^(VARCHAR|TEXT|STRING|CHAR|BPCHAR|ENUM|UUID|BLOB)/.test(type)) {
    return [
      {
        path: ['label_column_name'],
        severity: 'warning',
        message: `label column '${label.name}' is ${label.type}; ${task} needs numbers, so the run fails unless every value is a number or a missing-value marker (NA, ?, …).${hint}`,
      },
    ];
  }
  return [];
}
