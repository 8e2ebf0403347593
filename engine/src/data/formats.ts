import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { WeirError } from '../errors';
import { sqlString } from './duckdb';
import { alignedDialect, decimalCommaDialect, fileHead, headerlessFile, scannedDialect, spaceDialect } from './inspectDelimited';

/**
 * The one table of file formats Weir reads, by file name extension. Dataset registration,
 * the `sql` step's inputs, the checker and the language server all choose a reader here, so
 * they accept the same files. A trailing `.gz` or `.zst` names the compression of the file
 * before it (DuckDB decompresses CSV and JSON itself).
 */
export type SourceFormat = 'csv' | 'parquet' | 'json' | 'arrow' | 'arff';

export interface FormatEntry {
  format: SourceFormat;
  /** Delimiter of a delimited text format when the extension fixes it (`.tsv`). */
  delimiter?: string;
  /** JSON with one object per line. */
  newlineDelimited?: boolean;
}

export const FORMATS: Readonly<Record<string, FormatEntry>> = {
  '.csv': { format: 'csv' },
  '.txt': { format: 'csv' },
  // The UCI repository's tables (adult.data, iris.data) are delimited text, most without a header row.
  '.data': { format: 'csv' },
  '.tsv': { format: 'csv', delimiter: '\t' },
  '.tab': { format: 'csv', delimiter: '\t' },
  '.parquet': { format: 'parquet' },
  '.pq': { format: 'parquet' },
  '.json': { format: 'json' },
  '.ndjson': { format: 'json', newlineDelimited: true },
  '.jsonl': { format: 'json', newlineDelimited: true },
  '.arrow': { format: 'arrow' },
  '.feather': { format: 'arrow' },
  '.ipc': { format: 'arrow' },
  '.arrows': { format: 'arrow' },
  // Weka's ARFF, OpenML's format: dataset registration rewrites it as CSV (data/arff.ts).
  '.arff': { format: 'arff' },
};

const COMPRESSION = /\.(gz|zst)$/i;

/** The format a file name says, or undefined when its extension is not in the table. */
export function formatOfName(name: string): FormatEntry | undefined {
  const ext = path.extname(name.replace(COMPRESSION, '')).toLowerCase();
  return Object.hasOwn(FORMATS, ext) ? FORMATS[ext] : undefined;
}

/**
 * Files people reach for that hold a table Weir does not read (a spreadsheet, a statistics
 * package's file, an archive): named by extension or first bytes, so the error says what the
 * file is and how to get a table out of it instead of failing as a CSV that is not UTF-8.
 */
const OTHER_FORMATS: Readonly<Record<string, string>> = {
  '.xlsx': 'an Excel workbook',
  '.xlsm': 'an Excel workbook',
  '.xlsb': 'an Excel workbook',
  '.xls': 'an Excel workbook',
  '.ods': 'an OpenDocument spreadsheet',
  '.numbers': 'a Numbers spreadsheet',
  '.zip': 'a zip archive',
  '.7z': 'a 7-Zip archive',
  '.tar': 'a tar archive',
  '.tgz': 'a tar archive',
  '.sav': 'an SPSS data file',
  '.dta': 'a Stata data file',
  '.sas7bdat': 'a SAS data file',
  '.xpt': 'a SAS transport file',
  '.rds': 'an R data file',
  '.rdata': 'an R data file',
  '.rda': 'an R data file',
  '.pkl': 'a Python pickle',
  '.pickle': 'a Python pickle',
  '.h5': 'an HDF5 file',
  '.hdf5': 'an HDF5 file',
  '.sqlite': 'a SQLite database',
  '.db': 'a database file',
  '.duckdb': 'a DuckDB database',
};

/**
 * What a file is when it is not a table Weir reads, from its name or its first bytes (`PK` of a
 * zip, which an .xlsx is; the OLE2 header of an old .xls), or undefined.
 */
export function otherFormatOf(name: string, head?: Buffer): string | undefined {
  const ext = path.extname(name.replace(COMPRESSION, '')).toLowerCase();
  if (Object.hasOwn(OTHER_FORMATS, ext)) return OTHER_FORMATS[ext];
  if (!head || formatOfName(name)) return undefined;
  if (head.length >= 4 && head.readUInt32BE(0) === 0x504b0304) return 'a zip archive (an Excel .xlsx workbook is one)';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) return 'an Excel 97–2003 workbook (or another OLE2 document)';
  if (head.length >= 6 && head.subarray(0, 6).toString('latin1') === 'SQLite') return 'a SQLite database';
  return undefined;
}

/** The error for a file that is `what` (otherFormatOf), naming the file and how to get a table out of it. */
export function otherFormatError(display: string, what: string): WeirError {
  const sheet = 'save the sheet as CSV (Excel: File › Save As › CSV UTF-8) and give that file';
  return new WeirError('BAD_INPUT', `${display} is ${what}, not a table file Weir reads (CSV/TSV, Parquet, JSON, Arrow, ARFF)`, {
    hint: /archive/.test(what)
      ? `Extract it and give the table file inside${/workbook/.test(what) ? `; if it is a workbook, ${sheet}` : ''}.`
      : /spreadsheet|workbook/.test(what)
        ? `${sheet[0].toUpperCase()}${sheet.slice(1)}.`
        : 'Export it as CSV or Parquet (e.g. pandas: pd.read_…(file).to_parquet("table.parquet")) and give that file.',
  });
}

