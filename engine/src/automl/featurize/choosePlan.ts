import { WeirError } from '../../errors';
import { medianOf } from '../../util/median';
import type { FeaturizationSettings, FeaturizedColumn, TableColumn } from '../types';
import { naturalOrder, type ColumnPlan, type DatePart, type ImputeStrategy } from './columnPlan';
import { isMissingMarker, parseBoolean, parseDate, parseNumber, tokenize, yyyymmddTime } from './columnValues';
import { categoriesByFrequency, modeOf, type ColumnProfile } from './profileColumn';

/** Up to this many distinct values a categorical column is one-hot encoded (auto mode). */
export const ONE_HOT_MAX_CATEGORIES = 16;
/** A user-declared categorical column is one-hot encoded up to this many values. */
const DECLARED_ONE_HOT_MAX = 64;
/** Frequency encoding keeps this many categories; rarer ones share the "other" frequency. */
const FREQUENCY_MAX_CATEGORIES = 1000;
const HASH_BUCKETS = 32;
/** Free text keeps the words found in at least this share of rows, at most TEXT_VOCABULARY of them. */
const TEXT_MIN_ROW_SHARE = 0.01;
const TEXT_VOCABULARY = 32;
/**
 * A date column's features: its calendar parts and the time itself (`days` since 1970-01-01,
 * so a trend over the years is one cut and a linear model's one coefficient, as a scikit-learn
 * user's epoch column is). Models saved before `days` list their parts and keep them.
 */
const DATE_PARTS: readonly DatePart[] = (process.env.WEIR_DATE_DAYS === 'off' ? ['year', 'month', 'day', 'weekday', 'dayofyear'] : ['year', 'month', 'day', 'weekday', 'dayofyear', 'days']) as DatePart[];

/** Text whose values parse as numbers/booleans/dates at least this often is read as such. */
const PARSE_SHARE = 0.98;
/** All-unique integer or text columns at least this long are IDs, not features. */
const ID_MIN_ROWS = 50;
/** A high-cardinality text column with at least this many words per value is free text. */
const TEXT_MIN_TOKENS = 3;

export interface PlanChoice {
  plan: ColumnPlan;
  purpose: FeaturizedColumn['purpose'];
  note?: string;
  /** Set when the column was high-cardinality (guardrail detail). */
  highCardinality?: boolean;
  /** Missing cells as the plan reads them, when more than the profile's (markers such as `NA` in a column read as numbers or dates). */
  missing?: number;
}

export interface PlanContext {
  settings: FeaturizationSettings;
  blocked: Set<string>;
}

/**
 * Decides how a column is featurized, from its profile. Custom settings (purposes, drops,
 * imputation strategies) override what auto mode would infer, column by column.
 */
