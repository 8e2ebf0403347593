import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';

/** The repository root. */
export const repoRoot = path.resolve(__dirname, '..', '..');
/**
 * The article's Titanic table (Kaggle train.csv, 891 rows), shipped in the repository so tests
 * never read outside it; its source is in examples/titanic/data/README.md.
 */
export const titanicCsv = path.join(repoRoot, 'examples', 'titanic', 'data', 'titanic.csv');
/** Real public tables that ship in the `vega-datasets` npm package. */
export const vegaData = path.join(repoRoot, 'node_modules', 'vega-datasets', 'data');
/** The bundled CLI (needs `npm run build`, which `npm test` runs first). */
export const cliBundle = path.join(repoRoot, 'dist', 'cli.js');
/**
 * Debian's Python, which has python3-xgboost, python3-sklearn and python3-pandas from apt
 * (a pyenv `python3` earlier on PATH may lack them). Override with WEIR_PYTHON.
 */
export const python = process.env.WEIR_PYTHON ?? '/usr/bin/python3';

export function tempDir(prefix = 'weir-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
