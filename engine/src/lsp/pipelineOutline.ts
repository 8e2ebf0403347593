import { getStepKind, allStepKinds } from '../steps/registry';
import { COMMON_STEP_KEYS } from '../pipeline/schema';
import type { ParsedPipeline } from '../pipeline';

/**
 * What the editor features need to know about a pipeline file even while it has errors:
 * its steps, their kinds and outputs, its parameters and inputs, read from whatever the YAML
 * parser made of the text (the validated `spec` exists only for error-free files).
 */
export interface PipelineOutline {
  name?: string;
  experiment?: string;
  parameters: Record<string, unknown>;
  inputs: Record<string, string>;
  steps: { name: string; kind?: string; config: unknown; inputs: Record<string, unknown>; outputs: string[] }[];
  outputs: Record<string, unknown>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Outlines by parsed document: one completion asks for it up to three times (completion, the
 * input schemas, the last run), and each `toJS` walks the whole YAML tree. A parsed document
 * never changes; the kind count is kept because a kind registering late changes step outputs.
 */
const outlines = new WeakMap<ParsedPipeline, { kindCount: number; outline: PipelineOutline }>();

export function outlineOf(parsed: ParsedPipeline): PipelineOutline {
  const kindCount = allStepKinds().length;
  const cached = outlines.get(parsed);
  if (cached && cached.kindCount === kindCount) return cached.outline;
  const outline = buildOutline(parsed);
  outlines.set(parsed, { kindCount, outline });
  return outline;
}

function buildOutline(parsed: ParsedPipeline): PipelineOutline {
  let raw: unknown;
  try {
    raw = parsed.doc.toJS({ maxAliasCount: 100 });
  } catch {
    raw = undefined;
  }
  const top = isRecord(raw) ? raw : {};
  const steps = isRecord(top.steps) ? top.steps : {};
  const kindKeys = new Set(allStepKinds().map((k) => k.kind));
  return {
    name: typeof top.name === 'string' ? top.name : undefined,
    experiment: typeof top.experiment === 'string' ? top.experiment : undefined,
    parameters: isRecord(top.parameters) ? top.parameters : {},
    inputs: Object.fromEntries(Object.entries(isRecord(top.inputs) ? top.inputs : {}).map(([k, v]) => [k, String(v)])),
    outputs: isRecord(top.outputs) ? top.outputs : {},
    steps: Object.entries(steps).map(([name, value]) => {
      const step = isRecord(value) ? value : {};
      const kind = Object.keys(step).find((k) => kindKeys.has(k)) ?? Object.keys(step).find((k) => !COMMON_STEP_KEYS.includes(k));
      const declared = isRecord(step.outputs) ? Object.fromEntries(Object.entries(step.outputs).map(([k, v]) => [k, String(v)])) : {};
      let outputs = Object.keys(declared);
      const stepKind = kind ? getStepKind(kind) : undefined;
      if (stepKind) {
        try {
          outputs = Object.keys(stepKind.outputs(step[kind!] as never, declared));
        } catch {
          // An invalid declaration is reported as a diagnostic; completion offers what is written.
        }
      }
      return { name, kind, config: kind ? step[kind] : undefined, inputs: isRecord(step.inputs) ? step.inputs : {}, outputs };
    }),
  };
}

/** The parameter's default, whether written as a bare value or as `{ default, description }`. */
export function parameterDefault(value: unknown): string | number | boolean | undefined {
  if (isRecord(value)) return parameterDefault(value.default);
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : undefined;
}
