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
 * lines). One pass over the bytes, which also checks that the text is UTF-8 (unless the caller
 * says the file is Latin-1): DuckDB refuses other bytes with a message that names a wrong line
 * and no fix, so the first bad byte is reported here with its line, column and the way out.
 */
export interface DelimitedShape {
  delimiter: string;
  columns: number;
  /** Data records (not counting the header). */
  records: number;
}

const CANDIDATES = [',', '\t', ';', '|'];
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Counts unquoted occurrences of each candidate in the first few records to choose one. */
function sniffDelimiter(head: Buffer): string {
  const counts: number[][] = [];
  let inQuotes = false;
  let current = CANDIDATES.map(() => 0);
  for (let i = 0; i < head.length && counts.length < 20; i++) {
    const b = head[i];
    if (b === QUOTE) inQuotes = !inQuotes;
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
  return best;
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

export async function inspectDelimitedFile(file: string, displayName: string, options: { delimiter?: string; gzip?: boolean; encoding?: TextEncoding } = {}): Promise<DelimitedShape> {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  // DuckDB reads gzipped CSV itself; the check reads it through gunzip.
  const stream = options.gzip ? raw.pipe(zlib.createGunzip()) : raw;
  let delimiter = options.delimiter;
  let delimiterByte = 0;
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let fields = 1;
  let recordHasContent = false;
  let headerColumns = -1;
  let records = 0;
  let sawAnyByte = false;
  let fieldStart = true;
  let justClosedQuote = false;
  // UTF-8: continuation bytes still expected, where the current sequence and line started.
  const checkUtf8 = (options.encoding ?? 'utf-8') === 'utf-8';
  let utf8Need = 0;
  let sequenceStart = 0;
  let sequenceByte = 0;
  let lineStart = 0;
  let chunkStart = 0;
  const notUtf8 = (at: number, byte?: number): WeirError =>
    new WeirError('BAD_INPUT', `not valid UTF-8 (${byte === undefined ? 'a character cut off at the end of the file' : `byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')}`}); the file is probably Latin-1 (ISO-8859-1) or Windows-1252`, {
      location: { file: displayName, line, column: at - lineStart + 1 },
      hint: 'Re-save it as UTF-8, or register it with `weir dataset register NAME FILE --encoding latin-1` (the snapshot is UTF-8 Parquet, usable everywhere).',
    });
  /** One byte of the UTF-8 check (called only for bytes ≥ 0x80 or inside a sequence). */
  const utf8Byte = (b: number, at: number) => {
    if (utf8Need > 0) {
      if (b >= 0x80 && b <= 0xbf) {
        utf8Need -= 1;
        return;
      }
      throw notUtf8(sequenceStart, sequenceByte);
    }
    sequenceStart = at;
    sequenceByte = b;
    if (b >= 0xc2 && b <= 0xdf) utf8Need = 1;
    else if (b >= 0xe0 && b <= 0xef) utf8Need = 2;
    else if (b >= 0xf0 && b <= 0xf4) utf8Need = 3;
    else throw notUtf8(at, b);
  };

  const endRecord = () => {
    if (!recordHasContent && fields === 1) return; // Blank lines are skipped, as DuckDB does.
    if (headerColumns < 0) headerColumns = fields;
    else if (fields !== headerColumns) {
      throw new WeirError('BAD_INPUT', `row has ${fields} field${fields === 1 ? '' : 's'}, the header has ${headerColumns}`, {
        location: { file: displayName, line: recordLine, column: 1 },
        hint: 'Fix the row (quote fields that contain the delimiter) or remove it.',
      });
    } else records += 1;
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (delimiter === undefined) delimiter = sniffDelimiter(chunk.subarray(0, 65536));
    delimiterByte = delimiter.charCodeAt(0);
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      sawAnyByte = true;
      if (checkUtf8 && (b >= 0x80 || utf8Need > 0)) utf8Byte(b, chunkStart + i);
      const afterClosingQuote = justClosedQuote;
      justClosedQuote = false;
      if (inQuotes) {
        if (b === QUOTE) {
          inQuotes = false;
          justClosedQuote = true;
        } else if (b === LF) {
          line += 1;
          lineStart = chunkStart + i + 1;
        }
      } else if (b === QUOTE && (fieldStart || afterClosingQuote)) {
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
        endRecord();
        line += 1;
        lineStart = chunkStart + i + 1;
        recordLine = line;
        fields = 1;
        fieldStart = true;
        recordHasContent = false;
      } else if (b !== CR) {
        fieldStart = false;
        recordHasContent = true;
      }
    }
    chunkStart += chunk.length;
  }
  if (utf8Need > 0) throw notUtf8(sequenceStart);
  if (inQuotes) {
    throw new WeirError('BAD_INPUT', `${displayName}:${recordLine}: a quoted field starting in this row is never closed`, {
      location: { file: displayName, line: recordLine, column: 1 },
    });
  }
  endRecord();
  if (!sawAnyByte || headerColumns < 0) {
    throw new WeirError('BAD_INPUT', `${displayName}: the file is empty`, { hint: 'A CSV file needs a header row and at least one data row.' });
  }
  if (records === 0) {
    throw new WeirError('BAD_INPUT', `${displayName}: the file has a header but no data rows`, { location: { file: displayName, line: 1, column: 1 } });
  }
  return { delimiter: delimiter ?? ',', columns: headerColumns, records };
}
