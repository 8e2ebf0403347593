import { describe, expect, it } from 'vitest';
import { fitFeaturizer, transform, datePart, parseDate, parseNumber } from '../../engine/src/automl/featurize';
import { isWeirError } from '../../engine/src/errors';
import path from 'node:path';
import { titanicCsv, vegaData } from '../helpers/paths';
import { featureAt, makeTable, readTableFile } from './tables';

const auto = { mode: 'auto' } as const;

describe('featurization auto on Titanic', async () => {
  const table = await readTableFile(titanicCsv);
  const fitted = fitFeaturizer(table, 'Survived', auto, { task: 'classification' });
  const purpose = (name: string) => fitted.state.columns.find((c) => c.name === name)!;

  it('chooses a treatment per column', () => {
    expect(purpose('PassengerId').purpose).toBe('Ignore');
    expect(purpose('PassengerId').note).toMatch(/ID-like/);
    expect(purpose('Name').purpose).toBe('Text');
    expect(purpose('Sex').purpose).toBe('Categorical');
    expect(purpose('Age').purpose).toBe('Numeric');
    expect(purpose('Ticket').params.kind).toBe('frequency');
    expect(purpose('Embarked').params.kind).toBe('onehot');
    expect(purpose('Survived').purpose).toBe('Label');
    expect(fitted.y.classes).toEqual(['0', '1']);
    expect(fitted.X.rows).toBe(891);
    expect(fitted.state.inputSchema.map((s) => s.name)).not.toContain('PassengerId');
  });

  it('imputes Age with its mean and adds a missing indicator', () => {
    const ages = table.columns.find((c) => c.name === 'Age')!.values as Float64Array;
    const present = [...ages].filter((v) => !Number.isNaN(v));
    const mean = present.reduce((s, v) => s + v, 0) / present.length;
    const firstMissing = [...ages].findIndex((v) => Number.isNaN(v));
    expect(featureAt(fitted.X, 'Age', firstMissing)).toBeCloseTo(mean, 4);
    expect(featureAt(fitted.X, 'Age_missing', firstMissing)).toBe(1);
    expect(featureAt(fitted.X, 'Age_missing', 0)).toBe(0);
    expect(featureAt(fitted.X, 'Sex=male', 0)).toBe(1);
    const guardrail = fitted.guardrails.find((g) => g.name === 'Missing feature values imputation')!;
    expect(guardrail.status).toBe('Done');
    expect(guardrail.details!.map((d) => d.column)).toEqual(expect.arrayContaining(['Age', 'Cabin', 'Embarked']));
  });

  it('transforms new data to the same matrix, ignoring extra columns and reordering', () => {
    const shuffled = { rows: table.rows, columns: [...table.columns].reverse().concat([{ name: 'extra', type: 'number', duckType: 'DOUBLE', values: new Float64Array(table.rows) }]) };
    const again = transform(fitted.state, shuffled as typeof table);
    expect(again.featureNames).toEqual(fitted.X.featureNames);
    // Every feature but the target-encoded ones (out of fold in training, test/automl/targetEncoding.test.ts) is bit-identical.
    const targets = fitted.X.featureNames!.flatMap((f, j) => (/_target/.test(f) ? [j] : []));
    expect(fitted.X.featureNames!.filter((f) => /_target/.test(f))).toEqual(['Ticket_target', 'Cabin_target']);
    const withoutTargets = (X: typeof again) => Buffer.concat(X.featureNames!.flatMap((_, j) => (targets.includes(j) ? [] : [Buffer.from(X.values.buffer, j * X.rows * 4, X.rows * 4)])));
    expect(withoutTargets(again).equals(withoutTargets(fitted.X))).toBe(true);
    // The state is plain JSON: a round trip through text gives the same features.
    const restored = JSON.parse(JSON.stringify(fitted.state));
    expect(Buffer.from(transform(restored, table).values.buffer).equals(Buffer.from(again.values.buffer))).toBe(true);
  });

  it('names the missing columns when scoring data lacks them', () => {
    const partial = { rows: table.rows, columns: table.columns.filter((c) => c.name !== 'Age' && c.name !== 'Fare') };
    try {
      transform(fitted.state, partial);
      expect.unreachable();
    } catch (e) {
      expect(isWeirError(e) && e.code).toBe('BAD_INPUT');
      expect((e as Error).message).toMatch(/lacks columns the model needs: Age, Fare/);
    }
  });
});

