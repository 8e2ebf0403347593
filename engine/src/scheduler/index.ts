import os from 'node:os';
import path from 'node:path';
import { WeirError, isWeirError } from '../errors';
import { loadPipeline } from '../pipeline/load';
import { substituteDeep } from '../util/expressions';
import type { ExecutorSpec, ParamValue, PipelineSpec, Reference } from '../pipeline/types';
import { getStepKind } from '../steps/registry';
import type { ResolvedInput } from '../steps/stepKind';
import type { RunError, RunRecord, RunStatus, StepRunRecord, StepStatus, TrialRecord } from '../store/records';
import type { WorkspaceStore } from '../store/storeApi';
import { resolveParameters, selectSteps } from './plan';
import { snapshotPipelineInput } from './pipelineInputs';
import { prepareStep, resolveStepInputs, type StepRunHooks } from './stepRunner';

/** A step prepared by this process: what `prepareStep` worked out, and its resolved inputs. */
type PreparedStep = { prepared: Awaited<ReturnType<typeof prepareStep>>; inputs: Record<string, ResolvedInput> };

interface StepLog {
  log(text: string): void;
  flushed(): Promise<void>;
}
import { resolveExecutors, type ExecutorOverrides, type ExecutorProgress, type StepExecutor } from './executors/executor';
import { LocalExecutor } from './executors/local';
import { SlurmExecutor, checkSlurmSetup } from './executors/slurm';
import { clusterTrialWorkers, trialWorkerArgs } from './executors/trialWorkers';

export { resolveParameters, selectSteps } from './plan';

/** What a run reports while it goes; the CLI prints these and the editor forwards them. */
export type RunEvent =
  | { type: 'run-status'; runId: string; status: RunStatus; at: string; error?: RunError }
  | { type: 'step-status'; runId: string; step: string; status: StepStatus; at: string; record: StepRunRecord }
  | { type: 'log'; runId: string; step: string; text: string }
  | { type: 'trial'; runId: string; step: string; trial: TrialRecord };

export interface RunHandle {
  runId: string;
  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: (e: RunEvent) => void): () => void;
  /** Settles with the final record once every step has stopped. Never rejects for a failed run. */
  done: Promise<RunRecord>;
  /** Stops the run: running processes are killed, queued steps and the run become Canceled. */
  cancel(): void;
}

export interface StartRunOptions {
  /** `--param k=v` overrides; unknown names are BAD_INPUT. */
  params?: Record<string, string>;
  experiment?: string;
  /** Run every step even when an identical earlier step run exists. */
  noReuse?: boolean;
  /** Run only these steps and the steps they need. */
  steps?: string[];
  rerunOf?: string;
  /** How many steps may run at once. Default: `compute.max_concurrent_steps`, else the CPU count. */
  concurrency?: number;
  /** `--executor`, `--partition`, `--slurm-opt`: where steps run, over the pipeline's `executor:`. */
  executor?: ExecutorOverrides;
}

/** How often the owner looks for a `weir run cancel` from another process. */
const CANCEL_POLL_MS = 200;

/**
 * Starts a pipeline run. Everything that can be wrong with the file, the parameters or the
 * named datasets is found before the run record is created, so bad input throws
 * WeirError('BAD_INPUT' | 'NOT_FOUND') and leaves the store untouched.
 */
