import { WeirError } from '../errors';
import type { FeatureMatrix } from '../gbdt/api';
import type { BoosterModel } from '../gbdt/booster';
import { baseMargin, logLink } from '../gbdt/objectives';
import { loadXGBoostJSON } from '../gbdt/xgboostJson';
import type { TreeArrays } from '../automl/families/cart';
import { addTreeShap, treeDepth, treeExpectedValue, type ShapTree } from './treeShap';

/**
 * SHAP values of one fitted model of one family, in the space that model computes in:
 * log-odds (`margin`) for XGBoost classifiers and logistic regression, class shares
 * (`probability`) for CART trees and forests, the predicted value for regression.
 * `values` is rows × outputs × features; each row's values plus `base` equal its output.
 */
export interface Contributions {
  rows: number;
  outputs: number;
  features: number;
  space: 'margin' | 'probability' | 'value';
  base: Float64Array;
  values: Float64Array;
}

/** The family states this module reads (each family's `state()`, as stored in model.json). */
interface XGBoostState {
  task: string;
  numClasses: number;
  iterationEnd?: number;
  model: unknown;
}
interface TreeEnsembleState {
  task: string;
  numClasses: number;
  features: number;
  trees: TreeArrays[];
  /** Forests: class shares averaged in as one more, constant tree (it adds to the base value only). */
  prior?: number[];
}
export interface LinearState {
  scaler: { mean: number[]; scale: number[] };
  /** ElasticNet: one row of coefficients; LogisticRegression: one row per margin. */
  coef: number[] | number[][];
  intercept: number | number[];
}

/**
 * A tree model made ready for TreeSHAP: its trees in the walk's format and its base values.
 * Building this (parsing an XGBoost model, copying a forest's arrays, the trees' expected
 * values) can cost more than explaining a few rows, and explanations go in batches of a few
 * rows: so it is built once per stored state and kept while the state object lives.
 */
interface PreparedTrees {
  trees: ShapTree[];
  outputs: number;
  space: Contributions['space'];
  base: Float64Array;
  /** Every tree's values are scaled by this (a forest is the mean of its trees). */
  scale: number;
  /** The feature count the model was fitted on. */
  features: number;
}
const preparedStates = new WeakMap<object, PreparedTrees>();

function treeContributions(t: PreparedTrees, X: FeatureMatrix): Contributions {
  const values = new Float64Array(X.rows * t.outputs * X.cols);
  addTreeShap(t.trees, X, values, t.outputs, t.scale);
  return { rows: X.rows, outputs: t.outputs, features: X.cols, space: t.space, base: Float64Array.from(t.base), values };
}

/** Explains one model given its family name and `state()`. */
export function familyContributions(family: string, state: unknown, X: FeatureMatrix): Contributions {
  switch (family) {
    case 'XGBoostClassifier':
    case 'XGBoostRegressor': {
      const s = state as XGBoostState;
      let prepared = preparedStates.get(s);
      if (!prepared) {
        const booster = loadXGBoostJSON(s.model);
        try {
          prepared = gbdtPrepared(booster.model, s.iterationEnd);
        } finally {
          booster.dispose();
        }
        preparedStates.set(s, prepared);
      }
      checkWidth(X, prepared.features, 'XGBoost');
      return treeContributions(prepared, X);
    }
    case 'DecisionTree':
    case 'RandomForest':
    case 'ExtremeRandomTrees': {
      const s = state as TreeEnsembleState;
      checkWidth(X, s.features, 'tree');
      // Trees saved without covers count them on the rows explained: nothing to keep.
      if (s.trees.some((t) => !t.cover)) return treeContributions(cartPrepared(s, X), X);
      let prepared = preparedStates.get(s);
      if (!prepared) preparedStates.set(s, (prepared = cartPrepared(s)));
      return treeContributions(prepared, X);
    }
    case 'LogisticRegression':
      return linearContributions(state as LinearState, X, 'margin');
    case 'ElasticNet':
      return linearContributions(state as LinearState, X, 'value');
    default:
      throw new WeirError('BAD_INPUT', `explanations are not available for '${family}' models`, {
        hint: 'Weir explains XGBoost, DecisionTree, RandomForest, ExtremeRandomTrees, LogisticRegression, ElasticNet and their ensembles.',
      });
  }
}

