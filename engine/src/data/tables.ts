import fsp from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { DuckDBConnection, DuckDBVector } from '@duckdb/node-api';
import { WeirError } from '../errors';
import type { ColumnSchema } from '../store/records';
import type { ColumnarTable, TableColumn } from './columnar';
import { countRows, describeRelation as describe, sqlIdentifier, sqlString, withConnection } from './duckdb';

/**
 * Reading Parquet tables for the rest of the engine: schema, row previews, column profiles
 * and whole columns as typed arrays for AutoML. Everything goes through the shared DuckDB.
 */

async function requireFile(parquet: string): Promise<void> {
  try {
    await fsp.access(parquet);
  } catch {
    throw new WeirError('NOT_FOUND', `no such table file: ${parquet}`);
  }
}

function parquetSource(parquet: string): string {
  return `read_parquet(${sqlString(parquet)})`;
}

export async function readSchema(parquet: string): Promise<{ rows: number; schema: ColumnSchema[] }> {
  await requireFile(parquet);
  return withConnection(async (c) => ({ schema: await describe(c, parquetSource(parquet)), rows: await countRows(c, parquetSource(parquet)) }));
}

/** JSON-safe cell values: numbers, strings, booleans, null (big integers and dates as strings). */
export type PreviewValue = string | number | boolean | null;

export interface TablePreview {
  schema: ColumnSchema[];
  totalRows: number;
  offset: number;
  rows: PreviewValue[][];
}

export async function previewRows(parquet: string, options: { limit?: number; offset?: number } = {}): Promise<TablePreview> {
  await requireFile(parquet);
  const limit = Math.max(0, Math.floor(options.limit ?? 20));
  const offset = Math.max(0, Math.floor(options.offset ?? 0));
  return withConnection(async (c) => {
    const source = parquetSource(parquet);
    const schema = await describe(c, source);
    const totalRows = await countRows(c, source);
    const reader = await c.runAndReadAll(`SELECT * FROM ${source} LIMIT ${limit} OFFSET ${offset}`);
    const rows = reader.getRowsJson().map((row) => row.map(toPreviewValue));
    return { schema, totalRows, offset, rows };
  });
}

function toPreviewValue(value: unknown): PreviewValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

export interface ColumnProfile {
  name: string;
  type: string;
  /** What the column holds, for display and featurization hints. */
  kind: 'number' | 'boolean' | 'string' | 'datetime' | 'other';
  nulls: number;
  distinct: number;
  min?: PreviewValue;
  max?: PreviewValue;
  mean?: number;
  std?: number;
  /** Numbers and datetimes: equal-width bins over [min, max]. Strings and booleans: the most frequent values. */
  histogram: { label: string; count: number; low?: number; high?: number }[];
}

export interface TableProfile {
  rows: number;
  columns: ColumnProfile[];
}

const NUMERIC_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const DATETIME_TYPES = /^(DATE|TIMESTAMP.*)$/;

export function columnKind(duckType: string): ColumnProfile['kind'] {
  if (NUMERIC_TYPES.test(duckType)) return 'number';
  if (duckType === 'BOOLEAN') return 'boolean';
  if (duckType === 'VARCHAR') return 'string';
  if (DATETIME_TYPES.test(duckType)) return 'datetime';
  return 'other';
}

const HISTOGRAM_BINS = 10;
const TOP_VALUES = 10;

