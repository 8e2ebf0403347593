import type { TableColumn } from '../types';

/**
 * Reading one cell of a column whatever its stored type. `transform` reads through these
 * so a model trained on a CSV where `Pclass` came in as text still scores a Parquet file
 * where it is a number: the state says what the model expects, the accessors adapt.
 */

/** The cell as a number: numbers as they are, strings parsed, booleans 0/1; NaN for null or unparseable. */
export function cellAsNumber(column: TableColumn, i: number): number {
  if (column.type === 'string') return parseNumber(column.values[i]);
  return column.values[i];
}

/** A text cell that is present: not null, and not empty or only spaces (those count as missing). */
export function isPresentText(v: string | null): v is string {
  return v !== null && v.trim() !== '';
}

/** The cell as a category key: strings as they are, numbers printed; null for missing. */
export function cellAsString(column: TableColumn, i: number): string | null {
  if (column.type === 'string') return column.values[i];
  const v = column.values[i];
  if (Number.isNaN(v)) return null;
  if (column.type === 'boolean') return v ? 'true' : 'false';
  if (column.type === 'datetime') return new Date(v).toISOString();
  return String(v);
}

/** The cell as epoch milliseconds (datetime columns, or ISO strings parsed); NaN when missing. */
export function cellAsTime(column: TableColumn, i: number): number {
  if (column.type === 'string') return parseDate(column.values[i]);
  return column.values[i];
}

/**
 * Text that stands for a missing value in files written by R, pandas, spreadsheets and UCI-style
 * tables (compared trimmed, in lower case). DuckDB's CSV reader takes only empty fields as NULL,
 * so a numeric column with `NA` in it arrives as text; featurization reads such a column as
 * numbers with these cells missing (choosePlan), never as categories. A text column keeps them
 * as values: `NA` may be a real category (a region).
 */
const MISSING_MARKERS = new Set(['na', 'n/a', '#n/a', 'nan', 'null', 'none', 'nil', 'missing', '?', '-', '--', '.']);

export function isMissingMarker(s: string): boolean {
  return s.length <= 7 && MISSING_MARKERS.has(s.trim().toLowerCase());
}

/**
 * Numbers as spreadsheets and reports format them: thousands grouped by commas, a leading
 * currency sign, a trailing percent (`1,234,567`, `$1,200.50`, `-€3,000`, `45%`, `12.5 %`).
 * Groups must be exactly three digits, so a decimal comma (`1,5`) is not read as 15.
 */
const FORMATTED_NUMBER = /^([-+]?)[$€£¥]?\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?%?$/;

/** The number in a text cell: plain (`3`, ` 2.5 `, `1e3`) or formatted (`1,234`, `$1,200.50`, `45%`, read as 45); NaN otherwise. */
export function parseNumber(s: string | null): number {
  if (s === null) return NaN;
  const t = s.trim();
  if (t === '') return NaN;
  const v = Number(t);
  if (Number.isFinite(v)) return v;
  const m = FORMATTED_NUMBER.exec(t);
  return m ? Number(`${m[1]}${m[2].replace(/,/g, '')}${m[3] ?? ''}`) : NaN;
}

const TRUE_WORDS = new Set(['true', 'yes']);
const FALSE_WORDS = new Set(['false', 'no']);

/** 1, 0, or NaN when the text is not a boolean word. */
export function parseBoolean(s: string | null): number {
  if (s === null) return NaN;
  const t = s.trim().toLowerCase();
  if (TRUE_WORDS.has(t)) return 1;
  if (FALSE_WORDS.has(t)) return 0;
  return NaN;
}

/** ISO-like dates and date-times: `2012-01-31`, `2012-1-31 08:15`, `2012/01/31T08:15:00.5+02:00`. */
const ISO_DATE = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Dates with the month's English name, as spreadsheets and US sources write them: `Jun 12 1998`,
 * `June 12, 1998`, `12 Jun 1998`, `12-Jun-1998`, and day first with a two-digit year, Excel's
 * `d-mmm-yy` (`19-Sep-03`: matplotlib's sample msft.csv, old Yahoo Finance exports).
 */
const MONTH_FIRST = /^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$/;
const DAY_FIRST = /^(\d{1,2})[\s-]([A-Za-z]{3,9})\.?,?[\s-](\d{4}|\d{2})$/;

/** A year as written: four digits as they are; two digits as POSIX strptime's `%y` (and pandas) read them, 69–99 → 1969–1999, 00–68 → 2000–2068. */
function fullYear(written: string): number {
  const y = Number(written);
  return written.length === 2 ? (y >= 69 ? 1900 + y : 2000 + y) : y;
}
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** 1–12 for a month's English name or its first three letters (`Sept` too), any case; NaN otherwise. */
function monthNumber(name: string): number {
  const t = name.toLowerCase();
  const i = MONTH_NAMES.findIndex((m) => m === t || m.slice(0, 3) === t || (t === 'sept' && m === 'september'));
  return i < 0 ? NaN : i + 1;
}

/** Epoch ms (UTC) of a date written with its month's name, or NaN. */
function parseNamedMonthDate(t: string): number {
  const mf = MONTH_FIRST.exec(t);
  const df = mf ? null : DAY_FIRST.exec(t);
  if (!mf && !df) return NaN;
  const [month, day, year] = mf ? [monthNumber(mf[1]), Number(mf[2]), Number(mf[3])] : [monthNumber(df![2]), Number(df![1]), fullYear(df![3])];
  if (!(month >= 1) || day < 1 || day > 31) return NaN;
  return Date.UTC(year, month - 1, day);
}

/**
 * Epoch ms (UTC) of a date written as the number YYYYMMDD (`19580329`, as Stata, SAS and many
 * data exports store dates: statsmodels' co2.csv), or NaN when the number is not such a date
 * (not an integer, a year outside 1700–2200, no such month or day).
 */
export function yyyymmddTime(v: number): number {
  if (!Number.isInteger(v) || v < 17_000_101 || v > 22_001_231) return NaN;
  const year = Math.floor(v / 10_000);
  const month = Math.floor(v / 100) % 100;
  const day = v % 100;
  if (month < 1 || month > 12 || day < 1) return NaN;
  const ms = Date.UTC(year, month - 1, day);
  // Date.UTC rolls day 31 of a 30-day month over: such a number is not a date.
  return new Date(ms).getUTCDate() === day ? ms : NaN;
}

/** Epoch ms for an ISO-like date string (UTC unless it names a zone) or a date with the month's name, or NaN. */
export function parseDate(s: string | null): number {
  if (s === null) return NaN;
  const trimmed = s.trim();
  const m = ISO_DATE.exec(trimmed);
  if (!m) return parseNamedMonthDate(trimmed);
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return NaN;
  let ms = Date.UTC(Number(y), month - 1, day, Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0), frac ? Math.round(Number(frac) * 1000) : 0);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}

/** 32-bit FNV-1a: a stable, dependency-free hash for hashed encodings (same in every process). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Lower-case word tokens of a text cell. */
export function tokenize(s: string): string[] {
  return s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}