export async function startRun(store: WorkspaceStore, pipelineFile: string, options: StartRunOptions = {}): Promise<RunHandle> {
  const spec = await loadPipeline(pipelineFile, store);
  const params = resolveParameters(spec, options.params ?? {});
  const selected = selectSteps(spec, options.steps);
  for (const name of selected) {
    if (!getStepKind(spec.steps[name]!.kind)) throw new WeirError('BAD_INPUT', `step '${name}' has kind '${spec.steps[name]!.kind}', which this Weir does not know`);
  }
  const concurrency = Math.max(1, options.concurrency ?? spec.maxConcurrentSteps ?? (os.availableParallelism?.() ?? os.cpus().length));
  const experiment = options.experiment ?? spec.experiment;
  if (!/^[A-Za-z0-9_.-]+$/.test(experiment) || experiment.length > 128) {
    throw new WeirError('BAD_INPUT', `invalid experiment name '${experiment.length > 60 ? `${experiment.slice(0, 60)}…` : experiment}'`, { hint: 'Use letters, digits, _, . and -, at most 128 characters.' });
  }
  // What the run would reject once parameters are substituted (a model name from --param, a
  // number that is not one) is rejected here, before anything is written.
  for (const name of selected) {
    const step = spec.steps[name]!;
    const kind = getStepKind(step.kind)!;
    if (kind.substitutesAfterParsing) continue;
    const withParams = kind.substituteParameters ? kind.substituteParameters(step.config, params) : substituteDeep(step.config, (ref, text) => (ref.scope === 'parameters' ? params[ref.name] : text));
    const parsed = kind.configSchema.safeParse(withParams);
    if (!parsed.success) {
      throw new WeirError('BAD_INPUT', `step '${name}': settings are invalid with these parameters: ${parsed.error.issues.map((i) => `${i.path.join('.') || step.kind}: ${i.message}`).join('; ')}`);
    }
  }

  const executors = resolveExecutors(spec, selected, options.executor);
  await checkSlurmSetup(executors, (name) => trialWorkerArgs(clusterTrialWorkers(spec.steps[name]!, executors.get(name)!, params), executors.get(name)!));

  const relFile = path.relative(store.root, spec.filePath).split(path.sep).join('/');
  const run = await store.createRun({
    experiment,
    pipelineName: spec.name,
    pipelineFile: relFile.startsWith('..') ? spec.filePath : relFile,
    parameters: params,
    steps: selected.map((name) => ({ name, kind: spec.steps[name]!.kind, status: 'Queued' as const, queuedAt: new Date().toISOString(), outputs: {}, metrics: {} })),
    outputs: {},
    ...(options.steps?.length ? { onlySteps: [...options.steps] } : {}),
    ...(options.rerunOf ? { rerunOf: options.rerunOf } : {}),
  });
  const execution = new RunExecution(store, spec, run, params, selected, concurrency, options.noReuse === true, executors);
  const done = execution.execute();
  return {
    runId: run.id,
    onEvent: (listener) => execution.subscribe(listener),
    done,
    cancel: () => execution.cancel(),
  };
}