export async function profileTable(parquet: string): Promise<TableProfile> {
  await requireFile(parquet);
  return withConnection(async (c) => {
    const source = parquetSource(parquet);
    const schema = await describe(c, source);
    const rows = await countRows(c, source);
    // One scan for every column's counts and moments.
    const aggregates = schema.flatMap((col, i) => {
      const id = sqlIdentifier(col.name);
      const kind = columnKind(col.type);
      const parts = [`count(*) - count(${id}) AS n${i}`, `count(DISTINCT ${id}) AS d${i}`];
      if (kind === 'number') parts.push(`min(${id})::DOUBLE AS lo${i}`, `max(${id})::DOUBLE AS hi${i}`, `avg(${id}::DOUBLE) AS m${i}`, `stddev_samp(${id}::DOUBLE) AS s${i}`);
      else if (kind === 'datetime') parts.push(`epoch_ms(min(${id})::TIMESTAMP)::DOUBLE AS lo${i}`, `epoch_ms(max(${id})::TIMESTAMP)::DOUBLE AS hi${i}`);
      else if (kind === 'string') parts.push(`min(${id}) AS lo${i}`, `max(${id}) AS hi${i}`);
      return parts;
    });
    const stats = aggregates.length > 0 ? ((await c.runAndReadAll(`SELECT ${aggregates.join(', ')} FROM ${source}`)).getRowObjectsJS()[0] as Record<string, unknown>) : {};
    const num = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));
    const columns: ColumnProfile[] = [];
    for (const [i, col] of schema.entries()) {
      const kind = columnKind(col.type);
      const profile: ColumnProfile = { name: col.name, type: col.type, kind, nulls: Number(stats[`n${i}`] ?? 0), distinct: Number(stats[`d${i}`] ?? 0), histogram: [] };
      const id = sqlIdentifier(col.name);
      if (kind === 'number' || kind === 'datetime') {
        const lo = num(stats[`lo${i}`]);
        const hi = num(stats[`hi${i}`]);
        if (kind === 'number') {
          profile.min = lo ?? null;
          profile.max = hi ?? null;
          profile.mean = num(stats[`m${i}`]);
          profile.std = num(stats[`s${i}`]);
        } else {
          profile.min = lo === undefined ? null : new Date(lo).toISOString();
          profile.max = hi === undefined ? null : new Date(hi).toISOString();
        }
        if (lo !== undefined && hi !== undefined) {
          const value = kind === 'number' ? `${id}::DOUBLE` : `epoch_ms(${id}::TIMESTAMP)::DOUBLE`;
          const width = hi > lo ? (hi - lo) / HISTOGRAM_BINS : 1;
          const bins = (
            await c.runAndReadAll(
              `SELECT least(floor((${value} - ${lo}) / ${width}), ${HISTOGRAM_BINS - 1})::INTEGER AS b, count(*) AS n FROM ${source} WHERE ${id} IS NOT NULL GROUP BY b ORDER BY b`,
            )
          ).getRowObjectsJS();
          const counts = new Map(bins.map((b) => [Number(b.b), Number(b.n)]));
          const binCount = hi > lo ? HISTOGRAM_BINS : 1;
          for (let b = 0; b < binCount; b++) {
            const low = lo + b * width;
            const high = hi > lo ? lo + (b + 1) * width : hi;
            const label = kind === 'number' ? `${formatNumber(low)}–${formatNumber(high)}` : `${new Date(low).toISOString().slice(0, 10)}–${new Date(high).toISOString().slice(0, 10)}`;
            profile.histogram.push({ label, count: counts.get(b) ?? 0, low, high });
          }
        }
      } else if (kind === 'string' || kind === 'boolean') {
        if (kind === 'string') {
          profile.min = (stats[`lo${i}`] as string | null) ?? null;
          profile.max = (stats[`hi${i}`] as string | null) ?? null;
        }
        const top = (
          await c.runAndReadAll(`SELECT ${id}::VARCHAR AS v, count(*) AS n FROM ${source} WHERE ${id} IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ${TOP_VALUES}`)
        ).getRowObjectsJS();
        profile.histogram = top.map((t) => ({ label: String(t.v), count: Number(t.n) }));
      }
      columns.push(profile);
    }
    return { rows, columns };
  });
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(4).replace(/\.?0+$/, '');
}

/** String columns with at most this many distinct values are read as dictionary codes. */
const DICTIONARY_MAX = 1 << 16;

/**
 * Reads whole columns as typed arrays: numbers, booleans (0/1) and datetimes (epoch ms) as
 * Float64Array with NaN for null, strings (and any other type, printed) as arrays with null.
 * Nulls become NaN inside DuckDB, so numeric chunks are copied with one `set` each.
 *
 * Low-cardinality string columns (the usual categorical features) are cast to a temporary
 * ENUM type and read as codes into its dictionary: each distinct string is made once and
 * every row holds a reference to it, which is several times faster than decoding a string per
 * row and keeps 3M-row columns to a few dozen MB.
 */
