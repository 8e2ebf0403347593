import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isScalar } from 'yaml';
import { MarkupKind, SymbolKind, type DocumentSymbol, type Hover, type Location, type Position } from 'vscode-languageserver';
import { getStepKind } from '../steps/registry';
import { metricDocs, isMetricName } from '../automl/metrics/metricCatalog';
import { findExpressions, offsetAt, pathAtOffset, pipelineJsonSchema, rangeOfPath, type ParsedPipeline, type Range, type Reference } from '../pipeline';
import type { DatasetVersion } from '../store/records';
import { descriptionAt, type JsonSchema } from './jsonSchemaWalk';
import { outlineOf, parameterDefault } from './pipelineOutline';

/**
 * Hover, go to definition and document symbols for pipeline files. Each works on the parsed
 * YAML (with exact ranges) and, for datasets, on what the store knows.
 */

export interface NavigationEnv {
  getDataset?(name: string, version?: number): Promise<DatasetVersion>;
}

interface ExpressionAt {
  ref?: Reference;
  body: string;
  /** Offsets of the whole `${{ … }}` in the text. */
  start: number;
  end: number;
}

/** The `${{ … }}` expression around an offset, if any (found on the raw line text). */
export function expressionAt(parsed: ParsedPipeline, offset: number): ExpressionAt | undefined {
  const lineStart = parsed.text.lastIndexOf('\n', offset - 1) + 1;
  const lineEndIndex = parsed.text.indexOf('\n', offset);
  const line = parsed.text.slice(lineStart, lineEndIndex < 0 ? parsed.text.length : lineEndIndex);
  for (const found of findExpressions(line)) {
    const start = lineStart + found.index;
    const end = start + found.text.length;
    if (offset >= start && offset <= end) return { ref: found.ref, body: found.body, start, end };
  }
  return undefined;
}

