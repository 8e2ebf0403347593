import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunRecord } from '../../engine/src/store/records';
import { cliBundle, repoRoot, tempDir, vegaData } from '../helpers/paths';

/**
 * The example's profile.js needs the repository's node_modules, which a copy of the example in
 * a temp folder does not sit under; sbatch passes the environment on to the jobs.
 */
const nodePath = { NODE_PATH: path.join(repoRoot, 'node_modules') };

/** The bundled CLI as a user runs it, for the Slurm tests (the jobs run this same bundle). */
export function weir(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cliBundle, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...nodePath, WEIR_CLI_MAIN: '1', ...env }, timeout: 240_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

export function startWeir(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [cliBundle, ...args], { cwd, env: { ...process.env, ...nodePath, WEIR_CLI_MAIN: '1', ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  return { child, exited, output: () => out };
}

export async function waitFor<T>(check: () => T | undefined | false, ms = 60_000, what = 'a condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The newest run of a workspace, read from its file (run ids sort by creation time), without opening the store. */
export function latestRun(root: string): RunRecord | undefined {
  const dir = path.join(root, '.weir', 'runs');
  if (!existsSync(dir)) return undefined;
  const newest = readdirSync(dir).filter((n) => n.startsWith('run_')).sort().pop();
  if (!newest) return undefined;
  try {
    return JSON.parse(readFileSync(path.join(dir, newest, 'run.json'), 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
}

/**
 * The penguins example (prep → profile, train → register) in a fresh folder, with fewer AutoML
 * iterations so a test stays short; its data path points back into node_modules.
 */
export function penguinsPipeline(iterations = 4): { dir: string; file: string } {
  const dir = tempDir('weir-slurm-pipe-');
  cpSync(path.join(repoRoot, 'examples', 'penguins'), dir, { recursive: true });
  const file = path.join(dir, 'penguins.pipeline.yaml');
  const text = readFileSync(file, 'utf8')
    .replace('file:../../node_modules/vega-datasets/data/penguins.json', `file:${path.join(vegaData, 'penguins.json')}`)
    .replace(/iterations: \d+/, `iterations: ${iterations}`);
  writeFileSync(file, text);
  return { dir, file };
}
