/**
 * L-BFGS with the orthant-wise extension (OWL-QN, Andrew & Gao 2007) for objectives
 * f(x) + Σ l1ᵢ·|xᵢ| with f smooth. With every l1ᵢ = 0 it is plain L-BFGS. Used by the
 * logistic regression family for L2, L1 and elastic-net penalties alike.
 */
export interface OwlqnOptions {
  maxIter: number;
  /** Stop when the relative decrease of the objective over one step is below this. */
  tolerance: number;
  memory?: number;
}

/** `smooth(x, grad)` returns f(x) and writes ∇f(x) into `grad`. */
export function minimizeOwlqn(
  smooth: (x: Float64Array, grad: Float64Array) => number,
  x0: Float64Array,
  l1: Float64Array,
  options: OwlqnOptions,
): { x: Float64Array; value: number; iterations: number } {
  const n = x0.length;
  const m = options.memory ?? 10;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = smooth(x, g) + l1Norm(x, l1);
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const pg = new Float64Array(n);
  const d = new Float64Array(n);
  const alpha = new Float64Array(m);
  let iter = 0;
  for (; iter < options.maxIter; iter++) {
    pseudoGradient(x, g, l1, pg);
    let pgNorm = 0;
    for (let i = 0; i < n; i++) pgNorm += pg[i] * pg[i];
    pgNorm = Math.sqrt(pgNorm);
    if (pgNorm < 1e-10) break;

    // Two-loop recursion: d = −H·pg.
    for (let i = 0; i < n; i++) d[i] = -pg[i];
    for (let h = sHist.length - 1; h >= 0; h--) {
      alpha[h] = rhoHist[h] * dot(sHist[h], d);
      axpy(-alpha[h], yHist[h], d);
    }
    if (sHist.length > 0) {
      const last = sHist.length - 1;
      const gamma = dot(sHist[last], yHist[last]) / dot(yHist[last], yHist[last]);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let h = 0; h < sHist.length; h++) {
      const beta = rhoHist[h] * dot(yHist[h], d);
      axpy(alpha[h] - beta, sHist[h], d);
    }
    // Keep the direction in the orthant the pseudo-gradient points to.
    for (let i = 0; i < n; i++) if (l1[i] > 0 && d[i] * pg[i] >= 0) d[i] = 0;

    let step = sHist.length === 0 ? 1 / pgNorm : 1;
    const xNew = new Float64Array(n);
    const gNew = new Float64Array(n);
    let fNew = Infinity;
    let accepted = false;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) {
        let v = x[i] + step * d[i];
        if (l1[i] > 0) {
          const orthant = x[i] !== 0 ? Math.sign(x[i]) : -Math.sign(pg[i]);
          if (Math.sign(v) !== orthant) v = 0;
        }
        xNew[i] = v;
      }
      fNew = smooth(xNew, gNew) + l1Norm(xNew, l1);
      let decrease = 0;
      for (let i = 0; i < n; i++) decrease += pg[i] * (xNew[i] - x[i]);
      if (fNew <= fx + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (sHist.length === m) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
      sHist.push(s);
      yHist.push(y);
      rhoHist.push(1 / sy);
    }
    const relative = (fx - fNew) / Math.max(Math.abs(fx), Math.abs(fNew), 1);
    x = xNew;
    g = gNew;
    fx = fNew;
    if (relative < options.tolerance) {
      iter++;
      break;
    }
  }
  return { x, value: fx, iterations: iter };
}

function pseudoGradient(x: Float64Array, g: Float64Array, l1: Float64Array, out: Float64Array): void {
  for (let i = 0; i < x.length; i++) {
    const c = l1[i];
    if (c === 0) out[i] = g[i];
    else if (x[i] > 0) out[i] = g[i] + c;
    else if (x[i] < 0) out[i] = g[i] - c;
    else if (g[i] + c < 0) out[i] = g[i] + c;
    else if (g[i] - c > 0) out[i] = g[i] - c;
    else out[i] = 0;
  }
}

function l1Norm(x: Float64Array, l1: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) if (l1[i] > 0) s += l1[i] * Math.abs(x[i]);
  return s;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}
