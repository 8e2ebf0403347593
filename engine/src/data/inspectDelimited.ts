import fs from 'node:fs';
import zlib from 'node:zlib';
import { WeirError } from '../errors';

/**
 * A structural check of a CSV/TSV file before DuckDB reads it. DuckDB's sniffer, given a file
 * with a ragged row, quietly falls back to reading every line as one text column (or fails with
 * a message that names no line), so Weir finds the delimiter itself and checks that every
 * record has the header's number of fields, naming the line of the first one that does not.
 *
 * Quoting follows RFC 4180 (`"` quotes, `""` inside quotes is a quote, quoted fields may span
 * lines), except in a file whose header wraps every field in single quotes (`'a'<TAB>'b'`, as
 * some tools write a TSV): there `'` quotes (`''` inside quotes is a `'`), as DuckDB's own
 * sniffer reads such a file in a sql step's `file:` input (`sniffQuote`). One pass over the bytes, which also checks that the text is UTF-8 (unless the caller
 * says the file is Latin-1): DuckDB refuses other bytes with a message that names a wrong line
 * and no fix, so the first bad byte is reported here with its line, column and the way out.
 * Ingest checks a file's head before DuckDB reads it (`inspectDelimitedHead`) and the whole
 * file only when DuckDB's strict read of it fails, to name the line (docs/store.md).
 *
 * A header with one field fewer than every data record is R's `write.table(..., sep = ",")`
 * (and `write.csv(row.names = TRUE)` in older R, statsmodels' dietox.csv): the first field of each
 * record is the row's name, the header names the other columns. R's read.table and pandas'
 * read_csv take the first column as row names there; Weir reads it as a column named as DuckDB
 * names the row-name column `write.csv` heads with `""` (`column0`, `rowNamesColumn`), so the two
 * files read alike. DuckDB's sniffer instead takes the first data row for the header and drops the real one.
 *
 * Lines starting with `#` above the header are comments (`commentLines`: matplotlib's sample
 * Stocks.csv opens with `# Data source: https://finance.yahoo.com`; pandas reads such a file with
 * `comment='#'`). They are skipped before the header and DuckDB is told to skip them too (`skip`).
 * A first line starting with `#` that has as many fields as the next line is a header whose
 * first column is named `#` (a row-number column), and is kept. DuckDB's sniffer took the
 * comment for a one-column header and every row was ragged.
 */
export interface DelimitedShape {
  delimiter: string;
  /** The quote character: `"`, or `'` when the header wraps every field in it. */
  quote: string;
  columns: number;
  /** Data records (not counting the header). */
  records: number;
  /** The header's names when it has one field fewer than the records (R's row names first); undefined otherwise. */
  rowNamesHeader?: string[];
  /** True when the head's numbers have a decimal comma (`decimalCommaIn`). */
  decimalComma?: boolean;
  /** Comment lines (`#`) above the header, skipped (`commentLines`). */
  skip: number;
  /** True when the file has no header row (`headerlessIn`): DuckDB names its columns column0, …. */
  headerless?: boolean;
  /** The header's names as written (unquoted), when the file has a header and no row names. */
  header?: string[];
}

/**
 * The name the row-name column of a file whose header leaves it out is read under: DuckDB's name
 * for a first column with an empty header, `column0`, zero-padded to the width of the last
 * column's number (`column00` in a file of 10 to 100 columns), as `write.csv`'s `""` reads.
 */
export function rowNamesColumn(columns: number): string {
  return `column${'0'.repeat(String(columns - 1).length)}`;
}

/**
 * The first `max` records of a file's head split into fields, unquoted and trimmed (a record cut
 * at the end of a head that is not the whole file is left out by the caller's choice of `text`).
 */
function splitRecords(text: string, delimiter: string, quote: string, max: number): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < text.length && records.length < max; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === quote && text[i + 1] === quote) {
        field += quote;
        i++;
      } else if (ch === quote) inQuotes = false;
      else field += ch;
    } else if (ch === quote && field === '') inQuotes = true;
    else if (ch === delimiter) {
      fields.push(field.trim());
      field = '';
    } else if (ch === '\n') {
      fields.push(field.trim());
      if (fields.length > 1 || fields[0] !== '') records.push(fields);
      fields = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  if (records.length < max && (field !== '' || fields.length > 0)) records.push([...fields, field.trim()]);
  return records;
}

