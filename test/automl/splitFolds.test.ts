import { describe, expect, it } from 'vitest';
import { customFolds, holdoutSplit, kFold, rollingOriginFolds, stratifiedKFold } from '../../engine/src/automl/splitFolds';

function coversOnce(folds: { valid: Uint32Array; train: Uint32Array }[], rows: number) {
  const seen = new Int32Array(rows);
  for (const f of folds) {
    for (const i of f.valid) seen[i]++;
    const valid = new Set(f.valid);
    for (const i of f.train) expect(valid.has(i)).toBe(false);
    expect(f.train.length + f.valid.length).toBe(rows);
  }
  expect([...seen].every((c) => c === 1)).toBe(true);
}

describe('splitFolds', () => {
  it('stratified k-fold keeps the class mix in every fold and covers each row once', () => {
    const y = Float32Array.from({ length: 100 }, (_, i) => (i < 20 ? 1 : 0));
    const folds = stratifiedKFold(y, 5, 1);
    coversOnce(folds, 100);
    for (const f of folds) expect([...f.valid].filter((i) => y[i] === 1).length).toBe(4);
  });

  it('is deterministic by seed', () => {
    const y = Float32Array.from({ length: 50 }, (_, i) => i % 3);
    expect(stratifiedKFold(y, 5, 7)).toEqual(stratifiedKFold(y, 5, 7));
    expect(stratifiedKFold(y, 5, 7)).not.toEqual(stratifiedKFold(y, 5, 8));
    expect(kFold(50, 5, 3)).toEqual(kFold(50, 5, 3));
    coversOnce(kFold(53, 4, 3), 53);
  });

  it('holdout takes the given share, stratified when classes are given', () => {
    const y = Float32Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const [f] = holdoutSplit(1000, 0.1, 0, y);
    expect(f.valid.length).toBe(100);
    expect([...f.valid].filter((i) => y[i] === 1).length).toBe(10);
  });

  it('refuses more folds than the rows allow', () => {
    expect(() => kFold(5, 10, 0)).toThrow(/10-fold cross-validation needs at least 20 rows; the training data has 5/);
  });

  it('custom folds follow the 1/0 split columns and reject other values', () => {
    const folds = customFolds([{ name: 'f1', values: [1, 1, 0, 0] }, { name: 'f2', values: [0, 0, 1, 1] }]);
    expect([...folds[0].valid]).toEqual([2, 3]);
    expect([...folds[1].train]).toEqual([2, 3]);
    expect(() => customFolds([{ name: 'f1', values: [1, 2] }])).toThrow(/cv split column 'f1' must hold only 0 and 1; row 2 has 2/);
  });

  it('rolling origin never trains on the future of its validation window', () => {
    const origin: number[] = [];
    const target: number[] = [];
    for (let o = 0; o < 40; o++) for (let h = 1; h <= 3 && o + h < 41; h++) {
      origin.push(o);
      target.push(o + h);
    }
    const folds = rollingOriginFolds(origin, target, 3, 3);
    expect(folds).toHaveLength(3);
    for (const f of folds) {
      const first = Math.min(...[...f.valid].map((i) => origin[i]));
      expect(Math.max(...[...f.train].map((i) => target[i]))).toBeLessThanOrEqual(first);
    }
    expect(() => rollingOriginFolds([0, 1, 2], [1, 2, 3], 3, 3)).toThrow(/needs at least 11 time points/);
  });
});
