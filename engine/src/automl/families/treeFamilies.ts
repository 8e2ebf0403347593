import type { FeatureMatrix } from '../../gbdt/api';
import type { FitArgs, FittedModel, HyperparameterSpace, ModelFamily, Task } from '../types';
import { addForestPredictions, binMatrix, growTree, treeWorkspace, type TreeArrays } from './cart';
import { balancedWeights, checkColumns, choiceParam, classCount, numParam, throwIfCanceled } from './familyUtils';
import { seededRandom } from './random';

/**
 * Tree families on the shared CART builder: one DecisionTree; a RandomForest (bootstrap
 * rows by Poisson counts, a random subset of features per split, averaged); ExtraTrees
 * (all rows, one random cut per considered feature, averaged). Leaves hold class shares,
 * so averaged leaves are probabilities.
 */
interface TreeEnsembleState {
  family: string;
  task: Task;
  /** 0 for regression. */
  numClasses: number;
  features: number;
  trees: TreeArrays[];
  importances?: Record<string, number>;
  /**
   * Forests (classification): the training class shares, averaged in as one more tree (see
   * `predict`). Absent in models saved before it was added, which predict as they did.
   */
  prior?: number[];
}

type Kind = 'single' | 'forest' | 'extra';

function criterionFor(task: Task, params: Record<string, number | string>): 'gini' | 'entropy' | 'squared_error' {
  return task === 'classification' ? choiceParam(params, 'criterion', ['gini', 'entropy'] as const, 'gini') : 'squared_error';
}

function fitTrees(kind: Kind, family: string, args: FitArgs): FittedModel {
  const { X, y, task } = args;
  const k = task === 'classification' ? classCount(args.numClasses, y) : 0;
  const p = X.cols;
  const rand = seededRandom(args.seed);
  const params = args.params;
  const classWeight = task === 'classification' ? choiceParam(params, 'class_weight', ['none', 'balanced'] as const, 'none') : 'none';
  const sampleWeight = classWeight === 'balanced' ? balancedWeights(y, k, args.weight) : args.weight;
  const trees = kind === 'single' ? 1 : Math.max(1, Math.round(numParam(params, 'n_estimators', 4)));
  const maxFeaturesShare = kind === 'single' ? 1 : Math.min(1, Math.max(0, numParam(params, 'max_features', 1)));
  const maxSamples = kind === 'forest' ? Math.min(1, Math.max(0.01, numParam(params, 'max_samples', 1))) : 1;
  const binned = binMatrix(X, rand);
  const importance = new Float64Array(p);
  const grown: TreeArrays[] = [];
  const weight = new Float64Array(X.rows);
  const workspace = treeWorkspace();
  for (let t = 0; t < trees; t++) {
    // A stopped trial stops between trees instead of finishing a large forest.
    throwIfCanceled(args.signal, () => `${family} fit after ${t} of ${trees} trees`);
    for (let i = 0; i < X.rows; i++) {
      const w = sampleWeight ? sampleWeight[i] : 1;
      weight[i] = kind === 'forest' ? w * poisson(maxSamples, rand) : w;
    }
    grown.push(
      growTree(binned, y, weight, {
        numClasses: k,
        criterion: criterionFor(task, params),
        maxDepth: Math.max(1, Math.round(numParam(params, 'max_depth', kind === 'single' ? 4 : FULL_DEPTH))),
        minSamplesLeaf: Math.max(1, Math.round(numParam(params, 'min_samples_leaf', 1))),
        maxFeatures: Math.max(1, Math.round(maxFeaturesShare * p)),
        randomSplits: kind === 'extra',
        rand,
        importance,
        leafPseudoCount: kind === 'single' ? 1 : 0,
        workspace,
      }),
    );
  }
  const total = importance.reduce((s, v) => s + v, 0);
  const importances: Record<string, number> = {};
  importance.forEach((v, j) => (importances[X.featureNames?.[j] ?? `f${j}`] = total > 0 ? v / total : 0));
  // Full-depth trees have pure leaves, so every tree of a forest may give a class share 0,
  // which log loss punishes without limit; the class prior averaged in as one more tree keeps
  // each share above prior / (trees + 1). It moves every class's column by the same affine
  // map, so AUC is unchanged, and 300 trees barely move an argmax.
  const prior = kind !== 'single' && k > 0 ? classShares(y, k, sampleWeight) : undefined;
  return new TreeEnsembleModel({ family, task, numClasses: k, features: p, trees: grown, importances, ...(prior ? { prior } : {}) });
}

