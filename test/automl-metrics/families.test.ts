import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allFamilies, getFamily, restoreModel } from '../../engine/src/automl/families';
import { FULL_DEPTH } from '../../engine/src/automl/families/treeFamilies';
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

describe('forest portfolios', async () => {
  const titanic = await load(titanicCsv, 'Survived', 'classification', 'titanic');
  const cars = await load(path.join(vegaData, 'cars.json'), 'Miles_per_Gallon', 'regression', 'cars');
  const shapes = [
    { task: 'classification' as Task, rows: 700, features: 50, classes: 2 },
    { task: 'classification' as Task, rows: 16_000, features: 16, classes: 26 },
    { task: 'regression' as Task, rows: 43_000, features: 26 },
    { task: 'regression' as Task, rows: 300, features: 3 },
  ];
  for (const name of ['RandomForest', 'ExtremeRandomTrees']) {
    it(`${name}: every portfolio configuration is in the space, full depth, with the same trees after a cheaper probe`, () => {
      const family = getFamily(name);
      for (const shape of shapes) {
        const configs = family.portfolio!(shape.task, shape);
        expect(configs.length).toBeGreaterThanOrEqual(2);
        const space = family.space(shape.task, shape);
        for (const config of configs) {
          expect(Object.keys(config).sort(), `${name} ${JSON.stringify(config)}`).toEqual(Object.keys(space).sort());
          for (const [key, value] of Object.entries(config)) {
            const dim = space[key];
            if (dim.type === 'choice') expect(dim.values).toContain(value);
            else {
              expect(value as number, key).toBeGreaterThanOrEqual(dim.low);
              expect(value as number, key).toBeLessThanOrEqual(dim.high);
            }
          }
          expect(config.max_depth).toBe(space.max_depth.type === 'int' ? space.max_depth.high : NaN);
          expect(config.n_estimators as number).toBeGreaterThanOrEqual(8);
        }
        // The first configuration is the cheapest (a probe with fewer trees when the forest is large enough).
        if (configs[0].n_estimators !== configs[1].n_estimators) {
          expect(configs[0].n_estimators as number).toBeLessThan(configs[1].n_estimators as number);
          expect({ ...configs[0], n_estimators: 0 }).toEqual({ ...configs[1], n_estimators: 0 });
          configs.shift();
        }
        for (const config of configs) expect(config.n_estimators).toBe(configs[0].n_estimators);
      }
      // Millions of rows: still 8 trees, depth-limited, so the first trial stays cheap.
      const huge = family.portfolio!('regression', { rows: 3_000_000, features: 12 });
      expect(huge[0].n_estimators).toBe(8);
      expect(huge[0].max_depth as number).toBeLessThan(12);
      // Small tables get scikit-learn's few hundred trees; large ones fewer, so the first trial stays cheap.
      expect(family.portfolio!('classification', shapes[0])[1].n_estimators as number).toBeGreaterThanOrEqual(200);
      expect(family.portfolio!('classification', shapes[1])[0].n_estimators as number).toBeLessThan(100);
      expect(family.portfolio!('regression', shapes[2])[0].n_estimators as number).toBeLessThan(50);
    });
  }

  it('regression: RandomForest starts on a third of the features per split, ExtraTrees on all of them; then all / half, then smoother leaves', () => {
    const shape = { rows: 400, features: 13 };
    const share = (name: string) => getFamily(name).portfolio!('regression', shape).map((c) => [c.max_features, c.min_samples_leaf]);
    // The probe (an eighth of the trees) is the first full configuration's.
    expect(share('RandomForest')).toEqual([[0.3333, 1], [0.3333, 1], [1, 1], [1, 5]]);
    expect(share('ExtremeRandomTrees')).toEqual([[1, 1], [1, 1], [0.5, 1], [1, 3]]);
  });

  for (const d of [titanic, cars]) {
    for (const name of ['RandomForest', 'ExtremeRandomTrees']) {
      it(`${name}: the first full-size portfolio configuration grows full-depth trees on ${d.name} that predict the same after a restore`, () => {
        const family = getFamily(name);
        const { train, test } = split(d.X.rows);
        const Xtrain = pickRows(d.X, train);
        const Xtest = pickRows(d.X, test);
        const yTrain = Float32Array.from(train, (r) => d.y[r]);
        // The first full-size configuration (after the probe).
        const params = family.portfolio!(d.task, { rows: train.length, features: d.X.cols, classes: d.numClasses })[1];
        const model = family.fit({ task: d.task, X: Xtrain, y: yTrain, numClasses: d.numClasses, params, seed: 5 });
        const state = model.state() as { trees: { feature: number[]; left: number[]; right: number[]; value: number[][] }[] };
        expect(state.trees.length).toBe(params.n_estimators);
        expect(params.max_depth).toBe(FULL_DEPTH);
        // Deeper than the old cap of 24 levels is allowed; on these tables pure or single-row
        // leaves end the growth well before it, so trees are deeper than the old start's 6.
        const depth = (t: (typeof state.trees)[0], node = 0): number => (t.feature[node] < 0 ? 0 : 1 + Math.max(depth(t, t.left[node]), depth(t, t.right[node])));
        expect(Math.max(...state.trees.map((t) => depth(t)))).toBeGreaterThan(6);
        if (d.task === 'classification') {
          // Full-depth leaves hold 0/1 shares; their average is still a distribution.
          const pred = model.predict(Xtest);
          for (let i = 0; i < test.length; i++) {
            const row = Array.from(pred.subarray(i * 2, i * 2 + 2));
            expect(row[0] + row[1]).toBeCloseTo(1, 9);
            expect(Math.min(...row)).toBeGreaterThanOrEqual(0);
          }
          const { score, baseline } = baselineAndScore(d, train, test, pred);
          expect(Number.isFinite(score)).toBe(true);
          expect(score).toBeLessThan(baseline);
        }
        const pred = model.predict(Xtest);
        const again = restoreModel(model.family, JSON.parse(JSON.stringify(model.state()))).predict(Xtest);
        expect(Array.from(again)).toEqual(Array.from(pred));
        const twice = family.fit({ task: d.task, X: Xtrain, y: yTrain, numClasses: d.numClasses, params, seed: 5 }).predict(Xtest);
        expect(Array.from(twice)).toEqual(Array.from(pred));
      });
    }
  }
});