/** Unquoted occurrences of `delimiter` in one line. */
function delimitersIn(line: string, delimiter: string): number {
  let count = 0;
  let inQuotes = false;
  for (const ch of line) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && ch === delimiter) count++;
  }
  return count;
}

/** At most this many comment lines are looked for above a header. */
const MAX_COMMENT_LINES = 100;

/**
 * The lines starting with `#` above a file's header (comments such as `# Data source: …`, see
 * above), from its head: 0 when there are none. A `#` line with as many fields (by the delimiter
 * the lines below it sniff to) as the first line below the comments is a header whose first
 * name starts with `#`, and so are the lines above it: nothing is skipped then.
 */
export function commentLines(head: Buffer): number {
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split('\n', MAX_COMMENT_LINES + 2).map((l) => l.replace(/\r$/, ''));
  let count = 0;
  while (count < lines.length - 1 && count < MAX_COMMENT_LINES && lines[count].startsWith('#')) count++;
  if (count === 0 || count >= lines.length - 1) return 0;
  const below = Buffer.from(lines.slice(count).join('\n'));
  const delimiter = sniffDelimiter(below);
  const fields = delimitersIn(lines[count], delimiter);
  return fields > 0 && lines.slice(0, count).every((l) => delimitersIn(l, delimiter) !== fields) ? count : 0;
}

/** A head without its comment lines (`commentLines`). */
function afterComments(head: Buffer): Buffer {
  let at = 0;
  for (let k = commentLines(head); k > 0; k--) at = head.indexOf(LF, at) + 1;
  return head.subarray(at);
}

/** The fields of a file's first record (its header), unquoted: a header's names as DuckDB reads them. */
function headerFields(head: Buffer, delimiter: string, quote: string): string[] {
  return splitRecords(head.toString('utf8').replace(/^\uFEFF/, ''), delimiter, quote, 1)[0] ?? [''];
}

