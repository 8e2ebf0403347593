import type { FeatureMatrix } from '../gbdt/api';
import { WeirError } from '../errors';
import { cellAsNumber, encodeLabel, fitFeaturizer, transform } from './featurize';
import { buildForecastTable, type ForecastTable } from './forecast/forecastFeatures';
import { type ValidationPlan as GuardrailValidation, dataGuardrails, validationSplitGuardrail } from './guardrails';
import type { ResolvedSettings } from './settings';
import { type Fold, customFolds, holdoutSplit, kFold, rollingOriginFolds, stratifiedKFold } from './splitFolds';
import type { ColumnarTable, FeaturizerState, Guardrail } from './types';

/**
 * From the training tables to what the search needs: the feature matrix, the encoded label,
 * weights, folds, classes, the fitted featurizer and the data guardrails (tabular tasks), or
 * the forecasting rows with rolling-origin folds.
 */

/** Fewer labelled rows than this cannot be cross-validated meaningfully. */
export const MIN_TRAINING_ROWS = 10;

export interface Prepared {
  X: FeatureMatrix;
  y: Float32Array;
  weight?: Float32Array;
  folds: Fold[];
  classes?: string[];
  featurizer: FeaturizerState;
  guardrails: Guardrail[];
  forecast?: ForecastTable;
  /** Training rows left out because their label is missing (as Azure does), for the log. */
  unlabeledRows?: number;
}

export function prepareTabular(a: { training: ColumnarTable; validation?: ColumnarTable }, s: ResolvedSettings): Prepared {
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
    case 'cv': {
      // Azure's automatic 10 folds need 20 rows; a table of 10–19 labelled rows gets as many
      // folds as keep two validation rows each. A count the user set is checked as set.
      const k = s.validationAutomatic ? Math.min(s.validation.folds, Math.floor(y.length / 2)) : s.validation.folds;
      folds = classIndex ? stratifiedKFold(classIndex, k, s.seed) : kFold(y.length, k, s.seed);
      break;
    }
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
    label: s.label,
    weight: fitted.weight,
    featurization: fitted.guardrails,
    validation,
    source: { table, rows: fitted.rows, columns: featurizer.columns },
  });
  return { X, y, weight, folds, classes: encoded.classes, featurizer, guardrails, unlabeledRows: table.rows - trainRows };
}

export function prepareForecasting(table: ColumnarTable, s: ResolvedSettings): Prepared {
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

export function checkColumns(table: ColumnarTable, s: ResolvedSettings): void {
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

function smallestClass(y: Float32Array, k: number): number {
  const counts = new Int32Array(k);
  for (const v of y) counts[v]++;
  return Math.min(...counts);
}

export function describeValidation(s: ResolvedSettings, folds: Fold[]): string {
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
