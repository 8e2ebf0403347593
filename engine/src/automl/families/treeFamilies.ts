import { WeirError } from '../../errors';
import type { FeatureMatrix } from '../../gbdt/api';
import type { FitArgs, FittedModel, HyperparameterSpace, ModelFamily, Task } from '../types';
import { addTreePredictions, binMatrix, growTree, type TreeArrays } from './cart';
import { balancedWeights, checkColumns, choiceParam, classCount, numParam } from './familyUtils';
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
  for (let t = 0; t < trees; t++) {
    // A canceled trial stops between trees instead of finishing a large forest.
    if (args.signal?.aborted) throw new WeirError('CANCELED', `${family} fit canceled after ${t} of ${trees} trees`);
    for (let i = 0; i < X.rows; i++) {
      const w = sampleWeight ? sampleWeight[i] : 1;
      weight[i] = kind === 'forest' ? w * poisson(maxSamples, rand) : w;
    }
    grown.push(
      growTree(binned, y, weight, {
        numClasses: k,
        criterion: criterionFor(task, params),
        maxDepth: Math.max(1, Math.round(numParam(params, 'max_depth', kind === 'single' ? 4 : 12))),
        minSamplesLeaf: Math.max(1, Math.round(numParam(params, 'min_samples_leaf', 1))),
        maxFeatures: Math.max(1, Math.round(maxFeaturesShare * p)),
        randomSplits: kind === 'extra',
        rand,
        importance,
        leafPseudoCount: kind === 'single' ? 1 : 0,
      }),
    );
  }
  const total = importance.reduce((s, v) => s + v, 0);
  const importances: Record<string, number> = {};
  importance.forEach((v, j) => (importances[X.featureNames?.[j] ?? `f${j}`] = total > 0 ? v / total : 0));
  return new TreeEnsembleModel({ family, task, numClasses: k, features: p, trees: grown, importances });
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
    const scale = 1 / this.s.trees.length;
    for (const tree of this.s.trees) addTreePredictions(tree, X, out, width, scale);
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

function forestSpace(task: Task, data: { rows: number }, bootstrap: boolean): HyperparameterSpace {
  return {
    n_estimators: { type: 'int', low: 4, high: Math.min(512, Math.max(8, data.rows)), log: true },
    max_depth: { type: 'int', low: 4, high: 24 },
    max_features: { type: 'float', low: 0.1, high: 1 },
    min_samples_leaf: { type: 'int', low: 1, high: 64, log: true },
    ...(bootstrap ? { max_samples: { type: 'float', low: 0.1, high: 1 } } : {}),
    ...classificationOnly(task),
  };
}

function forestLowCost(task: Task, data: { rows: number; features: number }, bootstrap: boolean): Record<string, number | string> {
  // The cheap start considers few features per split: √p for classification (scikit-learn's
  // default), a third for regression; the search widens it when that pays.
  const sqrtShare = data.features > 0 ? Math.min(1, Math.max(0.1, Math.sqrt(data.features) / data.features)) : 1;
  return {
    n_estimators: 4,
    max_depth: 6,
    max_features: Number((task === 'classification' ? sqrtShare : 1 / 3).toFixed(4)),
    min_samples_leaf: 1,
    // On big data the cheap start bootstraps about 200k rows per tree (at least a tenth).
    ...(bootstrap ? { max_samples: Number(Math.min(1, Math.max(0.1, 200_000 / Math.max(1, data.rows))).toFixed(4)) } : {}),
    ...(task === 'classification' ? { criterion: 'gini', class_weight: 'none' } : {}),
  };
}

export const randomForest: ModelFamily = {
  name: 'RandomForest',
  tasks: allTasks,
  initialCost: 3,
  space: (task, data) => forestSpace(task, data, true),
  lowCostConfig: (task, data) => forestLowCost(task, data, true),
  fit: (args) => fitTrees('forest', 'RandomForest', args),
};

export const extraTrees: ModelFamily = {
  name: 'ExtremeRandomTrees',
  tasks: allTasks,
  initialCost: 2.5,
  space: (task, data) => forestSpace(task, data, false),
  lowCostConfig: (task, data) => forestLowCost(task, data, false),
  fit: (args) => fitTrees('extra', 'ExtremeRandomTrees', args),
};
