import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { withPrivateDuckDB } from '../../engine/src/data/duckdb';
import { substituteSqlParameters } from '../../engine/src/steps/sqlParameters';
import { outsideState, sandbox, weir, write } from './helpers';

/** Issue 11 item 3: parameters go into SQL as data, quoted for where they stand. */

const sub = (sql: string, params: Record<string, string | number | boolean>) => substituteSqlParameters(sql, params, { label: 'test SQL', unknown: 'throw' });

async function value(sql: string): Promise<unknown> {
  return withPrivateDuckDB(async (c) => (await c.runAndReadAll(sql)).getRowsJS()[0]![0], { externalAccess: false });
}

describe('substituting parameters into SQL', () => {
  const hostile = `x' AS who; COPY (SELECT 42) TO '/tmp/y.csv'; SELECT 'y`;

  test("inside a string literal '…': quotes doubled", async () => {
    expect(sub("SELECT '${{ parameters.who }}' AS who", { who: "O'Brien" })).toBe("SELECT 'O''Brien' AS who");
    expect(await value(sub("SELECT 'Mr ${{ parameters.who }}!' AS who", { who: "O'Brien" }))).toBe("Mr O'Brien!");
    expect(await value(sub("SELECT '${{ parameters.who }}' AS who", { who: hostile }))).toBe(hostile);
  });

  test("inside an E'…' literal: backslashes doubled too", async () => {
    expect(await value(sub("SELECT E'${{ parameters.v }}' AS v", { v: "a\\' b" }))).toBe("a\\' b");
  });

  test('inside a quoted identifier "…": double quotes doubled', async () => {
    const sql = sub('SELECT 1 AS "${{ parameters.col }}"', { col: 'a"b; DROP' });
    expect(sql).toBe('SELECT 1 AS "a""b; DROP"');
    const name = await withPrivateDuckDB(async (c) => (await c.runAndReadAll(sql)).columnNames()[0]);
    expect(name).toBe('a"b; DROP');
  });

  test('bare: text becomes a string literal, numbers and booleans literals', async () => {
    expect(sub('SELECT ${{ parameters.who }} AS who', { who: hostile })).toBe(`SELECT '${hostile.replace(/'/g, "''")}' AS who`);
    expect(await value(sub('SELECT ${{ parameters.who }} AS who', { who: hostile }))).toBe(hostile);
    expect(sub('SELECT * FROM t LIMIT ${{ parameters.n }} WHERE ${{ parameters.b }}', { n: 5, b: false })).toBe('SELECT * FROM t LIMIT 5 WHERE FALSE');
  });

  test('inside a dollar-quoted string: taken as is unless it would close the string', async () => {
    expect(await value(sub("SELECT $$${{ parameters.v }}$$ AS v", { v: "it's" }))).toBe("it's");
    expect(() => sub('SELECT $$${{ parameters.v }}$$', { v: 'a$$; COPY' })).toThrow(/would end the dollar-quoted string/);
  });

  test('comments keep the expression; quotes inside other contexts do not confuse the next one', () => {
    expect(sub("-- ${{ parameters.v }}\nSELECT '${{ parameters.v }}', \"it's\", ${{ parameters.v }}", { v: "'" })).toBe("-- ${{ parameters.v }}\nSELECT '''', \"it's\", ''''");
    expect(() => sub('SELECT ${{ parameters.missing }}', {})).toThrow(/not a parameter of this pipeline/);
  });
});

describe('weir run with hostile SQL parameters', () => {
  test("O'Brien works, and an injection attempt writes nothing and is just a value", () => {
    const box = sandbox();
    const target = path.join(box.outside, 'y.csv');
    write(box.ws, {
      'p.pipeline.yaml': ['name: p', 'parameters:', '  who: nobody', 'steps:', '  prep:', `    sql: "SELECT '\${{ parameters.who }}' AS who"`, '    outputs: { out: parquet }', 'outputs:', '  out: ${{ steps.prep.outputs.out }}', ''].join('\n'),
      'q.pipeline.yaml': ['name: q', 'parameters:', '  who: nobody', 'steps:', '  prep:', '    sql: q.sql', '    outputs: { out: parquet }', ''].join('\n'),
      'q.sql': "SELECT '${{ parameters.who }}' AS who, ${{ parameters.who }} AS again\n",
    });
    const before = outsideState(box);
    const ok = weir(box.ws, ['run', 'p.pipeline.yaml', '--param', "who=O'Brien"]);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    for (const file of ['p.pipeline.yaml', 'q.pipeline.yaml']) {
      const r = weir(box.ws, ['run', file, '--no-reuse', '--param', `who=x' AS who; COPY (SELECT 42) TO '${target}'; SELECT 'y`]);
      expect(r.code, r.err).toBe(0);
      expect(existsSync(target)).toBe(false);
    }
    expect(outsideState(box)).toEqual(before);
  });
});