function classShares(y: Float32Array, k: number, weight?: Float32Array): number[] {
  const shares = new Array<number>(k).fill(0);
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const w = weight ? weight[i] : 1;
    shares[y[i]] += w;
    total += w;
  }
  return shares.map((v) => (total > 0 ? v / total : 1 / k));
}

/** Knuth's Poisson sampler; λ ≤ 1 here, so it takes a couple of draws. */
function poisson(lambda: number, rand: () => number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let prod = rand();
  while (prod > limit) {
    k++;
    prod *= rand();
  }
  return k;
}

class TreeEnsembleModel implements FittedModel {
  readonly family: string;
  constructor(private readonly s: TreeEnsembleState) {
    this.family = s.family;
  }

  predict(X: FeatureMatrix): Float64Array {
    checkColumns(this.family, X, this.s.features);
    const width = this.s.numClasses > 0 ? this.s.numClasses : 1;
    const out = new Float64Array(X.rows * width);
    const prior = this.s.prior?.length === width ? this.s.prior : undefined;
    const scale = 1 / (this.s.trees.length + (prior ? 1 : 0));
    addForestPredictions(this.s.trees, X, out, width, scale);
    if (prior) for (let i = 0; i < X.rows; i++) for (let c = 0; c < width; c++) out[i * width + c] += scale * prior[c];
    return out;
  }

  importances(): Record<string, number> {
    return { ...(this.s.importances ?? {}) };
  }

  state(): TreeEnsembleState {
    return this.s;
  }
}

export function restoreTrees(state: unknown): FittedModel {
  return new TreeEnsembleModel(state as TreeEnsembleState);
}

function classificationOnly(task: Task): HyperparameterSpace {
  return task === 'classification'
    ? { criterion: { type: 'choice', values: ['gini', 'entropy'] }, class_weight: { type: 'choice', values: ['none', 'balanced'] } }
    : {};
}

const allTasks: Task[] = ['classification', 'regression', 'forecasting'];

export const decisionTree: ModelFamily = {
  name: 'DecisionTree',
  tasks: allTasks,
  initialCost: 0.5,
  space: (task) => ({
    max_depth: { type: 'int', low: 2, high: 24 },
    min_samples_leaf: { type: 'int', low: 1, high: 256, log: true },
    ...classificationOnly(task),
  }),
  lowCostConfig: (task) => ({ max_depth: 4, min_samples_leaf: 8, ...(task === 'classification' ? { criterion: 'gini', class_weight: 'none' } : {}) }),
  fit: (args) => fitTrees('single', 'DecisionTree', args),
};

/**
 * The forests' depth limit that means "grow until the leaves are pure or too small" (scikit-learn's
 * max_depth=None): the space's top, on a log scale so the local search's steps from it matter.
 */
export const FULL_DEPTH = 64;

function forestSpace(task: Task, data: { rows: number }, bootstrap: boolean): HyperparameterSpace {
  return {
    n_estimators: { type: 'int', low: 4, high: Math.min(512, Math.max(8, data.rows)), log: true },
    max_depth: { type: 'int', low: 2, high: FULL_DEPTH, log: true },
    max_features: { type: 'float', low: 0.1, high: 1 },
    min_samples_leaf: { type: 'int', low: 1, high: 64, log: true },
    ...(bootstrap ? { max_samples: { type: 'float', low: 0.1, high: 1 } } : {}),
    ...classificationOnly(task),
  };
}

/** √p of p features as a share (scikit-learn's classification default), at least the space's 0.1. */
function sqrtShare(features: number): number {
  return features > 0 ? Number(Math.min(1, Math.max(0.1, Math.sqrt(features) / features)).toFixed(4)) : 1;
}

/** On big data a tree bootstraps about 200k rows (at least a tenth of them). */
function maxSamplesFor(rows: number): number {
  return Number(Math.min(1, Math.max(0.1, 200_000 / Math.max(1, rows))).toFixed(4));
}

function forestLowCost(task: Task, data: { rows: number; features: number; classes?: number }, bootstrap: boolean): Record<string, number | string> {
  // The cheap reference point: 8 trees, full depth where the table allows it (as the
  // portfolio), on √p features for classification (a third for regression). Its depth is the
  // portfolio's, so a configuration's cost (its growth over this one, see search/space.ts)
  // counts trees, not depth: a full-depth tree's work is bounded by its rows, not by 64 levels.
  const maxFeatures = task === 'classification' ? sqrtShare(data.features) : Number((1 / 3).toFixed(4));
  const maxSamples = bootstrap ? maxSamplesFor(data.rows) : 1;
  const size = forestSize(task, data, maxFeatures * data.features, maxSamples);
  return {
    n_estimators: 8,
    max_depth: size.maxDepth,
    max_features: maxFeatures,
    min_samples_leaf: size.minSamplesLeaf,
    ...(bootstrap ? { max_samples: maxSamples } : {}),
    ...(task === 'classification' ? { criterion: 'gini', class_weight: 'none' } : {}),
  };
}

