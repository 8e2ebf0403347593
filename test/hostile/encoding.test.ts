import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { inspectDelimitedFile } from '../../engine/src/data/inspectDelimited';
import { expectUserError, sandbox, unchanged, weir, withoutProgress, write } from './helpers';

/**
 * The stack-trace list's "a latin-1 CSV error does not name the encoding": text that is not
 * UTF-8 is refused naming the file, line and column, the encoding and the fix, and
 * `--encoding latin-1` reads it.
 */

/** `name,city` with José / München in Latin-1 bytes on the third line. */
const LATIN1 = Buffer.from('name,city\nAna,Paris\nJos\xe9,M\xfcnchen\n', 'latin1');

describe('weir dataset register of a Latin-1 CSV', () => {
  test('refused naming the file, line, column, byte and the fix; exit 2; nothing stored', () => {
    const box = sandbox();
    writeFileSync(path.join(box.ws, 'people.csv'), LATIN1);
    expect(weir(box.ws, ['runs']).code).toBe(0);
    const same = unchanged(box);
    const r = withoutProgress(weir(box.ws, ['dataset', 'register', 'P', 'people.csv']));
    expectUserError(r, /^error: .*people\.csv:3:4: not valid UTF-8 \(byte 0xE9\); the file is probably Latin-1 \(ISO-8859-1\) or Windows-1252$/);
    expect(r.err).toMatch(/Re-save it as UTF-8, or register it with `weir dataset register NAME FILE --encoding latin-1`/);
    same();
  });

  test('`--encoding latin-1` reads it into a UTF-8 snapshot; an encoding Weir lacks is exit 2', () => {
    const box = sandbox();
    writeFileSync(path.join(box.ws, 'people.csv'), LATIN1);
    const r = weir(box.ws, ['dataset', 'register', 'P', 'people.csv', '--encoding', 'latin-1']);
    expect(r.code, r.err).toBe(0);
    const preview = weir(box.ws, ['dataset', 'preview', 'P', '--json']);
    expect(preview.out).toContain('José');
    expect(preview.out).toContain('München');
    const same = unchanged(box);
    expectUserError(weir(box.ws, ['dataset', 'register', 'P', 'people.csv', '--encoding', 'cp1252']), /^error: --encoding cp1252: Weir reads CSV\/TSV as utf-8 or latin-1$/);
    same();
  });
});

describe('a Latin-1 `file:` input of a sql step', () => {
  test('validate reports it at the input (exit 2); the run fails the step naming the input and the fix', () => {
    const box = sandbox();
    writeFileSync(path.join(box.ws, 'people.csv'), LATIN1);
    write(box.ws, { 'p.pipeline.yaml': 'inputs: { d: "file:people.csv" }\nsteps:\n  s:\n    sql: SELECT * FROM d\n    inputs: { d: ${{ inputs.d }} }\n    outputs: { o: parquet }\n' });
    expect(weir(box.ws, ['runs']).code).toBe(0);
    const same = unchanged(box);
    const v = weir(box.ws, ['validate', 'p.pipeline.yaml']);
    expectUserError(v, /^error: p\.pipeline\.yaml:1:14: input 'd': .*people\.csv: not valid UTF-8 \(DuckDB stopped near line 3\); the file is probably Latin-1/);
    same();
    const r = weir(box.ws, ['run', 'p.pipeline.yaml']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: step 's' failed: input 'd': not valid UTF-8 .*Latin-1/m);
    expect(r.err).toMatch(/--encoding latin-1` and use `dataset:NAME` as the input/);
  });
});

describe('the UTF-8 check of the structure pass', () => {
  test('multi-byte characters across read chunks pass; a character cut off at the end does not', async () => {
    const box = sandbox();
    // ~1.5 MB of two- and three-byte characters, so sequences straddle the 1 MiB chunks.
    const rows = Array.from({ length: 60_000 }, (_, i) => `${i},é€ü${'ß'.repeat(i % 7)}`);
    const ok = path.join(box.ws, 'ok.csv');
    writeFileSync(ok, `n,text\n${rows.join('\n')}\n`);
    expect((await inspectDelimitedFile(ok, 'ok.csv')).records).toBe(60_000);
    const cut = path.join(box.ws, 'cut.csv');
    writeFileSync(cut, Buffer.concat([Buffer.from('a,b\n1,x\n2,'), Buffer.from([0xe2, 0x82])]));
    await expect(inspectDelimitedFile(cut, 'cut.csv')).rejects.toThrow(/not valid UTF-8 \(a character cut off at the end of the file\)/);
    // The same bytes as Latin-1 are fine.
    expect((await inspectDelimitedFile(cut, 'cut.csv', { encoding: 'latin-1' })).records).toBe(2);
  });
});
