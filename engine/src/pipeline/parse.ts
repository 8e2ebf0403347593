import path from 'node:path';
import { isMap, isScalar } from 'yaml';
import type { z } from 'zod';
import { isWeirError } from '../errors';
import { allStepKinds, getStepKind } from '../steps/registry';
import type { ArtifactRef } from '../store/records';
import { findExpressions, wholeExpression } from '../util/expressions';
import { COMMON_STEP_KEYS, type executorSchema, identifier, pipelineTopSchema, stepCommonSchema } from './schema';
import type {
  ParamValue,
  ParameterSpec,
  ParsedPipeline,
  PipelineDiagnostic,
  PipelineInputSource,
  PipelineInputSpec,
  PipelineSpec,
  Range,
  Reference,
  ReferenceUse,
  StepEnvironment,
  ExecutorSpec,
  StepSpec,
} from './types';
import { parseYaml, rangeOf, rangeOfPath } from './yamlSource';

type YamlPath = (string | number)[];

/**
 * Parses and validates a pipeline file's text without touching the disk: YAML syntax and
 * duplicate keys, the schema (with each step kind's settings schema), references, cycles,
 * unknown parameters, and steps with no kind or two kinds. Never throws on bad input; every
 * problem is a diagnostic with an exact range.
 */
export function parsePipelineText(text: string, filePath: string): ParsedPipeline {
  const { doc, lineCounter } = parseYaml(text);
  const parsed: ParsedPipeline = { diagnostics: [], doc, lineCounter, text, filePath };
  const ctx = parseContext(parsed);

  // Syntax errors leave no trustworthy tree; duplicate keys do (the first one wins), so checking goes on.
  if (!reportYamlProblems(ctx)) return parsed;
  const top = readTopMapping(ctx);
  if (!top) return parsed;
  const topResult = pipelineTopSchema.safeParse(top);
  if (!topResult.success) reportZodIssues(topResult.error.issues, [], parsed, top, Object.keys(pipelineTopSchema.shape));

  const parameters = readParameters(top);
  const inputs = readPipelineInputs(top);
  const { steps, outputsUnknown } = readSteps(ctx, top, parameters);
  const firstUse = linkReferences(ctx, { top, parameters, inputs, steps, outputsUnknown });
  const order = orderSteps(ctx, steps, firstUse);
  const outputs = readPipelineOutputs(ctx, top);
  if (Object.keys(asRecord(top.steps)).length === 0 && topResult.success) {
    ctx.report('error', 'no-steps', 'the pipeline has no steps', ctx.at(['steps'], 'key'), 'Add a step under `steps:`, e.g. a `sql` step.');
  }

  if (!parsed.diagnostics.some((d) => d.severity === 'error')) {
    const fileName = path.basename(filePath).replace(/\.pipeline\.ya?ml$|\.ya?ml$/i, '');
    const name = typeof top.name === 'string' ? top.name : fileName;
    const compute = top.compute as { max_concurrent_steps?: number } | string | undefined;
    parsed.spec = {
      filePath: path.resolve(filePath),
      dir: path.dirname(path.resolve(filePath)),
      name,
      experiment: typeof top.experiment === 'string' ? top.experiment : name.replace(/[^A-Za-z0-9_.-]/g, '_'),
      ...(typeof top.description === 'string' ? { description: top.description } : {}),
      parameters,
      inputs,
      steps,
      stepOrder: order,
      outputs,
      ...(compute && typeof compute === 'object' && compute.max_concurrent_steps ? { maxConcurrentSteps: compute.max_concurrent_steps } : {}),
      ...(topResult.success && topResult.data.executor ? { executor: executorSpec(topResult.data.executor) } : {}),
    };
  }
  return parsed;
}

/** What the phases of `parsePipelineText` share: the file being parsed and how to report on it. */
interface ParseContext {
  parsed: ParsedPipeline;
  report(severity: PipelineDiagnostic['severity'], code: string, message: string, range: Range, hint?: string): void;
  /** The range of the value (or key) at a YAML path. */
  at(p: YamlPath, target?: 'value' | 'key'): Range;
}

function parseContext(parsed: ParsedPipeline): ParseContext {
  return {
    parsed,
    report: (severity, code, message, range, hint) => {
      parsed.diagnostics.push({ severity, code, message, range, ...(hint ? { hint } : {}) });
    },
    at: (p, target = 'value') => rangeOfPath(parsed, p, target),
  };
}