/**
 * Work per fold and memory per fold model a portfolio forest may take: about 1.2 CPU s of
 * Weir's CART on a quiet core (so 5 folds fit in the 20% of a 1-minute budget a family other
 * than the booster may take), and 40 MB of trees in the JS state. Work per tree ≈ rows used ×
 * log2(rows) × features per split, three times that with 26 classes (measured with `npm run
 * bench -- forest`: 100 full-depth trees took 2.9 CPU s on 16k rows × 4 of 16 features × 26
 * classes, 17 s on 43k rows × 26 features, regression). Nodes per tree ≈ a third of the rows
 * for classification (pure leaves come early), about the rows for regression, each ≈ 150
 * bytes plus 8 a class in a leaf.
 *
 * Both were measured before the CART builder's one-pass nodes (docs/automl-parts.md, Forest
 * speed): classification forests now fit in about 0.55–0.75 of that CPU (Letter RF 100 trees
 * 1.5–1.9 s at load 7–10) and pure leaves share their class array (Letter ExtraTrees' heap
 * 274 → 121 MB); regression is about as before. The bounds were left as they were: Soybean's
 * forests are at the 300-tree cap and Letter's at the AUC ceiling, so no dev table could show
 * what larger classification forests would buy; raise WORK_PER_FOLD for classification only
 * with such a measurement (on tables where forests are work-bound and not at a ceiling).
 * Tried twice the work for classification (docs/automl.md, Letter at 1 minute): the memory
 * bound binds first on Churn and Letter's ExtraTrees, only Spam's RandomForest grew much
 * (96 → 193 trees), and 1-minute runs did not move beyond their noise; not kept.
 */
const WORK_PER_FOLD = 1.2e8;
const BYTES_PER_FOLD_MODEL = 40e6;
/** At most this many nodes a tree: min_samples_leaf grows beyond 1 on tables large enough to pass it. */
const MAX_TREE_NODES = 40_000;

export interface ForestSize {
  trees: number;
  maxDepth: number;
  minSamplesLeaf: number;
}

/**
 * The size of a portfolio forest on this table: scikit-learn's and AutoGluon's few hundred
 * (300) full-depth trees where the table is small; fewer where one fold's forest would be slow
 * or large (at least 8), then larger leaves (a tree within `MAX_TREE_NODES`), then, on tables
 * of millions of rows, a depth limit, so the portfolio's first trial stays cheap there. The
 * memory bound only lowers the trees when at least 4 fit (else leaves and depth bound it).
 */
export function forestSize(task: Task, data: { rows: number; classes?: number }, featuresPerSplit: number, rowShare = 1): ForestSize {
  const rows = Math.max(2, data.rows * rowShare);
  const mtry = Math.max(1, featuresPerSplit);
  const k = task === 'classification' ? Math.max(2, data.classes ?? 2) : 0;
  const classFactor = k > 2 ? 1 + k / 13 : 1;
  const nodeShare = k > 0 ? 0.35 : 1.1;
  const minSamplesLeaf = Math.max(1, Math.ceil((rows * nodeShare) / MAX_TREE_NODES));
  const nodeBytes = 150 + 4 * k;
  const nodes = (rows * nodeShare) / minSamplesLeaf;
  const perTree = rows * Math.log2(rows) * mtry * classFactor;
  const trees = Math.min(300, Math.floor(WORK_PER_FOLD / perTree), Math.floor(BYTES_PER_FOLD_MODEL / (nodes * nodeBytes)));
  // Up to twice the work, 8 full-depth trees still run (43k rows × 26 features, regression).
  if (trees >= 4) return { trees: Math.max(8, trees), maxDepth: FULL_DEPTH, minSamplesLeaf };
  // Millions of rows: 8 trees whose depth keeps the work (rows × levels × features) and nodes in bounds.
  const byWork = Math.floor(WORK_PER_FOLD / (8 * rows * mtry * classFactor));
  const byMemory = Math.floor(Math.log2(BYTES_PER_FOLD_MODEL / (8 * nodeBytes)));
  return { trees: 8, maxDepth: Math.max(4, Math.min(FULL_DEPTH, byWork, byMemory)), minSamplesLeaf };
}

