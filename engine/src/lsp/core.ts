import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeLensRefreshRequest,
  DiagnosticSeverity,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { EngineReadyNotification, StoreChangedNotification } from '../protocol';
import { checkPipeline, findExpressions, parsePipelineText, type ParsedPipeline, type PipelineDiagnostic } from '../pipeline';
import { openWorkspace } from '../store/workspace';
import type { WorkspaceStore } from '../store/storeApi';
import type { ColumnSchema, RunRecord } from '../store/records';
import { WeirError, isWeirError } from '../errors';
import { describeRelation, withPrivateDuckDB } from '../data/duckdb';
import { tableReader } from '../data/formats';
import { complete } from './completion';
import { definition, documentSymbols, hover } from './navigation';
import { codeLenses } from './codeLens';
import { ActiveRuns, registerEngineRequests } from './engineRequests';
import { outlineOf } from './pipelineOutline';
import { registerWebviewDataHandlers } from './webviewData';

export const ENGINE_VERSION = '0.1.0';

export interface ServerOptions {
  /** Opens the workspace store (tests may pass a shared one). Default: `openWorkspace`. */
  openStore?(root: string): Promise<WorkspaceStore>;
  /** Milliseconds between the last keystroke and validation. */
  validationDelayMs?: number;
}

export interface WeirLanguageServer {
  /** The store, once the workspace folder is known and opened. */
  store(): Promise<WorkspaceStore>;
  /** Resolves when pending validations of open documents are published (for tests). */
  idle(): Promise<void>;
  dispose(): Promise<void>;
}

const isPipelineUri = (uri: string) => /\.pipeline\.ya?ml$/i.test(uri);

/**
 * The Weir language server: pipeline-file features (diagnostics, completion, hover,
 * definition, symbols, CodeLens) and the custom requests the run explorer and commands use.
 * `server.ts` connects it to stdio/IPC; tests connect it to in-memory streams.
 */
