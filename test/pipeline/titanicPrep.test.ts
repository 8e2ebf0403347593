import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { sqlString, withPrivateDuckDB } from '../../engine/src/data/duckdb';
import { python, repoRoot, titanicCsv, tempDir } from '../helpers/paths';

/**
 * examples/titanic/dataprep.sql against the article's numbers on the article's data
 * (examples/titanic/data/titanic.csv), and row by row against the article's pandas script.
 */
const sqlText = readFileSync(path.join(repoRoot, 'examples/titanic/dataprep.sql'), 'utf8');
const csv = titanicCsv;

async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  return withPrivateDuckDB(async (c) => {
    await c.run(`CREATE VIEW titanic AS SELECT * FROM read_csv(${sqlString(csv)})`);
    return (await c.runAndReadAll(sql)).getRowObjectsJson() as T[];
  });
}

function counts(rows: Record<string, unknown>[], key: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[String(r[key])] = (out[String(r[key])] ?? 0) + 1;
  return out;
}

describe('examples/titanic/dataprep.sql', () => {
  test('reproduces the article\'s statistics and groups', async () => {
    const [stats] = await query<{ mean: number; std: number; missing: number }>(
      'SELECT avg(Age) AS mean, stddev_samp(Age) AS std, count(*) FILTER (WHERE Age IS NULL)::INT AS missing FROM titanic',
    );
    expect(stats!.mean).toBeCloseTo(29.6991, 4);
    expect(stats!.std).toBeCloseTo(14.5265, 4);
    expect(stats!.missing).toBe(177);

    const rows = await query(sqlText);
    expect(rows).toHaveLength(891);
    expect(Object.keys(rows[0]!)).toEqual(['Survived', 'Pclass', 'Sex', 'SibSp', 'Parch', 'Embarked', 'Age_Group', 'Fare_Group']);
    expect(counts(rows, 'Fare_Group')).toEqual({ 0: 179, 1: 184, 2: 172, 3: 180, 4: 176 });
    expect(counts(rows, 'Sex')).toEqual({ 0: 577, 1: 314 });
    expect(counts(rows, 'Embarked')).toEqual({ 0: 644, 1: 168, 2: 77, 3: 2 });
    const ageGroups = counts(rows, 'Age_Group');
    expect(Object.keys(ageGroups).sort()).toEqual(['0', '1', '2', '3', '4']);
    for (const n of Object.values(ageGroups)) expect(n).toBeGreaterThan(120);

    const [edges] = await query<{ e: number[] }>('SELECT quantile_cont(coalesce(Fare, 0), [0, 0.2, 0.4, 0.6, 0.8, 1]) AS e FROM titanic');
    expect(edges!.e).toEqual([0, 7.8542, 10.5, 21.6792, 39.6875, 512.3292]);
  });

  test('fills the 177 missing ages with integers in [15, 44], reproducibly', async () => {
    // Everything before the final query sets the macro and the statistics; ask them for the filled ages.
    const setup = sqlText.slice(0, sqlText.lastIndexOf('\nWITH filled AS'));
    const fill = `${setup}\nSELECT filled_age(Age, PassengerId, getvariable('age_low'), getvariable('age_high')) AS Age FROM titanic WHERE Age IS NULL ORDER BY PassengerId`;
    const filled = (await query<{ Age: string }>(fill)).map((r) => Number(r.Age));
    expect(filled).toHaveLength(177);
    for (const age of filled) {
      expect(Number.isInteger(age)).toBe(true);
      expect(age).toBeGreaterThanOrEqual(15);
      expect(age).toBeLessThanOrEqual(44);
    }
    expect(new Set(filled).size).toBeGreaterThan(10);
    expect((await query<{ Age: string }>(fill)).map((r) => Number(r.Age))).toEqual(filled);
  });

  test('matches the article\'s pandas prep row by row (except the random age fill)', async (ctx) => {
    let ok = false;
    try {
      execFileSync(python, ['-c', 'import pandas, numpy'], { stdio: 'ignore' });
      ok = true;
    } catch {
      ok = false;
    }
    if (!ok) ctx.skip();
    const out = path.join(tempDir(), 'pandas.csv');
    execFileSync(python, [path.join(repoRoot, 'bench/dataprep_pandas.py'), csv, out], { stdio: 'ignore' });
    const ours = await query(sqlText);
    const theirs = await withPrivateDuckDB(async (c) => (await c.runAndReadAll(`SELECT * FROM read_csv(${sqlString(out)})`)).getRowObjectsJson());
    expect(theirs).toHaveLength(ours.length);
    for (const col of ['Survived', 'Pclass', 'Sex', 'SibSp', 'Parch', 'Embarked', 'Fare_Group']) {
      expect(ours.map((r) => Number(r[col])), col).toEqual(theirs.map((r) => Number(r[col])));
    }
    // Age groups agree wherever the age was known (the fill differs: numpy's generator vs a hash).
    const known = await query<{ known: boolean }>('SELECT Age IS NOT NULL AS known FROM titanic ORDER BY PassengerId');
    const mismatches = known.filter((k, i) => k.known && Number(ours[i]!.Age_Group) !== Number(theirs[i]!.Age_Group)).length;
    expect(mismatches / known.filter((k) => k.known).length).toBeLessThan(0.1);
  });
});
