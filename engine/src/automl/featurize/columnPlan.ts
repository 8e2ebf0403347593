import { parseNumber } from './columnValues';

/**
 * How one input column becomes feature columns. A plan is plain JSON: it is stored in
 * `FeaturizedColumn.params` inside the model artifact and read back by `transform`.
 */
/** Calendar parts, and `days`: the time itself as days since 1970-01-01 (fractional with a time of day), so a trend is one cut. */
export type DatePart = 'year' | 'month' | 'day' | 'weekday' | 'dayofyear' | 'hour' | 'minute' | 'days';

export type ImputeStrategy = 'mean' | 'median' | 'most_frequent' | 'constant';

export type ColumnPlan =
  | { kind: 'ignore' }
  /** A number (or 0/1 boolean); missing values replaced by `fill` (NaN = left missing, featurization off). */
  | { kind: 'numeric'; read: 'number' | 'boolean'; strategy: ImputeStrategy | 'none'; fill: number; indicator: boolean }
  /**
   * One 0/1 column per category seen in training; unseen categories give all zeros. With
   * `order` (the categories in natural order, see `naturalOrder`), one more column
   * `NAME_code` holds the category's position in it, so trees can split a column's categories
   * in one cut; an unseen category sits half-way between the neighbours it sorts between.
   * Plans stored without `order` (models trained before it) write no code column.
   */
  | { kind: 'onehot'; categories: string[]; fill: string; indicator: boolean; order?: string[] }
  /**
   * Two columns: the category's share of training rows and its rank by frequency (unseen: the
   * rank after the last). With `target`, then one column per target output (`NAME_target`, or
   * `NAME_target=CLASS` per class of a multiclass label): the smoothed mean of the label over the
   * category's training rows (`targetEncoding.ts`; categories rarer than the kept ones and unseen
   * ones share the row after the kept ones, which is the prior when there are none; missing cells
   * have the last row). The training matrix holds these out of fold. Plans stored
   * without `target` (models trained before it) write no target columns.
   */
  | { kind: 'frequency'; categories: string[]; frequencies: number[]; otherFrequency: number; fill: string; indicator: boolean; target?: TargetEncoding }
  /** One 0/1 column per hash bucket of the category (Azure's HashOneHotEncoder). */
  | { kind: 'hash'; buckets: number; fill: string; indicator: boolean }
  /**
   * Calendar parts in UTC; a missing time takes `fill` (the training median). With `digits:
   * 'yyyymmdd'` the cells are numbers written as YYYYMMDD (`19580329`), read as that day
   * (`yyyymmddTime`); plans without it read times (dates, or ISO text).
   */
  | { kind: 'datetime'; parts: DatePart[]; fill: number; indicator: boolean; digits?: 'yyyymmdd' }
  /** Counts of the most common words (by share of rows containing them), plus the number of words. */
  | { kind: 'text'; vocabulary: string[] };

/** Smoothed label means per category: `means[c]` has one value per output; row `categories.length` is the rarer (and unseen) categories', the last row missing cells'. */
export interface TargetEncoding {
  /** Output names: `[]` for one output (regression's mean, binary's share of the second class), else the class per output. */
  outputs: string[];
  means: number[][];
  prior: number[];
}

/** The feature columns a plan writes, named after the input column. */
export function planFeatureNames(column: string, plan: ColumnPlan): { names: string[]; types: string[] } {
  const names: string[] = [];
  const types: string[] = [];
  const add = (name: string, type: string): void => {
    names.push(name);
    types.push(type);
  };
  switch (plan.kind) {
    case 'ignore':
      break;
    case 'numeric':
      add(column, plan.read === 'boolean' ? 'i' : 'q');
      break;
    case 'onehot':
      for (const c of plan.categories) add(`${column}=${c}`, 'i');
      // 'c': category codes (positions in `order`), which the XGBoost family may split as sets.
      if (plan.order) add(`${column}_code`, 'c');
      break;
    case 'frequency':
      add(`${column}_frequency`, 'q');
      add(`${column}_code`, 'int');
      if (plan.target) {
        if (plan.target.outputs.length === 0) add(`${column}_target`, 'q');
        else for (const o of plan.target.outputs) add(`${column}_target=${o}`, 'q');
      }
      break;
    case 'hash':
      for (let b = 0; b < plan.buckets; b++) add(`${column}_hash${b}`, 'i');
      break;
    case 'datetime':
      for (const p of plan.parts) add(`${column}_${p}`, 'int');
      break;
    case 'text':
      for (const word of plan.vocabulary) add(`${column}_word=${word}`, 'int');
      add(`${column}_words`, 'int');
      break;
  }
  if ('indicator' in plan && plan.indicator) add(`${column}_missing`, 'i');
  return { names, types };
}

/**
 * The natural order of category keys: keys that read as numbers by value, before the others
 * by code point (`"2" < "10" < "NA" < "high" < "low"`), the order a user's ordinal codes or
 * a number-coded column usually have.
 */
export function naturalOrder(a: string, b: string): number {
  const x = parseNumber(a);
  const y = parseNumber(b);
  if (!Number.isNaN(x) || !Number.isNaN(y)) {
    if (Number.isNaN(x)) return 1;
    if (Number.isNaN(y)) return -1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The `NAME_code` value of a key: its position in `order`, or half-way between the keys it sorts between. */
export function ordinalCode(order: string[], key: string): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = naturalOrder(order[mid], key);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo - 0.5;
}
