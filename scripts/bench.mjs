// `npm run bench -- NAME…` runs bench/NAME.bench.ts (all of them without a name).
// Each benchmark is bundled with esbuild (DuckDB stays external) and run in its own
// Node process so one benchmark's memory does not colour the next one's peak.
import { build } from 'esbuild';
import { readdirSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const benchDir = path.join(root, 'bench');
const cache = path.join(benchDir, '.cache');
mkdirSync(cache, { recursive: true });

const available = readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const extra = process.argv.slice(2).filter((a) => a.startsWith('-'));
const selected = names.length ? names : available;
for (const name of selected) {
  if (!available.includes(name)) {
    console.error(`bench: no bench/${name}.bench.ts (have: ${available.join(', ') || 'none'})`);
    process.exit(2);
  }
}
let failed = false;
for (const name of selected) {
  const outfile = path.join(cache, `${name}.js`);
  await build({
    entryPoints: [path.join(benchDir, `${name}.bench.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
    external: ['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-*'],
  });
  console.log(`\n=== bench ${name} ===`);
  const r = spawnSync(process.execPath, ['--enable-source-maps', '--expose-gc', outfile, ...extra], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