function isValueOffset(parsed: ParsedPipeline, yamlPath: (string | number)[], offset: number): boolean {
  try {
    const node = parsed.doc.getIn(yamlPath, true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    return Boolean(range && offset >= range[0] && offset <= range[1]);
  } catch {
    return false;
  }
}

export async function hover(parsed: ParsedPipeline, position: Position, env: NavigationEnv = {}): Promise<Hover | undefined> {
  const offset = offsetAt(parsed.text, position);
  const outline = outlineOf(parsed);
  const expression = expressionAt(parsed, offset);
  if (expression) {
    const text = describeReference(expression, outline);
    return text ? { contents: { kind: MarkupKind.Markdown, value: text } } : undefined;
  }
  const yamlPath = pathAtOffset(parsed, offset);
  if (yamlPath.length === 0) return undefined;
  const onValue = isValueOffset(parsed, yamlPath, offset);
  const key = String(yamlPath[yamlPath.length - 1]);

  if (onValue) {
    const value = parsed.doc.getIn(yamlPath);
    if (typeof value === 'string' && isMetricName(value)) return { contents: { kind: MarkupKind.Markdown, value: `**${value}** — ${metricDocs[value]}` } };
    if (yamlPath[0] === 'inputs' && typeof value === 'string' && value.startsWith('dataset:') && env.getDataset) {
      const [, name, version] = value.split(':');
      try {
        const dataset = await env.getDataset(name, version ? Number(version) : undefined);
        return { contents: { kind: MarkupKind.Markdown, value: datasetHover(dataset) } };
      } catch (e) {
        return { contents: { kind: MarkupKind.Markdown, value: `**${value}** — ${(e as Error).message}` } };
      }
    }
  }

  if (yamlPath[0] === 'steps' && yamlPath.length === 3) {
    const kind = getStepKind(key);
    if (kind) return { contents: { kind: MarkupKind.Markdown, value: kind.docs } };
  }
  if (yamlPath[0] === 'steps' && yamlPath.length === 2) {
    const step = outline.steps.find((s) => s.name === key);
    const kind = step?.kind ? getStepKind(step.kind) : undefined;
    return {
      contents: {
        kind: MarkupKind.Markdown,
        value: [`**Step ${key}**${step?.kind ? ` (${step.kind})` : ''}`, kind?.summary ?? '', step?.outputs.length ? `Outputs: ${step.outputs.map((o) => `\`${o}\``).join(', ')}` : '']
          .filter(Boolean)
          .join('\n\n'),
      },
    };
  }
  const description = descriptionAt(pipelineJsonSchema() as JsonSchema, yamlPath);
  if (!description) return undefined;
  return { contents: { kind: MarkupKind.Markdown, value: `**${key}** — ${description}` } };
}

function datasetHover(dataset: DatasetVersion): string {
  const columns = dataset.schema.slice(0, 30).map((c) => `| ${c.name} | ${c.type} |`);
  return [
    `**dataset ${dataset.name}** v${dataset.version} — ${dataset.rows} rows × ${dataset.schema.length} columns`,
    dataset.description ?? '',
    ['| column | type |', '|---|---|', ...columns, dataset.schema.length > 30 ? `| … ${dataset.schema.length - 30} more | |` : ''].filter(Boolean).join('\n'),
  ]
    .filter(Boolean)
    .join('\n\n');
}

function describeReference(expression: ExpressionAt, outline: ReturnType<typeof outlineOf>): string | undefined {
  const ref = expression.ref;
  if (!ref) return `\`${expression.body}\` is not a reference Weir knows: use \`inputs.NAME\`, \`parameters.NAME\`, \`steps.STEP.outputs.NAME\` or \`outputs.NAME\`.`;
  switch (ref.scope) {
    case 'inputs':
      return `**inputs.${ref.name}** — pipeline input${outline.inputs[ref.name] ? `: \`${outline.inputs[ref.name]}\`` : ' (not declared)'}`;
    case 'parameters': {
      const value = outline.parameters[ref.name];
      return `**parameters.${ref.name}** — ${value === undefined ? 'not declared' : `default \`${JSON.stringify(parameterDefault(value))}\`, overridable per run`}`;
    }
    case 'steps': {
      const step = outline.steps.find((s) => s.name === ref.step);
      return `**steps.${ref.step}.outputs.${ref.output}** — ${step ? `output of the ${step.kind ?? ''} step \`${ref.step}\`` : `no step '${ref.step}'`}`;
    }
    case 'outputs':
      return `**outputs.${ref.name}** — the path this step writes its output \`${ref.name}\` to`;
  }
}

function toLocation(uri: string, range: Range): Location {
  return { uri, range };
}

const zeroRange: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function definition(parsed: ParsedPipeline, uri: string, position: Position): Location | undefined {
  const offset = offsetAt(parsed.text, position);
  const expression = expressionAt(parsed, offset);
  if (expression?.ref) {
    const ref = expression.ref;
    const target = ref.scope === 'steps' ? ['steps', ref.step] : ref.scope === 'inputs' ? ['inputs', ref.name] : ref.scope === 'parameters' ? ['parameters', ref.name] : undefined;
    if (!target) return undefined;
    if (parsed.doc.getIn(target, true) === undefined && !parsed.doc.hasIn(target)) return undefined;
    return toLocation(uri, rangeOfPath(parsed, target, 'key'));
  }
  const yamlPath = pathAtOffset(parsed, offset);
  if (!isValueOffset(parsed, yamlPath, offset)) return undefined;
  const node = parsed.doc.getIn(yamlPath, true);
  if (!isScalar(node) || typeof node.value !== 'string') return undefined;
  const dir = path.dirname(parsed.filePath);
  const value = node.value;
  const candidates: string[] = [];
  if (yamlPath[0] === 'inputs' && value.startsWith('file:')) candidates.push(value.slice(5));
  else if (yamlPath[0] === 'steps') {
    // A file named by `sql:`, `script:` (a command line or `file:`) or an argument: the word under the cursor first.
    const start = (node.range?.[0] ?? offset) + (node.type === 'PLAIN' ? 0 : 1);
    const words = [...value.matchAll(/[^\s'"]+/g)];
    const under = words.find((w) => offset >= start + (w.index ?? 0) && offset <= start + (w.index ?? 0) + w[0].length);
    if (under) candidates.push(under[0]);
    candidates.push(...words.map((w) => w[0]));
  }
  for (const candidate of candidates) {
    const file = path.resolve(dir, candidate);
    if (existsSync(file) && statSync(file).isFile()) return toLocation(pathToFileURL(file).href, zeroRange);
  }
  return undefined;
}

export function documentSymbols(parsed: ParsedPipeline): DocumentSymbol[] {
  const symbols: DocumentSymbol[] = [];
  const outline = outlineOf(parsed);
  const section = (key: string, kind: SymbolKind, children: DocumentSymbol[] = [], detail?: string): void => {
    if (!parsed.doc.hasIn([key])) return;
    const keyRange = rangeOfPath(parsed, [key], 'key');
    const valueRange = rangeOfPath(parsed, [key]);
    symbols.push({ name: key, kind, detail, range: { start: keyRange.start, end: valueRange.end }, selectionRange: keyRange, children });
  };
  const entries = (key: string, kind: SymbolKind, detailOf: (name: string) => string | undefined): DocumentSymbol[] => {
    const value = parsed.doc.getIn([key]);
    if (!value || typeof value !== 'object') return [];
    const names = Object.keys((parsed.doc.toJS() as Record<string, Record<string, unknown>>)[key] ?? {});
    return names.map((name) => {
      const keyRange = rangeOfPath(parsed, [key, name], 'key');
      const valueRange = rangeOfPath(parsed, [key, name]);
      return { name, kind, detail: detailOf(name), range: { start: keyRange.start, end: valueRange.end }, selectionRange: keyRange };
    });
  };
  let js: unknown;
  try {
    js = parsed.doc.toJS();
  } catch {
    return [];
  }
  if (!js || typeof js !== 'object') return [];
  section('name', SymbolKind.String, [], outline.name);
  section('experiment', SymbolKind.String, [], outline.experiment);
  section('parameters', SymbolKind.Namespace, entries('parameters', SymbolKind.Variable, (n) => JSON.stringify(parameterDefault(outline.parameters[n]))));
  section('inputs', SymbolKind.Namespace, entries('inputs', SymbolKind.Field, (n) => outline.inputs[n]));
  section('steps', SymbolKind.Namespace, entries('steps', SymbolKind.Function, (n) => outline.steps.find((s) => s.name === n)?.kind));
  section('outputs', SymbolKind.Namespace, entries('outputs', SymbolKind.Field, () => undefined));
  return symbols;
}