/** Phase 1: YAML syntax errors, duplicate keys and warnings. False when the tree cannot be trusted. */
function reportYamlProblems({ parsed, report }: ParseContext): boolean {
  const { doc, lineCounter, text } = parsed;
  for (const e of doc.errors) {
    const duplicate = e.code === 'DUPLICATE_KEY';
    if (/call stack/i.test(e.message)) {
      report('error', 'yaml-syntax', 'the YAML is nested too deeply to read', rangeOf(lineCounter, e.pos[0], e.pos[1]), 'A pipeline file is a few levels deep; look for runaway brackets.');
      continue;
    }
    report(
      'error',
      duplicate ? 'duplicate-key' : 'yaml-syntax',
      duplicate ? `duplicate key: ${duplicateKeyName(text, e.pos[0])}` : `YAML syntax error: ${e.message.split('\n')[0]}`,
      rangeOf(lineCounter, e.pos[0], e.pos[1]),
      duplicate ? 'Each key may appear once in a mapping; remove or rename one.' : yamlHint(text, e.pos[0]),
    );
  }
  for (const w of doc.warnings) report('warning', 'yaml-warning', w.message.split('\n')[0]!, rangeOf(lineCounter, w.pos[0], w.pos[1]));
  return !doc.errors.some((e) => e.code !== 'DUPLICATE_KEY');
}

/** Phase 2: the document as plain values, which must be a mapping (aliases bounded). */
function readTopMapping({ parsed, report, at }: ParseContext): Record<string, unknown> | undefined {
  const { doc } = parsed;
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    const message = (e as Error).message;
    const bomb = /alias/i.test(message);
    report('error', 'yaml-syntax', bomb ? 'YAML aliases expand too much (more than 100 uses of aliases)' : `the YAML cannot be read: ${/call stack/i.test(message) ? 'it is nested too deeply' : message}`, at([]), bomb ? 'Write the values out instead of reusing them through `*alias`.' : undefined);
    return undefined;
  }
  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw) || !isMap(doc.contents)) {
    report('error', 'schema', 'a pipeline file is a mapping with at least `steps:`', at([]), 'Start from `name:`, `inputs:` and `steps:` as in examples/titanic/titanic.pipeline.yaml.');
    return undefined;
  }
  return raw as Record<string, unknown>;
}

/** `parameters:`: a value, or `{ default, description }`; malformed entries were reported by the schema. */
function readParameters(top: Record<string, unknown>): Record<string, ParameterSpec> {
  const parameters: Record<string, ParameterSpec> = {};
  for (const [name, value] of Object.entries(asRecord(top.parameters))) {
    if (!identifier.safeParse(name).success) continue;
    if (isParamValue(value)) parameters[name] = { name, default: value };
    else if (value && typeof value === 'object' && isParamValue((value as { default?: unknown }).default)) {
      const v = value as { default: ParamValue; description?: string };
      parameters[name] = { name, default: v.default, ...(typeof v.description === 'string' ? { description: v.description } : {}) };
    }
  }
  return parameters;
}

/** The pipeline's `inputs:` (`dataset:`, `model:`, `file:` sources). */
function readPipelineInputs(top: Record<string, unknown>): Record<string, PipelineInputSpec> {
  const inputs: Record<string, PipelineInputSpec> = {};
  for (const [name, value] of Object.entries(asRecord(top.inputs))) {
    if (typeof value !== 'string') continue;
    const source = parseInputSource(value);
    if (source) inputs[name] = { name, source, text: value };
  }
  return inputs;
}

/**
 * Phase 3: each step's kind, common keys and settings against their schemas. `outputsUnknown`
 * holds the steps whose settings failed their schema: their outputs are unknown, so references
 * to them are not blamed again (the settings error already says what to fix).
 */
function readSteps(ctx: ParseContext, top: Record<string, unknown>, parameters: Record<string, ParameterSpec>): { steps: Record<string, StepSpec>; outputsUnknown: Set<string> } {
  const steps: Record<string, StepSpec> = {};
  const outputsUnknown = new Set<string>();
  for (const [stepName, stepRaw] of Object.entries(asRecord(top.steps))) {
    if (!stepRaw || typeof stepRaw !== 'object' || Array.isArray(stepRaw)) continue; // reported by the top-level schema
    const kindName = stepKindOf(ctx, stepName, stepRaw as Record<string, unknown>);
    if (kindName === undefined) continue;
    const step = readStep(ctx, stepName, stepRaw as Record<string, unknown>, kindName, parameters);
    if (!step.settingsValid) outputsUnknown.add(stepName);
    steps[stepName] = step.spec;
  }
  return { steps, outputsUnknown };
}

