import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readColumnar, profileTable } from '../engine/src/data/tables';

/** `readColumnar` on vega-datasets flights-3m.parquet (3M rows: timestamp, 2 integers, 2 strings). */
const file = path.resolve('node_modules/vega-datasets/data/flights-3m.parquet');

async function main(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    const table = await readColumnar(file);
    const ms = performance.now() - t0;
    console.log(`readColumnar run ${i + 1}: ${table.rows} rows × ${table.columns.length} columns in ${ms.toFixed(0)} ms (heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB)`);
  }
  const t1 = performance.now();
  const numbers = await readColumnar(file, ['delay', 'distance']);
  console.log(`readColumnar numeric columns only: ${numbers.rows} rows in ${(performance.now() - t1).toFixed(0)} ms`);
  const t2 = performance.now();
  const profile = await profileTable(file);
  console.log(`profileTable: ${profile.columns.length} columns in ${(performance.now() - t2).toFixed(0)} ms`);
}

void main();
