import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { inferSqlSchema } from '../../engine/src/steps/sqlCheck';
import { outsideState, sandbox, storeHash, weir, write } from './helpers';

/** Issue 11 item 2: checking a pipeline (weir validate, the language server) has no side effects. */

function pipeline(sql: string): string {
  return ['name: p', 'steps:', '  prep:', `    sql: ${JSON.stringify(sql)}`, '    outputs: { out: parquet }', ''].join('\n');
}

describe('weir validate never runs SQL that writes, attaches, installs or loads', () => {
  test('a COPY before the last statement writes no file; validate warns that it was not run', () => {
    const box = sandbox();
    const target = path.join(box.outside, 'x.csv');
    write(box.ws, { 'p.pipeline.yaml': pipeline(`COPY (SELECT 42 AS x) TO '${target}'; SELECT 1 AS x`) });
    const before = outsideState(box);
    const r = weir(box.ws, ['validate', 'p.pipeline.yaml']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^warning: p\.pipeline\.yaml:\d+:\d+: the SQL line 1: COPY statement not run while checking/);
    expect(existsSync(target)).toBe(false);
    expect(outsideState(box)).toEqual(before);
  });

  test('an ATTACH creates no database file', () => {
    const box = sandbox();
    const db = path.join(box.outside, 'x.duckdb');
    write(box.ws, { 'p.pipeline.yaml': pipeline(`ATTACH '${db}' AS other; CREATE TABLE other.t AS SELECT 1 AS x; SELECT 1 AS x`) });
    const store = storeHash(box.ws);
    const r = weir(box.ws, ['validate', 'p.pipeline.yaml']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^warning: p\.pipeline\.yaml:\d+:\d+: the SQL line 1: ATTACH statement not run while checking/);
    expect(existsSync(db)).toBe(false);
    expect(existsSync(`${db}.wal`)).toBe(false);
    expect(storeHash(box.ws)).toBe(store);
  });

  test('the schema of the last statement is still worked out over statements that stay in the database', async () => {
    const result = await inferSqlSchema('CREATE TEMP TABLE t AS SELECT a * 2 AS b FROM input; INSERT INTO t VALUES (1); SELECT b, b > 1 AS big FROM t', { input: [{ name: 'a', type: 'INTEGER' }] });
    expect(result).toEqual({ schema: [{ name: 'b', type: 'INTEGER' }, { name: 'big', type: 'BOOLEAN' }], skipped: [] });
  });

  test('the last statement is described, not run, and files are out of reach while checking', async () => {
    const box = sandbox();
    const target = path.join(box.outside, 'y.csv');
    expect(await inferSqlSchema(`COPY (SELECT 1 AS x) TO '${target}'`, {})).toEqual({ skipped: [{ line: 1, what: 'COPY' }] });
    // Reading a file would need external access, which the checking database does not have.
    expect((await inferSqlSchema(`SELECT * FROM read_csv('${path.join(box.outside, 'keep.txt')}')`, {})).schema).toBeUndefined();
    expect((await inferSqlSchema(`INSTALL spatial; LOAD spatial; SELECT 1 AS x`, {})).skipped.map((s) => s.what)).toEqual(['INSTALL', 'LOAD']);
    expect(existsSync(target)).toBe(false);
  });

  test('a statement that computes forever is interrupted by the time limit', async () => {
    const started = Date.now();
    const result = await inferSqlSchema('CREATE TABLE t AS SELECT sum(a.range * b.range) AS s FROM range(100000000) a, range(100000000) b; SELECT 1 AS x', {}, { timeoutMs: 300 });
    expect(result.schema).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
