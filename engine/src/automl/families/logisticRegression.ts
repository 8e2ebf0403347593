import type { FeatureMatrix } from '../../gbdt/api';
import type { FitArgs, FittedModel, HyperparameterSpace, ModelFamily } from '../types';
import { balancedWeights, checkColumns, choiceParam, classCount, numParam, throwIfCanceled } from './familyUtils';
import { minimizeOwlqn } from './owlqn';
import { fitScaler, standardize, type Scaler } from './standardize';

/**
 * Regularized logistic regression on standardized features: binary (one sigmoid) or
 * multinomial (softmax), with scikit-learn's parameterization — `C` is the inverse
 * regularization strength and `l1_ratio` mixes L1 into L2 (0 = ridge, 1 = lasso):
 *   mean weighted log-loss + (1/(C·Σw)) · ((1 − l1_ratio)/2 · ‖w‖² + l1_ratio · ‖w‖₁).
 * Solved with OWL-QN (L-BFGS that handles the L1 term); intercepts are not penalized.
 */
interface LogisticState {
  numClasses: number;
  scaler: Scaler;
  /** Rows of coefficients on standardized features: one row (binary) or one per class. */
  coef: number[][];
  intercept: number[];
  featureNames?: string[];
}

function space(): HyperparameterSpace {
  return {
    C: { type: 'float', low: 1e-3, high: 1e3, log: true },
    l1_ratio: { type: 'float', low: 0, high: 1 },
    class_weight: { type: 'choice', values: ['none', 'balanced'] },
    max_iter: { type: 'int', low: 50, high: 1000, log: true },
  };
}

function fit(args: FitArgs): FittedModel {
  const { X, y } = args;
  const n = X.rows;
  const p = X.cols;
  const k = classCount(args.numClasses, y);
  const C = numParam(args.params, 'C', 1);
  const l1Ratio = Math.min(1, Math.max(0, numParam(args.params, 'l1_ratio', 0)));
  const classWeight = choiceParam(args.params, 'class_weight', ['none', 'balanced'] as const, 'none');
  const maxIter = Math.max(1, Math.round(numParam(args.params, 'max_iter', 100)));
  const weight = classWeight === 'balanced' ? balancedWeights(y, k, args.weight) : args.weight;

  const scaler = fitScaler(X, weight);
  const z = standardize(X, scaler);
  let totalWeight = 0;
  for (let i = 0; i < n; i++) totalWeight += weight ? weight[i] : 1;
  const lambda = 1 / (C * Math.max(totalWeight, 1e-12));
  const outputs = k === 2 ? 1 : k;
  const dim = outputs * p + outputs;
  const l1 = new Float64Array(dim);
  for (let t = 0; t < outputs * p; t++) l1[t] = lambda * l1Ratio;
  const l2 = lambda * (1 - l1Ratio);

  const margins = new Float64Array(n * outputs);
  const residual = new Float64Array(n * outputs);
  let evaluations = 0;
  const smooth = (x: Float64Array, grad: Float64Array): number => {
    // One evaluation is a pass over the rows: a stopped trial stops between two.
    throwIfCanceled(args.signal, () => `LogisticRegression fit after ${evaluations} loss evaluations`);
    evaluations++;
    computeMargins(z, n, p, outputs, x, margins);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const w = (weight ? weight[i] : 1) / totalWeight;
      const yi = y[i];
      if (outputs === 1) {
        const m = margins[i];
        // log(1 + e^m) − y·m, written to stay finite for large |m|.
        loss += w * ((m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m))) - yi * m);
        residual[i] = w * (sigmoid(m) - yi);
      } else {
        let max = -Infinity;
        for (let c = 0; c < outputs; c++) max = Math.max(max, margins[i * outputs + c]);
        let sum = 0;
        for (let c = 0; c < outputs; c++) sum += Math.exp(margins[i * outputs + c] - max);
        const logSum = max + Math.log(sum);
        loss += w * (logSum - margins[i * outputs + yi]);
        for (let c = 0; c < outputs; c++) residual[i * outputs + c] = w * (Math.exp(margins[i * outputs + c] - logSum) - (c === yi ? 1 : 0));
      }
    }
    grad.fill(0);
    for (let c = 0; c < outputs; c++) {
      for (let j = 0; j < p; j++) {
        const base = j * n;
        let s = 0;
        for (let i = 0; i < n; i++) s += residual[i * outputs + c] * z[base + i];
        grad[c * p + j] = s + l2 * x[c * p + j];
      }
      let b = 0;
      for (let i = 0; i < n; i++) b += residual[i * outputs + c];
      grad[outputs * p + c] = b;
    }
    let penalty = 0;
    for (let t = 0; t < outputs * p; t++) penalty += x[t] * x[t];
    return loss + (l2 / 2) * penalty;
  };

  const x0 = new Float64Array(dim);
  // Start the intercepts at the class log-odds, so a heavily penalized model is the prior.
  const prior = classPriors(y, k, weight);
  if (outputs === 1) x0[p] = Math.log(prior[1] / prior[0]);
  else for (let c = 0; c < k; c++) x0[outputs * p + c] = Math.log(prior[c]);
  const { x } = minimizeOwlqn(smooth, x0, l1, { maxIter, tolerance: 1e-10 });

  const coef: number[][] = [];
  for (let c = 0; c < outputs; c++) coef.push(Array.from(x.subarray(c * p, (c + 1) * p)));
  return new LogisticModel({ numClasses: k, scaler, coef, intercept: Array.from(x.subarray(outputs * p)), ...(X.featureNames ? { featureNames: X.featureNames } : {}) });
}

