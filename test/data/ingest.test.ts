import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Table, tableToIPC, vectorFromArray, Utf8, Dictionary, Int32, Float64 } from 'apache-arrow';
import { ingestSources } from '../../engine/src/data/ingest';
import { readColumnar, previewRows, readSchema } from '../../engine/src/data/tables';
import { openWorkspace } from '../../engine/src/store/workspace';
import { WeirError } from '../../engine/src/errors';
import { titanicCsv, tempDir, vegaData } from '../helpers/paths';
import { registerDataset } from '../../engine/src/data/registerDataset';
import { describeRelation, withPrivateDuckDB } from '../../engine/src/data/duckdb';
import { tableReader } from '../../engine/src/data/formats';
import { attachmentName } from '../../engine/src/data/download';

const titanic = titanicCsv;
const work = tempDir('weir-ingest-');

async function ingest(sources: string[], onProgress?: (m: string) => void) {
  const out = path.join(work, `out-${Math.random().toString(16).slice(2)}.parquet`);
  const result = await ingestSources(sources, out, { tmpDir: work, cwd: work, onProgress });
  return { ...result, out };
}

async function ingestError(sources: string[]): Promise<WeirError> {
  try {
    await ingest(sources);
  } catch (e) {
    expect(e).toBeInstanceOf(WeirError);
    return e as WeirError;
  }
  throw new Error('expected the ingest to fail');
}