describe('featurization rules on crafted tables', () => {
  const n = 60;
  const base = {
    y: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'yes' : 'no')),
    numText: Array.from({ length: n }, (_, i) => (i === 5 ? null : String(i % 7))),
    flag: Array.from({ length: n }, (_, i) => (i % 2 ? 'true' : 'false')),
    when: Array.from({ length: n }, (_, i) => `2024-03-${String((i % 28) + 1).padStart(2, '0')} ${String(i % 24).padStart(2, '0')}:30`),
    constant: Array.from({ length: n }, () => 'same'),
    empty: Array.from({ length: n }, () => null),
    id: Array.from({ length: n }, (_, i) => `row-${i}`),
    city: Array.from({ length: n }, (_, i) => `city${i % 20}`),
  };

  it('infers numbers in text, booleans, datetimes; drops constant, empty and ID columns', () => {
    const fitted = fitFeaturizer(makeTable(base), 'y', auto, { task: 'classification' });
    const by = (name: string) => fitted.state.columns.find((c) => c.name === name)!;
    expect(by('numText').params).toMatchObject({ kind: 'numeric', read: 'number', indicator: true });
    expect(by('flag').params).toMatchObject({ kind: 'numeric', read: 'boolean' });
    expect(by('when').purpose).toBe('DateTime');
    expect(by('when').params.parts).toEqual(['year', 'month', 'day', 'weekday', 'dayofyear', 'hour', 'minute', 'days']);
    expect(by('constant').note).toMatch(/constant/);
    expect(by('empty').note).toMatch(/all values are missing/);
    expect(by('id').note).toMatch(/ID-like/);
    expect(by('city').params.kind).toBe('frequency');
    expect(fitted.y.classes).toEqual(['no', 'yes']);
    expect(featureAt(fitted.X, 'flag', 1)).toBe(1);
    expect(featureAt(fitted.X, 'when_hour', 7)).toBe(7);
    expect(featureAt(fitted.X, 'when_day', 7)).toBe(8);
    expect(featureAt(fitted.X, 'when_month', 7)).toBe(3);
    const high = fitted.guardrails.find((g) => g.name === 'High cardinality feature detection')!;
    expect(high.status).toBe('Done');
    expect(high.details!.map((d) => d.column)).toEqual(expect.arrayContaining(['id', 'city']));
  });

  it('applies custom purposes, drops and imputation strategies', () => {
    const fitted = fitFeaturizer(
      makeTable(base),
      'y',
      { mode: 'custom', columnPurposes: { numText: 'Categorical', city: 'CategoricalHash' }, dropColumns: ['flag'], transformerParams: { numText: { strategy: 'constant', fill_value: '3' } } },
      { task: 'classification' },
    );
    const by = (name: string) => fitted.state.columns.find((c) => c.name === name)!;
    expect(by('numText').params).toMatchObject({ kind: 'onehot', fill: '3' });
    expect(by('city').params).toMatchObject({ kind: 'hash', buckets: 32 });
    expect(by('flag').purpose).toBe('Ignore');
    expect(featureAt(fitted.X, 'numText=3', 5)).toBe(1);
  });

  it('adds an ordinal code to one-hot columns of 3+ categories: numbers by value, then text; unseen between its neighbours', () => {
    const size = ['10', '2', 'NA', '2', '10', 'low', '2', null];
    const table = makeTable({ y: [1, 2, 3, 4, 5, 6, 7, 8], size, pair: ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'] });
    const fitted = fitFeaturizer(table, 'y', auto, { task: 'regression' });
    const by = (name: string) => fitted.state.columns.find((c) => c.name === name)!;
    expect(by('size').params).toMatchObject({ kind: 'onehot', order: ['2', '10', 'NA', 'low'] });
    expect(by('pair').params).not.toHaveProperty('order');
    expect(fitted.X.featureNames).toEqual(['size=2', 'size=10', 'size=NA', 'size=low', 'size_code', 'size_missing', 'pair=a', 'pair=b']);
    // The code column is typed as XGBoost's categorical codes ('c'), the one-hot columns as indicators.
    expect(fitted.X.featureTypes).toEqual(['i', 'i', 'i', 'i', 'c', 'i', 'i', 'i']);
    // The missing row takes the most frequent category's code ('2' → 0), as its one-hot does.
    expect(size.map((_, r) => featureAt(fitted.X, 'size_code', r))).toEqual([1, 0, 2, 0, 1, 3, 0, 0]);
    const unseen = transform(fitted.state, makeTable({ size: ['5', '100', 'O', 'zzz', '-1'], pair: ['a', 'a', 'a', 'a', 'a'] }));
    expect([0, 1, 2, 3, 4].map((r) => featureAt(unseen, 'size_code', r))).toEqual([0.5, 1.5, 2.5, 3.5, -0.5]);
    expect([0, 1, 2, 3].map((c) => featureAt(unseen, ['size=2', 'size=10', 'size=NA', 'size=low'][c], 0))).toEqual([0, 0, 0, 0]);
    // A plan stored before the code existed (no `order`) still writes exactly its old columns.
    const old = JSON.parse(JSON.stringify(fitted.state));
    const plan = old.columns.find((c: { name: string }) => c.name === 'size').params;
    delete plan.order;
    old.featureNames = old.featureNames.filter((f: string) => f !== 'size_code');
    const before = transform(old, table);
    expect(before.featureNames).toEqual(old.featureNames);
    expect(featureAt(before, 'size_missing', 7)).toBe(1);
  });

  it('rejects non-numeric columns when featurization is off, naming them', () => {
    expect(() => fitFeaturizer(makeTable(base), 'y', { mode: 'off' }, { task: 'classification' })).toThrow(/featurization: off needs numeric columns, but 'numText' \(VARCHAR\)/);
    const numeric = makeTable({ y: [1, 2, 3, 4], a: [1, null, 3, 4] });
    const fitted = fitFeaturizer(numeric, 'y', { mode: 'off' }, { task: 'regression' });
    expect(Number.isNaN(featureAt(fitted.X, 'a', 1))).toBe(true);
  });

  it('gives clear errors for a one-class label, a 1-row table, unknown setting columns and a text regression label', () => {
    expect(() => fitFeaturizer(makeTable({ y: ['a', 'a', 'a'], x: [1, 2, 3] }), 'y', auto, { task: 'classification' })).toThrow(/one class \('a'\)/);
    expect(() => fitFeaturizer(makeTable({ y: [1, null], x: [1, 2] }), 'y', auto, { task: 'regression' })).toThrow(/1 row with a label/);
    // A label column that is there but empty says so, with its name.
    expect(() => fitFeaturizer(makeTable({ y: [null, null, null], x: [1, 2, 3] }), 'y', auto, { task: 'regression' })).toThrow(/0 rows with a label: column 'y' is empty in 3 of its 3 rows/);
    expect(() => fitFeaturizer(makeTable({ y: [1, 2], x: [1, 2] }), 'y', { mode: 'custom', dropColumns: ['nope'] }, { task: 'regression' })).toThrow(/nope \(in drop_columns\)/);
    expect(() => fitFeaturizer(makeTable({ y: ['a', 'b'], x: [1, 2] }), 'y', auto, { task: 'regression' })).toThrow(/must be numeric/);
    expect(() => fitFeaturizer(makeTable({ y: [1, 2], x: [1, 2] }), 'label', auto, { task: 'regression' })).toThrow(/label column 'label' is not in the training data/);
  });

  it('reads a numeric label written with NA or ? as missing labels (rows left out), not as a text label', () => {
    const fitted = fitFeaturizer(makeTable({ y: ['1.5', 'NA', '2', '?', '3', ' 4 '], x: [1, 2, 3, 4, 5, 6] }), 'y', auto, { task: 'regression' });
    expect([...fitted.y.values]).toEqual([1.5, 2, 3, 4]);
    expect(fitted.X.rows).toBe(4);
    expect(() => fitFeaturizer(makeTable({ y: ['1', 'NA', 'high'], x: [1, 2, 3] }), 'y', auto, { task: 'regression' })).toThrow(/must be numeric for regression, but holds 'high'/);
  });

  it('reads numbers formatted with thousands separators, a currency sign or a percent as numbers', () => {
    for (const [text, value] of [['1,234,567', 1234567], ['$1,200.50', 1200.5], ['-€3,000', -3000], ['45%', 45], [' 12.5 % ', 12.5], ['£7', 7]] as const) expect(parseNumber(text)).toBe(value);
    for (const text of ['1,5', '12,34', '1,2345', '$', '4,5%x', 'US$5', '1 234']) expect(parseNumber(text)).toBeNaN();
    const n = 40;
    const budget = Array.from({ length: n }, (_, i) => (i === 3 ? 'NA' : `$${(1000 + i * 137).toLocaleString('en-US')}.00`));
    const fitted = fitFeaturizer(makeTable({ budget, y: Array.from({ length: n }, (_, i) => i * 2) }), 'y', auto, { task: 'regression' });
    const column = fitted.state.columns.find((c) => c.name === 'budget')!;
    expect(column.purpose).toBe('Numeric');
    expect(featureAt(fitted.X, 'budget', 10)).toBe(2370);
    expect(featureAt(fitted.X, 'budget_missing', 3)).toBe(1);
  });

  it('imputes with the median or the most frequent value when asked', () => {
    const table = makeTable({ y: [1, 2, 3, 4, 5, 6], a: [1, 2, null, 10, 3, 2], b: [7, 7, null, 1, 1, 7] });
    const fitted = fitFeaturizer(table, 'y', { mode: 'custom', transformerParams: { a: { strategy: 'median' }, b: { strategy: 'most_frequent' } } }, { task: 'regression' });
    expect(featureAt(fitted.X, 'a', 2)).toBe(2);
    expect(featureAt(fitted.X, 'b', 2)).toBe(7);
  });

  it('tells integer IDs from continuous columns past the distinct-count cap', () => {
    const n = 3000;
    const table = makeTable({
      y: Array.from({ length: n }, (_, i) => i % 2),
      id: Array.from({ length: n }, (_, i) => 1000 + ((i * 7919) % n)),
      amount: Array.from({ length: n }, (_, i) => Math.sqrt(i) * 3.7),
      count: Array.from({ length: n }, (_, i) => i % 1500),
      // Fixed-width customer numbers with wide gaps (Churn_Modelling's CustomerId): keys.
      customer: Array.from({ length: n }, (_, i) => 15565701 + ((i * 7919) % n) * 83),
      // A population: all distinct integers over six orders of magnitude (gapminder's pop): a feature.
      pop: Array.from({ length: n }, (_, i) => Math.round(1000 * 1.005 ** ((i * 7919) % n))),
      // Distinct integers around zero (a signed offset) are not keys.
      offset: Array.from({ length: n }, (_, i) => (((i * 7919) % n) - n / 2) * 1000),
      // Respondent numbers with gaps, 1 to 5 digits (more than 10 values a row apart): keys by their names only.
      identifier: Array.from({ length: n }, (_, i) => 4 + ((i * 7919) % n) * 15),
      respondentNo: Array.from({ length: n }, (_, i) => 4 + ((i * 7919) % n) * 15),
    });
    const fitted = fitFeaturizer(table, 'y', auto, { task: 'classification' });
    const by = (name: string) => fitted.state.columns.find((c) => c.name === name)!;
    expect(by('id').note).toMatch(/ID-like/);
    expect(by('customer').note).toMatch(/ID-like/);
    // Sparse, of mixed widths, but named as a key (statsmodels' fair_pt.csv: `identifier` 4…9029 over 601 rows): a key.
    expect(by('identifier').note).toBe('ID-like: every value is a distinct integer, under a name that reads as a key');
    expect(by('respondentNo').note).toMatch(/ID-like/);
    expect(by('amount').purpose).toBe('Numeric');
    expect(by('count').purpose).toBe('Numeric');
    expect(by('pop').purpose).toBe('Numeric');
    expect(by('offset').purpose).toBe('Numeric');
  });

  it('keeps distinct integers of one width as a feature when so few rows over their range are distinct by chance', () => {
    // vega-datasets us-employment.csv: 120 months of jobs in thousands, 129,000…146,000, every value
    // distinct and six digits wide; about 0.4 repeats would be expected at random, so no sign of a key.
    const n = 120;
    const nonfarm = Array.from({ length: n }, (_, i) => 129000 + ((i * 37) % n) * 140 + (i % 7));
    expect(new Set(nonfarm).size).toBe(n);
    const table = makeTable({
      y: Array.from({ length: n }, (_, i) => (i * 37) % 11),
      nonfarm,
      // Fixed-width customer numbers over as many rows, sparser than row numbers (15 apart) but within
      // a span where 4 repeats would be expected at random: keys.
      customer: Array.from({ length: n }, (_, i) => 4_000_000 + ((i * 7) % n) * 15),
    });
    const fitted = fitFeaturizer(table, 'y', auto, { task: 'regression' });
    const by = (name: string) => fitted.state.columns.find((c) => c.name === name)!;
    expect(by('nonfarm').purpose).toBe('Numeric');
    expect(by('customer').note).toMatch(/ID-like/);
  });

  it('keeps a time index of distinct integers (years, numbered periods) as a number, and still drops keys', async () => {
    // vega-datasets global-temp: one row a year, 1880…2023; the year is the only feature.
    const temps = await readTableFile(path.join(vegaData, 'global-temp.csv'));
    const yearly = fitFeaturizer(temps, 'temp', auto, { task: 'regression' });
    const year = yearly.state.columns.find((c) => c.name === 'year')!;
    expect(year.purpose).toBe('Numeric');
    expect(year.note).toMatch(/time index/);
    expect(yearly.X.featureNames).toEqual(['year']);

    const n = 80;
    const fitted = fitFeaturizer(
      makeTable({
        y: Array.from({ length: n }, (_, i) => i % 3),
        Year: Array.from({ length: n }, (_, i) => 1950 + ((i * 37) % n)), // a name that reads as a time
        t_period: Array.from({ length: n }, (_, i) => i + 1), // numbered periods
        elapsed: Array.from({ length: n }, (_, i) => 1990 + i), // calendar years under a neutral name
        PassengerId: Array.from({ length: n }, (_, i) => i + 1), // a key, by its name
        order_id: Array.from({ length: n }, (_, i) => 1001 + i), // years' range, but a key by its name
        row: Array.from({ length: n }, (_, i) => i), // row numbers
      }),
      'y',
      auto,
      { task: 'classification' },
    );
    const by = (name: string) => fitted.state.columns.find((c) => c.name === name)!;
    for (const kept of ['Year', 't_period', 'elapsed']) expect(by(kept).purpose, kept).toBe('Numeric');
    for (const key of ['PassengerId', 'order_id', 'row']) expect(by(key).note, key).toMatch(/ID-like/);
  });

  it('says how to keep an ID-like column when nothing else is left (vega-datasets obesity: 50 states, one row each)', async () => {
    const table = await readTableFile(path.join(vegaData, 'obesity.json'));
    try {
      fitFeaturizer(table, 'rate', auto, { task: 'regression' });
      expect.unreachable();
    } catch (e) {
      expect(isWeirError(e) && e.code).toBe('BAD_INPUT');
      expect((e as Error).message).toMatch(/no feature columns/);
      const hint = isWeirError(e) ? (e.hint ?? '') : '';
      expect(hint).toMatch(/state: ID-like/);
      expect(hint).toContain('featurization: { column_purposes: { id: Numeric, state: Categorical } }');
    }
  });

  it('orders classes: numbers numerically, booleans false before true', () => {
    expect(fitFeaturizer(makeTable({ y: [10, 9, 10, 9, 100], x: [1, 2, 3, 4, 5] }), 'y', auto, { task: 'classification' }).y.classes).toEqual(['9', '10', '100']);
    const fitted = fitFeaturizer(makeTable({ y: [true, false, true, false], x: [1, 2, 3, 4] }), 'y', auto, { task: 'classification' });
    expect(fitted.y.classes).toEqual(['false', 'true']);
    expect([...fitted.y.values]).toEqual([1, 0, 1, 0]);
  });

  it('leaves out rows without a label and reads sample weights', () => {
    const fitted = fitFeaturizer(makeTable({ y: [1, null, 3, 4], w: [1, 2, 3, 4], x: [10, 20, 30, 40] }), 'y', auto, { task: 'regression', weightColumn: 'w' });
    expect([...fitted.rows!]).toEqual([0, 2, 3]);
    expect([...fitted.weight!]).toEqual([1, 3, 4]);
    expect([...fitted.y.values]).toEqual([1, 3, 4]);
    expect(fitted.X.featureNames).toEqual(['x']);
  });
});