/** The extensions, for messages: `.parquet, .pq, .csv, …`. */
function extensionList(): string {
  return Object.keys(FORMATS).join(', ');
}

/**
 * The DuckDB table expression that reads one file in `entry`'s format. Arrow IPC has no such
 * expression: DuckDB reads it only through an extension that would have to be downloaded, so
 * dataset registration decodes it with apache-arrow instead (data/loadArrow.ts).
 */
export function readerFor(file: string, entry: FormatEntry, what: string): string {
  const p = sqlString(file);
  switch (entry.format) {
    case 'parquet':
      return `read_parquet(${p})`;
    case 'csv': {
      if (entry.delimiter) return `read_csv(${p}, delim = ${sqlString(entry.delimiter)})`;
      // Separated by single spaces (statsmodels' spector.csv): DuckDB's sniffer never tries a space.
      const plain = !/[*?]/.test(file) && !COMPRESSION.test(file);
      // The file's first 64 KiB, read once for every dialect check below (undefined when unreadable: DuckDB reports that).
      const head = plain ? fileHead(file) : undefined;
      // Columns aligned by runs of spaces (UCI's housing.data): DuckDB reads one delimiter character; registration rewrites such a file.
      if (head && alignedDialect(head)) {
        throw new WeirError('BAD_INPUT', `${what} has columns aligned by runs of spaces, which DuckDB cannot read as a table as it is: ${file}`, {
          hint: 'Register it as a dataset first (weir dataset register NAME FILE), which reads each run of spaces as one separator, and use the dataset.',
        });
      }
      const spaced = head && spaceDialect(head);
      if (spaced) return `read_csv(${p}, delim = ' ', quote = ${sqlString(spaced.quote)}, escape = ${sqlString(spaced.quote)}, header = true)`;
      // A header one field short (R's row names first, statsmodels' dietox.csv): DuckDB's sniffer would take the first row for the header.
      const scanned = head && scannedDialect(head, file);
      // Numbers with a decimal comma (`;`-separated, `156,7`): DuckDB's sniffer never guesses the decimal separator.
      const comma = head && decimalCommaDialect(head);
      const decimal = comma ? `, decimal_separator = ','` : '';
      // Comment lines above the header (matplotlib's Stocks.csv): DuckDB's sniffer would take the first for a one-column header.
      const commented = scanned && scanned.skip > 0 ? scanned : undefined;
      const skip = commented ? `, skip = ${commented.skip}` : '';
      if (scanned?.names)
        return `read_csv(${p}, delim = ${sqlString(scanned.delimiter)}, quote = ${sqlString(scanned.quote)}, escape = ${sqlString(scanned.quote)}, header = false, skip = ${1 + scanned.skip}, names = [${scanned.names.map(sqlString).join(', ')}]${decimal})`;
      if (commented) return `read_csv(${p}, delim = ${sqlString(commented.delimiter)}, quote = ${sqlString(commented.quote)}, escape = ${sqlString(commented.quote)}, header = true${skip}${decimal})`;
      // No header row (UCI's adult.data), or one DuckDB's sniffer would take for data (`country,1990,1991`): said outright, as registration reads it.
      const header = head ? `, header = ${headerlessFile(head) ? 'false' : 'true'}` : plain ? ', header = true' : '';
      if (comma) return `read_csv(${p}, delim = ${sqlString(comma.delimiter)}, quote = ${sqlString(comma.quote)}, escape = ${sqlString(comma.quote)}${header}${decimal})`;
      return `read_csv(${p}${header})`;
    }
    case 'json':
      return entry.newlineDelimited ? `read_json_auto(${p}, format = 'newline_delimited')` : `read_json_auto(${p})`;
    case 'arrow':
      throw new WeirError('BAD_INPUT', `${what} is an Arrow IPC file, which DuckDB cannot read offline: ${file}`, {
        hint: 'Register it as a dataset first (weir dataset register NAME FILE) and use the dataset.',
      });
    case 'arff':
      throw new WeirError('BAD_INPUT', `${what} is an ARFF file (Weka's, OpenML's format), which DuckDB cannot read as it is: ${file}`, {
        hint: 'Register it as a dataset first (weir dataset register NAME FILE), which reads ARFF, and use the dataset.',
      });
  }
}

/**
 * The DuckDB table expression that reads a file or a folder of same-typed files, chosen by
 * extension. `what` names the input in errors.
 */
export function tableReader(filePath: string, what: string): string {
  if (existsSync(filePath) && statSync(filePath).isDirectory()) {
    const files = listFiles(filePath);
    const first = files.find((f) => formatOfName(f) && formatOfName(f)!.format !== 'arrow');
    if (!first) throw new WeirError('BAD_INPUT', `${what} is a folder with no table files (${extensionList()}): ${filePath}`);
    const ext = path.basename(first).slice(path.basename(first).replace(COMPRESSION, '').lastIndexOf('.'));
    return readerFor(path.join(filePath, '**', `*${ext}`), formatOfName(first)!, what);
  }
  const entry = formatOfName(filePath);
  const other = entry ? undefined : otherFormatOf(filePath);
  if (other) throw otherFormatError(filePath, other);
  if (!entry) {
    const ext = path.extname(filePath).toLowerCase();
    throw new WeirError('BAD_INPUT', `${what} is not a table DuckDB can read (${ext || 'no extension'}): ${filePath}`, {
      hint: `Give a file ending in one of ${extensionList()}, or register it as a dataset first.`,
    });
  }
  return readerFor(filePath, entry, what);
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
