import { WeirError } from '../errors';
import type { ParamValue, PipelineSpec } from '../pipeline/types';

/**
 * Parameter values for a run: the defaults, overridden by `--param k=v`. An override takes
 * its default's type (a number default wants a number), and an unknown name is BAD_INPUT.
 */
export function resolveParameters(spec: PipelineSpec, overrides: Record<string, string>): Record<string, ParamValue> {
  const values: Record<string, ParamValue> = {};
  for (const p of Object.values(spec.parameters)) values[p.name] = p.default;
  for (const [name, text] of Object.entries(overrides)) {
    const param = spec.parameters[name];
    if (!param) {
      const known = Object.keys(spec.parameters);
      throw new WeirError('BAD_INPUT', `unknown parameter '${name}' (--param ${name}=${text})`, {
        hint: known.length ? `${spec.filePath} declares: ${known.join(', ')}.` : `${spec.filePath} declares no parameters.`,
      });
    }
    values[name] = coerce(param.default, text, name);
  }
  return values;
}

function coerce(defaultValue: ParamValue, text: string, name: string): ParamValue {
  if (typeof defaultValue === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new WeirError('BAD_INPUT', `parameter '${name}' is a number (default ${defaultValue}), not '${text}'`);
    return n;
  }
  if (typeof defaultValue === 'boolean') {
    if (/^(true|yes|1)$/i.test(text)) return true;
    if (/^(false|no|0)$/i.test(text)) return false;
    throw new WeirError('BAD_INPUT', `parameter '${name}' is true or false (default ${defaultValue}), not '${text}'`);
  }
  return text;
}

/** Parses `k=v` flags into overrides. */
export function parseParamFlags(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new WeirError('BAD_INPUT', `--param wants NAME=VALUE, got '${flag}'`);
    out[flag.slice(0, eq)] = flag.slice(eq + 1);
  }
  return out;
}

/** The steps to run in pipeline order: all of them, or the named ones and every step they need. */
export function selectSteps(spec: PipelineSpec, only?: string[]): string[] {
  if (!only?.length) return [...spec.stepOrder];
  const wanted = new Set<string>();
  const visit = (name: string) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const d of spec.steps[name]!.dependsOn) visit(d);
  };
  for (const name of only) {
    if (!spec.steps[name]) {
      throw new WeirError('BAD_INPUT', `unknown step '${name}' (--step ${name})`, { hint: `Steps: ${spec.stepOrder.join(', ')}.` });
    }
    visit(name);
  }
  return spec.stepOrder.filter((n) => wanted.has(n));
}
