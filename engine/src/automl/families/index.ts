import { WeirError } from '../../errors';
import type { FittedModel, ModelFamily, RestoreModel, Task } from '../types';
import { elasticNet, restoreElasticNet } from './elasticNet';
import { logisticRegression, restoreLogistic } from './logisticRegression';
import { decisionTree, extraTrees, randomForest, restoreTrees } from './treeFamilies';
import { restoreXGBoost, xgboostClassifier, xgboostRegressor } from './xgboost';

/**
 * The model families on the leaderboard, by Azure's algorithm names. Families are plain
 * objects without module state, so any number of them run side by side in one worker.
 */
const families: readonly ModelFamily[] = [logisticRegression, elasticNet, decisionTree, randomForest, extraTrees, xgboostClassifier, xgboostRegressor];

const restorers: Record<string, (state: unknown) => FittedModel> = {
  LogisticRegression: restoreLogistic,
  ElasticNet: restoreElasticNet,
  DecisionTree: restoreTrees,
  RandomForest: restoreTrees,
  ExtremeRandomTrees: restoreTrees,
  XGBoostClassifier: (s) => restoreXGBoost('XGBoostClassifier', s),
  XGBoostRegressor: (s) => restoreXGBoost('XGBoostRegressor', s),
};

/** Every family, or those that handle `task`. */
export function allFamilies(task?: Task): ModelFamily[] {
  return families.filter((f) => !task || f.tasks.includes(task));
}

export function getFamily(name: string): ModelFamily {
  const family = families.find((f) => f.name === name);
  if (!family) throw new WeirError('NOT_FOUND', `no model family '${name}'; known: ${families.map((f) => f.name).join(', ')}`);
  return family;
}

/** Rebuilds a fitted model from `FittedModel.state()`, in any process. */
export const restoreModel: RestoreModel = (family, state) => {
  const restore = restorers[family];
  if (!restore) throw new WeirError('NOT_FOUND', `cannot restore a '${family}' model; known: ${Object.keys(restorers).join(', ')}`);
  return restore(state);
};
