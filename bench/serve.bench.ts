import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
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
 * `Titanic@champion`), driven against 127.0.0.1 with bounded request counts. Three processes:
 * the server (as users run it), a load generator (this file again, `--load-generator`, or
 * autocannon's CLI), and this one, which trained the model and waits while they run; so neither
 * the load generator's work nor this process's heap (DuckDB, the training data) queues on the
 * server's event loop or pauses the clock that measures it.
 *
 * (a) single-row requests at a steady 200 requests/s (2,000) — bar: p99 < 10 ms. The load is
 *     open-loop, one request every 5 ms on its schedule, each on a free keep-alive connection,
 *     and latency is counted from the scheduled send time, so a slow answer cannot hide the
 *     requests it delayed (coordinated omission). autocannon's `overallRate` is not used here:
 *     it sends each connection's quota for the second back to back at the start of the second
 *     (bursts of 200, then idle), and its coordinated-omission correction takes the expected
 *     interval as ceil(1 / rate) = 1 ms instead of 1000 / rate ms, adding a synthetic sample per
 *     millisecond of every slow answer (autocannon 8.0.0, lib/run.js).
 * (b) 1,000-row batches one after another (100 requests, 1 connection; autocannon) — bar: p99 < 50 ms;
 * (c) `weir model predict` on the same 1,000 rows, in process (read CSV, score, write CSV) and
 *     as a fresh `node dist/cli.js` process — bar: the server's time per row for a batch
 *     (HTTP and JSON included) is no more than the in-process CLI's.
 *
 * Beside each phase: the load average, the server's CPU time and the time it spent runnable
 * but waiting for a core (`/proc/PID/schedstat`), which says how much of a tail is the box.
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

/** What the paced load generator reports (milliseconds). */
interface PacedResult {
  /** Response end − scheduled send time, sorted. */
  fromSchedule: number[];
  /** Response end − actual send time, sorted. */
  fromSend: number[];
  /** Actual − scheduled send time (the generator's own lateness), sorted. */
  lateness: number[];
  non2xx: number;
  errors: number;
  durationMs: number;
}

/**
 * The `--load-generator` child: `count` POSTs of `body` to `url`, request i sent at
 * start + i × 1000 / rate ms whatever happened to the earlier ones (open loop), each on a free
 * keep-alive connection (the agent opens another when all are busy, so nothing queues here).
 */
async function pacedLoad(opts: { url: string; body: string; rate: number; count: number }): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const target = new URL(opts.url);
  const body = Buffer.from(opts.body);
  const fromSchedule: number[] = [];
  const fromSend: number[] = [];
  const lateness: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let pending = 0;
  const start = performance.now() + 20;
  const interval = 1000 / opts.rate;
  await new Promise<void>((resolve) => {
    const send = (scheduled: number) => {
      const sentAt = performance.now();
      lateness.push(sentAt - scheduled);
      pending++;
      const finish = (ok: boolean) => {
        const end = performance.now();
        if (ok) {
          fromSchedule.push(end - scheduled);
          fromSend.push(end - sentAt);
        } else errors++;
        if (--pending === 0 && sent === opts.count) resolve();
      };
      const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
        if ((res.statusCode ?? 0) >= 300) non2xx++;
        res.resume();
        res.on('end', () => finish(true));
        res.on('error', () => finish(false));
      });
      req.on('error', () => finish(false));
      req.end(body);
    };
    const tick = () => {
      // Every request whose time has come (a late timer sends the ones it missed at once).
      while (sent < opts.count && start + sent * interval <= performance.now()) send(start + sent++ * interval);
      if (sent < opts.count) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    setTimeout(tick, 20);
  });
  agent.destroy();
  const sort = (a: number[]) => a.sort((x, y) => x - y);
  return { fromSchedule: sort(fromSchedule), fromSend: sort(fromSend), lateness: sort(lateness), non2xx, errors, durationMs: performance.now() - start };
}

/**
 * A child process's stdout, parsed as JSON. Asynchronous: this process must keep reading the
 * server's request log meanwhile, or the server would block writing it to a full pipe.
 */
function childJson<T>(args: string[], what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as T);
      else reject(new Error(`${what} exited ${code}: ${err}`));
    });
  });
}

/** Runs `pacedLoad` in a child process (this bench's own bundle). */
function pacedLoadInChild(opts: { url: string; body: string; rate: number; count: number }): Promise<PacedResult> {
  return childJson([__filename, `--load-generator=${JSON.stringify(opts)}`], 'the load generator');
}

/** autocannon's CLI in a child process (closed loop: each connection sends its next request when the last answer came). */
function autocannonInChild(opts: { url: string; bodyFile: string; amount: number; connections: number }): Promise<AutocannonResult> {
  const cliPath = createRequire(__filename).resolve('autocannon/autocannon.js');
  return childJson([cliPath, '--json', '--amount', String(opts.amount), '--connections', String(opts.connections), '--method', 'POST', '--headers', 'content-type=application/json', '--input', opts.bodyFile, opts.url], 'autocannon');
}

