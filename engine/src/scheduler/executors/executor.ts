import type { ExecutorSpec, PipelineSpec, StepSpec } from '../../pipeline/types';
import type { ResolvedInput } from '../../steps/stepKind';
import type { ArtifactRef, SlurmJobInfo } from '../../store/records';
import type { PreparedStep, StepRunHooks } from '../stepRunner';

/**
 * Where a step runs. The scheduler decides what runs when (reuse, the DAG, cancel) and an
 * executor runs one step: `local` in this process (today's behaviour and the default),
 * `slurm` as an `sbatch` job on a cluster. Adding a target is one more implementation of
 * this interface and one more `kind` in the pipeline schema's `executor:`.
 */
export interface StepExecutor {
  readonly kind: ExecutorSpec['kind'];
  /**
   * Whether a step may be handed over before the steps it reads have finished, naming the
   * jobs it must wait for (Slurm orders such steps itself with `--dependency=afterok`).
   * Such a step decides reuse where it runs, since its inputs' hashes are not known yet.
   */
  readonly ordersDependencies: boolean;
  /** Runs one step to its outputs; rejects with WeirError for a failed or canceled step. */
  run(job: ExecutorJob): Promise<ExecutorOutcome>;
  /** Stops everything this executor started for the run (the signal in the hooks aborts too). */
  cancelAll(): Promise<void>;
  /** Stops one handed-over step whose upstream step failed; its `run` then rejects with CANCELED. */
  cancelStep?(step: string): Promise<void>;
  dispose(): void;
}

export interface ExecutorJob {
  step: StepSpec;
  executor: ExecutorSpec;
  /**
   * Set when the step's inputs are ready and reuse was already ruled out. Unset for a step
   * handed over early (see `ordersDependencies`): then `after` names what it waits for.
   */
  prepared?: { prepared: PreparedStep; inputs: Record<string, ResolvedInput> };
  /** Pipeline inputs (`${{ inputs.X }}`) the step reads, resolved by the scheduler. */
  pipelineInputs: Record<string, ResolvedInput>;
  /** Upstream steps whose executor-side handle (a Slurm job id) this step waits for. */
  after: { step: string; handle: string }[];
  noReuse: boolean;
  /** Absolute path of the pipeline file. */
  pipelineFile: string;
  hooks: StepRunHooks;
  /** Streams log text the step wrote to its log elsewhere (a job on a node) to whoever watches, without writing it again. */
  emitLog(text: string): void;
  /** Reports executor-side progress (a Slurm job's state and node) without a status change. */
  onProgress(update: ExecutorProgress): Promise<void>;
}

export interface ExecutorProgress {
  /** The step now runs (a job left PENDING), or is still waiting. */
  running: boolean;
  slurm?: SlurmJobInfo;
}

/** How a step ended when it did not fail. */
export interface ExecutorOutcome {
  status: 'Completed' | 'Reused';
  outputs: Record<string, ArtifactRef>;
  metrics: Record<string, number>;
  fingerprint?: string;
  reusedFrom?: { runId: string; step: string };
  datasets?: { name: string; version: number }[];
  trialCount?: number;
  slurm?: SlurmJobInfo;
}

/** `weir run --executor K [--partition P] [--slurm-opt KEY=VALUE]…` */
export interface ExecutorOverrides {
  kind?: ExecutorSpec['kind'];
  partition?: string;
  /** sbatch options by long name; `cpus-per-task`, `mem` and `time` set those fields. */
  options?: Record<string, string>;
}

/**
 * The executor of each selected step. The pipeline's `executor:` is the run's default, which
 * `--executor`, `--partition` and `--slurm-opt` override; a step's own `executor:` wins over
 * both (a step pinned to `local` stays local), and the fields it leaves out come from the
 * run's default when it names the same kind.
 */
export function resolveExecutors(spec: PipelineSpec, selected: string[], overrides: ExecutorOverrides = {}): Map<string, ExecutorSpec> {
  const base: ExecutorSpec = { kind: 'local', options: {}, ...(spec.executor ? structuredClone(spec.executor) : {}) };
  if (overrides.kind && overrides.kind !== base.kind) {
    base.kind = overrides.kind;
    delete base.partition;
    delete base.cpusPerTask;
    delete base.mem;
    delete base.time;
    base.options = {};
  }
  if (overrides.partition) base.partition = overrides.partition;
  for (const [key, value] of Object.entries(overrides.options ?? {})) {
    if (key === 'partition') base.partition = value;
    else if (key === 'cpus-per-task') base.cpusPerTask = Number(value);
    else if (key === 'mem') base.mem = value;
    else if (key === 'time') base.time = value;
    else base.options[key] = value;
  }
  const out = new Map<string, ExecutorSpec>();
  for (const name of selected) out.set(name, mergeStep(base, spec.steps[name]!));
  return out;
}

function mergeStep(base: ExecutorSpec, step: StepSpec): ExecutorSpec {
  const own = step.executor;
  if (!own) return structuredClone(base);
  if (own.kind !== base.kind) return structuredClone(own);
  return { ...structuredClone(base), ...structuredClone(own), options: { ...base.options, ...own.options } };
}
