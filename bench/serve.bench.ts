import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { predictCommands } from '../engine/src/cli/commands/predict';
import type { CliIO } from '../engine/src/cli/command';
import { loadModel } from '../engine/src/automl/model/loadModel';
import { readTableFile, toCsv } from '../engine/src/automl/model/tableFiles';
import { runAutoML } from '../engine/src/automl/runAutoML';
import { parseAutoMLConfig } from '../engine/src/automl/settings';
import type { ColumnarTable } from '../engine/src/automl/types';
import { openWorkspace } from '../engine/src/store/workspace';

/**
 * `npm run bench -- serve`: `weir model serve` (the built `dist/cli.js`, as a user starts it)
 * on a registered AutoML model (Titanic, 4 iterations with the voting ensemble, served as
 * `Titanic@champion`), driven from this process by autocannon against 127.0.0.1 with bounded
 * request counts. The server runs in its own process, as it does for users, so the load
 * generator's work does not queue on the server's event loop.
 *
 * (a) single-row requests at 200 requests/s (2,000 requests over 4 connections) — bar: p99 < 10 ms;
 * (b) 1,000-row batches one after another (100 requests, 1 connection) — bar: p99 < 50 ms;
 * (c) `weir model predict` on the same 1,000 rows, in process (read CSV, score, write CSV) and
 *     as a fresh `node dist/cli.js` process — bar: the server's time per row for a batch
 *     (HTTP and JSON included) is no more than the in-process CLI's.
 *
 * Flags: `--requests=N` scales (a)'s count.
 */
const root = path.resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const requests = Number(args.find((a) => a.startsWith('--requests='))?.split('=')[1] ?? 2000);
const failures: string[] = [];

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(__filename)('autocannon') as Autocannon;

function bar(name: string, ok: boolean, detail: string): void {
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
  if (!ok) failures.push(name);
}

function rowsOf(table: ColumnarTable, columns: string[], n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, r) => {
    const row: Record<string, unknown> = {};
    for (const name of columns) {
      const v = table.columns.find((c) => c.name === name)!.values[r % table.rows];
      row[name] = typeof v === 'number' && Number.isNaN(v) ? null : v;
    }
    return row;
  });
}

/** Server-side handling times (ms) from the request log lines printed since `from`. */
function serverTimes(log: string, from: number, rows: number): number[] {
  const times: number[] = [];
  for (const m of log.slice(from).matchAll(/ POST \/invocations 200 ([\d.]+)ms (\d+) rows/g)) if (Number(m[2]) === rows) times.push(Number(m[1]));
  return times.sort((x, y) => x - y);
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
}

function report(label: string, r: AutocannonResult, rows: number): void {
  console.log(
    `${label}: ${r.requests.total} requests in ${r.duration.toFixed(1)} s, ${r.requests.average.toFixed(0)} req/s, ${(r.requests.average * rows).toFixed(0)} rows/s; ` +
      `latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms; non-2xx ${r.non2xx}, errors ${r.errors}`,
  );
}

