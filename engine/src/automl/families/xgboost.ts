import { loadXGBoostJSON, train } from '../../gbdt';
import type { Booster, FeatureMatrix, GbdtParams, TrainData } from '../../gbdt/api';
import type { FitArgs, FittedModel, HyperparameterSpace, ModelFamily, Task } from '../types';
import { checkColumns, classCount, numParam } from './familyUtils';

/**
 * XGBoost-style gradient boosting over Weir's WASM GBDT. The space and the low-cost start
 * follow FLAML's XGBoost estimator: leaf-wise trees (`max_leaves`, `grow_policy:
 * lossguide`) starting from 4 trees of 4 leaves, widening only when that pays.
 */
interface XGBoostState {
  task: Task;
  numClasses: number;
  /** Trees used for prediction (early stopping keeps the best round). */
  iterationEnd?: number;
  model: unknown;
}

function space(task: Task, data: { rows: number }): HyperparameterSpace {
  void task;
  return {
    n_estimators: { type: 'int', low: 4, high: Math.min(2048, Math.max(16, data.rows)), log: true },
    max_leaves: { type: 'int', low: 4, high: Math.min(1024, Math.max(8, Math.floor(data.rows / 4))), log: true },
    min_child_weight: { type: 'float', low: 0.001, high: 128, log: true },
    learning_rate: { type: 'float', low: 1 / 1024, high: 1, log: true },
    subsample: { type: 'float', low: 0.1, high: 1 },
    colsample_bytree: { type: 'float', low: 0.1, high: 1 },
    reg_alpha: { type: 'float', low: 1 / 1024, high: 1024, log: true },
    reg_lambda: { type: 'float', low: 1 / 1024, high: 1024, log: true },
  };
}

function lowCostConfig(): Record<string, number> {
  return { n_estimators: 4, max_leaves: 4, min_child_weight: 1, learning_rate: 0.1, subsample: 1, colsample_bytree: 1, reg_alpha: 1 / 1024, reg_lambda: 1 };
}

function gbdtParams(args: FitArgs, numClasses: number): GbdtParams {
  const p = args.params;
  const classification = args.task === 'classification';
  const params: GbdtParams = {
    objective: classification ? (numClasses > 2 ? 'multi:softprob' : 'binary:logistic') : 'reg:squarederror',
    num_boost_round: Math.max(1, Math.round(numParam(p, 'n_estimators', 4))),
    eta: numParam(p, 'learning_rate', 0.1),
    grow_policy: 'lossguide',
    max_depth: 0,
    max_leaves: Math.max(2, Math.round(numParam(p, 'max_leaves', 4))),
    min_child_weight: numParam(p, 'min_child_weight', 1),
    subsample: numParam(p, 'subsample', 1),
    colsample_bytree: numParam(p, 'colsample_bytree', 1),
    alpha: numParam(p, 'reg_alpha', 0),
    lambda: numParam(p, 'reg_lambda', 1),
    seed: args.seed,
  };
  if (numClasses > 2) params.num_class = numClasses;
  // Start from the label mean (as XGBoost 2 does) instead of 0.5: with the few trees of
  // the cheap configurations, a bad base score would dominate the fit.
  if (args.task !== 'classification' || numClasses === 2) params.base_score = baseScore(args.y, args.weight, classification);
  return params;
}

function baseScore(y: Float32Array, weight: Float32Array | undefined, probability: boolean): number {
  let s = 0;
  let w = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = weight ? weight[i] : 1;
    s += wi * y[i];
    w += wi;
  }
  const mean = w > 0 ? s / w : 0.5;
  return probability ? Math.min(1 - 1e-6, Math.max(1e-6, mean)) : mean;
}

function trainData(X: FeatureMatrix, y: Float32Array, weight?: Float32Array): TrainData {
  return { rows: X.rows, cols: X.cols, values: X.values, featureNames: X.featureNames, featureTypes: X.featureTypes, label: y, ...(weight ? { weight } : {}) };
}

function fit(args: FitArgs): FittedModel {
  const numClasses = args.task === 'classification' ? classCount(args.numClasses, args.y) : 1;
  const params = gbdtParams(args, numClasses);
  const evals = args.valid ? [{ name: 'valid', data: trainData(args.valid.X, args.valid.y, args.valid.weight) }] : undefined;
  if (evals) params.early_stopping_rounds = Math.max(10, Math.min(50, Math.round((params.num_boost_round ?? 10) / 10)));
  const result = train(trainData(args.X, args.y, args.weight), params, evals);
  const iterationEnd = result.bestIteration !== undefined && evals ? result.bestIteration + 1 : undefined;
  return new XGBoostModel(args.task === 'classification' ? 'XGBoostClassifier' : 'XGBoostRegressor', args.task, numClasses, result.booster, iterationEnd, args.X.featureNames);
}

class XGBoostModel implements FittedModel {
  constructor(
    readonly family: string,
    private readonly task: Task,
    private readonly numClasses: number,
    private readonly booster: Booster,
    private readonly iterationEnd: number | undefined,
    private readonly featureNames?: string[],
  ) {}

  predict(X: FeatureMatrix): Float64Array {
    checkColumns(this.family, X, this.booster.numFeatures);
    const raw = this.booster.predict(X, this.iterationEnd !== undefined ? { iterationEnd: this.iterationEnd } : undefined);
    if (this.task !== 'classification') return Float64Array.from(raw);
    if (this.numClasses > 2) return Float64Array.from(raw);
    const out = new Float64Array(X.rows * 2);
    for (let i = 0; i < X.rows; i++) {
      out[2 * i] = 1 - raw[i];
      out[2 * i + 1] = raw[i];
    }
    return out;
  }

  importances(): Record<string, number> {
    const gain = this.booster.featureImportance('total_gain');
    const out: Record<string, number> = {};
    for (const [key, value] of Object.entries(gain)) {
      // Without names the booster reports f0, f1, …; map them back when the fit had names.
      const m = /^f(\d+)$/.exec(key);
      const name = m && this.featureNames && !this.featureNames.includes(key) ? (this.featureNames[Number(m[1])] ?? key) : key;
      out[name] = value;
    }
    return out;
  }

  state(): XGBoostState {
    return { task: this.task, numClasses: this.numClasses, ...(this.iterationEnd !== undefined ? { iterationEnd: this.iterationEnd } : {}), model: this.booster.toXGBoostJSON() };
  }

  dispose(): void {
    this.booster.dispose();
  }
}

export function restoreXGBoost(family: string, state: unknown): FittedModel {
  const s = state as XGBoostState;
  const booster = loadXGBoostJSON(s.model);
  return new XGBoostModel(family, s.task, s.numClasses, booster, s.iterationEnd);
}

export const xgboostClassifier: ModelFamily = {
  name: 'XGBoostClassifier',
  tasks: ['classification'],
  initialCost: 2,
  space,
  lowCostConfig,
  fit,
};

export const xgboostRegressor: ModelFamily = {
  name: 'XGBoostRegressor',
  tasks: ['regression', 'forecasting'],
  initialCost: 2,
  space,
  lowCostConfig,
  fit,
};