/** The one step kind key of a step; reports no kind, unknown kinds and two kinds. */
function stepKindOf({ report, at }: ParseContext, stepName: string, stepObj: Record<string, unknown>): string | undefined {
  const stepPath: YamlPath = ['steps', stepName];
  const kindNames = allStepKinds().map((k) => k.kind);
  const keys = Object.keys(stepObj);
  const kindKeys = keys.filter((k) => getStepKind(k));
  const otherKeys = keys.filter((k) => !getStepKind(k) && !COMMON_STEP_KEYS.includes(k));
  if (kindKeys.length === 0) {
    if (otherKeys.length) {
      for (const k of otherKeys) {
        report('error', 'unknown-step-kind', `unknown step kind '${k}' in step '${stepName}'`, at([...stepPath, k], 'key'), `Known kinds: ${kindNames.join(', ')}.`);
      }
    } else {
      report('error', 'no-step-kind', `step '${stepName}' has no kind`, at(stepPath, 'key'), `Add one of: ${kindNames.join(', ')}.`);
    }
    return undefined;
  }
  if (kindKeys.length > 1) {
    report('error', 'two-step-kinds', `step '${stepName}' has ${kindKeys.length} kinds (${kindKeys.join(', ')}); a step has exactly one`, at([...stepPath, kindKeys[1]!], 'key'), 'Split it into one step per kind.');
    return undefined;
  }
  return kindKeys[0]!;
}

/** One step of a known kind: its common keys and settings checked, outputs, inputs, environment. */
function readStep(ctx: ParseContext, stepName: string, stepObj: Record<string, unknown>, kindName: string, parameters: Record<string, ParameterSpec>): { spec: StepSpec; settingsValid: boolean } {
  const { parsed, report, at } = ctx;
  const stepPath: YamlPath = ['steps', stepName];
  const kind = getStepKind(kindName)!;
  const common: Record<string, unknown> = {};
  for (const k of Object.keys(stepObj)) if (k !== kindName) common[k] = stepObj[k];
  const commonResult = stepCommonSchema.safeParse(common);
  if (!commonResult.success) reportZodIssues(commonResult.error.issues, stepPath, parsed, common, [...COMMON_STEP_KEYS, kindName]);

  const config = stepObj[kindName];
  const configRefs = collectReferences(config, [...stepPath, kindName]);
  const configResult = kind.configSchema.safeParse(substituteParameterDefaults(config, parameters));
  if (!configResult.success) reportZodIssues(configResult.error.issues, [...stepPath, kindName], parsed, config);

  const declaredOutputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(stepObj.outputs))) if (typeof v === 'string') declaredOutputs[k] = v;
  let outputs: Record<string, ArtifactRef['kind']> = declaredOutputs as Record<string, ArtifactRef['kind']>;
  if (configResult.success && commonResult.success) {
    try {
      outputs = kind.outputs(configResult.data, declaredOutputs);
    } catch (e) {
      // A kind's outputs() rejecting the declaration is a diagnostic; so is a bug in it,
      // because parsing must never throw while the user types.
      const message = isWeirError(e) ? e.message : `step kind '${kindName}' could not work out its outputs: ${(e as Error)?.message ?? String(e)}`;
      report('error', 'bad-outputs', message, at([...stepPath, 'outputs'], stepObj.outputs === undefined ? 'key' : 'value'), isWeirError(e) ? e.hint : undefined);
    }
  }

  const stepInputs: Record<string, Reference> = {};
  for (const [inputName, binding] of Object.entries(asRecord(stepObj.inputs))) {
    if (typeof binding !== 'string') continue;
    const expr = wholeExpression(binding);
    if (expr?.ref) stepInputs[inputName] = expr.ref;
  }

  let environment: StepEnvironment | undefined;
  if (commonResult.success && commonResult.data.environment) {
    const env = commonResult.data.environment;
    environment = { ...(env.interpreter ? { interpreter: env.interpreter } : {}), variables: Object.fromEntries(Object.entries(env.variables ?? {}).map(([k, v]) => [k, String(v)])) };
  }
  const spec: StepSpec = {
    name: stepName,
    kind: kindName,
    config,
    inputs: stepInputs,
    configRefs,
    declaredOutputs,
    outputs,
    allowReuse: commonResult.success ? commonResult.data.allow_reuse !== false : true,
    ...(environment ? { environment } : {}),
    ...(typeof stepObj.description === 'string' ? { description: stepObj.description } : {}),
    ...(commonResult.success && commonResult.data.executor ? { executor: executorSpec(commonResult.data.executor) } : {}),
    dependsOn: [],
  };
  return { spec, settingsValid: configResult.success && commonResult.success };
}

