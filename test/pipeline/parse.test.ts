import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { offsetAt, parsePipelineText, pathAtOffset, rangeOfPath } from '../../engine/src/pipeline';
import type { PipelineDiagnostic } from '../../engine/src/pipeline';
import { repoRoot } from '../helpers/paths';

const FILE = '/work/x/demo.pipeline.yaml';

function parse(text: string) {
  return parsePipelineText(text, FILE);
}

function errors(text: string): PipelineDiagnostic[] {
  return parse(text).diagnostics.filter((d) => d.severity === 'error');
}

/** The text a diagnostic's range covers. */
function covered(text: string, d: PipelineDiagnostic): string {
  return text.slice(offsetAt(text, d.range.start), offsetAt(text, d.range.end));
}

const GOOD = `name: demo
parameters:
  limit: 10
  label: { default: Survived, description: the column to predict }
inputs:
  raw: file:data/*.csv
steps:
  prep:
    sql: SELECT * FROM raw LIMIT \${{ parameters.limit }}
    inputs: { raw: \${{ inputs.raw }} }
    outputs: { table: parquet }
  train:
    script:
      file: train.py
      args: [--data, \${{ steps.prep.outputs.table }}, --out, "\${{ outputs.model }}"]
    outputs: { model: model }
    environment: { interpreter: /usr/bin/python3, variables: { SEED: 42 } }
  register:
    register_model:
      model: \${{ steps.train.outputs.model }}
      name: demo_model
outputs:
  model_output: \${{ steps.train.outputs.model }}
`;

