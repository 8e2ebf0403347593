import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GbdtParams } from '../../engine/src/gbdt/api';
import { loadXGBoostJSON, train } from '../../engine/src/gbdt';
import { evalMetric } from '../../engine/src/gbdt/metrics';
import { gbdtContributions } from '../../engine/src/explain/familyShap';
import { mulberry32 } from '../../engine/src/util/mulberry32';
import { tempDir } from '../helpers/paths';
import type { Labeled } from './datasets';
import { hasPythonXGBoost, runReferences } from './reference';

const havePython = hasPythonXGBoost();
if (!havePython) {
  console.warn('SKIPPED gbdt categorical parity with Python: /usr/bin/python3 (or WEIR_PYTHON) cannot import xgboost; install python3-xgboost to run it.');
}

/**
 * A table whose signal sits in an unordered set of categories: feature 0 holds category codes
 * 0..11 (5% missing), features 1 and 2 are numbers. Categories {1, 4, 7, 10} raise the odds and
 * {2, 3} lower them, so no single threshold on the codes separates them, but one partition does.
 * Multiclass: the class is (category mod 3), blurred by noise and by feature 1.
 */
function categoricalTable(rows: number, seed: number, numClass: number): Labeled {
  const rand = mulberry32(seed);
  const values = new Float32Array(rows * 3);
  const label = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = rand() < 0.05 ? NaN : Math.floor(rand() * 12);
    const x1 = rand() * 2 - 1;
    const x2 = rand() * 2 - 1;
    values[i] = c;
    values[rows + i] = x1;
    values[2 * rows + i] = x2;
    if (numClass > 1) {
      label[i] = rand() < 0.15 ? Math.floor(rand() * numClass) : Number.isNaN(c) ? 0 : (c + (x1 > 0.8 ? 1 : 0)) % numClass;
    } else {
      const logit = Number.isNaN(c) ? 1 : [1, 4, 7, 10].includes(c) ? 1.5 : [2, 3].includes(c) ? -1.5 : 0;
      label[i] = rand() < 1 / (1 + Math.exp(-(logit + x1))) ? 1 : 0;
    }
  }
  return { rows, cols: 3, values, label, featureNames: ['colour', 'x1', 'x2'], featureTypes: ['c', 'q', 'q'] };
}

/** The test rows with values training never saw in the categorical column: unseen, negative, fractional, huge. */
function withOddCategories(m: Labeled): Labeled {
  const values = m.values.slice();
  const odd = [12, 15, 31, 32, 1000, -1, 2.5, 4.9, 2 ** 24, NaN];
  for (let i = 0; i < odd.length; i++) values[i * 7] = odd[i];
  return { ...m, values };
}

interface Case {
  name: string;
  params: GbdtParams;
  numClass: number;
}

const cases: Case[] = [
  { name: 'binary:logistic, depthwise', params: { objective: 'binary:logistic', num_boost_round: 30, max_depth: 3, eta: 0.3 }, numClass: 1 },
  {
    name: 'multi:softprob, lossguide with colsample_bynode and subsample',
    params: { objective: 'multi:softprob', num_class: 3, num_boost_round: 15, max_depth: 0, max_leaves: 8, grow_policy: 'lossguide', colsample_bynode: 0.7, subsample: 0.8, seed: 3 },
    numClass: 3,
  },
];

