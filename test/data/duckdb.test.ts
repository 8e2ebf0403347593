import { describe as suite, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, describeTable, withConnection, withPrivateDuckDB } from '../../engine/src/data/duckdb';
import { formatOfName, tableReader } from '../../engine/src/data/formats';
import { tempDir } from '../helpers/paths';

async function setting(run: (use: (c: import('@duckdb/node-api').DuckDBConnection) => Promise<string>) => Promise<string>, name: string): Promise<string> {
  return run(async (c) => String((await c.runAndReadAll(`SELECT current_setting('${name}') AS v`)).getRowObjectsJS()[0]!.v));
}

suite('data/duckdb', () => {
  it('opens every instance with extension auto-install and auto-load off', async () => {
    for (const run of [withConnection, <T>(use: (c: import('@duckdb/node-api').DuckDBConnection) => Promise<T>) => withPrivateDuckDB(use, { threads: 1 })]) {
      expect(await setting(run, 'autoinstall_known_extensions')).toBe('false');
      expect(await setting(run, 'autoload_known_extensions')).toBe('false');
    }
  });

  it('a private instance without external access cannot read or write files', async () => {
    const dir = tempDir();
    const csv = path.join(dir, 'a.csv');
    writeFileSync(csv, 'x\n1\n');
    await withPrivateDuckDB(async (c) => {
      await expect(c.run(`SELECT * FROM read_csv('${csv}')`)).rejects.toThrow(/disabled|external access/i);
      await expect(c.run(`COPY (SELECT 1) TO '${path.join(dir, 'b.csv')}'`)).rejects.toThrow(/disabled|external access/i);
    }, { externalAccess: false });
  });

  it('describes a query and a file with one mapping, and reads every format of the table', async () => {
    const dir = tempDir();
    const tsv = path.join(dir, 'a.tab');
    writeFileSync(tsv, 'x\ty\n1\tb\n2\tc\n');
    expect(formatOfName('a.TSV.gz')).toEqual({ format: 'csv', delimiter: '\t' });
    expect(formatOfName('a.pq')?.format).toBe('parquet');
    expect(formatOfName('a.xlsx')).toBeUndefined();
    await withPrivateDuckDB(async (c) => {
      expect(await describe(c, 'SELECT 1::INTEGER AS a, \'x\' AS b')).toEqual([
        { name: 'a', type: 'INTEGER' },
        { name: 'b', type: 'VARCHAR' },
      ]);
      expect(await describeTable(c, tableReader(tsv, 'input'))).toEqual({ rows: 2, schema: [{ name: 'x', type: 'BIGINT' }, { name: 'y', type: 'VARCHAR' }] });
    });
    expect(() => tableReader(path.join(dir, 'a.feather'), "input 'a'")).toThrow(/Arrow IPC/);
    expect(() => tableReader(path.join(dir, 'a.xyz'), "input 'a'")).toThrow(/not a table DuckDB can read \(\.xyz\)/);
    expect(() => tableReader(path.join(dir, 'a.xlsx'), "input 'a'")).toThrow(/a\.xlsx is an Excel workbook, not a table file Weir reads/);
  });
});
