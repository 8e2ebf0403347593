import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type Position } from 'vscode-languageserver';
import { isMap } from 'yaml';
import { allStepKinds, getStepKind } from '../steps/registry';
import { metricDocs, primaryMetrics, isMetricName } from '../automl/metrics/metricCatalog';
import type { Task } from '../automl/types';
import { pipelineJsonSchema, type ParsedPipeline } from '../pipeline';
import type { ColumnSchema, DatasetVersion } from '../store/records';
import { completionContextAt, type CompletionContext } from './completionContext';
import { keysAt, valuesAt, type JsonSchema } from './jsonSchemaWalk';
import { outlineOf, parameterDefault, type PipelineOutline } from './pipelineOutline';

/** What completion may ask the workspace for; every part is optional (no folder, no store yet). */
export interface CompletionEnv {
  listDatasets?(): Promise<DatasetVersion[]>;
  listDatasetVersions?(name: string): Promise<DatasetVersion[]>;
  listModels?(): Promise<{ name: string; version: number }[]>;
  listModelAliases?(name: string): Promise<{ alias: string; version: number }[]>;
  /** Column schemas of a step's inputs, by input name, best effort. */
  stepInputSchemas?(parsed: ParsedPipeline, step: string): Promise<Record<string, ColumnSchema[] | undefined>>;
}

/** Settings whose value is one column of the step's input. */
const COLUMN_KEYS = new Set(['label_column_name', 'weight_column_name', 'time_column_name']);
/** Settings whose value is a list of columns. */
const COLUMN_LIST_KEYS = new Set(['cv_split_column_names', 'time_series_id_column_names', 'drop_columns']);
/** Mappings whose keys are columns. */
const COLUMN_MAP_KEYS = new Set(['column_purposes', 'Imputer']);

let cachedSchema: JsonSchema | undefined;
let cachedKindCount = -1;
/** The JSON Schema, rebuilt when a step kind registers late (the AutoML kind registers on import). */
function schema(): JsonSchema {
  const count = allStepKinds().length;
  if (!cachedSchema || count !== cachedKindCount) {
    cachedSchema = pipelineJsonSchema() as JsonSchema;
    cachedKindCount = count;
  }
  return cachedSchema;
}

export async function complete(parsed: ParsedPipeline, position: Position, env: CompletionEnv = {}): Promise<CompletionItem[]> {
  const context = completionContextAt(parsed.text, position.line, position.character);
  const outline = outlineOf(parsed);
  switch (context.type) {
    case 'expression':
      return expressionItems(context, outline, position);
    case 'key':
      return keyItems(context, parsed, outline);
    case 'value':
      return valueItems(context, parsed, outline, env);
  }
}

function markdown(value: string | undefined) {
  return value ? { kind: MarkupKind.Markdown, value } : undefined;
}

function keyItems(context: Extract<CompletionContext, { type: 'key' }>, parsed: ParsedPipeline, outline: PipelineOutline): CompletionItem[] {
  const path = context.path;
  // Step names and parameter/input/output names are the user's own; there is nothing to offer.
  if (path.length === 1 && ['steps', 'parameters', 'inputs', 'outputs'].includes(String(path[0]))) return [];
  const existing = existingKeys(parsed, path);
  const inStep = path.length === 2 && path[0] === 'steps';
  const items: CompletionItem[] = [];
  if (inStep) {
    const hasKind = outline.steps.find((s) => s.name === path[1])?.kind !== undefined && [...existing].some((k) => getStepKind(k));
    for (const kind of allStepKinds()) {
      if (hasKind || existing.has(kind.kind)) continue;
      items.push({
        label: kind.kind,
        kind: CompletionItemKind.Class,
        detail: `step kind — ${kind.summary}`,
        documentation: markdown(kind.docs),
        insertText: `${kind.kind}: `,
        sortText: `0${kind.kind}`,
      });
    }
  }
  const kindKeys = new Set(allStepKinds().map((k) => k.kind));
  for (const key of keysAt(schema(), path)) {
    if (existing.has(key.key) || (inStep && kindKeys.has(key.key))) continue;
    items.push({
      label: key.key,
      kind: CompletionItemKind.Property,
      detail: key.description?.split('\n')[0],
      documentation: markdown(key.description),
      insertText: key.isObject ? `${key.key}:\n${' '.repeat(context.indent + 2)}` : `${key.key}: `,
      sortText: `1${key.key}`,
    });
  }
  // Column mappings (`column_purposes`, `Imputer`) take column names as keys.
  return items;
}

