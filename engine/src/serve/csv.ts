/**
 * Parses a CSV request body (RFC 4180: `"` quotes a field, `""` inside quotes is a quote,
 * quoted fields may hold commas and line breaks; CRLF or LF line ends) into a header and
 * rows of text cells. The server types each cell by the model's input schema, so no type
 * inference is needed here, and parsing in memory avoids a temp file per request (the CLI's
 * `readTableFile` goes through DuckDB, which reads files).
 */
export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let fieldStart = true;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"') {
        if (body[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
    } else if (c === ',') {
      record.push(field);
      field = '';
      fieldStart = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      fieldStart = true;
    } else {
      field += c;
      fieldStart = false;
    }
  }
  if (quoted) throw new CsvError('the CSV body ends inside a quoted field');
  if (!fieldStart || field.length > 0 || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  // Blank lines (often a trailing one) carry no row.
  const nonEmpty = records.filter((r) => !(r.length === 1 && r[0] === ''));
  if (nonEmpty.length === 0) throw new CsvError('the CSV body is empty; send a header line and at least one row');
  const [header, ...rows] = nonEmpty as [string[], ...string[][]];
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new CsvError(`CSV row ${i + 1} has ${r.length} fields, the header has ${header.length}`);
  });
  return { header, rows };
}

export class CsvError extends Error {}