/** What references are checked against. */
interface ReferenceScope {
  top: Record<string, unknown>;
  parameters: Record<string, ParameterSpec>;
  inputs: Record<string, PipelineInputSpec>;
  steps: Record<string, StepSpec>;
  outputsUnknown: Set<string>;
}

/**
 * Phase 4: every reference in step inputs, step settings and pipeline outputs checked, each
 * step's `dependsOn` set from them, and expressions of no known form reported. Returns, per
 * step, the first use of each step it depends on (where a cycle is blamed).
 */
function linkReferences(ctx: ParseContext, scope: ReferenceScope): Map<string, Map<string, ReferenceUse>> {
  const firstUse = new Map<string, Map<string, ReferenceUse>>();
  for (const step of Object.values(scope.steps)) {
    const deps = new Set<string>();
    const uses = new Map<string, ReferenceUse>();
    const depend = (use: ReferenceUse, where: 'step-input' | 'config') => {
      const dep = checkReference(ctx, scope, use, where, step);
      if (dep) {
        deps.add(dep);
        if (!uses.has(dep)) uses.set(dep, use);
      }
    };
    for (const use of stepInputUses(ctx, scope.top, step)) depend(use, 'step-input');
    for (const use of step.configRefs) depend(use, 'config');
    step.dependsOn = [...deps];
    firstUse.set(step.name, uses);
  }
  for (const use of collectReferences(scope.top.outputs, ['outputs'])) checkReference(ctx, scope, use, 'pipeline-output');
  for (const bad of collectBadExpressions(scope.top, ctx.parsed)) ctx.report('error', 'bad-expression', bad.message, bad.range, EXPRESSION_HINT);
  return firstUse;
}

/**
 * A step's `inputs:` bindings as references, one at a time (so each binding's problems are
 * reported in file order with those of its reference); reports bindings that are no
 * reference or the wrong kind.
 */
function* stepInputUses({ parsed, report }: ParseContext, top: Record<string, unknown>, step: StepSpec): Generator<ReferenceUse> {
  for (const [inputName, binding] of Object.entries(asRecord(asRecord(asRecord(top.steps)[step.name]).inputs))) {
    if (typeof binding !== 'string') continue;
    const p = ['steps', step.name, 'inputs', inputName];
    const expr = wholeExpression(binding);
    if (!expr) continue; // the schema already said it must be one reference
    if (!expr.ref) {
      report('error', 'bad-expression', `cannot read ${expr.text}`, expressionRange(parsed, p, expr.text), EXPRESSION_HINT);
      continue;
    }
    if (expr.ref.scope === 'parameters' || expr.ref.scope === 'outputs') {
      report('error', 'bad-reference', `a step input must be \`inputs.NAME\` or \`steps.STEP.outputs.NAME\`, not ${expr.text}`, expressionRange(parsed, p, expr.text));
      continue;
    }
    yield { ref: expr.ref, text: expr.text, path: p };
  }
}

