import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type AutoMLModel } from '../../engine/src/automl/model/loadModel';
import { readTableFile } from '../../engine/src/automl/model/tableFiles';
import type { ColumnarTable } from '../../engine/src/automl/types';
import { startServer, type RunningServer } from '../../engine/src/serve/server';
import { exampleRow, serveExample } from '../../engine/src/serve/example';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { openWorkspace } from '../../engine/src/store/workspace';
import { titanicCsv } from '../helpers/paths';
import { titanicModelWorkspace } from './trainedModel';

/** The scoring server against a real AutoML model: every request shape, the errors, and that it keeps serving. */
let ws = '';
let model: AutoMLModel;
let server: RunningServer;
let table: ColumnarTable;
const logs: string[] = [];

beforeAll(async () => {
  ws = await titanicModelWorkspace();
  const store = await openWorkspace(ws);
  const version = await store.getModel('Titanic', 1);
  model = loadModel(store.artifactPath(version.artifact));
  await store.dispose();
  table = await readTableFile(titanicCsv);
  server = await startServer({ model, info: { name: 'Titanic', version: 1, weir: 'test' }, port: 0, maxBodyBytes: 64 * 1024, log: (l) => logs.push(l) });
}, 120_000);

afterAll(async () => {
  await server?.close();
  model?.dispose();
});

const columns = () => model.inputSchema.map((c) => c.name);

/** The first `n` Titanic rows as plain objects with the model's columns (nulls kept). */
function records(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, r) => {
    const row: Record<string, unknown> = {};
    for (const name of columns()) {
      const c = table.columns.find((x) => x.name === name)!;
      const v = c.values[r];
      row[name] = typeof v === 'number' && Number.isNaN(v) ? null : v;
    }
    return row;
  });
}

/** The fields the tests read from an answer (success or error). */
interface Answer {
  predictions: unknown[];
  probabilities: Record<string, number>[];
  error_code: string;
  message: string;
  missing_columns: string[];
}

async function post(path: string, body: string, contentType = 'application/json'): Promise<{ status: number; json: Answer; text: string }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'Content-Type': contentType } });
  const text = await res.text();
  let json = {} as Answer;
  try {
    json = JSON.parse(text) as Answer;
  } catch {
    // Not JSON (e.g. /ping's newline): the tests then look at `text`.
  }
  return { status: res.status, json, text };
}

function expected(n: number): unknown[] {
  return model.predict(records(n)).prediction;
}

