import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../errors';
import type { FeatureMatrix } from '../gbdt/api';
import type { TrialRecord } from '../store/records';
import { classificationCharts, forecastingCharts, regressionCharts } from './charts';
import { type EnsembleResult, bagged, buildEnsembles } from './ensemble/buildEnsembles';
import { allFamilies } from './families';
import { cellAsNumber, encodeLabel, fitFeaturizer, transform } from './featurize';
import { buildForecastTable, type ForecastTable } from './forecast/forecastFeatures';
import { type ValidationPlan as GuardrailValidation, dataGuardrails, validationSplitGuardrail } from './guardrails';
import { evaluateTestSet, holdOutTestSet, testSetLogLines, withTestMetrics } from './evaluation/testSet';
import { computeMetrics } from './metrics';
import { type EstimatorSpec, baselinePrediction } from './model/estimator';
import {
  CHARTS_FILE,
  GUARDRAILS_FILE,
  IMPORTANCES_FILE,
  LEADERBOARD_FILE,
  MODEL_FILE,
  TEST_CHARTS_FILE,
  TRIAL_CHARTS_DIR,
  TRIAL_CHARTS_KEPT,
  type ModelArtifact,
  type TestSetSummary,
} from './model/modelArtifact';
import { type AutoMLConfig, type ResolvedSettings, resolveSettings, testSetPlan } from './settings';
import type { SearchFamily } from './search/costFrugalSearch';
import { type TrialResult, leaderboardOrder, runSearch } from './search/runSearch';
import { type Fold, customFolds, holdoutSplit, kFold, rollingOriginFolds, stratifiedKFold } from './splitFolds';
import { TrialPool, shareTrialData } from './trials/trialPool';
import type { ColumnarTable, FeaturizerState, Guardrail, MetricValues } from './types';
import { explainModelFolder } from '../explain/explanationsFile';

/** Fewer labelled rows than this cannot be cross-validated meaningfully. */
export const MIN_TRAINING_ROWS = 10;

export interface AutoMLRunArgs {
  config: AutoMLConfig;
  training: ColumnarTable;
  validation?: ColumnarTable;
  /** The `test_data` input's table: scored once after the search, never searched on. */
  test?: ColumnarTable;
  /** Folder the `model` output folder and `metrics.json` are written into. */
  outDir: string;
  log(text: string): void;
  reportTrial?(trial: TrialRecord): Promise<void>;
  signal: AbortSignal;
  /** Upper bound on worker threads (the step's concurrency); `max_concurrent_iterations` may lower it. */
  concurrency?: number;
  /** Overrides the trial worker script (tests). */
  workerPath?: string;
}

export interface AutoMLRunResult {
  modelDir: string;
  metricsFile: string;
  best: TrialResult;
  leaderboard: TrialResult[];
  settings: ResolvedSettings;
  stopReason: string;
  guardrails: Guardrail[];
  /** Test-set scores of the chosen model and each ensemble, when a test set was given. */
  test?: TestSetSummary;
}

/**
 * The AutoML step's work from tables to files: label and featurization, guardrails,
 * folds, the budgeted search in worker threads, the ensembles, and the outputs (the
 * `model` folder and the metrics JSON). Nothing is written outside `outDir`, so a failure
 * leaves nothing half-registered.
 */
