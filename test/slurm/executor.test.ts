import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ArtifactRef, RunRecord } from '../../engine/src/store/records';
import { tempDir } from '../helpers/paths';
import { liveJobs, slurmSkipReason } from './cluster';
import { latestRun, penguinsPipeline, startWeir, waitFor, weir } from './weir';

/**
 * `weir run --executor slurm` on the real two-node cluster of scripts/slurm/start.sh: steps
 * are sbatch jobs ordered by Slurm's dependencies, outputs equal a local run's, reuse submits
 * nothing, cancel and an outside scancel leave no job behind.
 */

/** Drops what differs between any two runs of the same step: creation times and trial durations. */
function withoutTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'createdAt' && k !== 'durationMs').map(([k, v]) => [k, withoutTimes(v)]));
  return value;
}

/**
 * What a step output holds, for comparing two runs: the content hash of a file; for a folder
 * (an AutoML model) the hash of each file, with the JSON files' creation times and trial
 * durations left out, since those differ between any two runs.
 */
function contentOf(root: string, ref: ArtifactRef): string {
  const abs = path.join(root, ref.path);
  if (!statSync(abs).isDirectory()) return ref.hash;
  const files = readdirSync(abs, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return files
    .map((e) => path.relative(abs, path.join(e.parentPath, e.name)))
    .sort()
    .map((f) => {
      const text = readFileSync(path.join(abs, f));
      const content = f.endsWith('.json') ? JSON.stringify(withoutTimes(JSON.parse(text.toString('utf8')))) : text;
      return `${f}:${createHash('sha256').update(content).digest('hex')}`;
    })
    .join('\n');
}

/** Every file under the store's durable folders with its size: "the store as it was". */
function storeState(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${path.relative(root, p)}:${statSync(p).size}`);
    }
  };
  for (const d of ['runs', 'datasets', 'models', 'artifacts', 'index']) walk(path.join(root, '.weir', d));
  return out.sort();
}

function allJobIds(): Set<string> {
  const r = spawnSync('squeue', ['-h', '--states=all', '-o', '%i'], { encoding: 'utf8', timeout: 5000 });
  return new Set(r.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
}

function stepOf(run: RunRecord, name: string) {
  return run.steps.find((s) => s.name === name)!;
}

describe.skipIf(slurmSkipReason !== undefined)('weir run --executor slurm on the two-node cluster', () => {
  test('the penguins pipeline runs as one job per step, with the DAG as afterok dependencies, and gives the outputs of a local run; a rerun reuses every step and submits nothing', { timeout: 300_000 }, () => {
    const { file } = penguinsPipeline(4);
    const local = tempDir('weir-slurm-local-');
    const onSlurm = tempDir('weir-slurm-ws-');
    // One CPU per job is one trial worker, so the local run uses one too: the search is then the same.
    const l = weir(local, ['run', file, '--concurrency', '1', '--json']);
    expect(l.code, l.err).toBe(0);
    const r = weir(onSlurm, ['run', file, '--executor', 'slurm', '--json']);
    expect(r.code, r.err).toBe(0);
    const localRun = JSON.parse(l.out) as RunRecord;
    const slurmRun = JSON.parse(r.out) as RunRecord;
    expect(slurmRun.status).toBe('Completed');
    for (const step of localRun.steps) {
      const other = stepOf(slurmRun, step.name);
      expect(other.status, step.name).toBe('Completed');
      expect(Object.keys(other.outputs).sort()).toEqual(Object.keys(step.outputs).sort());
      for (const [name, ref] of Object.entries(step.outputs)) expect(contentOf(onSlurm, other.outputs[name]!), `${step.name}.${name}`).toBe(contentOf(local, ref));
      // The same reuse key, except for register: its input, the model folder, holds its creation time.
      if (step.name !== 'register') expect(other.fingerprint, step.name).toBe(step.fingerprint);
    }
    // Every step was its own job, on one of the two nodes, waiting for the jobs of what it reads.
    const jobs = Object.fromEntries(slurmRun.steps.map((s) => [s.name, s.slurm!]));
    expect(new Set(Object.values(jobs).map((j) => j.jobId)).size).toBe(4);
    for (const j of Object.values(jobs)) {
      expect(j.state).toBe('COMPLETED');
      expect(['n1', 'n2']).toContain(j.node);
    }
    expect(jobs.prep!.after).toBeUndefined();
    expect(jobs.profile!.after).toEqual([jobs.prep!.jobId]);
    expect(jobs.train!.after).toEqual([jobs.prep!.jobId]);
    expect(jobs.register!.after).toEqual([jobs.train!.jobId]);
    const shown = weir(onSlurm, ['run', 'show', slurmRun.id]);
    expect(shown.out).toMatch(new RegExp(`train\\s+automl\\s+Completed\\s+\\S+ \\S+\\s+${jobs.train!.jobId} COMPLETED\\s+n[12]`));
    // The step logs the jobs wrote are in the store as for a local run.
    expect(weir(onSlurm, ['run', 'logs', slurmRun.id, 'train']).out).toMatch(/running on node n[12] \(Slurm job \d+\)[\s\S]*best: iteration/);

    const before = allJobIds();
    const again = weir(onSlurm, ['run', file, '--executor', 'slurm', '--json']);
    expect(again.code, again.err).toBe(0);
    const rerun = JSON.parse(again.out) as RunRecord;
    expect(rerun.steps.map((s) => s.status)).toEqual(['Reused', 'Reused', 'Reused', 'Reused']);
    expect(rerun.steps.some((s) => s.slurm)).toBe(false);
    expect([...allJobIds()].filter((id) => !before.has(id))).toEqual([]);
  });

  test('weir run cancel scancels every job of the run: the run is Canceled and squeue holds none of its jobs', { timeout: 120_000 }, async () => {
    const root = tempDir('weir-slurm-cancel-');
    writeFileSync(
      path.join(root, 'sleepy.pipeline.yaml'),
      [
        'steps:',
        '  nap:',
        '    script: { command: [sleep, "120"] }',
        '    outputs: { out: file }',
        '  after_nap:',
        '    script: { command: [sleep, "120"] }',
        '    inputs: { x: ${{ steps.nap.outputs.out }} }',
        '    outputs: { done: file }',
        '  other:',
        '    script: { command: [sleep, "120"] }',
        '    outputs: { done: file }',
        '',
      ].join('\n'),
    );
    const running = startWeir(root, ['run', 'sleepy.pipeline.yaml', '--executor', 'slurm']);
    const run = await waitFor(() => {
      const r = latestRun(root);
      return r && r.steps.every((s) => s.slurm) && stepOf(r, 'nap').slurm?.state === 'RUNNING' ? r : undefined;
    }, 60_000, 'the jobs to be submitted and nap to run');
    const ids = run.steps.map((s) => s.slurm!.jobId);
    expect(liveJobs().map((j) => j.id)).toEqual(expect.arrayContaining(ids));
    const c = weir(root, ['run', 'cancel', run.id]);
    expect(c.code, c.err).toBe(0);
    expect(await running.exited, running.output()).toBe(1);
    const final = latestRun(root)!;
    expect(final.status).toBe('Canceled');
    await waitFor(() => !liveJobs().some((j) => ids.includes(j.id)), 30_000, 'the jobs to leave squeue');
  });

  test('a step job killed with scancel from outside fails with Slurm\'s reason and its dependants never run', { timeout: 120_000 }, async () => {
    const root = tempDir('weir-slurm-kill-');
    writeFileSync(
      path.join(root, 'kill.pipeline.yaml'),
      [
        'steps:',
        '  long:',
        '    script: { command: [sleep, "120"] }',
        '    outputs: { out: file }',
        '  next:',
        '    script: "echo ran > ${{ outputs.done }}"',
        '    inputs: { x: ${{ steps.long.outputs.out }} }',
        '    outputs: { done: file }',
        '',
      ].join('\n'),
    );
    const running = startWeir(root, ['run', 'kill.pipeline.yaml', '--executor', 'slurm']);
    const run = await waitFor(() => {
      const r = latestRun(root);
      return r && stepOf(r, 'long').slurm?.state === 'RUNNING' && stepOf(r, 'next').slurm ? r : undefined;
    }, 60_000, 'long to run');
    const longJob = stepOf(run, 'long').slurm!.jobId;
    const nextJob = stepOf(run, 'next').slurm!.jobId;
    expect(spawnSync('scancel', [longJob]).status).toBe(0);
    expect(await running.exited, running.output()).toBe(1);
    const final = latestRun(root)!;
    expect(final.status).toBe('Failed');
    const long = stepOf(final, 'long');
    expect(long.status).toBe('Failed');
    expect(long.error?.message).toMatch(new RegExp(`Slurm job ${longJob} on n[12] ended CANCELLED: it was canceled`));
    const next = stepOf(final, 'next');
    expect(next.status).toBe('Skipped');
    expect(next.slurm?.node).toBeUndefined();
    expect(next.outputs).toEqual({});
    await waitFor(() => !liveJobs().some((j) => j.id === longJob || j.id === nextJob), 30_000, 'the jobs to leave squeue');
  });

  test('while squeue fails (controller unreachable) the step log says so once with the error and since when, again when it answers; the run keeps waiting and records a job that ends meanwhile', { timeout: 120_000 }, async () => {
    const root = tempDir('weir-slurm-outage-');
    // The controller stays up (other tests share it). While the flag file exists, the squeue
    // weir run finds first on its PATH is the real one told to reach the controller at a port
    // where none listens (port 1), so it fails as it does when the controller is unreachable.
    const realSqueue = spawnSync('sh', ['-c', 'command -v squeue'], { encoding: 'utf8' }).stdout.trim();
    const conf = /^SLURM_CONF\s*=\s*(\S+)/m.exec(spawnSync('scontrol', ['show', 'config'], { encoding: 'utf8' }).stdout)?.[1] ?? '/etc/slurm/slurm.conf';
    const unreachable = path.join(root, 'unreachable.conf');
    const kept = readFileSync(conf, 'utf8').split('\n').filter((l) => !/^\s*(SlurmctldPort|MessageTimeout)\s*=/i.test(l));
    writeFileSync(unreachable, [...kept, 'SlurmctldPort=1', 'MessageTimeout=2', ''].join('\n'));
    const bin = path.join(root, 'bin');
    const down = path.join(root, 'controller-down');
    const message = 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)';
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'squeue'), `#!/bin/sh\nif [ -e '${down}' ]; then SLURM_CONF='${unreachable}' exec '${realSqueue}' "$@"; fi\nexec '${realSqueue}' "$@"\n`, { mode: 0o755 });
    const answered = spawnSync(path.join(bin, 'squeue'), ['-h'], { encoding: 'utf8', timeout: 30_000 });
    expect(answered.status).toBe(0); // no flag yet: the real controller answers
    writeFileSync(
      path.join(root, 'wait.pipeline.yaml'),
      ['steps:', '  held:', '    script: "while [ ! -e release ]; do sleep 0.2; done; echo ran > ${{ outputs.out }}"', '    outputs: { out: file }', ''].join('\n'),
    );
    const running = startWeir(root, ['run', 'wait.pipeline.yaml', '--executor', 'slurm'], { PATH: `${bin}:${process.env.PATH}` });
    try {
      const run = await waitFor(() => {
        const r = latestRun(root);
        return r && stepOf(r, 'held').slurm?.state === 'RUNNING' ? r : undefined;
      }, 60_000, 'held to run');
      const jobId = stepOf(run, 'held').slurm!.jobId;
      const logFile = path.join(root, '.weir', 'runs', run.id, 'logs', 'held.log');
      const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
      const count = (re: RegExp) => log().split('\n').filter((l) => re.test(l)).length;
      const failing = new RegExp(`^squeue fails since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z: ${message.replace(/[()]/g, '\\$&')} — the Slurm controller does not answer; job ${jobId} keeps its place on the cluster and weir run keeps waiting for it`);
      const answering = new RegExp(`^squeue answers again, after failing for [\\d.]+ s \\(since \\d{4}-[\\d:T.-]+Z\\); following job ${jobId} again$`);

      writeFileSync(down, '');
      await waitFor(() => count(failing) === 1, 30_000, 'the log to say squeue fails');
      // Said once however many polls fail.
      await new Promise((r) => setTimeout(r, 1500));
      expect(count(failing)).toBe(1);
      expect(latestRun(root)!.status).toBe('Running');
      rmSync(down);
      await waitFor(() => count(answering) === 1, 30_000, 'the log to say squeue answers again');

      // A second outage, during which the job ends: the step is recorded from its result file.
      writeFileSync(down, '');
      await waitFor(() => count(failing) === 2, 30_000, 'the log to say squeue fails again');
      writeFileSync(path.join(root, 'release'), '');
      expect(await running.exited, running.output()).toBe(0);
      expect(existsSync(down)).toBe(true);
      const final = latestRun(root)!;
      expect(final.status).toBe('Completed');
      expect(count(answering)).toBe(1);
      // weir run streamed the lines it wrote into the log, each once.
      expect(running.output().split('\n').filter((l) => /squeue fails since/.test(l)).length).toBe(2);
      expect(running.output().split('\n').filter((l) => /squeue answers again/.test(l)).length).toBe(1);
    } finally {
      rmSync(down, { force: true });
      writeFileSync(path.join(root, 'release'), '');
      running.child.kill();
    }
  });

  test('kill -9 of weir run: the next store open marks the run Interrupted and scancels its jobs', { timeout: 120_000 }, async () => {
    const root = tempDir('weir-slurm-orphan-');
    writeFileSync(path.join(root, 'nap.pipeline.yaml'), ['steps:', '  nap:', '    script: { command: [sleep, "120"] }', '    outputs: { out: file }', ''].join('\n'));
    const running = startWeir(root, ['run', 'nap.pipeline.yaml', '--executor', 'slurm']);
    const run = await waitFor(() => {
      const r = latestRun(root);
      return r && stepOf(r, 'nap').slurm?.state === 'RUNNING' ? r : undefined;
    }, 60_000, 'nap to run');
    const job = stepOf(run, 'nap').slurm!.jobId;
    running.child.kill('SIGKILL');
    await running.exited;
    expect(liveJobs().some((j) => j.id === job)).toBe(true);
    const listed = weir(root, ['runs']);
    expect(listed.out).toMatch(/Failed \(Interrupted\)/);
    await waitFor(() => !liveJobs().some((j) => j.id === job), 30_000, 'the orphaned job to leave squeue');
  });

  test('bad input before anything is submitted: exit 2, a clear message, the store unchanged', { timeout: 120_000 }, () => {
    const root = tempDir('weir-slurm-bad-');
    writeFileSync(path.join(root, 'one.pipeline.yaml'), ['steps:', '  hello:', '    script: "echo hi > ${{ outputs.o }}"', '    outputs: { o: file }', ''].join('\n'));
    expect(weir(root, ['run', 'one.pipeline.yaml']).code).toBe(0);
    const before = storeState(root);
    const jobsBefore = allJobIds();
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--partition', 'nope'], {}, /Slurm has no partition 'nope'[\s\S]*Partitions: debug\*/],
      [['--slurm-opt', 'cpus-per-task=8'], {}, /Slurm rejects the job of step 'hello' \(--cpus-per-task=8\)/],
      [['--slurm-opt', 'mem=64G'], {}, /Slurm rejects the job of step 'hello' \(--mem=64G\)/],
      [['--slurm-opt', 'dependency=afterok:1'], {}, /'--dependency' is set by Weir/],
      [[], { PATH: '/nonexistent' }, /'sbatch' is not on PATH/],
    ];
    for (const [flags, env, message] of cases) {
      const r = weir(root, ['run', 'one.pipeline.yaml', '--executor', 'slurm', '--no-reuse', ...flags], env);
      expect(r.code, `${flags.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(message);
      expect(storeState(root)).toEqual(before);
    }
    // A controller that does not answer: a slurm.conf naming a port nobody listens on.
    const conf = path.join(root, 'unreachable.conf');
    writeFileSync(conf, readFileSync('/etc/slurm/slurm.conf', 'utf8').replace(/^SlurmctldHost=.*$/m, 'SlurmctldHost=localhost\nSlurmctldPort=1'));
    const r = weir(root, ['run', 'one.pipeline.yaml', '--executor', 'slurm', '--no-reuse'], { SLURM_CONF: conf });
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/the Slurm controller does not answer/);
    expect(storeState(root)).toEqual(before);
    expect([...allJobIds()].filter((id) => !jobsBefore.has(id))).toEqual([]);
  });
});
