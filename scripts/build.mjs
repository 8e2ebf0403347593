// Builds every bundle Weir ships into dist/:
//   dist/cli.js, dist/server.js, dist/worker.js, dist/api.js  (engine entry points, Node, CommonJS)
//   dist/extension.js                             (VS Code client, Node, CommonJS)
//   dist/webview/<name>.js                        (webview UIs, browser, IIFE)
//   dist/gbdt.wasm                                (AssemblyScript boosting kernels)
// Entry points that do not exist yet are skipped so the build stays green while parts land.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
mkdirSync(dist, { recursive: true });
const production = process.argv.includes('--production');

const nodeEntries = [
  ['engine/src/cli/main.ts', 'cli.js'],
  ['engine/src/lsp/server.ts', 'server.js'],
  ['engine/src/automl/worker.ts', 'worker.js'],
  // The JS API (`loadModel(path).predict(rows)`) for Node programs: require('weir/dist/api.js').
  ['engine/src/index.ts', 'api.js'],
  ['extension/src/extension.ts', 'extension.js'],
];

const common = {
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const jobs = [];
for (const [entry, out] of nodeEntries) {
  if (!existsSync(path.join(root, entry))) continue;
  jobs.push(
    build({
      ...common,
      entryPoints: [entry],
      outfile: path.join(dist, out),
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // DuckDB is a native N-API addon and vscode is provided by the host: both stay require()s.
      external: ['vscode', '@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-*'],
    }),
  );
}

const webviewDir = path.join(root, 'webview/src');
if (existsSync(webviewDir)) {
  for (const name of readdirSync(webviewDir)) {
    const entry = path.join(webviewDir, name, 'main.ts');
    if (!existsSync(entry)) continue;
    jobs.push(
      build({
        ...common,
        entryPoints: [entry],
        outfile: path.join(dist, 'webview', `${name}.js`),
        platform: 'browser',
        target: 'es2022',
        format: 'iife',
        loader: { '.css': 'text' },
      }),
    );
  }
}

await Promise.all(jobs);

const ascEntry = path.join(root, 'engine/src/gbdt/assembly/index.ts');
if (existsSync(ascEntry)) {
  const asc = path.join(root, 'node_modules/assemblyscript/bin/asc.js');
  execFileSync(
    process.execPath,
    [asc, ascEntry, '--config', path.join(root, 'engine/src/gbdt/asconfig.json'), '--target', 'release', '--outFile', path.join(dist, 'gbdt.wasm')],
    { stdio: 'inherit', cwd: root },
  );
}
