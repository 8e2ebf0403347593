import type { FeatureMatrix } from '../../gbdt/api';
import { cellAsNumber, cellAsString, cellAsTime, isPresentText } from '../featurize/columnValues';
import { Random } from '../search/random';
import type { ColumnarTable, EncodedLabel, FeaturizedColumn, Guardrail, Task } from '../types';

/**
 * Target leakage detection. A column that alone predicts the label almost perfectly
 * usually carries the answer: an outcome recorded after the fact (a lifeboat number that is
 * empty for everyone who died), an ID sorted by label, a copy of the label in other units.
 *
 * The test is a one-column lookup model scored out of fold, so it is honest about columns
 * with many values: each column becomes codes (its category, or one of up to 64 quantile
 * bins of its numbers — and, for a number with at most 2,048 values that repeat, its exact
 * value, the better of the two counting —, with "missing" as a code of its own), the lookup predicts the label
 * from the training folds' rows with the same code, and it is scored on the held-out fold.
 * A high-cardinality column whose categories each cover a row or two therefore scores like
 * the majority class, not like a perfect memorizer. The same lookup on the column's
 * missingness alone says whether the leak is in the missingness.
 *
 * A column is alerted when its lookup removes ≥ 90% of the errors of the majority-class
 * baseline (classification: 1 − error/baseline error; on a balanced binary label that is
 * 95% out-of-fold accuracy) or, for regression, has an out-of-fold R² ≥ 0.98. Ordinary
 * strong features stay well below: Titanic's `Sex` removes about 45% of the baseline's
 * errors, its `boat` column (known only for survivors) about 94%.
 */

/** Share of the majority baseline's errors a single column's lookup must remove to alert. */
export const LEAKAGE_ERROR_REDUCTION = 0.9;
/** Regression: out-of-fold R² of a single column's lookup that alerts. */
export const LEAKAGE_R2 = 0.98;
/** Leakage is checked on an even sample of at most this many rows (it only needs to see the pattern). */
const LEAKAGE_SAMPLE = 100_000;
/** Numbers are looked up by quantile bin: at most this many bins (plus one for missing). */
const LEAKAGE_BINS = 64;
/** A number with more distinct values than the bins, but at most this many, is also looked up by its exact values… */
const LEAKAGE_EXACT_MAX = 2048;
/** …when they repeat: at least this many rows per value on average. */
const LEAKAGE_EXACT_ROWS = 4;
/** Out-of-fold folds of the lookup. */
const LEAKAGE_FOLDS = 5;
/** Fewer rows than this are not judged (a handful of points proves nothing). */
const LEAKAGE_MIN_ROWS = 20;

/** The raw input columns to judge, when available (the AutoML step passes them). */
export interface LeakageSource {
  table: ColumnarTable;
  /** Rows of `table` that have a label, in label order (undefined: every row). */
  rows?: Uint32Array;
  /** The featurizer's per-column decisions: only columns the model uses are judged. */
  columns: FeaturizedColumn[];
}

/** One column (or feature) as codes 0..size-1 per sampled row; `missing` is the code for a missing cell, if any. */
interface Coded {
  name: string;
  codes: Int32Array;
  size: number;
  missing?: number;
}

export interface LookupScore {
  /** Classification: out-of-fold accuracy; regression: out-of-fold R². */
  score: number;
  /** Classification: share of the baseline's errors removed; regression: R². */
  reduction: number;
}

/** One column's (or feature's) out-of-fold lookup scores. */
export interface ColumnLeakageScore {
  feature: string;
  /** Classification: out-of-fold accuracy; regression: out-of-fold R². */
  score: number;
  /** Classification: share of the majority baseline's errors removed; regression: R². */
  reduction: number;
  /** The same lookup on whether the cell is missing, when any cell is. */
  missingness?: LookupScore;
}

/**
 * Scores every input column the model uses (or, without `source`, every feature of `X`)
 * with the out-of-fold lookup above. Weights are not used: a leak shows in the rows alone.
 */