function existingKeys(parsed: ParsedPipeline, path: readonly (string | number)[]): Set<string> {
  try {
    const node = path.length ? parsed.doc.getIn(path, true) : parsed.doc.contents;
    if (isMap(node)) return new Set(node.items.map((p) => String((p.key as { value?: unknown })?.value ?? p.key)));
  } catch {
    // A path through a scalar: nothing exists there.
  }
  return new Set();
}

async function valueItems(context: Extract<CompletionContext, { type: 'value' }>, parsed: ParsedPipeline, outline: PipelineOutline, env: CompletionEnv): Promise<CompletionItem[]> {
  const path = context.path;
  const last = String([...path].reverse().find((p) => typeof p === 'string') ?? '');
  const stepName = path[0] === 'steps' && typeof path[1] === 'string' ? path[1] : undefined;
  const step = outline.steps.find((s) => s.name === stepName);

  if (path.length === 2 && path[0] === 'inputs') return inputSourceItems(env);
  if (stepName && path[2] === 'inputs' && path.length === 4) return referenceItems(outline, stepName, true);
  if (path.length === 2 && path[0] === 'outputs') return referenceItems(outline, undefined, true).filter((i) => String(i.label).startsWith('${{ steps.'));
  if (stepName && path[2] === 'outputs' && path.length === 4) {
    return ['parquet', 'json', 'model', 'file', 'dir'].map((k) => ({ label: k, kind: CompletionItemKind.EnumMember }));
  }

  if (last === 'primary_metric') {
    const config = step?.config as { task?: unknown } | undefined;
    const task = (typeof config?.task === 'string' && config.task in primaryMetrics ? config.task : 'classification') as Task;
    return primaryMetrics[task].map((metric, i) => ({
      label: metric,
      kind: CompletionItemKind.EnumMember,
      detail: `${task} metric`,
      documentation: markdown(metricDocs[metric]),
      sortText: String(i).padStart(2, '0'),
    }));
  }

  const columnValue = COLUMN_KEYS.has(last) || COLUMN_LIST_KEYS.has(last) || (path.length >= 2 && COLUMN_MAP_KEYS.has(String(path[path.length - 2])));
  if (columnValue && stepName && env.stepInputSchemas) {
    const schemas = await env.stepInputSchemas(parsed, stepName);
    const seen = new Set<string>();
    const items: CompletionItem[] = [];
    for (const [input, columns] of Object.entries(schemas)) {
      for (const column of columns ?? []) {
        if (seen.has(column.name)) continue;
        seen.add(column.name);
        items.push({
          label: column.name,
          kind: CompletionItemKind.Field,
          detail: `${column.type} — column of input ${input}`,
          insertText: /^[A-Za-z_][\w.-]*$/.test(column.name) ? column.name : JSON.stringify(column.name),
        });
      }
    }
    if (items.length) return items;
  }

  if (path.length >= 1 && path[0] === 'parameters' && path.length === 2) return [];
  return valuesAt(schema(), path).map((value) => ({
    label: String(value),
    kind: typeof value === 'boolean' ? CompletionItemKind.Keyword : CompletionItemKind.EnumMember,
    documentation: markdown(typeof value === 'string' && isMetricName(value) ? metricDocs[value] : undefined),
  }));
}