export function createServer(connection: Connection, options: ServerOptions = {}): WeirLanguageServer {
  const documents = new TextDocuments(TextDocument);
  const parsedCache = new Map<string, { version: number; parsed: ParsedPipeline }>();
  const validationTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const pendingValidations = new Set<Promise<void>>();
  const lastRunCache = new Map<string, Promise<RunRecord | undefined>>();
  /** Step input schemas from the last check of each document (kept while later edits do not parse). */
  const checkedSchemas = new Map<string, Map<string, Record<string, ColumnSchema[] | undefined>>>();
  const active = new ActiveRuns(connection);
  const delay = options.validationDelayMs ?? 200;
  let storePromise: Promise<WorkspaceStore> | undefined;
  let root: string | undefined;
  let codeLensRefreshSupported = false;
  let watcher: { dispose(): void } | undefined;
  let codeLensRefreshTimer: ReturnType<typeof setTimeout> | undefined;
  let revalidateTimer: ReturnType<typeof setTimeout> | undefined;

  const log = (message: string) => connection.console.log(message);

  const getStore = (): Promise<WorkspaceStore> => {
    if (!storePromise) {
      if (!root) return Promise.reject(new WeirError('NOT_FOUND', 'no workspace folder is open', { hint: 'Open a folder: Weir keeps its runs in the folder\'s .weir/.' }));
      storePromise = (options.openStore ?? openWorkspace)(root);
      storePromise.then(watchStore, () => (storePromise = undefined));
    }
    return storePromise;
  };
  const storeIfOpen = () => getStore().catch(() => undefined);

  /** Forwards the store's changes (from this and other processes) and keeps caches and lenses current. */
  const watchStore = (store: WorkspaceStore) => {
    // Read the run index now, so the first expansion of an experiment does not pay for it.
    void store.listRuns({ limit: 1 }).catch(() => undefined);
    watcher = store.watch((change) => {
      void connection.sendNotification(StoreChangedNotification.type, change).catch(() => undefined);
      if (change.type === 'run') {
        lastRunCache.clear();
        if (codeLensRefreshSupported) {
          clearTimeout(codeLensRefreshTimer);
          codeLensRefreshTimer = setTimeout(() => void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined), 300);
        }
      } else if (change.type === 'dataset' || change.type === 'model') {
        // A dataset or model appearing can fix (or break) references in open files.
        clearTimeout(revalidateTimer);
        revalidateTimer = setTimeout(() => {
          for (const doc of documents.all()) if (isPipelineUri(doc.uri)) scheduleValidation(doc, 0);
        }, 300);
      }
    });
  };

  const parse = (doc: TextDocument): ParsedPipeline => {
    const cached = parsedCache.get(doc.uri);
    if (cached && cached.version === doc.version) return cached.parsed;
    const parsed = parsePipelineText(doc.getText(), fileURLToPath(doc.uri));
    parsedCache.set(doc.uri, { version: doc.version, parsed });
    return parsed;
  };

  const toDiagnostic = (d: PipelineDiagnostic): Diagnostic => ({
    range: d.range,
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : d.severity === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information,
    code: d.code,
    source: 'weir',
    message: d.hint ? `${d.message}\n${d.hint}` : d.message,
  });

  const validate = async (doc: TextDocument): Promise<void> => {
    const version = doc.version;
    const parsed = parse(doc);
    let diagnostics = [...parsed.diagnostics];
    if (parsed.spec) {
      try {
        const schemas = new Map<string, Record<string, ColumnSchema[] | undefined>>();
        diagnostics = diagnostics.concat(
          await checkPipeline(parsed, {
            pipelineDir: path.dirname(parsed.filePath),
            store: await storeIfOpen(),
            onStepInputSchemas: (step, inputs) => schemas.set(step, inputs),
          }),
        );
        checkedSchemas.set(doc.uri, schemas);
      } catch (e) {
        log(`checking ${doc.uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    }
    // A newer edit has its own validation coming; do not publish stale ranges over it.
    if (documents.get(doc.uri)?.version !== version) return;
    await connection.sendDiagnostics({ uri: doc.uri, version, diagnostics: diagnostics.map(toDiagnostic) });
  };

  const scheduleValidation = (doc: TextDocument, wait = delay) => {
    clearTimeout(validationTimers.get(doc.uri));
    validationTimers.set(
      doc.uri,
      setTimeout(() => {
        validationTimers.delete(doc.uri);
        const p = validate(doc).catch((e) => log(`validation failed: ${String(e)}`));
        pendingValidations.add(p);
        void p.finally(() => pendingValidations.delete(p));
      }, wait),
    );
  };

  /** The newest run of this pipeline file, for the CodeLens status; cached until a run changes. */
  const lastRunOf = (parsed: ParsedPipeline): Promise<RunRecord | undefined> => {
    const file = parsed.filePath;
    let cached = lastRunCache.get(file);
    if (!cached) {
      cached = (async () => {
        const store = await storeIfOpen();
        if (!store) return undefined;
        const rel = path.relative(store.root, file).split(path.sep).join('/');
        const outline = outlineOf(parsed);
        const experiment = outline.experiment ?? outline.name;
        const candidates = await store.listRuns(experiment ? { experiment, limit: 50 } : { limit: 500 });
        const match = candidates.find((r) => r.pipelineFile === rel || r.pipelineFile === file);
        if (match || !experiment) return match;
        // A run started with `--experiment X` lives elsewhere: look through recent runs of every experiment.
        return (await store.listRuns({ limit: 500 })).find((r) => r.pipelineFile === rel || r.pipelineFile === file);
      })().catch(() => undefined);
      lastRunCache.set(file, cached);
    }
    return cached;
  };

  /**
   * Schemas of a step's inputs: what the last check worked out (datasets, files, SQL steps'
   * outputs), else a dataset's from the store, a file's via DuckDB, an upstream output's from
   * its last run.
   */
  const stepInputSchemas = async (parsed: ParsedPipeline, stepName: string): Promise<Record<string, ColumnSchema[] | undefined>> => {
    const outline = outlineOf(parsed);
    const step = outline.steps.find((s) => s.name === stepName);
    const store = await storeIfOpen();
    const checked = checkedSchemas.get(pathToFileURL(parsed.filePath).href)?.get(stepName) ?? {};
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
          result[inputName] = (await lastRunOf(parsed))?.steps.find((s) => s.name === ref.step)?.outputs[ref.output]?.schema;
        }
      } catch {
        result[inputName] = undefined;
      }
    }
    return result;
  };

  connection.onInitialize((params): InitializeResult => {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    root = folder ? fileURLToPath(folder) : (params.rootPath ?? undefined);
    codeLensRefreshSupported = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: [':', ' ', '.', '{'] },
        hoverProvider: true,
        definitionProvider: true,
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'weir', version: ENGINE_VERSION },
    };
  });

  connection.onInitialized(() => {
    void (async () => {
      let storeError: string | undefined;
      // Activation on any YAML file must not leave a .weir/ in folders that never used Weir:
      // the store opens now only when it exists; otherwise on the first request that needs it.
      if (root && existsSync(path.join(root, '.weir'))) {
        try {
          await getStore();
        } catch (e) {
          storeError = isWeirError(e) ? e.format() : e instanceof Error ? e.message : String(e);
          log(`The workspace store could not be opened: ${storeError}`);
        }
      }
      await connection.sendNotification(EngineReadyNotification.type, { workspace: root, version: ENGINE_VERSION, ...(storeError ? { storeError } : {}) });
    })();
  });

  connection.onShutdown(async () => {
    await active.interruptAll(await storePromise?.catch(() => undefined));
  });

  documents.onDidOpen((e) => {
    if (isPipelineUri(e.document.uri)) scheduleValidation(e.document, 0);
  });
  documents.onDidChangeContent((e) => {
    if (isPipelineUri(e.document.uri)) scheduleValidation(e.document);
  });
  documents.onDidClose((e) => {
    parsedCache.delete(e.document.uri);
    checkedSchemas.delete(e.document.uri);
    clearTimeout(validationTimers.get(e.document.uri));
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  const docFor = (uri: string) => {
    const doc = documents.get(uri);
    return doc && isPipelineUri(uri) ? doc : undefined;
  };

  connection.onCompletion(async (params) => {
    const doc = docFor(params.textDocument.uri);
    if (!doc) return [];
    const store = await storeIfOpen();
    return complete(parse(doc), params.position, {
      listDatasets: store ? () => store.listDatasets() : undefined,
      listDatasetVersions: store ? (name) => store.listDatasetVersions(name) : undefined,
      listModels: store ? () => store.listModels() : undefined,
      listModelAliases: store ? (name: string) => store.listModelAliases(name) : undefined,
      stepInputSchemas,
    });
  });

  connection.onHover(async (params) => {
    const doc = docFor(params.textDocument.uri);
    if (!doc) return null;
    const store = await storeIfOpen();
    return (await hover(parse(doc), params.position, { getDataset: store ? (name, version) => store.getDataset(name, version) : undefined })) ?? null;
  });

  connection.onDefinition((params) => {
    const doc = docFor(params.textDocument.uri);
    if (!doc) return null;
    return definition(parse(doc), doc.uri, params.position) ?? null;
  });

  connection.onDocumentSymbol((params) => {
    const doc = docFor(params.textDocument.uri);
    return doc ? documentSymbols(parse(doc)) : [];
  });

  connection.onCodeLens(async (params) => {
    const doc = docFor(params.textDocument.uri);
    if (!doc) return [];
    const parsed = parse(doc);
    return codeLenses(parsed, parsed.filePath, await lastRunOf(parsed));
  });

  registerEngineRequests(
    {
      connection,
      getStore,
      hasStore: () => storePromise !== undefined || (root !== undefined && existsSync(path.join(root, '.weir'))),
      openText: (file) => documents.get(pathToFileURL(file).href)?.getText(),
      log,
    },
    active,
  );
  registerWebviewDataHandlers(connection, getStore);
  documents.listen(connection);

  return {
    store: getStore,
    async idle() {
      // Wait out pending timers, then the validations they started.
      while (validationTimers.size > 0 || pendingValidations.size > 0) {
        await new Promise((r) => setTimeout(r, 20));
        await Promise.all([...pendingValidations]);
      }
    },
    async dispose() {
      for (const t of validationTimers.values()) clearTimeout(t);
      clearTimeout(codeLensRefreshTimer);
      clearTimeout(revalidateTimer);
      watcher?.dispose();
      await active.cancelAll();
      const store = await storePromise?.catch(() => undefined);
      await store?.dispose();
    },
  };
}