export async function runAutoML(a: AutoMLRunArgs): Promise<AutoMLRunResult> {
  const started = performance.now();
  const task = a.config.task;
  // The test rows leave first, so featurization, folds, search and ensembles never see them.
  const held = holdOutTestSet(a.config, testSetPlan(a.config, a.test !== undefined), a.training, a.test);
  a = { ...a, training: held.training };
  const provisional = resolveSettings(a.config, { rows: a.training.rows, hasValidationInput: a.validation !== undefined, hasTestInput: a.test !== undefined });
  const concurrency = Math.max(1, Math.min(provisional.concurrency, a.concurrency ?? provisional.concurrency));
  const settings: ResolvedSettings = { ...provisional, concurrency };
  checkColumns(a.training, settings);
  if (settings.skippedModels.length) a.log(`Azure models Weir does not run, skipped: ${settings.skippedModels.join(', ')}`);

  const prepared = task === 'forecasting' ? prepareForecasting(a.training, settings) : prepareTabular(a, settings);
  const { X, y, weight, folds, classes, featurizer, guardrails } = prepared;
  const rowsUsed = y.length;
  a.log(
    `AutoML ${task}: ${rowsUsed} rows × ${X.cols} features, primary metric ${settings.primaryMetric}, ` +
      `validation ${describeValidation(settings, folds)}, up to ${settings.iterations} iterations` +
      `${settings.experimentTimeoutMs ? `, budget ${(settings.experimentTimeoutMs / 60_000).toFixed(2)} min` : ''}, ${concurrency} worker${concurrency > 1 ? 's' : ''}`,
  );
  for (const g of guardrails) a.log(`guardrail ${g.status.padEnd(7)} ${g.name}: ${g.description}`);
  if (held.test) a.log(`test set: ${held.test.source === 'test_data' ? `the test_data input (${held.test.table.rows} rows)` : `${held.test.table.rows} rows held out (test_data_size ${held.test.fraction})`}, scored once after the search`);

  const evalRows = concatRows(folds);
  const yEval = Float32Array.from(evalRows, (i) => y[i]);
  const wEval = weight ? Float32Array.from(evalRows, (i) => weight[i]) : undefined;
  const numClasses = classes?.length;
  // Forecasting models learn the change since the origin; metrics are on the series' own scale.
  const base = prepared.forecast?.base;
  const baseEval = base ? Float64Array.from(evalRows, (i) => base[i]) : undefined;
  const yTrueEval = baseEval ? Float64Array.from(yEval, (v, i) => v + baseEval[i]) : yEval;
  // Normalized metrics divide by the label's range over the whole training data, as Azure does.
  const labelRange = task === 'classification' ? undefined : rangeOf(base ? Float64Array.from(y, (v, i) => v + base[i]) : y);
  const toScale = (oof: Float64Array, rows?: Uint32Array): Float64Array =>
    baseEval ? Float64Array.from(oof, (v, i) => v + baseEval[rows ? rows[i] : i]) : oof;
  const evaluate = (oof: Float64Array): MetricValues => computeMetrics({ task, yTrue: yTrueEval, pred: toScale(oof), numClasses, weight: wEval, labelRange });
  const width = task === 'classification' ? numClasses! : 1;

  const families: SearchFamily[] = allFamilies()
    .filter((f) => f.tasks.includes(task === 'forecasting' ? 'regression' : task) && settings.allowedModels.includes(f.name))
    .map((f) => {
      const familyTask = task === 'forecasting' ? 'regression' : task;
      const dims = { rows: rowsUsed, features: X.cols, classes: numClasses };
      return { name: f.name, initialCost: f.initialCost, space: f.space(familyTask, dims), lowCost: f.lowCostConfig(familyTask, dims), portfolio: f.portfolio?.(familyTask, dims) };
    });

  const trialsOut: TrialResult[] = [];
  const report = async (t: TrialResult) => {
    trialsOut.push(t);
    await a.reportTrial?.(toTrialRecord(t));
  };

  // Forecasting baselines need no fitting: they are feature columns, scored like any trial.
  const baselineSpecs = new Map<number, EstimatorSpec>();
  let iterationOffset = 0;
  if (task === 'forecasting' && settings.allowedModels.some((m) => m === 'Naive' || m === 'SeasonalNaive')) {
    for (const [algorithm, feature] of [
      ['Naive', undefined],
      ['SeasonalNaive', 'seasonal'],
    ] as const) {
      if (!settings.allowedModels.includes(algorithm)) continue;
      const t0 = performance.now();
      const all = baselinePrediction(X, feature);
      const oof = Float64Array.from(evalRows, (i) => all[i]);
      const metrics = evaluate(oof);
      const t: TrialResult = {
        iteration: iterationOffset,
        algorithm,
        params: { predicts: feature ? 'the value one season before the target' : 'the last value' },
        status: 'Completed',
        metrics,
        score: metrics[settings.primaryMetric] ?? NaN,
        startedAt: new Date().toISOString(),
        durationMs: Math.round(performance.now() - t0),
        cost: 0,
        oof,
        width: 1,
        states: [],
      };
      baselineSpecs.set(iterationOffset, { type: 'baseline', algorithm, ...(feature ? { feature } : {}) });
      iterationOffset++;
      await report(t);
      a.log(leaderboardLine(t, settings.primaryMetric, bestOf(trialsOut, settings.primaryMetric)));
    }
  }

  let stopReason = 'no model families to search';
  if (families.length > 0) {
    const shared = shareTrialData({ task: task === 'forecasting' ? 'regression' : task, numClasses, X, y, weight, folds });
    const workers = workersForMemory(concurrency, X, folds);
    if (workers < concurrency) a.log(`running ${workers} worker${workers > 1 ? 's' : ''} instead of ${concurrency}: each needs about ${Math.round(workerBytes(X, folds) / 2 ** 20)} MB for its copy of the folds`);
    const pool = new TrialPool(shared, workers, a.workerPath);
    const searchStarted = performance.now();
    const deadline = searchDeadline(started, settings);
    try {
      const outcome = await runSearch({
        runner: {
          size: pool.size,
          warmUp: () => pool.warmUp(),
          run: (request, timeoutMs, keep) => pool.run(request, timeoutMs, keep),
          cancel: (i, r) => pool.cancel(i, r),
          cancelAll: (r) => pool.cancelAll(r),
        },
        families,
        iterations: Math.max(0, settings.iterations - iterationOffset),
        primaryMetric: settings.primaryMetric,
        seed: settings.seed,
        deadline,
        iterationTimeoutMs: settings.iterationTimeoutMs,
        earlyStopping: settings.earlyStopping,
        patience: settings.earlyStoppingPatience,
        exitScore: settings.exitScore,
        evaluate: (oof) => evaluate(oof),
        keepTop: 15,
        signal: a.signal,
        onNote: (text) => a.log(text),
        firstIteration: iterationOffset,
        onTrial: async (t) => {
          await report(t);
          a.log(leaderboardLine(t, settings.primaryMetric, bestOf(trialsOut, settings.primaryMetric)));
        },
      });
      stopReason = outcome.stopReason;
      const searchSeconds = (performance.now() - searchStarted) / 1000;
      a.log(
        `budget: search ${searchSeconds.toFixed(1)} s${settings.experimentTimeoutMs ? ` of ${(settings.experimentTimeoutMs / 1000).toFixed(0)} s` : ''} on ${workers} worker${workers > 1 ? 's' : ''}; ` +
          outcome.families.map((f) => `${f.family} ${f.trials} trial${f.trials === 1 ? '' : 's'} ${f.seconds.toFixed(1)} s best ${fmt(f.best)}`).join(', '),
      );
    } finally {
      await pool.close();
    }
  }
  a.log(`search stopped: ${stopReason}`);

  const completed = trialsOut.filter((t) => t.status === 'Completed' && Number.isFinite(t.score));
  if (completed.length === 0) {
    const failures = trialsOut.filter((t) => t.error).map((t) => `iteration ${t.iteration} ${t.algorithm}: ${t.error}`);
    throw new WeirError('RUN_FAILED', `no AutoML trial completed (${stopReason})${failures.length ? `:\n  ${failures.slice(0, 5).join('\n  ')}` : ''}`, {
      hint: settings.experimentTimeoutMs ? 'Raise experiment_timeout_minutes or iteration_timeout_minutes.' : undefined,
    });
  }

  let ensembles: EnsembleResult[] = [];
  const searched = completed.filter((t) => !baselineSpecs.has(t.iteration));
  if ((settings.votingEnsemble || settings.stackEnsemble) && searched.length >= 2 && !a.signal.aborted) {
    // Greedy selection scores hundreds of candidate blends on one fixed row sample: gather that
    // sample's labels and weights once, not once per score.
    let sampled: { rows: Uint32Array; yTrue: Float64Array; weight?: Float32Array } | undefined;
    const labelsOf = (rows: Uint32Array) => {
      if (sampled?.rows !== rows) {
        sampled = { rows, yTrue: Float64Array.from(rows, (i) => yTrueEval[i]), weight: wEval ? Float32Array.from(rows, (i) => wEval[i]) : undefined };
      }
      return sampled;
    };
    const ensemblesStarted = performance.now();
    try {
      ensembles = await buildEnsembles({
        task,
        numClasses,
        width,
        primaryMetric: settings.primaryMetric,
        trials: searched,
        yEval,
        wEval,
        evaluate: (oof) => evaluate(oof),
        primaryScore: (pred, rows) =>
          computeMetrics({
            task,
            yTrue: rows ? labelsOf(rows).yTrue : yTrueEval,
            pred: toScale(pred, rows),
            numClasses,
            weight: rows ? labelsOf(rows).weight : wEval,
            labelRange,
          })[settings.primaryMetric] ?? NaN,
        seed: settings.seed,
        voting: settings.votingEnsemble,
        stack: settings.stackEnsemble,
        firstIteration: Math.max(...trialsOut.map((t) => t.iteration)) + 1,
        deadline: settings.experimentTimeoutMs !== undefined ? started + settings.experimentTimeoutMs - reserveMs(settings.experimentTimeoutMs) : undefined,
        signal: a.signal,
        log: (text) => a.log(text),
      });
    } catch (e) {
      if (e instanceof WeirError && e.code === 'CANCELED') throw e;
      a.log(`ensembles skipped: ${(e as Error).message}`);
    }
    a.log(`ensembles: ${ensembles.map((e) => e.trial.algorithm).join(', ') || 'none'} built in ${((performance.now() - ensemblesStarted) / 1000).toFixed(1)} s`);
    for (const e of ensembles) {
      await report(e.trial);
      a.log(leaderboardLine(e.trial, settings.primaryMetric, bestOf(trialsOut, settings.primaryMetric)));
    }
  }

  const leaderboard = leaderboardOrder(settings.primaryMetric, trialsOut);
  const best = leaderboard.find((t) => t.status === 'Completed' && (t.states || baselineSpecs.has(t.iteration) || ensembles.some((e) => e.trial === t)))!;
  const estimator: EstimatorSpec = ensembles.find((e) => e.trial === best)?.spec ?? baselineSpecs.get(best.iteration) ?? { type: 'single', model: bagged(best) };
  a.log(formatLeaderboard(leaderboard, settings.primaryMetric));
  a.log(`best: iteration ${best.iteration} ${best.algorithm} ${settings.primaryMetric} ${fmt(best.score)}`);

  const outputsStarted = performance.now();
  const modelDir = path.join(a.outDir, 'model');
  await mkdir(modelDir, { recursive: true });
  const labelColumn = a.training.columns.find((c) => c.name === settings.label)!;
  const artifact: ModelArtifact = {
    format: 'weir-automl',
    version: 1,
    task,
    labelColumn: settings.label,
    labelType: labelColumn.type === 'string' ? 'string' : labelColumn.type === 'boolean' ? 'boolean' : 'number',
    classes,
    primaryMetric: settings.primaryMetric,
    iteration: best.iteration,
    algorithm: best.algorithm,
    metrics: best.metrics,
    featurizer,
    estimator,
    forecast: prepared.forecast?.spec,
    createdAt: new Date().toISOString(),
  };
  const tested = held.test
    ? evaluateTestSet({ artifact, test: held.test, rows: ensembles.map((e) => ({ iteration: e.trial.iteration, algorithm: e.trial.algorithm, spec: e.spec })), weightColumn: settings.weightColumn, labelRange })
    : undefined;
  if (tested) {
    artifact.test = tested.summary;
    await writeFile(path.join(modelDir, TEST_CHARTS_FILE), JSON.stringify(tested.charts));
    for (const line of testSetLogLines(tested.summary, best, leaderboard, settings.primaryMetric)) a.log(line);
  }
  await writeFile(path.join(modelDir, MODEL_FILE), JSON.stringify(artifact));
  await writeFile(path.join(modelDir, CHARTS_FILE), JSON.stringify(chartsFor(task, toScale(best.oof!), yTrueEval, wEval, classes, prepared.forecast, evalRows)));
  await writeFile(path.join(modelDir, LEADERBOARD_FILE), JSON.stringify(withTestMetrics(leaderboard.map(leaderboardRow), artifact.test), null, 1));
  await writeFile(path.join(modelDir, GUARDRAILS_FILE), JSON.stringify(guardrails, null, 1));
  // The editor shows charts for any of the best rows, not only the chosen one.
  await mkdir(path.join(modelDir, TRIAL_CHARTS_DIR));
  for (const t of leaderboard.filter((r) => r.status === 'Completed' && r.oof).slice(0, TRIAL_CHARTS_KEPT)) {
    const charts = chartsFor(task, toScale(t.oof!), yTrueEval, wEval, classes, prepared.forecast, evalRows);
    await writeFile(path.join(modelDir, TRIAL_CHARTS_DIR, `${t.iteration}.json`), JSON.stringify(charts));
  }
  await writeFile(path.join(modelDir, IMPORTANCES_FILE), JSON.stringify(importancesOf(best, ensembles, trialsOut, settings.primaryMetric), null, 1));
  await explainModelFolder(modelDir, artifact, { table: a.training, X, runMs: performance.now() - started, log: (text) => a.log(text) });
  const metricsFile = path.join(a.outDir, 'metrics.json');
  await writeFile(metricsFile, JSON.stringify(metricsByIteration(trialsOut), null, 1));
  a.log(`AutoML finished in ${((performance.now() - started) / 1000).toFixed(1)} s (outputs written in ${((performance.now() - outputsStarted) / 1000).toFixed(1)} s)`);
  return { modelDir, metricsFile, best, leaderboard, settings, stopReason, guardrails, ...(artifact.test ? { test: artifact.test } : {}) };
}