describe('calendar arithmetic', () => {
  it('matches Date for parts across centuries', () => {
    for (const iso of ['1900-03-01T00:00Z', '1969-12-31T23:59Z', '2000-02-29T12:34Z', '2024-12-31T05:06Z', '2100-01-01T00:00Z']) {
      const t = parseDate(iso);
      const d = new Date(t);
      expect([datePart(t, 'year'), datePart(t, 'month'), datePart(t, 'day'), datePart(t, 'hour'), datePart(t, 'minute')]).toEqual([
        d.getUTCFullYear(),
        d.getUTCMonth() + 1,
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
      ]);
      expect(datePart(t, 'weekday')).toBe((d.getUTCDay() + 6) % 7);
    }
    expect(datePart(parseDate('2024-12-31'), 'dayofyear')).toBe(366);
    expect(datePart(parseDate('1970-01-02T12:00Z'), 'days')).toBe(1.5);
    expect(parseDate('2024-01-01T02:00+02:00')).toBe(Date.UTC(2024, 0, 1));
  });

  it('reads dates written with the month name; other words stay text', () => {
    for (const s of ['Jun 12 1998', 'June 12, 1998', 'jun. 12 1998', '12 Jun 1998', '12-Jun-1998', ' 12 JUNE 1998 ']) expect(parseDate(s)).toBe(Date.UTC(1998, 5, 12));
    expect(parseDate('Sept 3 2001')).toBe(Date.UTC(2001, 8, 3));
    for (const s of ['Junk 12 1998', 'Jun 32 1998', 'Jun 12', 'Main 12 1998', 'May', 'Jun 12 98', '19-Sep-3', '19-Sep-003']) expect(parseDate(s)).toBeNaN();
  });

  it("reads Excel's d-mmm-yy dates (matplotlib's sample msft.csv: `19-Sep-03`) with the two-digit year as strptime's %y does", () => {
    expect(parseDate('19-Sep-03')).toBe(Date.UTC(2003, 8, 19));
    expect(parseDate('2-Jan-68')).toBe(Date.UTC(2068, 0, 2));
    expect(parseDate('31-Dec-69')).toBe(Date.UTC(1969, 11, 31));
    expect(parseDate('12 Jun 98')).toBe(Date.UTC(1998, 5, 12));
    // msft.csv's first rows: the date column is featurized as calendar parts, not dropped as an all-distinct text.
    const table = makeTable({
      Date: ['19-Sep-03', '18-Sep-03', '17-Sep-03', '16-Sep-03', '15-Sep-03', '12-Sep-03', '11-Sep-03', '10-Sep-03', '9-Sep-03', '8-Sep-03', '5-Sep-03', '4-Sep-03'],
      Close: [29.96, 29.5, 28.9, 28.99, 28.36, 28.34, 28.48, 28.23, 28.84, 29.08, 28.67, 28.57],
    });
    const fitted = fitFeaturizer(table, 'Close', auto, { task: 'regression' });
    expect(fitted.state.columns.find((c) => c.name === 'Date')!.purpose).toBe('DateTime');
    expect(featureAt(fitted.X, 'Date_year', 0)).toBe(2003);
    expect(featureAt(fitted.X, 'Date_day', 8)).toBe(9);
  });

  it("featurizes movies.json's `Release Date` (`Jun 12 1998`) as calendar parts, not as words", async () => {
    // vega-datasets (an npm dependency): 3201 films; the release date is text with the month's name.
    const movies = await readTableFile(path.join(vegaData, 'movies.json'));
    const fitted = fitFeaturizer(movies, 'IMDB Rating', auto, { task: 'regression' });
    const release = fitted.state.columns.find((c) => c.name === 'Release Date')!;
    expect(release.purpose).toBe('DateTime');
    expect(release.params).toMatchObject({ kind: 'datetime', parts: ['year', 'month', 'day', 'weekday', 'dayofyear', 'days'] });
    const first = movies.columns.find((c) => c.name === 'Release Date')!.values[0];
    expect(first).toBe('Jun 12 1998');
    expect(featureAt(fitted.X, 'Release Date_year', 0)).toBe(1998);
    expect(featureAt(fitted.X, 'Release Date_month', 0)).toBe(6);
  });
});

