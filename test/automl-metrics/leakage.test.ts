import { describe, expect, it } from 'vitest';
import { fitFeaturizer } from '../../engine/src/automl/featurize';
import { dataGuardrails, labelSpellingGuardrail, rowsPerClassGuardrail, singleColumnScores, targetLeakageGuardrail } from '../../engine/src/automl/guardrails';
import type { ColumnarTable, Guardrail } from '../../engine/src/automl/types';
import path from 'node:path';
import { titanicCsv, vegaData } from '../helpers/paths';
import { makeTable, readTableFile } from './tables';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

const BOATS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16', 'A', 'B', 'C', 'D'];

/**
 * Titanic plus two columns that give the answer away, as the full passenger list does:
 * `boat` (a lifeboat, text, empty for almost everyone who died and known for almost every
 * survivor: the signal is its missingness) and `refund` (a number that is high for survivors).
 */
async function titanicWithLeaks(): Promise<ColumnarTable> {
  const table = await readTableFile(titanicCsv);
  const survived = table.columns.find((c) => c.name === 'Survived')!.values as Float64Array;
  const rand = lcg(7);
  let survivors = 0;
  let dead = 0;
  const boat: (string | null)[] = [];
  const refund: number[] = [];
  for (let i = 0; i < table.rows; i++) {
    const s = survived[i] === 1;
    const hasBoat = s ? survivors++ % 22 !== 0 : dead++ % 90 === 0;
    boat.push(hasBoat ? BOATS[Math.floor(rand() * BOATS.length)] : null);
    const flipped = i % 50 === 0;
    refund.push((s !== flipped ? 50 : 0) + rand() * 50);
  }
  const extra = makeTable({ boat, refund });
  return { rows: table.rows, columns: [...table.columns, ...extra.columns] };
}

function leakageOf(table: ColumnarTable, label: string, task: 'classification' | 'regression' = 'classification', drop: string[] = []): Guardrail {
  const f = fitFeaturizer(table, label, drop.length ? { mode: 'custom', dropColumns: drop } : { mode: 'auto' }, { task });
  return targetLeakageGuardrail(f.X, f.y, task, { table, rows: f.rows, columns: f.state.columns });
}

describe('target leakage detection', () => {
  it('alerts on a categorical column whose missingness gives the label away, and on a numeric leak, naming both and what to do', async () => {
    const table = await titanicWithLeaks();
    const g = leakageOf(table, 'Survived');
    expect(g.status).toBe('Alerted');
    expect(g.details!.map((d) => d.feature)).toEqual(['boat', 'refund']);
    const boat = g.details!.find((d) => d.feature === 'boat')!;
    expect(boat.signal).toBe('missingness');
    expect(boat.errorReduction as number).toBeGreaterThan(0.9);
    expect(g.details!.find((d) => d.feature === 'refund')!.signal).toBe('value');
    expect(g.description).toContain("'boat'");
    expect(g.description).toContain('drop_columns: [boat, refund]');
    expect(g.description).toMatch(/data preparation/);
  });

  it('alerts on the missingness of a leaking categorical alone (the values themselves are noise)', async () => {
    const rand = lcg(3);
    const n = 600;
    const label: string[] = [];
    const code: (string | null)[] = [];
    const noise: number[] = [];
    for (let i = 0; i < n; i++) {
      const y = rand() < 0.4 ? 'yes' : 'no';
      label.push(y);
      // Known (a random code) only for "yes", with 2% exceptions either way.
      const known = (y === 'yes') !== (i % 50 === 0);
      code.push(known ? `c${Math.floor(rand() * 40)}` : null);
      noise.push(rand());
    }
    const g = leakageOf(makeTable({ label, code, noise }), 'label');
    expect(g.status).toBe('Alerted');
    expect(g.details!.map((d) => [d.feature, d.signal])).toEqual([['code', 'missingness']]);
  });

  it('passes once the leaking columns are dropped with featurization.drop_columns', async () => {
    const table = await titanicWithLeaks();
    expect(leakageOf(table, 'Survived', 'classification', ['boat', 'refund']).status).toBe('Passed');
  });

  it("does not alert on Titanic's real columns: Sex, the strongest, removes well under the threshold of the baseline's errors", async () => {
    const table = await readTableFile(titanicCsv);
    const f = fitFeaturizer(table, 'Survived', { mode: 'auto' }, { task: 'classification' });
    const source = { table, rows: f.rows, columns: f.state.columns };
    expect(targetLeakageGuardrail(f.X, f.y, 'classification', source).status).toBe('Passed');
    const { scores } = singleColumnScores(f.X, f.y, 'classification', source);
    const sex = scores.find((s) => s.feature === 'Sex')!;
    expect(sex.score).toBeGreaterThan(0.75);
    expect(sex.reduction).toBeLessThan(0.6);
    expect(Math.max(...scores.map((s) => s.reduction))).toBe(sex.reduction);
    // Cabin's missingness is a real but weak signal.
    expect(scores.find((s) => s.feature === 'Cabin')!.missingness!.reduction).toBeLessThan(0.5);
  });

  it('judges a regression label by the out-of-fold R² of the lookup, including a column known only for part of the range', () => {
    const rand = lcg(11);
    const n = 500;
    const y: number[] = [];
    const strong: number[] = [];
    const leak: (number | null)[] = [];
    for (let i = 0; i < n; i++) {
      const v = rand() * 100;
      y.push(v);
      strong.push(v + (rand() - 0.5) * 60);
      leak.push(v * 2 + rand());
    }
    const table = makeTable({ y, strong, leak });
    const g = leakageOf(table, 'y', 'regression');
    expect(g.status).toBe('Alerted');
    expect(g.details!.map((d) => d.feature)).toEqual(['leak']);
    expect(leakageOf(table, 'y', 'regression', ['leak']).status).toBe('Passed');
  });

  it("alerts on a label cut from a numeric column by its own edges (vega-datasets windvectors: `dirCat` is `dir` in 45° sectors), which quantile bins straddle", async () => {
    const table = await readTableFile(path.join(vegaData, 'windvectors.csv'));
    const g = leakageOf(table, 'dirCat');
    expect(g.status).toBe('Alerted');
    expect(g.details!.map((d) => d.feature)).toEqual(['dir']);
    expect(g.details![0].value as number).toBeGreaterThan(0.99);
    expect(g.description).toContain('drop_columns: [dir]');
    // The wind speed from the same columns has no such column: no alert.
    expect(leakageOf(table, 'speed', 'regression').status).toBe('Passed');
  });

  it("names a trend, not a leak, when the one column is a time (statsmodels' co2.csv: weekly CO2 from a YYYYMMDD date)", () => {
    // A rising series with a yearly season, one row a week from 1958-03-29, as co2.csv's first columns.
    const rand = lcg(5);
    const date: number[] = [];
    const co2: number[] = [];
    const noise: number[] = [];
    for (let w = 0; w < 600; w++) {
      const d = new Date(Date.UTC(1958, 2, 29 + 7 * w));
      date.push(d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate());
      co2.push(315 + 0.1 * w + 3 * Math.sin((2 * Math.PI * w) / 52.18) + (rand() - 0.5) * 0.5);
      noise.push(rand());
    }
    const g = leakageOf(makeTable({ co2, date, noise }), 'co2', 'regression');
    expect(g.status).toBe('Alerted');
    expect(g.details!.map((d) => [d.feature, d.time])).toEqual([['date', true]]);
    expect(g.description).toContain('It is a time: the label follows a trend in time');
    expect(g.description).toContain('task: forecasting');
    expect(g.description).not.toContain('usually means the label leaked');
    // A time beside a real leak keeps the leak's message.
    const both = leakageOf(makeTable({ co2, date, copy: co2.map((v) => v * 2 + 1) }), 'co2', 'regression');
    expect(both.details!.map((d) => d.feature)).toEqual(['date', 'copy']);
    expect(both.description).toContain('usually means the label leaked');
  });
});

