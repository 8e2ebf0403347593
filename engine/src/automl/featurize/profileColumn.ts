import type { TableColumn } from '../types';
import { parseBoolean, parseDate, parseNumber, tokenize } from './columnValues';

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
  /** Text: share of non-missing rows whose value parses as a number / boolean word / ISO date. */
  numericShare: number;
  booleanShare: number;
  dateShare: number;
  /** Text: mean number of word tokens per non-missing row. */
  meanTokens: number;
  /** Datetime (or parsed dates): whether the time of day varies (else only date parts are useful). */
  timeOfDayVaries: boolean;
  /** Text: value → row count, for categorical encodings (absent for other types). */
  counts?: Map<string, number>;
  /** Numbers: values sorted ascending, non-missing only (median, mode, distinct). */
  sortedNumbers?: Float64Array;
}

/** `rows` selects the training rows (rows whose label is present); all rows when absent. */
export function profileColumn(column: TableColumn, rows?: Uint32Array, tableRows?: number): ColumnProfile {
  const n = rows ? rows.length : (tableRows ?? column.values.length);
  const at = rows ? (i: number) => rows[i] : (i: number) => i;
  if (column.type === 'string') {
    const counts = new Map<string, number>();
    let missing = 0;
    for (let r = 0; r < n; r++) {
      const v = column.values[at(r)];
      if (v === null || v.trim() === '') {
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
    for (const [value, count] of counts) {
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
    return {
      rows: n,
      missing,
      distinct: counts.size,
      integers: integers && numeric > 0,
      numericShare: present ? numeric / present : 0,
      booleanShare: present ? boolean / present : 0,
      dateShare: present ? date / present : 0,
      meanTokens: present ? tokens / present : 0,
      timeOfDayVaries: timeVaries,
      counts,
    };
  }
  const values = column.values;
  const kept = new Float64Array(n);
  let m = 0;
  for (let r = 0; r < n; r++) {
    const v = values[at(r)];
    if (!Number.isNaN(v)) kept[m++] = v;
  }
  const sorted = kept.subarray(0, m).sort();
  let distinct = 0;
  let integers = true;
  let timeVaries = false;
  for (let i = 0; i < m; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
    if (integers && !Number.isInteger(sorted[i])) integers = false;
    if (!timeVaries && column.type === 'datetime' && sorted[i] % 86_400_000 !== 0) timeVaries = true;
  }
  return {
    rows: n,
    missing: n - m,
    distinct,
    integers: integers && m > 0,
    numericShare: 1,
    booleanShare: column.type === 'boolean' ? 1 : 0,
    dateShare: column.type === 'datetime' ? 1 : 0,
    meanTokens: 0,
    timeOfDayVaries: timeVaries,
    sortedNumbers: sorted,
  };
}

/** Median of an ascending array; NaN when empty. */
export function sortedMedian(sorted: Float64Array): number {
  const m = sorted.length;
  if (m === 0) return NaN;
  return m % 2 === 1 ? sorted[m >> 1] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2;
}

/** Most frequent value of an ascending array (the smallest on ties); NaN when empty. */
export function sortedMode(sorted: Float64Array): number {
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

export function sortedMean(sorted: Float64Array): number {
  if (sorted.length === 0) return NaN;
  let s = 0;
  for (const v of sorted) s += v;
  return s / sorted.length;
}

/** Categories by descending count, then by name, so the order never depends on row order. */
export function categoriesByFrequency(counts: Map<string, number>): [string, number][] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
