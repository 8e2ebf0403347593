import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { RunRecord, TrialRecord } from '../../engine/src/store/records';
import { tempDir } from '../helpers/paths';
import { liveJobs, slurmSkipReason } from './cluster';
import { latestRun, penguinsPipeline, startWeir, waitFor, weir } from './weir';

/**
 * AutoML trials across the two nodes: an AutoML step with `max_concurrent_iterations: 2` runs
 * as one job of two tasks, its search in the batch script and one trial worker per task (one
 * on each node); the search is the local run's for the same seed and iterations. Also: a step
 * job that passes its `time` limit fails with TIMEOUT and its dependants never run.
 */

/** The penguins example with two trial workers and no time budget (with one, the search depends on timing). */
function twoWorkerPipeline(iterations: number): string {
  const { file } = penguinsPipeline(iterations);
  const text = readFileSync(file, 'utf8')
    .replace(/^(\s+)iterations: (\d+)$/m, '$1iterations: $2\n$1max_concurrent_iterations: 2')
    .replace(/^\s+experiment_timeout_minutes: .*\n/m, '');
  expect(text).toMatch(/max_concurrent_iterations: 2/);
  expect(text).not.toMatch(/experiment_timeout_minutes/);
  writeFileSync(file, text);
  return file;
}

function trialsOf(root: string, run: RunRecord, step: string): TrialRecord[] {
  const dir = path.join(root, '.weir', 'runs', run.id, 'trials', step);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as TrialRecord);
}

/** What the search decided and measured, without when, how long and where. */
function searchOf(trials: TrialRecord[]) {
  return trials.map((t) => ({ iteration: t.iteration, algorithm: t.algorithm, hyperparameters: t.hyperparameters, status: t.status, metrics: t.metrics }));
}

