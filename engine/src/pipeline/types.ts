import type { Document, LineCounter } from 'yaml';
import type { ArtifactRef } from '../store/records';
import type { ParamValue, Reference } from '../util/expressions';

export type { ParamValue, Reference };

/** A position in a text document; 0-based like the Language Server Protocol. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** One problem in a pipeline file, with an exact range (LSP style). */
export interface PipelineDiagnostic {
  severity: 'error' | 'warning' | 'information';
  message: string;
  /** Stable code, e.g. `yaml-syntax`, `unknown-reference`, `cycle`, `missing-file`. */
  code: string;
  range: Range;
  /** What the user can do about it. */
  hint?: string;
}

/** A reference found in the file, where it was found, and its text. */
export interface ReferenceUse {
  ref: Reference;
  /** The expression as written, e.g. `${{ steps.prep.outputs.train }}`. */
  text: string;
  /** YAML path of the scalar holding it. */
  path: (string | number)[];
}

export type PipelineInputSource =
  | { type: 'dataset'; name: string; version?: number }
  /** A file or glob relative to the pipeline file, snapshotted into the artifact store at run time. */
  | { type: 'file'; path: string }
  /** `alias` (`model:NAME@ALIAS`) is resolved to a version when the run starts. */
  | { type: 'model'; name: string; version?: number; alias?: string };

export interface PipelineInputSpec {
  name: string;
  source: PipelineInputSource;
  /** As written, e.g. `dataset:titanic_ds:3`. */
  text: string;
}

export interface ParameterSpec {
  name: string;
  default: ParamValue;
  description?: string;
}

/** A script step's environment: the interpreter for its file and extra variables. */
export interface StepEnvironment {
  interpreter?: string;
  variables: Record<string, string>;
}

/** Where a step runs (`executor:` of the pipeline or a step), as written; fields a step leaves out come from the pipeline's. */
export interface ExecutorSpec {
  kind: 'local' | 'slurm';
  partition?: string;
  cpusPerTask?: number;
  mem?: string;
  time?: string;
  /** Further sbatch options by long name (`account` → `--account=…`). */
  options: Record<string, string>;
}

export interface StepSpec {
  name: string;
  /** The kind key, e.g. `sql`. */
  kind: string;
  /** The value under the kind key as written (references still as `${{ }}` text). */
  config: unknown;
  /** The step's `inputs:` bindings, by input name. */
  inputs: Record<string, Reference>;
  /** References inside `config` (to parameters, inputs, upstream outputs, own outputs). */
  configRefs: ReferenceUse[];
  /** The step's `outputs:` as written (name → kind name). */
  declaredOutputs: Record<string, string>;
  /** Output name → artifact kind, as the step kind computes them. */
  outputs: Record<string, ArtifactRef['kind']>;
  allowReuse: boolean;
  environment?: StepEnvironment;
  description?: string;
  /** The step's own `executor:`, when it has one. */
  executor?: ExecutorSpec;
  /** Steps whose outputs this step reads, directly. */
  dependsOn: string[];
}

export interface PipelineSpec {
  /** Absolute path of the pipeline file. */
  filePath: string;
  /** Absolute folder of the pipeline file; relative paths in the file resolve against it. */
  dir: string;
  name: string;
  experiment: string;
  description?: string;
  parameters: Record<string, ParameterSpec>;
  inputs: Record<string, PipelineInputSpec>;
  steps: Record<string, StepSpec>;
  /** Step names in an order where every step comes after the steps it depends on. */
  stepOrder: string[];
  /** Pipeline-level named outputs. */
  outputs: Record<string, Extract<Reference, { scope: 'steps' }>>;
  /** `compute.max_concurrent_steps`, when given. */
  maxConcurrentSteps?: number;
  /** The pipeline's `executor:`, when it has one (default: local). */
  executor?: ExecutorSpec;
}

export interface ParsedPipeline {
  /** Present when the file has no errors (warnings allowed). */
  spec?: PipelineSpec;
  diagnostics: PipelineDiagnostic[];
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The text that was parsed (kept for ranges and hover). */
  text: string;
  filePath: string;
}
