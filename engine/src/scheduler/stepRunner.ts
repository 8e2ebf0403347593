import { rm, stat } from 'node:fs/promises';
import { WeirError } from '../errors';
import { substituteDeep } from '../util/expressions';
import type { ParamValue, Reference, StepSpec } from '../pipeline/types';
import { describeTable, withPrivateDuckDB } from '../data/duckdb';
import { tableReader } from '../data/formats';
import { getStepKind } from '../steps/registry';
import { outputPathFor, type ResolvedInput, type StepContext } from '../steps/stepKind';
import type { ArtifactRef, TrialRecord } from '../store/records';
import type { WorkspaceStore } from '../store/storeApi';
import { inputForReference, stepFingerprint } from './fingerprint';

/**
 * Running one step, the same wherever it runs: in the `weir run` process (the local
 * executor) or in `weir step-exec` inside a Slurm job on a node. Both resolve the step's
 * inputs, compute the same fingerprint and run the kind through the same context, so a step
 * gives the same outputs, and the same reuse key, on either.
 */

/** A step whose settings and fingerprint are known: ready to be reused or run. */
export interface PreparedStep {
  /** Settings after parameter substitution and schema parsing (data paths still as `${{ }}`). */
  config: unknown;
  environment?: StepContext['environment'];
  fingerprint: string;
  /** Dataset versions among the step's inputs, for lineage. */
  datasets: { name: string; version: number }[];
}

/**
 * The step's inputs: its `inputs:` bindings plus data its settings reference directly, each
 * resolved by `resolve` (the run's own records in `weir run`, the job files on a node).
 */
export async function resolveStepInputs(step: StepSpec, resolve: (ref: Reference) => Promise<ResolvedInput>): Promise<Record<string, ResolvedInput>> {
  const inputs: Record<string, ResolvedInput> = {};
  for (const [inputName, ref] of Object.entries(step.inputs)) inputs[inputName] = await resolve(ref);
  for (const use of step.configRefs) {
    const ref = use.ref;
    if (ref.scope === 'inputs' && ref.name in step.inputs) continue;
    if (ref.scope === 'inputs' || ref.scope === 'steps') {
      const key = ref.scope === 'inputs' ? `inputs.${ref.name}` : `steps.${ref.step}.outputs.${ref.output}`;
      inputs[key] ??= await resolve(ref);
    }
  }
  return inputs;
}

/** Substitutes parameters, checks the settings again and computes the reuse key. */
export async function prepareStep(step: StepSpec, inputs: Record<string, ResolvedInput>, params: Record<string, ParamValue>, pipelineDir: string): Promise<PreparedStep> {
  const kind = getStepKind(step.kind);
  if (!kind) throw new WeirError('BAD_INPUT', `step '${step.name}' has kind '${step.kind}', which this Weir does not know`);
  const paramConfig = kind.substitutesAfterParsing
    ? step.config
    : kind.substituteParameters
      ? kind.substituteParameters(step.config, params)
      : substituteDeep(step.config, (ref, text) => (ref.scope === 'parameters' ? params[ref.name] : text));
  const parsed = kind.configSchema.safeParse(paramConfig);
  if (!parsed.success) {
    throw new WeirError('BAD_INPUT', `step '${step.name}': settings are invalid after substituting parameters: ${parsed.error.issues.map((i) => `${i.path.join('.') || step.kind}: ${i.message}`).join('; ')}`);
  }
  const environment = step.environment
    ? {
        ...(step.environment.interpreter ? { interpreter: String(substituteDeep(step.environment.interpreter, (r, t) => (r.scope === 'parameters' ? params[r.name] : t))) } : {}),
        variables: Object.fromEntries(Object.entries(step.environment.variables).map(([k, v]) => [k, String(substituteDeep(v, (r, t) => (r.scope === 'parameters' ? params[r.name] : t)))])),
      }
    : undefined;
  const fingerprint = await stepFingerprint({ step, config: parsed.data, inputs, environment, params, pipelineDir });
  return { config: parsed.data, ...(environment ? { environment } : {}), fingerprint, datasets: uniqueDatasets(Object.values(inputs)) };
}