describe.skipIf(slurmSkipReason !== undefined)('AutoML trials across the nodes of the two-node cluster', () => {
  test('with max_concurrent_iterations 2 the trials run on n1 and n2 (node recorded per trial) and the leaderboard equals a local run\'s', { timeout: 300_000 }, () => {
    const file = twoWorkerPipeline(6);
    const local = tempDir('weir-slurm-trials-local-');
    const onSlurm = tempDir('weir-slurm-trials-ws-');
    // Two trial workers in both runs: the same search for the same seed and iterations.
    const l = weir(local, ['run', file, '--step', 'prep', '--step', 'train', '--concurrency', '2', '--json']);
    expect(l.code, l.err).toBe(0);
    const r = weir(onSlurm, ['run', file, '--step', 'prep', '--step', 'train', '--executor', 'slurm', '--json']);
    expect(r.code, r.err).toBe(0);
    const localRun = JSON.parse(l.out) as RunRecord;
    const slurmRun = JSON.parse(r.out) as RunRecord;
    expect(slurmRun.status).toBe('Completed');
    const localTrials = trialsOf(local, localRun, 'train');
    const slurmTrials = trialsOf(onSlurm, slurmRun, 'train');
    expect(slurmTrials.length).toBe(8); // 6 searched + the voting and stack ensembles
    expect(searchOf(slurmTrials)).toEqual(searchOf(localTrials));
    expect(localTrials.every((t) => t.node === undefined)).toBe(true);
    // Searched trials ran on the workers, both nodes; the ensembles were built by the search, in the job's own node.
    const searched = slurmTrials.filter((t) => !/Ensemble$/.test(t.algorithm));
    expect(new Set(searched.map((t) => t.node))).toEqual(new Set(['n1', 'n2']));
    const train = slurmRun.steps.find((s) => s.name === 'train')!;
    for (const t of slurmTrials.filter((t) => /Ensemble$/.test(t.algorithm))) expect(t.node).toBe(train.slurm!.node);
    // The same leaderboard file as the local run's (the chosen model and its ensemble members).
    const board = (root: string, run: RunRecord) => {
      const model = run.steps.find((s) => s.name === 'train')!.outputs.model!;
      return JSON.parse(readFileSync(path.join(root, model.path, 'leaderboard.json'), 'utf8')) as unknown;
    };
    expect(JSON.stringify(withoutTimes(board(onSlurm, slurmRun)))).toBe(JSON.stringify(withoutTimes(board(local, localRun))));
    expect(weir(onSlurm, ['run', 'logs', slurmRun.id, 'train']).out).toMatch(/trial workers ready: 1 on n[12], 1 on n[12] \(launched [\d.]+ s before the data was ready, processes began after [\d.]+ s; the search waited [\d.]+ s for them\)/);
    const shown = weir(onSlurm, ['run', 'show', slurmRun.id]).out;
    expect(shown).toMatch(/Trials by node:[\s\S]*train\s+n1\s+\d+\s+[\d, ]+\n\s*train\s+n2\s+\d+\s+[\d, ]+/);
  });

  test('weir run cancel while trials run on both nodes: the run is Canceled and squeue holds none of its jobs', { timeout: 180_000 }, async () => {
    const file = twoWorkerPipeline(400);
    const root = tempDir('weir-slurm-trials-cancel-');
    const running = startWeir(root, ['run', file, '--step', 'prep', '--step', 'train', '--executor', 'slurm']);
    const run = await waitFor(() => {
      const r = latestRun(root);
      const train = r?.steps.find((s) => s.name === 'train');
      if (!r || !train?.slurm || train.slurm.state !== 'RUNNING') return undefined;
      const trials = (() => {
        try {
          return trialsOf(root, r, 'train');
        } catch {
          return [];
        }
      })();
      return new Set(trials.map((t) => t.node)).size === 2 ? r : undefined;
    }, 150_000, 'trials to run on both nodes');
    const ids = run.steps.map((s) => s.slurm?.jobId).filter((id): id is string => !!id);
    const c = weir(root, ['run', 'cancel', run.id]);
    expect(c.code, c.err).toBe(0);
    expect(await running.exited, running.output()).toBe(1);
    expect(latestRun(root)!.status).toBe('Canceled');
    await waitFor(() => !liveJobs().some((j) => ids.includes(j.id)), 30_000, 'the jobs to leave squeue');
  });

  test('a step job that passes its time limit fails with TIMEOUT and its dependants never run', { timeout: 300_000 }, async () => {
    const root = tempDir('weir-slurm-timeout-');
    writeFileSync(
      path.join(root, 'slow.pipeline.yaml'),
      [
        'steps:',
        '  slow:',
        '    script: { command: [sleep, "600"] }',
        '    outputs: { out: file }',
        '    executor: { kind: slurm, time: "00:01:00" }',
        '  next:',
        '    script: "echo ran > ${{ outputs.done }}"',
        '    inputs: { x: ${{ steps.slow.outputs.out }} }',
        '    outputs: { done: file }',
        '',
      ].join('\n'),
    );
    const running = startWeir(root, ['run', 'slow.pipeline.yaml', '--executor', 'slurm']);
    expect(await running.exited, running.output()).toBe(1);
    const final = latestRun(root)!;
    expect(final.status).toBe('Failed');
    const slow = final.steps.find((s) => s.name === 'slow')!;
    expect(slow.status).toBe('Failed');
    expect(slow.slurm?.state).toBe('TIMEOUT');
    expect(slow.error?.message).toMatch(new RegExp(`Slurm job ${slow.slurm!.jobId} on n[12] ended TIMEOUT: it reached its time limit`));
    const next = final.steps.find((s) => s.name === 'next')!;
    expect(next.status).toBe('Skipped');
    expect(next.outputs).toEqual({});
    await waitFor(() => !liveJobs().some((j) => j.id === slow.slurm!.jobId || j.id === next.slurm?.jobId), 30_000, 'the jobs to leave squeue');
  });
});

/** Drops creation times and durations, which differ between any two runs. */
function withoutTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => !/^(createdAt|durationMs|duration|seconds|time)$/i.test(k)).map(([k, v]) => [k, withoutTimes(v)]));
  return value;
}
