import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTableFile, toCsv } from '../../engine/src/automl/model/tableFiles';
import { tempDir } from '../helpers/paths';

/**
 * `weir model predict` writes the input's columns back beside the predictions (toCsv). A date
 * column (DuckDB DATE: vega-datasets' co2-concentration.csv `1958-03-01`, sp500-2000.csv) came back
 * as `1958-03-01T00:00:00.000Z`, so the output no longer matched the user's file.
 */
describe('toCsv', () => {
  it('writes a DATE column as the file had it and a timestamp column in ISO 8601', async () => {
    const dir = tempDir('weir-tablefiles-');
    const file = path.join(dir, 'co2.csv');
    writeFileSync(file, 'Date,When,CO2\n1958-03-01,2015-01-01 01:00:00,315.70\n1958-04-01,,317.46\n,2015-01-02 13:30:00,\n');
    const table = await readTableFile(file);
    expect(table.columns.map((c) => [c.name, c.duckType])).toEqual([
      ['Date', 'DATE'],
      ['When', 'TIMESTAMP'],
      ['CO2', 'DOUBLE'],
    ]);
    const csv = toCsv(table);
    expect(csv).toBe('Date,When,CO2\n1958-03-01,2015-01-01T01:00:00.000Z,315.7\n1958-04-01,,317.46\n,2015-01-02T13:30:00.000Z,\n');
    // Read back, the written file has the same types.
    const again = path.join(dir, 'again.csv');
    writeFileSync(again, csv);
    expect((await readTableFile(again)).columns.map((c) => c.duckType)).toEqual(['DATE', 'TIMESTAMP WITH TIME ZONE', 'DOUBLE']);
  });
});
