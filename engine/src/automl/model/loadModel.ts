import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { WeirError } from '../../errors';
import { transform } from '../featurize';
import { forecastRows } from '../forecast/forecastFeatures';
import type { ColumnarTable, FeaturizerState, TableColumn, Task } from '../types';
import { explainTable, type ModelExplanation } from '../../explain/explainModel';
import { restoreEstimator } from './estimator';
import { MODEL_FILE, type ModelArtifact } from './modelArtifact';

/**
 * A loaded AutoML model: `predict` takes rows (plain objects) or a columnar table with
 * the training columns (extra columns are ignored; missing ones are an error naming them)
 * and returns the predictions column by column.
 */
export interface AutoMLModel {
  readonly task: Task;
  readonly algorithm: string;
  readonly labelColumn: string;
  /** Classification: class values in probability-column order. */
  readonly classes?: string[];
  /** The input columns the model reads. */
  readonly inputSchema: FeaturizerState['inputSchema'];
  readonly artifact: ModelArtifact;
  predict(rows: Record<string, unknown>[] | ColumnarTable): Predictions;
  /**
   * SHAP values of the rows (docs/explain.md): per engineered feature and summed per input
   * column, per class for classification; base + Σ values = the predicted probability or value.
   */
  explain(rows: Record<string, unknown>[] | ColumnarTable): ModelExplanation;
  dispose(): void;
}

export interface Predictions {
  rows: number;
  /** The predicted label (class value in the training label's type) or number. */
  prediction: (string | number | boolean | null)[];
  /** Classification: per class, the probability of each row. */
  probabilities?: Record<string, Float64Array>;
  /** Forecasting: periods ahead of the training data's end. */
  horizon?: Float64Array;
  /** The same as objects, one per row: `{ prediction, probability_<class>… }`. */
  toRows(): Record<string, unknown>[];
  /** The same as a columnar table (`prediction`, `probability_<class>`, `horizon`). */
  toTable(): ColumnarTable;
}