function write(name: string, text: string | Uint8Array): string {
  const file = path.join(work, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

describe('ingest formats', () => {
  it('reads CSV with quoted commas and infers types', async () => {
    const r = await ingest([titanic]);
    expect(r.rows).toBe(891);
    expect(r.schema.map((c) => `${c.name}:${c.type}`)).toEqual([
      'PassengerId:BIGINT', 'Survived:BIGINT', 'Pclass:BIGINT', 'Name:VARCHAR', 'Sex:VARCHAR', 'Age:DOUBLE',
      'SibSp:BIGINT', 'Parch:BIGINT', 'Ticket:VARCHAR', 'Fare:DOUBLE', 'Cabin:VARCHAR', 'Embarked:VARCHAR',
    ]);
    const preview = await previewRows(r.out, { limit: 2 });
    expect(preview.rows[0][3]).toBe('Braund, Mr. Owen Harris');
    expect(preview.totalRows).toBe(891);
  });

  it('reads gzipped CSV and checks it like plain CSV', async () => {
    const gz = write('titanic.csv.gz', zlib.gzipSync(fs.readFileSync(titanic)));
    expect((await ingest([gz])).rows).toBe(891);
    const raggedGz = write('ragged.csv.gz', zlib.gzipSync('a,b\n1,2\n3,4,5\n'));
    const gzError = await ingestError([raggedGz]);
    expect(gzError.format()).toBe(`${raggedGz}:3:1: row has 3 fields, the header has 2\n  Fix the row (quote fields that contain the delimiter) or remove it.`);
  });

  it('infers CSV types from every row, so a late text value does not fail the snapshot', async () => {
    const rows = Array.from({ length: 30_000 }, (_v, i) => `${i},${i * 2}`);
    const f = write('late.csv', ['id,code', ...rows, '30000,n/a'].join('\n') + '\n');
    const r = await ingest([f]);
    expect(r.schema).toEqual([{ name: 'id', type: 'BIGINT' }, { name: 'code', type: 'VARCHAR' }]);
    expect(r.rows).toBe(30_001);
  });

  it('reads TSV', async () => {
    const r = await ingest([path.join(vegaData, 'unemployment.tsv')]);
    expect(r.schema).toEqual([{ name: 'id', type: 'BIGINT' }, { name: 'rate', type: 'DOUBLE' }]);
    expect(r.rows).toBe(3218);
  });

  it('reads a file whose header single-quotes every field with the single quote as its quote, as DuckDB sniffs it', async () => {
    const quoted = await ingest([write('quoted-header.tsv', "'a'\t'b'\t'c d'\n1\tx\tyes\n2\t'y'\tno\n3\t'it''s'\t'no'\n")]);
    expect(quoted.schema).toEqual([{ name: 'a', type: 'BIGINT' }, { name: 'b', type: 'VARCHAR' }, { name: 'c d', type: 'VARCHAR' }]);
    // Quoted values lose their quotes ('' is a '), as a sql step reading the file gets them; the yes/no column stays text.
    expect((await previewRows(quoted.out, { limit: 3 })).rows).toEqual([['1', 'x', 'yes'], ['2', 'y', 'no'], ['3', "it's", 'no']]);
    // A tab inside a single-quoted value is part of it, not a field separator.
    const tabbed = await ingest([write('quoted-tab.tsv', "'a'\t'b'\n1\t'x\ty'\n")]);
    expect((await previewRows(tabbed.out, { limit: 1 })).rows).toEqual([['1', 'x\ty']]);
    // An unclosed single quote in such a file is named by its line.
    await expect(ingest([write('quoted-open.tsv', "'a'\t'b'\n1\tx\n2\t'90s\n")])).rejects.toThrow(/quoted-open\.tsv:3/);
    // One header field not wrapped: the quote is ", every name as written, and an apostrophe is a character.
    const mixed = await ingest([write('mixed-header.tsv', "'a'\tb\n1\t'2'\n3\tO'Brien\n")]);
    expect(mixed.schema.map((c) => c.name)).toEqual(["'a'", 'b']);
    expect((await previewRows(mixed.out, { limit: 2 })).rows).toEqual([['1', "'2'"], ['3', "O'Brien"]]);
  });

  it('reads a file separated by single spaces (statsmodels spector.csv), and keeps a one-column file of phrases whole', async () => {
    // The published spector.csv: a single-quoted header and rows of numbers, one space apart.
    const spaced = await ingest([write('spector.csv', "'OBS' 'GPA' 'TUCE' 'PSI' 'GRADE'\n1 2.66 20 0 0\n2 2.89 22 0 0\n3 3.28 24 0 0\n")]);
    expect(spaced.schema.map((c) => c.name)).toEqual(['OBS', 'GPA', 'TUCE', 'PSI', 'GRADE']);
    expect(spaced.schema.find((c) => c.name === 'GPA')!.type).toBe('DOUBLE');
    expect((await previewRows(spaced.out, { limit: 1 })).rows).toEqual([['1', 2.66, '20', '0', '0']]);
    // A sql step's `file:` input and the checker read the same columns (DuckDB is told the dialect).
    const spector = path.join(work, 'spector.csv');
    const described = await withPrivateDuckDB((c) => describeRelation(c, tableReader(spector, 'input')), { threads: 1 });
    expect(described.map((c) => c.name)).toEqual(['OBS', 'GPA', 'TUCE', 'PSI', 'GRADE']);
    // One column of names: the lines' space counts differ, so no space split.
    const names = await ingest([write('names.csv', 'full name\nAda Lovelace\nJohn von Neumann\nGrace Hopper\n')]);
    expect(names.schema.map((c) => c.name)).toEqual(['full name']);
  });

  it("reads columns aligned by runs of spaces (UCI's housing.data, auto-mpg.data) as one separator a run, line numbers kept", async () => {
    // housing.data's shape: no header, a leading space, runs of one to three spaces.
    const housing = write('housing.data', ' 0.00632  18.00   2.310  0  24.00\n 0.02731   0.00   7.070  0  21.60\n 0.02729   0.00   7.070  0  34.70\n');
    const notes: string[] = [];
    const read = await ingestSources([housing], path.join(work, 'housing.parquet'), { tmpDir: work, cwd: work, onProgress: (m) => notes.push(m) });
    expect(read.schema.map((c) => c.name)).toEqual(['column0', 'column1', 'column2', 'column3', 'column4']);
    expect(read.schema.map((c) => c.type)).toEqual(['DOUBLE', 'DOUBLE', 'DOUBLE', 'BIGINT', 'DOUBLE']);
    expect((await previewRows(path.join(work, 'housing.parquet'), { limit: 1 })).rows).toEqual([[0.00632, 18, 2.31, '0', 24]]);
    expect(notes).toContain(`${housing}: columns aligned by runs of spaces, so each run separates two fields`);
    // auto-mpg.data's shape: runs of spaces, then a tab before a quoted name with spaces in it; a header aligned too.
    const auto = await ingest([write('auto.txt', 'mpg   cyl  hp\tname\n18.0   8   130.0\t"chevrolet chevelle malibu"\n15.0   8   ?\t"buick skylark 320"\n')]);
    expect(auto.schema.map((c) => c.name)).toEqual(['mpg', 'cyl', 'hp', 'name']);
    expect((await previewRows(auto.out, { limit: 2 })).rows).toEqual([
      [18, '8', '130.0', 'chevrolet chevelle malibu'],
      [15, '8', '?', 'buick skylark 320'],
    ]);
    // A ragged row is named by its line in the file as written (comment and blank lines kept).
    const ragged = write('ragged.dat', '# measured 2024\n  x   y   z\n  1   2   3\n\n  4   5   6\n  7   8   9\n  1   2\n');
    const error = await ingestError([ragged]);
    expect(error.format()).toMatch(new RegExp(`^${ragged.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:1: row has 2 fields, the header has 3`));
    // A tab file whose values hold words is a tab file (its runs of spaces pad, they do not separate).
    const tsv = await ingest([write('cities.txt', 'city\tn\nNew York\t  12\nLos Angeles\t   3\n')]);
    expect(tsv.schema.map((c) => c.name)).toEqual(['city', 'n']);
    // A sql step's `file:` input cannot read it as it is: the error says so and how to read it.
    expect(() => tableReader(housing, "input 'raw'")).toThrow(/input 'raw' has columns aligned by runs of spaces/);
  });

  it('reads dates and timestamps in the formats DuckDB sniffs (10/03/2004, 10/03/2004 10:22:01), not only ISO', async () => {
    const read = await ingest([write('dated.csv', 'day,stamp,x\n10/03/2004,10/03/2004 10:22:01,1\n13/03/2004,11/03/2004 11:00:00,2\n')]);
    expect(read.schema.map((c) => c.type)).toEqual(['DATE', 'TIMESTAMP', 'BIGINT']);
    const rows = await withPrivateDuckDB(async (c) => (await c.runAndReadAll(`SELECT strftime(day, '%Y-%m-%d') AS d, strftime(stamp, '%Y-%m-%d %H:%M:%S') AS t FROM read_parquet('${read.out}')`)).getRowObjectsJS(), { threads: 1 });
    expect(rows).toEqual([
      { d: '2004-03-10', t: '2004-03-10 10:22:01' },
      { d: '2004-03-13', t: '2004-03-11 11:00:00' },
    ]);
    // A month-first date past the sampled rows: the types are sniffed again over every row, and the
    // column that fits no one format is kept as written.
    const lines = Array.from({ length: 30_000 }, (_v, i) => `0${1 + (i % 9)}/0${1 + (i % 9)}/2004,${i}`);
    const late = await ingest([write('late-us-date.csv', `day,x\n${lines.join('\n')}\n12/31/2004,1\n`)]);
    expect(late.schema.map((c) => c.type)).toEqual(['VARCHAR', 'BIGINT']);
    expect(late.rows).toBe(30_001);
  });

  it("reads a file with no header row (UCI's adult.data) with DuckDB's column names, and keeps a header of years", async () => {
    const adult = write('adult.data', '39, State-gov, 77516, Bachelors, <=50K\n50, Self-emp, 83311, Bachelors, <=50K\n38, Private, 215646, HS-grad, >50K\n');
    const notes: string[] = [];
    const read = await ingestSources([adult], path.join(work, 'adult.parquet'), { tmpDir: work, cwd: work, onProgress: (m) => notes.push(m) });
    expect(read.schema.map((c) => c.name)).toEqual(['column0', 'column1', 'column2', 'column3', 'column4']);
    expect(read.rows).toBe(3);
    expect(notes).toContain(`${adult}: no header row (its first row is data like the rest), so its columns are named column0 to column4`);
    // A sql step's `file:` input reads the same columns.
    const described = await withPrivateDuckDB((c) => describeRelation(c, tableReader(adult, 'input')), { threads: 1 });
    expect(described.map((c) => c.name)).toEqual(['column0', 'column1', 'column2', 'column3', 'column4']);
    // Numbers under a header of years: DuckDB's sniffer calls it headerless; `country` occurs once, so it is a header.
    const years = write('years.csv', 'country,1990,1991\nA,1,2\nB,3,4\n');
    expect((await ingest([years])).schema.map((c) => c.name)).toEqual(['country', '1990', '1991']);
    const yearsInput = await withPrivateDuckDB((c) => describeRelation(c, tableReader(years, 'input')), { threads: 1 });
    expect(yearsInput.map((c) => c.name)).toEqual(['country', '1990', '1991']);
  });

  it("reads numbers written with a decimal comma (`;`-separated, R's write.csv2, European Excel) as numbers", async () => {
    // The shape of UCI's Air Quality table: `;` between fields, `2,6` a number, a time with dots, empty trailing fields.
    const text = 'Date;Time;CO(GT);T;RH;Station;;\n10/03/2004;18.00.00;2,6;13,6;48,9;Nord;;\n10/03/2004;19.00.00;2;13,3;-200;Süd;;\n11/03/2004;20.00.00;;11,9;54,0;Nord;;\n';
    const eu = await ingest([write('air.csv', text)]);
    const types = Object.fromEntries(eu.schema.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({ 'CO(GT)': 'DOUBLE', T: 'DOUBLE', RH: 'DOUBLE', Station: 'VARCHAR', Time: 'VARCHAR' });
    const rows = (await previewRows(eu.out, { limit: 3 })).rows.map((row) => row.slice(2, 6));
    expect(rows).toEqual([
      [2.6, 13.6, 48.9, 'Nord'],
      [2, 13.3, -200, 'Süd'],
      [null, 11.9, 54, 'Nord'],
    ]);
    // A sql step's `file:` input reads the same types.
    const described = await withPrivateDuckDB((c) => describeRelation(c, tableReader(path.join(work, 'air.csv'), 'input')), { threads: 1 });
    expect(Object.fromEntries(described.map((c) => [c.name, c.type]))).toMatchObject({ 'CO(GT)': 'DOUBLE', T: 'DOUBLE', RH: 'DOUBLE', Station: 'VARCHAR' });
    // A `;` file that also writes decimal points is read as DuckDB reads it (its comma values stay text),
    // and a comma-separated file's quoted "1,5" is text too.
    const mixed = await ingest([write('mixed.csv', 'a;b\n1,5;2.5\n2,5;3.5\n')]);
    expect(mixed.schema.map((c) => c.type)).toEqual(['VARCHAR', 'DOUBLE']);
    const quoted = await ingest([write('quoted.csv', 'a,b\n"1,5",x\n"2,5",y\n')]);
    expect(quoted.schema.map((c) => c.type)).toEqual(['VARCHAR', 'VARCHAR']);
  });

  it("reads a header one field short as R's row names first (statsmodels' dietox.csv), the row-name column as column0", async () => {
    // dietox.csv's first lines as published (R's write.table with sep=","): 7 names, 8 fields a row, NA for missing.
    const r = write('dietox.csv', '"Weight","Feed","Time","Pig","Evit","Cu","Litter"\n"1",26.5,NA,1,4601,1,1,1\n"2",27.59999,5.200005,2,4601,1,1,1\n"3",36.5,17.6,3,4601,1,1,1\n');
    const read = await ingest([r]);
    expect(read.schema.map((c) => c.name)).toEqual(['column0', 'Weight', 'Feed', 'Time', 'Pig', 'Evit', 'Cu', 'Litter']);
    expect(read.schema.find((c) => c.name === 'Weight')!.type).toBe('DOUBLE');
    expect((await previewRows(read.out, { limit: 3 })).rows.map((row) => row.slice(0, 5))).toEqual([
      ['1', 26.5, 'NA', '1', '4601'],
      ['2', 27.59999, '5.200005', '2', '4601'],
      ['3', 36.5, '17.6', '3', '4601'],
    ]);
    // The same table as write.csv writes it (`""` names the row-name column) reads alike.
    const quoted = await ingest([write('dietox-csv.csv', '"","Weight","Feed"\n"1",26.5,NA\n"2",27.59999,5.200005\n')]);
    expect(quoted.schema.map((c) => c.name)).toEqual(['column0', 'Weight', 'Feed']);
    // A sql step's `file:` input (DuckDB reading the file as it is) reads the same columns.
    const described = await withPrivateDuckDB((c) => describeRelation(c, tableReader(r, 'input')), { threads: 1 });
    expect(described.map((c) => c.name)).toEqual(['column0', 'Weight', 'Feed', 'Time', 'Pig', 'Evit', 'Cu', 'Litter']);
    // In a wider file DuckDB pads the name (`column00` from 10 columns on); both forms still agree.
    const names = Array.from({ length: 11 }, (_v, i) => `c${i}`);
    const row = (k: number): string => [`"${k}"`, ...names.map((_n, i) => String(k * 10 + i))].join(',');
    const wide = await ingest([write('wide-r.csv', `${names.map((n) => `"${n}"`).join(',')}\n${row(1)}\n${row(2)}\n`)]);
    const wideQuoted = await ingest([write('wide-csv.csv', `"",${names.map((n) => `"${n}"`).join(',')}\n${row(1)}\n${row(2)}\n`)]);
    expect(wide.schema.map((c) => c.name)).toEqual(['column00', ...names]);
    expect(wideQuoted.schema.map((c) => c.name)).toEqual(wide.schema.map((c) => c.name));
    // Once the rows carry a row name, a later row without one is ragged, and the message says why.
    const e = await ingestError([write('short-later.csv', 'a,b\nr1,1,2\nr2,3\n')]);
    expect(e.message).toBe("row has 2 fields, the rows above have 3 (a row name and the header's 2)");
    expect(e.location?.line).toBe(3);
  });

  it("skips comment lines above the header (matplotlib's sample Stocks.csv), and keeps a header whose first name is #", async () => {
    // Stocks.csv's first lines as Debian's python3-matplotlib-data ships them: a `#` comment, the header, blanks before a listing.
    const stocks = write('stocks.csv', '# Data source: https://finance.yahoo.com\nDate,IBM,AMZN,^GSPC\n1990-01-01,10.97,,329.08\n1990-02-01,11.15,,331.89\n1990-03-01,11.93,4.5,339.94\n');
    const read = await ingest([stocks]);
    expect(read.schema.map((c) => c.name)).toEqual(['Date', 'IBM', 'AMZN', '^GSPC']);
    expect(read.schema.find((c) => c.name === '^GSPC')!.type).toBe('DOUBLE');
    expect((await previewRows(read.out, { limit: 3 })).rows.map((row) => row.slice(1))).toEqual([
      [10.97, null, 329.08],
      [11.15, null, 331.89],
      [11.93, 4.5, 339.94],
    ]);
    // A sql step's `file:` input reads the same columns.
    const described = await withPrivateDuckDB((c) => describeRelation(c, tableReader(stocks, 'input')), { threads: 1 });
    expect(described.map((c) => c.name)).toEqual(['Date', 'IBM', 'AMZN', '^GSPC']);
    // Several comment lines (one with commas and quotes) above R-style row names.
    const rnames = await ingest([write('commented-r.csv', '# exported by R\n# "a, b" note\n"x","y"\n"1",1,2\n"2",3,4\n')]);
    expect(rnames.schema.map((c) => c.name)).toEqual(['column0', 'x', 'y']);
    expect(rnames.rows).toBe(2);
    // A comment above a `;`-separated file with decimal commas: both dialects at once, in registration and a `file:` input.
    const euro = write('commented-euro.csv', '# Messwerte\nort;wert\nA;2,6\nB;1,5\n');
    expect((await ingest([euro])).schema).toEqual([
      { name: 'ort', type: 'VARCHAR' },
      { name: 'wert', type: 'DOUBLE' },
    ]);
    const euroRead = await withPrivateDuckDB((c) => describeRelation(c, tableReader(euro, 'input')), { threads: 1 });
    expect(euroRead.map((c) => [c.name, c.type])).toEqual([
      ['ort', 'VARCHAR'],
      ['wert', 'DOUBLE'],
    ]);
    // `#` naming the first column (a row number) is a header, not a comment.
    const numbered = await ingest([write('numbered.csv', '#,Name,Attack\n1,Bulbasaur,49\n2,Ivysaur,62\n')]);
    expect(numbered.schema.map((c) => c.name)).toEqual(['#', 'Name', 'Attack']);
    expect(numbered.rows).toBe(2);
    // A ragged row below the comments is named by its line in the file.
    const e = await ingestError([write('commented-ragged.csv', '# note\na,b\n1,2\n3\n')]);
    expect(e.message).toBe('row has 1 field, the header has 2');
    expect(e.location?.line).toBe(4);
  });

  it('reads a JSON array and NDJSON', async () => {
    const penguins = await ingest([path.join(vegaData, 'penguins.json')]);
    expect(penguins.rows).toBe(344);
    expect(penguins.schema.find((c) => c.name === 'Body Mass (g)')?.type).toBe('BIGINT');
    const nd = write('rows.ndjson', '{"a": 1, "b": "x"}\n{"a": 2, "b": null}\n');
    const r = await ingest([nd]);
    expect(r.rows).toBe(2);
    expect(r.schema).toEqual([{ name: 'a', type: 'BIGINT' }, { name: 'b', type: 'VARCHAR' }]);
  });

  it("refuses one JSON object holding its records in a member (GeoJSON's features), naming it and the sql that reads them", async () => {
    // vega-datasets earthquakes.json's shape: a FeatureCollection of 1,707 features read as one row until stop 28.
    const feature = (mag: number, place: string, lon: number) => ({ type: 'Feature', properties: { mag, place, type: 'earthquake' }, geometry: { type: 'Point', coordinates: [lon, 34.5, 9.7] }, id: `ci${mag}` });
    const geo = write('quakes.json', JSON.stringify({ type: 'FeatureCollection', metadata: { count: 3 }, features: [feature(2, '4km W of Castaic, CA', -118.6), feature(1.6, 'San Marino, CA', -118.1), feature(4.4, 'Alaska', -150.2)] }));
    const e = await ingestError([geo]);
    expect(e.message).toBe(`${geo}: one JSON object, not rows: its member 'features' holds 3 records (a GeoJSON FeatureCollection), which would be read as a single row`);
    expect(e.code).toBe('BAD_INPUT');
    // The hint's sql reads the records, as a sql step's `file:` input would.
    const select = e.hint!.slice(e.hint!.indexOf('SELECT ')).replace('<input>', tableReader(geo, 'input'));
    const rows = await withPrivateDuckDB(async (c) => (await c.runAndReadAll(select)).getRowObjectsJS(), { threads: 1 });
    expect(rows.map((r) => [r.mag, r.place, r.longitude])).toEqual([[2, '4km W of Castaic, CA', -118.6], [1.6, 'San Marino, CA', -118.1], [4.4, 'Alaska', -150.2]]);
    // An API's {"data": [...]}: the member's records unnested.
    const api = write('api.json', JSON.stringify({ data: [{ a: 1, b: 'x' }, { a: 2, b: 'y' }], next: null }));
    const apiError = await ingestError([api]);
    expect(apiError.message).toContain("its member 'data' holds 2 records, which would be read as a single row");
    const apiRows = await withPrivateDuckDB(async (c) => (await c.runAndReadAll(apiError.hint!.slice(apiError.hint!.indexOf('SELECT ')).replace('<input>', tableReader(api, 'input')))).getRowObjectsJS(), { threads: 1 });
    expect(apiRows).toEqual([{ a: 1n, b: 'x' }, { a: 2n, b: 'y' }]);
    // One object with no list of records is one row, as before; so is a list of one record.
    expect((await ingest([write('one.json', '{"a": 1, "b": "x", "tags": [1, 2]}')])).rows).toBe(1);
    expect((await ingest([write('one-record.json', '{"data": [{"a": 1}]}')])).rows).toBe(1);
  });

  it('keeps a JSON field of mixed strings and numbers as text, without JSON quotes; objects stay JSON', async () => {
    const mixed = write('mixed.json', '[{"t": "The Land Girls", "o": {"k": 1}}, {"t": 1776, "o": [1]}, {"t": null, "o": null}, {"t": "Say \\"hi\\"", "o": 2}]');
    const r = await ingest([mixed]);
    expect(r.schema).toEqual([{ name: 't', type: 'VARCHAR' }, { name: 'o', type: 'JSON' }]);
    const t = (await readColumnar(r.out, ['t'])).columns[0].values;
    expect(t).toEqual(['The Land Girls', '1776', null, 'Say "hi"']);
    // vega-datasets movies.json: Title is text in 3190 films and a number in a few (1776, 300, 54).
    const movies = await ingest([path.join(vegaData, 'movies.json')]);
    expect(movies.schema.find((c) => c.name === 'Title')?.type).toBe('VARCHAR');
    const titles = (await readColumnar(movies.out, ['Title'])).columns[0].values;
    expect(titles[0]).toBe('The Land Girls');
    expect(titles).toContain('1776');
  });

  it('reads Parquet', async () => {
    const first = await ingest([titanic]);
    const copy = write('copy.parquet', fs.readFileSync(first.out));
    const r = await ingest([copy]);
    expect(r.rows).toBe(891);
    expect(r.schema).toEqual(first.schema);
  });

  it('reads Arrow IPC (file and stream format) with nulls and dictionaries', async () => {
    const withStrings = new Table({
      x: vectorFromArray([1.5, null, 3], new Float64()),
      s: vectorFromArray(['a', null, 'c'], new Utf8()),
      d: vectorFromArray(['red', 'blue', 'red'], new Dictionary(new Utf8(), new Int32())),
      n: vectorFromArray([1, 2, 3], new Int32()),
    });
    const fileFormat = write('t.arrow', tableToIPC(withStrings, 'file'));
    const streamFormat = write('t.feather', tableToIPC(withStrings, 'stream'));
    for (const f of [fileFormat, streamFormat]) {
      const r = await ingest([f]);
      expect(r.schema).toEqual([
        { name: 'x', type: 'DOUBLE' },
        { name: 's', type: 'VARCHAR' },
        { name: 'd', type: 'VARCHAR' },
        { name: 'n', type: 'INTEGER' },
      ]);
      const cols = await readColumnar(r.out);
      expect(Array.from(cols.columns[0].values as Float64Array)).toEqual([1.5, NaN, 3]);
      expect(cols.columns[1].values).toEqual(['a', null, 'c']);
      expect(cols.columns[2].values).toEqual(['red', 'blue', 'red']);
      expect(Array.from(cols.columns[3].values as Float64Array)).toEqual([1, 2, 3]);
    }
  });

  it('reads the real vega flights-200k.arrow', async () => {
    const r = await ingest([path.join(vegaData, 'flights-200k.arrow')]);
    expect(r.rows).toBe(200000);
    expect(r.schema.map((c) => c.name)).toEqual(['delay', 'distance', 'time']);
  });
});

describe('ingest rules', () => {
  const header = fs.readFileSync(titanic, 'utf8').split('\n')[0];
  const lines = fs.readFileSync(titanic, 'utf8').trimEnd().split('\n').slice(1);

  it('unions files with one schema in the order given, and deterministically', async () => {
    const a = write('union/Titanic.csv', [header, ...lines.slice(0, 400)].join('\n') + '\n');
    const b = write('union/Titanic2.csv', [header, ...lines.slice(400)].join('\n') + '\n');
    const r1 = await ingest([a, b]);
    expect(r1.rows).toBe(891);
    expect(r1.files).toEqual([a, b]);
    const cols = await readColumnar(r1.out, ['PassengerId']);
    expect(Array.from(cols.columns[0].values as Float64Array).slice(398, 402)).toEqual([399, 400, 401, 402]);
    const r2 = await ingest([path.join(work, 'union', 'Titanic*.csv')]);
    expect(fs.readFileSync(r2.out)).toEqual(fs.readFileSync(r1.out));
    expect(r2.files).toEqual([a, b]);
    const store = await openWorkspace(tempDir());
    try {
      const registered = await registerDataset(store, 'titanic_glob', [path.join(work, 'union', 'Titanic*.csv')]);
      expect(registered.version.sources).toEqual([path.join(work, 'union', 'Titanic*.csv')]);
      expect(registered.version.files).toEqual([a, b]);
    } finally {
      await store.dispose();
    }
  });

  it('rejects a file whose columns differ, naming it', async () => {
    const a = write('mismatch/a.csv', 'x,y\n1,2\n');
    const b = write('mismatch/b.csv', 'x,z\n1,2\n');
    const e = await ingestError([a, b]);
    expect(e.message).toContain(b);
    expect(e.message).toMatch(/missing y; extra z/);
  });

  it('rejects a ragged CSV row naming the file and line', async () => {
    const f = write('ragged.csv', 'a,b,c\n1,2,3\n"x, y",5,6\n7,8,9,10\n11,12,13\n');
    const e = await ingestError([f]);
    expect(e.message).toBe(`row has 4 fields, the header has 3`);
    expect(e.location).toEqual({ file: f, line: 4, column: 1 });
    const literalQuote = write('inches.csv', 'name,height\nann,5\'10"\nbob,"6\'1"""\n');
    const heights = await readColumnar((await ingest([literalQuote])).out, ['height']);
    expect(heights.columns[0].values).toEqual([`5'10"`, `6'1"`]);
    const multiline = write('ragged2.csv', 'a,b\n"multi\nline",1\n2\n');
    expect((await ingestError([multiline])).message).toBe(`row has 1 field, the header has 2`);
  });

  it('names the line of a ragged row, a short row, an unclosed quote or a non-UTF-8 byte past the checked head of a large CSV', async () => {
    // Past the first MiB only DuckDB's strict reader sees the rows; its failure is re-scanned for the line.
    const rows = Array.from({ length: 60_000 }, (_v, i) => `${i},${i * 0.5},name ${i % 7}`);
    const body = `id,x,label\n${rows.join('\n')}\n`;
    expect(Buffer.byteLength(body)).toBeGreaterThan(1 << 20);
    const line = 60_002; // the header is line 1, data rows lines 2..60001
    const ragged = write('large-ragged.csv', `${body}1,2,3,4\n5,6,seven\n`);
    const e = await ingestError([ragged]);
    expect(e.message).toBe('row has 4 fields, the header has 3');
    expect(e.location).toEqual({ file: ragged, line, column: 1 });
    const short = write('large-short.csv', `${body}1,2\n`);
    expect((await ingestError([short])).location).toEqual({ file: short, line, column: 1 });
    const unclosed = write('large-unclosed.csv', `${body}1,"open,3\n5,6,7\n`);
    expect((await ingestError([unclosed])).message).toBe(`${unclosed}:${line}: a quoted field starting in this row is never closed`);
    const latin1 = write('large-latin1.csv', Buffer.concat([Buffer.from(`${body}1,2,caf`), Buffer.from([0xe9]), Buffer.from('\n')]));
    const notUtf8 = await ingestError([latin1]);
    expect(notUtf8.message).toMatch(/^not valid UTF-8 \(byte 0xE9\)/);
    expect(notUtf8.location).toEqual({ file: latin1, line, column: 8 });
    const raggedGz = write('large-ragged.csv.gz', zlib.gzipSync(`${body}1,2,3,4\n`));
    expect((await ingestError([raggedGz])).location).toEqual({ file: raggedGz, line, column: 1 });
    // In a union, the large file's row is named even when it is the second source.
    const small = write('small-first.csv', 'id,x,label\n1,2,a\n');
    expect((await ingestError([small, ragged])).location).toEqual({ file: ragged, line, column: 1 });
    // And a large file that is well formed passes whole, with every row.
    expect((await ingest([write('large-good.csv', body)])).rows).toBe(60_000);
  });

  it('rejects empty files and header-only files', async () => {
    const empty = write('empty.csv', '');
    expect((await ingestError([empty])).message).toBe(`${empty}: the file is empty`);
    const headerOnly = write('header.csv', 'a,b\n');
    expect((await ingestError([headerOnly])).message).toContain('header but no data rows');
    const emptyJson = write('empty.json', '[]');
    expect((await ingestError([emptyJson])).message).toContain('no rows');
  });

  it('names missing files and globs that match nothing', async () => {
    expect((await ingestError(['nope.csv'])).code).toBe('NOT_FOUND');
    expect((await ingestError(['nothing/*.csv'])).message).toContain('no files match nothing/*.csv');
  });

  it('says which header names DuckDB made unique (a name used twice, an empty one), and says nothing for a plain header', async () => {
    const dup = write('dup.csv', 'a,x,x,,X\n1,2,3,4,5\n6,7,8,9,1\n');
    const messages: string[] = [];
    const { schema } = await ingest([dup], (m) => messages.push(m));
    expect(schema.map((c) => c.name)).toEqual(['a', 'x', 'x_1', 'column3', 'X_2']);
    expect(messages).toContain(`${dup}: header names repeated or empty are made unique: 'x' (column 3) as 'x_1', column 4 (no name) as 'column3', 'X' (column 5) as 'X_2'`);
    const plain: string[] = [];
    await ingest([titanic], (m) => plain.push(m));
    expect(plain.filter((m) => m.includes('made unique'))).toEqual([]);
  });

  it('says what a spreadsheet, an archive or a Stata file is and how to get a table out of it, instead of a UTF-8 error', async () => {
    // An .xlsx is a zip: its first bytes are PK\x03\x04, and as a CSV it failed as "not valid UTF-8 … probably Latin-1".
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), Buffer.alloc(64, 0xf7)]);
    const xlsx = path.join(work, 'sales.xlsx');
    fs.writeFileSync(xlsx, zip);
    const e = await ingestError([xlsx]);
    expect(e.message).toBe(`${xlsx} is an Excel workbook, not a table file Weir reads (CSV/TSV, Parquet, JSON, Arrow, ARFF)`);
    expect(e.hint).toContain('CSV UTF-8');
    // Named by its first bytes when the name does not tell.
    const renamed = path.join(work, 'export');
    fs.writeFileSync(renamed, zip);
    expect((await ingestError([renamed])).message).toContain('is a zip archive (an Excel .xlsx workbook is one)');
    const ole = path.join(work, 'old-export');
    fs.writeFileSync(ole, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(64)]));
    expect((await ingestError([ole])).message).toContain('is an Excel 97–2003 workbook');
    const stata = write('survey.dta', 'x');
    expect((await ingestError([stata])).hint).toContain('Export it as CSV or Parquet');
    expect(() => tableReader(stata, 'input survey')).toThrow(/survey\.dta is a Stata data file/);
  });

  it('reports a malformed JSON file naming it', async () => {
    const bad = write('bad.json', '{"a": 1,,}');
    const e = await ingestError([bad]);
    expect(e.message).toContain(bad);
    expect(e.code).toBe('BAD_INPUT');
  });
});