describe('parsePipelineText', () => {
  test('reads a valid pipeline, including DESIGN §2 `${{ }}` values inside flow mappings', () => {
    const parsed = parse(GOOD);
    expect(parsed.diagnostics).toEqual([]);
    const spec = parsed.spec!;
    expect(spec.name).toBe('demo');
    expect(spec.experiment).toBe('demo');
    expect(spec.stepOrder).toEqual(['prep', 'train', 'register']);
    expect(spec.steps.prep!.inputs).toEqual({ raw: { scope: 'inputs', name: 'raw' } });
    expect(spec.steps.prep!.outputs).toEqual({ table: 'parquet' });
    expect(spec.steps.train!.dependsOn).toEqual(['prep']);
    expect(spec.steps.register!.dependsOn).toEqual(['train']);
    expect(spec.steps.train!.environment).toEqual({ interpreter: '/usr/bin/python3', variables: { SEED: '42' } });
    expect(spec.parameters.label).toEqual({ name: 'label', default: 'Survived', description: 'the column to predict' });
    expect(spec.inputs.raw!.source).toEqual({ type: 'file', path: 'data/*.csv' });
    expect(spec.outputs).toEqual({ model_output: { scope: 'steps', step: 'train', output: 'model' } });
    // The YAML tree holds the original expression text, not the rewrite used to parse it.
    expect(parsed.doc.getIn(['steps', 'prep', 'inputs', 'raw'])).toBe('${{ inputs.raw }}');
  });

  test('the shipped Titanic pipeline is the README\'s pipeline file (DESIGN §2) verbatim and parses (automl aside)', () => {
    const file = path.join(repoRoot, 'examples/titanic/titanic.pipeline.yaml');
    const text = readFileSync(file, 'utf8');
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const block = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(text).toBe(block);
    const parsed = parsePipelineText(text, file);
    const notAutoml = parsed.diagnostics.filter((d) => !(d.code === 'unknown-step-kind' && d.message.includes("'automl'")));
    expect(notAutoml).toEqual([]);
    expect(parsed.doc.getIn(['steps', 'dataprep', 'inputs', 'titanic'])).toBe('${{ inputs.titanic }}');
  });

  test('expressions with text around them inside [ ] and { } read as strings, with exact ranges', () => {
    const text = [
      'parameters: { greeting: hi }',
      'steps:',
      '  a:',
      '    script: { command: [bash, -c, echo, ${{ outputs.m }}/model.pkl, --x=${{ parameters.greeting }}, "${{ parameters.greeting }}"] }',
      '    outputs: { m: model }',
      '    environment: { variables: { EXTRA: ${{ parameters.greeting }}-there, TWO: ${{ parameters.greeting }}+${{ parameters.greeting }} } }  # comment',
      '',
    ].join('\n');
    const parsed = parse(text);
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.doc.getIn(['steps', 'a', 'script', 'command', 3])).toBe('${{ outputs.m }}/model.pkl');
    expect(parsed.doc.getIn(['steps', 'a', 'script', 'command', 4])).toBe('--x=${{ parameters.greeting }}');
    expect(parsed.doc.getIn(['steps', 'a', 'script', 'command', 5])).toBe('${{ parameters.greeting }}');
    expect(parsed.spec!.steps.a!.environment!.variables).toEqual({ EXTRA: '${{ parameters.greeting }}-there', TWO: '${{ parameters.greeting }}+${{ parameters.greeting }}' });
    const range = rangeOfPath(parsed, ['steps', 'a', 'script', 'command', 3]);
    expect(covered(text, { range } as PipelineDiagnostic)).toBe('${{ outputs.m }}/model.pkl');
    // A wrong reference in such a scalar is still blamed on the expression itself.
    const bad = text.replace('${{ outputs.m }}/model.pkl', '${{ outputs.nope }}/model.pkl');
    const [e] = errors(bad);
    expect(covered(bad, e!)).toBe('${{ outputs.nope }}');
  });

  test('malformed YAML gives a syntax error at its line', () => {
    const text = 'name: x\nsteps:\n  a:\n    sql: "SELECT 1\n  b: [1, 2\n';
    const errs = errors(text);
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0]!.code).toBe('yaml-syntax');
    expect(errs[0]!.range.start.line).toBeGreaterThanOrEqual(3);
  });

  test('duplicate keys are reported at the second key', () => {
    const text = 'name: x\nsteps:\n  a:\n    sql: SELECT 1\n  a:\n    sql: SELECT 2\n';
    const errs = errors(text);
    expect(errs.map((e) => e.code)).toContain('duplicate-key');
    expect(errs.find((e) => e.code === 'duplicate-key')!.range.start.line).toBe(4);
  });

  test('an unknown step reference points at the expression itself', () => {
    const text = 'steps:\n  a:\n    sql: SELECT 1\n    outputs: { t: parquet }\n  b:\n    sql: SELECT 2\n    inputs: { x: ${{ steps.nope.outputs.t }} }\n';
    const [e] = errors(text);
    expect(e!.code).toBe('unknown-reference');
    expect(e!.message).toContain("unknown step 'nope'");
    expect(e!.hint).toContain('Steps: a, b');
    expect(covered(text, e!)).toBe('${{ steps.nope.outputs.t }}');
    expect(e!.range.start.line).toBe(6);
  });

  test('unknown inputs, outputs and parameters are errors with what exists', () => {
    const text = [
      'parameters: { p: 1 }',
      'inputs: { raw: dataset:ds }',
      'steps:',
      '  a:',
      '    sql: SELECT ${{ parameters.q }}',
      '    inputs: { r: ${{ inputs.rawx }} }',
      '    outputs: { t: parquet }',
      '  b:',
      '    script: echo ${{ steps.a.outputs.u }}',
      'outputs:',
      '  o: ${{ steps.b.outputs.none }}',
      '',
    ].join('\n');
    const errs = errors(text);
    const byCode = (c: string) => errs.filter((e) => e.code === c).map((e) => e.message);
    expect(byCode('unknown-parameter')).toEqual(["unknown parameter 'q' in ${{ parameters.q }}"]);
    expect(byCode('unknown-reference')).toEqual([
      "unknown input 'rawx' in ${{ inputs.rawx }}",
      "step 'a' has no output 'u' (${{ steps.a.outputs.u }})",
      "step 'b' has no output 'none' (${{ steps.b.outputs.none }})",
    ]);
  });

  test('a cycle is reported once with its path', () => {
    const text = [
      'steps:',
      '  a:',
      '    sql: SELECT * FROM x',
      '    inputs: { x: ${{ steps.b.outputs.t }} }',
      '    outputs: { t: parquet }',
      '  b:',
      '    sql: SELECT * FROM y',
      '    inputs: { y: ${{ steps.a.outputs.t }} }',
      '    outputs: { t: parquet }',
      '',
    ].join('\n');
    const errs = errors(text);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.code).toBe('cycle');
    expect(errs[0]!.message).toMatch(/a → b → a|b → a → b/);
    expect(covered(text, errs[0]!)).toMatch(/^\$\{\{ steps\.[ab]\.outputs\.t \}\}$/);
  });

  test('a step reading its own output is a cycle', () => {
    const errs = errors('steps:\n  a:\n    sql: SELECT * FROM x\n    inputs: { x: ${{ steps.a.outputs.t }} }\n    outputs: { t: parquet }\n');
    expect(errs.map((e) => e.code)).toEqual(['cycle']);
  });

  test('steps with no kind, two kinds or an unknown kind', () => {
    const text = 'steps:\n  none:\n    outputs: { t: parquet }\n  both:\n    sql: SELECT 1\n    script: echo\n  odd:\n    pandas: prep.py\n';
    const errs = errors(text);
    expect(errs.map((e) => e.code)).toEqual(['no-step-kind', 'two-step-kinds', 'unknown-step-kind']);
    expect(errs[0]!.hint).toContain('sql, script, register_model');
    expect(covered(text, errs[1]!)).toBe('script');
    expect(covered(text, errs[2]!)).toBe('pandas');
  });

  test('schema errors land on the key or value at fault', () => {
    const text = 'nmae: x\nsteps:\n  a:\n    sql: SELECT 1\n    allow_reuse: maybe\n    outputs: { t: csv }\n';
    const errs = errors(text);
    const unknown = errs.find((e) => e.code === 'unknown-key')!;
    expect(covered(text, unknown)).toBe('nmae');
    expect(unknown.hint).toContain('name');
    expect(errs.some((e) => covered(text, e) === 'maybe')).toBe(true);
    expect(errs.some((e) => covered(text, e) === 'csv' && e.message.includes('parquet'))).toBe(true);
  });

  test('bad input sources and bad expression forms', () => {
    const text = 'inputs: { a: s3://bucket/x }\nsteps:\n  s:\n    script: echo ${{ input.a }}\n';
    const errs = errors(text);
    expect(errs.map((e) => e.code).sort()).toEqual(['bad-expression', 'schema']);
    expect(errs.find((e) => e.code === 'schema')!.message).toContain('dataset:NAME');
  });

  test('a step whose settings fail their schema is blamed once, not again at every reference to its outputs', () => {
    const text = `steps:
  train:
    automl: { task: regression, label_column_name: y, primary_metric: }
  register:
    register_model: { model: \${{ steps.train.outputs.model }}, name: m }
outputs:
  metrics: \${{ steps.train.outputs.metrics }}
  bogus: \${{ steps.register.outputs.nothing }}
`;
    const messages = errors(text).map((d) => d.message);
    expect(messages).toContain('steps.train.automl.primary_metric needs a value (string)');
    expect(messages.filter((m) => m.includes("step 'train' has no output"))).toEqual([]);
    expect(messages.some((m) => m.includes("step 'register' has no output 'nothing'"))).toBe(true);
  });

  test('a sql step declares at most one parquet output', () => {
    const errs = errors('steps:\n  a:\n    sql: SELECT 1\n    outputs: { x: parquet, y: parquet }\n');
    expect(errs.map((e) => e.code)).toEqual(['bad-outputs']);
  });

  test('never throws on a half-typed file (every prefix of two pipelines)', () => {
    const titanic = readFileSync(path.join(repoRoot, 'examples/titanic/titanic.pipeline.yaml'), 'utf8');
    for (const text of [GOOD, titanic]) {
      for (let n = 0; n <= text.length; n += 3) {
        const parsed = parse(text.slice(0, n));
        for (const d of parsed.diagnostics) expect(d.range.start.line).toBeGreaterThanOrEqual(0);
        expect(() => pathAtOffset(parsed, n)).not.toThrow();
      }
    }
  });

  test('a whole-value parameter reference validates as the parameter\'s type', () => {
    const text = 'parameters: { cmd: echo }\nsteps:\n  a:\n    script:\n      command: ${{ parameters.cmd }}\n';
    expect(errors(text)).toEqual([]);
  });
});