/** Weir's (or XGBoost's) boosted trees as ShapTrees, one output per class group. */
export function gbdtShapTrees(model: BoosterModel, iterationEnd?: number): ShapTree[] {
  const K = model.numGroups;
  const rounds = Math.floor(model.trees.length / K);
  const used = (iterationEnd === undefined || iterationEnd <= 0 ? rounds : Math.min(iterationEnd, rounds)) * K;
  return model.trees.slice(0, used).map((t, i) => {
    const n = t.left.length;
    const value = new Float64Array(n);
    // A leaf keeps its output in split_condition, as XGBoost stores it.
    for (let j = 0; j < n; j++) value[j] = t.left[j] < 0 ? t.splitCondition[j] : 0;
    return {
      left: t.left,
      right: t.right,
      feature: t.splitIndex,
      threshold: Float64Array.from(t.splitCondition),
      missingLeft: t.defaultLeft,
      ...(t.categories ? { categories: t.categories } : {}),
      cover: Float64Array.from(t.sumHessian),
      value,
      width: 1,
      output: model.treeInfo[i] ?? 0,
      depth: treeDepth(t.left, t.right),
    };
  });
}

/** TreeSHAP of a GBDT in margin space: the same numbers as XGBoost's `pred_contribs=True`. */
export function gbdtContributions(model: BoosterModel, X: FeatureMatrix, iterationEnd?: number): Contributions {
  checkWidth(X, model.numFeature, 'XGBoost');
  return treeContributions(gbdtPrepared(model, iterationEnd), X);
}

function gbdtPrepared(model: BoosterModel, iterationEnd?: number): PreparedTrees {
  const trees = gbdtShapTrees(model, iterationEnd);
  const outputs = model.numGroups;
  const base = new Float64Array(outputs).fill(Math.fround(baseMargin(model.objective, model.baseScore)));
  for (const t of trees) base[t.output] += treeExpectedValue(t)[0];
  // Log-odds for the classifiers, log(value) for count:poisson and reg:tweedie: all margins (a link away from the output).
  const margin = model.objective === 'binary:logistic' || model.objective === 'multi:softprob' || logLink(model.objective);
  return { trees, outputs, space: margin ? 'margin' : 'value', base, scale: 1, features: model.numFeature };
}

/** CART trees as ShapTrees; without stored covers (older models) they are counted on `X`. */
export function cartShapTrees(s: TreeEnsembleState, X?: FeatureMatrix): ShapTree[] {
  const width = s.numClasses > 0 ? s.numClasses : 1;
  return s.trees.map((t) => {
    const n = t.feature.length;
    const left = Int32Array.from(t.left);
    const right = Int32Array.from(t.right);
    const value = new Float64Array(n * width);
    for (let j = 0; j < n; j++) if (t.feature[j] < 0) for (let c = 0; c < width; c++) value[j * width + c] = t.value[j][c] ?? 0;
    const tree: ShapTree = {
      left: Int32Array.from(t.feature, (f, j) => (f < 0 ? -1 : left[j])),
      right: Int32Array.from(t.feature, (f, j) => (f < 0 ? -1 : right[j])),
      feature: Int32Array.from(t.feature, (f) => Math.max(0, f)),
      threshold: Float64Array.from(t.threshold),
      missingLeft: Uint8Array.from(t.missingLeft),
      cover: t.cover ? Float64Array.from(t.cover) : new Float64Array(n),
      value,
      width,
      output: 0,
      depth: 0,
    };
    tree.depth = treeDepth(tree.left, tree.right);
    if (!t.cover) countCovers(tree, X);
    return tree;
  });
}

