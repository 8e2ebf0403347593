import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RunRecord, StepRunRecord } from '../engine/src/store/records';

/**
 * The penguins pipeline (sql prep → script profile, automl train → register) with a fixed
 * number of AutoML iterations, on the two-node Slurm cluster of scripts/slurm/start.sh and
 * locally, in one run. Prints both wall times and, per step job, where the time went:
 * Slurm's own latency (submitted, or the job it waited for done → the engine process on the
 * node began) and Weir's overhead (engine start on the node → the step's work began, plus
 * the step's work ended → `weir run` recorded it). Bar: Weir's overhead < 1 s per step.
 *
 *   ITERATIONS=8 npm run bench -- slurm
 */
const ITERATIONS = Number(process.env.ITERATIONS ?? 8);
const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

function skip(why: string): never {
  console.log(`slurm bench skipped: ${why}`);
  process.exit(0);
}

function weir(cwd: string, args: string[]): { record: RunRecord; wallMs: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { cwd, encoding: 'utf8', env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') }, maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) {
    console.error(r.stderr);
    throw new Error(`weir ${args.join(' ')} exited ${r.status}`);
  }
  return { record: JSON.parse(r.stdout) as RunRecord, wallMs };
}

function ms(from?: string, to?: string): number {
  return from && to ? Date.parse(to) - Date.parse(from) : NaN;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? `${(v / 1000).toFixed(2)} s` : '—';
}

function main(): void {
  const info = spawnSync('sinfo', ['-h', '-o', '%D %t'], { encoding: 'utf8', timeout: 5000 });
  if (info.error || info.status !== 0) skip(`no Slurm controller answers (${info.error?.message ?? info.stderr.trim()}); start one with scripts/slurm/start.sh`);
  try {
    readFileSync(cli);
  } catch {
    skip('dist/cli.js is missing; run npm run build');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'weir-bench-slurm-'));
  const pipeDir = path.join(dir, 'pipeline');
  cpSync(path.join(root, 'examples', 'penguins'), pipeDir, { recursive: true });
  const file = path.join(pipeDir, 'penguins.pipeline.yaml');
  writeFileSync(
    file,
    readFileSync(file, 'utf8')
      .replace('file:../../node_modules/vega-datasets/data/penguins.json', `file:${path.join(root, 'node_modules', 'vega-datasets', 'data', 'penguins.json')}`)
      .replace(/iterations: \d+/, `iterations: ${ITERATIONS}`)
      .replace(/experiment_timeout_minutes: \d+/, 'experiment_timeout_minutes: 30'),
  );
  console.log(`penguins pipeline, automl iterations=${ITERATIONS}, cluster: ${info.stdout.trim().replace(/\n/g, ', ')} node(s); load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  // One trial worker on both sides (a job's one CPU), so both run the same search.
  const localWs = mkdtempSync(path.join(dir, 'local-'));
  const local = weir(localWs, ['run', file, '--concurrency', '1', '--no-reuse']);
  const slurmWs = mkdtempSync(path.join(dir, 'slurm-'));
  const slurm = weir(slurmWs, ['run', file, '--executor', 'slurm', '--no-reuse']);
  if (local.record.status !== 'Completed' || slurm.record.status !== 'Completed') throw new Error(`runs ended ${local.record.status} / ${slurm.record.status}`);

  console.log(`\nwall time of weir run (process start to exit): local ${fmt(local.wallMs)}, slurm ${fmt(slurm.wallMs)}`);
  console.log(`run duration (record):                        local ${fmt(ms(local.record.startedAt, local.record.endedAt))}, slurm ${fmt(ms(slurm.record.startedAt, slurm.record.endedAt))}\n`);

  const byJob = new Map(slurm.record.steps.filter((s) => s.slurm).map((s) => [s.slurm!.jobId, s]));
  const rows = [['step', 'local step', 'slurm step work', 'node', 'Slurm latency', 'Weir: start on node', 'Weir: record', 'Weir total']];
  let worst = 0;
  for (const s of slurm.record.steps) {
    const j = s.slurm;
    const l: StepRunRecord | undefined = local.record.steps.find((x) => x.name === s.name);
    if (!j) continue;
    // A dependent job can start only once the job it waits for is done: Slurm's latency counts from then.
    const released = [j.submittedAt, ...(j.after ?? []).map((id) => byJob.get(id)?.slurm?.stepEndedAt)].filter((t): t is string => !!t).sort().pop()!;
    const slurmLatency = ms(released, j.jobStartedAt);
    const startOnNode = ms(j.jobStartedAt, j.stepStartedAt);
    const record = ms(j.stepEndedAt, j.recordedAt);
    const total = startOnNode + record;
    worst = Math.max(worst, total);
    rows.push([s.name, fmt(ms(l?.startedAt, l?.endedAt)), fmt(ms(j.stepStartedAt, j.stepEndedAt)), j.node ?? '', fmt(slurmLatency), fmt(startOnNode), fmt(record), fmt(total)]);
  }
  const widths = rows[0]!.map((_c, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  console.log(`\nWeir's overhead per step job, worst: ${fmt(worst)} (bar < 1 s beyond Slurm's scheduling latency): ${worst < 1000 ? 'PASS' : 'FAIL'}`);
  console.log(`(the start on the node is Node's start, loading the CLI bundle, opening the store, reading the pipeline file and the inputs; recording is the result file → the next 300 ms squeue/file poll → run.json)`);
}

main();