describe('weir model serve: the scoring server', () => {
  it('binds 127.0.0.1 and answers /ping, /health and /version', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', model: 'Titanic', version: 1 });
    expect(await (await fetch(`${server.url}/version`)).json()).toMatchObject({ weir: 'test', model: 'Titanic', version: 1, task: 'classification' });
  });

  it('scores dataframe_split, dataframe_records, instances (rows and columns), inputs and CSV the same way', async () => {
    const rows = records(25);
    const want = expected(25);
    expect(want.length).toBe(25);
    const split = { columns: columns(), data: rows.map((r) => columns().map((c) => r[c])) };
    const byColumn = Object.fromEntries(columns().map((c) => [c, rows.map((r) => r[c])]));
    const bodies = [
      JSON.stringify({ dataframe_split: split }),
      JSON.stringify({ dataframe_split: { ...split, index: rows.map((_, i) => i) } }),
      JSON.stringify({ dataframe_records: rows }),
      JSON.stringify({ instances: rows }),
      JSON.stringify({ instances: byColumn }),
      JSON.stringify({ inputs: rows }),
    ];
    for (const body of bodies) {
      const r = await post('/invocations', body);
      expect(r.status, body.slice(0, 60)).toBe(200);
      expect(r.json.predictions).toEqual(want);
      expect(Object.keys(r.json)).toEqual(['predictions']);
    }
    const csvCell = (v: unknown) => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const csv = [columns().join(','), ...rows.map((r) => columns().map((c) => csvCell(r[c])).join(','))].join('\r\n');
    const c = await post('/invocations', csv, 'text/csv; charset=utf-8');
    expect(c.status).toBe(200);
    expect(c.json.predictions).toEqual(want);
  });

  it('adds per-class probabilities when asked, equal to the JS API', async () => {
    const rows = records(5);
    const r = await post('/invocations', JSON.stringify({ dataframe_records: rows, params: { probabilities: true } }));
    expect(r.status).toBe(200);
    const p = model.predict(rows);
    expect(r.json.probabilities).toHaveLength(5);
    for (const [cls, values] of Object.entries(p.probabilities!)) {
      for (let i = 0; i < 5; i++) expect(r.json.probabilities[i][cls]).toBeCloseTo(values[i]!, 12);
    }
    const q = await post('/invocations?probabilities=true', JSON.stringify({ dataframe_records: rows }));
    expect(q.json.probabilities).toEqual(r.json.probabilities);
  });

  it('answers 400 naming a missing column, and a mistyped one with its row', async () => {
    const rows = records(3).map(({ Age: _age, ...rest }) => rest);
    const missing = await post('/invocations', JSON.stringify({ dataframe_records: rows }));
    expect(missing.status).toBe(400);
    expect(missing.json.error_code).toBe('BAD_REQUEST');
    expect(missing.json.message).toBe('the request lacks column the model needs: Age');
    expect(missing.json.missing_columns).toEqual(['Age']);

    const bad = records(3);
    bad[2]!.Age = 'old';
    const mistyped = await post('/invocations', JSON.stringify({ dataframe_records: bad }));
    expect(mistyped.status).toBe(400);
    expect(mistyped.json.message).toMatch(/^column 'Age' expects a number \(DOUBLE\); row 2 has "old"$/);
    expect(mistyped.text).not.toMatch(/\n\s+at |\.ts:\d+/);
  });

  it('answers 400 for malformed bodies, 415 for other content types, 413 over the size limit', async () => {
    const cases: [string, string, number, RegExp][] = [
      ['{not json', 'application/json', 400, /not valid JSON/],
      ['[]', 'application/json', 400, /must be an object/],
      ['{"columns": []}', 'application/json', 400, /none of dataframe_split, dataframe_records, instances or inputs \(it has: columns\)/],
      ['{"instances": [], "inputs": []}', 'application/json', 400, /has instances and inputs; send exactly one/],
      ['{"dataframe_split": {"columns": ["a"], "data": [[1, 2]]}}', 'application/json', 400, /dataframe_split.data\[0\] must be a list of 1 values/],
      ['{"dataframe_records": [1]}', 'application/json', 400, /dataframe_records\[0\] must be an object/],
      ['a,b\n1', 'text/csv', 400, /CSV row 1 has 1 fields, the header has 2/],
      ['Pclass=3', 'application/x-www-form-urlencoded', 415, /application\/json .* or text\/csv/],
    ];
    for (const [body, type, status, message] of cases) {
      const r = await post('/invocations', body, type);
      expect(r.status, body).toBe(status);
      expect(r.json.message, body).toMatch(message);
    }
    const big = JSON.stringify({ dataframe_records: records(891).concat(records(891)) });
    expect(big.length).toBeGreaterThan(64 * 1024);
    const r = await post('/invocations', big);
    expect(r.status).toBe(413);
    expect(r.json.error_code).toBe('REQUEST_TOO_LARGE');
  });

  it('answers 413 for a chunked body that grows past the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.url}/invocations`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(8 * 1024));
      req.end();
    });
    expect(status).toBe(413);
  });

  it('answers 404 for unknown paths and 405 for wrong methods', async () => {
    const notFound = await fetch(`${server.url}/predict`, { method: 'POST', body: '{}' });
    expect(notFound.status).toBe(404);
    expect((await notFound.json()).message).toMatch(/no endpoint \/predict/);
    const getInvocations = await fetch(`${server.url}/invocations`);
    expect(getInvocations.status).toBe(405);
    expect(getInvocations.headers.get('allow')).toBe('POST');
    expect((await fetch(`${server.url}/ping`, { method: 'DELETE' })).status).toBe(405);
  });

  it('keeps serving after bad requests, and logs one line per request', async () => {
    for (let i = 0; i < 5; i++) {
      await post('/invocations', '{broken');
      await post('/nowhere', '{}');
    }
    const r = await post('/invocations', JSON.stringify({ dataframe_records: records(2) }));
    expect(r.status).toBe(200);
    expect(r.json.predictions).toEqual(expected(2));
    expect(logs.some((l) => /^\S+ POST \/invocations 200 \d+\.\dms 2 rows$/.test(l))).toBe(true);
    expect((await post('/invocations', JSON.stringify({ dataframe_records: records(1) }))).status).toBe(200);
    expect(logs.some((l) => /^\S+ POST \/invocations 200 \d+\.\dms 1 row$/.test(l))).toBe(true);
    expect(logs.some((l) => /^\S+ POST \/invocations 400 \d+\.\dms 0 rows$/.test(l))).toBe(true);
    expect(logs.some((l) => /^\S+ POST \/nowhere 404 /.test(l))).toBe(true);
  });

  it('answers the model card\'s curl example, run by curl itself when it is installed', async () => {
    const row = exampleRow(model.artifact.featurizer);
    expect(Object.keys(row)).toEqual(columns());
    const example = serveExample('Titanic:1', row, server.port);
    expect(example.command).toBe(`weir model serve Titanic:1 --port ${server.port}`);
    const body = /-d '(.*)'$/.exec(example.curl)![1]!.replace(/'\\''/g, "'");
    const r = await post('/invocations', body);
    expect(r.status).toBe(200);
    expect(r.json.predictions).toHaveLength(1);
    // Asynchronously: the server answers from this process's event loop.
    const curl = await promisify(execFile)('sh', ['-c', `command -v curl >/dev/null || exit 127; ${example.curl}`]).catch((e: { code?: number }) => e);
    if ('code' in curl && curl.code === 127) return; // no curl on this machine; the body was checked above
    expect(JSON.parse((curl as { stdout: string }).stdout)).toEqual(r.json);
  });

  it('scores a 1,000-row batch', async () => {
    const rows = [...records(891), ...records(109)];
    const r = await post('/invocations?x=1', JSON.stringify({ dataframe_records: rows }));
    expect(r.status).toBe(413); // over this server's 64 KiB test limit
    const roomy = await startServer({ model, info: { name: 'Titanic', version: 1, weir: 'test' }, port: 0 });
    try {
      const res = await fetch(`${roomy.url}/invocations`, { method: 'POST', body: JSON.stringify({ dataframe_records: rows }), headers: { 'Content-Type': 'application/json' } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { predictions: unknown[] };
      expect(body.predictions).toHaveLength(1000);
      expect(body.predictions).toEqual(model.predict(rows).prediction);
    } finally {
      await roomy.close();
    }
  });
});

describe('the model card\'s example row', () => {
  it('writes a date stored as a YYYYMMDD number (statsmodels co2.csv) as that number, not as epoch milliseconds', () => {
    const fill = Date.UTC(1980, 0, 5);
    const plan = { kind: 'datetime', parts: ['year', 'month', 'day', 'weekday', 'dayofyear'], fill, indicator: false, digits: 'yyyymmdd' };
    const state = (duckType: string) => ({ inputSchema: [{ name: 'date', duckType }], columns: [{ name: 'date', purpose: 'DateTime' as const, params: plan }] });
    expect(exampleRow(state('BIGINT'))).toEqual({ date: 19800105 });
    expect(exampleRow(state('VARCHAR'))).toEqual({ date: '19800105' });
  });
});