describe('dates written as YYYYMMDD numbers', () => {
  it("reads statsmodels co2.csv's `date` (19580329, weekly) as calendar parts, and leaves keys and other 8-digit numbers alone", () => {
    // The first weeks of statsmodels' datasets/co2/co2.csv (Mauna Loa, weekly from 1958-03-29), one CO2 reading missing.
    const dates = [19580329, 19580405, 19580412, 19580419, 19580426, 19580503, 19580510, 19580517, 19580524, 19580531, 19581227, 19590103];
    const table = makeTable({
      co2: [316.1, 317.3, 317.6, 317.5, 316.4, 316.9, null, 317.5, 317.9, null, 315.0, 315.5],
      date: dates,
      obs_date: dates.map((d) => (d === 19580426 ? null : d)), // a time name, one date missing
      // 8-digit numbers that are not all dates (a month of 55): a number; a key name: an ID-like key, not a date.
      amount: dates.map((d, i) => (i === 3 ? 15565701 : d)),
      order_no: dates,
    });
    const fitted = fitFeaturizer(table, 'co2', auto, { task: 'regression' });
    const by = (name: string) => fitted.state.columns.find((c) => c.name === name)!;
    expect(by('date').purpose).toBe('DateTime');
    expect(by('date').params).toMatchObject({ kind: 'datetime', digits: 'yyyymmdd', parts: ['year', 'month', 'day', 'weekday', 'dayofyear', 'days'] });
    expect(by('obs_date').purpose).toBe('DateTime');
    expect(by('amount').purpose).toBe('Numeric');
    expect(by('order_no').purpose).toBe('Numeric');
    // Row 10 of the labelled rows is 1958-12-27 (the rows with a missing label are left out).
    const r = fitted.X.rows - 2;
    expect([featureAt(fitted.X, 'date_year', r), featureAt(fitted.X, 'date_month', r), featureAt(fitted.X, 'date_day', r), featureAt(fitted.X, 'date_dayofyear', r)]).toEqual([1958, 12, 27, 361]);
    expect(featureAt(fitted.X, 'date_year', r + 1)).toBe(1959);
    // The time itself, days since 1970-01-01: a week apart the days differ by 7.
    expect(featureAt(fitted.X, 'date_days', r)).toBe(Date.UTC(1958, 11, 27) / 86_400_000);
    expect(featureAt(fitted.X, 'date_days', r + 1) - featureAt(fitted.X, 'date_days', r)).toBe(7);
    // A missing date takes the median day and its indicator (row 4: 1958-04-26 blanked).
    expect([featureAt(fitted.X, 'obs_date_missing', 3), featureAt(fitted.X, 'obs_date_missing', 4)]).toEqual([0, 1]);
    expect(featureAt(fitted.X, 'obs_date_year', 4)).toBe(1958);
    // Scoring text cells (a CSV read as VARCHAR) gives the same parts.
    const scored = transform(fitted.state, makeTable({ date: ['19581227'], obs_date: [null], amount: ['1'], order_no: ['1'] }));
    expect(featureAt(scored, 'date_dayofyear', 0)).toBe(361);
    expect(featureAt(scored, 'obs_date_missing', 0)).toBe(1);
    expect(datePart(parseDate('1958-12-27'), 'dayofyear')).toBe(361);
  });
});