export function choosePlan(column: TableColumn, profile: ColumnProfile, ctx: PlanContext): PlanChoice {
  const { settings } = ctx;
  const present = profile.rows - profile.missing;
  if (settings.dropColumns?.includes(column.name)) return ignore('dropped by featurization settings');
  const declared = settings.mode === 'custom' ? settings.columnPurposes?.[column.name] : undefined;
  const impute = settings.transformerParams?.[column.name];

  if (settings.mode === 'off') {
    if (column.type === 'number' || column.type === 'boolean') {
      return { plan: { kind: 'numeric', read: 'number', strategy: 'none', fill: NaN, indicator: false }, purpose: 'Numeric', note: 'featurization off: used as it is' };
    }
    throw new WeirError('INTERNAL', `featurization off reached column '${column.name}' of type ${column.duckType}; fitFeaturizer rejects those first`);
  }

  if (present === 0) return ignore('all values are missing');
  if (declared === 'Ignore' || declared === 'Label') return ignore('purpose Ignore in featurization settings');
  if (!declared && profile.distinct === 1 && profile.missing === 0) return ignore('constant: one value in every row');

  const kind = declared ? declaredKind(declared) : inferKind(column, profile);
  // Text read as numbers or dates: `NA`, `?`, … are missing cells too (they parse as nothing).
  const parsed = column.type === 'string' && (kind === 'numeric' || kind === 'datetime');
  const missing = profile.missing + (parsed ? profile.markers : 0);
  const indicator = missing > 0;
  const marked = parsed && profile.markers > 0 ? { missing } : {};

  // Dates written as YYYYMMDD numbers (`19580329`): calendar parts, as a date column has, not a number whose gaps jump a year at every new year.
  if (kind === 'numeric' && !declared && column.type !== 'boolean' && yyyymmddDates(column.name, profile)) {
    const parts: DatePart[] = [...DATE_PARTS];
    const fill = medianOf(Float64Array.from(profileNumbers(profile), yyyymmddTime));
    return {
      plan: { kind: 'datetime', parts, fill, indicator, digits: 'yyyymmdd' },
      purpose: 'DateTime',
      note: `dates written as YYYYMMDD numbers: calendar parts ${parts.join(', ')}${indicator ? `; ${missing} missing values${markerNote(profile, parsed)}` : ''}`,
      ...marked,
    };
  }

  if (kind === 'numeric') {
    const read: 'number' | 'boolean' =
      column.type === 'boolean' || (column.type === 'string' && profile.numericShare < PARSE_SHARE && profile.booleanShare >= PARSE_SHARE) ? 'boolean' : 'number';
    const strategy: ImputeStrategy = impute?.strategy ?? (read === 'boolean' ? 'most_frequent' : 'mean');
    const fill = strategy === 'constant' ? Number(impute?.fill_value ?? 0) : numericStat(profile, read, strategy);
    const keyLike = !declared && read === 'number' && profile.integers && profile.distinct === present && present >= ID_MIN_ROWS && profile.missing === 0 && (idLikeRange(profile) || keyName(column.name));
    const timeLike = keyLike && timeIndex(column.name, profile);
    if (keyLike && !timeLike) return ignore(`ID-like: every value is a distinct integer, ${idLikeRange(profile) ? 'numbered densely or of one width' : 'under a name that reads as a key'}`, true);
    return {
      plan: { kind: 'numeric', read, strategy, fill, indicator },
      purpose: 'Numeric',
      note: indicator
        ? `${missing} missing values${markerNote(profile, parsed)} imputed with the ${strategy.replace('_', ' ')} (${round(fill)}) plus a missing indicator`
        : timeLike
          ? 'distinct integers read as a time index (years or numbered periods), not as an ID'
          : undefined,
      ...marked,
    };
  }

  if (kind === 'datetime') {
    const parts: DatePart[] = [...DATE_PARTS];
    // Hour and minute follow the calendar parts, before the time itself.
    if (profile.timeOfDayVaries) parts.splice(parts.indexOf('dayofyear') + 1, 0, 'hour', 'minute');
    return {
      plan: { kind: 'datetime', parts, fill: datetimeMedian(profile), indicator },
      purpose: 'DateTime',
      note: `calendar parts: ${parts.join(', ')}${marked.missing ? `; ${missing} missing values${markerNote(profile, parsed)}` : ''}`,
      ...marked,
    };
  }

  // Categorical or text: everything below works on category keys.
  const counts = profile.counts ?? numberCounts(column, profile);
  const ranked = categoriesByFrequency(counts);
  const fill = impute?.strategy === 'constant' ? String(impute.fill_value ?? '') : (ranked[0]?.[0] ?? '');

  if (kind === 'text') {
    if (ctx.blocked.has('CountVectorizer') || ctx.blocked.has('TfIdf')) return ignore('free text, and text transformers are blocked');
    const vocabulary = textVocabulary(counts, present);
    return { plan: { kind: 'text', vocabulary }, purpose: 'Text', note: `free text: counts of the ${vocabulary.length} most common words`, highCardinality: true };
  }
  if (kind === 'hash' && !ctx.blocked.has('HashOneHotEncoder')) {
    return { plan: { kind: 'hash', buckets: HASH_BUCKETS, fill, indicator }, purpose: 'CategoricalHash', note: `hashed one-hot into ${HASH_BUCKETS} buckets`, highCardinality: profile.distinct > ONE_HOT_MAX_CATEGORIES };
  }
  if (!declared && profile.distinct === present && present >= ID_MIN_ROWS) {
    return ignore('ID-like: every value is distinct', true);
  }
  const oneHotMax = declared ? DECLARED_ONE_HOT_MAX : ONE_HOT_MAX_CATEGORIES;
  if (profile.distinct <= oneHotMax && !ctx.blocked.has('OneHotEncoder')) {
    const categories = ranked.map(([c]) => c);
    if (categories.length <= 2) {
      return { plan: { kind: 'onehot', categories, fill, indicator }, purpose: 'Categorical', note: `one-hot, ${profile.distinct} categories` };
    }
    const order = [...categories].sort(naturalOrder);
    return { plan: { kind: 'onehot', categories, fill, indicator, order }, purpose: 'Categorical', note: `one-hot, ${profile.distinct} categories, plus their ordinal code` };
  }
  const kept = ranked.slice(0, FREQUENCY_MAX_CATEGORIES);
  const rare = ranked.slice(FREQUENCY_MAX_CATEGORIES);
  const rareRows = rare.reduce((s, [, c]) => s + c, 0);
  return {
    plan: {
      kind: 'frequency',
      categories: kept.map(([c]) => c),
      frequencies: kept.map(([, c]) => c / present),
      otherFrequency: rare.length > 0 ? rareRows / rare.length / present : 0,
      fill,
      indicator,
    },
    purpose: 'Categorical',
    note: `high cardinality (${profile.distinct} values): frequency and frequency-rank encoding`,
    highCardinality: true,
  };
}

