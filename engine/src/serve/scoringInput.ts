import type { ColumnarTable, TableColumn } from '../automl/types';
import { CsvError, parseCsv } from './csv';

/**
 * MLflow's scoring request formats turned into a typed columnar table for `model.predict`.
 *
 * JSON bodies carry exactly one of `dataframe_split` (`{columns, data}`, pandas' split
 * orient), `dataframe_records` (a list of row objects), `instances` or `inputs` (a list of row
 * objects, or an object of equal-length column lists), plus optional `params`. CSV bodies have
 * a header line. Every column the model reads must be present; each cell is converted to the
 * type the model was trained on, and the first cell that cannot be is reported with its
 * column and row. Extra columns are ignored, as `weir model predict` ignores them.
 */

export interface InputColumn {
  name: string;
  duckType: string;
}

/** A problem with the request that the client can fix: answered with this HTTP status and message. */
export class ScoringInputError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

type Kind = 'number' | 'boolean' | 'datetime' | 'string';

export function columnKind(duckType: string): Kind {
  const t = duckType.toUpperCase();
  if (t === 'BOOLEAN') return 'boolean';
  if (/^(DATE|TIMESTAMP|TIME)/.test(t)) return 'datetime';
  if (/INT|DOUBLE|FLOAT|DECIMAL|REAL|NUMERIC/.test(t)) return 'number';
  return 'string';
}

/** How a request gives cell (row, column): a reader per model column, or undefined when the column is absent. */
interface CellSource {
  rows: number;
  column(name: string): ((row: number) => unknown) | undefined;
  /** Column names the request has, for the error message. */
  names(): string[];
}

export interface ScoringRequest {
  table: ColumnarTable;
  /** `params` of a JSON request (MLflow 2's inference parameters). */
  params: Record<string, unknown>;
}

