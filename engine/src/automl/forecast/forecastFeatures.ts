import { WeirError } from '../../errors';
import type { FeatureMatrix } from '../../gbdt/api';
import { cellAsNumber, cellAsString, cellAsTime } from '../featurize/columnValues';
import type { ColumnarTable, TableColumn } from '../types';

/**
 * Forecasting as regression over (origin, horizon) pairs — the "direct" strategy with one
 * model for every horizon. For each series, each forecast origin o (the last period whose
 * value is known) and each step h = 1 … forecast_horizon, one row is built:
 *
 * - `lag_l` = the value l − 1 periods before the origin (lag_1 is the value at the origin),
 * - `roll_mean/min/max/std` over the `target_rolling_window_size` values ending at the origin,
 * - `seasonal` = the value one or more whole seasons before the target period (what
 *   SeasonalNaive predicts),
 * - calendar parts of the target period, the horizon h and the series code,
 *
 * and the target is the value at o + h.
 *
 * Everything is relative to the level at the origin: the target is y(o + h) − y(o), and
 * every level feature except `lag_1` itself is given minus `lag_1`. Trees cannot predict
 * outside the values they saw, so on a trending series (CO2) a tree on raw levels fails
 * exactly where a forecast matters; on differences it only has to learn the change, and
 * `base` (= lag_1) is added back to every prediction. The same builder makes the rows at
 * predict time from the series' last values stored in the model, so training and scoring
 * cannot drift.
 * Periods come from the inferred frequency; missing periods are NaN (boosting handles them).
 */
export interface ForecastSpec {
  timeColumn: string;
  seriesColumns: string[];
  label: string;
  horizon: number;
  lags: number[];
  window?: number;
  seasonality: number;
  frequency: Frequency;
  featureNames: string[];
  /** Per series key: its code, last period index and the most recent values (oldest first). */
  series: Record<string, { code: number; lastPeriod: number; tail: number[] }>;
}

/** Calendar months, or a fixed step in milliseconds. */
export type Frequency = { unit: 'month'; months: number } | { unit: 'ms'; step: number };

export interface ForecastTable {
  X: FeatureMatrix;
  /** Target relative to the origin's value: y(o + h) − y(o). */
  y: Float32Array;
  /** The origin's value per row; prediction = model output + base. */
  base: Float64Array;
  /** Period index of the origin and of the target, per row (for rolling-origin folds). */
  originPeriod: Float64Array;
  targetPeriod: Float64Array;
  horizon: Float64Array;
  /** Target time in epoch ms per row (for charts). */
  targetTime: Float64Array;
  spec: ForecastSpec;
}

export interface ForecastSettings {
  timeColumn: string;
  seriesColumns: string[];
  label: string;
  horizon: number;
  lags: number[] | 'auto';
  rollingWindow: number | 'auto' | undefined;
  seasonality: number | 'auto';
}

const MS_DAY = 86_400_000;

