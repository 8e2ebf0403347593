// `npm run package`: builds minified bundles and writes weir.vsix with @vscode/vsce.
//
// vsce runs with --no-dependencies (the bundles carry every JS dependency), which leaves the
// root node_modules out of the package. DuckDB is a native N-API addon that cannot be bundled,
// so its packages (and `detect-libc`, which @duckdb/node-bindings requires on Linux) are copied
// to dist/node_modules/, where Node's resolution from dist/server.js finds them. The example
// data for "Weir: Create Example Pipeline" is copied from the vega-datasets package.
// .vscodeignore is an allowlist of exactly these files.
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
const out = process.argv.includes('-o') ? process.argv[process.argv.indexOf('-o') + 1] : path.join(root, 'weir.vsix');

execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--production'], { stdio: 'inherit', cwd: root });

mkdirSync(path.join(dist, 'examples'), { recursive: true });
cpSync(path.join(root, 'node_modules/vega-datasets/data/penguins.json'), path.join(dist, 'examples/penguins.json'));

const platform = `${process.platform}-${process.arch}`;
const nativePackages = ['@duckdb/node-api', '@duckdb/node-bindings', `@duckdb/node-bindings-${platform}`, 'detect-libc'];
rmSync(path.join(dist, 'node_modules'), { recursive: true, force: true });
for (const name of nativePackages) {
  const source = path.join(root, 'node_modules', name);
  if (!existsSync(source)) throw new Error(`package: ${name} is not installed (run npm ci on ${platform})`);
  cpSync(source, path.join(dist, 'node_modules', name), { recursive: true, dereference: true });
}

const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
// vsce's --target names are Node's platform-arch pairs; other platforms get an untargeted package.
const vsceTargets = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
const vsceTarget = vsceTargets.includes(platform) ? platform : undefined;
execFileSync(
  process.execPath,
  // The README's relative links point into the repository, which has no public URL to rewrite them to.
  [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', ...(vsceTarget ? ['--target', vsceTarget] : []), '-o', out],
  { stdio: 'inherit', cwd: root },
);
console.log(`package: ${path.relative(process.cwd(), out)} (${(statSync(out).size / 1e6).toFixed(1)} MB, ${platform})`);