const DECIMAL_COMMA = /^[-+]?\d*,\d+$/;
const DECIMAL_POINT = /^[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Whether a delimited file writes its numbers with a decimal comma, as R's `write.csv2` and
 * Excel in most European locales do (`;` between fields, `156,7` a number; UCI's Air Quality
 * table): the delimiter is not a comma, some field of the head's records (up to 1,000) is a
 * number with a decimal comma, and none is a number with a decimal point (a file that writes
 * both is left as DuckDB reads it, its comma numbers as text). DuckDB's sniffer never guesses
 * the decimal separator; told `decimal_separator=','` it types such columns DOUBLE.
 */
function decimalCommaIn(head: Buffer, delimiter: string, quote: string): boolean {
  if (delimiter === ',') return false;
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  // Whole records only: a head cut mid-file ends before its last line feed.
  const whole = head.length >= HEAD_BYTES ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
  let comma = false;
  for (const record of splitRecords(whole, delimiter, quote, 1001).slice(1)) {
    for (const field of record) {
      if (DECIMAL_POINT.test(field)) return false;
      if (!comma && DECIMAL_COMMA.test(field)) comma = true;
    }
  }
  return comma;
}

/** How much of a file's start the dialect checks read. */
const HEAD_BYTES = 65536;

const CANDIDATES = [',', '\t', ';', '|'];
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const LF = 0x0a;
const CR = 0x0d;

/** Counts unquoted occurrences of each candidate in the first few records to choose one. */
function sniffDelimiter(head: Buffer): string {
  const counts: number[][] = [];
  let inQuotes = false;
  let current = CANDIDATES.map(() => 0);
  for (let i = 0; i < head.length && counts.length < 20; i++) {
    const b = head[i];
    if (b === DOUBLE_QUOTE) inQuotes = !inQuotes;
    else if (!inQuotes && b === LF) {
      counts.push(current);
      current = CANDIDATES.map(() => 0);
    } else if (!inQuotes) {
      const k = CANDIDATES.indexOf(String.fromCharCode(b));
      if (k >= 0) current[k] += 1;
    }
  }
  if (counts.length === 0) counts.push(current);
  let best = ',';
  let bestScore = 0;
  CANDIDATES.forEach((c, k) => {
    const first = counts[0][k];
    if (first === 0) return;
    // Prefer a delimiter whose count is the same on most lines; ragged files still sniff right.
    const agreeing = counts.filter((row) => row[k] === first).length;
    const score = agreeing * 1000 + first;
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  });
  return bestScore > 0 ? best : spaceDelimited(head) ? ' ' : best;
}

/**
 * Whether a file with none of the usual delimiters in its header is separated by single spaces:
 * the header and every other sampled line (up to 20) hold the same number (≥ 1) of spaces
 * outside quotes, and no two spaces in a row (columns aligned by runs of spaces would read as
 * empty fields). statsmodels' spector.csv (`'OBS' 'GPA' 'TUCE' 'PSI' 'GRADE'`, then
 * `1 2.66 20 0 0`) read as one text column named by its whole header; a one-column file whose
 * values are phrases fails the equal-count test and stays one column.
 */
function spaceDelimited(head: Buffer): boolean {
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  // The last line of a head cut mid-file may be partial.
  if (lines.length > 1 && head.length >= 65536) lines.pop();
  const sampled = lines.filter((l) => l.length > 0).slice(0, 20);
  if (sampled.length < 2) return false;
  const spaces = (line: string): number => {
    if (/ {2}/.test(line)) return -1;
    let count = 0;
    let quote: string | undefined;
    for (const ch of line) {
      if (quote) {
        if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === ' ') count++;
    }
    return count;
  };
  const first = spaces(sampled[0]);
  return first >= 1 && sampled.every((l) => spaces(l) === first);
}

/** At most this many lines of a head decide whether its columns are aligned by runs of blanks. */
const ALIGNED_SAMPLE_LINES = 200;

/**
 * A line's fields when columns are separated by runs of blanks (spaces and tabs), leading and
 * trailing blanks dropped; a field wrapped in `quote` keeps its blanks and its quotes.
 */
function blankSeparatedFields(line: string, quote: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (const ch of line) {
    if (quoted) {
      field += ch;
      if (ch === quote) quoted = false;
    } else if (ch === ' ' || ch === '\t') {
      if (field !== '') fields.push(field);
      field = '';
    } else {
      if (ch === quote && field === '') quoted = true;
      field += ch;
    }
  }
  if (field !== '') fields.push(field);
  return fields;
}

/**
 * Whether a delimited text file's columns are aligned by runs of blanks, as Fortran-style and
 * `print`-style tables are (UCI's housing.data: ` 0.00632  18.00   2.310  0 …`; auto-mpg.data,
 * whose runs of spaces end in a tab before a quoted name; matplotlib's data_x_x2_x3.csv:
 * `  1   1    1`), judged on the head's lines after comment lines (up to 200): the lines split
 * at runs of spaces and tabs (outside quotes; blanks at either end dropped) into the same
 * number (≥ 2) of fields, all but one line in ten (a ragged line is then named by its line),
 * more than the file's own delimiter gives; some line has a run
 * of two blanks or starts with one (single spaces are `spaceDelimited`); and no line has a
 * `,`, `;` or `|` outside quotes; in a file with tabs on every line, runs of spaces inside its tab
 * fields on every line. DuckDB reads one delimiter character, so such a file read as
 * one text column (or as a tab file of two); dataset registration rewrites it with one tab
 * between fields (`rewriteAligned`). Returns the quote, or undefined for any other file.
 */
export function alignedDialect(whole: Buffer): { quote: string } | undefined {
  const head = afterComments(whole);
  const text = head.toString('latin1').replace(/^\u00ef\u00bb\u00bf/, '');
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  // The last line of a head cut mid-file may be partial.
  if (lines.length > 1 && whole.length >= HEAD_BYTES) lines.pop();
  const sampled = lines.filter((l) => l.trim() !== '').slice(0, ALIGNED_SAMPLE_LINES);
  if (sampled.length < 2) return undefined;
  if (!sampled.some((l) => /^[ \t]|[ \t]{2}/.test(l))) return undefined;
  const quote = sampled.some((l) => l.includes('"')) ? '"' : blankSeparatedFields(sampled[0], "'").every((f) => /^'[^']*'$/.test(f)) ? "'" : '"';
  const fieldsOf = sampled.map((line) => blankSeparatedFields(line, quote));
  const counts = new Map<number, number>();
  for (const fields of fieldsOf) {
    if (fields.some((f) => !f.startsWith(quote) && /[,;|]/.test(f))) return undefined;
    counts.set(fields.length, (counts.get(fields.length) ?? 0) + 1);
  }
  // The lines' usual field count; a ragged line or two is left for the check to name by its line.
  const [count, agreeing] = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a));
  if (count < 2 || agreeing < 2 || sampled.length - agreeing > Math.max(1, Math.floor(sampled.length / 10))) return undefined;
  // The fields a tab alone separates: fewer on every line. A file with tabs on every line (a
  // TSV) is aligned only when a run of spaces inside a tab field separates values on every line
  // (auto-mpg's `18.0   8   307.0 …<TAB>"name"`), not words (`New York<TAB>12`).
  const tabFields = (l: string) => blankSeparatedFields(l.replaceAll(' ', '\u0000'), quote).map((f) => f.replaceAll('\u0000', ' '));
  const regular = sampled.filter((_l, k) => fieldsOf[k].length === count).map(tabFields);
  if (!regular.every((fields) => fields.length < count)) return undefined;
  const tabbed = regular.every((fields) => fields.length > 1);
  return !tabbed || regular.every((fields) => fields.some((f) => !f.startsWith(quote) && / {2}/.test(f.trim()))) ? { quote } : undefined;
}

