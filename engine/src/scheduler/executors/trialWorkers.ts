import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ClusterTrialPool, type TrialPoolFactory } from '../../automl/trials/clusterTrialPool';
import { substituteDeep } from '../../util/expressions';
import type { ExecutorSpec, ParamValue, StepSpec } from '../../pipeline/types';
import { writeFileAtomic } from '../../store/durableFiles';
import { encodeFileName } from '../../store/fileNames';
import type { WorkspaceStore } from '../../store/storeApi';
import { jobsDir } from './jobFiles';

/**
 * AutoML trials across a Slurm job's nodes. An AutoML step whose `max_concurrent_iterations`
 * is above 1 is submitted with `--ntasks=N` (N = that number, the trial workers across the
 * cluster; Slurm places the tasks on whichever nodes have room). Its job's batch script is
 * the coordinator: it runs the search, and starts the N workers with one `srun` inside the
 * allocation, each a `weir trial-worker` that connects back to the search over TCP and reads
 * the trial data from the shared store. Without `max_concurrent_iterations` (or with 1) the
 * step stays one task and runs its trials in threads inside its job, as before.
 */

/** The trial workers an AutoML step's job starts across the cluster (1 = trials in threads inside the job). */
export function clusterTrialWorkers(step: StepSpec, executor: ExecutorSpec, params: Record<string, ParamValue>): number {
  if (step.kind !== 'automl' || executor.kind !== 'slurm') return 1;
  const config = substituteDeep(step.config, (ref, text) => (ref.scope === 'parameters' ? params[ref.name] : text)) as { max_concurrent_iterations?: unknown } | undefined;
  const n = Number(config?.max_concurrent_iterations ?? 1);
  return Number.isInteger(n) && n > 1 ? n : 1;
}

/** The sbatch options a step's job needs beyond its executor's resources: one task per trial worker. */
export function trialWorkerArgs(workers: number, executor: ExecutorSpec): string[] {
  return workers > 1 && executor.options.ntasks === undefined ? [`--ntasks=${workers}`] : [];
}

/**
 * The trial workers of an AutoML step running as a Slurm job: the tasks of one `srun` inside
 * the job's allocation, launched at once — before the step has read its inputs — so their
 * start-up overlaps the step's own; the search's pool (`factory`) then hands them the data.
 * `close` ends them whatever happened (the step reused, failed or canceled before its search).
 * `engine` is the command that runs Weir on a node.
 */
export function launchSrunTrialWorkers(store: WorkspaceStore, runId: string, step: string, workers: number, engine: string[], log: (text: string) => void): { factory: TrialPoolFactory; close(): Promise<void> } {
  const pool = new ClusterTrialPool(workers, {
    log,
    async writeData(bytes) {
      const file = path.join(jobsDir(store, runId), `${encodeFileName(step)}.trials.bin`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(path.join(store.dir, 'tmp'), file, bytes);
      return file;
    },
    start({ port, token, size: tasks }) {
      const cpus = process.env.SLURM_CPUS_PER_TASK;
      const args = [
        `--ntasks=${tasks}`,
        ...(cpus ? [`--cpus-per-task=${cpus}`] : []),
        // One lost worker fails its trials, not the whole step.
        '--kill-on-bad-exit=0',
        ...engine,
        'trial-worker',
        '--port',
        String(port),
      ];
      return spawn('srun', args, { env: { ...process.env, WEIR_TRIAL_TOKEN: token, WEIR_CLI_MAIN: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    },
  });
  // A failure to launch shows when the search waits for its workers (warmUp).
  pool.launch().catch(() => undefined);
  return { factory: (shared, size) => pool.forSearch(shared, size), close: () => pool.close() };
}