/**
 * Covers for trees saved without them: rows of `X` counted through the tree, plus one per
 * leaf so that no branch has zero weight (which would make its Shapley weights undefined).
 */
function countCovers(tree: ShapTree, X: FeatureMatrix | undefined): void {
  const c = tree.cover;
  const addUp = (node: number): number => {
    if (tree.left[node] < 0) return (c[node] += 1);
    return (c[node] += addUp(tree.left[node]) + addUp(tree.right[node]));
  };
  if (X) {
    const n = X.rows;
    for (let i = 0; i < n; i++) {
      let node = 0;
      while (tree.left[node] >= 0) {
        const v = X.values[tree.feature[node] * n + i];
        node = (v !== v ? tree.missingLeft[node] === 1 : v < tree.threshold[node]) ? tree.left[node] : tree.right[node];
      }
      c[node] += 1;
    }
  }
  // Internal nodes have counted nothing yet; leaves hold their rows. Sum them upwards.
  addUp(0);
}

/** TreeSHAP of a tree or forest: the forest is the mean of its trees, so are its values. */
export function cartContributions(s: TreeEnsembleState, X: FeatureMatrix): Contributions {
  checkWidth(X, s.features, 'tree');
  return treeContributions(cartPrepared(s, X), X);
}

/** `X` counts covers for trees saved without them. */
function cartPrepared(s: TreeEnsembleState, X?: FeatureMatrix): PreparedTrees {
  const trees = cartShapTrees(s, X);
  const outputs = s.numClasses > 0 ? s.numClasses : 1;
  const base = new Float64Array(outputs);
  const prior = s.prior?.length === outputs ? s.prior : undefined;
  const scale = 1 / Math.max(1, trees.length + (prior ? 1 : 0));
  for (const t of trees) {
    const e = treeExpectedValue(t);
    for (let c = 0; c < outputs; c++) base[c] += scale * e[c];
  }
  if (prior) for (let c = 0; c < outputs; c++) base[c] += scale * prior[c];
  return { trees, outputs, space: s.numClasses > 0 ? 'probability' : 'value', base, scale, features: s.features };
}

/**
 * Closed-form SHAP of a linear model with independent features (Lundberg & Lee 2017,
 * "linear SHAP"): φⱼ = βⱼ(xⱼ − E[xⱼ]). The background is the featurized training data's
 * mean, which the model's scaler holds, so φ = coef/scale · (x − mean) and the base value is
 * the intercept. A missing value sits at the mean in these models and gets φ = 0.
 */
export function linearContributions(s: LinearState, X: FeatureMatrix, space: 'margin' | 'value'): Contributions {
  const coef = (Array.isArray(s.coef[0]) ? s.coef : [s.coef]) as number[][];
  const intercept = Array.isArray(s.intercept) ? s.intercept : [s.intercept];
  const p = s.scaler.mean.length;
  checkWidth(X, p, 'linear');
  const outputs = coef.length;
  const n = X.rows;
  const values = new Float64Array(n * outputs * p);
  for (let j = 0; j < p; j++) {
    const m = s.scaler.mean[j];
    for (let c = 0; c < outputs; c++) {
      const perUnit = coef[c][j] / s.scaler.scale[j];
      if (perUnit === 0) continue;
      for (let i = 0; i < n; i++) {
        const v = X.values[j * n + i];
        if (v === v) values[(i * outputs + c) * p + j] = (v - m) * perUnit;
      }
    }
  }
  return { rows: n, outputs, features: p, space, base: Float64Array.from(intercept), values };
}

function checkWidth(X: FeatureMatrix, expected: number, what: string): void {
  if (X.cols !== expected) throw new WeirError('BAD_INPUT', `explain: the ${what} model reads ${expected} features, the data has ${X.cols}`);
}
