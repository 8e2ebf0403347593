import { describe, expect, it } from 'vitest';
import { fitFeaturizer, transform } from '../../engine/src/automl/featurize';
import { TARGET_FOLDS, TARGET_SMOOTHING, targetFolds } from '../../engine/src/automl/featurize/targetEncoding';
import { titanicCsv } from '../helpers/paths';
import { featureAt, readTableFile } from '../automl-metrics/tables';
import { num, str, table } from './tables';

const auto = { mode: 'auto' } as const;

/** The m-estimate of a mean: (sum + m·prior) / (count + m). */
const smoothed = (sum: number, count: number, prior: number) => (sum + TARGET_SMOOTHING * prior) / (count + TARGET_SMOOTHING);

describe('target encoding of high-cardinality categories', () => {
  // 120 rows, `shop` has 30 values (> 16: frequency plan): shops 0–9 always 'yes', 10–19 never,
  // 20–29 three rows each with mixed labels; `noise` is unrelated.
  const n = 120;
  const shop = Array.from({ length: n }, (_, i) => (i < 90 ? `shop${i % 20}` : `shop${20 + (i - 90) % 10}`));
  const label = shop.map((s, i) => (Number(s.slice(4)) < 10 ? 'yes' : Number(s.slice(4)) < 20 ? 'no' : i % 2 ? 'yes' : 'no'));
  const crafted = table([str('shop', shop), num('noise', Array.from({ length: n }, (_, i) => (i * 7) % 11)), str('y', label)]);

  it('adds the label mean per category beside the frequency codes, from every training row when scoring', () => {
    const fitted = fitFeaturizer(crafted, 'y', auto, { task: 'classification' });
    const plan = fitted.state.columns.find((c) => c.name === 'shop')!;
    expect(plan.params).toMatchObject({ kind: 'frequency', target: { outputs: [] } });
    expect(plan.note).toMatch(/label's mean per category \(out of fold in training\)/);
    expect(fitted.X.featureNames).toEqual(['shop_frequency', 'shop_code', 'shop_target', 'noise']);
    const prior = label.filter((l) => l === 'yes').length / n;
    const scored = transform(fitted.state, crafted);
    // shop0 has 5 rows (0, 20, 40, 60, 80), all 'yes'.
    expect(featureAt(scored, 'shop_target', 0)).toBeCloseTo(smoothed(5, 5, prior), 6);
    // An unseen shop (and there are no categories rarer than the kept ones) gets the prior.
    const unseen = transform(fitted.state, table([str('shop', ['shop99', null]), num('noise', [1, 2])]));
    expect(featureAt(unseen, 'shop_target', 0)).toBeCloseTo(prior, 6);
  });

  it("holds each training row's value out of fold: its category's rows in the other folds, shrunk towards the overall mean", () => {
    const fitted = fitFeaturizer(crafted, 'y', auto, { task: 'classification' });
    const fold = targetFolds(n, 0);
    const prior = label.filter((l) => l === 'yes').length / n;
    for (let r = 0; r < n; r++) {
      const others = [...Array(n).keys()].filter((i) => fold[i] !== fold[r]);
      const same = others.filter((i) => shop[i] === shop[r]);
      const expected = smoothed(same.filter((i) => label[i] === 'yes').length, same.length, prior);
      expect(featureAt(fitted.X, 'shop_target', r)).toBeCloseTo(expected, 5);
    }
    expect(new Set(fold).size).toBe(TARGET_FOLDS);
    // Flipping one row's label moves its own training value only through the overall mean (weight 10/(count + 10) × 1/120).
    const flipped = label.map((l, i) => (i === 95 ? (l === 'yes' ? 'no' : 'yes') : l));
    const again = fitFeaturizer(table([str('shop', shop), num('noise', Array.from({ length: n }, (_, i) => (i * 7) % 11)), str('y', flipped)]), 'y', auto, { task: 'classification' });
    expect(Math.abs(featureAt(again.X, 'shop_target', 95) - featureAt(fitted.X, 'shop_target', 95))).toBeLessThan(1 / n);
  });

  it('encodes a missing cell as a category of its own (the frequency columns read it as the most frequent value)', async () => {
    const titanic = await readTableFile(titanicCsv);
    const fitted = fitFeaturizer(titanic, 'Survived', auto, { task: 'classification' });
    expect(fitted.X.featureNames!.filter((f) => f.endsWith('_target'))).toEqual(['Ticket_target', 'Cabin_target']);
    const cabin = titanic.columns.find((c) => c.name === 'Cabin')!.values as (string | null)[];
    const survived = titanic.columns.find((c) => c.name === 'Survived')!.values as Float64Array;
    const missing = [...cabin.keys()].filter((i) => cabin[i] === null);
    const prior = [...survived].reduce((s, v) => s + v, 0) / survived.length;
    const expected = smoothed(missing.reduce((s, i) => s + survived[i], 0), missing.length, prior);
    const scored = transform(JSON.parse(JSON.stringify(fitted.state)), titanic);
    for (const i of missing.slice(0, 20)) expect(featureAt(scored, 'Cabin_target', i)).toBeCloseTo(expected, 5);
    // The most frequent cabin's own rows get their own mean, not the missing rows'.
    const mostFrequent = (fitted.state.columns.find((c) => c.name === 'Cabin')!.params as { fill: string }).fill;
    const own = [...cabin.keys()].find((i) => cabin[i] === mostFrequent)!;
    expect(featureAt(scored, 'Cabin_target', own)).not.toBeCloseTo(expected, 3);
  });

  it('writes one column per class for a multiclass label of up to 10 classes, none above, and none when CatTargetEncoder is blocked', () => {
    const classes = (k: number) => shop.map((_, i) => `c${i % k}`);
    const three = fitFeaturizer(table([str('shop', shop), str('y', classes(3))]), 'y', auto, { task: 'classification' });
    expect(three.X.featureNames).toEqual(['shop_frequency', 'shop_code', 'shop_target=c0', 'shop_target=c1', 'shop_target=c2']);
    const twelve = fitFeaturizer(table([str('shop', shop), str('y', classes(12))]), 'y', auto, { task: 'classification' });
    expect(twelve.X.featureNames).toEqual(['shop_frequency', 'shop_code']);
    const blocked = fitFeaturizer(crafted, 'y', { mode: 'custom', blockedTransformers: ['CatTargetEncoder'] }, { task: 'classification' });
    expect(blocked.X.featureNames).toEqual(['shop_frequency', 'shop_code', 'noise']);
  });

  it('encodes the mean of a regression label', () => {
    const y = shop.map((s) => Number(s.slice(4)) * 2);
    const fitted = fitFeaturizer(table([str('shop', shop), num('y', y)]), 'y', auto, { task: 'regression' });
    const prior = y.reduce((s, v) => s + v, 0) / n;
    const scored = transform(fitted.state, table([str('shop', ['shop3'])]));
    expect(featureAt(scored, 'shop_target', 0)).toBeCloseTo(smoothed(5 * 6, 5, prior), 4);
  });

  it('keeps a frequency plan stored without `target` writing exactly its old columns', () => {
    const fitted = fitFeaturizer(crafted, 'y', auto, { task: 'classification' });
    const old = JSON.parse(JSON.stringify(fitted.state));
    delete old.columns.find((c: { name: string }) => c.name === 'shop').params.target;
    old.featureNames = old.featureNames.filter((f: string) => f !== 'shop_target');
    const before = transform(old, crafted);
    expect(before.featureNames).toEqual(['shop_frequency', 'shop_code', 'noise']);
    expect(featureAt(before, 'shop_code', 0)).toBe(featureAt(fitted.X, 'shop_code', 0));
  });
});
