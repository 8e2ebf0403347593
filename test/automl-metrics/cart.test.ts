import { describe, expect, it } from 'vitest';
import { addForestPredictions, binMatrix, FEW_FEATURES, FEW_FEATURES_BINS, growTree, MAX_BINS } from '../../engine/src/automl/families/cart';
import { seededRandom } from '../../engine/src/automl/families/random';

describe('CART builder', () => {
  const n = 5000;
  const p = 6;
  const rand = seededRandom(9);
  const values = new Float32Array(n * p);
  for (let t = 0; t < values.length; t++) values[t] = rand() < 0.05 ? NaN : Math.round(rand() * 1000) / 10;
  const X = { rows: n, cols: p, values };
  const yClass = Float32Array.from({ length: n }, (_, i) => ((values[i] > 50 ? 1 : 0) + (values[n + i] > 30 ? 1 : 0)) % 3);
  const yReg = Float32Array.from({ length: n }, (_, i) => (Number.isNaN(values[i]) ? 5 : values[i]) * 0.3 + (values[2 * n + i] > 20 ? 10 : 0));
  const weight = new Float64Array(n).fill(1);
  const binned = binMatrix(X, seededRandom(1));

  for (const [label, y, numClasses, criterion] of [
    ['classification', yClass, 3, 'gini'],
    ['regression', yReg, 0, 'squared_error'],
  ] as const) {
    it(`grows the same ${label} tree with and without histogram subtraction`, () => {
      const options = { numClasses, criterion, maxDepth: 8, minSamplesLeaf: 5, maxFeatures: p, randomSplits: false, rand: seededRandom(2) } as const;
      const a = growTree(binned, y, weight, { ...options, histogramSubtraction: true });
      const b = growTree(binned, y, weight, { ...options, rand: seededRandom(2), histogramSubtraction: false });
      expect(a.feature).toEqual(b.feature);
      expect(a.threshold).toEqual(b.threshold);
      expect(a.missingLeft).toEqual(b.missingLeft);
      expect(a.feature.filter((f) => f >= 0).length).toBeGreaterThan(10);
    });
  }

  // Integer labels keep every sum exact, so both split searches score cuts identically.
  const yInt = Float32Array.from(yReg, (v) => Math.round(v));
  // A noisy label, so a full-depth tree is large.
  const yNoisy = Float32Array.from(yClass, (v) => (rand() < 0.3 ? (v + 1) % 3 : v));
  for (const [label, y, numClasses, criterion] of [
    ['classification', yNoisy, 3, 'entropy'],
    ['regression', yInt, 0, 'squared_error'],
  ] as const) {
    it(`grows the same full-depth ${label} tree whether small nodes search sorted rows or histograms`, () => {
      const options = { numClasses, criterion, maxDepth: 64, minSamplesLeaf: 1, maxFeatures: 3, randomSplits: false } as const;
      const a = growTree(binned, y, weight, { ...options, rand: seededRandom(4) });
      const b = growTree(binned, y, weight, { ...options, rand: seededRandom(4), smallNodeRows: 0 });
      expect(a.feature).toEqual(b.feature);
      expect(a.threshold).toEqual(b.threshold);
      expect(a.missingLeft).toEqual(b.missingLeft);
      expect(a.value).toEqual(b.value);
      // Deep: far past the old cap of 24 levels is allowed, and most nodes are small.
      expect(a.feature.length).toBeGreaterThan(1000);
    });
  }

  it('grows full-depth ExtraTrees whose leaves separate the training rows', () => {
    const distinct = new Float32Array(n * p);
    for (let t = 0; t < distinct.length; t++) distinct[t] = rand();
    const Xd = { rows: n, cols: p, values: distinct };
    const tree = growTree(binMatrix(Xd, seededRandom(3)), yClass, weight, {
      numClasses: 3,
      criterion: 'gini',
      maxDepth: 64,
      minSamplesLeaf: 1,
      maxFeatures: 2,
      randomSplits: true,
      rand: seededRandom(5),
    });
    const out = new Float64Array(n * 3);
    addForestPredictions([tree], Xd, out, 3, 1);
    // Rows only share a leaf when they share every feature's bin: nearly all are fitted exactly.
    let right = 0;
    for (let i = 0; i < n; i++) if (out[i * 3 + yClass[i]] > 0.5) right++;
    expect(right / n).toBeGreaterThan(0.97);
  });

  it('gives a matrix of few features 255 bins a feature, so a lone column of a few hundred values is split value by value', () => {
    // A yearly series from the year alone (statsmodels' sunspots): 250 distinct years, a label drawn for each.
    const years = 250;
    const draw = seededRandom(5);
    const one = { rows: years, cols: 1, values: Float32Array.from({ length: years }, (_, i) => 1700 + i) };
    const y = Float32Array.from({ length: years }, () => Math.round(draw() * 100));
    const few = binMatrix(one, seededRandom(1));
    expect(few.cuts[0].length).toBe(years - 1);
    expect(few.slots).toBe(FEW_FEATURES_BINS + 1);
    expect(Math.max(...few.codes)).toBe(years);
    // With the same column among more than FEW_FEATURES columns, 64 bins.
    const wideValues = new Float32Array(years * (FEW_FEATURES + 1));
    wideValues.set(one.values);
    const many = binMatrix({ rows: years, cols: FEW_FEATURES + 1, values: wideValues }, seededRandom(1));
    expect(many.cuts[0].length).toBe(MAX_BINS - 1);
    expect(many.slots).toBe(MAX_BINS + 1);
    // A full-depth tree on 255 bins fits every year exactly; on 64 it cannot.
    const fit = (binned: typeof few, cols: number, values: Float32Array): number => {
      const tree = growTree(binned, y, new Float64Array(years).fill(1), { numClasses: 0, criterion: 'squared_error', maxDepth: 1000, minSamplesLeaf: 1, maxFeatures: cols, randomSplits: false, rand: seededRandom(2) });
      const out = new Float64Array(years);
      addForestPredictions([tree], { rows: years, cols, values }, out, 1, 1);
      let wrong = 0;
      for (let i = 0; i < years; i++) if (Math.abs(out[i] - y[i]) > 1e-9) wrong++;
      return wrong;
    };
    expect(fit(few, 1, one.values)).toBe(0);
    expect(fit(many, FEW_FEATURES + 1, wideValues)).toBeGreaterThan(50);
  });
});