export async function readColumnar(parquet: string, columns?: string[]): Promise<ColumnarTable> {
  await requireFile(parquet);
  return withConnection(async (c) => {
    const source = parquetSource(parquet);
    const schema = await describe(c, source);
    let selected = schema;
    if (columns) {
      const byName = new Map(schema.map((s) => [s.name, s]));
      selected = columns.map((name) => {
        const col = byName.get(name);
        if (!col) throw new WeirError('NOT_FOUND', `no column '${name}' in ${parquet}; columns: ${schema.map((s) => s.name).join(', ')}`);
        return col;
      });
    }
    const rows = await countRows(c, source);
    const createdTypes: string[] = [];
    try {
      const dictionaries = await stringDictionaries(c, source, selected, createdTypes);
      const plan = selected.map((col, j) => {
        const id = sqlIdentifier(col.name);
        const kind = columnKind(col.type);
        const dictionary = dictionaries.get(j);
        if (dictionary) return { col, type: 'string', sql: `coalesce(enum_code(${id}::${sqlIdentifier(dictionary.type)})::DOUBLE, 'NaN'::DOUBLE)`, dictionary: dictionary.values } as const;
        if (kind === 'number' || kind === 'boolean') return { col, type: kind, sql: `coalesce(${id}::DOUBLE, 'NaN'::DOUBLE)` } as const;
        if (kind === 'datetime') return { col, type: 'datetime', sql: `coalesce(epoch_ms(${id}::TIMESTAMP)::DOUBLE, 'NaN'::DOUBLE)` } as const;
        // JSON (a sql step's read_json_auto of a field mixing strings and numbers): scalars as
        // written, without JSON's quotes, as a CSV of the same data reads; objects and arrays as JSON text.
        if (col.type === 'JSON') return { col, type: 'string', sql: `CASE WHEN json_type(${id}) IN ('OBJECT', 'ARRAY') THEN ${id}::VARCHAR ELSE json_extract_string(${id}, '$') END` } as const;
        return { col, type: 'string', sql: kind === 'string' ? id : `${id}::VARCHAR` } as const;
      });
      const out: TableColumn[] = plan.map((p) =>
        p.type === 'string'
          ? { name: p.col.name, type: 'string', duckType: p.col.type, values: new Array<string | null>(rows) }
          : { name: p.col.name, type: p.type, duckType: p.col.type, values: new Float64Array(rows) },
      );
      if (plan.length === 0) return { rows, columns: out };
      const result = await c.stream(`SELECT ${plan.map((p, i) => `${p.sql} AS c${i}`).join(', ')} FROM ${source}`);
      const codes = new Float64Array(2048);
      let offset = 0;
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const n = chunk.rowCount;
        if (offset + n > rows) throw new WeirError('INTERNAL', `${parquet} changed while it was read`);
        for (let j = 0; j < out.length; j++) {
          const column = out[j];
          const step = plan[j];
          const vector = chunk.getColumnVector(j);
          if (column.type !== 'string') {
            copyDoubles(vector, n, column.values, offset);
          } else if ('dictionary' in step && step.dictionary) {
            const buffer = codes.length >= n ? codes : new Float64Array(n);
            copyDoubles(vector, n, buffer, 0);
            const values = column.values;
            const dictionary = step.dictionary;
            for (let i = 0; i < n; i++) {
              const code = buffer[i];
              values[offset + i] = code === code ? dictionary[code] : null;
            }
          } else {
            const values = column.values;
            for (let i = 0; i < n; i++) values[offset + i] = vector.getItem(i) as string | null;
          }
        }
        offset += n;
      }
      return { rows: offset, columns: out };
    } finally {
      for (const t of createdTypes) await c.run(`DROP TYPE IF EXISTS ${sqlIdentifier(t)}`).catch(() => undefined);
    }
  });
}

/** ENUM types (and their values in code order) for the VARCHAR columns with few distinct values. */
async function stringDictionaries(c: DuckDBConnection, source: string, columns: ColumnSchema[], createdTypes: string[]): Promise<Map<number, { type: string; values: string[] }>> {
  const candidates = columns.map((col, j) => ({ col, j })).filter(({ col }) => col.type === 'VARCHAR');
  const out = new Map<number, { type: string; values: string[] }>();
  if (candidates.length === 0) return out;
  const estimate = (await c.runAndReadAll(`SELECT ${candidates.map(({ col }, k) => `approx_count_distinct(${sqlIdentifier(col.name)}) AS a${k}`).join(', ')} FROM ${source}`)).getRowObjectsJS()[0];
  const tag = randomBytes(4).toString('hex');
  for (const [k, { col, j }] of candidates.entries()) {
    const approx = Number(estimate[`a${k}`]);
    if (!(approx > 0 && approx <= DICTIONARY_MAX)) continue;
    const type = `weir_dictionary_${tag}_${k}`;
    const id = sqlIdentifier(col.name);
    await c.run(`CREATE TYPE ${sqlIdentifier(type)} AS ENUM (SELECT DISTINCT ${id} FROM ${source} WHERE ${id} IS NOT NULL ORDER BY 1)`);
    createdTypes.push(type);
    const values = (await c.runAndReadAll(`SELECT unnest(enum_range(NULL::${sqlIdentifier(type)}))::VARCHAR AS v`)).getColumnsJS()[0] as string[];
    out.set(j, { type, values });
  }
  return out;
}

