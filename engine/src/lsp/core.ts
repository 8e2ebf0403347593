import { fileURLToPath } from 'node:url';
import { CodeLensRefreshRequest, TextDocumentSyncKind, type Connection, type InitializeResult } from 'vscode-languageserver';
import { isWeirError } from '../errors';
import { EngineReadyNotification } from '../protocol';
import { openWorkspace } from '../store/workspace';
import type { WorkspaceStore } from '../store/storeApi';
import { PipelineValidation } from './diagnostics';
import { ActiveRuns, registerEngineRequests } from './engineRequests';
import { LastRuns } from './lastRun';
import { registerLanguageFeatures } from './languageFeatures';
import { isPipelineUri, PipelineDocuments } from './pipelineDocuments';
import { ServerStore, watchStore } from './serverStore';
import { registerWebviewDataHandlers } from './webviewData';
import { WEIR_VERSION } from '../version';

export const ENGINE_VERSION = WEIR_VERSION;

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

/**
 * The Weir language server: pipeline-file features (diagnostics in `diagnostics.ts`;
 * completion, hover, definition, symbols and CodeLens in `languageFeatures.ts`), the custom
 * requests the run explorer and commands use (`engineRequests.ts`) and the webviews' data
 * (`webviewData/`), over one store handle (`serverStore.ts`). This function wires them to
 * the connection and the client's lifecycle; `server.ts` connects it to stdio/IPC, tests to
 * in-memory streams.
 */
export function createServer(connection: Connection, options: ServerOptions = {}): WeirLanguageServer {
  const log = (message: string) => connection.console.log(message);
  const docs = new PipelineDocuments();
  const active = new ActiveRuns(connection);
  let codeLensRefreshSupported = false;
  let watcher: { dispose(): void } | undefined;

  const store: ServerStore = new ServerStore(options.openStore ?? openWorkspace, (opened) => {
    watcher = watchStore(connection, opened, {
      runChanged: () => lastRuns.clear(),
      refreshLenses: () => {
        if (codeLensRefreshSupported) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
      },
      catalogChanged: () => validation.scheduleAll(),
    });
  });
  const storeIfAny = () => store.tryGet();
  const lastRuns = new LastRuns(storeIfAny);
  const validation = new PipelineValidation(connection, docs, storeIfAny, options.validationDelayMs ?? 200, log);

  connection.onInitialize((params): InitializeResult => {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    store.root = folder ? fileURLToPath(folder) : (params.rootPath ?? undefined);
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
      if (store.onDisk()) {
        try {
          await store.get();
        } catch (e) {
          storeError = isWeirError(e) ? e.format() : e instanceof Error ? e.message : String(e);
          log(`The workspace store could not be opened: ${storeError}`);
        }
      }
      await connection.sendNotification(EngineReadyNotification.type, { workspace: store.root, version: ENGINE_VERSION, ...(storeError ? { storeError } : {}) });
    })();
  });

  connection.onShutdown(async () => {
    await active.interruptAll(await store.opened());
  });

  docs.documents.onDidOpen((e) => {
    if (isPipelineUri(e.document.uri)) validation.schedule(e.document, 0);
  });
  docs.documents.onDidChangeContent((e) => {
    if (isPipelineUri(e.document.uri)) validation.schedule(e.document);
  });
  docs.documents.onDidClose((e) => {
    docs.forget(e.document.uri);
    validation.close(e.document.uri);
  });

  registerLanguageFeatures(connection, docs, { store: storeIfAny, lastRuns, checkedInputs: (uri, step) => validation.checked(uri, step) });
  registerEngineRequests(
    {
      connection,
      getStore: () => store.get(),
      hasStore: () => store.exists(),
      openText: (file) => docs.text(file),
      log,
    },
    active,
  );
  registerWebviewDataHandlers(connection, () => store.get());
  docs.documents.listen(connection);

  return {
    store: () => store.get(),
    idle: () => validation.idle(),
    async dispose() {
      validation.dispose();
      watcher?.dispose();
      await active.cancelAll();
      await (await store.opened())?.dispose();
    },
  };
}
