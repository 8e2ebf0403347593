import type { TableColumn } from '../types';
import { isPresentText, isMissingMarker, parseBoolean, parseDate, parseNumber, tokenize } from './columnValues';

/**
 * What featurization needs to know about a column, measured over the training rows in one
 * pass (strings: one pass to count distinct values, then work per distinct value, so a
 * 3M-row column with 300 airports costs one Map fill, not 3M parses).
 */
export interface ColumnProfile {
  rows: number;
  missing: number;
  distinct: number;
  /** Numbers (or numbers parsed from text): every non-missing value is an integer. */
  integers: boolean;
  /** Text: non-missing rows whose value is a missing-value marker (`NA`, `?`, … see `isMissingMarker`). */
  markers: number;
  /** Text: share of non-missing rows, markers left out, whose value parses as a number / boolean word / ISO date. */
  numericShare: number;
  booleanShare: number;
  dateShare: number;
  /** Text: mean number of word tokens per non-missing row. */
  meanTokens: number;
  /** Datetime (or parsed dates): whether the time of day varies (else only date parts are useful). */
  timeOfDayVaries: boolean;
  /** Text: value → row count, for categorical encodings (absent for other types). */
  counts?: Map<string, number>;
  /** Numbers: the non-missing values in row order (stats that need them compute lazily). */
  numbers?: Float64Array;
  /** Numbers: their mean (the default imputation, so it is computed in the profiling pass). */
  mean?: number;
}

/**
 * Distinct numbers are counted exactly up to this many; past it a column is simply "many
 * values" (a continuous column, where the exact count changes no decision), unless it could
 * be an all-distinct integer ID, which is then checked exactly.
 */
export const DISTINCT_CAP = 1000;

/** `rows` selects the training rows (rows whose label is present); all rows when absent. */
export function profileColumn(column: TableColumn, rows?: Uint32Array, tableRows?: number): ColumnProfile {
  const n = rows ? rows.length : (tableRows ?? column.values.length);
  const at = rows ? (i: number) => rows[i] : (i: number) => i;
  if (column.type === 'string') {
    const counts = new Map<string, number>();
    let missing = 0;
    for (let r = 0; r < n; r++) {
      const v = column.values[at(r)];
      if (!isPresentText(v)) {
        missing++;
        continue;
      }
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const present = n - missing;
    let numeric = 0;
    let boolean = 0;
    let date = 0;
    let tokens = 0;
    let integers = true;
    let timeVaries = false;
    let markers = 0;
    for (const [value, count] of counts) {
      if (isMissingMarker(value)) {
        markers += count;
        continue;
      }
      const num = parseNumber(value);
      if (!Number.isNaN(num)) {
        numeric += count;
        if (!Number.isInteger(num)) integers = false;
      }
      if (!Number.isNaN(parseBoolean(value))) boolean += count;
      const t = parseDate(value);
      if (!Number.isNaN(t)) {
        date += count;
        if (t % 86_400_000 !== 0) timeVaries = true;
      }
      tokens += tokenize(value).length * count;
    }
    const valued = present - markers;
    return {
      rows: n,
      missing,
      distinct: counts.size,
      integers: integers && numeric > 0,
      markers,
      numericShare: valued ? numeric / valued : 0,
      booleanShare: valued ? boolean / valued : 0,
      dateShare: valued ? date / valued : 0,
      meanTokens: present ? tokens / present : 0,
      timeOfDayVaries: timeVaries,
      counts,
    };
  }
  const values = column.values;
  const kept = new Float64Array(n);
  let m = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  let timeVaries = false;
  const seen = new Set<number>();
  let overflow = false;
  for (let r = 0; r < n; r++) {
    const v = values[at(r)];
    if (v !== v) continue;
    kept[m++] = v;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (integers && !Number.isInteger(v)) integers = false;
    if (!timeVaries && column.type === 'datetime' && v % 86_400_000 !== 0) timeVaries = true;
    if (!overflow) {
      seen.add(v);
      if (seen.size > DISTINCT_CAP) overflow = true;
    }
  }
  const numbers = kept.subarray(0, m);
  let distinct = seen.size;
  // An all-distinct integer column is an ID candidate: only then is the exact count worth a sort.
  if (overflow && integers && max - min + 1 >= m) distinct = countDistinct(Float64Array.from(numbers).sort());
  return {
    rows: n,
    missing: n - m,
    distinct,
    integers: integers && m > 0,
    markers: 0,
    numericShare: 1,
    booleanShare: column.type === 'boolean' ? 1 : 0,
    dateShare: column.type === 'datetime' ? 1 : 0,
    meanTokens: 0,
    timeOfDayVaries: timeVaries,
    numbers,
    mean: m > 0 ? sum / m : NaN,
  };
}

function countDistinct(sorted: Float64Array): number {
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  return distinct;
}

/** The most frequent value (the smallest on ties); NaN when empty. */
export function modeOf(values: Float64Array): number {
  // Few distinct values (booleans, codes): count them; many: sort a copy and scan runs.
  const counts = new Map<number, number>();
  for (const v of values) {
    counts.set(v, (counts.get(v) ?? 0) + 1);
    if (counts.size > DISTINCT_CAP) return modeBySort(values);
  }
  let best = NaN;
  let bestCount = 0;
  for (const [v, c] of counts) {
    if (c > bestCount || (c === bestCount && v < best)) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

function modeBySort(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  let best = NaN;
  let bestCount = 0;
  let run = 0;
  for (let i = 0; i < sorted.length; i++) {
    run = i > 0 && sorted[i] === sorted[i - 1] ? run + 1 : 1;
    if (run > bestCount) {
      bestCount = run;
      best = sorted[i];
    }
  }
  return best;
}

/** Categories by descending count, then by name, so the order never depends on row order. */
export function categoriesByFrequency(counts: Map<string, number>): [string, number][] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