function classPriors(y: Float32Array, k: number, weight?: Float32Array): number[] {
  const counts = new Array<number>(k).fill(1e-3);
  for (let i = 0; i < y.length; i++) counts[y[i]] += weight ? weight[i] : 1;
  const total = counts.reduce((s, v) => s + v, 0);
  return counts.map((c) => c / total);
}

function computeMargins(z: Float64Array, n: number, p: number, outputs: number, x: Float64Array, out: Float64Array): void {
  for (let i = 0; i < n; i++) for (let c = 0; c < outputs; c++) out[i * outputs + c] = x[outputs * p + c];
  for (let c = 0; c < outputs; c++) {
    for (let j = 0; j < p; j++) {
      const w = x[c * p + j];
      if (w === 0) continue;
      const base = j * n;
      for (let i = 0; i < n; i++) out[i * outputs + c] += w * z[base + i];
    }
  }
}

function sigmoid(m: number): number {
  return m >= 0 ? 1 / (1 + Math.exp(-m)) : Math.exp(m) / (1 + Math.exp(m));
}

class LogisticModel implements FittedModel {
  readonly family = 'LogisticRegression';
  constructor(private readonly s: LogisticState) {}

  predict(X: FeatureMatrix): Float64Array {
    const { numClasses: k, coef, intercept, scaler } = this.s;
    const p = scaler.mean.length;
    checkColumns(this.family, X, p);
    const n = X.rows;
    const outputs = coef.length;
    const margins = new Float64Array(n * outputs);
    for (let i = 0; i < n; i++) for (let c = 0; c < outputs; c++) margins[i * outputs + c] = intercept[c];
    // Standardize on the fly, column by column: scoring millions of rows never copies X.
    for (let j = 0; j < p; j++) {
      const m = scaler.mean[j];
      const col = X.values.subarray(j * n, (j + 1) * n);
      for (let c = 0; c < outputs; c++) {
        const perUnit = coef[c][j] / scaler.scale[j];
        if (perUnit === 0) continue;
        for (let i = 0; i < n; i++) {
          const v = col[i];
          if (v === v) margins[i * outputs + c] += (v - m) * perUnit;
        }
      }
    }
    const out = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      if (outputs === 1) {
        const q = sigmoid(margins[i]);
        out[2 * i] = 1 - q;
        out[2 * i + 1] = q;
        continue;
      }
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, margins[i * k + c]);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += out[i * k + c] = Math.exp(margins[i * k + c] - max);
      for (let c = 0; c < k; c++) out[i * k + c] /= sum;
    }
    return out;
  }

  /** Mean absolute standardized coefficient per feature (a scale-free importance). */
  importances(): Record<string, number> {
    const out: Record<string, number> = {};
    const p = this.s.scaler.mean.length;
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (const row of this.s.coef) s += Math.abs(row[j]);
      out[this.s.featureNames?.[j] ?? `f${j}`] = s / this.s.coef.length;
    }
    return out;
  }

  state(): LogisticState {
    return this.s;
  }
}

export function restoreLogistic(state: unknown): FittedModel {
  return new LogisticModel(state as LogisticState);
}

export const logisticRegression: ModelFamily = {
  name: 'LogisticRegression',
  tasks: ['classification'],
  initialCost: 1,
  space,
  lowCostConfig: () => ({ C: 1, l1_ratio: 0, class_weight: 'none', max_iter: 50 }),
  fit,
};