interface Prepared {
  X: FeatureMatrix;
  y: Float32Array;
  weight?: Float32Array;
  folds: Fold[];
  classes?: string[];
  featurizer: FeaturizerState;
  guardrails: Guardrail[];
  forecast?: ForecastTable;
}

function prepareTabular(a: AutoMLRunArgs, s: ResolvedSettings): Prepared {
  const task = s.task;
  const table = a.training;
  const cvColumns = s.validation.type === 'custom_cv' ? s.validation.columns : [];
  const fitted = fitFeaturizer(table, s.label, s.featurization, { task, weightColumn: s.weightColumn, excludeColumns: cvColumns });
  const encoded = fitted.y;
  const trainRows = encoded.values.length;
  if (trainRows < MIN_TRAINING_ROWS) {
    throw new WeirError('BAD_INPUT', `the training data has ${trainRows} row${trainRows === 1 ? '' : 's'} with a label; AutoML needs at least ${MIN_TRAINING_ROWS}`);
  }
  const featurizer = fitted.state;
  let X = fitted.X;
  let y = encoded.values;
  let weight = fitted.weight;
  let folds: Fold[];
  const classIndex = task === 'classification' ? y : undefined;
  switch (s.validation.type) {
    case 'cv':
      folds = classIndex ? stratifiedKFold(classIndex, s.validation.folds, s.seed) : kFold(y.length, s.validation.folds, s.seed);
      break;
    case 'holdout':
      folds = holdoutSplit(y.length, s.validation.fraction, s.seed, classIndex);
      break;
    case 'custom_cv': {
      const used = selectRows(table, fitted.rows);
      folds = customFolds(s.validation.columns.map((name) => ({ name, values: numericColumn(used, name) })));
      break;
    }
    case 'validation_data': {
      if (!a.validation) throw new WeirError('BAD_INPUT', `validation_data names input '${s.validation.input}', which the step does not have`);
      const vLabel = a.validation.columns.find((c) => c.name === s.label);
      if (!vLabel) throw new WeirError('BAD_INPUT', `the validation data has no label column '${s.label}'`);
      const { y: vEncoded, rows: vKept } = encodeLabel(vLabel, task, a.validation.rows);
      const vTable = selectRows(a.validation, vKept);
      let vy = vEncoded.values;
      if (encoded.classes) {
        // Map the validation classes onto the training classes; a class never seen in training cannot be scored.
        const index = new Map(encoded.classes.map((c, i) => [c, i]));
        vy = Float32Array.from(vy, (v) => {
          const i = index.get(vEncoded.classes![v]);
          if (i === undefined) throw new WeirError('BAD_INPUT', `the validation data has class '${vEncoded.classes![v]}', which the training data lacks`);
          return i;
        });
      }
      const vX = transform(featurizer, vTable);
      const n = X.rows;
      X = concatMatrices(X, vX);
      y = concatFloat(y, vy);
      if (weight) weight = concatFloat(weight, numericColumn(vTable, s.weightColumn!));
      folds = [{ train: Uint32Array.from({ length: n }, (_, i) => i), valid: Uint32Array.from({ length: vX.rows }, (_, i) => n + i) }];
      break;
    }
    default:
      throw new Error(`unexpected validation plan ${s.validation.type}`);
  }
  const trainingRows = folds.map((f) => f.train.length);
  const validation: GuardrailValidation = {
    method: { cv: 'cross_validation', holdout: 'holdout', validation_data: 'validation_data', custom_cv: 'cv_split_columns', rolling_origin: 'rolling_origin' }[s.validation.type] as GuardrailValidation['method'],
    automatic: s.validationAutomatic,
    trainingRows: Math.max(...trainingRows),
    folds: s.validation.type === 'cv' || s.validation.type === 'custom_cv' ? folds.length : undefined,
    validationRows: folds.map((f) => f.valid.length),
    smallestClassRows: encoded.classes ? smallestClass(encoded.values, encoded.classes.length) : undefined,
  };
  const guardrails = dataGuardrails({
    task,
    X: fitted.X,
    y: encoded,
    weight: fitted.weight,
    featurization: fitted.guardrails,
    validation,
    source: { table, rows: fitted.rows, columns: featurizer.columns },
  });
  return { X, y, weight, folds, classes: encoded.classes, featurizer, guardrails };
}

