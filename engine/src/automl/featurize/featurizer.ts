import { WeirError } from '../../errors';
import type { FeatureMatrix } from '../../gbdt/api';
import type { ColumnarTable, EncodedLabel, FeaturizationSettings, FeaturizedColumn, FeaturizerState, Guardrail, TableColumn, Task } from '../types';
import { featurizationGuardrails, type ColumnFinding } from '../guardrails/featurizationGuardrails';
import { choosePlan } from './choosePlan';
import { ordinalCode, planFeatureNames, type ColumnPlan, type DatePart } from './columnPlan';
import { cellAsNumber, cellAsString, cellAsTime, fnv1a, isPresentText, parseBoolean, tokenize, yyyymmddTime } from './columnValues';
import { encodeLabel } from './encodeLabel';
import { profileColumn } from './profileColumn';
import { type TargetFit, categorySlot, fitTargetEncoding, targetFolds, writeOutOfFoldTargets } from './targetEncoding';

export interface FitFeaturizerOptions {
  task: Task;
  /** Azure's `weight_column_name`: read as sample weights, never a feature. */
  weightColumn?: string;
  /** Columns that are not features (CV split columns, a forecasting time column, …). */
  excludeColumns?: string[];
}

export interface FittedFeaturization {
  state: FeaturizerState;
  /** Features of the training rows (rows with a label), column-major. */
  X: FeatureMatrix;
  y: EncodedLabel;
  weight?: Float32Array;
  /** The input rows that were used, when rows with a missing label were left out. */
  rows?: Uint32Array;
  /** "Missing feature values imputation" and "High cardinality feature detection". */
  guardrails: Guardrail[];
}

/**
 * Learns how to turn the training table into a numeric matrix (see docs/automl-parts.md
 * for the rules) and applies it to the training rows. The returned state is plain JSON;
 * `transform(state, table)` reproduces the same matrix for the same rows.
 */
export function fitFeaturizer(table: ColumnarTable, label: string, settings: FeaturizationSettings, options: FitFeaturizerOptions): FittedFeaturization {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const labelColumn = byName.get(label);
  if (!labelColumn) {
    throw new WeirError('BAD_INPUT', `label column '${label}' is not in the training data (columns: ${table.columns.map((c) => c.name).join(', ')})`);
  }
  const excluded = new Set([label, ...(options.weightColumn ? [options.weightColumn] : []), ...(options.excludeColumns ?? [])]);
  checkSettingsColumns(settings, byName, options);

  const { y, rows } = encodeLabel(labelColumn, options.task, table.rows);
  const usedRows = rows ? rows.length : table.rows;
  if (usedRows < 2) {
    // Name the column and how much of it is empty: a label column that exists but holds nothing
    // (statsmodels' fertility.csv has headers up to 2013 and no values for 2012–2013) read as a bare "0 rows".
    throw new WeirError(
      'BAD_INPUT',
      `the training data has ${usedRows} row${usedRows === 1 ? '' : 's'} with a label: column '${label}' is empty in ${table.rows - usedRows} of its ${table.rows} rows; AutoML needs at least 2`,
      { hint: 'empty cells, and in a numeric label missing-value markers such as NA or ?, are rows without a label; pick a label column that has values' },
    );
  }
  const weight = options.weightColumn ? readWeights(byName.get(options.weightColumn)!, rows, usedRows) : undefined;

  const featureColumns = table.columns.filter((c) => !excluded.has(c.name));
  if (settings.mode === 'off') {
    const rejected = featureColumns.filter((c) => c.type !== 'number' && c.type !== 'boolean');
    if (rejected.length > 0) {
      throw new WeirError(
        'BAD_INPUT',
        `featurization: off needs numeric columns, but ${rejected.map((c) => `'${c.name}' (${c.duckType})`).join(', ')} ${rejected.length === 1 ? 'is' : 'are'} not`,
        { hint: 'Use featurization: auto, drop these columns in the data preparation step, or cast them to numbers.' },
      );
    }
  }

  const blocked = new Set(settings.blockedTransformers ?? []);
  const columns: FeaturizedColumn[] = [];
  const findings: ColumnFinding[] = [];
  /** Each target-encoded column's fit, for the training matrix's out-of-fold values. */
  const targetFits = new Map<string, TargetFit>();
  for (const column of featureColumns) {
    const profile = profileColumn(column, rows, table.rows);
    const choice = choosePlan(column, profile, { settings, blocked });
    // A high-cardinality category's label mean (out of fold in training): its codes alone are an arbitrary order.
    if (choice.plan.kind === 'frequency' && !blocked.has('CatTargetEncoder')) {
      const fit = fitTargetEncoding(choice.plan, column, rows, y, weight, options.task);
      if (fit) {
        targetFits.set(column.name, fit);
        choice.plan = { ...choice.plan, target: fit.target };
        choice.note = `${choice.note}, plus the label's mean per category (out of fold in training)`;
      }
    }
    columns.push({ name: column.name, purpose: choice.purpose, ...(choice.note ? { note: choice.note } : {}), params: choice.plan as unknown as Record<string, unknown> });
    findings.push({
      column: column.name,
      rows: profile.rows,
      missing: choice.missing ?? profile.missing,
      distinct: profile.distinct,
      plan: choice.plan,
      note: choice.note,
      highCardinality: choice.highCardinality ?? false,
    });
  }
  columns.push({ name: label, purpose: 'Label', params: y.classes ? { classes: y.classes } : {} });

  const inputSchema = columns
    .filter((c) => c.purpose !== 'Label' && c.purpose !== 'Ignore')
    .map((c) => ({ name: c.name, duckType: byName.get(c.name)!.duckType }));
  const featureNames: string[] = [];
  for (const c of columns) if (c.purpose !== 'Label') featureNames.push(...planFeatureNames(c.name, c.params as unknown as ColumnPlan).names);
  if (featureNames.length === 0) {
    throw new WeirError('BAD_INPUT', 'featurization left no feature columns: every column is the label, excluded, constant, empty or ID-like', {
      hint: noFeaturesHint(columns),
    });
  }
  const state: FeaturizerState = { version: 1, inputSchema, featureNames, columns };
  // The training matrix goes to the trial workers: built in shared memory, it is never copied for them (trials/trialPool.ts).
  const X = transformRows(state, table, rows, true);
  writeTrainingTargets(state, targetFits, y, weight, options.task, X);
  return { state, X, y, ...(weight ? { weight } : {}), ...(rows ? { rows } : {}), guardrails: featurizationGuardrails(findings) };
}