/** What running a step's kind needs from whoever runs it. */
export interface StepRunHooks {
  store: WorkspaceStore;
  runId: string;
  experiment: string;
  pipelineDir: string;
  params: Record<string, ParamValue>;
  log(text: string): void;
  signal: AbortSignal;
  concurrency: number;
  trialPool?: StepContext['trialPool'];
  reportTrial(trial: TrialRecord): Promise<void>;
  lineage: StepContext['lineage'];
  recordProcess?: StepContext['recordProcess'];
}

/**
 * Runs the step's kind into a scratch folder and moves each declared output into the
 * artifact store. Throws WeirError('RUN_FAILED') for a missing or unreadable output and
 * WeirError('CANCELED') when the signal aborted meanwhile.
 */
export async function runPreparedStep(step: StepSpec, prepared: PreparedStep, inputs: Record<string, ResolvedInput>, hooks: StepRunHooks): Promise<{ outputs: Record<string, ArtifactRef>; metrics: Record<string, number> }> {
  const kind = getStepKind(step.kind)!;
  const { store, params } = hooks;
  const outDir = await store.makeTempDir(`${step.name}-`);
  try {
    const config = substituteDeep(prepared.config, (ref, text) => pathFor(ref, text, step, inputs, outDir, params));
    const metrics: Record<string, number> = {};
    const ctx: StepContext = {
      store,
      runId: hooks.runId,
      experiment: hooks.experiment,
      stepName: step.name,
      pipelineDir: hooks.pipelineDir,
      inputs,
      params,
      outDir,
      outputNames: step.outputs,
      log: hooks.log,
      signal: hooks.signal,
      concurrency: hooks.concurrency,
      ...(hooks.trialPool ? { trialPool: hooks.trialPool } : {}),
      ...(prepared.environment ? { environment: prepared.environment } : {}),
      reportTrial: hooks.reportTrial,
      reportMetrics: (m) => Object.assign(metrics, m),
      lineage: hooks.lineage,
      ...(hooks.recordProcess ? { recordProcess: hooks.recordProcess } : {}),
    };
    const result = await kind.run(config, ctx);
    Object.assign(metrics, result.metrics ?? {});
    const outputs: Record<string, ArtifactRef> = {};
    for (const [outName, outKind] of Object.entries(step.outputs)) {
      const written = result.outputs[outName];
      if (!written || !(await stat(written).catch(() => undefined))) {
        throw new WeirError('RUN_FAILED', `step '${step.name}' did not write its output '${outName}'${written ? ` (expected at ${written})` : ''}`, {
          hint: step.kind === 'script' ? `Write it to the path in $WEIR_OUTPUT_${outName.toUpperCase()} or \${{ outputs.${outName} }}.` : undefined,
        });
      }
      const table = outKind === 'parquet' ? await describeParquet(written, outName) : undefined;
      outputs[outName] = await store.putArtifact(written, outKind, table ?? {});
    }
    if (hooks.signal.aborted) throw new WeirError('CANCELED', 'canceled');
    return { outputs, metrics };
  } finally {
    await rm(outDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A reference in a step's settings, as the path the step reads or writes. */
function pathFor(ref: Reference, text: string, step: StepSpec, inputs: Record<string, ResolvedInput>, outDir: string, params: Record<string, ParamValue>): unknown {
  switch (ref.scope) {
    case 'inputs':
    case 'steps':
      return inputForReference(inputs, ref)?.path ?? text;
    case 'outputs':
      return outputPathFor(outDir, ref.name, step.outputs[ref.name] ?? 'file');
    case 'parameters':
      return params[ref.name];
  }
}

async function describeParquet(file: string, what: string): Promise<{ rows: number; schema: ArtifactRef['schema'] }> {
  try {
    return await withPrivateDuckDB((connection) => describeTable(connection, tableReader(file, `output '${what}'`)), { threads: 1 });
  } catch (e) {
    throw new WeirError('RUN_FAILED', `output '${what}' is declared parquet but is not a readable Parquet file: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
}

function uniqueDatasets(inputs: ResolvedInput[]): { name: string; version: number }[] {
  const seen = new Map<string, { name: string; version: number }>();
  for (const i of inputs) if (i.dataset) seen.set(`${i.dataset.name}:${i.dataset.version}`, i.dataset);
  return [...seen.values()];
}
