import type { FeatureMatrix } from '../../gbdt/api';

/**
 * Feature standardization for the linear models: z = (x − mean) / scale, with a missing
 * value taking z = 0 (the mean). Constant columns get scale 1 and end up all zero, so
 * they never move a coefficient. The scaler is part of the fitted model's state.
 */
export interface Scaler {
  mean: number[];
  scale: number[];
}

export function fitScaler(X: FeatureMatrix, weight?: Float32Array): Scaler {
  const { rows: n, cols: p, values } = X;
  const mean: number[] = [];
  const scale: number[] = [];
  for (let j = 0; j < p; j++) {
    let sw = 0;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = values[j * n + i];
      if (Number.isNaN(v)) continue;
      const w = weight ? weight[i] : 1;
      sw += w;
      s += w * v;
    }
    const m = sw > 0 ? s / sw : 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const v = values[j * n + i];
      if (Number.isNaN(v)) continue;
      const w = weight ? weight[i] : 1;
      ss += w * (v - m) * (v - m);
    }
    const sd = sw > 0 ? Math.sqrt(ss / sw) : 0;
    mean.push(m);
    scale.push(sd > 1e-12 ? sd : 1);
  }
  return { mean, scale };
}

/** The standardized matrix, column-major, as Float64 for stable sums in the solvers. */
export function standardize(X: FeatureMatrix, scaler: Scaler): Float64Array {
  return standardizeRows(X, scaler, 0, X.rows, new Float64Array(X.rows * X.cols));
}

/**
 * Rows [from, to) of every column standardized into `out` (column-major, to − from rows a
 * column): a block of the matrix, for callers that never hold the whole standardized copy.
 */
export function standardizeRows(X: FeatureMatrix, scaler: Scaler, from: number, to: number, out: Float64Array): Float64Array {
  const { rows: n, cols: p, values } = X;
  const b = to - from;
  for (let j = 0; j < p; j++) {
    const m = scaler.mean[j];
    const s = scaler.scale[j];
    const src = j * n + from;
    const dst = j * b;
    for (let i = 0; i < b; i++) {
      const v = values[src + i];
      out[dst + i] = Number.isNaN(v) ? 0 : (v - m) / s;
    }
  }
  return out;
}
