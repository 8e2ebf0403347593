import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { WeirError } from '../errors';
import { sqlIdentifier, sqlString } from '../data/duckdb';
import type { ColumnSchema } from '../store/records';

/**
 * The bits of DuckDB the step kinds and the scheduler share: opening a short-lived
 * in-memory database, reading any table file Weir accepts, and describing a Parquet file.
 * DuckDB is loaded on first use only, so a fully reused rerun never pays for loading it.
 */
export async function withDuckDB<T>(fn: (connection: DuckDBConnection) => Promise<T>, options?: { threads?: number }): Promise<T> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const settings: Record<string, string> = {};
  if (options?.threads) settings.threads = String(Math.max(1, options.threads));
  const instance: DuckDBInstance = await DuckDBInstance.create(':memory:', settings);
  const connection = await instance.connect();
  try {
    return await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export { sqlIdentifier, sqlString };

const TABLE_EXTENSIONS: Record<string, (p: string) => string> = {
  '.parquet': (p) => `read_parquet(${sqlString(p)})`,
  '.csv': (p) => `read_csv(${sqlString(p)})`,
  '.tsv': (p) => `read_csv(${sqlString(p)}, delim = '\t')`,
  '.txt': (p) => `read_csv(${sqlString(p)})`,
  '.json': (p) => `read_json_auto(${sqlString(p)})`,
  '.ndjson': (p) => `read_json_auto(${sqlString(p)}, format = 'newline_delimited')`,
  '.jsonl': (p) => `read_json_auto(${sqlString(p)}, format = 'newline_delimited')`,
};

/**
 * The DuckDB table expression that reads a file or a folder of same-typed files, chosen by
 * extension. `what` names the input in errors.
 */
export function tableReader(filePath: string, what: string): string {
  if (existsSync(filePath) && statSync(filePath).isDirectory()) {
    const files = listFiles(filePath);
    const ext = files.map((f) => path.extname(f).toLowerCase()).find((e) => e in TABLE_EXTENSIONS);
    if (!ext) throw new WeirError('BAD_INPUT', `${what} is a folder with no table files (.parquet, .csv, .tsv, .json, .ndjson): ${filePath}`);
    return TABLE_EXTENSIONS[ext]!(path.join(filePath, '**', `*${ext}`));
  }
  const ext = path.extname(filePath).toLowerCase();
  const reader = TABLE_EXTENSIONS[ext];
  if (!reader) {
    throw new WeirError('BAD_INPUT', `${what} is not a table DuckDB can read (${ext || 'no extension'}): ${filePath}`, {
      hint: 'Give a .parquet, .csv, .tsv, .json or .ndjson file, or register it as a dataset first.',
    });
  }
  return reader(filePath);
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out.sort();
}

/** Row count and schema of a table file. */
export async function describeTable(connection: DuckDBConnection, reader: string): Promise<{ rows: number; schema: ColumnSchema[] }> {
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${reader}`);
  const schema = described.getRowObjectsJson().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const counted = await connection.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM ${reader}`);
  const rows = Number(counted.getRowObjectsJson()[0]?.n ?? 0);
  return { rows, schema };
}
