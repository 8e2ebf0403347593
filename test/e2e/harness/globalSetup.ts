import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
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
  if (process.env.WEIR_E2E_VSIX && existsSync(vsixPath)) return;
  execFileSync(process.execPath, ['scripts/package.mjs', '-o', vsixPath], { cwd: repoRoot, stdio: 'inherit' });
}
