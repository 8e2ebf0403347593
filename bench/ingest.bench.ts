import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { withConnection, withPrivateDuckDB, sqlString } from '../engine/src/data/duckdb';
import { readFeatureTable } from '../engine/src/gbdt/readFeatureTable';
import { inspectDelimitedFile } from '../engine/src/data/inspectDelimited';
import { ingestSources } from '../engine/src/data/ingest';
import { spawnSync } from 'node:child_process';

/**
 * Reads that parse once (issue 9): a generated 300,000 × 20 numeric CSV read by Weir into the
 * booster's matrix (`weir gbdt train`'s reader) and into a dataset snapshot (`weir dataset
 * register`), beside DuckDB's own `CREATE TABLE AS SELECT * FROM read_csv(...)` of the same
 * file, with the same thread count. Bar: each Weir read ≤ 1.5× DuckDB's time (medians of
 * `--rounds=N` interleaved rounds, default 3).
 *
 * Then the formats DuckDB cannot read as they are, which registration rewrites for it: the same
 * table as ARFF (OpenML's format, `data/arff.ts`) and aligned by runs of spaces (UCI's
 * housing.data, `rewriteAligned`), each snapshot's time against the CSV's, and ARFF against
 * scipy's `arff.loadarff` reading the same file into memory (when python3-scipy is installed).
 *
 * Then dataset registration of a large real CSV: vega-datasets flights-3m written out as a
 * 106 MB CSV, the structural check alone and the whole snapshot.
 */
const ROWS = 300_000;
const COLS = 20;
const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? 3);

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function readOnce(dir: string): Promise<void> {
  const csv = path.join(dir, 'numeric.csv');
  const cols = Array.from({ length: COLS }, (_v, j) => (j === 0 ? `(i % 2)::INTEGER AS c0` : `round(random() * ${10 ** (j % 6)}, 3) AS c${j}`)).join(', ');
  await withConnection(async (c) => {
    await c.run('SELECT setseed(0.42)');
    await c.run(`COPY (SELECT ${cols} FROM range(${ROWS}) t(i)) TO ${sqlString(csv)} (HEADER)`);
  });
  const mb = fs.statSync(csv).size / 1e6;
  const threads = await withConnection(async (c) => String((await c.runAndReadAll("SELECT current_setting('threads') AS t")).getRowObjectsJS()[0]!.t));
  // Each contender once to warm the page cache and the native module, then measured in
  // interleaved rounds (so load on a shared machine falls on all three alike); medians compared.
  const duck = () => withPrivateDuckDB((c) => c.run(`CREATE TABLE t AS SELECT * FROM read_csv(${sqlString(csv)})`), { threads: Number(threads) });
  const matrix = () => readFeatureTable(csv, { label: 'c0' });
  let snapshots = 0;
  const snapshot = () => ingestSources([csv], path.join(dir, `snap-${snapshots++}.parquet`), { tmpDir: dir, cwd: dir });
  await duck();
  await matrix();
  await snapshot();
  const times = { duck: [] as number[], matrix: [] as number[], snapshot: [] as number[] };
  let m: Awaited<ReturnType<typeof matrix>> | undefined;
  let sn: Awaited<ReturnType<typeof snapshot>> | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    times.duck.push((await timed(duck)).ms);
    const mr = await timed(matrix);
    times.matrix.push(mr.ms);
    m = mr.value;
    const sr = await timed(snapshot);
    times.snapshot.push(sr.ms);
    sn = sr.value;
  }
  const d = median(times.duck);
  const mm = median(times.matrix);
  const sm = median(times.snapshot);
  const snapshotMb = fs.statSync(path.join(dir, `snap-${snapshots - 1}.parquet`)).size / 1e6;
  console.log(`read once: ${ROWS.toLocaleString('en')} × ${COLS} CSV, ${mb.toFixed(0)} MB, ${threads} DuckDB threads, median of ${ROUNDS} interleaved rounds, load ${os.loadavg()[0]!.toFixed(1)}`);
  console.log(`  DuckDB CREATE TABLE AS read_csv     ${d.toFixed(0).padStart(6)} ms  (${spread(times.duck)})`);
  console.log(`  Weir → booster matrix               ${mm.toFixed(0).padStart(6)} ms  ${(mm / d).toFixed(2)}× DuckDB (bar ≤ 1.5×) ${m!.rows} rows × ${m!.cols} features  (${spread(times.matrix)})`);
  console.log(`  Weir → dataset snapshot (Parquet)   ${sm.toFixed(0).padStart(6)} ms  ${(sm / d).toFixed(2)}× DuckDB (bar ≤ 1.5×) ${sn!.rows} rows, ${snapshotMb.toFixed(1)} MB  (${spread(times.snapshot)})`);
  await rewrittenFormats(dir, csv, sm);
}