function prepareForecasting(table: ColumnarTable, s: ResolvedSettings): Prepared {
  const f = s.forecasting!;
  const forecast = buildForecastTable(table, { ...f, label: s.label });
  if (forecast.y.length < MIN_TRAINING_ROWS) {
    throw new WeirError('BAD_INPUT', `forecasting built only ${forecast.y.length} training rows from ${table.rows} input rows; AutoML needs at least ${MIN_TRAINING_ROWS}`);
  }
  const folds = rollingOriginFolds(forecast.originPeriod, forecast.targetPeriod, s.validation.type === 'rolling_origin' ? s.validation.folds : 3, f.horizon);
  const inputSchema = [f.timeColumn, ...f.seriesColumns].map((name) => ({ name, duckType: table.columns.find((c) => c.name === name)?.duckType ?? 'VARCHAR' }));
  const featurizer: FeaturizerState = {
    version: 1,
    inputSchema,
    featureNames: forecast.spec.featureNames,
    columns: [
      { name: f.timeColumn, purpose: 'DateTime', note: 'forecast time: calendar parts of the target period', params: {} },
      ...f.seriesColumns.map((name) => ({ name, purpose: 'Categorical' as const, note: 'time series id', params: {} })),
      ...table.columns
        .filter((c) => c.name !== f.timeColumn && c.name !== s.label && !f.seriesColumns.includes(c.name))
        .map((c) => ({ name: c.name, purpose: 'Ignore' as const, note: 'forecasting uses the target history and the calendar only', params: {} })),
    ],
  };
  const guardrails: Guardrail[] = [
    validationSplitGuardrail({
      method: 'rolling_origin',
      automatic: s.validationAutomatic,
      trainingRows: Math.max(...folds.map((fold) => fold.train.length)),
      folds: folds.length,
      validationRows: folds.map((fold) => fold.valid.length),
    }),
  ];
  return { X: forecast.X, y: forecast.y, folds, featurizer, guardrails, forecast };
}

