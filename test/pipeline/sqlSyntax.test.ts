import { describe, expect, test } from 'vitest';
import { findSqlSyntaxError } from '../../engine/src/steps/sqlCheck';

describe('SQL syntax check (weir validate, the language server)', () => {
  test('names the line of the statement the parser rejects, with no tables needed', async () => {
    const error = await findSqlSyntaxError('SELECT 1 AS a;\n\n-- the prep\nSELECT a,\n  b\nFROMM t;\nSELECT 2');
    expect(error?.line).toBe(6);
    expect(error?.message).toBe('Parser Error: syntax error at or near "t"');
  });

  test('SQL that parses passes, even when its tables or columns are unknown here', async () => {
    expect(await findSqlSyntaxError('SELECT nope FROM nowhere; CREATE TABLE x AS SELECT 1 AS y')).toBeUndefined();
    expect(await findSqlSyntaxError('-- only a comment\n')).toBeUndefined();
  });
});
