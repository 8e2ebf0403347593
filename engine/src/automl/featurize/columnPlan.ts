/**
 * How one input column becomes feature columns. A plan is plain JSON: it is stored in
 * `FeaturizedColumn.params` inside the model artifact and read back by `transform`.
 */
export type DatePart = 'year' | 'month' | 'day' | 'weekday' | 'dayofyear' | 'hour' | 'minute';

export type ImputeStrategy = 'mean' | 'median' | 'most_frequent' | 'constant';

export type ColumnPlan =
  | { kind: 'ignore' }
  /** A number (or 0/1 boolean); missing values replaced by `fill` (NaN = left missing, featurization off). */
  | { kind: 'numeric'; read: 'number' | 'boolean'; strategy: ImputeStrategy | 'none'; fill: number; indicator: boolean }
  /** One 0/1 column per category seen in training; unseen categories give all zeros. */
  | { kind: 'onehot'; categories: string[]; fill: string; indicator: boolean }
  /** Two columns: the category's share of training rows and its rank by frequency (unseen: the rank after the last). */
  | { kind: 'frequency'; categories: string[]; frequencies: number[]; otherFrequency: number; fill: string; indicator: boolean }
  /** One 0/1 column per hash bucket of the category (Azure's HashOneHotEncoder). */
  | { kind: 'hash'; buckets: number; fill: string; indicator: boolean }
  /** Calendar parts in UTC; a missing time takes `fill` (the training median). */
  | { kind: 'datetime'; parts: DatePart[]; fill: number; indicator: boolean }
  /** Counts of the most common words (by share of rows containing them), plus the number of words. */
  | { kind: 'text'; vocabulary: string[] };

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
      break;
    case 'frequency':
      add(`${column}_frequency`, 'q');
      add(`${column}_code`, 'int');
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
