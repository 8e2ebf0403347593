import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createConnection } from 'vscode-languageserver/node';
import { createProtocolConnection, InitializeRequest, InitializedNotification, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { createServer } from '../engine/src/lsp/core';
import { openWorkspace } from '../engine/src/store/workspace';
import { ListRunsRequest } from '../engine/src/protocol';
import { runRow, runsPageSize } from '../extension/src/runs/rows';

/**
 * `npm run bench -- extension`: the two editor bars of DESIGN §7, measured, not asserted.
 *
 * 1. Activation (bar < 200 ms): a fresh Node process requires the packaged bundle
 *    dist/extension.js against a stand-in `vscode` module and calls `activate()`, as the
 *    extension host does; the median of 7 cold processes. (The engine then starts in the
 *    background; activation does not wait for it.)
 * 2. Expanding an experiment of 10,000 runs (bar < 100 ms): what the tree does, the engine's
 *    `weir/listRuns` request for the newest page over a real language-server connection
 *    (in-memory streams, JSON-RPC framing) on a real store with 10,000 run records, plus
 *    building the rows; and, for reference, listing all 10,000 at once. The workspace is
 *    made once with the store API and kept in bench/.cache/.
 */
const root = path.resolve(__dirname, '..', '..');
const cache = path.join(root, 'bench', '.cache');
const RUNS = 10_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function report(name: string, ms: number, barMs: number): void {
  console.log(`${ms <= barMs ? 'PASS' : 'FAIL'}  ${name}: ${ms.toFixed(1)} ms (bar ${barMs} ms, ${(ms / barMs).toFixed(2)}× the bar)`);
}

// A `vscode` stand-in: every API the extension touches at activation, as cheap no-ops.
const fakeVscode = `
const noop = () => {};
const disposable = { dispose: noop };
class EventEmitter { constructor() { this.event = () => disposable; } fire() {} dispose() {} }
class Disposable { constructor(f) { this.f = f; } dispose() { this.f && this.f(); } static from() { return disposable; } }
const anyClass = new Proxy(class {}, { get: (t, p) => (p in t ? t[p] : anyClass) });
const outputChannel = { info: noop, warn: noop, error: noop, debug: noop, trace: noop, append: noop, appendLine: noop, show: noop, dispose: noop };
const api = {
  EventEmitter, Disposable,
  window: {
    createOutputChannel: () => outputChannel,
    createTreeView: () => ({ ...disposable, reveal: async () => {} }),
    createStatusBarItem: () => ({ show: noop, hide: noop, dispose: noop }),
    showErrorMessage: async () => undefined, showWarningMessage: async () => undefined, showInformationMessage: async () => undefined,
    withProgress: async (_o, f) => f({ report: noop }, { onCancellationRequested: () => disposable }),
    activeTextEditor: undefined,
  },
  workspace: { registerTextDocumentContentProvider: () => disposable, workspaceFolders: [], textDocuments: [], getConfiguration: () => ({ get: () => undefined }), onDidChangeConfiguration: () => disposable },
  commands: { registerCommand: () => disposable, executeCommand: async () => undefined },
  StatusBarAlignment: { Left: 1, Right: 2 }, ProgressLocation: { Notification: 15 }, TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
};
module.exports = new Proxy(api, { get: (t, p) => (p in t ? t[p] : anyClass) });
`;

const activationProbe = (bundle: string, fake: string) => `
const Module = require('module');
const original = Module._load;
Module._load = function (request, ...rest) { return request === 'vscode' ? require(${JSON.stringify(fake)}) : original.call(this, request, ...rest); };
require(${JSON.stringify(fake)});
const t0 = performance.now();
const ext = require(${JSON.stringify(bundle)});
const t1 = performance.now();
ext.activate({ subscriptions: [], asAbsolutePath: (p) => require('path').join(${JSON.stringify(root)}, p), extensionPath: ${JSON.stringify(root)} });
const t2 = performance.now();
process.stdout.write(JSON.stringify({ require: t1 - t0, activate: t2 - t1 }));
process.exit(0);
`;

function benchActivation(): void {
  const bundle = path.join(root, 'dist', 'extension.js');
  if (!existsSync(bundle)) execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  mkdirSync(cache, { recursive: true });
  const fake = path.join(cache, 'fake-vscode.cjs');
  writeFileSync(fake, fakeVscode);
  const samples: { require: number; activate: number }[] = [];
  for (let i = 0; i < 7; i++) {
    const r = spawnSync(process.execPath, ['-e', activationProbe(bundle, fake)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`activation probe failed: ${r.stderr}`);
    samples.push(JSON.parse(r.stdout));
  }
  const requireMs = median(samples.map((s) => s.require));
  const activateMs = median(samples.map((s) => s.activate));
  console.log(`activation: require dist/extension.js ${requireMs.toFixed(1)} ms + activate() ${activateMs.toFixed(1)} ms (median of 7 cold processes)`);
  report('extension activation (require + activate)', median(samples.map((s) => s.require + s.activate)), 200);
}

async function makeWorkspace(): Promise<string> {
  const folder = path.join(cache, `extension-${RUNS}-runs`);
  if (existsSync(path.join(folder, '.weir', 'complete'))) return folder;
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const store = await openWorkspace(folder);
  const started = performance.now();
  try {
    for (let i = 0; i < RUNS; i++) {
      const run = await store.createRun({
        experiment: 'bench',
        pipelineName: 'bench',
        pipelineFile: 'bench.pipeline.yaml',
        parameters: { seed: i },
        steps: [
          { name: 'prep', kind: 'sql', status: 'Queued', outputs: {}, metrics: {} },
          { name: 'train', kind: 'automl', status: 'Queued', outputs: {}, metrics: {} },
        ],
        outputs: {},
      });
      const t = new Date(Date.UTC(2026, 0, 1) + i * 60_000);
      await store.updateRun(run.id, (r) => {
        r.status = i % 50 === 0 ? 'Failed' : 'Completed';
        r.startedAt = t.toISOString();
        r.endedAt = new Date(t.getTime() + 1500 + (i % 7) * 100).toISOString();
        for (const s of r.steps) {
          s.status = 'Completed';
          s.startedAt = r.startedAt;
          s.endedAt = r.endedAt;
          if (s.kind === 'automl') s.metrics = { AUC_weighted: 0.8 + (i % 100) / 1000 };
        }
      });
    }
  } finally {
    await store.dispose();
  }
  writeFileSync(path.join(folder, '.weir', 'complete'), '');
  console.log(`made ${RUNS} runs with the store API in ${((performance.now() - started) / 1000).toFixed(1)} s (kept in ${path.relative(root, folder)})`);
  return folder;
}

async function benchTree(): Promise<void> {
  const folder = await makeWorkspace();
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConnection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  const server = createServer(serverConnection);
  serverConnection.listen();
  const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  client.listen();
  await client.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(folder).href, workspaceFolders: [{ uri: pathToFileURL(folder).href, name: 'bench' }], capabilities: {} });
  await client.sendNotification(InitializedNotification.type, {});
  await server.store();
  try {
    // What the tree does: the newest page of runs (and a "Show older runs" row for the rest).
    const measure = async (params: { experiment: string; limit?: number }, expected: number) => {
      const timings: { request: number; rows: number }[] = [];
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        const runs = await client.sendRequest(ListRunsRequest.type, params);
        const t1 = performance.now();
        const now = Date.now();
        const rows = runs.map((r) => runRow(r, now));
        const t2 = performance.now();
        if (rows.length !== expected) throw new Error(`expected ${expected} rows, got ${rows.length}`);
        timings.push({ request: t1 - t0, rows: t2 - t1 });
      }
      return { request: median(timings.map((t) => t.request)), rows: median(timings.map((t) => t.rows)) };
    };
    const page = await measure({ experiment: 'bench', limit: runsPageSize }, runsPageSize);
    console.log(`tree: expand = ${page.request.toFixed(1)} ms for the newest ${runsPageSize} of ${RUNS} run summaries over JSON-RPC + ${page.rows.toFixed(1)} ms building their rows (median of 7)`);
    report(`expand an experiment of ${RUNS} runs`, page.request + page.rows, 100);
    const all = await measure({ experiment: 'bench' }, RUNS);
    console.log(`for reference, all ${RUNS} at once: ${all.request.toFixed(1)} ms request + ${all.rows.toFixed(1)} ms rows = ${(all.request + all.rows).toFixed(1)} ms (${((all.request + all.rows) / 100).toFixed(2)}× the bar; "Show older runs" loads ${runsPageSize} more at a time)`);
  } finally {
    await server.dispose();
    client.dispose();
    serverConnection.dispose();
  }
}

benchActivation();
benchTree().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
