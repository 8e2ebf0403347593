import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ingestSources } from '../../engine/src/data/ingest';
import { previewRows } from '../../engine/src/data/tables';
import { tableReader } from '../../engine/src/data/formats';
import { WeirError } from '../../engine/src/errors';
import { tempDir } from '../helpers/paths';

const work = tempDir('weir-arff-');

function write(name: string, text: string | Uint8Array): string {
  const file = path.join(work, name);
  fs.writeFileSync(file, text);
  return file;
}

async function ingest(file: string, asText = false) {
  const out = path.join(work, `out-${Math.random().toString(16).slice(2)}.parquet`);
  const result = await ingestSources([file], out, { tmpDir: work, cwd: work, asText });
  return { ...result, rows: (await previewRows(out, { limit: 100 })).rows };
}

async function failure(file: string): Promise<WeirError> {
  try {
    await ingest(file);
  } catch (e) {
    expect(e).toBeInstanceOf(WeirError);
    return e as WeirError;
  }
  throw new Error('expected the ingest to fail');
}

// The shapes OpenML and Weka write: comments, mixed-case keywords, quoted names and values with
// backslash escapes, `?` for missing, nominal values with spaces, dates in their own formats.
const WEATHER = `% A table in Weka's ARFF
@RELATION weather

@ATTRIBUTE outlook {sunny, overcast, 'light rain'}
@attribute 'air temp' NUMERIC
@attribute humidity real
@Attribute windy {TRUE, FALSE}
@ATTRIBUTE visits INTEGER
@ATTRIBUTE note string
@ATTRIBUTE day DATE yyyy-MM-dd
@ATTRIBUTE seen DATE "yyyy-MM-dd HH:mm"
@ATTRIBUTE play {yes,no}

@DATA
sunny,85,85.5,FALSE,3,'it\\'s hot',2024-07-01,"2024-07-01 10:30",no
% a comment between rows
overcast, 83 ,?,TRUE,?,"a, b",2024-07-02,?,yes
'light rain',70,96,FALSE,2,'',?,"2024-07-03 23:59",yes
`;

describe('ARFF (Weka, OpenML)', () => {
  it('reads the header\'s names and types and the rows as written, missing values as null', async () => {
    const read = await ingest(write('weather.arff', WEATHER));
    expect(read.schema).toEqual([
      { name: 'outlook', type: 'VARCHAR' },
      { name: 'air temp', type: 'BIGINT' },
      { name: 'humidity', type: 'DOUBLE' },
      { name: 'windy', type: 'VARCHAR' },
      { name: 'visits', type: 'BIGINT' },
      { name: 'note', type: 'VARCHAR' },
      { name: 'day', type: 'DATE' },
      { name: 'seen', type: 'TIMESTAMP' },
      { name: 'play', type: 'VARCHAR' },
    ]);
    expect(read.rows.map((r) => [r[0], r[1], r[2], r[3], r[4], r[5], r[8]])).toEqual([
      ['sunny', '85', 85.5, 'FALSE', '3', "it's hot", 'no'],
      ['overcast', '83', null, 'TRUE', null, 'a, b', 'yes'],
      ['light rain', '70', 96, 'FALSE', '2', '', 'yes'],
    ]);
    expect(String(read.rows[0][6])).toMatch(/^2024-07-01/);
    expect(String(read.rows[2][7])).toMatch(/^2024-07-03[ T]23:59/);
    expect(read.rows[1][7]).toBeNull();
    // Read as text (predict writing a file's own columns back): the values as written, unquoted.
    const text = await ingest(write('weather-text.arff', WEATHER), true);
    expect(text.schema.every((c) => c.type === 'VARCHAR')).toBe(true);
    expect(text.rows[0].slice(0, 3)).toEqual(['sunny', '85', '85.5']);
  });

  it('reads sparse rows (every value not listed is 0, a nominal\'s first value) and a gzipped file', async () => {
    const sparse = '@relation s\n@attribute a numeric\n@attribute b numeric\n@attribute c {x,y}\n@attribute d numeric\n@data\n{1 2.5, 3 1}\n{0 7, 2 y}\n{}\n';
    const read = await ingest(write('sparse.arff.gz', zlib.gzipSync(sparse)));
    expect(read.rows).toEqual([
      ['0', 2.5, 'x', '1'],
      ['7', 0, 'y', '0'],
      ['0', 0, 'x', '0'],
    ]);
  });

  it('names the line and the value at fault, and refuses what it does not read', async () => {
    const undeclared = await failure(write('bad-nominal.arff', '@relation r\n@attribute a numeric\n@attribute c {x,y}\n@data\n1,x\n% note\n2,z\n'));
    expect(undeclared.format()).toMatch(/bad-nominal\.arff:7:1: value "z" of attribute 'c' is not one of its declared values \{x, y\}/);
    const count = await failure(write('bad-count.arff', '@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n1,2\n3\n'));
    expect(count.format()).toMatch(/bad-count\.arff:6:1: row has 1 value, the header declares 2 attributes/);
    const number = await failure(write('bad-number.arff', '@relation r\n@attribute a numeric\n@data\n1\nabc\n'));
    expect(number.format()).toMatch(/bad-number\.arff:5:1: value "abc" of NUMERIC attribute 'a' is not a number/);
    const relational = await failure(write('bag.arff', '@relation r\n@attribute bag relational\n@attribute x numeric\n@end bag\n@data\n'));
    expect(relational.format()).toMatch(/bag\.arff:2:1: attribute 'bag' is relational/);
    const noData = await failure(write('no-data.arff', '@relation r\n@attribute a numeric\n'));
    expect(noData.message).toMatch(/no @data line/);
    const quote = await failure(write('open-quote.arff', "@relation r\n@attribute a string\n@data\n'never closed\n"));
    expect(quote.format()).toMatch(/open-quote\.arff:4:1: a value quoted with ' is never closed/);
    // A sql step's `file:` input cannot read it as it is, and says how to.
    expect(() => tableReader(path.join(work, 'weather.arff'), "input 'raw'")).toThrow(/input 'raw' is an ARFF file/);
  });
});
