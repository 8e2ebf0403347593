import os from 'node:os';
import { WeirError, isWeirError } from '../../errors';
import { loadPipeline } from '../../pipeline/load';
import type { Reference } from '../../pipeline/types';
import type { ResolvedInput } from '../../steps/stepKind';
import type { ArtifactRef, RunRecord, StepRunRecord, TrialRecord } from '../../store/records';
import type { WorkspaceStore } from '../../store/storeApi';
import { prepareStep, resolveStepInputs, runPreparedStep } from '../stepRunner';
import { readJobFile, writeJobFile, type JobResult, type JobSpec } from './jobFiles';
import { engineCommand } from './slurm';
import { launchSrunTrialWorkers } from './trialWorkers';
import type { TrialPoolFactory } from '../../automl/trials/clusterTrialPool';

/**
 * The job side of the Slurm executor: `weir step-exec RUN STEP`, which a step's `sbatch` job
 * runs on its node. It reads the step from the pipeline file and its job spec, takes the
 * outputs of the steps it reads from their result files (or the run record, for steps done
 * before it was submitted), decides reuse when it was handed over before its inputs were
 * known, runs the step exactly as the local executor would, appends to the step log, records
 * trials, and leaves its outcome in its result file for `weir run` to record. Returns the
 * process exit code: 0 when the step completed or was reused, so `afterok` releases the jobs
 * that wait for it, else 1.
 */
export async function execStepJob(store: WorkspaceStore, runId: string, stepName: string, signal: AbortSignal): Promise<number> {
  const jobStartedAt = new Date(performance.timeOrigin).toISOString();
  const node = process.env.SLURMD_NODENAME;
  const spec = await readJobFile(store, runId, stepName, 'spec');
  if (!spec) throw new WeirError('NOT_FOUND', `no Slurm job spec for step '${stepName}' of run ${runId}`, { hint: 'weir step-exec is started by weir run --executor slurm, not by hand.' });
  await writeJobFile(store, runId, stepName, 'start', {
    ...(process.env.SLURM_JOB_ID ? { jobId: process.env.SLURM_JOB_ID } : {}),
    ...(node ? { node } : {}),
    host: os.hostname(),
    pid: process.pid,
    processStartedAt: jobStartedAt,
  });
  let stepStartedAt: string | undefined;
  let result: JobResult;
  // An AutoML step's trial workers start first, so their start-up overlaps the step's own.
  const log = (text: string) => void store.appendLog(runId, stepName, text.endsWith('\n') ? text : `${text}\n`).catch(() => undefined);
  const trialWorkers = spec.trialWorkers && spec.trialWorkers > 1 ? launchSrunTrialWorkers(store, runId, stepName, spec.trialWorkers, engineCommand(), log) : undefined;
  try {
    const outcome = await runJobStep(store, spec, signal, node, () => (stepStartedAt = new Date().toISOString()), log, trialWorkers?.factory);
    result = { ...outcome, ...(node ? { node } : {}), jobStartedAt, ...(stepStartedAt ? { stepStartedAt } : {}), stepEndedAt: new Date().toISOString() };
  } catch (e) {
    const canceled = signal.aborted || (isWeirError(e) && e.code === 'CANCELED');
    result = {
      status: canceled ? 'Canceled' : 'Failed',
      outputs: {},
      metrics: {},
      error: {
        code: isWeirError(e) ? e.code : 'INTERNAL',
        message: canceled ? 'canceled' : isWeirError(e) ? e.format() : ((e as Error)?.stack ?? String(e)),
        reason: canceled ? 'Canceled' : 'StepFailed',
        step: stepName,
      },
      ...(node ? { node } : {}),
      jobStartedAt,
      ...(stepStartedAt ? { stepStartedAt } : {}),
      stepEndedAt: new Date().toISOString(),
    };
  }
  await trialWorkers?.close();
  await writeJobFile(store, runId, stepName, 'result', result);
  return result.status === 'Completed' || result.status === 'Reused' ? 0 : 1;
}