/** Checks one reference where it is used; returns the step it depends on, if any. */
function checkReference({ parsed, report }: ParseContext, scope: ReferenceScope, use: ReferenceUse, where: 'step-input' | 'config' | 'pipeline-output', step?: StepSpec): string | undefined {
  const { parameters, inputs, steps } = scope;
  const range = expressionRange(parsed, use.path, use.text);
  const r = use.ref;
  const fail = (message: string, hint?: string, code = 'unknown-reference') => {
    report('error', code, message, range, hint);
    return undefined;
  };
  switch (r.scope) {
    case 'parameters':
      if (where !== 'config') return fail(`${use.text}: a parameter is not data; use it inside a step's settings`, undefined, 'bad-reference');
      if (!(r.name in parameters)) return fail(`unknown parameter '${r.name}' in ${use.text}`, listHint('Declared parameters', Object.keys(parameters), 'Declare it under `parameters:`.'), 'unknown-parameter');
      return undefined;
    case 'inputs':
      if (where === 'config' && step && r.name in step.inputs) return undefined;
      if (!(r.name in inputs)) {
        const names = where === 'config' && step ? [...Object.keys(step.inputs), ...Object.keys(inputs)] : Object.keys(inputs);
        return fail(`unknown input '${r.name}' in ${use.text}`, listHint('Known inputs', names, 'Declare it under the pipeline\'s `inputs:`.'));
      }
      return undefined;
    case 'outputs':
      if (where !== 'config' || !step) return fail(`${use.text}: \`outputs.NAME\` means a step's own output and works only inside a step's settings`, 'Use `${{ steps.STEP.outputs.NAME }}`.', 'bad-reference');
      if (!(r.name in step.outputs)) return fail(`step '${step.name}' has no output '${r.name}' (${use.text})`, listHint('Its outputs', Object.keys(step.outputs), 'Declare it under the step\'s `outputs:`.'));
      return undefined;
    case 'steps': {
      const target = steps[r.step];
      if (!target) {
        if (asRecord(scope.top.steps)[r.step] !== undefined) return undefined; // that step has its own error already
        return fail(`unknown step '${r.step}' in ${use.text}`, listHint('Steps', Object.keys(steps)));
      }
      if (step && r.step === step.name) return fail(`step '${step.name}' reads its own output (${use.text}): that is a cycle`, 'A step can read only earlier steps\' outputs; use `${{ outputs.NAME }}` for its own output path.', 'cycle');
      if (!(r.output in target.outputs) && !scope.outputsUnknown.has(r.step)) return fail(`step '${r.step}' has no output '${r.output}' (${use.text})`, listHint(`Outputs of '${r.step}'`, Object.keys(target.outputs)));
      return r.step;
    }
  }
}

/** Phase 5: the steps in dependency order; each cycle reported at the reference that closes it. */
function orderSteps({ parsed, report, at }: ParseContext, steps: Record<string, StepSpec>, firstUse: Map<string, Map<string, ReferenceUse>>): string[] {
  const { order, cycles } = topologicalOrder(steps);
  for (const cycle of cycles) {
    // The cycle lists steps in data-flow order: cycle[1] reads cycle[0]'s output.
    const reader = cycle[1] ?? cycle[0]!;
    const use = firstUse.get(reader)?.get(cycle[0]!);
    const range = use ? expressionRange(parsed, use.path, use.text) : at(['steps', reader], 'key');
    report('error', 'cycle', `steps form a cycle: ${[...cycle, cycle[0]].join(' → ')}`, range, 'A step can read only the outputs of steps that do not read its own.');
  }
  return order;
}

/** Phase 6: the pipeline's `outputs:`, each one step output. */
function readPipelineOutputs({ parsed, report }: ParseContext, top: Record<string, unknown>): PipelineSpec['outputs'] {
  const outputs: PipelineSpec['outputs'] = {};
  for (const [name, value] of Object.entries(asRecord(top.outputs))) {
    const expr = typeof value === 'string' ? wholeExpression(value) : undefined;
    if (expr?.ref?.scope === 'steps') outputs[name] = expr.ref;
    else if (expr?.ref) report('error', 'bad-reference', `a pipeline output must be \`\${{ steps.STEP.outputs.NAME }}\`, not ${expr.text}`, expressionRange(parsed, ['outputs', name], expr.text));
  }
  return outputs;
}

const EXPRESSION_HINT = 'References are `${{ inputs.NAME }}`, `${{ parameters.NAME }}`, `${{ steps.STEP.outputs.NAME }}` or, inside a step\'s settings, `${{ outputs.NAME }}`.';

/** An `executor:` value (already valid) as the scheduler reads it. */
function executorSpec(value: z.infer<typeof executorSchema>): ExecutorSpec {
  if (typeof value === 'string') return { kind: value, options: {} };
  return {
    kind: value.kind,
    ...(value.partition !== undefined ? { partition: value.partition } : {}),
    ...(value.cpus_per_task !== undefined ? { cpusPerTask: value.cpus_per_task } : {}),
    ...(value.mem !== undefined ? { mem: value.mem } : {}),
    ...(value.time !== undefined ? { time: value.time } : {}),
    options: Object.fromEntries(Object.entries(value.options ?? {}).map(([k, v]) => [k, String(v)])),
  };
}

