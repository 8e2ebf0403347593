import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ParamValue } from '../../pipeline/types';
import type { ResolvedInput } from '../../steps/stepKind';
import type { RunError } from '../../store/records';
import type { ExecutorOutcome } from './executor';
import type { WorkspaceStore } from '../../store/storeApi';
import { readJsonFile, writeFileAtomic } from '../../store/durableFiles';
import { encodeFileName } from '../../store/fileNames';

/**
 * The files through which `weir run` and a step's Slurm job talk, under
 * `.weir/runs/<run>/jobs/`. The run record keeps one writer (the process that owns the run),
 * so a job never rewrites `run.json`: it reads what it needs from its spec file and from
 * upstream steps' result files, appends to its step log, records its trials, and leaves its
 * outcome in its own result file, written whole by rename. The owner reads that file and
 * records the outcome.
 */

/** Written by `weir run` before `sbatch`: everything the job needs besides the pipeline file. */
export interface JobSpec {
  v: 1;
  runId: string;
  step: string;
  /** Absolute path of the pipeline file (the shared folder has the same path on every node). */
  pipelineFile: string;
  params: Record<string, ParamValue>;
  noReuse: boolean;
  /** Pipeline inputs the step reads, already snapshotted into the store by `weir run`. */
  pipelineInputs: Record<string, ResolvedInput>;
  /** Dataset versions the run had read when the job was submitted, for lineage. */
  datasetsRead: { name: string; version: number }[];
  /** How many workers the step may use (its job's CPUs, or its trial workers across the cluster). */
  concurrency: number;
  /** An AutoML step's trial workers started with srun across the job's nodes (see trialWorkers.ts); absent: trials in threads. */
  trialWorkers?: number;
}

/** Written by the job as soon as it starts. */
export interface JobStart {
  jobId?: string;
  node?: string;
  host: string;
  pid: number;
  /** When the engine process on the node began (before Node loaded the bundle). */
  processStartedAt: string;
}

/** Written by the job when the step ended, whatever the outcome. */
export interface JobResult extends Omit<ExecutorOutcome, 'status' | 'slurm'> {
  status: ExecutorOutcome['status'] | 'Failed' | 'Canceled';
  error?: RunError;
  node?: string;
  jobStartedAt: string;
  stepStartedAt?: string;
  stepEndedAt: string;
}

export function jobsDir(store: WorkspaceStore, runId: string): string {
  return path.join(store.dir, 'runs', runId, 'jobs');
}

export function jobFile(store: WorkspaceStore, runId: string, step: string, what: 'spec' | 'start' | 'result' | 'out'): string {
  return path.join(jobsDir(store, runId), `${encodeFileName(step)}.${what === 'out' ? 'slurm.out' : `${what}.json`}`);
}

export async function writeJobFile(store: WorkspaceStore, runId: string, step: string, what: 'spec' | 'start' | 'result', value: JobSpec | JobStart | JobResult): Promise<void> {
  await mkdir(jobsDir(store, runId), { recursive: true });
  await writeFileAtomic(path.join(store.dir, 'tmp'), jobFile(store, runId, step, what), `${JSON.stringify(value)}\n`);
}

export function readJobFile(store: WorkspaceStore, runId: string, step: string, what: 'spec'): Promise<JobSpec | undefined>;
export function readJobFile(store: WorkspaceStore, runId: string, step: string, what: 'start'): Promise<JobStart | undefined>;
export function readJobFile(store: WorkspaceStore, runId: string, step: string, what: 'result'): Promise<JobResult | undefined>;
export async function readJobFile(store: WorkspaceStore, runId: string, step: string, what: 'spec' | 'start' | 'result'): Promise<unknown> {
  return readJsonFile(jobFile(store, runId, step, what)).catch(() => undefined);
}