describe('gbdt categorical (partition) splits', () => {
  it('splits a categorical feature by a set of categories, which numeric thresholds on the codes cannot do in one cut', () => {
    const trainSet = categoricalTable(3000, 1, 1);
    const testSet = categoricalTable(2000, 2, 1);
    const stumps: GbdtParams = { objective: 'binary:logistic', num_boost_round: 1, max_depth: 1, eta: 1 };
    const cat = train(trainSet, stumps).booster;
    const num = train({ ...trainSet, featureTypes: ['q', 'q', 'q'] }, stumps).booster;
    const json = cat.toXGBoostJSON() as { learner: { gradient_booster: { model: { trees: Record<string, number[]>[] } } } };
    const tree = json.learner.gradient_booster.model.trees[0];
    expect(tree.split_type[0]).toBe(1);
    expect(tree.split_indices[0]).toBe(0);
    expect(tree.categories_nodes).toEqual([0]);
    // One side of the root holds the raising categories, the other the lowering ones.
    const right = new Set(tree.categories);
    const raising = [1, 4, 7, 10].map((c) => right.has(c));
    const lowering = [2, 3].map((c) => right.has(c));
    expect(new Set(raising).size).toBe(1);
    expect(new Set(lowering).size).toBe(1);
    expect(raising[0]).not.toBe(lowering[0]);
    const ll = (b: typeof cat) => evalMetric('logloss', b.predict(testSet), testSet.label, undefined, 1, 1);
    expect(ll(cat)).toBeLessThan(ll(num) - 0.02);
    cat.dispose();
    num.dispose();
  });

  it('rejects a categorical feature holding a value that is not a whole number ≥ 0, naming it', () => {
    const t = categoricalTable(100, 1, 1);
    t.values[5] = 2.5;
    expect(() => train(t, { objective: 'binary:logistic' })).toThrow(/categorical feature colour at row 5 is 2.5/);
    t.values[5] = -1;
    expect(() => train(t, { objective: 'binary:logistic' })).toThrow(/categorical feature colour at row 5 is -1/);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: its JSON reloads in Weir and (with Python xgboost) predicts and explains the same there, unseen categories included', (_name, c) => {
    const trainSet = categoricalTable(2500, 11, c.numClass);
    const testSet = withOddCategories(categoricalTable(800, 12, c.numClass));
    const evalSet = categoricalTable(300, 13, c.numClass);
    const { booster, evalHistory } = train(trainSet, { ...c.params, early_stopping_rounds: 50 }, [{ name: 'valid', data: evalSet }]);
    const pred = booster.predict(testSet);
    const text = booster.toXGBoostJSONText();
    expect(text).toContain('"split_type":[1');
    const reloaded = loadXGBoostJSON(text);
    expect(Array.from(reloaded.predict(testSet))).toEqual(Array.from(pred));
    expect(reloaded.toXGBoostJSONText()).toBe(text);
    // The eval-set margins kept during training are the same walk as predict's.
    const metric = c.numClass > 1 ? 'mlogloss' : 'logloss';
    const history = evalHistory.valid[metric];
    expect(history.length).toBe(c.params.num_boost_round);
    expect(history[history.length - 1]).toBeCloseTo(evalMetric(metric, booster.predict(evalSet), evalSet.label, undefined, c.numClass, 1), 6);
    expect(history[history.length - 1]).toBeLessThan(history[0]);
    // SHAP values add up to the margin, row by row.
    const contrib = gbdtContributions(reloaded.model, testSet);
    const margins = booster.predict(testSet, { outputMargin: true });
    for (let r = 0; r < testSet.rows; r++) {
      for (let k = 0; k < c.numClass; k++) {
        let s = contrib.base[k];
        for (let f = 0; f < testSet.cols; f++) s += contrib.values[(r * c.numClass + k) * testSet.cols + f];
        expect(Math.abs(s - margins[r * c.numClass + k])).toBeLessThan(1e-4);
      }
    }
    if (!havePython) return;
    const dir = tempDir();
    const modelFile = path.join(dir, 'weir.json');
    writeFileSync(modelFile, text);
    const [run] = runReferences([{ dir, train: trainSet, test: testSet, params: c.params, weirModelFile: modelFile, trainNative: false, featureNames: trainSet.featureNames, weirContribs: true }]);
    const py = run.weirModelPred as Float32Array;
    expect(py.length).toBe(pred.length);
    let d = 0;
    for (let i = 0; i < pred.length; i++) d = Math.max(d, Math.abs(py[i] - pred[i]));
    expect(d).toBeLessThan(1e-6);
    // Python's pred_contribs: per row (and class) each feature's value, then the bias.
    const pc = run.weirModelContribs as Float32Array;
    const width = testSet.cols + 1;
    expect(pc.length).toBe(testSet.rows * c.numClass * width);
    let dc = 0;
    for (let r = 0; r < testSet.rows; r++) {
      for (let k = 0; k < c.numClass; k++) {
        const at = (r * c.numClass + k) * width;
        for (let f = 0; f < testSet.cols; f++) dc = Math.max(dc, Math.abs(pc[at + f] - contrib.values[(r * c.numClass + k) * testSet.cols + f]));
        dc = Math.max(dc, Math.abs(pc[at + testSet.cols] - contrib.base[k]));
      }
    }
    expect(dc).toBeLessThan(1e-4);
    booster.dispose();
    reloaded.dispose();
  });
});
