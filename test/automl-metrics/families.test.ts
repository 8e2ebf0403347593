import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allFamilies, getFamily, restoreModel } from '../../engine/src/automl/families';
import { fitFeaturizer } from '../../engine/src/automl/featurize';
import { computeMetrics } from '../../engine/src/automl/metrics';
import type { FeatureMatrix } from '../../engine/src/gbdt/api';
import type { Task } from '../../engine/src/automl/types';
import { titanicCsv, vegaData } from '../helpers/paths';
import { readTableFile } from './tables';

function pickRows(X: FeatureMatrix, rows: number[]): FeatureMatrix {
  const values = new Float32Array(rows.length * X.cols);
  for (let j = 0; j < X.cols; j++) rows.forEach((r, i) => (values[j * rows.length + i] = X.values[j * X.rows + r]));
  return { rows: rows.length, cols: X.cols, values, featureNames: X.featureNames, featureTypes: X.featureTypes };
}

/** Holds out every fourth row: fixed, so a failure is reproducible. */
function split(n: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < n; i++) (i % 4 === 3 ? test : train).push(i);
  return { train, test };
}

interface Dataset {
  name: string;
  task: Task;
  X: FeatureMatrix;
  y: Float32Array;
  numClasses?: number;
}

async function load(file: string, label: string, task: Task, name: string): Promise<Dataset> {
  const table = await readTableFile(file);
  const f = fitFeaturizer(table, label, { mode: 'auto' }, { task });
  return { name, task, X: f.X, y: f.y.values, numClasses: f.y.classes?.length };
}

/** The score a model must beat: class priors (log loss) or the training mean (RMSE). */
function baselineAndScore(d: Dataset, trainRows: number[], testRows: number[], pred: Float64Array): { baseline: number; score: number; metric: string } {
  const yTest = testRows.map((r) => d.y[r]);
  if (d.task === 'classification') {
    const k = d.numClasses!;
    const prior = new Array<number>(k).fill(0);
    for (const r of trainRows) prior[d.y[r]] += 1 / trainRows.length;
    const priorProba = yTest.flatMap(() => prior);
    const base = computeMetrics({ task: 'classification', yTrue: yTest, pred: priorProba, numClasses: k });
    const ours = computeMetrics({ task: 'classification', yTrue: yTest, pred, numClasses: k });
    return { baseline: base.log_loss, score: ours.log_loss, metric: 'log_loss' };
  }
  const mean = trainRows.reduce((s, r) => s + d.y[r], 0) / trainRows.length;
  const base = computeMetrics({ task: 'regression', yTrue: yTest, pred: yTest.map(() => mean) });
  const ours = computeMetrics({ task: 'regression', yTrue: yTest, pred });
  return { baseline: base.root_mean_squared_error, score: ours.root_mean_squared_error, metric: 'root_mean_squared_error' };
}

describe('model families fit real tables better than a trivial baseline', async () => {
  const datasets = [
    await load(titanicCsv, 'Survived', 'classification', 'titanic'),
    await load(path.join(vegaData, 'penguins.json'), 'Species', 'classification', 'penguins'),
    await load(path.join(vegaData, 'cars.json'), 'Miles_per_Gallon', 'regression', 'cars'),
  ];
  for (const d of datasets) {
    for (const family of allFamilies(d.task)) {
      for (const config of ['lowCost', 'wider'] as const) {
        it(`${family.name} on ${d.name} (${config})`, () => {
          const { train, test } = split(d.X.rows);
          const Xtrain = pickRows(d.X, train);
          const Xtest = pickRows(d.X, test);
          const yTrain = Float32Array.from(train, (r) => d.y[r]);
          const info = { rows: train.length, features: d.X.cols, classes: d.numClasses };
          const low = family.lowCostConfig(d.task, info);
          const params = config === 'lowCost' ? low : { ...low, ...widerConfig(family.name) };
          for (const [name, value] of Object.entries(params)) {
            const dim = family.space(d.task, info)[name];
            expect(dim, `${family.name}: ${name} is in the space`).toBeDefined();
            if (dim.type === 'choice') expect(dim.values).toContain(value);
            else {
              expect(value as number).toBeGreaterThanOrEqual(dim.low);
              expect(value as number).toBeLessThanOrEqual(dim.high);
            }
          }
          const model = family.fit({ task: d.task, X: Xtrain, y: yTrain, numClasses: d.numClasses, params, seed: 7 });
          const pred = model.predict(Xtest);
          expect(pred.length).toBe(test.length * (d.numClasses ?? 1));
          const { baseline, score, metric } = baselineAndScore(d, train, test, pred);
          expect(score, `${family.name} ${metric} ${score} vs baseline ${baseline}`).toBeLessThan(baseline * (config === 'wider' ? 0.8 : 0.95));

          // The state is plain JSON and restores to the same predictions in another process.
          const restored = restoreModel(model.family, JSON.parse(JSON.stringify(model.state())));
          const again = restored.predict(Xtest);
          expect(Array.from(again)).toEqual(Array.from(pred));
          const imp = model.importances?.();
          if (imp) expect(Object.keys(imp).some((k) => d.X.featureNames!.includes(k))).toBe(true);
          model.dispose?.();
          restored.dispose?.();
        });
      }
    }
  }

  it('is deterministic for a seed', () => {
    const d = datasets[0];
    for (const family of allFamilies('classification')) {
      const params = { ...family.lowCostConfig('classification', { rows: d.X.rows, features: d.X.cols }), ...widerConfig(family.name) };
      const a = family.fit({ task: 'classification', X: d.X, y: d.y, numClasses: 2, params, seed: 3 }).predict(d.X);
      const b = family.fit({ task: 'classification', X: d.X, y: d.y, numClasses: 2, params, seed: 3 }).predict(d.X);
      expect(Array.from(a), family.name).toEqual(Array.from(b));
    }
  });

  it('names unknown families', () => {
    expect(() => getFamily('SVM')).toThrow(/no model family 'SVM'/);
    expect(() => restoreModel('SVM', {})).toThrow(/cannot restore a 'SVM' model/);
  });
});

/** A mid-range configuration per family, so the tests cover more than the cheap start. */
function widerConfig(name: string): Record<string, number | string> {
  switch (name) {
    case 'XGBoostClassifier':
    case 'XGBoostRegressor':
      return { n_estimators: 100, max_leaves: 16, learning_rate: 0.1, subsample: 0.8, colsample_bytree: 0.8 };
    case 'LogisticRegression':
      return { C: 0.5, l1_ratio: 0.3, max_iter: 300 };
    case 'ElasticNet':
      return { alpha: 0.01, l1_ratio: 0.9, max_iter: 1000 };
    case 'DecisionTree':
      return { max_depth: 6, min_samples_leaf: 4 };
    default:
      return { n_estimators: 40, max_depth: 10, min_samples_leaf: 2 };
  }
}