/**
 * Rewrites a file aligned by runs of blanks (`alignedDialect`) into `out` with one tab between
 * its fields, line for line (comment and blank lines kept as they are, so errors name the
 * original's lines), bytes as they are (the text is handled as Latin-1, which maps every byte
 * to itself, so UTF-8 and Latin-1 files both pass through). `.gz` files are read through gunzip.
 */
export async function rewriteAligned(file: string, out: string, quote: string, gzip: boolean): Promise<void> {
  const input = openDelimited(file, gzip);
  const output = fs.createWriteStream(out);
  const written = new Promise<void>((resolve, reject) => {
    output.on('finish', resolve);
    output.on('error', reject);
  });
  const write = (text: string) => (output.write(Buffer.from(text, 'latin1')) ? Promise.resolve() : new Promise<void>((resolve) => output.once('drain', resolve)));
  const rewrite = (line: string) => (line.startsWith('#') || line.trim() === '' ? line : blankSeparatedFields(line, quote).join('\t'));
  let rest = '';
  let first = true;
  try {
    for await (const chunk of input.chunks) {
      let text = chunk.toString('latin1');
      // A UTF-8 byte order mark stays in front of the first field, not a field of its own.
      if (first && text.startsWith('\u00ef\u00bb\u00bf')) {
        await write(text.slice(0, 3));
        text = text.slice(3);
      }
      first = false;
      const lines = (rest + text).split('\n');
      rest = lines.pop() ?? '';
      await write(lines.map((l) => rewrite(l.replace(/\r$/, '')) + '\n').join(''));
    }
    if (rest !== '') await write(rewrite(rest.replace(/\r$/, '')));
  } finally {
    input.close();
    output.end();
  }
  await written;
}

/** The first 64 KiB of a delimited file (after gunzip for `.gz`), or undefined when it cannot be read. */
export async function delimitedHead(file: string, gzip: boolean): Promise<Buffer | undefined> {
  if (!gzip) return fileHead(file);
  const input = openDelimited(file, true);
  const parts: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of input.chunks) {
      parts.push(chunk);
      length += chunk.length;
      if (length >= HEAD_BYTES) break;
    }
  } catch {
    return undefined;
  } finally {
    input.close();
  }
  return Buffer.concat(parts).subarray(0, HEAD_BYTES);
}