class RunExecution {
  private readonly listeners = new Set<(e: RunEvent) => void>();
  private readonly abort = new AbortController();
  private readonly status = new Map<string, StepStatus>();
  private readonly records = new Map<string, StepRunRecord>();
  private readonly pipelineInputs = new Map<string, Promise<ResolvedInput>>();
  /** Dataset versions read anywhere in this run, for model lineage. */
  private readonly datasetsRead = new Map<string, { name: string; version: number }>();
  private failure?: RunError;
  private readonly local = new LocalExecutor();
  private slurm?: SlurmExecutor;
  /** Executor-side handles (Slurm job ids) of steps handed over and not settled yet. */
  private readonly handles = new Map<string, string>();
  /** Steps handed over before their inputs were ready (Slurm orders them). */
  private readonly handedOver = new Set<string>();
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly store: WorkspaceStore,
    private readonly spec: PipelineSpec,
    private readonly run: RunRecord,
    private readonly params: Record<string, ParamValue>,
    private readonly selected: string[],
    private readonly concurrency: number,
    private readonly noReuse: boolean,
    private readonly executors: Map<string, ExecutorSpec>,
  ) {
    for (const s of run.steps) {
      this.status.set(s.name, 'Queued');
      this.records.set(s.name, s);
    }
    if ([...executors.values()].some((e) => e.kind === 'slurm')) this.slurm = new SlurmExecutor(store, run.id);
    this.abort.signal.addEventListener('abort', () => {
      void this.slurm?.cancelAll();
      this.wake();
    });
  }

  private executorFor(name: string): StepExecutor {
    return this.executors.get(name)?.kind === 'slurm' && this.slurm ? this.slurm : this.local;
  }

  /** Lets the scheduling loop look again (a job id became known, a cancel arrived). */
  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  subscribe(listener: (e: RunEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  cancel(): void {
    this.abort.abort();
  }

  private emit(e: RunEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's bug must not stop the run.
      }
    }
  }

  private async saveStep(name: string, change: (s: StepRunRecord) => void): Promise<StepRunRecord> {
    const current = this.records.get(name)!;
    change(current);
    this.status.set(name, current.status);
    await retryWhenFull(() =>
      this.store.updateRun(this.run.id, (r) => {
        const i = r.steps.findIndex((s) => s.name === name);
        if (i >= 0) r.steps[i] = structuredClone(current);
        if (current.status === 'Completed' || current.status === 'Reused') {
          for (const [outName, ref] of Object.entries(this.spec.outputs)) {
            if (ref.step === name && current.outputs[ref.output]) r.outputs[outName] = current.outputs[ref.output]!;
          }
        }
      }),
    );
    this.emit({ type: 'step-status', runId: this.run.id, step: name, status: current.status, at: new Date().toISOString(), record: structuredClone(current) });
    return current;
  }

  async execute(): Promise<RunRecord> {
    // A cancel requested by another process (`weir run cancel`) arrives as a file the store can see.
    const poll = setInterval(() => {
      this.store.isCancelRequested(this.run.id).then(
        (yes) => {
          if (yes) this.abort.abort();
        },
        () => undefined,
      );
    }, CANCEL_POLL_MS);
    poll.unref();
    try {
      const startedAt = new Date().toISOString();
      await this.store.updateRun(this.run.id, (r) => {
        r.status = 'Running';
        r.startedAt = startedAt;
      });
      this.emit({ type: 'run-status', runId: this.run.id, status: 'Running', at: startedAt });
      await this.schedule();
    } catch (e) {
      this.failure ??= { code: isWeirError(e) ? e.code : 'INTERNAL', message: (e as Error)?.message ?? String(e) };
      for (const [name, st] of this.status) {
        if (st === 'Queued' || st === 'Running') await this.saveStep(name, (s) => void (s.status = this.abort.signal.aborted ? 'Canceled' : 'Failed')).catch(() => undefined);
      }
    } finally {
      clearInterval(poll);
      this.slurm?.dispose();
    }
    const canceled = this.abort.signal.aborted && [...this.status.values()].some((s) => s === 'Canceled');
    // A step canceled while the run was not (a job ended by someone else) is a failure of the run.
    const final: RunStatus = canceled ? 'Canceled' : this.failure || [...this.status.values()].some((s) => s === 'Failed' || s === 'Canceled') ? 'Failed' : 'Completed';
    const endedAt = new Date().toISOString();
    const error: RunError | undefined = canceled ? { code: 'CANCELED', message: 'the run was canceled', reason: 'Canceled' } : final === 'Failed' ? this.failure : undefined;
    const record = await retryWhenFull(() =>
      this.store.updateRun(this.run.id, (r) => {
        r.status = final;
        r.endedAt = endedAt;
        if (error) r.error = error;
        // A step status that could not be written (a full disk) is written now, from memory,
        // so a final run never holds a Running or Queued step.
        r.steps = r.steps.map((s) => {
          const mine = this.records.get(s.name);
          const step = mine ? structuredClone(mine) : s;
          if (step.status === 'Running' || step.status === 'Queued') {
            step.status = canceled ? 'Canceled' : 'Failed';
            step.endedAt ??= endedAt;
            step.error ??= { code: error?.code ?? 'INTERNAL', message: error?.message ?? 'the run ended before this step did', reason: canceled ? 'Canceled' : 'StepFailed', step: s.name };
          }
          return step;
        });
      }),
    );
    this.emit({ type: 'run-status', runId: this.run.id, status: final, at: endedAt, ...(error ? { error } : {}) });
    return record;
  }

  /**
   * Starts steps whose inputs are ready, up to the concurrency limit for local steps, until
   * none is left. A step whose executor orders dependencies itself (Slurm) is handed over as
   * soon as every step it reads is done or handed over to the same executor.
   */
  private async schedule(): Promise<void> {
    const running = new Map<string, Promise<void>>();
    let localRunning = 0;
    for (;;) {
      if (this.abort.signal.aborted) {
        for (const name of this.selected) if (this.status.get(name) === 'Queued') await this.saveStep(name, (s) => void (s.status = 'Canceled'));
      }
      for (const name of this.selected) {
        if (this.status.get(name) !== 'Queued') continue;
        const deps = this.spec.steps[name]!.dependsOn;
        if (deps.some((d) => ['Failed', 'Canceled', 'Skipped'].includes(this.status.get(d) ?? ''))) {
          await this.saveStep(name, (s) => {
            s.status = 'Skipped';
            s.endedAt = new Date().toISOString();
          });
        }
      }
      if (!this.abort.signal.aborted) {
        for (const name of this.selected) {
          if (this.status.get(name) !== 'Queued' || running.has(name)) continue;
          const executor = this.executorFor(name);
          const deps = this.spec.steps[name]!.dependsOn;
          const ready = deps.every((d) => this.status.get(d) === 'Completed' || this.status.get(d) === 'Reused');
          const handOver =
            !ready &&
            executor.ordersDependencies &&
            deps.every((d) => this.status.get(d) === 'Completed' || this.status.get(d) === 'Reused' || (this.handles.has(d) && this.executorFor(d) === executor));
          if (!ready && !handOver) continue;
          const isLocal = executor === this.local;
          if (isLocal && localRunning >= this.concurrency) continue;
          this.status.set(name, 'Running');
          if (isLocal) localRunning += 1;
          if (handOver) this.handedOver.add(name);
          const p = this.runStep(name, handOver).finally(() => {
            running.delete(name);
            if (isLocal) localRunning -= 1;
          });
          running.set(name, p);
        }
      }
      if (running.size === 0) {
        // Nothing runs and nothing could start: every step has settled.
        if ([...this.status.values()].every((s) => s !== 'Queued')) return;
        if (this.abort.signal.aborted) continue;
        throw new WeirError('INTERNAL', `steps can never start: ${this.selected.filter((n) => this.status.get(n) === 'Queued').join(', ')}`);
      }
      await Promise.race([...running.values(), new Promise<void>((resolve) => (this.wakeUp = resolve))]);
    }
  }

  private async runStep(name: string, handedOver = false): Promise<void> {
    const step = this.spec.steps[name]!;
    const executor = this.executorFor(name);
    const startedAt = new Date().toISOString();
    const stepLog = this.stepLog(name);
    const { log } = stepLog;
    try {
      let prepared: PreparedStep | undefined;
      if (!handedOver) {
        prepared = await this.prepareOrReuse(name, startedAt, log, executor === this.local);
        if (!prepared) {
          await stepLog.flushed();
          return;
        }
      }
      const pipelineInputs = executor !== this.local ? await this.remotePipelineInputs(name) : {};
      const outcome = await executor.run({
        step,
        executor: this.executors.get(name)!,
        ...(prepared ? { prepared } : {}),
        pipelineInputs,
        after: step.dependsOn.filter((d) => this.handles.has(d)).map((d) => ({ step: d, handle: this.handles.get(d)! })),
        noReuse: this.noReuse,
        pipelineFile: this.spec.filePath,
        hooks: this.stepHooks(name, log),
        emitLog: (text) => this.emit({ type: 'log', runId: this.run.id, step: name, text }),
        onProgress: (update) => this.progress(name, update),
      });
      if (this.abort.signal.aborted) throw new WeirError('CANCELED', 'canceled');
      await stepLog.flushed();
      this.handles.delete(name);
      for (const d of outcome.datasets ?? []) this.datasetsRead.set(`${d.name}:${d.version}`, d);
      if (outcome.status === 'Reused' && outcome.reusedFrom) log(`reused outputs of ${outcome.reusedFrom.runId} / ${outcome.reusedFrom.step} (decided on the node: identical kind, settings, code, parameters and inputs)`);
      await stepLog.flushed();
      await this.saveStep(name, (s) => {
        s.status = outcome.status;
        s.startedAt ??= startedAt;
        s.endedAt = new Date().toISOString();
        s.outputs = outcome.outputs;
        s.metrics = { ...s.metrics, ...outcome.metrics };
        if (outcome.fingerprint) s.fingerprint = outcome.fingerprint;
        if (outcome.reusedFrom) s.reusedFrom = outcome.reusedFrom;
        if (outcome.datasets?.length) s.datasets = outcome.datasets;
        if (outcome.trialCount !== undefined) s.trialCount = outcome.trialCount;
        if (outcome.slurm) s.slurm = outcome.slurm;
      });
    } catch (e) {
      await this.recordStepFailure(name, e, { handedOver, startedAt, stepLog });
    }
  }

  /** A step's log: each line to watchers at once and appended to the store in order; `flushed()` waits for the appends so far. */
  private stepLog(name: string): StepLog {
    let chain: Promise<void> = Promise.resolve();
    return {
      log: (text: string) => {
        const line = text.endsWith('\n') ? text : `${text}\n`;
        this.emit({ type: 'log', runId: this.run.id, step: name, text: line });
        chain = chain.then(() => this.store.appendLog(this.run.id, name, line)).catch(() => undefined);
      },
      flushed: () => chain,
    };
  }

  /** What a step running here may do with the run: log, report trials and processes, read lineage. */
  private stepHooks(name: string, log: (text: string) => void): StepRunHooks {
    let trialCount = 0;
    return {
      store: this.store,
      runId: this.run.id,
      experiment: this.run.experiment,
      pipelineDir: this.spec.dir,
      params: this.params,
      log,
      signal: this.abort.signal,
      concurrency: this.concurrency,
      reportTrial: async (trial: TrialRecord) => {
        await this.store.addTrial(this.run.id, name, trial);
        trialCount += 1;
        const count = trialCount;
        await this.store.updateRun(this.run.id, (r) => {
          const s = r.steps.find((x) => x.name === name);
          if (s) s.trialCount = count;
        });
        this.records.get(name)!.trialCount = count;
        this.emit({ type: 'trial', runId: this.run.id, step: name, trial });
      },
      lineage: () => ({ datasets: [...this.datasetsRead.values()] }),
      // Written straight to the record without a step-status event: the status has not changed.
      recordProcess: async (group) => {
        this.store.recordStepProcess(this.run.id, name, group);
        this.records.get(name)!.process = group;
        await this.store.updateRun(this.run.id, (r) => {
          const s = r.steps.find((x) => x.name === name);
          if (s) s.process = group;
        });
      },
    };
  }

  /**
   * A step this process decides on: its inputs resolved and its reuse key worked out. Returns
   * undefined when an earlier run's outputs are reused (the step is then recorded Reused);
   * otherwise the prepared step, recorded Running when `markRunning` (it runs here).
   */
  private async prepareOrReuse(name: string, startedAt: string, log: (text: string) => void, markRunning: boolean): Promise<PreparedStep | undefined> {
    const step = this.spec.steps[name]!;
    const inputs = await resolveStepInputs(step, (ref) => this.resolveReference(ref));
    for (const i of Object.values(inputs)) if (i.dataset) this.datasetsRead.set(`${i.dataset.name}:${i.dataset.version}`, i.dataset);
    const ready = await prepareStep(step, inputs, this.params, this.spec.dir);
    const { fingerprint, datasets } = ready;

    if (step.allowReuse && !this.noReuse) {
      const previous = await this.store.findReusableStep(fingerprint);
      if (previous) {
        log(`reused outputs of ${previous.runId} / ${previous.step.name} (identical kind, settings, code, parameters and inputs)`);
        await this.saveStep(name, (s) => {
          s.status = 'Reused';
          s.startedAt = startedAt;
          s.endedAt = new Date().toISOString();
          s.fingerprint = fingerprint;
          s.reusedFrom = previous.step.reusedFrom ?? { runId: previous.runId, step: previous.step.name };
          s.outputs = structuredClone(previous.step.outputs);
          s.metrics = structuredClone(previous.step.metrics);
          if (previous.step.trialCount !== undefined) s.trialCount = previous.step.trialCount;
          if (datasets.length) s.datasets = datasets;
        });
        return undefined;
      }
    }
    if (markRunning) {
      await this.saveStep(name, (s) => {
        s.status = 'Running';
        s.startedAt = startedAt;
        s.fingerprint = fingerprint;
        if (datasets.length) s.datasets = datasets;
      });
    }
    return { prepared: ready, inputs };
  }

  /** The pipeline inputs a step that runs elsewhere reads (snapshotted here, handed to the executor). */
  private async remotePipelineInputs(name: string): Promise<Record<string, ResolvedInput>> {
    const step = this.spec.steps[name]!;
    const pipelineInputs: Record<string, ResolvedInput> = {};
    for (const ref of [...Object.values(step.inputs), ...step.configRefs.map((u) => u.ref)]) {
      if (ref.scope === 'inputs' && this.spec.inputs[ref.name]) {
        const input = await this.resolvePipelineInput(ref.name);
        pipelineInputs[ref.name] = input;
        if (input.dataset) this.datasetsRead.set(`${input.dataset.name}:${input.dataset.version}`, input.dataset);
      }
    }
    return pipelineInputs;
  }

  /** A step that threw: Skipped (a handed-over step whose upstream failed), Canceled or Failed, with its error. */
  private async recordStepFailure(name: string, e: unknown, at: { handedOver: boolean; startedAt: string; stepLog: StepLog }): Promise<void> {
    const step = this.spec.steps[name]!;
    const { handedOver, startedAt, stepLog } = at;
    this.handles.delete(name);
    // A handed-over step whose upstream step failed was canceled for that reason: it is Skipped.
    const upstreamFailed = step.dependsOn.some((d) => ['Failed', 'Canceled', 'Skipped'].includes(this.status.get(d) ?? ''));
    if (handedOver && upstreamFailed && !this.abort.signal.aborted) {
      await stepLog.flushed();
      await this.saveStep(name, (s) => {
        s.status = 'Skipped';
        s.endedAt = new Date().toISOString();
      });
      await this.cancelHandedOverDependants(name);
      return;
    }
    const canceled = this.abort.signal.aborted || (isWeirError(e) && e.code === 'CANCELED');
    // The failed step's partial outputs are already gone (runPreparedStep removes its scratch
    // folder before its error arrives here): on a full disk they are what frees the space
    // that recording the failure needs.
    // A file-system error (a full disk) is the user's to fix: its message, not Weir's stack.
    const message = isWeirError(e) ? e.format() : (e as NodeJS.ErrnoException)?.code ? (e as Error).message : ((e as Error)?.stack ?? String(e));
    stepLog.log(canceled ? 'canceled' : `error: ${message}`);
    await stepLog.flushed();
    const error: RunError = {
      code: isWeirError(e) ? e.code : 'INTERNAL',
      message: isWeirError(e) ? e.format() : ((e as Error)?.message ?? String(e)),
      reason: canceled ? 'Canceled' : 'StepFailed',
      step: name,
    };
    if (!canceled) this.failure ??= { ...error, message: `step '${name}' failed: ${error.message}` };
    await this.saveStep(name, (s) => {
      s.status = canceled ? 'Canceled' : 'Failed';
      s.startedAt ??= startedAt;
      s.endedAt = new Date().toISOString();
      s.error = error;
    });
    await this.cancelHandedOverDependants(name);
  }

  /** A step that did not complete: the jobs of steps already handed over that read it will never run, so they are canceled. */
  private async cancelHandedOverDependants(name: string): Promise<void> {
    for (const other of this.selected) {
      if (!this.handedOver.has(other) || !this.spec.steps[other]!.dependsOn.includes(name)) continue;
      const st = this.status.get(other);
      if (st === 'Running' || st === 'Queued') await this.executorFor(other).cancelStep?.(other);
    }
  }

  /** An executor's news about a step: a job id (which dependants need), its state and node. */
  private async progress(name: string, update: ExecutorProgress): Promise<void> {
    if (update.slurm && !this.handles.has(name) && ['Running', 'Queued'].includes(this.records.get(name)!.status)) {
      this.handles.set(name, update.slurm.jobId);
      this.wake();
    }
    await this.saveStep(name, (s) => {
      if (update.slurm) s.slurm = update.slurm;
      if (update.running && s.status === 'Queued') {
        s.status = 'Running';
        s.startedAt = update.slurm?.jobStartedAt ?? new Date().toISOString();
      }
    });
  }

  private async resolveReference(ref: Reference): Promise<ResolvedInput> {
    if (ref.scope === 'inputs') return this.resolvePipelineInput(ref.name);
    if (ref.scope === 'steps') {
      const upstream = this.records.get(ref.step);
      const out = upstream?.outputs[ref.output];
      if (!upstream || !out) throw new WeirError('INTERNAL', `output ${ref.step}.${ref.output} is not ready`);
      return {
        path: this.store.artifactPath(out),
        ref: out,
        fromStep: { step: ref.step, output: ref.output, runId: upstream.reusedFrom?.runId ?? this.run.id, metrics: upstream.metrics },
      };
    }
    throw new WeirError('INTERNAL', `a ${ref.scope} reference is not data`);
  }

  private resolvePipelineInput(name: string): Promise<ResolvedInput> {
    let p = this.pipelineInputs.get(name);
    if (!p) {
      p = snapshotPipelineInput(this.store, this.spec, name);
      this.pipelineInputs.set(name, p);
    }
    return p;
  }
}

/** errno codes of a full disk or quota: worth a retry once something was freed. */
const FULL_DISK = new Set(['ENOSPC', 'EDQUOT']);

/**
 * Runs a store write, retrying it a few times when the disk is full (a failing step's outputs
 * are being removed meanwhile, or the user frees space). If it still fails, the error goes up;
 * the run then stays live on disk, and the next process that opens the store finds its owner
 * gone and records it Failed/Interrupted.
 */
export async function retryWhenFull<T>(write: () => Promise<T>, delaysMs: number[] = [100, 500, 2000]): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException)?.code;
      if (!code || !FULL_DISK.has(code) || attempt >= delaysMs.length) throw e;
      await new Promise((r) => setTimeout(r, delaysMs[attempt]));
    }
  }
}