describe('missing-value markers in text columns', () => {
  // 40 rows: a measurement written with NA and ?, a region whose NA is North America, a label.
  const n = 40;
  const reading = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 'NA' : i % 7 === 0 ? ' ? ' : String(i * 1.5)));
  const region = Array.from({ length: n }, (_, i) => ['NA', 'EU', 'APAC'][i % 3]!);
  const y = Array.from({ length: n }, (_, i) => (i % 2 ? 'a' : 'b'));
  const fitted = fitFeaturizer(makeTable({ reading, region, y }), 'y', auto, { task: 'classification' });
  const column = (name: string) => fitted.state.columns.find((c) => c.name === name)!;

  it('reads a column of numbers with NA and ? as numbers with missing cells, not as categories', () => {
    expect(column('reading').purpose).toBe('Numeric');
    expect(column('reading').note).toMatch(/^12 missing values \(12 written as 'NA', ' \? '\) imputed with the mean/);
    expect(featureAt(fitted.X, 'reading', 1)).toBe(1.5);
    expect(featureAt(fitted.X, 'reading_missing', 0)).toBe(1);
    expect(featureAt(fitted.X, 'reading_missing', 7)).toBe(1);
    expect(featureAt(fitted.X, 'reading_missing', 1)).toBe(0);
    const guardrail = fitted.guardrails.find((g) => g.name === 'Missing feature values imputation')!;
    expect(guardrail.details).toEqual([expect.objectContaining({ column: 'reading', missing: 12 })]);
  });

  it('keeps NA as a category in a text column', () => {
    expect(column('region').purpose).toBe('Categorical');
    expect(featureAt(fitted.X, 'region=NA', 0)).toBe(1);
  });
});