describe('rows per class detection', () => {
  it('alerts on 1,000 classes in 2,000 rows with a clear message, and is absent for an ordinary label', () => {
    const values = Float32Array.from({ length: 2000 }, (_, i) => i % 1000);
    const classes = Array.from({ length: 1000 }, (_, i) => `c${i}`);
    const g = rowsPerClassGuardrail({ values, classes })!;
    expect(g.status).toBe('Alerted');
    expect(g.description).toMatch(/1000 classes in 2000 rows \(2\.0 rows per class/);
    expect(g.description).toMatch(/task: regression/);
    expect(rowsPerClassGuardrail({ values: Float32Array.from({ length: 400 }, (_, i) => i % 4), classes: ['a', 'b', 'c', 'd'] })).toBeUndefined();
  });

  it('is listed after class balancing when it fires', () => {
    const n = 300;
    const rand = lcg(5);
    const table = makeTable({ label: Array.from({ length: n }, (_, i) => `id${i % 150}`), x: Array.from({ length: n }, () => rand()) });
    const f = fitFeaturizer(table, 'label', { mode: 'auto' }, { task: 'classification' });
    const g = dataGuardrails({
      task: 'classification',
      X: f.X,
      y: f.y,
      featurization: f.guardrails,
      validation: { method: 'cross_validation', automatic: true, trainingRows: n, folds: 3, validationRows: [100, 100, 100], smallestClassRows: 2 },
      source: { table, rows: f.rows, columns: f.state.columns },
    });
    expect(g.map((x) => x.name).slice(0, 3)).toEqual(['Validation split handling', 'Class balancing detection', 'Rows per class detection']);
    expect(g[2].status).toBe('Alerted');
  });
});

describe('label spelling detection', () => {
  it("names label values that differ only by spaces or case, keeps them as classes, and is absent otherwise", () => {
    const n = 200;
    const rand = lcg(11);
    const labels = Array.from({ length: n }, (_, i) => ['Yes', 'Yes ', 'no', 'No'][i % 4]);
    const table = makeTable({ answer: labels, x: Array.from({ length: n }, () => rand()) });
    const f = fitFeaturizer(table, 'answer', { mode: 'auto' }, { task: 'classification' });
    expect(f.y.classes).toHaveLength(4);
    const g = dataGuardrails({
      task: 'classification',
      X: f.X,
      y: f.y,
      label: 'answer',
      featurization: f.guardrails,
      validation: { method: 'cross_validation', automatic: true, trainingRows: n, folds: 5, validationRows: [40, 40, 40, 40, 40], smallestClassRows: 50 },
      source: { table, rows: f.rows, columns: f.state.columns },
    });
    const spelling = g.find((x) => x.name === 'Label spelling detection')!;
    expect(spelling.status).toBe('Alerted');
    expect(spelling.description).toContain("'Yes' (50 rows) and 'Yes ' (50 rows)");
    expect(spelling.description).toContain("'No' (50 rows) and 'no' (50 rows)");
    expect(spelling.description).toMatch(/trim\("answer"\)/);
    expect(g.map((x) => x.name).indexOf('Label spelling detection')).toBe(2);
    expect(labelSpellingGuardrail({ values: Float32Array.from({ length: 100 }, (_, i) => i % 2), classes: ['yes', 'no'] })).toBeUndefined();
  });
});