export function decodeJsonRequest(text: string, schema: InputColumn[]): ScoringRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new ScoringInputError(400, 'MALFORMED_REQUEST', `the body is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(body)) throw new ScoringInputError(400, 'MALFORMED_REQUEST', 'the JSON body must be an object with one of dataframe_split, dataframe_records, instances or inputs');
  const formats = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'].filter((k) => k in body);
  if (formats.length !== 1) {
    throw new ScoringInputError(400, 'MALFORMED_REQUEST', formats.length === 0
      ? `the JSON body has none of dataframe_split, dataframe_records, instances or inputs (it has: ${Object.keys(body).join(', ') || 'nothing'})`
      : `the JSON body has ${formats.join(' and ')}; send exactly one`);
  }
  const params = body.params === undefined ? {} : body.params;
  if (!isObject(params)) throw new ScoringInputError(400, 'MALFORMED_REQUEST', '`params` must be an object');
  const format = formats[0]!;
  const value = body[format];
  let source: CellSource;
  if (format === 'dataframe_split') source = splitSource(value);
  else if (format === 'dataframe_records') source = recordsSource(value, format);
  else source = Array.isArray(value) ? recordsSource(value, format) : columnsSource(value, format);
  return { table: toTable(source, schema), params };
}

/** Row objects (a data preview's cells) as the model's typed columns, with the same checks as a request's. */
export function decodeRecords(rows: Record<string, unknown>[], schema: InputColumn[]): ColumnarTable {
  return toTable(recordsSource(rows, 'rows'), schema);
}

export function decodeCsvRequest(text: string, schema: InputColumn[]): ScoringRequest {
  let parsed: { header: string[]; rows: string[][] };
  try {
    parsed = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvError) throw new ScoringInputError(400, 'MALFORMED_REQUEST', e.message);
    throw e;
  }
  const index = new Map(parsed.header.map((h, i) => [h, i]));
  const source: CellSource = {
    rows: parsed.rows.length,
    names: () => parsed.header,
    column(name) {
      const i = index.get(name);
      // An empty CSV field is a missing value, as in training data read by DuckDB.
      return i === undefined ? undefined : (r) => (parsed.rows[r]![i] === '' ? null : parsed.rows[r]![i]);
    },
  };
  return { table: toTable(source, schema), params: {} };
}

function splitSource(value: unknown): CellSource {
  if (!isObject(value) || !Array.isArray(value.columns) || !Array.isArray(value.data)) {
    throw new ScoringInputError(400, 'MALFORMED_REQUEST', 'dataframe_split must be an object {"columns": [...], "data": [[...], ...]}');
  }
  const columns = value.columns.map(String);
  const data = value.data as unknown[];
  data.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw new ScoringInputError(400, 'MALFORMED_REQUEST', `dataframe_split.data[${r}] must be a list of ${columns.length} values (one per column)`);
    }
  });
  const index = new Map(columns.map((c, i) => [c, i]));
  return {
    rows: data.length,
    names: () => columns,
    column(name) {
      const i = index.get(name);
      return i === undefined ? undefined : (r) => (data[r] as unknown[])[i];
    },
  };
}

function recordsSource(value: unknown, format: string): CellSource {
  if (!Array.isArray(value)) throw new ScoringInputError(400, 'MALFORMED_REQUEST', `${format} must be a list of row objects`);
  value.forEach((row, r) => {
    if (!isObject(row)) throw new ScoringInputError(400, 'MALFORMED_REQUEST', `${format}[${r}] must be an object of column values, got ${describe(row)}`);
  });
  const rows = value as Record<string, unknown>[];
  const present = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) present.add(k);
  return {
    rows: rows.length,
    names: () => [...present],
    // A key missing from some rows is a missing value there; missing from every row, a missing column.
    column: (name) => (present.has(name) ? (r) => rows[r]![name] : undefined),
  };
}

function columnsSource(value: unknown, format: string): CellSource {
  if (!isObject(value)) throw new ScoringInputError(400, 'MALFORMED_REQUEST', `${format} must be a list of row objects or an object of column lists`);
  const lengths = new Set<number>();
  for (const [k, v] of Object.entries(value)) {
    if (!Array.isArray(v)) throw new ScoringInputError(400, 'MALFORMED_REQUEST', `${format}.${k} must be a list of values`);
    lengths.add(v.length);
  }
  if (lengths.size > 1) throw new ScoringInputError(400, 'MALFORMED_REQUEST', `the column lists of ${format} have different lengths (${[...lengths].join(', ')})`);
  const columns = value as Record<string, unknown[]>;
  return {
    rows: lengths.size ? [...lengths][0]! : 0,
    names: () => Object.keys(columns),
    column: (name) => (Object.hasOwn(columns, name) ? (r) => columns[name]![r] : undefined),
  };
}

/** Builds the model's columns from the request, collecting every missing and mistyped column. */
function toTable(source: CellSource, schema: InputColumn[]): ColumnarTable {
  const missing = schema.filter((c) => source.column(c.name) === undefined).map((c) => c.name);
  if (missing.length > 0) {
    throw new ScoringInputError(400, 'BAD_REQUEST', `the request lacks column${missing.length === 1 ? '' : 's'} the model needs: ${missing.join(', ')}`, {
      missing_columns: missing,
      expected_columns: schema.map((c) => ({ name: c.name, type: c.duckType })),
      received_columns: source.names(),
    });
  }
  const mistyped: { column: string; expected: string; row: number; value: unknown }[] = [];
  const columns: TableColumn[] = schema.map((c) => {
    const get = source.column(c.name)!;
    const kind = columnKind(c.duckType);
    if (kind === 'string') {
      const values: (string | null)[] = new Array(source.rows);
      for (let r = 0; r < source.rows; r++) {
        const v = get(r);
        if (v === null || v === undefined) values[r] = null;
        else if (typeof v === 'string') values[r] = v;
        else if (typeof v === 'number' || typeof v === 'boolean') values[r] = String(v);
        else {
          mistyped.push({ column: c.name, expected: 'text', row: r, value: v });
          break;
        }
      }
      return { name: c.name, type: 'string', duckType: 'VARCHAR', values };
    }
    const values = new Float64Array(source.rows);
    const convert = kind === 'number' ? toNumber : kind === 'boolean' ? toBoolean : toEpochMs;
    for (let r = 0; r < source.rows; r++) {
      const x = convert(get(r));
      if (x === undefined) {
        mistyped.push({ column: c.name, expected: kind === 'datetime' ? 'a date/time (ISO 8601 text or epoch milliseconds)' : kind === 'boolean' ? 'true/false' : 'a number', row: r, value: get(r) });
        break;
      }
      values[r] = x;
    }
    return { name: c.name, type: kind, duckType: c.duckType, values } as TableColumn;
  });
  if (mistyped.length > 0) {
    const parts = mistyped.map((m) => `column '${m.column}' expects ${m.expected} (${schema.find((c) => c.name === m.column)!.duckType}); row ${m.row} has ${describe(m.value)}`);
    throw new ScoringInputError(400, 'BAD_REQUEST', parts.join('; '), { mistyped_columns: mistyped.map((m) => ({ ...m, value: describe(m.value) })) });
  }
  return { rows: source.rows, columns };
}

/** A number, NaN for a missing value, or undefined when the cell is not a number. */
function toNumber(v: unknown): number | undefined {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '' || /^(nan|null|NA)$/i.test(t)) return NaN;
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function toBoolean(v: unknown): number | undefined {
  if (v === null || v === undefined) return NaN;
  if (v === true || v === 1) return 1;
  if (v === false || v === 0) return 0;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === '1') return 1;
    if (t === 'false' || t === '0') return 0;
    if (t === '') return NaN;
  }
  return undefined;
}

function toEpochMs(v: unknown): number | undefined {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v.trim() === '') return NaN;
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