function checkColumns(table: ColumnarTable, s: ResolvedSettings): void {
  const names = new Set(table.columns.map((c) => c.name));
  const wanted: [string, string][] = [[s.label, 'label_column_name']];
  if (s.weightColumn) wanted.push([s.weightColumn, 'weight_column_name']);
  if (s.validation.type === 'custom_cv') for (const c of s.validation.columns) wanted.push([c, 'cv_split_column_names']);
  if (s.forecasting) {
    wanted.push([s.forecasting.timeColumn, 'time_column_name']);
    for (const c of s.forecasting.seriesColumns) wanted.push([c, 'time_series_id_column_names']);
  }
  const missing = wanted.filter(([c]) => !names.has(c));
  if (missing.length) {
    throw new WeirError('BAD_INPUT', `${missing.map(([c, setting]) => `${setting} '${c}'`).join(', ')} not in the training data (columns: ${[...names].join(', ')})`);
  }
  if (table.rows === 0) throw new WeirError('BAD_INPUT', 'the training data has no rows');
}

function selectRows(table: ColumnarTable, rows: Uint32Array | undefined): ColumnarTable {
  if (!rows) return table;
  return {
    rows: rows.length,
    columns: table.columns.map((c) =>
      c.type === 'string' ? { ...c, values: Array.from(rows, (i) => c.values[i]) } : { ...c, values: Float64Array.from(rows, (i) => c.values[i]) },
    ) as ColumnarTable['columns'],
  };
}