export function singleColumnScores(X: FeatureMatrix, y: EncodedLabel, task: Task, source?: LeakageSource): { baseline?: number; scores: ColumnLeakageScore[] } {
  const n = y.values.length;
  const sample = evenSample(n, LEAKAGE_SAMPLE);
  if (sample.length < LEAKAGE_MIN_ROWS) return { scores: [] };
  const ySample = Float64Array.from(sample, (i) => y.values[i]);
  const k = task === 'classification' ? (y.classes?.length ?? 0) : 0;
  const foldOf = assignFolds(sample.length);
  const baseline = k > 0 ? majorityAccuracy(ySample, k) : undefined;
  const judge = (c: Coded): LookupScore => {
    if (baseline !== undefined) {
      const accuracy = lookupAccuracy(c, ySample, k, foldOf);
      return { score: accuracy, reduction: baseline >= 1 ? 0 : 1 - (1 - accuracy) / (1 - baseline) };
    }
    const r2 = lookupR2(c, ySample, foldOf);
    return { score: r2, reduction: r2 };
  };
  const scores: ColumnLeakageScore[] = [];
  for (const codings of source ? codeColumns(source, sample) : codeFeatures(X, sample)) {
    // A column read two ways (a number's quantile bins and its exact values) is judged by the better.
    const [coded, ...others] = codings;
    let best = judge(coded);
    for (const other of others) {
      const score = judge(other);
      if (score.reduction > best.reduction) best = score;
    }
    scores.push({ feature: coded.name, ...best, ...(coded.missing !== undefined ? { missingness: judge(missingness(coded)) } : {}) });
  }
  return { baseline, scores };
}

/** Target leakage detection over `singleColumnScores`: Alerted naming each column over the threshold. */
export function targetLeakageGuardrail(X: FeatureMatrix, y: EncodedLabel, task: Task, source?: LeakageSource): Guardrail {
  const name = 'Target leakage detection';
  if (y.values.length < LEAKAGE_MIN_ROWS) {
    return { name, status: 'Passed', description: `Too few labelled rows (${y.values.length}) to judge target leakage.` };
  }
  const classification = task === 'classification';
  const threshold = classification ? LEAKAGE_ERROR_REDUCTION : LEAKAGE_R2;
  const { baseline, scores } = singleColumnScores(X, y, task, source);
  const leaks: Record<string, unknown>[] = scores
    .filter((s) => s.reduction >= threshold)
    .map((s) => ({
      feature: s.feature,
      signal: s.missingness && s.missingness.reduction >= threshold ? 'missingness' : 'value',
      measure: classification ? 'out-of-fold accuracy of a one-column lookup' : 'out-of-fold R² of a one-column lookup',
      value: s.score,
      ...(classification ? { baseline, errorReduction: s.reduction } : {}),
      ...(s.missingness ? { missingnessValue: s.missingness.score } : {}),
    }));
  if (leaks.length === 0) {
    return {
      name,
      status: 'Passed',
      description: `No single ${source ? 'column' : 'feature'} predicts the label almost perfectly (out-of-fold one-column lookups${classification ? ` remove under ${LEAKAGE_ERROR_REDUCTION * 100}% of the majority class's errors` : ` have R² under ${LEAKAGE_R2}`}).`,
    };
  }
  const names = leaks.map((l) => String(l.feature));
  const what = leaks.map((l) => describeLeak(l, classification)).join('; ');
  const list = names.map((c) => `'${c}'`).join(', ');
  const times = new Set((source?.columns ?? []).filter(isTimeColumn).map((c) => c.name));
  if (names.every((n) => times.has(n))) {
    // A date or time index that alone predicts the label: a trending series (statsmodels' co2 weekly, R² 0.986), not a recorded outcome.
    const one = leaks.length === 1;
    return {
      name,
      status: 'Alerted',
      description:
        `${one ? `Column ${list} alone predicts` : `Columns ${list} each alone predict`} the label almost perfectly (${what}). ` +
        `${one ? 'It is a time' : 'They are times'}: the label follows a trend in time, which random cross-validation folds flatter (rows of the same weeks sit in training and validation, so the scores say how well the model fills gaps inside the period it saw). ` +
        'If the model will predict later times, use task: forecasting (time-ordered validation); ' +
        `if ${one ? 'the time is' : 'the times are'} recorded after the outcome, drop ${one ? 'it' : 'them'}: featurization: { drop_columns: [${names.join(', ')}] }.`,
      details: leaks.map((l) => ({ ...l, time: true })),
    };
  }
  return {
    name,
    status: 'Alerted',
    description:
      `${leaks.length === 1 ? `Column ${list} alone predicts` : `Columns ${list} each alone predict`} the label almost perfectly (${what}). ` +
      'This usually means the label leaked into the data: a value recorded after the outcome, or an ID or code sorted by the label. ' +
      `If ${leaks.length === 1 ? 'it is' : 'they are'} not known when the model will predict, drop ${leaks.length === 1 ? 'it' : 'them'}: ` +
      `featurization: { drop_columns: [${names.join(', ')}] } in the automl step, or drop ${leaks.length === 1 ? 'it' : 'them'} in the data preparation step.`,
    details: leaks,
  };
}

/** A column featurized as a date or time (calendar parts) or kept as a time index of distinct integers. */
function isTimeColumn(c: FeaturizedColumn): boolean {
  return c.purpose === 'DateTime' || (c.purpose === 'Numeric' && /time index/.test(c.note ?? ''));
}

