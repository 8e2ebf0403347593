import fs from 'node:fs';
import zlib from 'node:zlib';
import { WeirError } from '../errors';
import type { TextEncoding } from './inspectDelimited';

/**
 * Weka's ARFF, the format OpenML serves its tables in (and scikit-learn's `fetch_openml`
 * caches): a header of `@attribute NAME TYPE` lines, then `@data` and one row per line, comma
 * separated, `?` for a missing value, values quoted with `'` or `"` (backslash escapes inside),
 * `%` comment lines; a sparse row lists only its non-zero values (`{1 X, 3 Y}`). DuckDB has no
 * ARFF reader, so dataset registration rewrites the data section into a CSV in its scratch
 * folder (one header line of the attributes' names, values unquoted and re-quoted as CSV) and
 * reads that with the types the header declares: NUMERIC/REAL as DOUBLE (BIGINT when every
 * value is a whole number, as a CSV of the same table is typed), INTEGER as BIGINT, nominal and
 * STRING as VARCHAR (values as written, so `{0,1}` labels stay `0`/`1` as text, a category),
 * DATE as TIMESTAMP (DATE when its format has no time of day). The rewrite checks every row
 * against the header — the value count, numbers, nominal values against their declared set —
 * and names the line and the value at fault; DuckDB then reads values it cannot fail on.
 * Relational (multi-instance) attributes are refused.
 */

export type ArffKind = 'numeric' | 'integer' | 'string' | 'nominal' | 'date';

export interface ArffAttribute {
  name: string;
  kind: ArffKind;
  /** A nominal attribute's declared values, as written (unquoted). */
  values?: string[];
  /** A date attribute's strptime format (translated from Java's SimpleDateFormat). */
  strptime?: string;
  /** True when a date attribute's format has a time of day. */
  timed?: boolean;
}

export interface ArffTable {
  relation: string;
  attributes: ArffAttribute[];
  /** DuckDB types of the rewritten CSV's columns, in attribute order (dates VARCHAR: `arffView` parses them). */
  types: string[];
  rows: number;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const WHOLE = /^[-+]?\d+(\.0*)?$/;
/** A NUMERIC value DuckDB reads as BIGINT (a CSV's sniffer types `3.0` DOUBLE, and so does this). */
const INTEGER = /^[-+]?\d{1,18}$/;
const SPECIAL = /^[-+]?(inf(inity)?|nan)$/i;

/** One value of a data row or a nominal declaration: unquoted, and whether it was quoted. */
interface Token {
  text: string;
  quoted: boolean;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t' };

/**
 * Splits `text` at commas outside quotes into values, unquoting `'…'` and `"…"` (backslash
 * escapes inside), trimming blanks around unquoted values. Throws a message (no location) when
 * a quote is never closed.
 */
function splitValues(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    const q = text[i];
    if (q === "'" || q === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= n) throw new Error(`a value quoted with ${q} is never closed`);
        const ch = text[i];
        if (ch === '\\' && i + 1 < n) {
          value += ESCAPES[text[i + 1]] ?? text[i + 1];
          i += 2;
        } else if (ch === q) {
          i++;
          break;
        } else {
          value += ch;
          i++;
        }
      }
      tokens.push({ text: value, quoted: true });
      while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    } else {
      const start = i;
      while (i < n && text[i] !== ',') i++;
      tokens.push({ text: text.slice(start, i).trim(), quoted: false });
    }
    if (i >= n) return tokens;
    if (text[i] !== ',') throw new Error(`expected a comma after the quoted value ${JSON.stringify(tokens.at(-1)!.text)}`);
    i++;
  }
}

/** Java SimpleDateFormat letters Weka's date formats use, as strptime parts. */
const DATE_LETTERS: Readonly<Record<string, string>> = { yyyy: '%Y', yy: '%y', MM: '%m', dd: '%d', HH: '%H', mm: '%M', ss: '%S', SSS: '%g' };

