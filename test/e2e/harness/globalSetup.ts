import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { codeServerEntry, node24, repoRoot, resultsDir, vsixPath } from './paths';

/** Checks the tools are installed and packages the extension once for every spec. */
export default function globalSetup(): void {
  for (const [what, file] of [
    ['Node 24', node24],
    ['code-server', codeServerEntry],
  ]) {
    if (!existsSync(file)) throw new Error(`${what} is missing at ${file}: run test/e2e/setup.sh (npm run test:e2e does).`);
  }
  mkdirSync(resultsDir, { recursive: true });
  // Screenshots and logs of an earlier run would read as this run's.
  for (const file of readdirSync(resultsDir)) {
    if (file.endsWith('.png') || file === 'vscode-logs' || file === 'code-server.log') rmSync(path.join(resultsDir, file), { recursive: true, force: true });
  }
  if (process.env.WEIR_E2E_VSIX && existsSync(vsixPath)) return;
  execFileSync(process.execPath, ['scripts/package.mjs', '-o', vsixPath], { cwd: repoRoot, stdio: 'inherit' });
}
