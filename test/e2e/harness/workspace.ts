import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createExample } from '../../../engine/src/lsp/example';
import { repoRoot } from './paths';

/**
 * A throwaway workspace holding Weir's example pipeline (what "Weir: Create Example Pipeline"
 * writes) and a CSV to register, with one run already made by the CLI in another process, as
 * a user's terminal would.
 */
export async function exampleWorkspace(): Promise<{ folder: string; pipelineFile: string; cliRunId: string }> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'weir-e2e-ws-'));
  const { pipelineFile } = await createExample(folder);
  copyFileSync(path.join(repoRoot, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv'), path.join(folder, 'seattle-weather.csv'));
  const cli = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'run', pipelineFile, '--workspace', folder, '--json'], { encoding: 'utf8', timeout: 180_000 });
  if (cli.status !== 0) throw new Error(`weir run of the example failed (exit ${cli.status}):\n${cli.stderr}\n${cli.stdout.slice(-2000)}`);
  const match = /"id"\s*:\s*"(run_[^"]+)"/.exec(cli.stdout);
  return { folder, pipelineFile, cliRunId: match?.[1] ?? '' };
}
