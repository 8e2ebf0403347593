import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getFamily } from '../../engine/src/automl/families';
import { kFold } from '../../engine/src/automl/splitFolds';
import { ClusterTrialPool } from '../../engine/src/automl/trials/clusterTrialPool';
import type { TrialRequest } from '../../engine/src/automl/trials/protocol';
import { TrialPool, type TrialReply, shareTrialData } from '../../engine/src/automl/trials/trialPool';
import { mulberry32 } from '../../engine/src/util/mulberry32';
import { cliBundle, tempDir } from '../helpers/paths';

/**
 * The cluster trial pool without a cluster: the workers are real `weir trial-worker`
 * processes on this machine (as srun would start them on nodes), connected over TCP and
 * reading the trial data from a file, each named as its own node. Their results must be the
 * worker threads' results, bit for bit.
 */

function data() {
  const rows = 240;
  const cols = 4;
  const rand = mulberry32(7);
  const values = new Float32Array(rows * cols);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) values[j * rows + i] = rand() * 4 - 2;
    y[i] = values[i]! + 0.5 * values[rows + i]! + 0.3 * (rand() - 0.5) > 0 ? 1 : 0;
  }
  return shareTrialData({ task: 'classification', numClasses: 2, X: { rows, cols, values }, y, folds: kFold(rows, 3, 1) });
}

function request(iteration: number, family: string): TrialRequest {
  return { iteration, family, params: getFamily(family).lowCostConfig('classification', { rows: 240, features: 4, classes: 2 }), seed: 11 };
}

/** Starts `size` worker processes named local0, local1, … that connect to the pool. */
function localLauncher(dir: string, lines: string[]) {
  return {
    log: (text: string) => lines.push(text),
    async writeData(bytes: Buffer) {
      const file = path.join(dir, 'trials.bin');
      writeFileSync(file, bytes);
      return file;
    },
    start({ port, token, size }: { port: number; token: string; size: number }) {
      const script = Array.from({ length: size }, (_, r) => `SLURMD_NODENAME=local${r} "$NODE" "$CLI" trial-worker --host 127.0.0.1 --port ${port} --rank ${r} &`).join('\n');
      return spawn('sh', ['-c', `${script}\nwait`], { env: { ...process.env, NODE: process.execPath, CLI: cliBundle, WEIR_TRIAL_TOKEN: token, WEIR_CLI_MAIN: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    },
  };
}

const pools: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('ClusterTrialPool with worker processes connected over TCP', () => {
  it('gives the worker threads\' results, names each trial\'s node, fetches fold models only when kept, and survives a timed-out trial', { timeout: 120_000 }, async () => {
    const shared = data();
    const lines: string[] = [];
    // Launched before the data exists, as the Slurm executor does at the step's start.
    const launched = new ClusterTrialPool(2, localLauncher(tempDir('weir-cluster-pool-'), lines));
    await launched.launch();
    const remote = launched.forSearch(shared, 2);
    const threads = new TrialPool(shared, 1);
    pools.push(remote, threads);
    await remote.warmUp();
    await threads.warmUp();
    expect(lines.some((l) => /trial workers ready: 1 on local0, 1 on local1 \(launched [\d.]+ s before the data was ready/.test(l))).toBe(true);

    const families = ['DecisionTree', 'LogisticRegression', 'RandomForest', 'XGBoostClassifier'];
    const remoteReplies: TrialReply[] = [];
    // Two at a time, as the search would run them on two workers; every other trial keeps its models.
    for (let i = 0; i < families.length; i += 2) {
      remoteReplies.push(...(await Promise.all([0, 1].map((d) => remote.run(request(i + d, families[i + d]!), undefined, () => (i + d) % 2 === 0)))));
    }
    for (const [i, family] of families.entries()) {
      const local = await threads.run(request(i, family), undefined, () => i % 2 === 0);
      const r = remoteReplies[i]!;
      expect(r.status, `${family}: ${'error' in r ? r.error : ''}`).toBe('Completed');
      expect(local.status).toBe('Completed');
      if (r.status !== 'Completed' || local.status !== 'Completed') continue;
      expect(Array.from(r.reply.oof)).toEqual(Array.from(local.reply.oof));
      expect(r.node).toMatch(/^local[01]$/);
      expect(local.node).toBeUndefined();
      if (i % 2 === 0) {
        expect(r.states?.length).toBe(3);
        expect(JSON.stringify(r.states)).toBe(JSON.stringify(local.states));
      } else {
        expect(r.states).toBeUndefined();
      }
    }
    expect(new Set(remoteReplies.map((r) => r.node))).toEqual(new Set(['local0', 'local1']));

    // A trial past its timeout is stopped on its worker, which then runs the next trial.
    const long = request(10, 'XGBoostClassifier');
    long.params = { ...long.params, n_estimators: 50_000, learning_rate: 0.001, max_leaves: 64 };
    // What the limit is travels to the worker, which names it.
    const stopped = await remote.run(long, 100, undefined, undefined, undefined, { timeout: 'iteration_timeout_minutes (0.00166667 min)' });
    expect(stopped.status).toBe('Canceled');
    expect('error' in stopped && stopped.error).toBe('stopped at 0.1 s, iteration_timeout_minutes (0.00166667 min)');
    const after = await remote.run(request(11, 'DecisionTree'));
    expect(after.status).toBe('Completed');
  });

  it('fails the search\'s warm-up with the reason when the workers cannot be launched', { timeout: 30_000 }, async () => {
    const launcher = { ...localLauncher(tempDir('weir-cluster-pool-'), []), start: () => spawn('/nonexistent/srun', [], { stdio: ['ignore', 'pipe', 'pipe'] }) };
    const pool = new ClusterTrialPool(2, launcher).forSearch(data(), 2);
    pools.push(pool);
    await expect(pool.warmUp()).rejects.toThrow(/the trial workers could not be started: spawn \/nonexistent\/srun ENOENT/);
  });
});