/** CPU time and run-queue wait (ms) of a process so far, from /proc/PID/schedstat (Linux; zeros elsewhere). */
function schedstat(pid: number): { cpu: number; wait: number } {
  try {
    const [cpu, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { cpu: cpu! / 1e6, wait: wait! / 1e6 };
  } catch {
    return { cpu: 0, wait: 0 };
  }
}

function load(): string {
  return os.loadavg().map((l) => l.toFixed(1)).join(' ');
}

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

function ms(v: number): string {
  return `${v.toFixed(1)} ms`;
}

function report(label: string, r: AutocannonResult, rows: number): void {
  console.log(
    `${label}: ${r.requests.total} requests in ${r.duration.toFixed(1)} s, ${r.requests.average.toFixed(0)} req/s, ${(r.requests.average * rows).toFixed(0)} rows/s; ` +
      `latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms; non-2xx ${r.non2xx}, errors ${r.errors}`,
  );
}

async function run(): Promise<void> {
  console.log(`load average ${load()}, ${os.cpus().length} cores`);
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
  const bodyFile = (name: string, text: string) => {
    const file = path.join(ws, name);
    writeFileSync(file, text);
    return file;
  };
  try {
    // Warm up the JIT and the connection pool.
    await autocannonInChild({ url, bodyFile: bodyFile('warm.json', JSON.stringify({ dataframe_records: rowsOf(training, columns, 1) })), amount: 500, connections: 2 });

    console.log('\n--- (a) single-row requests at a steady 200 requests/s ---');
    const single = JSON.stringify({ dataframe_split: { columns, data: rowsOf(training, columns, 1).map((r) => columns.map((c) => r[c])) } });
    let mark = printed.length;
    let before = schedstat(server.pid!);
    const loadBefore = load();
    const a = await pacedLoadInChild({ url, body: single, rate: 200, count: requests });
    let after = schedstat(server.pid!);
    const p99 = quantile(a.fromSchedule, 0.99);
    console.log(
      `single row: ${a.fromSchedule.length} requests in ${(a.durationMs / 1000).toFixed(1)} s (${((a.fromSchedule.length / a.durationMs) * 1000).toFixed(0)} req/s); ` +
        `latency from the scheduled send p50 ${ms(quantile(a.fromSchedule, 0.5))}, p99 ${ms(p99)}, max ${ms(a.fromSchedule.at(-1)!)}; ` +
        `from the actual send p50 ${ms(quantile(a.fromSend, 0.5))}, p99 ${ms(quantile(a.fromSend, 0.99))}; non-2xx ${a.non2xx}, errors ${a.errors}`,
    );
    console.log(`  the load generator's own lateness (sent after the schedule): p50 ${ms(quantile(a.lateness, 0.5))}, p99 ${ms(quantile(a.lateness, 0.99))}`);
    await new Promise((r) => setTimeout(r, 200));
    const sa = serverTimes(printed, mark, 1);
    console.log(`  inside the server (parse, validate, score, answer; from its request log): p50 ${quantile(sa, 0.5)} ms, p99 ${quantile(sa, 0.99)} ms over ${sa.length} requests`);
    console.log(`  the server process: ${(after.cpu - before.cpu).toFixed(0)} ms of CPU (${(((after.cpu - before.cpu) / requests) * 1000).toFixed(0)} µs a request, its log included), ${(after.wait - before.wait).toFixed(0)} ms runnable but waiting for a core; load average ${loadBefore} before, ${load()} after`);
    bar('single-row p99 < 10 ms at 200 req/s', p99 < 10 && a.non2xx === 0 && a.errors === 0 && a.fromSchedule.length === requests, `p99 ${ms(p99)}`);

    console.log('\n--- (b) 1,000-row batches ---');
    const batchRows = rowsOf(training, columns, 1000);
    const batch = JSON.stringify({ dataframe_records: batchRows });
    mark = printed.length;
    before = schedstat(server.pid!);
    const b = await autocannonInChild({ url, bodyFile: bodyFile('batch.json', batch), amount: 100, connections: 1 });
    after = schedstat(server.pid!);
    report('1,000-row batch', b, 1000);
    await new Promise((r) => setTimeout(r, 200));
    const sb = serverTimes(printed, mark, 1000);
    console.log(`  inside the server: p50 ${quantile(sb, 0.5)} ms, p99 ${quantile(sb, 0.99)} ms over ${sb.length} requests`);
    console.log(`  the server process: ${(after.cpu - before.cpu).toFixed(0)} ms of CPU, ${(after.wait - before.wait).toFixed(0)} ms waiting for a core; load average ${load()}`);
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

const generator = args.find((a) => a.startsWith('--load-generator='));
if (generator) {
  void pacedLoad(JSON.parse(generator.slice('--load-generator='.length)) as Parameters<typeof pacedLoad>[0]).then((r) => process.stdout.write(JSON.stringify(r)));
} else {
  void run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
