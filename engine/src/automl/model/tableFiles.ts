import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WeirError } from '../../errors';
import { detectFormat, ingestSources } from '../../data/ingest';
import { readColumnar, writeParquetFromColumnar } from '../../data/tables';
import type { ColumnarTable } from '../types';

/**
 * Reads a table file of any format Weir ingests (CSV/TSV, Parquet, JSON, Arrow, ARFF) as typed
 * columns. Parquet is read directly; other formats go through the same DuckDB ingest as
 * `weir dataset register`, so types are inferred the same way in training and scoring.
 */
export async function readTableFile(file: string, cwd = process.cwd()): Promise<ColumnarTable> {
  const resolved = path.resolve(cwd, file);
  if (/\.parquet$/i.test(resolved)) return readColumnar(resolved);
  return ingestToColumnar(resolved, cwd, false);
}

/** A file through DuckDB's ingest into a scratch Parquet snapshot, read back as columns. */
async function ingestToColumnar(resolved: string, cwd: string, asText: boolean): Promise<ColumnarTable> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'weir-read-'));
  try {
    const parquet = path.join(tmp, 'data.parquet');
    await ingestSources([resolved], parquet, { tmpDir: tmp, cwd, asText });
    return await readColumnar(parquet);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * A CSV/TSV file's columns as the text written in it (every column text, same names and rows as
 * readTableFile), or undefined for formats whose values are typed in the file (Parquet, JSON, Arrow, ARFF).
 */
export async function readTableFileAsWritten(file: string, cwd = process.cwd()): Promise<ColumnarTable | undefined> {
  const resolved = path.resolve(cwd, file);
  if ((await detectFormat(resolved, resolved)).format !== 'csv') return undefined;
  return ingestToColumnar(resolved, cwd, true);
}

/**
 * Writes predictions beside the scored file's own columns. Into a CSV, a CSV's columns are
 * written back as the file had them (`10/03/2004`, `TRUE`, `1.50`, `2021-03-01 00:15:00+02`, a
 * decimal comma), not as DuckDB typed them; into Parquet they keep their types.
 */
export async function writePredictions(dataFile: string, table: ColumnarTable, predictions: ColumnarTable, out: string): Promise<void> {
  let input = table;
  if (/\.csv$/i.test(out)) {
    const written = await readTableFileAsWritten(dataFile);
    const same = written && written.rows === table.rows && written.columns.length === table.columns.length && written.columns.every((c, i) => c.name === table.columns[i].name);
    if (same) input = written;
  }
  await writeTableFile(appendColumns(input, predictions), out);
}

/** Writes a table as Parquet or CSV, chosen by the file's extension. */
export async function writeTableFile(table: ColumnarTable, file: string): Promise<void> {
  if (/\.parquet$/i.test(file)) return writeParquetFromColumnar(table, file);
  if (/\.csv$/i.test(file)) return writeFile(file, toCsv(table));
  throw new WeirError('BAD_INPUT', `cannot write ${file}: give an output file ending in .csv or .parquet`);
}

/** A table as CSV: dates as the file wrote them (YYYY-MM-DD), timestamps in ISO 8601 UTC, booleans as true/false, missing cells empty. */
export function toCsv(table: ColumnarTable): string {
  const lines = [table.columns.map((c) => csvCell(c.name)).join(',')];
  for (let i = 0; i < table.rows; i++) {
    lines.push(
      table.columns
        .map((c) => {
          const v = c.values[i];
          if (v === null || (typeof v === 'number' && Number.isNaN(v))) return '';
          // A DATE column is written as the file had it (`1958-03-01`), not as midnight UTC (`1958-03-01T00:00:00.000Z`).
          if (c.type === 'datetime') return c.duckType === 'DATE' ? new Date(v as number).toISOString().slice(0, 10) : new Date(v as number).toISOString();
          if (c.type === 'boolean') return v ? 'true' : 'false';
          return typeof v === 'number' ? String(v) : csvCell(v);
        })
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The input table with the prediction columns appended (input columns of the same name are replaced). */
export function appendColumns(input: ColumnarTable, extra: ColumnarTable): ColumnarTable {
  const names = new Set(extra.columns.map((c) => c.name));
  return { rows: input.rows, columns: [...input.columns.filter((c) => !names.has(c.name)), ...extra.columns] };
}
