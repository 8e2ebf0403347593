import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileTable, previewRows, readColumnar, readSchema, writeParquetFromColumnar } from '../../engine/src/data/tables';
import { withConnection, sqlString } from '../../engine/src/data/duckdb';
import type { ColumnarTable } from '../../engine/src/automl/types';
import { tempDir, vegaData } from '../helpers/paths';

const work = tempDir('weir-tables-');

async function sqlToParquet(name: string, sql: string): Promise<string> {
  const file = path.join(work, name);
  await withConnection((c) => c.run(`COPY (${sql}) TO ${sqlString(file)} (FORMAT parquet)`));
  return file;
}

describe('tables', () => {
  it("reads a JSON column's scalars as written, without JSON quotes (a sql step's read_json_auto of movies.json's Title)", async () => {
    const file = await sqlToParquet('json.parquet', `SELECT * FROM read_json_auto(${sqlString(path.join(vegaData, 'movies.json'))})`);
    const titles = (await readColumnar(file, ['Title'])).columns[0];
    expect(titles.duckType).toBe('JSON');
    expect(titles.values[0]).toBe('The Land Girls');
    expect(titles.values).toContain('1776');
    const objects = await sqlToParquet('json-objects.parquet', `SELECT * FROM (VALUES ('{"k": 1}'::JSON), ('"x"'::JSON), (NULL)) t(j)`);
    expect((await readColumnar(objects)).columns[0].values).toEqual(['{"k": 1}', 'x', null]);
  });

  it('reads columns as typed arrays with NaN and null for missing values', async () => {
    const file = await sqlToParquet(
      'mixed.parquet',
      `SELECT * FROM (VALUES
        (1::INTEGER, 1.5::DOUBLE, true, TIMESTAMP '2020-01-01 00:00:01', DATE '2020-01-02', 'a', 10.25::DECIMAL(6,2)),
        (NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (3, -2, false, TIMESTAMP '1969-12-31 23:59:59', DATE '1970-01-01', 'c', -1)
      ) t(i, d, b, ts, dt, s, dec)`,
    );
    const t = await readColumnar(file);
    expect(t.rows).toBe(3);
    const byName = Object.fromEntries(t.columns.map((c) => [c.name, c]));
    expect(byName.i.type).toBe('number');
    expect(Array.from(byName.i.values as Float64Array)).toEqual([1, NaN, 3]);
    expect(Array.from(byName.d.values as Float64Array)).toEqual([1.5, NaN, -2]);
    expect(byName.b.type).toBe('boolean');
    expect(Array.from(byName.b.values as Float64Array)).toEqual([1, NaN, 0]);
    expect(byName.ts.type).toBe('datetime');
    expect(Array.from(byName.ts.values as Float64Array)).toEqual([Date.UTC(2020, 0, 1, 0, 0, 1), NaN, -1000]);
    expect(Array.from(byName.dt.values as Float64Array)).toEqual([Date.UTC(2020, 0, 2), NaN, 0]);
    expect(byName.s.values).toEqual(['a', null, 'c']);
    expect(byName.dec.duckType).toMatch(/^DECIMAL\(/);
    expect(Array.from(byName.dec.values as Float64Array)).toEqual([10.25, NaN, -1]);
    const only = await readColumnar(file, ['s', 'i']);
    expect(only.columns.map((c) => c.name)).toEqual(['s', 'i']);
    await expect(readColumnar(file, ['nope'])).rejects.toThrow(/no column 'nope'.*columns: i, d, b, ts, dt, s, dec/);
  });

  it('reads more rows than one DuckDB chunk in order', async () => {
    const file = await sqlToParquet('range.parquet', 'SELECT range AS n, range::VARCHAR AS s FROM range(10000)');
    const t = await readColumnar(file);
    const n = t.columns[0].values as Float64Array;
    expect(n.length).toBe(10000);
    expect(n.every((v, i) => v === i)).toBe(true);
    expect((t.columns[1].values as string[])[9999]).toBe('9999');
  });

  it('reads string columns of low and high cardinality alike (dictionary and per-row paths)', async () => {
    const file = await sqlToParquet(
      'strings.parquet',
      `SELECT CASE WHEN range % 5 = 0 THEN NULL ELSE ['', 'é', 'a b', '😀'][range % 4 + 1] END AS low, 'k' || range AS high FROM range(70000)`,
    );
    const t = await readColumnar(file);
    const low = t.columns[0].values as (string | null)[];
    const high = t.columns[1].values as string[];
    expect(low.slice(0, 6)).toEqual([null, 'é', 'a b', '😀', '', null]);
    expect(high[69999]).toBe('k69999');
    expect(high.length).toBe(70000);
  });

  it('profiles columns', async () => {
    const file = await sqlToParquet('profile.parquet', `SELECT range::DOUBLE AS x, CASE WHEN range % 10 = 0 THEN NULL ELSE ['a','b','b'][range % 3 + 1] END AS s FROM range(100)`);
    const p = await profileTable(file);
    expect(p.rows).toBe(100);
    const [x, s] = p.columns;
    expect(x).toMatchObject({ name: 'x', kind: 'number', nulls: 0, distinct: 100, min: 0, max: 99, mean: 49.5 });
    expect(x.histogram).toHaveLength(10);
    expect(x.histogram.reduce((a, b) => a + b.count, 0)).toBe(100);
    expect(s).toMatchObject({ name: 's', kind: 'string', nulls: 10, distinct: 2 });
    expect(s.histogram[0].label).toBe('b');
    expect(s.histogram.reduce((a, b) => a + b.count, 0)).toBe(90);
  });

  it('previews pages of rows and reads the schema', async () => {
    const file = path.join(vegaData, 'flights-3m.parquet');
    const schema = await readSchema(file);
    expect(schema.rows).toBe(3_000_000);
    expect(schema.schema.map((c) => c.type)).toEqual(['TIMESTAMP', 'BIGINT', 'BIGINT', 'VARCHAR', 'VARCHAR']);
    const page = await previewRows(file, { limit: 3, offset: 10 });
    expect(page.rows).toHaveLength(3);
    expect(page.offset).toBe(10);
    expect(typeof page.rows[0][3]).toBe('string');
  });

  it('writes a columnar table to Parquet and reads it back unchanged', async () => {
    const table: ColumnarTable = {
      rows: 3,
      columns: [
        { name: 'p', type: 'number', duckType: 'DOUBLE', values: Float64Array.from([0.25, NaN, 1]) },
        { name: 'label', type: 'string', duckType: 'VARCHAR', values: ['yes', null, 'no'] },
        { name: 'flag', type: 'boolean', duckType: 'BOOLEAN', values: Float64Array.from([1, 0, NaN]) },
        { name: 'at', type: 'datetime', duckType: 'TIMESTAMP', values: Float64Array.from([0, Date.UTC(2024, 1, 29), NaN]) },
      ],
    };
    const file = path.join(work, 'written.parquet');
    await writeParquetFromColumnar(table, file);
    const back = await readColumnar(file);
    expect(back.columns.map((c) => [c.name, c.duckType])).toEqual([['p', 'DOUBLE'], ['label', 'VARCHAR'], ['flag', 'BOOLEAN'], ['at', 'TIMESTAMP']]);
    expect(back.columns.map((c) => Array.from(c.values as ArrayLike<unknown>))).toEqual(table.columns.map((c) => Array.from(c.values as ArrayLike<unknown>)));
  });
});
