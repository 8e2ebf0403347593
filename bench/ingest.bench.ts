import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { withConnection, withPrivateDuckDB, sqlString } from '../engine/src/data/duckdb';
import { readFeatureTable } from '../engine/src/gbdt/readFeatureTable';
import { inspectDelimitedFile } from '../engine/src/data/inspectDelimited';
import { ingestSources } from '../engine/src/data/ingest';

/**
 * Reads that parse once (issue 9): a generated 300,000 × 20 numeric CSV read by Weir into the
 * booster's matrix (`weir gbdt train`'s reader) and into a dataset snapshot (`weir dataset
 * register`), beside DuckDB's own `CREATE TABLE AS SELECT * FROM read_csv(...)` of the same
 * file, with the same thread count. Bar: each Weir read ≤ 1.5× DuckDB's time.
 *
 * Then dataset registration of a large real CSV: vega-datasets flights-3m written out as a
 * 106 MB CSV, the structural check alone and the whole snapshot.
 */
const ROWS = 300_000;
const COLS = 20;

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
  // Each contender once to warm the page cache and the native module, then measured.
  const duck = () => withPrivateDuckDB((c) => c.run(`CREATE TABLE t AS SELECT * FROM read_csv(${sqlString(csv)})`), { threads: Number(threads) });
  const matrix = () => readFeatureTable(csv, { label: 'c0' });
  const snapshot = () => ingestSources([csv], path.join(dir, `snap-${Math.random()}.parquet`), { tmpDir: dir, cwd: dir });
  await duck();
  const d = await timed(duck);
  await matrix();
  const m = await timed(matrix);
  const sn = await timed(snapshot);
  console.log(`read once: ${ROWS.toLocaleString('en')} × ${COLS} CSV, ${mb.toFixed(0)} MB, ${threads} DuckDB threads`);
  console.log(`  DuckDB CREATE TABLE AS read_csv     ${d.ms.toFixed(0).padStart(6)} ms`);
  console.log(`  Weir → booster matrix               ${m.ms.toFixed(0).padStart(6)} ms  ${(m.ms / d.ms).toFixed(2)}× DuckDB (bar ≤ 1.5×) ${m.value.rows} rows × ${m.value.cols} features`);
  console.log(`  Weir → dataset snapshot (Parquet)   ${sn.ms.toFixed(0).padStart(6)} ms  ${(sn.ms / d.ms).toFixed(2)}× DuckDB (bar ≤ 1.5×) ${sn.value.rows} rows`);
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
