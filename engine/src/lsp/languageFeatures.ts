import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Connection } from 'vscode-languageserver';
import { describeRelation, withPrivateDuckDB } from '../data/duckdb';
import { tableReader } from '../data/formats';
import type { ParsedPipeline } from '../pipeline';
import type { ColumnSchema } from '../store/records';
import type { WorkspaceStore } from '../store/storeApi';
import { findExpressions } from '../util/expressions';
import { codeLenses } from './codeLens';
import { complete } from './completion';
import type { LastRuns } from './lastRun';
import { definition, documentSymbols, hover } from './navigation';
import { outlineOf } from './pipelineOutline';
import type { PipelineDocuments } from './pipelineDocuments';

export interface FeatureSources {
  /** The store, or undefined when there is none (features then work without it). */
  store(): Promise<WorkspaceStore | undefined>;
  lastRuns: LastRuns;
  /** What the last check of a document found a step's inputs to be. */
  checkedInputs(uri: string, step: string): Record<string, ColumnSchema[] | undefined> | undefined;
}

/** Completion, hover, definition, document symbols and CodeLens of pipeline files, each over the document's one parse. */
export function registerLanguageFeatures(connection: Connection, docs: PipelineDocuments, sources: FeatureSources): void {
  const stepInputSchemas = (parsed: ParsedPipeline, stepName: string) => inputSchemasOf(parsed, stepName, sources);

  connection.onCompletion(async (params) => {
    const doc = docs.pipeline(params.textDocument.uri);
    if (!doc) return [];
    const store = await sources.store();
    return complete(docs.parse(doc), params.position, {
      listDatasets: store ? () => store.listDatasets() : undefined,
      listDatasetVersions: store ? (name) => store.listDatasetVersions(name) : undefined,
      listModels: store ? () => store.listModels() : undefined,
      listModelAliases: store ? (name: string) => store.listModelAliases(name) : undefined,
      stepInputSchemas,
    });
  });

  connection.onHover(async (params) => {
    const doc = docs.pipeline(params.textDocument.uri);
    if (!doc) return null;
    const store = await sources.store();
    return (await hover(docs.parse(doc), params.position, { getDataset: store ? (name, version) => store.getDataset(name, version) : undefined })) ?? null;
  });

  connection.onDefinition((params) => {
    const doc = docs.pipeline(params.textDocument.uri);
    if (!doc) return null;
    return definition(docs.parse(doc), doc.uri, params.position) ?? null;
  });

  connection.onDocumentSymbol((params) => {
    const doc = docs.pipeline(params.textDocument.uri);
    return doc ? documentSymbols(docs.parse(doc)) : [];
  });

  connection.onCodeLens(async (params) => {
    const doc = docs.pipeline(params.textDocument.uri);
    if (!doc) return [];
    const parsed = docs.parse(doc);
    return codeLenses(parsed, parsed.filePath, await sources.lastRuns.of(parsed));
  });
}

/**
 * Schemas of a step's inputs, for column completion: what the last check worked out
 * (datasets, files, SQL steps' outputs), else a dataset's from the store, a file's via
 * DuckDB, an upstream output's from its last run.
 */
async function inputSchemasOf(parsed: ParsedPipeline, stepName: string, sources: FeatureSources): Promise<Record<string, ColumnSchema[] | undefined>> {
  const outline = outlineOf(parsed);
  const step = outline.steps.find((s) => s.name === stepName);
  const store = await sources.store();
  const checked = sources.checkedInputs(pathToFileURL(parsed.filePath).href, stepName) ?? {};
  const result: Record<string, ColumnSchema[] | undefined> = { ...checked };
  for (const [inputName, binding] of Object.entries(step?.inputs ?? {})) {
    const ref = typeof binding === 'string' ? findExpressions(binding)[0]?.ref : undefined;
    if (!ref || result[inputName]) continue;
    try {
      if (ref.scope === 'inputs') {
        const source = outline.inputs[ref.name];
        if (source?.startsWith('dataset:') && store) {
          const [, name, version] = source.split(':');
          result[inputName] = (await store.getDataset(name, version ? Number(version) : undefined)).schema;
        } else if (source?.startsWith('file:')) {
          const file = path.resolve(path.dirname(parsed.filePath), source.slice(5).trim());
          result[inputName] = await withPrivateDuckDB((c) => describeRelation(c, tableReader(file, inputName)), { threads: 1 });
        }
      } else if (ref.scope === 'steps') {
        // Asked only here: the last check usually knew the schema, and a run in progress clears the cache often.
        result[inputName] = (await sources.lastRuns.of(parsed))?.steps.find((s) => s.name === ref.step)?.outputs[ref.output]?.schema;
      }
    } catch {
      result[inputName] = undefined;
    }
  }
  return result;
}
