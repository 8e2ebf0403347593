import path from 'node:path';
import type { z } from 'zod';
import type { TrialPoolFactory } from '../automl/trials/clusterTrialPool';
import type { WorkspaceStore } from '../store/storeApi';
import type { ArtifactRef, ColumnSchema, TrialRecord } from '../store/records';

/**
 * A step kind is everything Weir knows about one key under `steps.<name>` of a pipeline
 * file (`sql`, `script`, `automl`, `register_model`, `score`, …). Kinds register themselves
 * in `registry.ts`; the pipeline schema, validation, hover docs, completion and the
 * scheduler all read them from there, so adding a kind is one file plus one line.
 */
export interface StepKind<Config = unknown> {
  /** The YAML key that selects this kind, e.g. `sql`. */
  readonly kind: string;
  /** One line for hover and completion. */
  readonly summary: string;
  /** Markdown for hover on the kind's key. */
  readonly docs: string;
  /**
   * Schema of the value under the kind's key. Field `.describe()` texts become hover docs
   * and the generated JSON Schema's descriptions.
   */
  readonly configSchema: z.ZodType<Config>;
  /**
   * True when the scheduler must parse the settings with their `${{ parameters.X }}`
   * expressions still in place and substitute them afterwards, with the paths. The script
   * kind needs this to keep each value apart from the command text around it, so a value is
   * never read as shell syntax. Other kinds get parameters substituted before parsing, so a
   * setting that is one expression takes the parameter's type.
   */
  readonly substitutesAfterParsing?: boolean;
  /**
   * Substitutes `${{ parameters.X }}` into the raw settings itself, instead of the plain text
   * substitution the scheduler and the checker do otherwise. The sql kind quotes each value
   * for the place in the SQL where it stands, so a value is never read as SQL.
   */
  substituteParameters?(config: unknown, params: Record<string, string | number | boolean | undefined>): unknown;
  /**
   * The outputs the step produces, by name. `declared` is the step's own `outputs:` map
   * (e.g. `{ prepped: 'parquet' }` for sql); kinds with fixed outputs (automl: metrics, model)
   * ignore it.
   */
  outputs(config: Config, declared: Record<string, string>): Record<string, ArtifactRef['kind']>;
  /**
   * Semantic checks beyond the schema that need the inputs' schemas (e.g. the label column
   * exists, the metric fits the task). Returns problems with a YAML path to blame.
   */
  check?(config: Config, ctx: CheckContext): StepProblem[];
  /**
   * What of the step's code must be hashed for reuse besides config, params and inputs:
   * e.g. the SQL file's text, the script file's contents. Paths are relative to the pipeline file.
   */
  codeFingerprint?(config: Config, ctx: { pipelineDir: string }): Promise<string>;
  /** Runs the step. Throws WeirError('RUN_FAILED', …) on failure; must stop promptly when `ctx.signal` aborts. */
  run(config: Config, ctx: StepContext): Promise<StepResult>;
}

export interface CheckContext {
  pipelineDir: string;
  /** Schemas of the step's inputs when known (datasets, or upstream outputs of known shape). */
  inputSchemas: Record<string, ColumnSchema[] | undefined>;
}

export interface StepProblem {
  /** Path inside the step's config, e.g. `['label_column_name']`. */
  path: (string | number)[];
  message: string;
  severity?: 'error' | 'warning';
}

export interface ResolvedInput {
  /** Absolute path of the file or folder (a Parquet file for tables). */
  path: string;
  ref: ArtifactRef;
  /** Set when the input is a registered dataset version. */
  dataset?: { name: string; version: number };
  /** Set when the input is a registered model version. */
  model?: { name: string; version: number };
  /** Set when the input is an upstream step's output: which step, and that step run's metrics. */
  fromStep?: { step: string; output: string; runId: string; metrics: Record<string, number> };
}

export interface StepContext {
  store: WorkspaceStore;
  runId: string;
  experiment: string;
  stepName: string;
  /** Folder of the pipeline file; relative paths in the config resolve against it. */
  pipelineDir: string;
  inputs: Record<string, ResolvedInput>;
  /** Pipeline parameters after `--param` overrides. */
  params: Record<string, string | number | boolean>;
  /** A scratch folder for this step's outputs; the scheduler moves the files into the store. */
  outDir: string;
  /** The step's declared outputs (name → kind), after `outputs()`. */
  outputNames: Record<string, ArtifactRef['kind']>;
  /** Appends a line (or several) to the step log and streams it to whoever watches. */
  log(text: string): void;
  signal: AbortSignal;
  /** The step's `environment:` (script steps): interpreter and extra variables, parameters substituted. */
  environment?: { interpreter?: string; variables: Record<string, string> };
  /** Max worker threads/processes this step may use. */
  concurrency: number;
  /** Where an AutoML step's trials run when not in worker threads here (trial workers on a Slurm job's nodes). */
  trialPool?: TrialPoolFactory;
  /** Records an AutoML child run. */
  reportTrial(trial: TrialRecord): Promise<void>;
  /** Records headline metrics on the step run (e.g. the best trial's primary metric). */
  reportMetrics(metrics: Record<string, number>): void;
  /** Other steps' run records of this run, for lineage (register_model). */
  lineage(): { datasets: { name: string; version: number }[] };
  /**
   * Records the process group a step started in its step run record, so that a store that finds
   * the run's owner dead (kill -9) can kill the group too. The group is on disk before the call
   * returns its promise (the promise covers the run record's copy). Optional: contexts without it
   * simply leave such children to finish on their own.
   */
  recordProcess?(group: { pgid: number; procStart?: string }): Promise<void>;
}

/**
 * Where a step writes its output `name` of `kind` under `ctx.outDir`: a file for tables and
 * JSON, a folder for `dir`, a free path for the rest. The scheduler substitutes this path for
 * `${{ outputs.NAME }}` in a step's settings, and a kind that hands paths to a process (script)
 * uses the same one.
 */
export function outputPathFor(outDir: string, name: string, kind: string): string {
  switch (kind) {
    case 'parquet':
      return path.join(outDir, `${name}.parquet`);
    case 'json':
      return path.join(outDir, `${name}.json`);
    default:
      return path.join(outDir, name);
  }
}

export interface StepResult {
  /** Output name → absolute path of the file/folder written (usually under `outDir`). */
  outputs: Record<string, string>;
  metrics?: Record<string, number>;
}
