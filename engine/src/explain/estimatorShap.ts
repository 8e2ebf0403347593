import { WeirError } from '../errors';
import type { FeatureMatrix } from '../gbdt/api';
import type { BaggedModelSpec, EstimatorSpec } from '../automl/model/estimator';
import type { Task } from '../automl/types';
import { familyContributions, type Contributions, type LinearState } from './familyShap';

/**
 * SHAP values of a whole AutoML estimator, in the space of what `predict` returns: class
 * probabilities for classification, the value for regression and forecasting (for
 * forecasting, the change since the series' last value, which is what the model predicts).
 *
 * Members that compute in log-odds (XGBoost, logistic regression) are explained exactly in
 * log-odds and then carried to probabilities row by row: each contribution is multiplied by
 * (p(x) − p(base)) / (m(x) − m(base)), so a row's contributions still add up exactly to its
 * probability minus the base probability and keep their signs and proportions. A regression
 * booster with a log link (count:poisson) is carried from log(value) to value the same way. Bagged fold
 * models, voting ensembles (weighted sums) and stacks (a linear meta-model over the members'
 * outputs, so the chain rule is exact) then combine linearly.
 */
export function estimatorContributions(spec: EstimatorSpec, task: Task, width: number, X: FeatureMatrix): Contributions {
  switch (spec.type) {
    case 'single':
      return baggedContributions(spec.model, task, width, X);
    case 'voting': {
      const total = spec.members.reduce((s, m) => s + m.weight, 0) || 1;
      return combine(spec.members.map((m) => ({ weight: m.weight / total, c: baggedContributions(m.model, task, width, X) })));
    }
    case 'stack':
      return stackContributions(spec, task, width, X);
    case 'baseline':
      return baselineContributions(spec.feature, X);
  }
}

function baggedContributions(spec: BaggedModelSpec, task: Task, width: number, X: FeatureMatrix): Contributions {
  if (spec.states.length === 0) throw new WeirError('BAD_INPUT', `explain: the ${spec.algorithm} model of iteration ${spec.iteration} has no fitted states`);
  const w = 1 / spec.states.length;
  return combine(spec.states.map((s) => ({ weight: w, c: toOutputSpace(familyContributions(spec.algorithm, s, X), task, width) })));
}

/** Weighted sum of contributions with the same shape. */
export function combine(parts: { weight: number; c: Contributions }[]): Contributions {
  const first = parts[0].c;
  const base = new Float64Array(first.outputs);
  const values = new Float64Array(first.values.length);
  for (const { weight, c } of parts) {
    for (let k = 0; k < base.length; k++) base[k] += weight * c.base[k];
    const v = c.values;
    for (let k = 0; k < values.length; k++) values[k] += weight * v[k];
  }
  return { ...first, base, values };
}

/** Each row's outputs: base + Σ contributions, rows × outputs. */
export function rowOutputs(c: Contributions): Float64Array {
  const out = new Float64Array(c.rows * c.outputs);
  for (let i = 0; i < c.rows; i++) {
    for (let k = 0; k < c.outputs; k++) {
      let s = c.base[k];
      const at = (i * c.outputs + k) * c.features;
      for (let j = 0; j < c.features; j++) s += c.values[at + j];
      out[i * c.outputs + k] = s;
    }
  }
  return out;
}

/** Carries a model's contributions into the estimator's output space (see the file comment). */
export function toOutputSpace(c: Contributions, task: Task, width: number): Contributions {
  if (task !== 'classification' && c.space === 'margin') return logToValue(c);
  if (task !== 'classification' || c.space === 'probability') return c;
  if (c.space !== 'margin') throw new WeirError('INTERNAL', `explain: a ${c.space}-space model in a classification estimator`);
  const margins = rowOutputs(c);
  const p = c.features;
  const values = new Float64Array(c.rows * width * p);
  const base = new Float64Array(width);
  if (c.outputs === 1 && width === 2) {
    const b = c.base[0];
    const pb = sigmoid(b);
    base[0] = 1 - pb;
    base[1] = pb;
    for (let i = 0; i < c.rows; i++) {
      const m = margins[i];
      const s = rescale(sigmoid(m) - pb, m - b, pb * (1 - pb));
      for (let j = 0; j < p; j++) {
        const v = c.values[i * p + j] * s;
        values[(i * 2 + 1) * p + j] = v;
        values[i * 2 * p + j] = -v;
      }
    }
    return { rows: c.rows, outputs: 2, features: p, space: 'probability', base, values };
  }
  if (c.outputs !== width) throw new WeirError('INTERNAL', `explain: ${c.outputs} margins for ${width} classes`);
  const pb = softmax(c.base, 0, width);
  base.set(pb);
  for (let i = 0; i < c.rows; i++) {
    const px = softmax(margins, i * width, width);
    for (let k = 0; k < width; k++) {
      const s = rescale(px[k] - pb[k], margins[i * width + k] - c.base[k], pb[k] * (1 - pb[k]));
      const at = (i * width + k) * p;
      for (let j = 0; j < p; j++) values[at + j] = c.values[at + j] * s;
    }
  }
  return { rows: c.rows, outputs: width, features: p, space: 'probability', base, values };
}