export function parseInputSource(value: string): PipelineInputSource | undefined {
  const a = /^model:([A-Za-z0-9_.-]+)@([A-Za-z][A-Za-z0-9_-]*)$/.exec(value.trim());
  if (a) return { type: 'model', name: a[1]!, alias: a[2]! };
  const m = /^(dataset|model):([A-Za-z0-9_.-]+)(?::([0-9]+))?$/.exec(value.trim());
  if (m) return { type: m[1] as 'dataset' | 'model', name: m[2]!, ...(m[3] ? { version: Number(m[3]) } : {}) };
  const f = /^file:(.+)$/.exec(value.trim());
  if (f) return { type: 'file', path: f[1]!.trim() };
  return undefined;
}

function isParamValue(v: unknown): v is ParamValue {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function listHint(label: string, names: string[], fallback?: string): string | undefined {
  if (names.length) return `${label}: ${names.join(', ')}.`;
  return fallback;
}

/** For schema validation only: a setting that is one `${{ parameters.X }}` takes X's default, so `iterations: ${{ parameters.n }}` checks as a number. */
function substituteParameterDefaults(value: unknown, parameters: Record<string, ParameterSpec>): unknown {
  if (typeof value === 'string') {
    const expr = wholeExpression(value);
    if (expr?.ref?.scope === 'parameters' && parameters[expr.ref.name]) return parameters[expr.ref.name]!.default;
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => substituteParameterDefaults(v, parameters));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteParameterDefaults(v, parameters)]));
  }
  return value;
}

/** Every well-formed reference inside a value, with the YAML path of the scalar holding it. */
export function collectReferences(value: unknown, at: YamlPath): ReferenceUse[] {
  const uses: ReferenceUse[] = [];
  const walk = (v: unknown, p: YamlPath) => {
    if (typeof v === 'string') {
      for (const e of findExpressions(v)) if (e.ref) uses.push({ ref: e.ref, text: e.text, path: p });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, [...p, i]));
    } else if (v && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) walk(item, [...p, k]);
    }
  };
  walk(value, at);
  return uses;
}

/** Expressions with no known form anywhere in the file (in steps and outputs). */
function collectBadExpressions(top: Record<string, unknown>, parsed: ParsedPipeline): { message: string; range: Range }[] {
  const bad: { message: string; range: Range }[] = [];
  const walk = (v: unknown, p: YamlPath) => {
    if (typeof v === 'string') {
      for (const e of findExpressions(v)) if (!e.ref) bad.push({ message: `cannot read ${e.text}: unknown reference form '${e.body}'`, range: expressionRange(parsed, p, e.text) });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, [...p, i]));
    } else if (v && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) walk(item, [...p, k]);
    }
  };
  walk(top.steps, ['steps']);
  walk(top.outputs, ['outputs']);
  return bad;
}

/** The range of one expression inside the scalar at `p`, or the scalar's range. */
function expressionRange(parsed: ParsedPipeline, p: YamlPath, exprText: string): Range {
  let node: unknown = parsed.doc.contents;
  for (const seg of p) {
    if (isMap(node)) node = node.get(seg, true);
    else if (node && typeof node === 'object' && 'items' in node && typeof seg === 'number') node = (node as { items: unknown[] }).items[seg];
    else {
      node = undefined;
      break;
    }
  }
  if (isScalar(node) && node.range) {
    const [start, end] = node.range;
    const idx = parsed.text.slice(start, end).indexOf(exprText);
    if (idx >= 0) return rangeOf(parsed.lineCounter, start + idx, start + idx + exprText.length);
  }
  return rangeOfPath(parsed, p);
}

/** True when `root` has a value at `p` (zod does not say whether an invalid value was missing or wrong). */
function hasPath(root: unknown, p: readonly PropertyKey[]): boolean {
  let v: unknown = root;
  for (const seg of p) {
    if (v === null || typeof v !== 'object' || !(String(seg) in (v as object))) return false;
    v = (v as Record<string, unknown>)[String(seg)];
  }
  return true;
}