function numericColumn(table: ColumnarTable, name: string): Float32Array {
  const c = table.columns.find((col) => col.name === name);
  if (!c) throw new WeirError('BAD_INPUT', `column '${name}' is not in the data`);
  return Float32Array.from({ length: table.rows }, (_, i) => cellAsNumber(c, i));
}

function concatMatrices(a: FeatureMatrix, b: FeatureMatrix): FeatureMatrix {
  const rows = a.rows + b.rows;
  const values = new Float32Array(rows * a.cols);
  for (let j = 0; j < a.cols; j++) {
    values.set(a.values.subarray(j * a.rows, (j + 1) * a.rows), j * rows);
    values.set(b.values.subarray(j * b.rows, (j + 1) * b.rows), j * rows + a.rows);
  }
  return { ...a, rows, values };
}

function concatFloat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
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

function smallestClass(y: Float32Array, k: number): number {
  const counts = new Int32Array(k);
  for (const v of y) counts[v]++;
  return Math.min(...counts);
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

/** Memory the trial workers together may use for their fold copies, so big tables stay well under 2 GB. */
const WORKER_MEMORY_BUDGET = 1024 * 2 ** 20;

/**
 * A worker keeps a gathered copy of every fold's rows, and a fit makes more (the boosting
 * copies and bins its matrix into WASM memory, trees sort it): counted as three copies.
 */
function workerBytes(X: FeatureMatrix, folds: Fold[]): number {
  const rows = folds.reduce((n, f) => n + f.train.length + f.valid.length, 0);
  return rows * X.cols * 4 * 3;
}

function workersForMemory(concurrency: number, X: FeatureMatrix, folds: Fold[]): number {
  return Math.max(1, Math.min(concurrency, Math.floor(WORKER_MEMORY_BUDGET / Math.max(1, workerBytes(X, folds)))));
}

/**
 * When the search stops starting trials: the budget less the reserve for the outputs and,
 * when ensembles are built, a share for them (greedy selection scores hundreds of blends):
 * 8% of the budget, at most 15 s.
 */
function searchDeadline(started: number, s: ResolvedSettings): number | undefined {
  if (s.experimentTimeoutMs === undefined) return undefined;
  const ensembles = s.votingEnsemble || s.stackEnsemble ? Math.min(15_000, s.experimentTimeoutMs * 0.08) : 0;
  return started + s.experimentTimeoutMs - reserveMs(s.experimentTimeoutMs) - ensembles;
}

/** Leaves time to write the outputs after the search: 3% of the budget, at least 0.3 s, at most 5 s. */
function reserveMs(budgetMs: number): number {
  return Math.min(5_000, Math.max(300, budgetMs * 0.03));
}

function describeValidation(s: ResolvedSettings, folds: Fold[]): string {
  switch (s.validation.type) {
    case 'cv':
      return `${folds.length}-fold cross-validation`;
    case 'holdout':
      return `${Math.round(s.validation.fraction * 100)}% holdout (${folds[0].valid.length} rows)`;
    case 'validation_data':
      return `validation data (${folds[0].valid.length} rows)`;
    case 'custom_cv':
      return `${folds.length} custom folds`;
    case 'rolling_origin':
      return `rolling-origin, ${folds.length} folds`;
  }
}

function bestOf(trials: TrialResult[], metric: string): TrialResult | undefined {
  return leaderboardOrder(metric, trials.filter((t) => t.status === 'Completed'))[0];
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : 'n/a';
}

function leaderboardLine(t: TrialResult, metric: string, best: TrialResult | undefined): string {
  const status = t.status === 'Completed' ? `${metric} ${fmt(t.score)}` : `${t.status}: ${t.error ?? ''}`;
  return `iteration ${String(t.iteration).padStart(3)}  ${t.algorithm.padEnd(18)} ${status}  (${(t.durationMs / 1000).toFixed(2)} s)  best ${best ? `${fmt(best.score)} #${best.iteration}` : 'n/a'}`;
}

function formatLeaderboard(board: TrialResult[], metric: string): string {
  const top = board.slice(0, 10);
  const lines = top.map((t, rank) => `${String(rank + 1).padStart(3)}  ${String(t.iteration).padStart(4)}  ${t.algorithm.padEnd(18)} ${t.status === 'Completed' ? fmt(t.score) : t.status.padEnd(9)}  ${(t.durationMs / 1000).toFixed(2).padStart(7)} s`);
  return [`leaderboard (${metric}, best first; ${board.length} rows):`, ' rank  iter  algorithm          score       time', ...lines].join('\n');
}

function leaderboardRow(t: TrialResult) {
  return { iteration: t.iteration, algorithm: t.algorithm, status: t.status, score: Number.isFinite(t.score) ? t.score : null, metrics: t.metrics, hyperparameters: t.params, durationMs: t.durationMs, error: t.error };
}

export function toTrialRecord(t: TrialResult): TrialRecord {
  return {
    iteration: t.iteration,
    algorithm: t.algorithm,
    hyperparameters: t.params,
    status: t.status,
    metrics: Object.fromEntries(Object.entries(t.metrics).filter(([, v]) => Number.isFinite(v))),
    startedAt: t.startedAt,
    durationMs: t.durationMs,
    error: t.error,
  };
}

/** The article's metrics output: metric → { iteration → value }, so `pd.DataFrame(json.load(f))` has a row per trial. */
export function metricsByIteration(trials: TrialResult[]): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  for (const t of trials) {
    if (t.status !== 'Completed') continue;
    for (const [metric, value] of Object.entries(t.metrics)) {
      (out[metric] ??= {})[String(t.iteration)] = Number.isFinite(value) ? value : null;
    }
  }
  return out;
}

