import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** Where setup.sh installed Node 24 and code-server (outside git). */
export const e2eCache = process.env.WEIR_E2E_CACHE || path.join(repoRoot, '.e2e');
export const node24 = path.join(e2eCache, 'node24', 'node_modules', 'node', 'bin', 'node');
export const codeServerEntry = path.join(e2eCache, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
/** Screenshots and logs of the last run (gitignored). */
export const resultsDir = path.join(repoRoot, 'test-results', 'e2e');
/** The package every spec installs; built once by globalSetup. */
export const vsixPath = process.env.WEIR_E2E_VSIX || path.join(resultsDir, 'weir.vsix');
export const chromiumPath = process.env.WEIR_E2E_CHROMIUM || '/usr/bin/chromium';