async function run(): Promise<void> {
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${os.cpus().length} cores`);
  const ws = mkdtempSync(path.join(os.tmpdir(), 'weir-bench-serve-'));
  const titanicCsv = path.join(root, 'examples', 'titanic', 'data', 'titanic.csv');
  const training = await readTableFile(titanicCsv);
  let t = performance.now();
  const result = await runAutoML({
    config: parseAutoMLConfig({ task: 'classification', label_column_name: 'Survived', primary_metric: 'AUC_weighted', iterations: 4, n_cross_validations: 3, enable_stack_ensemble: false, seed: 1, featurization: { drop_columns: ['PassengerId', 'Name', 'Ticket'] } }),
    training,
    outDir: mkdtempSync(path.join(os.tmpdir(), 'weir-bench-serve-automl-')),
    log: () => undefined,
    signal: new AbortController().signal,
  });
  const store = await openWorkspace(ws);
  const registered = await store.registerModel('Titanic', result.modelDir, { framework: 'weir-automl' });
  await store.setModelAlias('Titanic', 'champion', registered.version);
  const modelPath = store.artifactPath((await store.resolveModel({ name: 'Titanic', alias: 'champion' })).artifact);
  await store.dispose();
  const model = loadModel(modelPath);
  console.log(`model: Titanic@champion → ${registered.version}, ${model.algorithm}, ${model.inputSchema.length} input columns (trained in ${((performance.now() - t) / 1000).toFixed(1)} s)`);

  const cli = path.join(root, 'dist', 'cli.js');
  if (!existsSync(cli)) {
    console.log(`bench serve: ${cli} is missing; run npm run build first.`);
    process.exitCode = 1;
    return;
  }
  const server = spawn(process.execPath, [cli, 'model', 'serve', 'Titanic@champion', '--port', '0', '--workspace', ws], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  let printed = '';
  server.stdout.on('data', (d: Buffer) => (printed += d.toString()));
  t = performance.now();
  while (!/Listening on (\S+)/.test(printed)) {
    if (server.exitCode !== null) throw new Error(`weir model serve exited: ${printed}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const base = /Listening on (\S+)/.exec(printed)![1]!;
  console.log(`weir model serve Titanic@champion: ready at ${base} in ${(performance.now() - t).toFixed(0)} ms (process start, store, model load)`);
  const url = `${base}/invocations`;
  const columns = model.inputSchema.map((c) => c.name);
  const headers = { 'content-type': 'application/json' };
  try {
    // Warm up the JIT and the connection pool.
    await autocannon({ url, method: 'POST', headers, body: JSON.stringify({ dataframe_records: rowsOf(training, columns, 1) }), amount: 200, connections: 2 });

    console.log('\n--- (a) single-row requests at 200 requests/s ---');
    const single = JSON.stringify({ dataframe_split: { columns, data: rowsOf(training, columns, 1).map((r) => columns.map((c) => r[c])) } });
    let mark = printed.length;
    const a = await autocannon({ url, method: 'POST', headers, body: single, amount: requests, connections: 4, overallRate: 200 });
    report('single row', a, 1);
    await new Promise((r) => setTimeout(r, 200));
    const sa = serverTimes(printed, mark, 1);
    console.log(`  inside the server (parse, validate, score, answer; from its request log): p50 ${quantile(sa, 0.5)} ms, p99 ${quantile(sa, 0.99)} ms over ${sa.length} requests`);
    bar('single-row p99 < 10 ms at 200 req/s', a.latency.p99 < 10 && a.non2xx === 0 && a.errors === 0, `p99 ${a.latency.p99} ms`);

    console.log('\n--- (b) 1,000-row batches ---');
    const batchRows = rowsOf(training, columns, 1000);
    const batch = JSON.stringify({ dataframe_records: batchRows });
    mark = printed.length;
    const b = await autocannon({ url, method: 'POST', headers, body: batch, amount: 100, connections: 1 });
    report('1,000-row batch', b, 1000);
    await new Promise((r) => setTimeout(r, 200));
    const sb = serverTimes(printed, mark, 1000);
    console.log(`  inside the server: p50 ${quantile(sb, 0.5)} ms, p99 ${quantile(sb, 0.99)} ms over ${sb.length} requests`);
    bar('1,000-row batch p99 < 50 ms', b.latency.p99 < 50 && b.non2xx === 0 && b.errors === 0, `p50 ${b.latency.p50} ms, p99 ${b.latency.p99} ms (body ${(batch.length / 1024).toFixed(0)} KiB)`);

    console.log('\n--- (c) weir model predict on the same 1,000 rows ---');
    const csv = path.join(ws, 'rows.csv');
    const outCsv = path.join(ws, 'out.csv');
    writeFileSync(csv, toCsv({ rows: 1000, columns: model.inputSchema.map((c) => ({ name: c.name, type: 'string', duckType: 'VARCHAR', values: batchRows.map((r) => (r[c.name] === null ? null : String(r[c.name]))) })) }));
    const io: CliIO = { out: () => undefined, err: () => undefined, json: () => undefined, isTTY: false, signal: new AbortController().signal };
    const predict = predictCommands.find((c) => c.path.join(' ') === 'model predict')!;
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      t = performance.now();
      const code = await predict.run({ positionals: ['Titanic@champion', csv], values: { out: outCsv }, workspace: ws, json: false }, io);
      if (code !== 0) throw new Error(`weir model predict exited ${code}`);
      if (i > 0) times.push(performance.now() - t);
    }
    times.sort((x, y) => x - y);
    const inProcess = times[Math.floor(times.length / 2)]!;
    t = performance.now();
    const child = spawnSync(process.execPath, [cli, 'model', 'predict', 'Titanic@champion', csv, '--out', outCsv, '--workspace', ws], { encoding: 'utf8' });
    const processMs = performance.now() - t;
    if (child.status !== 0) console.log(`(dist/cli.js model predict failed: ${child.stderr.trim().split('\n')[0]})`);
    console.log(`weir model predict, in process (median of 5): ${inProcess.toFixed(1)} ms = ${((inProcess / 1000) * 1000).toFixed(1)} µs/row`);
    if (child.status === 0) console.log(`weir model predict, a fresh node dist/cli.js process: ${processMs.toFixed(0)} ms = ${processMs.toFixed(0)} µs/row`);
    t = performance.now();
    for (let i = 0; i < 20; i++) model.predict(batchRows);
    console.log(`model.predict on the 1,000 rows in this process (no HTTP, no JSON): ${((performance.now() - t) / 20).toFixed(2)} ms`);
    console.log(`server, 1,000-row batch over HTTP: p50 ${b.latency.p50} ms = ${b.latency.p50.toFixed(1)} µs/row`);
    bar('server per row ≤ CLI batch path per row', b.latency.p50 <= inProcess, `${b.latency.p50} ms vs ${inProcess.toFixed(1)} ms per 1,000 rows`);
  } finally {
    server.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) bar('the server stops cleanly on SIGTERM', false, `exit code ${code}`);
    model.dispose();
  }
  if (failures.length) {
    console.log(`\n${failures.length} bar(s) missed: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

void run().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