/** A key numbers its rows densely (row numbers, with gaps): at most this many possible values per row. */
const ID_MAX_SPAN_PER_ROW = 10;

/**
 * Fixed-width integers are keys only when this many repeated values would be expected among
 * values drawn at random from their range (rows² / (2 × span), the birthday bound) and there is
 * none: about a 5% chance for a measured quantity, so the distinctness is by design.
 */
const ID_EXPECTED_REPEATS = 3;

/**
 * Whether all-distinct integers look like keys rather than a measured quantity: none negative,
 * and either dense (max − min + 1 ≤ 10 × rows: row numbers, a sequence with gaps) or all of one
 * width in digits with too many rows for their range to be distinct by chance (fixed-width codes
 * such as Churn's CustomerId 15565701…15815690 over 10,000 rows: ~200 repeats expected, none
 * seen). A count, a population or an amount spread over orders of magnitude (gapminder's `pop`:
 * 1.4e5…1.3e9, every value distinct) is a feature, and so is a level of one width over few rows
 * (vega-datasets us-employment's `nonfarm`, 129,000…146,000 jobs in 120 months, under one
 * repeat expected: dropped as an ID until stop 29).
 */
function idLikeRange(profile: ColumnProfile): boolean {
  const { min, max } = rangeOf(profile);
  if (!(min >= 0) || !Number.isFinite(max)) return false;
  const present = profile.rows - profile.missing;
  const span = max - min + 1;
  if (span <= ID_MAX_SPAN_PER_ROW * present) return true;
  return String(min).length === String(max).length && (present * present) / (2 * span) >= ID_EXPECTED_REPEATS;
}

/** The smallest and largest number of a column (read from text when it holds numbers as text). */
function rangeOf(profile: ColumnProfile): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  const see = (v: number): void => {
    if (v < min) min = v;
    if (v > max) max = v;
  };
  if (profile.numbers) for (const v of profile.numbers) see(v);
  else if (profile.counts) for (const key of profile.counts.keys()) if (!isMissingMarker(key)) see(parseNumber(key));
  return { min, max };
}

/** Calendar years a time index can hold: all-distinct integers in this range are years, not keys. */
const YEAR_MIN = 1000;
const YEAR_MAX = 2200;
/** A column name that reads as a time (a word of it: year, yr, date, time, period, month, week, day, quarter, season, age). */
const TIME_NAME = /(^|[^a-z])(years?|yrs?|dates?|times?|period|months?|weeks?|days?|quarters?|seasons?|age)([^a-z]|$)/i;
/** A column name that reads as a key: a word of it is id, identifier, key, index, code, number, no (camel case split: `PassengerId`). */
const KEY_NAME = /(^|[^a-z])(id|ids|identifier|key|index|idx|code|number|num|no|nr)([^a-z]|$)/i;