async function runJobStep(
  store: WorkspaceStore,
  spec: JobSpec,
  signal: AbortSignal,
  node: string | undefined,
  onStart: () => void,
  log: (text: string) => void,
  trialPool: TrialPoolFactory | undefined,
): Promise<Omit<JobResult, 'jobStartedAt' | 'stepEndedAt' | 'node'>> {
  const { runId, step: stepName } = spec;
  const pipeline = await loadPipeline(spec.pipelineFile, store);
  const step = pipeline.steps[stepName];
  if (!step) throw new WeirError('BAD_INPUT', `${spec.pipelineFile} no longer has a step '${stepName}'`, { hint: 'The pipeline file changed after the run was submitted.' });
  const run = await store.getRun(runId);
  log(`running on node ${node ?? os.hostname()}${process.env.SLURM_JOB_ID ? ` (Slurm job ${process.env.SLURM_JOB_ID})` : ''}`);

  const upstream = new Map<string, { outputs: Record<string, ArtifactRef>; metrics: Record<string, number>; reusedFrom?: { runId: string } }>();
  const upstreamOf = async (name: string) => {
    let known = upstream.get(name);
    if (!known) {
      const done = await readJobFile(store, runId, name, 'result');
      const recorded: StepRunRecord | undefined = run.steps.find((s) => s.name === name);
      if (done && (done.status === 'Completed' || done.status === 'Reused')) known = done;
      else if (recorded && (recorded.status === 'Completed' || recorded.status === 'Reused')) known = recorded;
      if (!known) throw new WeirError('RUN_FAILED', `step '${stepName}' started before step '${name}' it reads had completed`);
      upstream.set(name, known);
    }
    return known;
  };
  const resolve = async (ref: Reference): Promise<ResolvedInput> => {
    if (ref.scope === 'inputs') {
      const input = spec.pipelineInputs[ref.name];
      if (!input) throw new WeirError('INTERNAL', `the job spec has no pipeline input '${ref.name}'`);
      return input;
    }
    if (ref.scope === 'steps') {
      const from = await upstreamOf(ref.step);
      const out = from.outputs[ref.output];
      if (!out) throw new WeirError('RUN_FAILED', `step '${ref.step}' has no output '${ref.output}'`);
      return { path: store.artifactPath(out), ref: out, fromStep: { step: ref.step, output: ref.output, runId: from.reusedFrom?.runId ?? runId, metrics: from.metrics } };
    }
    throw new WeirError('INTERNAL', `a ${ref.scope} reference is not data`);
  };
  const inputs = await resolveStepInputs(step, resolve);
  const prepared = await prepareStep(step, inputs, spec.params, pipeline.dir);
  const datasets = prepared.datasets.length ? { datasets: prepared.datasets } : {};

  if (step.allowReuse && !spec.noReuse) {
    const previous = await store.findReusableStep(prepared.fingerprint);
    if (previous) {
      return {
        status: 'Reused',
        outputs: previous.step.outputs,
        metrics: previous.step.metrics,
        fingerprint: prepared.fingerprint,
        reusedFrom: previous.step.reusedFrom ?? { runId: previous.runId, step: previous.step.name },
        ...datasets,
        ...(previous.step.trialCount !== undefined ? { trialCount: previous.step.trialCount } : {}),
      };
    }
  }

  let trialCount = 0;
  onStart();
  const { outputs, metrics } = await runPreparedStep(step, prepared, inputs, {
    store,
    runId,
    experiment: run.experiment,
    pipelineDir: pipeline.dir,
    params: spec.params,
    log,
    signal,
    concurrency: spec.concurrency,
    ...(trialPool ? { trialPool } : {}),
    reportTrial: async (trial: TrialRecord) => {
      // A trial run by a worker on another node names that node; others ran here.
      await store.addTrial(runId, stepName, node ? { node, ...trial } : trial);
      trialCount += 1;
    },
    lineage: () => ({ datasets: lineageDatasets(run, spec, prepared.datasets) }),
  });
  return { status: 'Completed', outputs, metrics, fingerprint: prepared.fingerprint, ...datasets, ...(trialCount ? { trialCount } : {}) };
}

/** Every dataset version the run read, as far as this job can see, for register_model's lineage. */
function lineageDatasets(run: RunRecord, spec: JobSpec, own: { name: string; version: number }[]): { name: string; version: number }[] {
  const seen = new Map<string, { name: string; version: number }>();
  for (const d of [...spec.datasetsRead, ...run.steps.flatMap((s) => s.datasets ?? []), ...own]) seen.set(`${d.name}:${d.version}`, d);
  return [...seen.values()];
}
