import { planFeatureNames, type ColumnPlan } from '../automl/featurize';
import type { FeaturizerState } from '../automl/types';

/**
 * Which user column each engineered feature came from: every one-hot part, frequency
 * encoding, hash bucket, date part, word count and `_missing` indicator belongs to the
 * input column its plan was made for (planFeatureNames writes them in matrix order). Since
 * SHAP values are additive, a raw column's value is the sum of its features' values, as
 * Azure's "raw" importances are.
 */
export interface RawColumnMap {
  rawColumns: string[];
  /** Per engineered feature, the index of its raw column. */
  rawOf: Int32Array;
}

export function rawColumnMap(state: FeaturizerState): RawColumnMap {
  const rawColumns: string[] = [];
  const rawOf: number[] = [];
  for (const c of state.columns) {
    if (c.purpose === 'Label' || c.purpose === 'Ignore') continue;
    const { names } = planFeatureNames(c.name, c.params as unknown as ColumnPlan);
    if (names.length === 0) continue;
    const r = rawColumns.length;
    rawColumns.push(c.name);
    for (let k = 0; k < names.length; k++) rawOf.push(r);
  }
  return { rawColumns, rawOf: Int32Array.from(rawOf) };
}

/** Features that are their own raw columns (forecasting's lag and calendar features). */
export function identityMap(featureNames: string[]): RawColumnMap {
  return { rawColumns: [...featureNames], rawOf: Int32Array.from(featureNames, (_, j) => j) };
}

/** Sums rows × outputs × features values into rows × outputs × raw columns. */
export function sumToRaw(values: Float64Array, rows: number, outputs: number, map: RawColumnMap): Float64Array {
  const p = map.rawOf.length;
  const r = map.rawColumns.length;
  const out = new Float64Array(rows * outputs * r);
  for (let g = 0; g < rows * outputs; g++) {
    const from = g * p;
    const to = g * r;
    for (let j = 0; j < p; j++) out[to + map.rawOf[j]] += values[from + j];
  }
  return out;
}