async function inputSourceItems(env: CompletionEnv): Promise<CompletionItem[]> {
  const items: CompletionItem[] = [];
  const datasets = (await env.listDatasets?.().catch(() => [])) ?? [];
  for (const dataset of datasets) {
    const shape = `${dataset.rows} rows × ${dataset.schema.length} columns`;
    items.push({
      label: `dataset:${dataset.name}`,
      kind: CompletionItemKind.Value,
      detail: `latest version (v${dataset.version}), ${shape}`,
      documentation: markdown(describeColumns(dataset.schema)),
      sortText: `0${dataset.name}`,
    });
    const versions = (await env.listDatasetVersions?.(dataset.name).catch(() => [])) ?? [dataset];
    for (const version of versions) {
      items.push({
        label: `dataset:${version.name}:${version.version}`,
        kind: CompletionItemKind.Value,
        detail: `version ${version.version} pinned, ${version.rows} rows, ${version.createdAt.slice(0, 19).replace('T', ' ')}`,
        sortText: `1${version.name}:${String(version.version).padStart(6, '0')}`,
      });
    }
  }
  for (const model of (await env.listModels?.().catch(() => [])) ?? []) {
    items.push({ label: `model:${model.name}`, kind: CompletionItemKind.Value, detail: `registered model (latest v${model.version})`, sortText: `2${model.name}` });
    for (const a of (await env.listModelAliases?.(model.name).catch(() => [])) ?? []) {
      items.push({ label: `model:${model.name}@${a.alias}`, kind: CompletionItemKind.Value, detail: `alias ${a.alias} (now v${a.version})`, sortText: `2${model.name}@${a.alias}` });
    }
  }
  items.push({ label: 'file:', kind: CompletionItemKind.Snippet, detail: 'a file or glob relative to the pipeline file', insertText: 'file:${1:data.csv}', insertTextFormat: InsertTextFormat.Snippet, sortText: '3' });
  return items;
}

function describeColumns(columns: ColumnSchema[]): string {
  return columns.map((c) => `- \`${c.name}\` ${c.type}`).join('\n');
}

/** Every reference usable at this place, as full `${{ … }}` texts. */
function referenceCandidates(outline: PipelineOutline, forStep: string | undefined): { text: string; detail: string }[] {
  const candidates: { text: string; detail: string }[] = [];
  for (const name of Object.keys(outline.inputs)) candidates.push({ text: `inputs.${name}`, detail: `pipeline input: ${outline.inputs[name]}` });
  for (const [name, value] of Object.entries(outline.parameters)) candidates.push({ text: `parameters.${name}`, detail: `parameter, default ${JSON.stringify(parameterDefault(value))}` });
  for (const step of outline.steps) {
    if (step.name === forStep) {
      for (const output of step.outputs) candidates.push({ text: `outputs.${output}`, detail: `where this step writes its output ${output}` });
      continue;
    }
    for (const output of step.outputs) candidates.push({ text: `steps.${step.name}.outputs.${output}`, detail: `output of step ${step.name} (${step.kind ?? '?'})` });
  }
  return candidates;
}

function referenceItems(outline: PipelineOutline, forStep: string | undefined, wrap: boolean): CompletionItem[] {
  return referenceCandidates(outline, forStep)
    .filter((c) => !c.text.startsWith('outputs.'))
    .map((c) => ({ label: wrap ? `\${{ ${c.text} }}` : c.text, kind: CompletionItemKind.Reference, detail: c.detail }));
}

function expressionItems(context: Extract<CompletionContext, { type: 'expression' }>, outline: PipelineOutline, position: Position): CompletionItem[] {
  const forStep = context.path[0] === 'steps' && typeof context.path[1] === 'string' ? context.path[1] : undefined;
  const start = { line: position.line, character: position.character - context.prefix.length };
  return referenceCandidates(outline, forStep)
    .filter((c) => c.text.startsWith(context.prefix) || context.prefix === '')
    .map((c) => ({
      label: c.text,
      kind: c.text.startsWith('parameters.') ? CompletionItemKind.Variable : CompletionItemKind.Reference,
      detail: c.detail,
      filterText: c.text,
      textEdit: { range: { start, end: position }, newText: context.closed ? c.text : `${c.text} }}` },
    }));
}
