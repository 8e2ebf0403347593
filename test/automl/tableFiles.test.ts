import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTableFile, toCsv, writePredictions } from '../../engine/src/automl/model/tableFiles';
import { readColumnar } from '../../engine/src/data/tables';
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

/**
 * A scored CSV's own columns go back into the predictions file as the user wrote them: a European
 * `;` file with decimal commas, R's TRUE/FALSE, US dates and a timestamp with a UTC offset were
 * written as DuckDB typed them (`1.5`, `true`, `2004-10-03`, `2021-02-28T22:15:00.000Z`).
 */
describe('writePredictions', () => {
  it("writes a CSV's columns back as written into a CSV, and typed into Parquet", async () => {
    const dir = tempDir('weir-tablefiles-');
    const file = path.join(dir, 'scored.csv');
    writeFileSync(file, 'Menge;Aktiv;Datum;Zeit;Code\n1,50;TRUE;10/03/2004;2021-03-01 00:15:00+02;007\n2,25;FALSE;11/23/2004;2021-03-02 10:00:00+02;\n;TRUE;12/01/2004;;012\n');
    const table = await readTableFile(file);
    expect(table.columns.map((c) => c.duckType)).toEqual(['DOUBLE', 'BOOLEAN', 'DATE', 'TIMESTAMP WITH TIME ZONE', 'VARCHAR']);
    const predictions = { rows: 3, columns: [{ name: 'prediction', type: 'string' as const, duckType: 'VARCHAR', values: ['a', 'b', null] }] };
    const csv = path.join(dir, 'out.csv');
    await writePredictions(file, table, predictions, csv);
    expect(readFileSync(csv, 'utf8')).toBe(
      'Menge,Aktiv,Datum,Zeit,Code,prediction\n"1,50",TRUE,10/03/2004,2021-03-01 00:15:00+02,007,a\n"2,25",FALSE,11/23/2004,2021-03-02 10:00:00+02,,b\n,TRUE,12/01/2004,,012,\n',
    );
    const parquet = path.join(dir, 'out.parquet');
    await writePredictions(file, table, predictions, parquet);
    const back = await readColumnar(parquet);
    expect(back.columns.map((c) => c.duckType).slice(0, 4)).toEqual(['DOUBLE', 'BOOLEAN', 'DATE', 'TIMESTAMP WITH TIME ZONE']);
    expect(Array.from(back.columns[3].values as Float64Array)).toEqual(Array.from(table.columns[3].values as Float64Array));
    expect(Array.from(back.columns[0].values as Float64Array).slice(0, 2)).toEqual([1.5, 2.25]);
  });
});