/**
 * Copies a DOUBLE vector's values. `DuckDBDoubleVector` keeps them in a Float64Array over
 * DuckDB's own buffer; its field is private in the typings, so it is read defensively and the
 * per-item accessor is the fallback if a future version changes it. A Float32Array target
 * rounds each value to float32 (what the GBDT's feature matrix holds).
 */
export function copyDoubles(vector: DuckDBVector, n: number, target: Float64Array | Float32Array, offset: number): void {
  const items = (vector as unknown as { items?: unknown }).items;
  if (items instanceof Float64Array && items.length >= n) {
    target.set(items.subarray(0, n), offset);
    return;
  }
  for (let i = 0; i < n; i++) target[offset + i] = Number(vector.getItem(i) ?? NaN);
}

/** Numeric column types written back as themselves (values are held as doubles in between). */
const WRITTEN_NUMBER_TYPES = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT)|FLOAT|DECIMAL\(\d+,\s*\d+\))$/;

/** A datetime held as epoch milliseconds, back in the column's own type (DATE stays DATE, a zoned timestamp stays zoned). */
function datetimeFromMs(id: string, duckType: string): string {
  const ts = `epoch_ms(CAST(round(${id}) AS BIGINT))`;
  if (duckType === 'DATE') return `CAST(${ts} AS DATE)`;
  if (duckType === 'TIMESTAMP WITH TIME ZONE') return `to_timestamp(${id} / 1000.0)`;
  return ts;
}

/**
 * Writes a columnar table to Parquet (numbers in their column's integer, float or decimal type,
 * else DOUBLE; booleans as BOOLEAN; DATE as DATE, zoned timestamps zoned, other datetimes as
 * TIMESTAMP; strings as VARCHAR; NaN as null). Used for predictions and generated tables.
 *
 * Every non-string column is staged as DOUBLE by copying 2048-row slices of its Float64Array
 * straight into DuckDB data chunks; NaN becomes null and booleans and timestamps get their
 * types in the SQL that writes the file. Only strings cross one value at a time.
 */
export async function writeParquetFromColumnar(table: ColumnarTable, outParquet: string): Promise<void> {
  if (table.columns.length === 0) throw new WeirError('BAD_INPUT', 'cannot write a table with no columns');
  const { DuckDBDataChunk, DOUBLE, VARCHAR } = await import('@duckdb/node-api');
  await withConnection(async (c) => {
    const name = `weir_columnar_${randomBytes(4).toString('hex')}`;
    const staged = table.columns.map((col, j) => ({ col, id: `c${j}`, isString: col.type === 'string' }));
    await c.run(`CREATE TABLE ${sqlIdentifier(name)} (${staged.map((s) => `${s.id} ${s.isString ? 'VARCHAR' : 'DOUBLE'}`).join(', ')})`);
    try {
      const appender = await c.createAppender(name);
      try {
        const types = staged.map((s) => (s.isString ? VARCHAR : DOUBLE));
        const chunkRows = 2048;
        for (let start = 0; start < table.rows; start += chunkRows) {
          const n = Math.min(chunkRows, table.rows - start);
          const chunk = DuckDBDataChunk.create(types, n);
          for (const [j, { col }] of staged.entries()) {
            const vector = chunk.getColumnVector(j);
            if (col.type === 'string') {
              for (let i = 0; i < n; i++) vector.setItem(i, col.values[start + i] ?? null);
            } else {
              const items = (vector as unknown as { items?: unknown }).items;
              if (items instanceof Float64Array && items.length >= n) items.set(col.values.subarray(start, start + n));
              else for (let i = 0; i < n; i++) vector.setItem(i, col.values[start + i]);
            }
            vector.flush();
          }
          appender.appendDataChunk(chunk);
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      const select = staged.map(({ col, id }) => {
        const value =
          col.type === 'string'
            ? id
            : col.type === 'number'
              ? `CASE WHEN isnan(${id}) THEN NULL ELSE ${WRITTEN_NUMBER_TYPES.test(col.duckType) ? `CAST(${id} AS ${col.duckType})` : id} END`
              : col.type === 'boolean'
                ? `CASE WHEN isnan(${id}) THEN NULL ELSE ${id} <> 0 END`
                : `CASE WHEN isnan(${id}) THEN NULL ELSE ${datetimeFromMs(id, col.duckType)} END`;
        return `${value} AS ${sqlIdentifier(col.name)}`;
      });
      await c.run(`COPY (SELECT ${select.join(', ')} FROM ${sqlIdentifier(name)}) TO ${sqlString(outParquet)} (FORMAT parquet, COMPRESSION zstd)`);
    } finally {
      await c.run(`DROP TABLE IF EXISTS ${sqlIdentifier(name)}`);
    }
  });
}
