import { WeirError } from '../../errors';
import type { FeatureMatrix } from '../../gbdt/api';
import type { CancelSignal } from '../types';

/** A numeric hyperparameter, with a clear error when a config carries something else. */
export function numParam(params: Record<string, number | string>, name: string, fallback: number): number {
  const v = params[name];
  if (v === undefined) return fallback;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new WeirError('BAD_INPUT', `hyperparameter ${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

export function choiceParam<T extends string>(params: Record<string, number | string>, name: string, allowed: readonly T[], fallback: T): T {
  const v = params[name];
  if (v === undefined) return fallback;
  if (!allowed.includes(v as T)) throw new WeirError('BAD_INPUT', `hyperparameter ${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** A fit's check between two units of work: throws CANCELED once its signal is aborted (see `FitArgs.signal`). */
export function throwIfCanceled(signal: CancelSignal | undefined, what: () => string): void {
  if (signal?.aborted) throw new WeirError('CANCELED', `${what()} canceled`);
}

/** The number of classes of a classification fit (at least 2), from the args or the labels. */
export function classCount(numClasses: number | undefined, y: Float32Array): number {
  let max = 1;
  for (const v of y) if (v > max) max = v;
  return Math.max(2, numClasses ?? 0, max + 1);
}

/** Checks the matrix a fitted model is asked to score has the columns it was fitted on. */
export function checkColumns(family: string, X: FeatureMatrix, expected: number): void {
  if (X.cols !== expected) {
    throw new WeirError('BAD_INPUT', `${family}: the model was fitted on ${expected} features but got ${X.cols}`);
  }
}

/** Per-row weights for class_weight=balanced: n / (k · rows of the class), times sample weights. */
export function balancedWeights(y: Float32Array, k: number, weight?: Float32Array): Float32Array {
  const totals = new Float64Array(k);
  let all = 0;
  for (let i = 0; i < y.length; i++) {
    const w = weight ? weight[i] : 1;
    totals[y[i]] += w;
    all += w;
  }
  const out = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = (weight ? weight[i] : 1) * (totals[y[i]] > 0 ? all / (k * totals[y[i]]) : 0);
  return out;
}

/** Copies the given rows of a column-major matrix into a new column-major matrix. */
export function gatherRows(X: FeatureMatrix, rows: Uint32Array, shared = false): FeatureMatrix {
  const n = rows.length;
  const values = shared ? new Float32Array(new SharedArrayBuffer(n * X.cols * 4)) : new Float32Array(n * X.cols);
  for (let j = 0; j < X.cols; j++) {
    const src = j * X.rows;
    const dst = j * n;
    for (let i = 0; i < n; i++) values[dst + i] = X.values[src + rows[i]];
  }
  return { rows: n, cols: X.cols, values, featureNames: X.featureNames, featureTypes: X.featureTypes };
}

/** a's values at `rows` (in shared memory when `shared`). */
export function gatherValues(a: Float32Array, rows: Uint32Array, shared = false): Float32Array {
  const out = shared ? new Float32Array(new SharedArrayBuffer(rows.length * 4)) : new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = a[rows[i]];
  return out;
}