describe('ingest from URLs', () => {
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    const body = fs.readFileSync(titanic);
    server = http.createServer((req, res) => {
      if (req.url === '/Titanic.csv' || req.url === '/Titanic2.csv') {
        res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length });
        // Two writes so progress has something to report between them.
        res.write(body.subarray(0, 1000));
        setTimeout(() => res.end(body.subarray(1000)), 10);
      } else if (req.url === '/slow.csv') {
        // Sends a little, then nothing until the client gives up.
        res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length });
        res.write(body.subarray(0, 100));
      } else if (req.url === '/download/61' || req.url === '/download/62') {
        // OpenML's download URLs have no extension; one names its file in the response, one does not.
        const arff = '% Iris\n@RELATION iris\n@ATTRIBUTE petal NUMERIC\n@ATTRIBUTE class {a,b}\n@DATA\n1.5,a\n2.5,b\n';
        res.writeHead(200, req.url === '/download/61' ? { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="dataset_61_iris.arff"' } : { 'content-type': 'text/plain' });
        res.end(arff);
      } else if (req.url === '/data') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(body);
      } else {
        res.writeHead(404);
        res.end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('downloads with progress and unions two URLs as the article does', async () => {
    const progress: string[] = [];
    const r = await ingest([`${base}/Titanic.csv`, `${base}/Titanic2.csv`], (m) => progress.push(m));
    expect(r.rows).toBe(891 * 2);
    expect(r.sources).toEqual([`${base}/Titanic.csv`, `${base}/Titanic2.csv`]);
    expect(progress.some((m) => m.startsWith(`downloading ${base}/Titanic.csv`) && m.endsWith('(100%) done'))).toBe(true);
  });

  it('sniffs the format of a URL without an extension', async () => {
    expect((await ingest([`${base}/data`])).rows).toBe(891);
    // ARFF from OpenML's download URLs: named by Content-Disposition, or told by its first bytes.
    for (const url of [`${base}/download/61`, `${base}/download/62`]) {
      const read = await ingest([url]);
      expect(read.schema).toEqual([
        { name: 'petal', type: 'DOUBLE' },
        { name: 'class', type: 'VARCHAR' },
      ]);
      expect(read.rows).toBe(2);
    }
    expect(attachmentName("attachment; filename*=UTF-8''caf%C3%A9.arff")).toBe('café.arff');
    expect(attachmentName('attachment; filename=../x/data.csv')).toBe('data.csv');
    expect(attachmentName('inline')).toBeUndefined();
    // An ARFF saved under a text name (.txt) is ARFF too.
    expect((await ingest([write('iris.txt', '@relation iris\n@attribute x numeric\n@data\n1\n2\n')])).schema).toEqual([{ name: 'x', type: 'BIGINT' }]);
  });

  it('stops a download when aborted', async () => {
    const controller = new AbortController();
    const out = path.join(work, 'aborted.parquet');
    const pending = ingestSources([`${base}/slow.csv`], out, { tmpDir: work, cwd: work, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toMatchObject({ code: 'CANCELED' });
    expect(fs.existsSync(out)).toBe(false);
  });

  it('fails clearly on HTTP errors', async () => {
    const e = await ingestError([`${base}/missing.csv`]);
    expect(e.message).toBe(`could not download ${base}/missing.csv: HTTP 404 Not Found`);
  });

  it('registers from a URL through the store and dedupes the same content', async () => {
    const store = await openWorkspace(tempDir());
    try {
      const a = await registerDataset(store, 'titanic_ds', [`${base}/Titanic.csv`]);
      const b = await registerDataset(store, 'titanic_ds', [titanic]);
      expect(a.created).toBe(true);
      expect(b.created).toBe(false);
      expect(b.version.sources).toEqual([`${base}/Titanic.csv`]);
      const schema = await readSchema(store.artifactPath(a.version.artifact));
      expect(schema.rows).toBe(891);
    } finally {
      await store.dispose();
    }
  });
});