/**
 * Whether a column's name reads as a key (`KEY_NAME`). All-distinct integers under such a name
 * are an ID even when they are sparse and of mixed widths (statsmodels' fair_pt.csv:
 * `identifier` 4…9029 over 601 rows, the survey's respondent numbers), where the range alone
 * reads as a measured quantity.
 */
function keyName(name: string): boolean {
  return KEY_NAME.test(camelSpaced(name));
}

/** Whether a column's name reads as a time (`TIME_NAME`). */
function timeName(name: string): boolean {
  return TIME_NAME.test(camelSpaced(name));
}

/** A name with its camel case split into words (`PassengerId` → `Passenger Id`), for the name patterns. */
function camelSpaced(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2');
}

/**
 * Whether all-distinct integers are a time index rather than a key: yearly, monthly or numbered
 * periods of a time series (vega-datasets global-temp's `year` 1880…2023, statsmodels elnino's
 * `YEAR`), the row's position in time that the label follows. A name that reads as a time
 * (`year`, `Year`, `t_period`) keeps the column, as do values that are all calendar years
 * (1000…2200) under a name that does not read as a key. Dropping a time index as an ID loses the
 * only feature of a yearly series; keeping a real key costs little (trees split on it, the
 * validation folds show whether it helps).
 */
function timeIndex(name: string, profile: ColumnProfile): boolean {
  if (keyName(name)) return false;
  if (timeName(name)) return true;
  const { min, max } = rangeOf(profile);
  return min >= YEAR_MIN && max <= YEAR_MAX;
}

/** The present numbers of a column (or the numbers its text parses to). */
function profileNumbers(profile: ColumnProfile): number[] {
  if (profile.numbers) return Array.from(profile.numbers);
  const out: number[] = [];
  for (const [key, count] of profile.counts ?? []) {
    const v = parseNumber(key);
    if (!Number.isNaN(v)) for (let k = 0; k < count; k++) out.push(v);
  }
  return out;
}

/** At least this many distinct YYYYMMDD values make a column dates whatever its name (by chance, numbers almost never all are). */
const YYYYMMDD_MIN_DISTINCT = 20;

/**
 * Whether a column of integers holds dates written as YYYYMMDD: every present value is a real
 * day of 1700–2200 written so (`yyyymmddTime`), at least two distinct, the name does not read as
 * a key (`KEY_NAME`), and the name reads as a time (`date`, `day`, `period`, …) or there are at
 * least 20 distinct such values. statsmodels' co2.csv (`date` 19580329…20011229, weekly) was a
 * number: gradient boosting on it reached a test r2 of 0.9960 where its year, month, day and day
 * of the year reach 0.9993 (HistGradientBoosting, 80/20 splits of seeds 0–2).
 */
function yyyymmddDates(name: string, profile: ColumnProfile): boolean {
  if (!profile.integers || profile.distinct < 2 || keyName(name)) return false;
  if (!timeName(name) && profile.distinct < YYYYMMDD_MIN_DISTINCT) return false;
  const { min, max } = rangeOf(profile);
  if (!(min >= 17_000_101 && max <= 22_001_231)) return false;
  return profileNumbers(profile).every((v) => !Number.isNaN(yyyymmddTime(v)));
}

type Kind = 'numeric' | 'datetime' | 'categorical' | 'hash' | 'text';

function declaredKind(purpose: FeaturizedColumn['purpose']): Kind {
  switch (purpose) {
    case 'Numeric':
      return 'numeric';
    case 'DateTime':
      return 'datetime';
    case 'Text':
      return 'text';
    case 'CategoricalHash':
    case 'Hashes':
      return 'hash';
    default:
      return 'categorical';
  }
}