/** Loads a model folder (or its model.json). */
export function loadModel(modelPath: string): AutoMLModel {
  const file = statSafe(modelPath)?.isDirectory() ? path.join(modelPath, MODEL_FILE) : modelPath;
  let artifact: ModelArtifact;
  try {
    artifact = JSON.parse(readFileSync(file, 'utf8')) as ModelArtifact;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new WeirError(missing ? 'NOT_FOUND' : 'BAD_INPUT', missing ? `no AutoML model at ${file}` : `${file} is not a readable model file: ${(e as Error).message}`);
  }
  if (!isObject(artifact) || artifact.format !== 'weir-automl' || artifact.version !== 1) {
    const { format, version } = isObject(artifact) ? artifact : ({} as Partial<ModelArtifact>);
    throw new WeirError('BAD_INPUT', `${file}: not a Weir AutoML model (format ${String(format)}, version ${String(version)})`);
  }
  const problem = artifactProblem(artifact);
  if (problem) throw new WeirError('BAD_INPUT', `${file}: not a model Weir can load: ${problem}`);
  const width = artifact.task === 'classification' ? artifact.classes!.length : 1;
  let estimator: ReturnType<typeof restoreEstimator>;
  try {
    estimator = restoreEstimator(artifact.estimator, width);
  } catch (e) {
    throw new WeirError('BAD_INPUT', `${file}: not a model Weir can load: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
  return {
    task: artifact.task,
    algorithm: artifact.algorithm,
    labelColumn: artifact.labelColumn,
    classes: artifact.classes,
    inputSchema: artifact.featurizer.inputSchema,
    artifact,
    predict(input) {
      const table = Array.isArray(input) ? rowsToTable(input, artifact.featurizer.inputSchema) : input;
      checkColumns(table, artifact.featurizer.inputSchema);
      checkCells(table, artifact.featurizer);
      let horizon: Float64Array | undefined;
      let base: Float64Array | undefined;
      let X;
      if (artifact.forecast) {
        ({ X, horizon, base } = forecastRows(table, artifact.forecast));
      } else {
        X = transform(artifact.featurizer, table);
      }
      const raw = estimator.predict(X);
      // Forecasting models predict the change since the series' last value; add the level back.
      if (base) for (let i = 0; i < raw.length; i++) raw[i] += base[i];
      return makePredictions(artifact, raw, width, table.rows, horizon);
    },
    explain(input) {
      const table = Array.isArray(input) ? rowsToTable(input, artifact.featurizer.inputSchema) : input;
      checkColumns(table, artifact.featurizer.inputSchema);
      checkCells(table, artifact.featurizer);
      return explainTable(artifact, table);
    },
    dispose: () => estimator.dispose(),
  };
}

function checkColumns(table: ColumnarTable, schema: FeaturizerState['inputSchema']): void {
  const have = new Set(table.columns.map((c) => c.name));
  const missing = schema.filter((s) => !have.has(s.name)).map((s) => s.name);
  if (missing.length > 0) {
    throw new WeirError('BAD_INPUT', `the data lacks column${missing.length === 1 ? '' : 's'} the model needs: ${missing.join(', ')}`, {
      hint: `The model reads: ${schema.map((s) => s.name).join(', ')}.`,
    });
  }
}

/**
 * What in a parsed model.json would make predicting fail or quietly predict nothing, in words
 * (undefined when nothing): `classes: []` would score every row as no class at all.
 */
function artifactProblem(a: ModelArtifact): string | undefined {
  if (!['classification', 'regression', 'forecasting'].includes(a.task)) return `unknown task ${JSON.stringify(a.task)}`;
  if (a.task === 'classification') {
    const classes: unknown = a.classes;
    if (!Array.isArray(classes)) return 'a classification model needs its list of `classes`';
    if (classes.length < 2) return `a classification model needs at least two \`classes\`, this one has ${classes.length}`;
    if (!classes.every((c) => typeof c === 'string')) return '`classes` must be a list of strings';
    if (new Set(classes).size !== classes.length) return '`classes` lists a class twice';
  }
  if (!['number', 'string', 'boolean'].includes(a.labelType)) return `unknown labelType ${JSON.stringify(a.labelType)}`;
  const featurizer: unknown = a.featurizer;
  if (!isObject(featurizer) || !Array.isArray(featurizer.inputSchema) || !Array.isArray(featurizer.columns)) return '`featurizer` must be an object with `inputSchema` and `columns` lists';
  if (!featurizer.inputSchema.every((c) => isObject(c) && typeof c.name === 'string' && typeof c.duckType === 'string')) return '`featurizer.inputSchema` must list {name, duckType} objects';
  if (!isObject(a.estimator) || typeof a.estimator.type !== 'string') return '`estimator` must be an object with a `type`';
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Text where the model expects a number would be read as a missing value and scored as one,
 * silently. A numeric input column that arrives as text (a CSV column with a stray word makes
 * DuckDB type the whole column VARCHAR) must hold numbers or the usual spellings of a missing
 * value; the first other cell is an error naming the column, the row (from 0, as the scoring
 * server's 400 errors count) and the value, in the server's words. Columns the featurizer
 * dropped (`Ignore`) are not read, so they are not checked.
 */
function checkCells(table: ColumnarTable, featurizer: FeaturizerState): void {
  const ignored = new Set(featurizer.columns.filter((c) => c.purpose === 'Ignore').map((c) => c.name));
  for (const s of featurizer.inputSchema) {
    if (ignored.has(s.name) || !NUMERIC_TYPE.test(s.duckType)) continue;
    const column = table.columns.find((c) => c.name === s.name);
    if (column?.type !== 'string') continue;
    for (let r = 0; r < table.rows; r++) {
      const v = column.values[r];
      if (v === null || MISSING_TEXT.test(v) || Number.isFinite(Number(v.trim()))) continue;
      const shown = JSON.stringify(v);
      throw new WeirError('BAD_INPUT', `column '${s.name}' expects a number (${s.duckType}); row ${r} has ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}`, {
        hint: 'Fix the value, or leave the cell empty (or NA) for a missing value.',
      });
    }
  }
}

const NUMERIC_TYPE = /INT|DOUBLE|FLOAT|DECIMAL|REAL|NUMERIC/i;
/** Text that stands for a missing value: empty, NA, NaN, null (any case, spaces around). */
const MISSING_TEXT = /^\s*(|nan|null|na)\s*$/i;

function makePredictions(artifact: ModelArtifact, raw: Float64Array, width: number, rows: number, horizon?: Float64Array): Predictions {
  let prediction: Predictions['prediction'];
  let probabilities: Record<string, Float64Array> | undefined;
  if (artifact.task === 'classification') {
    const classes = artifact.classes!;
    probabilities = {};
    for (let c = 0; c < width; c++) probabilities[classes[c]] = Float64Array.from({ length: rows }, (_, i) => raw[i * width + c]);
    prediction = Array.from({ length: rows }, (_, i) => {
      let best = 0;
      for (let c = 1; c < width; c++) if (raw[i * width + c] > raw[i * width + best]) best = c;
      return classValue(classes[best], artifact.labelType);
    });
  } else {
    prediction = Array.from(raw, (v) => (Number.isFinite(v) ? v : null));
  }
  const probabilityColumns = probabilities ? Object.entries(probabilities) : [];
  return {
    rows,
    prediction,
    probabilities,
    horizon,
    toRows() {
      return prediction.map((p, i) => {
        const row: Record<string, unknown> = { prediction: p };
        for (const [c, values] of probabilityColumns) row[`probability_${c}`] = values[i];
        if (horizon) row.horizon = horizon[i];
        return row;
      });
    },
    toTable() {
      const columns: TableColumn[] = [];
      if (artifact.task !== 'classification' || artifact.labelType === 'number') {
        columns.push({ name: 'prediction', type: 'number', duckType: 'DOUBLE', values: Float64Array.from(prediction, (p) => (p === null ? NaN : Number(p))) });
      } else if (artifact.labelType === 'boolean') {
        columns.push({ name: 'prediction', type: 'boolean', duckType: 'BOOLEAN', values: Float64Array.from(prediction, (p) => (p === null ? NaN : p ? 1 : 0)) });
      } else {
        columns.push({ name: 'prediction', type: 'string', duckType: 'VARCHAR', values: prediction.map((p) => (p === null ? null : String(p))) });
      }
      for (const [c, values] of probabilityColumns) columns.push({ name: `probability_${c}`, type: 'number', duckType: 'DOUBLE', values });
      if (horizon) columns.push({ name: 'horizon', type: 'number', duckType: 'INTEGER', values: horizon });
      return { rows, columns };
    },
  };
}

function classValue(value: string, type: ModelArtifact['labelType']): string | number | boolean {
  if (type === 'number') return Number(value);
  if (type === 'boolean') return value === 'true';
  return value;
}

/**
 * Plain objects to typed columns, typed by what the model expects: numeric columns as
 * numbers, date/time columns as epoch ms, everything else as text. The featurizer reads
 * cells through type-adapting accessors, so a number given as text still works.
 */
export function rowsToTable(rows: Record<string, unknown>[], schema: FeaturizerState['inputSchema']): ColumnarTable {
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) names.add(k);
  const expected = new Map(schema.map((s) => [s.name, s.duckType]));
  const columns: TableColumn[] = [...names].map((name) => {
    const duckType = expected.get(name) ?? 'VARCHAR';
    const cells = rows.map((r) => r[name]);
    if (/^(DATE|TIMESTAMP)/.test(duckType)) {
      return { name, type: 'datetime', duckType, values: Float64Array.from(cells, (v) => (v instanceof Date ? v.getTime() : v === null || v === undefined ? NaN : typeof v === 'number' ? v : Date.parse(String(v)))) };
    }
    if (duckType === 'BOOLEAN') {
      return { name, type: 'boolean', duckType, values: Float64Array.from(cells, (v) => (v === null || v === undefined ? NaN : v === true || v === 'true' || v === 1 ? 1 : 0)) };
    }
    if (/INT|DOUBLE|FLOAT|DECIMAL|REAL|NUMERIC/.test(duckType) && cells.every((v) => v === null || v === undefined || typeof v === 'number')) {
      return { name, type: 'number', duckType, values: Float64Array.from(cells, (v) => (typeof v === 'number' ? v : NaN)) };
    }
    return { name, type: 'string', duckType: 'VARCHAR', values: cells.map((v) => (v === null || v === undefined ? null : String(v))) };
  });
  return { rows: rows.length, columns };
}

function statSafe(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