/**
 * A regression model with a log link (XGBoost's count:poisson: value = exp(margin)) carried to
 * values as a classifier's log-odds are to probabilities: each row's contributions are
 * multiplied by (exp(m(x)) − exp(m(base))) / (m(x) − m(base)), so they add up exactly to the
 * row's prediction minus the base value.
 */
function logToValue(c: Contributions): Contributions {
  const margins = rowOutputs(c);
  const p = c.features;
  const k = c.outputs;
  const base = Float64Array.from(c.base, (b) => Math.exp(b));
  const values = new Float64Array(c.values.length);
  for (let i = 0; i < c.rows; i++) {
    for (let o = 0; o < k; o++) {
      const m = margins[i * k + o];
      const s = rescale(Math.exp(m) - base[o], m - c.base[o], base[o]);
      const at = (i * k + o) * p;
      for (let j = 0; j < p; j++) values[at + j] = c.values[at + j] * s;
    }
  }
  return { ...c, space: 'value', base, values };
}

/** Δp/Δm, or the slope at the base when the row's margin barely moved. */
function rescale(dp: number, dm: number, slope: number): number {
  return Math.abs(dm) > 1e-9 ? dp / dm : slope;
}

function sigmoid(m: number): number {
  return m >= 0 ? 1 / (1 + Math.exp(-m)) : Math.exp(m) / (1 + Math.exp(m));
}

function softmax(m: ArrayLike<number>, at: number, k: number): Float64Array {
  let max = -Infinity;
  for (let c = 0; c < k; c++) max = Math.max(max, m[at + c]);
  const out = new Float64Array(k);
  let sum = 0;
  for (let c = 0; c < k; c++) sum += out[c] = Math.exp(m[at + c] - max);
  for (let c = 0; c < k; c++) out[c] /= sum;
  return out;
}

/**
 * A stack's meta-model is linear in the members' outputs q (value, positive-class
 * probability, or every class probability): margin = b + Σ a·(q − μ), and q = base + Σφ, so
 * the feature contributions are Σ a·φ exactly and the base is b + Σ a·(q_base − μ).
 */
function stackContributions(spec: Extract<EstimatorSpec, { type: 'stack' }>, task: Task, width: number, X: FeatureMatrix): Contributions {
  const members = spec.base.map((b) => baggedContributions(b, task, width, X));
  const perModel = width === 2 ? 1 : width;
  const meta = spec.meta.state as LinearState;
  const coef = (Array.isArray(meta.coef[0]) ? meta.coef : [meta.coef]) as number[][];
  const intercept = Array.isArray(meta.intercept) ? meta.intercept : [meta.intercept];
  const outputs = coef.length;
  const p = X.cols;
  const n = X.rows;
  const base = Float64Array.from(intercept);
  const values = new Float64Array(n * outputs * p);
  members.forEach((m, mi) => {
    for (let s = 0; s < perModel; s++) {
      const source = width === 2 ? 1 : s;
      const f = mi * perModel + s;
      for (let k = 0; k < outputs; k++) {
        const a = coef[k][f] / meta.scaler.scale[f];
        if (a === 0) continue;
        base[k] += a * (m.base[source] - meta.scaler.mean[f]);
        for (let i = 0; i < n; i++) {
          const from = (i * m.outputs + source) * p;
          const to = (i * outputs + k) * p;
          for (let j = 0; j < p; j++) values[to + j] += a * m.values[from + j];
        }
      }
    }
  });
  const c: Contributions = { rows: n, outputs, features: p, space: task === 'classification' ? 'margin' : 'value', base, values };
  return toOutputSpace(c, task, width);
}

/** SeasonalNaive predicts its `seasonal` feature (0 where unknown), Naive predicts 0. */
function baselineContributions(feature: string | undefined, X: FeatureMatrix): Contributions {
  const p = X.cols;
  const values = new Float64Array(X.rows * p);
  const j = feature ? (X.featureNames ?? []).indexOf(feature) : -1;
  if (j >= 0) {
    for (let i = 0; i < X.rows; i++) {
      const v = X.values[j * X.rows + i];
      values[i * p + j] = Number.isFinite(v) ? v : 0;
    }
  }
  return { rows: X.rows, outputs: 1, features: p, space: 'value', base: new Float64Array(1), values };
}
