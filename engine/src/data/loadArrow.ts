import fsp from 'node:fs/promises';
import { tableFromIPC, Type, type DataType, type Table } from 'apache-arrow';
import type { DuckDBConnection, DuckDBTimestampValue } from '@duckdb/node-api';
import { WeirError } from '../errors';
import { sqlIdentifier } from './duckdb';

/**
 * Loads an Arrow IPC file (`.arrow`, `.feather` v2, stream or file format) into a DuckDB table.
 * DuckDB reads Arrow only through its `arrow` extension, which would have to be downloaded, so
 * the file is decoded with `apache-arrow` and appended column types mapped to DuckDB's.
 */

type Appendable = { sqlType: string; append: (appender: AppenderLike, value: unknown) => void };

interface AppenderLike {
  appendBoolean(v: boolean): void;
  appendInteger(v: number): void;
  appendBigInt(v: bigint): void;
  appendDouble(v: number): void;
  appendVarchar(v: string): void;
  appendTimestamp(v: DuckDBTimestampValue): void;
  appendNull(): void;
  endRow(): void;
  flushSync(): void;
  closeSync(): void;
}

function toMillis(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return Number(value);
  return Number(value);
}

function columnAppender(type: DataType, Timestamp: typeof DuckDBTimestampValue): Appendable {
  switch (type.typeId) {
    case Type.Bool:
      return { sqlType: 'BOOLEAN', append: (a, v) => a.appendBoolean(Boolean(v)) };
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      if (bitWidth < 32 || (bitWidth === 32 && isSigned)) return { sqlType: 'INTEGER', append: (a, v) => a.appendInteger(Number(v)) };
      return { sqlType: 'BIGINT', append: (a, v) => a.appendBigInt(BigInt(v as bigint | number)) };
    }
    case Type.Float:
    case Type.Decimal:
      return { sqlType: 'DOUBLE', append: (a, v) => a.appendDouble(Number(v)) };
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Utf8View:
    case Type.Dictionary:
      return { sqlType: 'VARCHAR', append: (a, v) => a.appendVarchar(String(v)) };
    case Type.Date:
    case Type.Timestamp:
      return { sqlType: 'TIMESTAMP', append: (a, v) => a.appendTimestamp(new Timestamp(BigInt(Math.round(toMillis(v))) * 1000n)) };
    default:
      // Nested and binary types have no flat DuckDB counterpart here; keep them readable as JSON text.
      return { sqlType: 'VARCHAR', append: (a, v) => a.appendVarchar(typeof v === 'object' ? JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) : String(v)) };
  }
}

export async function readArrowFile(file: string, displayName: string): Promise<Table> {
  const bytes = await fsp.readFile(file);
  try {
    return tableFromIPC(bytes);
  } catch (e) {
    throw new WeirError('BAD_INPUT', `${displayName}: not a readable Arrow IPC file (${(e as Error).message})`, { cause: e });
  }
}

/** Creates `table` holding the Arrow file's rows; returns the row count. */
export async function loadArrowIntoTable(connection: DuckDBConnection, file: string, displayName: string, table: string): Promise<number> {
  const arrow = await readArrowFile(file, displayName);
  const fields = arrow.schema.fields;
  if (fields.length === 0) throw new WeirError('BAD_INPUT', `${displayName}: the Arrow file has no columns`);
  // A value import of the DuckDB module at the top would load its native binding whenever this
  // file is imported (the CLI imports it at start-up through ingest); here DuckDB is loaded already.
  const { DuckDBTimestampValue: Timestamp } = await import('@duckdb/node-api');
  const appenders = fields.map((f) => columnAppender(f.type, Timestamp));
  await connection.run(`CREATE TABLE ${sqlIdentifier(table)} (${fields.map((f, i) => `${sqlIdentifier(f.name)} ${appenders[i].sqlType}`).join(', ')})`);
  const appender = (await connection.createAppender(table)) as unknown as AppenderLike;
  try {
    const columns = fields.map((_f, i) => arrow.getChildAt(i)!);
    const rows = arrow.numRows;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns.length; c++) {
        const value: unknown = columns[c].get(r);
        if (value === null || value === undefined) appender.appendNull();
        else appenders[c].append(appender, value);
      }
      appender.endRow();
    }
    appender.flushSync();
    return rows;
  } finally {
    appender.closeSync();
  }
}