function reportZodIssues(issues: readonly z.core.$ZodIssue[], base: YamlPath, parsed: ParsedPipeline, root: unknown, allowedKeys?: string[]): void {
  for (const issue of issues) {
    const p = [...base, ...(issue.path as (string | number)[])];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const allowed = issue.path.length === 0 && allowedKeys ? allowedKeys.filter((k) => k !== '$schema') : undefined;
        parsed.diagnostics.push({
          severity: 'error',
          code: 'unknown-key',
          message: `unknown key '${key}'${p.length ? ` in ${describePath(p)}` : ''}`,
          range: rangeOfPath(parsed, [...p, key], 'key'),
          ...(allowed ? { hint: `Allowed here: ${allowed.join(', ')}.` } : {}),
        });
      }
      continue;
    }
    if (issue.code === 'invalid_type' && !hasPath(root, issue.path)) {
      const missing = p[p.length - 1];
      parsed.diagnostics.push({
        severity: 'error',
        code: 'missing-key',
        message: `missing required key '${String(missing)}'${p.length > 1 ? ` in ${describePath(p.slice(0, -1))}` : ''}`,
        range: rangeOfPath(parsed, p.slice(0, -1), p.length > 1 ? 'key' : 'value'),
      });
      continue;
    }
    if (issue.code === 'invalid_key') {
      parsed.diagnostics.push({ severity: 'error', code: 'schema', message: `${describePath(p)}: ${issue.issues[0]?.message ?? issue.message}`, range: rangeOfPath(parsed, p, 'key') });
      continue;
    }
    if (issue.code === 'invalid_type' && valueAt(root, issue.path) === null) {
      // `key:` with nothing after it: say so instead of zod's "received null".
      parsed.diagnostics.push({ severity: 'error', code: 'missing-value', message: `${describePath(p)} needs a value (${issue.expected})`, range: rangeOfPath(parsed, p, 'key') });
      continue;
    }
    parsed.diagnostics.push({ severity: 'error', code: 'schema', message: `${describePath(p)}: ${issue.message}`, range: rangeOfPath(parsed, p) });
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function describePath(p: YamlPath): string {
  return p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || 'the file';
}

function duplicateKeyName(text: string, offset: number): string {
  const m = /^[^:\n]*/.exec(text.slice(offset));
  return (m?.[0] ?? '').trim() || '(key)';
}

function yamlHint(text: string, offset: number): string | undefined {
  const line = text.slice(text.lastIndexOf('\n', offset - 1) + 1, text.indexOf('\n', offset) < 0 ? undefined : text.indexOf('\n', offset));
  if (line.includes('${{')) return 'A value holding `${{ }}` inside [ ] or { } that also holds quotes, or sits in a [ ] or { } opened on an earlier line, must be quoted as a whole, e.g. "--out=${{ outputs.x }}".';
  if (/\t/.test(line)) return 'YAML indents with spaces, not tabs.';
  return 'Check indentation and that every `key:` is followed by a space.';
}

/** Kahn's order by `dependsOn`; steps left over form cycles, reported once each. */
function topologicalOrder(steps: Record<string, StepSpec>): { order: string[]; cycles: string[][] } {
  const names = Object.keys(steps);
  const indegree = new Map(names.map((n) => [n, steps[n]!.dependsOn.filter((d) => d in steps).length]));
  const order: string[] = [];
  const ready = names.filter((n) => indegree.get(n) === 0);
  while (ready.length) {
    const n = ready.shift()!;
    order.push(n);
    for (const m of names) {
      if (steps[m]!.dependsOn.includes(n)) {
        indegree.set(m, indegree.get(m)! - 1);
        if (indegree.get(m) === 0) ready.push(m);
      }
    }
  }
  const left = new Set(names.filter((n) => !order.includes(n)));
  const cycles: string[][] = [];
  const seen = new Set<string>();
  for (const start of left) {
    if (seen.has(start)) continue;
    // Walk dependencies inside the leftover set until a step repeats: that loop is a cycle.
    const trail: string[] = [];
    let at: string | undefined = start;
    while (at && !trail.includes(at)) {
      trail.push(at);
      at = steps[at]!.dependsOn.find((d) => left.has(d));
    }
    if (at) {
      const cycle = trail.slice(trail.indexOf(at)).reverse();
      if (!cycle.some((c) => seen.has(c))) cycles.push(cycle);
      for (const c of cycle) seen.add(c);
    }
    for (const t of trail) seen.add(t);
  }
  return { order, cycles };
}