function inferKind(column: TableColumn, profile: ColumnProfile): Kind {
  if (column.type === 'number' || column.type === 'boolean') return 'numeric';
  if (column.type === 'datetime') return 'datetime';
  if (profile.numericShare >= PARSE_SHARE || profile.booleanShare >= PARSE_SHARE) return 'numeric';
  if (profile.dateShare >= PARSE_SHARE) return 'datetime';
  const present = profile.rows - profile.missing;
  if (profile.distinct > ONE_HOT_MAX_CATEGORIES && profile.distinct > present / 2 && profile.meanTokens >= TEXT_MIN_TOKENS) return 'text';
  return 'categorical';
}

/** ` (12 written as a marker such as NA)` when markers were read as missing. */
function markerNote(profile: ColumnProfile, parsed: boolean): string {
  if (!parsed || !profile.markers) return '';
  const examples = [...(profile.counts?.keys() ?? [])].filter(isMissingMarker).slice(0, 3).map((m) => `'${m}'`);
  return ` (${profile.markers} written as ${examples.join(', ')})`;
}

function ignore(note: string, highCardinality = false): PlanChoice {
  return { plan: { kind: 'ignore' }, purpose: 'Ignore', note, highCardinality };
}

function round(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}

/** The imputation value of a column: only the statistic asked for is computed. */
function numericStat(profile: ColumnProfile, read: 'number' | 'boolean', strategy: 'mean' | 'median' | 'most_frequent'): number {
  if (profile.numbers) {
    if (strategy === 'mean') return profile.mean ?? NaN;
    return strategy === 'median' ? medianOf(profile.numbers) : modeOf(profile.numbers);
  }
  const stats = statsOfParsed(profile, read === 'boolean' ? parseBoolean : parseNumber);
  return strategy === 'mean' ? stats.mean : strategy === 'median' ? stats.median : stats.mode;
}

/** Epoch-ms median of a datetime column (or of dates parsed from text). */
function datetimeMedian(profile: ColumnProfile): number {
  if (profile.numbers) return medianOf(profile.numbers);
  return statsOfParsed(profile, parseDate).median;
}

/** Stats of a text column read as numbers, from its distinct values and their counts. */
function statsOfParsed(profile: ColumnProfile, parse: (s: string) => number): { mean: number; median: number; mode: number } {
  const pairs: [number, number][] = [];
  for (const [value, count] of profile.counts ?? []) {
    const v = parse(value);
    if (!Number.isNaN(v)) pairs.push([v, count]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let sum = 0;
  let mode = NaN;
  let modeCount = 0;
  for (const [v, c] of pairs) {
    total += c;
    sum += v * c;
    if (c > modeCount) {
      modeCount = c;
      mode = v;
    }
  }
  let median = NaN;
  let cumulative = 0;
  for (let i = 0; i < pairs.length; i++) {
    cumulative += pairs[i][1];
    if (cumulative * 2 > total) {
      median = pairs[i][0];
      break;
    }
    if (cumulative * 2 === total) {
      median = (pairs[i][0] + pairs[i + 1][0]) / 2;
      break;
    }
  }
  return { mean: total ? sum / total : NaN, median, mode };
}

/** Category counts of a number or boolean column declared categorical, keyed as `cellAsString` prints them. */
function numberCounts(column: TableColumn, profile: ColumnProfile): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of profile.numbers ?? []) {
    const key = column.type === 'boolean' ? (v ? 'true' : 'false') : String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The words in the most rows (each row counted once per word), ties broken by the word. */
function textVocabulary(counts: Map<string, number>, present: number): string[] {
  const rowsWithWord = new Map<string, number>();
  for (const [value, count] of counts) {
    for (const word of new Set(tokenize(value))) rowsWithWord.set(word, (rowsWithWord.get(word) ?? 0) + count);
  }
  return categoriesByFrequency(rowsWithWord)
    .filter(([, rows]) => rows >= Math.max(2, TEXT_MIN_ROW_SHARE * present))
    .slice(0, TEXT_VOCABULARY)
    .map(([word]) => word);
}