export function buildForecastTable(table: ColumnarTable, s: ForecastSettings): ForecastTable {
  const timeCol = requireColumn(table, s.timeColumn);
  const labelCol = requireColumn(table, s.label);
  const idCols = s.seriesColumns.map((c) => requireColumn(table, c));
  const bySeries = new Map<string, { t: number; v: number }[]>();
  for (let i = 0; i < table.rows; i++) {
    const t = cellAsTime(timeCol, i);
    if (!Number.isFinite(t)) continue;
    const key = seriesKey(idCols, i);
    let list = bySeries.get(key);
    if (!list) bySeries.set(key, (list = []));
    list.push({ t, v: cellAsNumber(labelCol, i) });
  }
  if (bySeries.size === 0) throw new WeirError('BAD_INPUT', `time column '${s.timeColumn}' has no readable dates`);
  const keys = [...bySeries.keys()].sort();
  for (const k of keys) bySeries.get(k)!.sort((a, b) => a.t - b.t);
  const frequency = inferFrequency(keys.map((k) => bySeries.get(k)!.map((p) => p.t)));
  const seasonality = s.seasonality === 'auto' ? defaultSeasonality(frequency) : s.seasonality;
  // lag_1 (the value at the origin) is always kept: it is what the Naive baseline predicts.
  const lags = s.lags === 'auto' ? Array.from({ length: Math.max(1, Math.min(seasonality, 12)) }, (_, i) => i + 1) : [...new Set([1, ...s.lags])].sort((a, b) => a - b);
  const window = s.rollingWindow === 'auto' ? (seasonality >= 2 ? seasonality : undefined) : s.rollingWindow;
  const featureNames = forecastFeatureNames(lags, window);
  const spec: ForecastSpec = { timeColumn: s.timeColumn, seriesColumns: s.seriesColumns, label: s.label, horizon: s.horizon, lags, window, seasonality, frequency, featureNames, series: {} };
  const history = Math.max(lags[lags.length - 1], window ?? 1);
  const tailLength = Math.max(history, seasonality);

  const rowsOut: { features: number[]; y: number; base: number; origin: number; target: number; h: number; time: number }[] = [];
  keys.forEach((key, code) => {
    const points = bySeries.get(key)!;
    const p0 = periodOf(frequency, points[0].t);
    const last = periodOf(frequency, points[points.length - 1].t);
    const values = new Float64Array(last - p0 + 1).fill(NaN);
    for (const p of points) {
      const idx = periodOf(frequency, p.t) - p0;
      // Duplicate periods keep the later value, as a later observation corrects an earlier one.
      values[idx] = p.v;
    }
    spec.series[key] = { code, lastPeriod: last, tail: Array.from(values.subarray(Math.max(0, values.length - tailLength))) };
    for (let o = history - 1; o < values.length - 1; o++) {
      const base = values[o];
      // Without a value at the origin there is no level to forecast from.
      if (!Number.isFinite(base)) continue;
      for (let h = 1; h <= s.horizon && o + h < values.length; h++) {
        const target = values[o + h];
        if (!Number.isFinite(target)) continue;
        const period = p0 + o + h;
        rowsOut.push({ features: featureRow(values, o, h, lags, window, seasonality, timeOfPeriod(frequency, period), code), y: target - base, base, origin: p0 + o, target: period, h, time: timeOfPeriod(frequency, period) });
      }
    }
  });
  if (rowsOut.length === 0) {
    throw new WeirError('BAD_INPUT', `not enough history to build forecasting rows: each series needs more than ${history} periods with values of '${s.label}'`);
  }
  const n = rowsOut.length;
  const cols = featureNames.length;
  const values = new Float32Array(n * cols);
  rowsOut.forEach((r, i) => r.features.forEach((v, j) => (values[j * n + i] = v)));
  return {
    X: { rows: n, cols, values, featureNames },
    y: Float32Array.from(rowsOut, (r) => r.y),
    base: Float64Array.from(rowsOut, (r) => r.base),
    originPeriod: Float64Array.from(rowsOut, (r) => r.origin),
    targetPeriod: Float64Array.from(rowsOut, (r) => r.target),
    horizon: Float64Array.from(rowsOut, (r) => r.h),
    targetTime: Float64Array.from(rowsOut, (r) => r.time),
    spec,
  };
}

/**
 * Feature rows for future periods: each input row names a series (by its id columns) and a
 * time; the forecast origin is the series' last training period.
 */
export function forecastRows(table: ColumnarTable, spec: ForecastSpec): { X: FeatureMatrix; horizon: Float64Array; base: Float64Array } {
  const timeCol = requireColumn(table, spec.timeColumn);
  const idCols = spec.seriesColumns.map((c) => requireColumn(table, c));
  const n = table.rows;
  const cols = spec.featureNames.length;
  const values = new Float32Array(n * cols);
  const horizon = new Float64Array(n);
  const base = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const key = seriesKey(idCols, i);
    const series = spec.series[key];
    if (!series) throw new WeirError('BAD_INPUT', `row ${i + 1}: series '${key}' was not in the training data`);
    const t = cellAsTime(timeCol, i);
    if (!Number.isFinite(t)) throw new WeirError('BAD_INPUT', `row ${i + 1}: '${spec.timeColumn}' is not a date`);
    const h = periodOf(spec.frequency, t) - series.lastPeriod;
    if (h < 1 || h > spec.horizon) {
      throw new WeirError('BAD_INPUT', `row ${i + 1}: ${new Date(t).toISOString()} is ${h} periods after the end of the training data; the model forecasts 1 to ${spec.horizon} periods ahead`);
    }
    const tail = Float64Array.from(series.tail);
    const row = featureRow(tail, tail.length - 1, h, spec.lags, spec.window, spec.seasonality, t, series.code);
    row.forEach((v, j) => (values[j * n + i] = v));
    horizon[i] = h;
    base[i] = tail[tail.length - 1];
    if (!Number.isFinite(base[i])) throw new WeirError('BAD_INPUT', `row ${i + 1}: series '${key}' has no value at the end of its training data to forecast from`);
  }
  return { X: { rows: n, cols, values, featureNames: spec.featureNames }, horizon, base };
}

