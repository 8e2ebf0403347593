import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { withConnection, sqlString } from '../engine/src/data/duckdb';
import { inspectDelimitedFile } from '../engine/src/data/inspectDelimited';
import { ingestSources } from '../engine/src/data/ingest';

/**
 * Dataset registration of a large CSV: vega-datasets flights-3m written out as a 106 MB CSV,
 * then the structural check alone and the whole snapshot (check, type sniff over all rows,
 * Parquet copy).
 */
async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-ingest-'));
  try {
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