describe('positions', () => {
  test('rangeOfPath and pathAtOffset agree', () => {
    const parsed = parse(GOOD);
    const range = rangeOfPath(parsed, ['steps', 'train', 'script', 'file']);
    expect(covered(GOOD, { range } as PipelineDiagnostic)).toBe('train.py');
    expect(pathAtOffset(parsed, offsetAt(GOOD, range.start) + 2)).toEqual(['steps', 'train', 'script', 'file']);
    const keyRange = rangeOfPath(parsed, ['steps', 'prep'], 'key');
    expect(covered(GOOD, { range: keyRange } as PipelineDiagnostic)).toBe('prep');
    expect(pathAtOffset(parsed, offsetAt(GOOD, keyRange.start))).toEqual(['steps', 'prep']);
    // A missing path falls back to the deepest part that exists.
    const partial = rangeOfPath(parsed, ['steps', 'prep', 'nothing']);
    expect(partial.start.line).toBe(7);
    // In a flow sequence.
    const arg = rangeOfPath(parsed, ['steps', 'train', 'script', 'args', 1]);
    expect(covered(GOOD, { range: arg } as PipelineDiagnostic)).toBe('${{ steps.prep.outputs.table }}');
    expect(pathAtOffset(parsed, offsetAt(GOOD, arg.start) + 5)).toEqual(['steps', 'train', 'script', 'args', 1]);
  });

  test('pathAtOffset after `key: ` with no value yet gives that key', () => {
    const text = 'steps:\n  a:\n    sql: \n';
    const parsed = parse(text);
    expect(pathAtOffset(parsed, text.indexOf('sql: ') + 5)).toEqual(['steps', 'a', 'sql']);
  });
});