function forecastFeatureNames(lags: number[], window: number | undefined): string[] {
  return [
    ...lags.map((l) => `lag_${l}`),
    ...(window ? ['roll_mean', 'roll_min', 'roll_max', 'roll_std'] : []),
    'seasonal',
    'horizon',
    'year',
    'month',
    'day',
    'day_of_week',
    'day_of_year',
    'hour',
    'series',
  ];
}

function featureRow(values: ArrayLike<number>, o: number, h: number, lags: number[], window: number | undefined, season: number, targetTime: number, code: number): number[] {
  const at = (i: number) => (i >= 0 && i <= o ? values[i] : NaN);
  const level = at(o);
  // lag_1 stays a level (it tells linear models where the series is); every other level feature is relative to it.
  const row = lags.map((l) => (l === 1 ? level : at(o - l + 1) - level));
  if (window) {
    let sum = 0;
    let sq = 0;
    let count = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = o - window + 1; i <= o; i++) {
      const v = at(i);
      if (!Number.isFinite(v)) continue;
      sum += v;
      sq += v * v;
      count++;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const mean = count ? sum / count : NaN;
    row.push(mean - level, count ? min - level : NaN, count ? max - level : NaN, count > 1 ? Math.sqrt(Math.max(0, sq / count - mean * mean)) : NaN);
  }
  const seasonsBack = Math.ceil(h / season);
  row.push(at(o + h - seasonsBack * season) - level);
  const d = new Date(targetTime);
  const startOfYear = Date.UTC(d.getUTCFullYear(), 0, 1);
  row.push(h, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCDay(), Math.floor((targetTime - startOfYear) / MS_DAY) + 1, d.getUTCHours(), code);
  return row;
}

/** Monthly when steps are 28–31 days (or multiples up to a year), else the median step. */
export function inferFrequency(seriesTimes: number[][]): Frequency {
  const diffs: number[] = [];
  for (const times of seriesTimes) for (let i = 1; i < times.length; i++) if (times[i] > times[i - 1]) diffs.push(times[i] - times[i - 1]);
  if (diffs.length === 0) return { unit: 'ms', step: MS_DAY };
  diffs.sort((a, b) => a - b);
  const median = diffs[Math.floor(diffs.length / 2)];
  const days = median / MS_DAY;
  for (const months of [1, 3, 6, 12]) {
    if (days >= 28 * months && days <= 31 * months + (months >= 12 ? 1 : 0)) return { unit: 'month', months };
  }
  return { unit: 'ms', step: median };
}

function defaultSeasonality(f: Frequency): number {
  if (f.unit === 'month') return f.months === 1 ? 12 : f.months === 3 ? 4 : f.months === 6 ? 2 : 1;
  const hours = f.step / 3_600_000;
  if (Math.abs(hours - 1) < 0.01) return 24;
  if (Math.abs(hours - 24) < 0.01) return 7;
  if (Math.abs(hours - 168) < 0.01) return 52;
  return 1;
}

export function periodOf(f: Frequency, t: number): number {
  if (f.unit === 'month') {
    const d = new Date(t);
    return Math.floor((d.getUTCFullYear() * 12 + d.getUTCMonth()) / f.months);
  }
  return Math.round(t / f.step);
}

function timeOfPeriod(f: Frequency, p: number): number {
  if (f.unit === 'month') {
    const m = p * f.months;
    return Date.UTC(Math.floor(m / 12), m % 12, 1);
  }
  return p * f.step;
}

function seriesKey(idCols: TableColumn[], i: number): string {
  return idCols.length === 0 ? '' : idCols.map((c) => cellAsString(c, i) ?? '').join('\u241f');
}

function requireColumn(table: ColumnarTable, name: string): TableColumn {
  const c = table.columns.find((col) => col.name === name);
  if (!c) throw new WeirError('BAD_INPUT', `column '${name}' is not in the data (columns: ${table.columns.map((x) => x.name).join(', ')})`);
  return c;
}