function describeLeak(l: Record<string, unknown>, classification: boolean): string {
  const pct = (v: unknown) => `${(Number(v) * 100).toFixed(1)}%`;
  const head = classification
    ? `'${String(l.feature)}': ${pct(l.value)} out-of-fold accuracy where the majority class gives ${pct(l.baseline)}`
    : `'${String(l.feature)}': out-of-fold R² ${Number(l.value).toFixed(3)}`;
  if (l.signal === 'missingness') return `${head}; whether it is missing alone gives ${classification ? pct(l.missingnessValue) : `R² ${Number(l.missingnessValue).toFixed(3)}`}`;
  return head;
}

/** Codes for each raw input column the featurizer kept, read the way its purpose says (a number: its bins, and its exact values when few). */
function* codeColumns(source: LeakageSource, sample: number[]): Generator<Coded[]> {
  const byName = new Map(source.table.columns.map((c) => [c.name, c]));
  const rowOf = (s: number) => (source.rows ? source.rows[sample[s]] : sample[s]);
  for (const f of source.columns) {
    if (f.purpose === 'Label' || f.purpose === 'Ignore') continue;
    const column = byName.get(f.name);
    if (!column) continue;
    if (f.purpose === 'Numeric' || f.purpose === 'DateTime') {
      const read = f.purpose === 'DateTime' ? cellAsTime : cellAsNumber;
      const values = Float64Array.from(sample, (_, s) => read(column, rowOf(s)));
      // A "numeric" text column of yes/no words reads as NaN through cellAsNumber: fall back to its text.
      if (column.type !== 'string' || values.some((v) => !Number.isNaN(v))) {
        yield numberCodings(f.name, values);
        continue;
      }
    }
    yield [codeStrings(f.name, sample.length, (s) => cellAsString(column, rowOf(s)))];
  }
}

/** Without the raw table: every feature of the matrix as numbers. */
function* codeFeatures(X: FeatureMatrix, sample: number[]): Generator<Coded[]> {
  for (let j = 0; j < X.cols; j++) {
    const values = Float64Array.from(sample, (i) => X.values[j * X.rows + i]);
    yield numberCodings(X.featureNames?.[j] ?? `f${j}`, values);
  }
}

/** A number's codings: its quantile bins, and its exact values when they are few enough to repeat. */
function numberCodings(name: string, values: Float64Array): Coded[] {
  const exact = exactNumbers(name, values);
  return exact ? [binNumbers(name, values), exact] : [binNumbers(name, values)];
}

/**
 * A number's exact values as codes, when they are few enough to repeat: at most LEAKAGE_EXACT_MAX
 * distinct values, at least LEAKAGE_EXACT_ROWS rows each on average. Quantile bins miss a label
 * derived from such a column by cuts of its own (vega-datasets windvectors' `dirCat`, `dir`
 * rounded to 45° sectors: 64 quantile bins of 361 wind directions straddle the sectors' edges);
 * the exact values see it, as a categorical column's categories would.
 */
function exactNumbers(name: string, values: Float64Array): Coded | undefined {
  const index = new Map<number, number>();
  const codes = new Int32Array(values.length);
  let present = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) {
      codes[i] = -1;
      continue;
    }
    present++;
    let code = index.get(v);
    if (code === undefined) {
      if (index.size >= LEAKAGE_EXACT_MAX) return undefined;
      index.set(v, (code = index.size));
    }
    codes[i] = code;
  }
  if (index.size <= LEAKAGE_BINS || present < LEAKAGE_EXACT_ROWS * index.size) return undefined;
  return withMissingCode(name, codes, index.size);
}

function codeStrings(name: string, rows: number, cell: (s: number) => string | null): Coded {
  const index = new Map<string, number>();
  const codes = new Int32Array(rows);
  for (let s = 0; s < rows; s++) {
    const v = cell(s);
    if (!isPresentText(v)) {
      codes[s] = -1;
      continue;
    }
    let code = index.get(v);
    if (code === undefined) index.set(v, (code = index.size));
    codes[s] = code;
  }
  return withMissingCode(name, codes, index.size);
}

/** Quantile bins of the non-missing values (cuts from the values only, never the label). */
function binNumbers(name: string, values: Float64Array): Coded {
  const present = values.filter((v) => !Number.isNaN(v)).sort();
  const cuts: number[] = [];
  for (let b = 1; b < LEAKAGE_BINS && present.length > 0; b++) {
    const c = present[Math.floor((b * present.length) / LEAKAGE_BINS)];
    if (cuts.length === 0 || c > cuts[cuts.length - 1]) cuts.push(c);
  }
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) {
      codes[i] = -1;
      continue;
    }
    let lo = 0;
    let hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cuts[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    codes[i] = lo;
  }
  return withMissingCode(name, codes, cuts.length + 1);
}