/** A SimpleDateFormat pattern as strptime, or undefined when it uses letters not translated here. */
function strptimeOf(pattern: string): { strptime: string; timed: boolean } | undefined {
  let out = '';
  let timed = false;
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i];
    if (ch === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) return undefined;
      out += end === i + 1 ? "'" : pattern.slice(i + 1, end).replaceAll('%', '%%');
      i = end + 1;
    } else if (/[A-Za-z]/.test(ch)) {
      let j = i;
      while (j < pattern.length && pattern[j] === ch) j++;
      const part = DATE_LETTERS[pattern.slice(i, j)];
      if (!part) return undefined;
      if (/[HMSg]/.test(part)) timed = true;
      out += part;
      i = j;
    } else {
      out += ch === '%' ? '%%' : ch;
      i++;
    }
  }
  return { strptime: out, timed };
}

/** An `@attribute` line's name and type (`rest` is the line after the keyword). */
function parseAttribute(rest: string): ArffAttribute | string {
  let name: string;
  let i = 0;
  const q = rest[0];
  if (q === "'" || q === '"') {
    let end = 1;
    name = '';
    while (end < rest.length && rest[end] !== q) {
      if (rest[end] === '\\' && end + 1 < rest.length) end++;
      name += rest[end];
      end++;
    }
    if (end >= rest.length) return `the attribute name's ${q} is never closed`;
    i = end + 1;
  } else {
    const m = /^\S+/.exec(rest);
    if (!m) return 'an @attribute line needs a name and a type';
    name = m[0];
    i = m[0].length;
  }
  const type = rest.slice(i).trim();
  if (type === '') return `attribute '${name}' has no type`;
  if (type.startsWith('{')) {
    const close = type.lastIndexOf('}');
    if (close < 0) return `attribute '${name}': its list of values has no closing }`;
    try {
      const values = type.slice(1, close).trim() === '' ? [] : splitValues(type.slice(1, close)).map((t) => t.text);
      return { name, kind: 'nominal', values };
    } catch (e) {
      return `attribute '${name}': ${(e as Error).message}`;
    }
  }
  const word = /^\S+/.exec(type)![0].toLowerCase();
  if (word === 'numeric' || word === 'real') return { name, kind: 'numeric' };
  if (word === 'integer') return { name, kind: 'integer' };
  if (word === 'string') return { name, kind: 'string' };
  if (word === 'date') {
    const given = type.slice(4).trim().replace(/^(['"])(.*)\1$/, '$2');
    const format = strptimeOf(given === '' ? "yyyy-MM-dd'T'HH:mm:ss" : given);
    // A format with letters not translated here: the dates are kept as text, as written.
    return format ? { name, kind: 'date', strptime: format.strptime, timed: format.timed } : { name, kind: 'string' };
  }
  if (word === 'relational') return `attribute '${name}' is relational (multi-instance data), which Weir does not read`;
  return `attribute '${name}' has type '${type}', not one ARFF declares (NUMERIC, REAL, INTEGER, STRING, DATE, {values})`;
}

/** A CSV field: empty for missing, numbers as they are, text always quoted (so '' stays ''). */
function csvText(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/**
 * Reads an ARFF file (`.gz` through gunzip) and writes its rows to `out` as CSV (see above).
 * `display` names the file in errors, with the line at fault. Bytes are kept (the text is
 * handled as Latin-1, which maps every byte to itself); with `encoding` UTF-8, a line that is
 * not valid UTF-8 is refused by its line, as a CSV is.
 */
export async function arffToCsv(file: string, display: string, out: string, options: { gzip: boolean; encoding: TextEncoding }): Promise<ArffTable> {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const input = (options.gzip ? raw.pipe(zlib.createGunzip()) : raw) as AsyncIterable<Buffer>;
  const output = fs.createWriteStream(out);
  const finished = new Promise<void>((resolve, reject) => {
    output.on('finish', resolve);
    output.on('error', reject);
  });
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const decodeName = (name: string) => Buffer.from(name, 'latin1').toString(options.encoding === 'utf-8' ? 'utf8' : 'latin1');
  const fail = (line: number, message: string, hint?: string) => new WeirError('BAD_INPUT', message, { location: { file: display, line, column: 1 }, hint });
  let relation = '';
  const attributes: ArffAttribute[] = [];
  let inData = false;
  let rows = 0;
  let lineNumber = 0;
  let sets: Set<string>[] = [];
  // Names and nominal values as the file's bytes (Latin-1 strings), for the CSV and the checks.
  const raws: string[] = [];
  const rawValues: string[][] = [];
  let whole: boolean[] = [];
  let pending: string[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const chunk = Buffer.from(pending.join(''), 'latin1');
    pending = [];
    pendingBytes = 0;
    if (!output.write(chunk)) await new Promise<void>((resolve) => output.once('drain', resolve));
  };

  const onHeaderLine = (line: string) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('%')) return;
    const keyword = /^@(\w+)\s*(.*)$/.exec(trimmed);
    if (!keyword) throw fail(lineNumber, `expected an ARFF header line (@relation, @attribute or @data), found ${JSON.stringify(trimmed.slice(0, 60))}`);
    const word = keyword[1].toLowerCase();
    if (word === 'relation') relation = keyword[2].replace(/^(['"])(.*)\1$/, '$2');
    else if (word === 'attribute') {
      const attribute = parseAttribute(keyword[2]);
      if (typeof attribute === 'string') throw fail(lineNumber, attribute);
      raws.push(attribute.name);
      attribute.name = decodeName(attribute.name);
      rawValues.push(attribute.values ?? []);
      if (attribute.values) attribute.values = attribute.values.map(decodeName);
      attributes.push(attribute);
    } else if (word === 'data') {
      if (attributes.length === 0) throw fail(lineNumber, 'the @data section comes before any @attribute line');
      inData = true;
      sets = rawValues.map((values) => new Set(values));
      whole = attributes.map((a) => a.kind === 'numeric');
      const seen = new Map<string, number>();
      for (const a of attributes) {
        const lower = a.name.toLowerCase();
        if (seen.has(lower)) throw fail(lineNumber, `attribute '${a.name}' is declared twice (names are compared without case, as DuckDB does)`);
        seen.set(lower, 1);
      }
      pending.push(`${raws.map(csvText).join(',')}\n`);
    } else if (word === 'end') {
      // `@end ATTRIBUTE` closes a relational attribute, which was refused above.
    } else throw fail(lineNumber, `unknown ARFF keyword @${keyword[1]}`);
  };

  const valueOf = (k: number, token: Token): string => {
    const a = attributes[k];
    if (!token.quoted && token.text === '?') return '';
    const text = token.text;
    switch (a.kind) {
      case 'numeric':
      case 'integer': {
        if (!NUMBER.test(text) && !SPECIAL.test(text)) throw fail(lineNumber, `value ${JSON.stringify(text)} of ${a.kind.toUpperCase()} attribute '${a.name}' is not a number`);
        if (a.kind === 'integer' && !WHOLE.test(text)) throw fail(lineNumber, `value ${JSON.stringify(text)} of INTEGER attribute '${a.name}' is not a whole number`);
        if (!INTEGER.test(text)) whole[k] = false;
        return a.kind === 'integer' ? text.replace(/\.0*$/, '') : text;
      }
      case 'nominal': {
        if (!sets[k].has(text)) {
          const shown = a.values!.slice(0, 10).join(', ') + (a.values!.length > 10 ? `, … (${a.values!.length})` : '');
          throw fail(lineNumber, `value ${JSON.stringify(decodeName(text))} of attribute '${a.name}' is not one of its declared values {${shown}}`, 'Add it to the attribute\'s {…} list in the header, or fix the row.');
        }
        return csvText(text);
      }
      default:
        return csvText(text);
    }
  };

  const onDataLine = (line: string) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('%')) return;
    if (options.encoding === 'utf-8' && /[\x80-\xff]/.test(line)) {
      try {
        utf8.decode(Buffer.from(line, 'latin1'));
      } catch {
        throw fail(lineNumber, 'not valid UTF-8; the file is probably Latin-1 (ISO-8859-1) or Windows-1252', 'Re-save it as UTF-8, or register it with `weir dataset register NAME FILE --encoding latin-1`.');
      }
    }
    let fields: string[];
    try {
      if (trimmed.startsWith('{')) {
        // Sparse: `{index value, …}`, every value not listed 0 (a nominal's first value). A weight `{w}` may follow.
        const close = trimmed.indexOf('}');
        if (close < 0) throw new Error('a sparse row has no closing }');
        fields = attributes.map((a, k) => (a.kind === 'nominal' ? csvText(rawValues[k][0] ?? '') : a.kind === 'string' || a.kind === 'date' ? '' : '0'));
        const body = trimmed.slice(1, close).trim();
        if (body !== '') {
          for (const entry of splitValues(body)) {
            const m = /^(\d+)\s+([\s\S]*)$/.exec(entry.text);
            if (!m) throw new Error(`sparse entry ${JSON.stringify(entry.text)} is not "index value"`);
            const k = Number(m[1]);
            if (k >= attributes.length) throw new Error(`sparse index ${k} is past the last attribute (${attributes.length - 1})`);
            const value = m[2].trim();
            const quoted = /^(['"])([\s\S]*)\1$/.exec(value);
            fields[k] = valueOf(k, quoted ? { text: splitValues(value)[0].text, quoted: true } : { text: value, quoted: false });
          }
        }
      } else {
        let tokens = splitValues(trimmed);
        // A dense row's weight: `…, {0.5}` after the last value.
        if (tokens.length === attributes.length + 1 && !tokens.at(-1)!.quoted && /^\{.*\}$/.test(tokens.at(-1)!.text)) tokens = tokens.slice(0, -1);
        if (tokens.length !== attributes.length) throw fail(lineNumber, `row has ${tokens.length} value${tokens.length === 1 ? '' : 's'}, the header declares ${attributes.length} attributes`, 'Fix the row (quote values that contain a comma) or remove it.');
        fields = tokens.map((t, k) => valueOf(k, t));
      }
    } catch (e) {
      if (e instanceof WeirError) throw e;
      throw fail(lineNumber, (e as Error).message);
    }
    rows++;
    const text = `${fields.join(',')}\n`;
    pending.push(text);
    pendingBytes += text.length;
  };

  try {
    let rest = '';
    for await (const chunk of input) {
      const lines = (rest + chunk.toString('latin1')).split('\n');
      rest = lines.pop() ?? '';
      for (const raw of lines) {
        lineNumber++;
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (lineNumber === 1 && line.startsWith('\u00ef\u00bb\u00bf')) (inData ? onDataLine : onHeaderLine)(line.slice(3));
        else (inData ? onDataLine : onHeaderLine)(line);
      }
      if (pendingBytes > 1 << 20) await flush();
    }
    if (rest !== '') {
      lineNumber++;
      (inData ? onDataLine : onHeaderLine)(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
    }
    if (!inData) throw new WeirError('BAD_INPUT', `${display}: no @data line, so it is not an ARFF table (${attributes.length} @attribute lines read)`);
    await flush();
  } finally {
    raw.destroy();
    output.end();
  }
  await finished;
  // Dates are read as text and parsed by the view, each with its own format (`arffView`).
  const types = attributes.map((a, k) => (a.kind === 'numeric' ? (whole[k] && rows > 0 ? 'BIGINT' : 'DOUBLE') : a.kind === 'integer' ? 'BIGINT' : 'VARCHAR'));
  return { relation, attributes, types, rows };
}

/**
 * The SELECT list that types an ARFF table's rewritten CSV: every column as read, dates parsed
 * with their own format (`strptime`, DATE when the format has no time of day).
 */
export function arffSelect(table: ArffTable, identifier: (name: string) => string, literal: (text: string) => string): string {
  const dates = table.attributes.filter((a) => a.kind === 'date' && a.strptime);
  if (dates.length === 0) return '*';
  return `* REPLACE (${dates.map((a) => `strptime(${identifier(a.name)}, ${literal(a.strptime!)})${a.timed ? '' : '::DATE'} AS ${identifier(a.name)}`).join(', ')})`;
}
