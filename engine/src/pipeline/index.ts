/**
 * Pipeline files (`*.pipeline.yaml`): parsing with source ranges, validation, and the
 * helpers the language server uses to map between YAML paths and text positions.
 */
import type { ParsedPipeline, Range } from './types';
import { rangeOfPath as rangeOfYamlPath } from './yamlSource';

export type {
  ParamValue,
  ParameterSpec,
  ParsedPipeline,
  PipelineDiagnostic,
  PipelineInputSource,
  PipelineInputSpec,
  PipelineSpec,
  Position,
  Range,
  Reference,
  ReferenceUse,
  StepEnvironment,
  StepSpec,
} from './types';
export { parsePipelineText, parseInputSource } from './parse';
export { checkPipeline } from './check';
export type { CheckOptions } from './check';
export { loadPipeline, readPipelineFile, formatDiagnostic } from './load';
export { pathAtOffset, offsetAt, positionAt } from './yamlSource';
export { pipelineJsonSchema, pipelineFileSchema } from './schema';
export { findExpressions, parseReference, referenceText, substituteDeep, substituteString } from '../util/expressions';
export { matchFiles } from './fileGlob';

/** The range of the value at a YAML path (or of its key with `target: 'key'`); the deepest existing part when the path is incomplete. */
export function rangeOfPath(parsed: ParsedPipeline, path: readonly (string | number)[], target: 'value' | 'key' = 'value'): Range {
  return rangeOfYamlPath(parsed, path, target);
}