/** The CSV above as ARFF and as space-aligned text, registered; times against the CSV's snapshot (`csvMs`). */
async function rewrittenFormats(dir: string, csv: string, csvMs: number): Promise<void> {
  const lines = fs.readFileSync(csv, 'utf8').split('\n');
  const names = lines[0]!.split(',');
  const body = lines.slice(1).filter((l) => l !== '');
  const arff = path.join(dir, 'numeric.arff');
  fs.writeFileSync(arff, `% generated\n@relation numeric\n${names.map((n) => `@attribute ${n} numeric`).join('\n')}\n@data\n${body.join('\n')}\n`);
  const aligned = path.join(dir, 'numeric.dat');
  fs.writeFileSync(aligned, [names, ...body.map((l) => l.split(','))].map((fields) => fields.map((f) => f.padStart(12)).join(' ')).join('\n') + '\n');
  let n = 0;
  const register = (file: string) => ingestSources([file], path.join(dir, `rewritten-${n++}.parquet`), { tmpDir: dir, cwd: dir });
  await register(arff);
  const times = { arff: [] as number[], aligned: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    times.arff.push((await timed(() => register(arff))).ms);
    times.aligned.push((await timed(() => register(aligned))).ms);
  }
  const a = median(times.arff);
  const s = median(times.aligned);
  const mb = (file: string) => (fs.statSync(file).size / 1e6).toFixed(0);
  console.log(`rewritten formats: the same table, median of ${ROUNDS} rounds, load ${os.loadavg()[0]!.toFixed(1)}`);
  console.log(`  ARFF (${mb(arff)} MB) → snapshot          ${a.toFixed(0).padStart(6)} ms  ${(a / csvMs).toFixed(2)}× the CSV's snapshot  (${spread(times.arff)})`);
  console.log(`  aligned by spaces (${mb(aligned)} MB) → snapshot ${s.toFixed(0).padStart(6)} ms  ${(s / csvMs).toFixed(2)}× the CSV's snapshot  (${spread(times.aligned)})`);
  const scipy = spawnSync('python3', ['-c', `import time\nfrom scipy.io import arff\nt=time.perf_counter()\nd,m=arff.loadarff(${JSON.stringify(arff)})\nprint((time.perf_counter()-t)*1000, len(d))`], { encoding: 'utf8' });
  if (scipy.status !== 0) console.log(`  scipy arff.loadarff: not run (${(scipy.stderr || 'python3 missing').trim().split('\n').pop()})`);
  else {
    const ms = Number(scipy.stdout.trim().split(' ')[0]);
    console.log(`  scipy arff.loadarff (read only)     ${ms.toFixed(0).padStart(6)} ms  Weir's ARFF snapshot ${(a / ms).toFixed(2)}× scipy's read`);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function spread(values: number[]): string {
  return values.map((v) => v.toFixed(0)).join(', ');
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-ingest-'));
  try {
    await readOnce(dir);
    const csv = path.join(dir, 'flights.csv');
    await withConnection((c) => c.run(`COPY (SELECT * FROM 'node_modules/vega-datasets/data/flights-3m.parquet') TO ${sqlString(csv)} (HEADER)`));
    const mb = fs.statSync(csv).size / 1e6;
    let t0 = performance.now();
    const shape = await inspectDelimitedFile(csv, 'flights.csv');
    console.log(`CSV check: ${shape.records} rows, ${mb.toFixed(0)} MB in ${(performance.now() - t0).toFixed(0)} ms`);
    t0 = performance.now();
    const result = await ingestSources([csv], path.join(dir, 'out.parquet'), { tmpDir: dir, cwd: dir });
    console.log(`ingest to Parquet: ${result.rows} rows in ${(performance.now() - t0).toFixed(0)} ms`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
