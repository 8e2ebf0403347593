import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { train } from '../../engine/src/gbdt';
import type { GbdtParams } from '../../engine/src/gbdt/api';
import type { GbdtBooster } from '../../engine/src/gbdt/booster';
import { gbdtContributions, rowOutputs } from '../../engine/src/explain';
import { tempDir } from '../helpers/paths';
import { carsRegression, penguinsMulticlass, sliceRows, syntheticBinary, type Labeled } from '../gbdt/datasets';
import { hasPythonXGBoost } from '../gbdt/reference';
import { xgboostContribs } from './xgboostContribs';

const havePython = hasPythonXGBoost();
if (!havePython) console.warn('SKIPPED TreeSHAP parity with XGBoost: /usr/bin/python3 (or WEIR_PYTHON) cannot import xgboost; install python3-xgboost to run it.');

interface Case {
  name: string;
  data: Labeled;
  explain: Labeled;
  params: GbdtParams;
}

const synthetic = syntheticBinary(6_000, 8, 11);
const cases: Case[] = [
  {
    name: 'binary:logistic, depthwise depth 6, missing values',
    data: sliceRows(synthetic, 0, 5_000),
    explain: sliceRows(synthetic, 5_000, 6_000),
    params: { objective: 'binary:logistic', num_boost_round: 30, max_depth: 6, eta: 0.3 },
  },
  {
    name: 'reg:squarederror on vega cars, lossguide 16 leaves',
    data: carsRegression(),
    explain: carsRegression(),
    params: { objective: 'reg:squarederror', num_boost_round: 25, grow_policy: 'lossguide', max_depth: 0, max_leaves: 16, eta: 0.2 },
  },
  {
    // AutoML's XGBoostRegressor searches count:poisson on count-like labels: its margin is log(value).
    name: 'count:poisson on vega cars, lossguide 16 leaves (log-value margin)',
    data: carsRegression(),
    explain: carsRegression(),
    params: { objective: 'count:poisson', num_boost_round: 25, grow_policy: 'lossguide', max_depth: 0, max_leaves: 16, eta: 0.2, base_score: 23 },
  },
  {
    name: 'multi:softprob on vega penguins (per-class contributions)',
    data: penguinsMulticlass(),
    explain: penguinsMulticlass(),
    params: { objective: 'multi:softprob', num_class: 3, num_boost_round: 15, max_depth: 4 },
  },
];

describe('TreeSHAP of Weir GBDT models', () => {
  for (const c of cases) {
    it(`adds up to the margin: ${c.name}`, () => {
      const { booster } = train(c.data, c.params);
      const model = (booster as GbdtBooster).model;
      const shap = gbdtContributions(model, c.explain);
      const margins = booster.predict(c.explain, { outputMargin: true });
      const sums = rowOutputs(shap);
      expect(sums.length).toBe(margins.length);
      let worst = 0;
      for (let i = 0; i < sums.length; i++) worst = Math.max(worst, Math.abs(sums[i] - margins[i]));
      expect(worst).toBeLessThan(1e-4);
      // Not a vacuous sum: some feature moves some row.
      expect(shap.values.some((v) => Math.abs(v) > 1e-3)).toBe(true);
      booster.dispose();
    });

    it.skipIf(!havePython)(`equals XGBoost's pred_contribs within 1e-5: ${c.name}`, () => {
      const { booster } = train(c.data, c.params);
      const dir = tempDir('weir-shap-');
      const modelFile = path.join(dir, 'model.json');
      writeFileSync(modelFile, booster.toXGBoostJSONText());
      const shap = gbdtContributions((booster as GbdtBooster).model, c.explain);
      const ref = xgboostContribs(dir, modelFile, c.explain);
      const p = c.explain.cols;
      const K = shap.outputs;
      expect(ref.contribs.length).toBe(c.explain.rows * K * (p + 1));
      let worst = 0;
      let worstBias = 0;
      for (let i = 0; i < c.explain.rows; i++) {
        for (let k = 0; k < K; k++) {
          const at = (i * K + k) * (p + 1);
          for (let j = 0; j < p; j++) worst = Math.max(worst, Math.abs(shap.values[(i * K + k) * p + j] - ref.contribs[at + j]));
          worstBias = Math.max(worstBias, Math.abs(shap.base[k] - ref.contribs[at + p]));
        }
      }
      expect(worst).toBeLessThan(1e-5);
      expect(worstBias).toBeLessThan(1e-5);
      booster.dispose();
    });
  }
});