/** Replaces the placeholder −1 by a code of its own after the value codes. */
function withMissingCode(name: string, codes: Int32Array, size: number): Coded {
  let anyMissing = false;
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] < 0) {
      codes[i] = size;
      anyMissing = true;
    }
  }
  return anyMissing ? { name, codes, size: size + 1, missing: size } : { name, codes, size };
}

/** The same column reduced to two codes: present (0) or missing (1). */
function missingness(c: Coded): Coded {
  return { name: c.name, codes: Int32Array.from(c.codes, (code) => (code === c.missing ? 1 : 0)), size: 2 };
}

/** A seeded shuffle dealt round robin, so rows sorted by label still spread over the folds. */
function assignFolds(rows: number): Int32Array {
  const order = new Random(17).shuffle(Array.from({ length: rows }, (_, i) => i));
  const foldOf = new Int32Array(rows);
  order.forEach((row, position) => (foldOf[row] = position % LEAKAGE_FOLDS));
  return foldOf;
}

function majorityAccuracy(y: Float64Array, k: number): number {
  const counts = new Float64Array(k);
  for (const v of y) counts[v]++;
  return Math.max(...counts) / y.length;
}

/**
 * Out-of-fold accuracy of "the most frequent class among the training folds' rows with this
 * code"; a code the training folds never saw predicts their most frequent class.
 */
function lookupAccuracy(c: Coded, y: Float64Array, k: number, foldOf: Int32Array): number {
  const counts = new Float64Array(LEAKAGE_FOLDS * c.size * k);
  const totals = new Float64Array(LEAKAGE_FOLDS * k);
  for (let i = 0; i < y.length; i++) {
    counts[(foldOf[i] * c.size + c.codes[i]) * k + y[i]]++;
    totals[foldOf[i] * k + y[i]]++;
  }
  // Training-fold counts = all folds minus the held-out one.
  const all = new Float64Array(c.size * k);
  const allTotals = new Float64Array(k);
  for (let f = 0; f < LEAKAGE_FOLDS; f++) {
    for (let j = 0; j < c.size * k; j++) all[j] += counts[f * c.size * k + j];
    for (let j = 0; j < k; j++) allTotals[j] += totals[f * k + j];
  }
  const predicted = new Int32Array(LEAKAGE_FOLDS * c.size);
  for (let f = 0; f < LEAKAGE_FOLDS; f++) {
    let fallback = 0;
    for (let j = 1; j < k; j++) if (allTotals[j] - totals[f * k + j] > allTotals[fallback] - totals[f * k + fallback]) fallback = j;
    for (let code = 0; code < c.size; code++) {
      let best = -1;
      let bestCount = 0;
      for (let j = 0; j < k; j++) {
        const count = all[code * k + j] - counts[(f * c.size + code) * k + j];
        if (count > bestCount) {
          bestCount = count;
          best = j;
        }
      }
      predicted[f * c.size + code] = best < 0 ? fallback : best;
    }
  }
  let correct = 0;
  for (let i = 0; i < y.length; i++) if (predicted[foldOf[i] * c.size + c.codes[i]] === y[i]) correct++;
  return correct / y.length;
}

/** Out-of-fold R² of "the training folds' mean label for this code" (overall mean when unseen). */
function lookupR2(c: Coded, y: Float64Array, foldOf: Int32Array): number {
  const sum = new Float64Array(LEAKAGE_FOLDS * c.size);
  const count = new Float64Array(LEAKAGE_FOLDS * c.size);
  const allSum = new Float64Array(c.size);
  const allCount = new Float64Array(c.size);
  const foldSum = new Float64Array(LEAKAGE_FOLDS);
  const foldCount = new Float64Array(LEAKAGE_FOLDS);
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const cell = foldOf[i] * c.size + c.codes[i];
    sum[cell] += y[i];
    count[cell]++;
    allSum[c.codes[i]] += y[i];
    allCount[c.codes[i]]++;
    foldSum[foldOf[i]] += y[i];
    foldCount[foldOf[i]]++;
    total += y[i];
  }
  const mean = total / y.length;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < y.length; i++) {
    const f = foldOf[i];
    const code = c.codes[i];
    const n = allCount[code] - count[f * c.size + code];
    const trainMean = (total - foldSum[f]) / Math.max(1, y.length - foldCount[f]);
    const pred = n > 0 ? (allSum[code] - sum[f * c.size + code]) / n : trainMean;
    sse += (y[i] - pred) ** 2;
    sst += (y[i] - mean) ** 2;
  }
  return sst > 0 ? 1 - sse / sst : 0;
}

function evenSample(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, s) => Math.floor((s * n) / max));
}