/** The first 64 KiB of a file, or undefined when it cannot be read (its reader reports that). */
export function fileHead(file: string): Buffer | undefined {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      return buffer.subarray(0, fs.readSync(fd, buffer, 0, buffer.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * The dialect of a plain (uncompressed) delimited file separated by single spaces, read from its
 * head, or undefined for any other file (and one that cannot be read: its reader reports that).
 * DuckDB's own sniffer never tries a space, so the readers that hand a file to DuckDB as it is
 * (a sql step's `file:` input, the checker's and the editor's schemas: `data/formats.ts`) pass
 * this dialect, and read the columns dataset registration reads.
 */
export function spaceDialect(whole: Buffer): { delimiter: ' '; quote: string } | undefined {
  const head = afterComments(whole);
  if (sniffDelimiter(head) !== ' ') return undefined;
  return { delimiter: ' ', quote: sniffQuote(head, ' ') };
}

/**
 * What the check of a plain (uncompressed) delimited file's head finds for its readers: the
 * names to give DuckDB when the header is one field short (R's row names first, see above; the
 * header line then skipped), and the comment lines above the header to skip (`commentLines`).
 * Undefined for a head that does not pass the check (its reader reports that). The readers that
 * hand a file to DuckDB as it is (`data/formats.ts`) pass it, so a sql step's `file:` input reads
 * the columns dataset registration reads. `file` names the file in the check's errors.
 */
export function scannedDialect(head: Buffer, file: string): { delimiter: string; quote: string; names?: string[]; skip: number } | undefined {
  const scanner = scanHead(head, file);
  if (!scanner) return undefined;
  const names = scanner.records > 0 ? scanner.rowNamesHeader() : undefined;
  return { delimiter: scanner.delimiter ?? ',', quote: scanner.quote ?? '"', names, skip: scanner.skip };
}

/** The check over a plain file's first 64 KiB (whole records only), or undefined when it fails. */
function scanHead(head: Buffer, file: string): RecordScanner | undefined {
  // Whole records only: a head cut mid-file ends before its last line feed.
  const end = head.length === HEAD_BYTES ? head.lastIndexOf(LF) + 1 : head.length;
  const scanner = new RecordScanner(file, {});
  try {
    scanner.feed(head.subarray(0, end));
    return scanner;
  } catch {
    return undefined;
  }
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Whether a delimited file has no header row, its first record being data like the rest (UCI's
 * `adult.data`: `39, State-gov, 77516, Bachelors, …`; `iris.data`), judged on the head's records
 * (up to 1,000): every field of the first record could be a value of its column (a number in a
 * column of numbers; anything in a column of text), and either no column is text or some text
 * column's first value recurs below it (a category, as ` State-gov` does). DuckDB's sniffer
 * also calls `country,1990,1991` over `A,1,2` headerless; here `country` occurs once, so that
 * file keeps its header. A file Weir reads with a header gets one (`header=true`), as before.
 */
function headerlessIn(head: Buffer, delimiter: string, quote: string): boolean {
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const whole = head.length >= HEAD_BYTES ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
  const [first, ...rows] = splitRecords(whole, delimiter, quote, 1001);
  if (!first || rows.length === 0 || rows.some((r) => r.length !== first.length)) return false;
  const isNumber = (v: string) => NUMBER.test(v) || DECIMAL_COMMA.test(v);
  let textColumns = 0;
  let recurs = false;
  for (let j = 0; j < first.length; j++) {
    const values = rows.map((r) => r[j]).filter((v) => v !== '');
    const numeric = values.length > 0 && values.every(isNumber);
    if (numeric) {
      if (first[j] !== '' && !isNumber(first[j])) return false;
    } else {
      textColumns += 1;
      if (first[j] !== '' && values.includes(first[j])) recurs = true;
    }
  }
  return textColumns === 0 || recurs;
}

/**
 * Whether a plain (uncompressed) delimited file has no header row (`headerlessIn`), read from
 * its head. The readers that hand a file to DuckDB as it is (`data/formats.ts`) say so, so a sql
 * step's `file:` input names the columns dataset registration names (`column0`, …).
 */
export function headerlessFile(head: Buffer): boolean {
  const delimiter = sniffDelimiter(head);
  return headerlessIn(head, delimiter, sniffQuote(head, delimiter));
}

/**
 * The dialect of a plain (uncompressed) delimited file whose numbers have a decimal comma (see
 * `decimalCommaIn`), read from its head, or undefined for any other file. The readers that hand
 * a file to DuckDB as it is (`data/formats.ts`) pass it, so a sql step's `file:` input types the
 * columns dataset registration types.
 */
export function decimalCommaDialect(whole: Buffer): { delimiter: string; quote: string } | undefined {
  const head = afterComments(whole);
  const delimiter = sniffDelimiter(head);
  const quote = sniffQuote(head, delimiter);
  return decimalCommaIn(head, delimiter, quote) ? { delimiter, quote } : undefined;
}

/**
 * `'` when the first line's every field (split at the delimiter) is wrapped in single quotes
 * and the line has no `"`, else `"`. A header with any field not so wrapped keeps RFC 4180's
 * quote, so an apostrophe in a value (`O'Brien`) stays a character.
 */
function sniffQuote(head: Buffer, delimiter: string): string {
  const end = head.indexOf(LF);
  const line = head.subarray(0, end < 0 ? head.length : end).toString('utf8').replace(/^\uFEFF/, '').replace(/\r$/, '');
  if (line.includes('"')) return '"';
  const fields = line.split(delimiter);
  return fields.every((f) => /^'[^']+'$/.test(f)) ? "'" : '"';
}

/** Text encodings Weir reads delimited files in (DuckDB's built-in ones that keep ASCII as it is). */
export const TEXT_ENCODINGS = ['utf-8', 'latin-1'] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

/**
 * DuckDB's refusal of text that is not UTF-8 (a `file:` input read by a sql step or by the
 * checker) as a BAD_INPUT naming `what`, with the way out; undefined for any other error.
 */
export function notUtf8Failure(e: unknown, what: string): WeirError | undefined {
  const message = (e as Error)?.message ?? '';
  if (!/not utf-8 encoded/i.test(message)) return undefined;
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  return new WeirError('BAD_INPUT', `${what}: not valid UTF-8${line ? ` (DuckDB stopped near line ${line})` : ''}; the file is probably Latin-1 (ISO-8859-1) or Windows-1252`, {
    hint: 'Re-save it as UTF-8, or register it with `weir dataset register NAME FILE --encoding latin-1` and use `dataset:NAME` as the input.',
  });
}

/**
 * The record-by-record state of the check, fed chunk by chunk. Throws at the first record
 * whose field count differs from the header's, or the first byte that is not UTF-8, naming
 * its line.
 */
class RecordScanner {
  delimiter: string | undefined;
  quote: string | undefined;
  headerColumns = -1;
  records = 0;
  /** True once the first data record had one field more than the header (R's row names, see above). */
  rowNames = false;
  /** Comment lines above the header (`commentLines`), decided from the first chunk. */
  skip = 0;
  /** Comment lines still to pass over. */
  private toSkip = -1;
  /** The file's first bytes, for the header's names. */
  private head: Buffer | undefined;
  sawAnyByte = false;
  private inQuotes = false;
  private line = 1;
  private recordLine = 1;
  private fields = 1;
  private recordHasContent = false;
  private fieldStart = true;
  private justClosedQuote = false;
  // UTF-8: continuation bytes still expected, where the current sequence and line started.
  private readonly checkUtf8: boolean;
  private utf8Need = 0;
  private sequenceStart = 0;
  private sequenceByte = 0;
  private lineStart = 0;
  private chunkStart = 0;

  constructor(private readonly displayName: string, options: { delimiter?: string; encoding?: TextEncoding }) {
    this.delimiter = options.delimiter;
    this.checkUtf8 = (options.encoding ?? 'utf-8') === 'utf-8';
  }

  private endRecord(fields: number, recordHasContent: boolean): void {
    if (!recordHasContent && fields === 1) return; // Blank lines are skipped, as DuckDB does.
    if (this.headerColumns < 0) this.headerColumns = fields;
    else if (this.records === 0 && !this.rowNames && fields === this.headerColumns + 1) {
      // R's row names: the header leaves out the first column's name.
      this.rowNames = true;
      this.records = 1;
    } else if (fields !== this.headerColumns + (this.rowNames ? 1 : 0)) {
      throw new WeirError('BAD_INPUT', `row has ${fields} field${fields === 1 ? '' : 's'}, ${this.rowNames ? `the rows above have ${this.headerColumns + 1} (a row name and the header's ${this.headerColumns})` : `the header has ${this.headerColumns}`}`, {
        location: { file: this.displayName, line: this.recordLine, column: 1 },
        hint: 'Fix the row (quote fields that contain the delimiter) or remove it.',
      });
    } else this.records += 1;
  }

  private notUtf8(line: number, at: number, byte?: number): WeirError {
    return new WeirError('BAD_INPUT', `not valid UTF-8 (${byte === undefined ? 'a character cut off at the end of the file' : `byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')}`}); the file is probably Latin-1 (ISO-8859-1) or Windows-1252`, {
      location: { file: this.displayName, line, column: at - this.lineStart + 1 },
      hint: 'Re-save it as UTF-8, or register it with `weir dataset register NAME FILE --encoding latin-1` (the snapshot is UTF-8 Parquet, usable everywhere).',
    });
  }

  /**
   * One byte of the UTF-8 check (called only for bytes ≥ 0x80 or inside a sequence): the
   * continuation bytes still expected after it.
   */
  private utf8Byte(b: number, at: number, line: number, need: number): number {
    if (need > 0) {
      if (b >= 0x80 && b <= 0xbf) return need - 1;
      throw this.notUtf8(line, this.sequenceStart, this.sequenceByte);
    }
    this.sequenceStart = at;
    this.sequenceByte = b;
    if (b >= 0xc2 && b <= 0xdf) return 1;
    if (b >= 0xe0 && b <= 0xef) return 2;
    if (b >= 0xf0 && b <= 0xf4) return 3;
    throw this.notUtf8(line, at, b);
  }

  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.toSkip < 0) this.skip = this.toSkip = commentLines(chunk.subarray(0, 65536));
    // Comment lines above the header are passed over whole (their quotes and delimiters are not fields).
    while (this.toSkip > 0 && chunk.length > 0) {
      const lf = chunk.indexOf(LF);
      if (lf < 0) {
        this.chunkStart += chunk.length;
        return;
      }
      this.toSkip -= 1;
      this.line += 1;
      this.recordLine = this.line;
      this.chunkStart += lf + 1;
      this.lineStart = this.chunkStart;
      chunk = chunk.subarray(lf + 1);
    }
    if (chunk.length === 0) return;
    this.head ??= Buffer.from(chunk.subarray(0, 65536));
    this.delimiter ??= sniffDelimiter(chunk.subarray(0, 65536));
    this.quote ??= sniffQuote(chunk.subarray(0, 65536), this.delimiter);
    const delimiterByte = this.delimiter.charCodeAt(0);
    const quoteByte = this.quote === "'" ? SINGLE_QUOTE : DOUBLE_QUOTE;
    const { checkUtf8, chunkStart } = this;
    this.sawAnyByte = true;
    // The hot loop works on locals; the fields hold the state between chunks.
    let { inQuotes, line, fields, recordHasContent, fieldStart, justClosedQuote, utf8Need } = this;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (checkUtf8 && (b >= 0x80 || utf8Need > 0)) utf8Need = this.utf8Byte(b, chunkStart + i, line, utf8Need);
      const afterClosingQuote = justClosedQuote;
      justClosedQuote = false;
      if (inQuotes) {
        if (b === quoteByte) {
          inQuotes = false;
          justClosedQuote = true;
        } else if (b === LF) {
          line += 1;
          this.lineStart = chunkStart + i + 1;
        }
      } else if (b === quoteByte && (fieldStart || afterClosingQuote)) {
        // A quote opens a quoted field only at its start (or is the second of an escaped `""`);
        // elsewhere it is a literal character, as in `5'10"`.
        inQuotes = true;
        fieldStart = false;
        recordHasContent = true;
      } else if (b === delimiterByte) {
        fields += 1;
        fieldStart = true;
        recordHasContent = true;
      } else if (b === LF) {
        this.endRecord(fields, recordHasContent);
        line += 1;
        this.lineStart = chunkStart + i + 1;
        this.recordLine = line;
        fields = 1;
        fieldStart = true;
        recordHasContent = false;
      } else if (b !== CR) {
        fieldStart = false;
        recordHasContent = true;
      }
    }
    this.chunkStart += chunk.length;
    this.inQuotes = inQuotes;
    this.line = line;
    this.fields = fields;
    this.recordHasContent = recordHasContent;
    this.fieldStart = fieldStart;
    this.justClosedQuote = justClosedQuote;
    this.utf8Need = utf8Need;
  }

  /** The end of the file: the last record, and the file-level errors. */
  finish(): DelimitedShape {
    const { displayName } = this;
    if (this.utf8Need > 0) throw this.notUtf8(this.line, this.sequenceStart);
    if (this.inQuotes) {
      throw new WeirError('BAD_INPUT', `${displayName}:${this.recordLine}: a quoted field starting in this row is never closed`, {
        location: { file: displayName, line: this.recordLine, column: 1 },
      });
    }
    this.endRecord(this.fields, this.recordHasContent);
    if (!this.sawAnyByte || this.headerColumns < 0) {
      throw new WeirError('BAD_INPUT', `${displayName}: the file is empty`, { hint: 'A CSV file needs a header row and at least one data row.' });
    }
    if (this.records === 0) {
      throw new WeirError('BAD_INPUT', `${displayName}: the file has a header but no data rows`, { location: { file: displayName, line: 1, column: 1 } });
    }
    return { delimiter: this.delimiter ?? ',', quote: this.quote ?? '"', columns: this.shapeColumns(), records: this.records, rowNamesHeader: this.rowNamesHeader(), decimalComma: this.decimalComma(), skip: this.skip, headerless: this.headerless(), header: this.headerNames() };
  }

  /** Whether the file has no header row (`headerlessIn`; never with R's row names or comment lines above a header). */
  headerless(): boolean {
    return !this.rowNames && this.skip === 0 && this.head ? headerlessIn(this.head, this.delimiter ?? ',', this.quote ?? '"') : false;
  }

  /** Whether the head's numbers have a decimal comma (`decimalCommaIn`). */
  decimalComma(): boolean {
    return this.head ? decimalCommaIn(this.head, this.delimiter ?? ',', this.quote ?? '"') : false;
  }

  /** The columns of a record: the header's, and the row names' when the header leaves them out. */
  shapeColumns(): number {
    return this.headerColumns + (this.rowNames ? 1 : 0);
  }

  /** The header's names as written, or undefined for a file without one or with R's row names. */
  headerNames(): string[] | undefined {
    if (this.rowNames || !this.head || this.headerless()) return undefined;
    return headerFields(this.head, this.delimiter ?? ',', this.quote ?? '"');
  }

  /** The column names of a file with R's row names (`column0` and the header's), or undefined. */
  rowNamesHeader(): string[] | undefined {
    if (!this.rowNames || !this.head) return undefined;
    return [rowNamesColumn(this.shapeColumns()), ...headerFields(this.head, this.delimiter ?? ',', this.quote ?? '"')];
  }
}

/** The file's bytes (gunzipped for `.gz`), and a way to stop reading early. */
function openDelimited(file: string, gzip: boolean | undefined): { chunks: AsyncIterable<Buffer>; close(): void } {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  // DuckDB reads gzipped CSV itself; the check reads it through gunzip.
  const gunzip = gzip ? raw.pipe(zlib.createGunzip()) : undefined;
  return {
    chunks: (gunzip ?? raw) as AsyncIterable<Buffer>,
    close: () => {
      gunzip?.destroy();
      raw.destroy();
    },
  };
}

/** The whole check: every record of the file. */
export async function inspectDelimitedFile(file: string, displayName: string, options: { delimiter?: string; gzip?: boolean; encoding?: TextEncoding } = {}): Promise<DelimitedShape> {
  const scanner = new RecordScanner(displayName, options);
  const input = openDelimited(file, options.gzip);
  try {
    for await (const chunk of input.chunks) scanner.feed(chunk);
  } finally {
    input.close();
  }
  return scanner.finish();
}

/** What the check of a file's head found: the dialect, and whether that was the whole file. */
export interface DelimitedHead {
  delimiter: string;
  /** The quote character (see `DelimitedShape.quote`). */
  quote: string;
  columns: number;
  /** True when the head was the whole file, so the check is complete (as `inspectDelimitedFile`). */
  complete: boolean;
  /** See `DelimitedShape.rowNamesHeader`. */
  rowNamesHeader?: string[];
  /** See `DelimitedShape.decimalComma`. */
  decimalComma?: boolean;
  /** See `DelimitedShape.skip`. */
  skip: number;
  /** See `DelimitedShape.headerless`. */
  headerless?: boolean;
  /** See `DelimitedShape.header`. */
  header?: string[];
}

/**
 * The check over the first `bytes` of the file (after gunzip): the delimiter, the header's
 * field count, and a ragged row there named by its line. A file no longer than that is checked
 * whole. For a longer one the rest is left to DuckDB's strict reader, which fails on a row
 * with the wrong field count; `inspectDelimitedFile` then finds its line. A head that holds
 * no data row yet (a huge header) is checked whole too.
 */
export async function inspectDelimitedHead(file: string, displayName: string, options: { delimiter?: string; gzip?: boolean; encoding?: TextEncoding; bytes: number }): Promise<DelimitedHead> {
  const scanner = new RecordScanner(displayName, options);
  const input = openDelimited(file, options.gzip);
  let read = 0;
  let truncated = false;
  try {
    for await (const chunk of input.chunks) {
      const room = options.bytes - read;
      if (chunk.length > room) {
        // The record cut at the limit is not judged: only whole records before it count.
        scanner.feed(chunk.subarray(0, room));
        truncated = true;
        break;
      }
      scanner.feed(chunk);
      read += chunk.length;
    }
  } finally {
    input.close();
  }
  const whole = (shape: DelimitedShape): DelimitedHead => ({ delimiter: shape.delimiter, quote: shape.quote, columns: shape.columns, complete: true, rowNamesHeader: shape.rowNamesHeader, decimalComma: shape.decimalComma, skip: shape.skip, headerless: shape.headerless, header: shape.header });
  if (!truncated) return whole(scanner.finish());
  if (scanner.headerColumns < 0 || scanner.records === 0) return whole(await inspectDelimitedFile(file, displayName, options));
  return { delimiter: scanner.delimiter ?? ',', quote: scanner.quote ?? '"', columns: scanner.shapeColumns(), complete: false, rowNamesHeader: scanner.rowNamesHeader(), decimalComma: scanner.decimalComma(), skip: scanner.skip, headerless: scanner.headerless(), header: scanner.headerNames() };
}
