import { describe, expect, it } from 'vitest';
import { binMatrix, growTree } from '../../engine/src/automl/families/cart';
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
});
