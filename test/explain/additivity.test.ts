import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allFamilies, getFamily } from '../../engine/src/automl/families';
import { fitFeaturizer } from '../../engine/src/automl/featurize';
import { restoreEstimator, stackFeatures, type BaggedModelSpec, type EstimatorSpec } from '../../engine/src/automl/model/estimator';
import type { ModelArtifact } from '../../engine/src/automl/model/modelArtifact';
import type { FeaturizerState, Task } from '../../engine/src/automl/types';
import type { FeatureMatrix } from '../../engine/src/gbdt/api';
import { explainFeatures } from '../../engine/src/explain';
import { titanicCsv, vegaData } from '../helpers/paths';
import { readTableFile } from '../automl-metrics/tables';

interface Dataset {
  name: string;
  task: Task;
  X: FeatureMatrix;
  y: Float32Array;
  classes?: string[];
  featurizer: FeaturizerState;
}

async function load(file: string, label: string, task: Task, name: string): Promise<Dataset> {
  const table = await readTableFile(file);
  const f = fitFeaturizer(table, label, { mode: 'auto' }, { task });
  return { name, task, X: f.X, y: f.y.values, classes: f.y.classes, featurizer: f.state };
}

/** Two fold models per family, as a cross-validated trial is stored (bagged). */
function fitBagged(d: Dataset, family: string, seed: number, extra: Record<string, number | string> = {}): BaggedModelSpec {
  const fam = getFamily(family);
  const info = { rows: d.X.rows, features: d.X.cols, classes: d.classes?.length };
  const params = { ...fam.lowCostConfig(d.task, info), ...(family.startsWith('XGBoost') ? { n_estimators: 30, max_leaves: 16 } : {}), ...(/Forest|Extreme/.test(family) ? { n_estimators: 8 } : {}), ...extra };
  const states = [0, 1].map((k) => {
    const m = fam.fit({ task: d.task, X: d.X, y: d.y, numClasses: d.classes?.length, params: { ...params, ...(family === 'DecisionTree' ? { max_depth: 4 + k } : {}) }, seed: seed + k });
    const s = m.state();
    m.dispose?.();
    return JSON.parse(JSON.stringify(s)) as unknown;
  });
  return { algorithm: family, iteration: seed, hyperparameters: params, states };
}

function artifactFor(d: Dataset, estimator: EstimatorSpec): ModelArtifact {
  return {
    format: 'weir-automl',
    version: 1,
    task: d.task,
    labelColumn: 'y',
    labelType: 'number',
    ...(d.classes ? { classes: d.classes } : {}),
    primaryMetric: 'accuracy',
    iteration: 0,
    algorithm: estimator.type,
    metrics: {},
    featurizer: d.featurizer,
    estimator,
    createdAt: new Date(0).toISOString(),
  };
}

/** base + Σ contributions against what `predict` returns, every row and output (relative error for values above 1). */
function checkAdditive(d: Dataset, spec: EstimatorSpec): { worst: number; spread: number } {
  const width = d.classes ? d.classes.length : 1;
  const e = explainFeatures(artifactFor(d, spec), d.X);
  const est = restoreEstimator(spec, width);
  const pred = est.predict(d.X);
  est.dispose();
  let worst = 0;
  let spread = 0;
  for (let i = 0; i < d.X.rows; i++) {
    for (let k = 0; k < width; k++) {
      let sum = e.base[k];
      let rawSum = e.base[k];
      const at = (i * width + k) * e.engineeredFeatures.length;
      for (let j = 0; j < e.engineeredFeatures.length; j++) sum += e.engineered[at + j];
      const rawAt = (i * width + k) * e.rawColumns.length;
      for (let r = 0; r < e.rawColumns.length; r++) rawSum += e.raw[rawAt + r];
      // XGBoost predicts in float32 (its trees add up in f32), so compare relative to the size.
      const scale = Math.max(1, Math.abs(pred[i * width + k]));
      worst = Math.max(worst, Math.abs(sum - pred[i * width + k]) / scale, Math.abs(rawSum - sum) / scale);
      spread = Math.max(spread, Math.abs(sum - e.base[k]));
    }
  }
  return { worst, spread };
}