/**
 * Replaces the target-encoded columns of the training matrix by out-of-fold values (one seeded
 * fold split shared by every column), so a row's features never hold its own label.
 */
function writeTrainingTargets(state: FeaturizerState, fits: Map<string, TargetFit>, y: EncodedLabel, weight: Float32Array | undefined, task: Task, X: FeatureMatrix): void {
  let fold: Uint8Array | undefined;
  let offset = 0;
  for (const c of state.columns) {
    if (c.purpose === 'Label' || c.purpose === 'Ignore') continue;
    const plan = c.params as unknown as ColumnPlan;
    const fit = fits.get(c.name);
    if (plan.kind === 'frequency' && fit) {
      fold ??= targetFolds(X.rows, 0);
      writeOutOfFoldTargets(fit, y, weight, task, fold, X.values, offset + 2);
    }
    offset += planFeatureNames(c.name, plan).names.length;
  }
}

/**
 * Applies a fitted featurizer to new data (scoring). Columns the model needs must be there
 * (a WeirError names the missing ones); extra columns are ignored.
 */
export function transform(state: FeaturizerState, table: ColumnarTable): FeatureMatrix {
  return transformRows(state, table);
}

function transformRows(state: FeaturizerState, table: ColumnarTable, rows?: Uint32Array, shared = false): FeatureMatrix {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const missing = state.inputSchema.filter((s) => !byName.has(s.name)).map((s) => s.name);
  if (missing.length > 0) {
    throw new WeirError('BAD_INPUT', `the data lacks column${missing.length === 1 ? '' : 's'} the model needs: ${missing.join(', ')}`, {
      hint: `The model was trained on: ${state.inputSchema.map((s) => s.name).join(', ')}.`,
    });
  }
  const n = rows ? rows.length : table.rows;
  const cols = state.featureNames.length;
  const values = shared ? new Float32Array(new SharedArrayBuffer(n * cols * 4)) : new Float32Array(n * cols);
  const types: string[] = [];
  let offset = 0;
  for (const c of state.columns) {
    if (c.purpose === 'Label' || c.purpose === 'Ignore') continue;
    const plan = c.params as unknown as ColumnPlan;
    const { types: planTypes } = planFeatureNames(c.name, plan);
    writePlan(plan, byName.get(c.name)!, rows, n, values, offset);
    types.push(...planTypes);
    offset += planTypes.length;
  }
  if (offset !== cols) throw new WeirError('INTERNAL', `featurizer state is inconsistent: ${offset} features written, ${cols} named`);
  return { rows: n, cols, values, featureNames: state.featureNames, featureTypes: types };
}