/**
 * Configurations tried first (see `ModelFamily.portfolio`), in the spirit of scikit-learn's and
 * AutoGluon's forest defaults, written for Weir: full-depth trees with min_samples_leaf 1 on √p
 * features per split for classification (for regression RandomForest a third, then all;
 * ExtraTrees all, then half), then variants that most often matter
 * (entropy instead of gini, smoother leaves, more or fewer features per split). The first is a probe, the second's configuration with an eighth of the
 * trees (at least 8; skipped when the forest has no more): fast, so a table where a forest is
 * slow learns that early, a run of a few `iterations` stays quick, and its measured time
 * prices the rest (the search scales time by trees).
 * The others have the same trees and depth, sized (`forestSize`) for the widest of them.
 */
function forestPortfolio(task: Task, data: { rows: number; features: number; classes?: number }, bootstrap: boolean): Record<string, number | string>[] {
  const p = Math.max(1, data.features);
  const classification = task === 'classification';
  const sqrt = sqrtShare(p);
  const wider = Number(Math.min(1, Math.max(sqrt, 0.5)).toFixed(4));
  const third = Number(Math.max(0.1, 1 / 3).toFixed(4));
  const maxSamples = bootstrap ? maxSamplesFor(data.rows) : 1;
  const widest = classification ? (bootstrap ? wider : sqrt) : 1;
  const size = forestSize(task, data, widest * p, maxSamples);
  const base = {
    n_estimators: size.trees,
    max_depth: size.maxDepth,
    min_samples_leaf: size.minSamplesLeaf,
    ...(bootstrap ? { max_samples: maxSamples } : {}),
  };
  const smoother = Math.max(size.minSamplesLeaf, bootstrap ? 5 : 3);
  let configs: Record<string, number | string>[];
  if (classification) {
    const cls = { class_weight: 'none' };
    configs = [
      { ...base, ...cls, max_features: sqrt, criterion: 'gini' },
      { ...base, ...cls, max_features: sqrt, criterion: 'entropy' },
    ];
    // Random forests also try smoother leaves on more features per split (where AutoGluon's
    // and FLAML's searches often land on noisy tables).
    if (bootstrap) configs.push({ ...base, ...cls, max_features: wider, min_samples_leaf: Math.max(size.minSamplesLeaf, 3), criterion: 'gini' });
  } else {
    // Regression: RandomForest starts on a third of the features per split (R's randomForest),
    // then all of them (scikit-learn's default); ExtraTrees on all of them (Geurts et al.), then
    // half; both then smoother leaves. On small noisy tables the decorrelated forest generalises
    // better (scikit-learn, 5-fold CV r2, all features → a third: Boston 0.841 → 0.863, Diabetes
    // 0.411 → 0.452; 5 of 6 tables up, docs/automl.md), and its trees cost a third as much, so
    // its first full forest fits a loaded machine's share of the budget. ExtraTrees at a half
    // wins on 5 of 6 too, but its probe lost CV on Life expectancy, where ExtraTrees leads.
    const all = { ...base, max_features: 1 };
    const share = { ...base, max_features: bootstrap ? third : 0.5 };
    configs = [...(bootstrap ? [share, all] : [all, share]), { ...base, max_features: 1, min_samples_leaf: smoother }];
  }
  const probeTrees = Math.max(8, Math.round(size.trees / 8));
  return probeTrees < size.trees ? [{ ...configs[0], n_estimators: probeTrees }, ...configs] : configs;
}

export const randomForest: ModelFamily = {
  name: 'RandomForest',
  tasks: allTasks,
  initialCost: 3,
  space: (task, data) => forestSpace(task, data, true),
  lowCostConfig: (task, data) => forestLowCost(task, data, true),
  portfolio: (task, data) => forestPortfolio(task, data, true),
  fit: (args) => fitTrees('forest', 'RandomForest', args),
};

export const extraTrees: ModelFamily = {
  name: 'ExtremeRandomTrees',
  tasks: allTasks,
  initialCost: 2.5,
  space: (task, data) => forestSpace(task, data, false),
  lowCostConfig: (task, data) => forestLowCost(task, data, false),
  portfolio: (task, data) => forestPortfolio(task, data, false),
  fit: (args) => fitTrees('extra', 'ExtremeRandomTrees', args),
};