describe('explanations add up to the prediction for every family and ensemble', async () => {
  const datasets = [
    await load(titanicCsv, 'Survived', 'classification', 'titanic'),
    await load(path.join(vegaData, 'penguins.json'), 'Species', 'classification', 'penguins'),
    await load(path.join(vegaData, 'cars.json'), 'Miles_per_Gallon', 'regression', 'cars'),
  ];
  for (const d of datasets) {
    const members = new Map<string, BaggedModelSpec>();
    for (const family of allFamilies(d.task)) {
      it(`${family.name} on ${d.name}`, () => {
        const spec = fitBagged(d, family.name, 7);
        members.set(family.name, spec);
        const { worst, spread } = checkAdditive(d, { type: 'single', model: spec });
        expect(worst).toBeLessThan(1e-5);
        // The prediction moves away from the base for some row, so the sum is not trivially equal.
        expect(spread).toBeGreaterThan(1e-3);
      });
    }
    it(`a voting ensemble on ${d.name}`, () => {
      const all = [...members.values()];
      expect(all.length).toBeGreaterThanOrEqual(4);
      const spec: EstimatorSpec = { type: 'voting', members: all.map((m, i) => ({ weight: i + 1, model: m })) };
      expect(checkAdditive(d, spec).worst).toBeLessThan(1e-5);
    });
    it(`a stack ensemble on ${d.name}`, () => {
      const base = [...members.values()].slice(0, 3);
      const width = d.classes ? d.classes.length : 1;
      const preds = base.map((b) => {
        const est = restoreEstimator({ type: 'single', model: b }, width);
        const p = est.predict(d.X);
        est.dispose();
        return p;
      });
      const X = stackFeatures(preds, width, d.X.rows);
      const metaName = d.task === 'classification' ? 'LogisticRegression' : 'ElasticNet';
      const meta = getFamily(metaName);
      const fitted = meta.fit({ task: d.task, X, y: d.y, numClasses: d.classes?.length, params: meta.lowCostConfig(d.task, { rows: X.rows, features: X.cols, classes: d.classes?.length }), seed: 3 });
      const spec: EstimatorSpec = { type: 'stack', base, meta: { algorithm: metaName, state: fitted.state() }, width };
      expect(checkAdditive(d, spec).worst).toBeLessThan(1e-5);
    });
  }

  it.each(['poisson', 'tweedie'])('a %s XGBoostRegressor (log link) on cars: alone, bagged and in a voting ensemble the values add up to the prediction', (objective) => {
    const d = datasets[2];
    const logLink = fitBagged(d, 'XGBoostRegressor', 5, { objective });
    const linear = fitBagged(d, 'ElasticNet', 5);
    const single = checkAdditive(d, { type: 'single', model: logLink });
    expect(single.worst).toBeLessThan(1e-5);
    expect(single.spread).toBeGreaterThan(1);
    const voting: EstimatorSpec = { type: 'voting', members: [{ weight: 2, model: logLink }, { weight: 1, model: linear }] };
    expect(checkAdditive(d, voting).worst).toBeLessThan(1e-5);
  });

  it('sums one-hot parts and imputation indicators into their raw column', () => {
    const d = datasets[0];
    const spec: EstimatorSpec = { type: 'single', model: fitBagged(d, 'XGBoostClassifier', 1) };
    const e = explainFeatures(artifactFor(d, spec), d.X);
    const sex = e.rawColumns.indexOf('Sex');
    const age = e.rawColumns.indexOf('Age');
    const parts = (column: string) => e.engineeredFeatures.flatMap((f, j) => (f === column || f.startsWith(`${column}=`) || f === `${column}_missing` ? [j] : []));
    expect(parts('Sex').length).toBe(2);
    expect(e.engineeredFeatures).toContain('Age_missing');
    const p = e.engineeredFeatures.length;
    const r = e.rawColumns.length;
    for (let i = 0; i < d.X.rows; i += 37) {
      for (const [raw, col] of [
        [sex, 'Sex'],
        [age, 'Age'],
      ] as const) {
        const want = parts(col).reduce((s, j) => s + e.engineered[(i * 2 + 1) * p + j], 0);
        expect(e.raw[(i * 2 + 1) * r + raw]).toBeCloseTo(want, 12);
      }
    }
  });
});