/** Writes the features of one column into `out` starting at feature column `offset`. */
function writePlan(plan: ColumnPlan, column: TableColumn, rows: Uint32Array | undefined, n: number, out: Float32Array, offset: number): void {
  const at = rows ? (r: number) => rows[r] : (r: number) => r;
  const base = offset * n;
  switch (plan.kind) {
    case 'ignore':
      return;
    case 'numeric': {
      const readBoolean = plan.read === 'boolean' && column.type === 'string';
      const indicatorBase = base + n;
      for (let r = 0; r < n; r++) {
        const i = at(r);
        let v = readBoolean ? parseBoolean(column.type === 'string' ? column.values[i] : null) : cellAsNumber(column, i);
        if (Number.isNaN(v)) {
          v = plan.strategy === 'none' ? NaN : plan.fill;
          if (plan.indicator) out[indicatorBase + r] = 1;
        }
        out[base + r] = v;
      }
      return;
    }
    case 'onehot': {
      const index = categoryIndex(plan, plan.categories);
      const { order } = plan;
      const codeBase = base + plan.categories.length * n;
      const indicatorBase = codeBase + (order ? n : 0);
      const codes = order ? categoryIndex(order, order) : undefined;
      for (let r = 0; r < n; r++) {
        let key = cellAsString(column, at(r));
        if (!isPresentText(key)) {
          key = plan.fill;
          if (plan.indicator) out[indicatorBase + r] = 1;
        }
        const c = index.get(key);
        if (c !== undefined) out[base + c * n + r] = 1;
        if (order) out[codeBase + r] = codes!.get(key) ?? ordinalCode(order, key);
      }
      return;
    }
    case 'frequency': {
      const index = categoryIndex(plan, plan.categories);
      const { target } = plan;
      const outputs = target ? Math.max(1, target.outputs.length) : 0;
      const indicatorBase = base + (2 + outputs) * n;
      const other = plan.categories.length;
      // The frequency columns read a missing cell as the fill; the target columns as its own slot.
      const fillSlot = index.get(plan.fill) ?? other;
      for (let r = 0; r < n; r++) {
        const slot = categorySlot(index, other, cellAsString(column, at(r)));
        const absent = slot === other + 1;
        if (absent && plan.indicator) out[indicatorBase + r] = 1;
        const c = absent ? fillSlot : slot;
        out[base + r] = c === other ? plan.otherFrequency : plan.frequencies[c];
        out[base + n + r] = c;
        if (target) {
          const m = target.means[slot] ?? target.prior;
          for (let o = 0; o < outputs; o++) out[base + (2 + o) * n + r] = m[o];
        }
      }
      return;
    }
    case 'hash': {
      const indicatorBase = base + plan.buckets * n;
      for (let r = 0; r < n; r++) {
        let key = cellAsString(column, at(r));
        if (!isPresentText(key)) {
          key = plan.fill;
          if (plan.indicator) out[indicatorBase + r] = 1;
        }
        out[base + (fnv1a(key) % plan.buckets) * n + r] = 1;
      }
      return;
    }
    case 'datetime': {
      const indicatorBase = base + plan.parts.length * n;
      for (let r = 0; r < n; r++) {
        let t = plan.digits === 'yyyymmdd' ? yyyymmddTime(cellAsNumber(column, at(r))) : cellAsTime(column, at(r));
        if (Number.isNaN(t)) {
          t = plan.fill;
          if (plan.indicator) out[indicatorBase + r] = 1;
        }
        plan.parts.forEach((part, p) => (out[base + p * n + r] = datePart(t, part)));
      }
      return;
    }
    case 'text': {
      const index = categoryIndex(plan, plan.vocabulary);
      const countBase = base + plan.vocabulary.length * n;
      for (let r = 0; r < n; r++) {
        const text = cellAsString(column, at(r));
        if (text === null) continue;
        const tokens = tokenize(text);
        for (const token of tokens) {
          const w = index.get(token);
          if (w !== undefined) out[base + w * n + r] += 1;
        }
        out[countBase + r] = tokens.length;
      }
      return;
    }
  }
}

