import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createConnection } from 'vscode-languageserver/node';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  PublishDiagnosticsNotification,
  InitializeRequest,
  InitializedNotification,
  DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification,
  CodeLensRefreshRequest,
  type Diagnostic,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { createServer, type WeirLanguageServer } from '../../engine/src/lsp/core';

/**
 * The Weir language server on in-memory streams with a plain LSP client on the other end:
 * no VS Code, the real store, parser, DuckDB and scheduler.
 */
export interface LspSession {
  client: ProtocolConnection;
  server: WeirLanguageServer;
  /** Latest diagnostics per URI. */
  diagnostics: Map<string, Diagnostic[]>;
  notifications: { method: string; params: unknown }[];
  open(file: string, text: string): Promise<string>;
  change(uri: string, text: string): Promise<void>;
  /** Waits until the server published diagnostics for `uri` at `version` or later. */
  diagnosticsFor(uri: string, version?: number): Promise<Diagnostic[]>;
  waitForNotification(method: string, predicate?: (params: never) => boolean, timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
}

export async function startLsp(workspace: string): Promise<LspSession> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConnection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  const server = createServer(serverConnection, { validationDelayMs: 5 });
  serverConnection.listen();
  const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const diagnostics = new Map<string, Diagnostic[]>();
  const versions = new Map<string, number>();
  const notifications: { method: string; params: unknown }[] = [];
  const waiters: { method: string; predicate: (p: never) => boolean; resolve: (p: unknown) => void }[] = [];
  client.onNotification(PublishDiagnosticsNotification.type, (p) => {
    diagnostics.set(p.uri, p.diagnostics);
    versions.set(p.uri, p.version ?? 0);
  });
  // Every notification without its own handler: the custom `weir/*` ones.
  client.onUnhandledNotification(({ method, params }) => {
    notifications.push({ method, params });
    for (const w of [...waiters]) {
      if (w.method === method && w.predicate(params as never)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(params);
      }
    }
  });
  // The server may ask the client to refresh CodeLens; a client says yes.
  client.onRequest(CodeLensRefreshRequest.type, () => undefined);
  client.listen();
  await client.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(workspace).href,
    workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: 'ws' }],
    capabilities: { workspace: { codeLens: { refreshSupport: true } } },
  });
  await client.sendNotification(InitializedNotification.type, {});
  const docVersions = new Map<string, number>();

  const session: LspSession = {
    client,
    server,
    diagnostics,
    notifications,
    async open(file, text) {
      const uri = pathToFileURL(file).href;
      docVersions.set(uri, 1);
      await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text } });
      return uri;
    },
    async change(uri, text) {
      const version = (docVersions.get(uri) ?? 1) + 1;
      docVersions.set(uri, version);
      await client.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
    },
    async diagnosticsFor(uri, version) {
      const want = version ?? docVersions.get(uri) ?? 1;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if ((versions.get(uri) ?? -1) >= want) return diagnostics.get(uri) ?? [];
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no diagnostics for ${uri} at version ${want}`);
    },
    waitForNotification(method, predicate = () => true, timeoutMs = 30_000) {
      const seen = notifications.find((n) => n.method === method && predicate(n.params as never));
      if (seen) return Promise.resolve(seen.params);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${method} notification within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ method, predicate, resolve: (p) => (clearTimeout(timer), resolve(p)) });
      });
    },
    async close() {
      await server.dispose();
      client.dispose();
      serverConnection.dispose();
    },
  };
  return session;
}
