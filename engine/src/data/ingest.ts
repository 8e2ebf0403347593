import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { WeirError } from '../errors';
import type { ColumnSchema } from '../store/records';
import { countRows, describe, describeRelation, sqlIdentifier, sqlString, withConnection } from './duckdb';
import { formatOfName, otherFormatError, otherFormatOf, type SourceFormat } from './formats';
import { alignedDialect, delimitedHead, fileHead, inspectDelimitedFile, inspectDelimitedHead, rewriteAligned, type TextEncoding } from './inspectDelimited';
import { loadArrowIntoTable } from './loadArrow';
import { arffSelect, arffToCsv } from './arff';
import { downloadToFile } from './download';

/**
 * Snapshots dataset sources into one Parquet file: local paths, folders, globs and http(s) URLs
 * holding CSV/TSV, Parquet, JSON/NDJSON or Arrow IPC. Several files must have the same column
 * names (in order) and are unioned in the order given (glob matches sorted by path), as the
 * article registers Titanic.csv and Titanic2.csv as one dataset.
 *
 * The output is byte-for-byte reproducible for the same input (fixed row order, one DuckDB
 * version), so its sha256 identifies the content and re-registering it makes no new version.
 */

export type { SourceFormat } from './formats';

export interface IngestResult {
  rows: number;
  schema: ColumnSchema[];
  /** What to record as the dataset's sources: URLs and globs as given, local paths absolute. */
  sources: string[];
  /** Every file read, in union order (display names: URLs or absolute paths). */
  files: string[];
}

export interface IngestOptions {
  /** Scratch folder for downloads (removed by the caller). */
  tmpDir: string;
  /** Folder that relative paths and globs are resolved against. */
  cwd: string;
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
  /** The text encoding of CSV/TSV sources (default UTF-8, checked; Latin-1 is converted). */
  encoding?: TextEncoding;
  /**
   * CSV/TSV columns as the text written in the file (every column VARCHAR, same dialect, rows and
   * names as the typed read), for writing a file's own columns back unchanged beside predictions.
   * Other formats are read typed as always.
   */
  asText?: boolean;
}

interface SourceFile {
  /** Where the bytes are on disk. */
  file: string;
  /** How errors name it: the URL or the local path. */
  display: string;
  /** Name used to pick the format (the URL's file name for downloads). */
  formatHint: string;
}

const GLOB_CHARS = /[*?[\]{}]/;

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