/** Category → position maps, built once per plan object (or `order` array) and reused across transforms. */
const indexCache = new WeakMap<object, Map<string, number>>();

function categoryIndex(plan: object, categories: string[]): Map<string, number> {
  let index = indexCache.get(plan);
  if (!index) {
    index = new Map(categories.map((c, i) => [c, i]));
    indexCache.set(plan, index);
  }
  return index;
}

const DAY_MS = 86_400_000;

/** Calendar part of an epoch-ms time in UTC, by arithmetic (no Date object per cell). */
export function datePart(t: number, part: DatePart): number {
  if (Number.isNaN(t)) return NaN;
  if (part === 'days') return t / DAY_MS;
  const days = Math.floor(t / DAY_MS);
  const msOfDay = t - days * DAY_MS;
  switch (part) {
    case 'hour':
      return Math.floor(msOfDay / 3_600_000);
    case 'minute':
      return Math.floor((msOfDay % 3_600_000) / 60_000);
    case 'weekday':
      // 1970-01-01 was a Thursday; 0 = Monday … 6 = Sunday, as pandas' dayofweek.
      return (((days + 3) % 7) + 7) % 7;
    default: {
      const { year, month, day } = civilFromDays(days);
      if (part === 'year') return year;
      if (part === 'month') return month;
      if (part === 'day') return day;
      return days - daysFromCivil(year, 1, 1) + 1;
    }
  }
}

/** Howard Hinnant's days → (year, month, day) in the proleptic Gregorian calendar. */
function civilFromDays(z: number): { year: number; month: number; day: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function readWeights(column: TableColumn, rows: Uint32Array | undefined, n: number): Float32Array {
  const weight = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const i = rows ? rows[r] : r;
    const v = cellAsNumber(column, i);
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new WeirError('BAD_INPUT', `weight column '${column.name}' must hold non-negative numbers; row ${i + 1} has ${cellAsString(column, i) ?? 'a missing value'}`);
    }
    weight[r] = v;
  }
  return weight;
}

/** Settings that name columns the data does not have are mistakes worth stopping for. */
function checkSettingsColumns(settings: FeaturizationSettings, byName: Map<string, TableColumn>, options: FitFeaturizerOptions): void {
  const named = [
    ...Object.keys(settings.columnPurposes ?? {}).map((c) => ['column_purposes', c]),
    ...(settings.dropColumns ?? []).map((c) => ['drop_columns', c]),
    ...Object.keys(settings.transformerParams ?? {}).map((c) => ['transformer_params', c]),
    ...(options.weightColumn ? [['weight_column_name', options.weightColumn]] : []),
  ];
  const unknown = named.filter(([, c]) => !byName.has(c));
  if (unknown.length > 0) {
    throw new WeirError('BAD_INPUT', `featurization settings name columns the data does not have: ${unknown.map(([k, c]) => `${c} (in ${k})`).join(', ')}`, {
      hint: `Columns: ${[...byName.keys()].join(', ')}`,
    });
  }
}

/**
 * Why each column was left out, and what to do when one of them should be used: a column dropped
 * as ID-like (a small table where every value is distinct: 50 US states, one row each) is kept
 * when `featurization.column_purposes` declares its purpose.
 */
function noFeaturesHint(columns: FeaturizedColumn[]): string {
  const why = columns.filter((c) => c.note).map((c) => `${c.name}: ${c.note}`);
  const idLike = columns.filter((c) => c.purpose === 'Ignore' && c.note?.startsWith('ID-like'));
  if (idLike.length === 0) return why.join('; ');
  const example = idLike.map((c) => `${c.name}: ${c.note?.includes('integer') ? 'Numeric' : 'Categorical'}`).join(', ');
  return `${why.join('; ')}. To use a column dropped as ID-like, declare its purpose in the automl step: featurization: { column_purposes: { ${example} } }`;
}