function chartsFor(task: string, oof: Float64Array, yEval: ArrayLike<number>, wEval: Float32Array | undefined, classes: string[] | undefined, forecast: ForecastTable | undefined, evalRows: Uint32Array) {
  if (task === 'classification') return classificationCharts({ yTrue: yEval, proba: oof, classes: classes!, weight: wEval });
  if (task === 'forecasting' && forecast) {
    return forecastingCharts({ yTrue: yEval, pred: oof, horizon: Float64Array.from(evalRows, (i) => forecast.horizon[i]), time: Float64Array.from(evalRows, (i) => forecast.targetTime[i]) });
  }
  return regressionCharts({ yTrue: yEval, pred: oof });
}

function importancesOf(best: TrialResult, ensembles: EnsembleResult[], trials: TrialResult[], metric: string): Record<string, number> {
  let source: Record<string, number> | undefined = best.importances;
  if (!source && ensembles.some((e) => e.trial === best)) {
    // An ensemble has no importances of its own; show those of its best member.
    source = leaderboardOrder(metric, trials).find((t) => t.importances)?.importances;
  }
  if (!source) return {};
  const total = Object.values(source).reduce((a, b) => a + Math.abs(b), 0) || 1;
  return Object.fromEntries(
    Object.entries(source)
      .map(([k, v]) => [k, v / total] as const)
      .sort((x, y) => y[1] - x[1]),
  );
}

