import path from 'node:path';
import type { ColumnarTable, TableColumn } from '../../engine/src/automl/types';
import { readColumnar } from '../../engine/src/data/tables';
import { sqlString, withConnection } from '../../engine/src/data/duckdb';
import { tempDir } from '../helpers/paths';

/**
 * Reads a real CSV/JSON file into a ColumnarTable the way the AutoML step gets it: DuckDB
 * writes Parquet, `readColumnar` reads it back as typed columns.
 */
export async function readTableFile(file: string, select = '*'): Promise<ColumnarTable> {
  const parquet = path.join(tempDir('weir-automl-'), 'table.parquet');
  const reader = file.endsWith('.json') ? `read_json_auto(${sqlString(file)})` : `read_csv_auto(${sqlString(file)})`;
  await withConnection((c) => c.run(`COPY (SELECT ${select} FROM ${reader}) TO ${sqlString(parquet)} (FORMAT parquet)`));
  return readColumnar(parquet);
}

/** A small table from plain arrays: numbers (null → NaN), strings, booleans. */
export function makeTable(columns: Record<string, (number | string | boolean | null)[]>): ColumnarTable {
  const entries = Object.entries(columns);
  const rows = entries[0]?.[1].length ?? 0;
  const out: TableColumn[] = entries.map(([name, values]) => {
    const sample = values.find((v) => v !== null);
    if (typeof sample === 'string') return { name, type: 'string', duckType: 'VARCHAR', values: values.map((v) => (v === null ? null : String(v))) };
    if (typeof sample === 'boolean') return { name, type: 'boolean', duckType: 'BOOLEAN', values: Float64Array.from(values, (v) => (v === null ? NaN : v ? 1 : 0)) };
    return { name, type: 'number', duckType: 'DOUBLE', values: Float64Array.from(values, (v) => (v === null ? NaN : Number(v))) };
  });
  return { rows, columns: out };
}

/** Value of feature `name` in row `r` of a column-major matrix. */
export function featureAt(X: { rows: number; values: Float32Array; featureNames?: string[] }, name: string, r: number): number {
  const j = X.featureNames!.indexOf(name);
  if (j < 0) throw new Error(`no feature ${name} in ${X.featureNames!.join(', ')}`);
  return X.values[j * X.rows + r];
}
