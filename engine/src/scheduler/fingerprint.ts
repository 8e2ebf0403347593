import { createHash } from 'node:crypto';
import { findExpressions, substituteDeep } from '../util/expressions';
import type { ParamValue, Reference, StepSpec } from '../pipeline/types';
import { getStepKind } from '../steps/registry';
import type { ResolvedInput, StepContext } from '../steps/stepKind';
import { WEIR_VERSION } from '../version';

/**
 * The resolved input a data reference in a step's settings points at: an entry of the
 * step's own `inputs:` (by name, or the upstream output it binds) or one the scheduler added
 * for a reference made directly in the settings.
 */
export function inputForReference(inputs: Record<string, ResolvedInput>, ref: Extract<Reference, { scope: 'inputs' | 'steps' }>): ResolvedInput | undefined {
  if (ref.scope === 'inputs') return inputs[ref.name] ?? inputs[`inputs.${ref.name}`];
  return inputs[`steps.${ref.step}.outputs.${ref.output}`] ?? Object.values(inputs).find((i) => i.fromStep?.step === ref.step && i.fromStep.output === ref.output);
}

/**
 * The reuse key, as Azure's `allow_reuse`: kind, settings with every path replaced by the
 * content hash behind it, the step's code (SQL text, script file) and the parameters that
 * code uses, environment, declared outputs and the content hashes of its inputs. Parameters
 * in the settings count through the settings, so a parameter a step does not use never
 * defeats its reuse. Weir's version counts too: a step kind's code (the AutoML search, the
 * DuckDB bundled) is part of what made the outputs, so an upgraded Weir reruns each step once
 * rather than hand back a result the old engine computed.
 */
export async function stepFingerprint(args: {
  step: StepSpec;
  /** Parsed settings, parameters already substituted. */
  config: unknown;
  inputs: Record<string, ResolvedInput>;
  environment: StepContext['environment'];
  params: Record<string, ParamValue>;
  pipelineDir: string;
  /** Weir's version by default; tests give another. */
  engineVersion?: string;
}): Promise<string> {
  const { step, config, inputs, environment, params } = args;
  const kind = getStepKind(step.kind)!;
  const stable = substituteDeep(config, (ref) => {
    switch (ref.scope) {
      case 'inputs':
        return `<input:${inputForReference(inputs, ref)?.ref.hash}>`;
      case 'steps':
        return `<artifact:${inputForReference(inputs, ref)?.ref.hash}>`;
      case 'outputs':
        return `<output:${ref.name}>`;
      case 'parameters':
        return params[ref.name];
    }
  });
  const code = kind.codeFingerprint ? await kind.codeFingerprint(config, { pipelineDir: args.pipelineDir }) : '';
  const codeParams = Object.fromEntries(
    findExpressions(code)
      .map((e) => e.ref)
      .filter((r): r is Extract<Reference, { scope: 'parameters' }> => r?.scope === 'parameters')
      .map((r) => [r.name, params[r.name] ?? null]),
  );
  const inputHashes = Object.entries(inputs)
    .map(([k, v]) => [k, v.ref.hash])
    .sort(([a], [b]) => (a! < b! ? -1 : 1));
  const material = JSON.stringify({ v: 1, weir: args.engineVersion ?? WEIR_VERSION, kind: step.kind, config: stable, code, codeParams, environment: environment ?? null, outputs: step.outputs, inputs: inputHashes });
  return createHash('sha256').update(material).digest('hex');
}