async function expandSource(source: string, index: number, options: IngestOptions, connection: DuckDBConnection): Promise<{ recorded: string; files: SourceFile[] }> {
  if (isUrl(source)) {
    const dest = path.join(options.tmpDir, `download-${index}`);
    const { fileName } = await downloadToFile(source, dest, options.onProgress, options.signal);
    return { recorded: source, files: [{ file: dest, display: source, formatHint: fileName }] };
  }
  const absolute = path.resolve(options.cwd, source);
  if (GLOB_CHARS.test(source)) {
    const reader = await connection.runAndReadAll(`SELECT file FROM glob(${sqlString(absolute)}) ORDER BY file`);
    const matches = reader.getRowObjectsJS().map((r) => String(r.file));
    if (matches.length === 0) throw new WeirError('NOT_FOUND', `no files match ${source}`, { hint: `The pattern is resolved against ${options.cwd}.` });
    return { recorded: absolute, files: matches.map((f) => ({ file: f, display: f, formatHint: f })) };
  }
  let stat;
  try {
    stat = await fsp.stat(absolute);
  } catch {
    throw new WeirError('NOT_FOUND', `no such file: ${source}`, { hint: `Paths are resolved against ${options.cwd}.` });
  }
  if (stat.isDirectory()) {
    const names = (await fsp.readdir(absolute, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
    if (names.length === 0) throw new WeirError('BAD_INPUT', `${source}: the folder holds no files`);
    return { recorded: absolute, files: names.map((n) => ({ file: path.join(absolute, n), display: path.join(absolute, n), formatHint: n })) };
  }
  return { recorded: absolute, files: [{ file: absolute, display: absolute, formatHint: absolute }] };
}

/** ARFF's first bytes: `@relation` first, or after `%` comment lines (OpenML's files open with their description). */
const ARFF_HEAD = /^(\u00ef\u00bb\u00bf)?\s*(%[^\n]*\n\s*)*@relation\b/i;

/** Whether a file's first 64 KiB open as ARFF does (`ARFF_HEAD`); false when it cannot be read (its reader reports that). */
function arffHead(file: string): boolean {
  const head = fileHead(file);
  return head !== undefined && ARFF_HEAD.test(head.toString('latin1'));
}

/** The format from the file name, or from the first bytes when the name does not tell. */
export async function detectFormat(file: string, nameHint: string, display = file): Promise<{ format: SourceFormat; delimiter?: string }> {
  const byName = formatOfName(nameHint);
  // A plain-text name (`.txt`, `.data`, `.csv`) may still hold an ARFF table, told by its first bytes.
  const textName = byName?.format === 'csv' && !byName.delimiter && !/\.(gz|zst)$/i.test(nameHint);
  if (byName && !(textName && arffHead(file))) return byName.delimiter ? { format: byName.format, delimiter: byName.delimiter } : { format: byName.format };
  if (byName) return { format: 'arff' };
  const named = otherFormatOf(nameHint);
  if (named) throw otherFormatError(display, named);
  const handle = await fsp.open(file, 'r');
  try {
    const head = Buffer.alloc(65536);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const other = otherFormatOf(nameHint, head.subarray(0, bytesRead));
    if (other) throw otherFormatError(display, other);
    const text = head.toString('latin1', 0, bytesRead);
    if (text.startsWith('PAR1')) return { format: 'parquet' };
    if (text.startsWith('ARROW1') || head.readUInt32LE(0) === 0xffffffff) return { format: 'arrow' };
    if (/^\s*[[{]/.test(text)) return { format: 'json' };
    if (ARFF_HEAD.test(text)) return { format: 'arff' };
    return { format: 'csv' };
  } finally {
    await handle.close();
  }
}

function readerFailure(source: SourceFile, format: SourceFormat, e: unknown): WeirError {
  if (e instanceof WeirError) return e;
  const message = (e as Error).message.split('\n')[0];
  return new WeirError('BAD_INPUT', `${source.display}: could not read it as ${format.toUpperCase()}: ${message}`, { cause: e });
}

/** A CSV file's head, checked before DuckDB reads it; above this size DuckDB's strict reader checks the rest. */
const CHECKED_HEAD_BYTES = 1 << 20;

/**
 * Makes `table` a view (or, for Arrow and JSON, a table) over one source file and returns its
 * schema. Each file is parsed as few times as possible: a CSV is sniffed once over all rows and
 * its view then names the column types, because a view that sniffs would sniff again every
 * time it is used (counting, describing, copying), which for a 100 MB file cost seconds each.
 * Returns `checked: false` for a CSV whose rows past its head only DuckDB's reader checks.
 */
async function attachSource(connection: DuckDBConnection, source: SourceFile, table: string, scratch: string, sniffAllRows: boolean, encoding: TextEncoding = 'utf-8', onProgress?: (message: string) => void, asText = false): Promise<{ schema: ColumnSchema[]; checked: boolean }> {
  const stat = await fsp.stat(source.file);
  if (stat.size === 0) throw new WeirError('BAD_INPUT', `${source.display}: the file is empty`, { hint: 'Give a file with a header row and data.' });
  const { format, delimiter } = await detectFormat(source.file, source.formatHint, source.display);
  const id = sqlIdentifier(table);
  const noRows = () => new WeirError('BAD_INPUT', `${source.display}: the file has no rows`);
  let checked = true;
  try {
    if (format === 'arrow') {
      if ((await loadArrowIntoTable(connection, source.file, source.display, table)) === 0) throw noRows();
    } else if (format === 'csv') {
      const aligned = delimiter ? undefined : await alignedSource(source, `${scratch}.tsv`, sniffAllRows ? undefined : onProgress);
      checked = await attachCsv(connection, aligned ?? source, id, { delimiter: aligned ? '\t' : delimiter, sniffAllRows, encoding, onProgress, asText });
    } else if (format === 'arff') {
      const csv = `${scratch}.csv`;
      const arff = await arffToCsv(source.file, source.display, csv, { gzip: /\.gz$/i.test(source.formatHint), encoding });
      if (arff.rows === 0) throw noRows();
      const types = asText ? arff.types.map(() => 'VARCHAR') : arff.types;
      const columns = arff.attributes.map((a, k) => `${sqlString(a.name)}: ${sqlString(types[k])}`).join(', ');
      const reader = `read_csv(${sqlString(csv)}, delim=',', quote='"', escape='"', header=true, auto_detect=false, strict_mode=true, allow_quoted_nulls=false, columns={${columns}}${encoding === 'utf-8' ? '' : `, encoding=${sqlString(encoding)}`})`;
      await connection.run(`CREATE VIEW ${id} AS SELECT ${asText ? '*' : arffSelect(arff, sqlIdentifier, sqlString)} FROM ${reader}`);
    } else if (format === 'parquet') {
      await connection.run(`CREATE VIEW ${id} AS SELECT * FROM read_parquet(${sqlString(source.file)})`);
      // Parquet row counts come from the footer, so this does not read the data.
      if ((await countRows(connection, id)) === 0) throw noRows();
    } else {
      await connection.run(`CREATE TABLE ${id} AS SELECT * FROM read_json_auto(${sqlString(source.file)}, sample_size=-1)`);
      const rows = await countRows(connection, id);
      if (rows === 0) throw noRows();
      if (rows === 1) await recordsInOneObject(connection, id, source.display);
      await scalarJsonAsText(connection, id);
    }
    return { schema: await describeRelation(connection, id), checked };
  } catch (e) {
    throw readerFailure(source, format, e);
  }
}

/**
 * A delimited file whose columns are aligned by runs of blanks (`alignedDialect`: UCI's
 * housing.data, auto-mpg.data) rewritten to `out` with one tab between fields, as the source
 * DuckDB reads (errors still name the original file, and its lines, which the rewrite keeps);
 * undefined for any other file, which DuckDB reads as it is.
 */
async function alignedSource(source: SourceFile, out: string, onProgress?: (message: string) => void): Promise<SourceFile | undefined> {
  const gzip = /\.gz$/i.test(source.formatHint);
  const head = await delimitedHead(source.file, gzip);
  const dialect = head && alignedDialect(head);
  if (!dialect) return undefined;
  await rewriteAligned(source.file, out, dialect.quote, gzip);
  onProgress?.(`${source.display}: columns aligned by runs of spaces, so each run separates two fields`);
  return { file: out, display: source.display, formatHint: out };
}

/**
 * A JSON file that is one object holding its records in one member (a GeoJSON FeatureCollection's
 * `features`: vega-datasets earthquakes.json; an API's `{"data": [...]}`) reads as one row whose
 * column is the list, and was registered as a one-row table without a word. Weir reads rows from
 * a top-level array or one object a line; such a file is refused, naming the member and how many
 * records it holds, with the sql step that reads them (the member's records unnested; GeoJSON's
 * properties with the geometry's coordinates). A one-row file without such a list is kept.
 */
async function recordsInOneObject(connection: DuckDBConnection, table: string, display: string): Promise<void> {
  const lists = (await describeRelation(connection, table)).filter((c) => /^STRUCT\(.*\)\[\]$/s.test(c.type));
  if (lists.length !== 1) return;
  const [list] = lists;
  const reader = await connection.runAndReadAll(`SELECT len(${sqlIdentifier(list.name)})::DOUBLE AS n FROM ${table}`);
  const records = Number(reader.getRowObjectsJS()[0]?.n ?? 0);
  if (records < 2) return;
  const member = sqlIdentifier(list.name);
  const geojson = /\bproperties STRUCT\(/.test(list.type) && /\bgeometry STRUCT\(/.test(list.type);
  const select = geojson
    ? `SELECT unnest(f.properties), f.geometry.coordinates[1] AS longitude, f.geometry.coordinates[2] AS latitude FROM (SELECT unnest(${member}) AS f FROM <input>)`
    : `SELECT unnest(${member}, recursive := true) FROM <input>`;
  throw new WeirError(
    'BAD_INPUT',
    `${display}: one JSON object, not rows: its member '${list.name}' holds ${records.toLocaleString('en-US')} records${geojson ? ' (a GeoJSON FeatureCollection)' : ''}, which would be read as a single row`,
    { hint: `Weir reads a JSON file's rows from a top-level array ([{…}, {…}]) or one object a line. Write the records that way, or read the file as a \`file:\` input of a sql step that selects them: ${select}` },
  );
}

/**
 * A JSON field whose values mix strings and numbers (vega-datasets movies' `Title`: mostly text,
 * but `1776`, `300`, `54` as numbers) is typed JSON by DuckDB, and its cells would be kept as
 * JSON text with quotes (`"The Land Girls"`), so a model trained on it never matches the plain
 * text of a CSV scored later. Such a column, when every value is a scalar, becomes VARCHAR of
 * the values as written (`The Land Girls`, `1776`); one holding objects or arrays stays JSON.
 */
async function scalarJsonAsText(connection: DuckDBConnection, table: string): Promise<void> {
  for (const column of await describeRelation(connection, table)) {
    if (column.type !== 'JSON') continue;
    const col = sqlIdentifier(column.name);
    const reader = await connection.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM ${table} WHERE json_type(${col}) IN ('OBJECT', 'ARRAY')`);
    if (Number(reader.getRowObjectsJS()[0].n) > 0) continue;
    await connection.run(`ALTER TABLE ${table} ALTER ${col} TYPE VARCHAR USING json_extract_string(${col}, '$')`);
  }
}

/**
 * A CSV source as a view with named types. Its head is checked first (`inspectDelimitedHead`:
 * the delimiter, a ragged row there by its line; a small file whole), so DuckDB is told the
 * dialect. Types come from DuckDB's sample of the rows, so the file is parsed in full once, by
 * the snapshot's copy, whose strict reader fails on a later row with the wrong field count;
 * `structuralFailure` then names its line. When a later value does not fit a sampled type,
 * the copy fails and ingestSources sniffs again over every row (`sniffAllRows`). Returns
 * whether the whole file was checked.
 */
async function attachCsv(connection: DuckDBConnection, source: SourceFile, id: string, options: { delimiter?: string; sniffAllRows: boolean; encoding: TextEncoding; onProgress?: (message: string) => void; asText?: boolean }): Promise<boolean> {
  const { encoding, onProgress } = options;
  const gzip = /\.gz$/i.test(source.formatHint);
  const head = await inspectDelimitedHead(source.file, source.display, { delimiter: options.delimiter, gzip, encoding, bytes: CHECKED_HEAD_BYTES });
  // A header one field short (R's row names first): the header line is skipped and its names given.
  // Comment lines above the header (`# Data source: …`) are skipped too.
  const names = head.rowNamesHeader;
  // No header row (UCI's adult.data): the first row is data, and DuckDB names the columns column0, ….
  const header = names ? `header=false, skip=${1 + head.skip}` : head.headerless ? 'header=false' : `header=true${head.skip ? `, skip=${head.skip}` : ''}`;
  // Numbers written with a decimal comma (`;`-separated, `156,7`: R's write.csv2, European Excel) are typed DOUBLE.
  const decimal = head.decimalComma ? ", decimal_separator=','" : '';
  const dialect = `delim=${sqlString(head.delimiter)}, quote=${sqlString(head.quote)}, escape=${sqlString(head.quote)}, ${header}${decimal}${gzip ? ", compression='gzip'" : ''}${encoding === 'utf-8' ? '' : `, encoding=${sqlString(encoding)}`}`;
  const named = names ? `, names=[${names.map(sqlString).join(', ')}]` : '';
  // The sniffer's options (its sample, or every row), and the strict reader that types columns as told.
  const sniffOptions = `${sqlString(source.file)}, ${dialect}${named}${options.sniffAllRows ? ', sample_size=-1' : ''}`;
  const strict = (schema: ColumnSchema[], formats = '') => `read_csv(${sqlString(source.file)}, ${dialect}${formats}, auto_detect=false, strict_mode=true, columns={${schema.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(', ')}})`;
  let sniffed: ColumnSchema[];
  try {
    sniffed = await describe(connection, `SELECT * FROM read_csv(${sniffOptions})`);
  } catch (e) {
    throw (head.complete ? undefined : await structuralFailure(source, encoding)) ?? e;
  }
  // The sniffer settled on another field count than the header's: a ragged row in its sample.
  if (!head.complete && sniffed.length !== head.columns) {
    const failure = await structuralFailure(source, encoding);
    if (failure) throw failure;
  }
  if (options.asText) {
    await connection.run(`CREATE VIEW ${id} AS SELECT * FROM ${strict(sniffed.map((c) => ({ name: c.name, type: 'VARCHAR' })))}`);
    return head.complete;
  }
  const formats = await sniffedTimeFormats(connection, sniffed, sniffOptions);
  const reader = (schema: ColumnSchema[]) => strict(schema, formats);
  if (!options.sniffAllRows) renamedColumns(source.display, head.header, sniffed, onProgress);
  if (head.headerless && !options.sniffAllRows) onProgress?.(`${source.display}: no header row (its first row is data like the rest), so its columns are named ${sniffed[0]?.name ?? 'column0'} to ${sniffed.at(-1)?.name ?? 'column0'}`);
  const schema = await keepTextBooleans(connection, sniffed, reader);
  await connection.run(`CREATE VIEW ${id} AS SELECT * FROM ${reader(schema)}`);
  return head.complete;
}

/**
 * Header names DuckDB changed, said once at registration: a name used twice (`x,x` is read as x
 * and x_1) or an empty one (read as column3), so a prep or `label_column_name` written with the
 * file's names is not a surprise.
 */
function renamedColumns(display: string, header: string[] | undefined, sniffed: ColumnSchema[], onProgress?: (message: string) => void): void {
  if (!onProgress || !header || header.length !== sniffed.length) return;
  const renamed = header.flatMap((name, i) => (name !== sniffed[i].name ? [`${name === '' ? `column ${i + 1} (no name)` : `'${name}' (column ${i + 1})`} as '${sniffed[i].name}'`] : []));
  if (renamed.length) onProgress(`${display}: header names repeated or empty are made unique: ${renamed.slice(0, 5).join(', ')}${renamed.length > 5 ? `, and ${renamed.length - 5} more` : ''}`);
}

/**
 * The date and timestamp formats DuckDB's sniffer found (`10/03/2004` is `%d/%m/%Y`), as options
 * for the strict reader, which types columns as told and detects nothing: without them a column
 * sniffed DATE from anything but ISO dates fails to convert on its first row. Empty when no
 * column was sniffed a date or a timestamp (no second sniff then).
 */
async function sniffedTimeFormats(connection: DuckDBConnection, sniffed: ColumnSchema[], options: string): Promise<string> {
  if (!sniffed.some((c) => c.type === 'DATE' || c.type.startsWith('TIMESTAMP'))) return '';
  const row = (await connection.runAndReadAll(`SELECT DateFormat AS d, TimestampFormat AS t FROM sniff_csv(${options})`)).getRowObjectsJS()[0] ?? {};
  const option = (name: string, format: unknown) => (typeof format === 'string' && format !== '' ? `, ${name}=${sqlString(format)}` : '');
  return option('dateformat', row.d) + option('timestampformat', row.t);
}

/** The whole structural check of a CSV source: its error (ragged row by line, unclosed quote, no data rows, not UTF-8), or undefined when it passes. */
async function structuralFailure(source: SourceFile, encoding: TextEncoding | undefined): Promise<WeirError | undefined> {
  try {
    await inspectDelimitedFile(source.file, source.display, { gzip: /\.gz$/i.test(source.formatHint), encoding });
    return undefined;
  } catch (e) {
    if (e instanceof WeirError) return e;
    throw e;
  }
}

/**
 * DuckDB's CSV sniffer types a column of `yes`/`no` as BOOLEAN, and a snapshot would then hold
 * true/false where the user wrote yes/no (a label would come back from predictions as
 * true/false). A sniffed BOOLEAN column stays BOOLEAN only when its text is literally
 * true/false; any other column keeps the user's text as VARCHAR. Only files with such a column
 * pay for this extra read of the boolean columns.
 */
async function keepTextBooleans(connection: DuckDBConnection, schema: ColumnSchema[], reader: (schema: ColumnSchema[]) => string): Promise<ColumnSchema[]> {
  const booleans = schema.filter((c) => c.type === 'BOOLEAN');
  if (!booleans.length) return schema;
  const asText = schema.map((c) => (c.type === 'BOOLEAN' ? { name: c.name, type: 'VARCHAR' } : c));
  const checks = booleans.map((c, i) => `bool_and(lower(trim(${sqlIdentifier(c.name)})) IN ('true', 'false')) AS b${i}`).join(', ');
  const row = (await connection.runAndReadAll(`SELECT ${checks} FROM ${reader(asText)}`)).getRowObjectsJS()[0] ?? {};
  const literal = new Set(booleans.filter((_c, i) => row[`b${i}`] !== false).map((c) => c.name));
  return schema.map((c) => (c.type === 'BOOLEAN' && !literal.has(c.name) ? { name: c.name, type: 'VARCHAR' } : c));
}

/** Snapshot failures that sniffing every row may cure. */
const sampledTypeFailures = new WeakSet<WeirError>();

/** True for DuckDB's error when a value does not fit a column's type. */
function isConversionError(e: unknown): boolean {
  return /Conversion Error|Could not convert|CSV Error/i.test((e as Error)?.message ?? '');
}

function schemaMismatch(first: SourceFile, firstSchema: ColumnSchema[], other: SourceFile, otherSchema: ColumnSchema[]): WeirError | undefined {
  const a = firstSchema.map((c) => c.name);
  const b = otherSchema.map((c) => c.name);
  if (a.length === b.length && a.every((n, i) => n === b[i])) return undefined;
  const missing = a.filter((n) => !b.includes(n));
  const extra = b.filter((n) => !a.includes(n));
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${missing.join(', ')}`);
  if (extra.length) parts.push(`extra ${extra.join(', ')}`);
  if (parts.length === 0) parts.push(`same columns in another order (${b.join(', ')})`);
  return new WeirError('BAD_INPUT', `${other.display}: its columns differ from ${first.display}: ${parts.join('; ')}`, {
    hint: 'Files registered together must have the same columns; register them as separate datasets.',
  });
}

export async function ingestSources(sources: string[], outParquet: string, options: IngestOptions): Promise<IngestResult> {
  if (sources.length === 0) throw new WeirError('BAD_INPUT', 'no sources given');
  try {
    return await ingestOnce(sources, outParquet, options, false);
  } catch (e) {
    // A value past DuckDB's sample that does not fit the sampled type: sniff every row.
    if (!(e instanceof WeirError) || !sampledTypeFailures.has(e)) throw e;
    options.onProgress?.('a value past the sample does not fit its column type; reading the types from every row');
    return ingestOnce(sources, outParquet, options, true);
  }
}

async function ingestOnce(sources: string[], outParquet: string, options: IngestOptions, sniffAllRows: boolean): Promise<IngestResult> {
  return withConnection(async (connection) => {
    const prefix = `weir_ingest_${randomBytes(4).toString('hex')}`;
    const created: string[] = [];
    try {
      const recorded: string[] = [];
      const files: SourceFile[] = [];
      for (const [i, s] of sources.entries()) {
        if (options.signal?.aborted) throw new WeirError('CANCELED', 'dataset registration canceled');
        const expanded = await expandSource(s, i, options, connection);
        recorded.push(expanded.recorded);
        files.push(...expanded.files);
      }
      const schemas: ColumnSchema[][] = [];
      const unchecked: SourceFile[] = [];
      for (const [i, f] of files.entries()) {
        if (options.signal?.aborted) throw new WeirError('CANCELED', 'dataset registration canceled');
        const name = `${prefix}_${i}`;
        options.onProgress?.(`reading ${f.display}`);
        created.push(name);
        const { schema, checked } = await attachSource(connection, f, name, path.join(options.tmpDir, `source-${i}`), sniffAllRows, options.encoding, options.onProgress, options.asText);
        if (!checked) unchecked.push(f);
        if (schemas.length > 0) {
          const mismatch = schemaMismatch(files[0], schemas[0], f, schema);
          if (mismatch) throw mismatch;
        }
        schemas.push(schema);
      }
      const union = files.map((_f, i) => `SELECT * FROM ${sqlIdentifier(`${prefix}_${i}`)}`).join(' UNION ALL ');
      options.onProgress?.('writing snapshot');
      try {
        // Snappy, not zstd: the write then costs about what DuckDB's own parse into a table does
        // (`npm run bench -- ingest`); both are deterministic, so the hash still names the content.
        await connection.run(`COPY (${union}) TO ${sqlString(outParquet)} (FORMAT parquet, COMPRESSION snappy)`);
      } catch (e) {
        // A CSV whose rows past its head only DuckDB's strict reader saw: a ragged row there is
        // named by its line, as one in the head would be.
        for (const f of unchecked) {
          const structural = await structuralFailure(f, options.encoding);
          if (structural) throw structural;
        }
        const message = (e as Error).message.split('\n')[0];
        // DuckDB's full-disk error is a full disk: the one error path names the file it could not write.
        if (/No space left on device|Disk quota exceeded/i.test(message)) {
          throw Object.assign(new Error(`ENOSPC: no space left on device, write '${outParquet}'`), { code: 'ENOSPC', syscall: 'write', path: outParquet });
        }
        const failure = new WeirError('BAD_INPUT', `could not snapshot ${files.length === 1 ? files[0].display : `${files.length} files`}: ${message}`, { cause: e });
        if (!sniffAllRows && isConversionError(e)) sampledTypeFailures.add(failure);
        throw failure;
      }
      const output = `read_parquet(${sqlString(outParquet)})`;
      const schema = await describeRelation(connection, output);
      const rows = await countRows(connection, output);
      return { rows, schema, sources: recorded, files: files.map((f) => f.display) };
    } finally {
      // Each source is a view or a table; dropping the wrong kind fails harmlessly.
      for (const name of created.reverse()) {
        await connection.run(`DROP VIEW IF EXISTS ${sqlIdentifier(name)}`).catch(() => undefined);
        await connection.run(`DROP TABLE IF EXISTS ${sqlIdentifier(name)}`).catch(() => undefined);
      }
    }
  });
}
