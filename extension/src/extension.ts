import * as vscode from 'vscode';
import { EngineClient } from './client/engineClient';
import { weirLog } from './log';
import { ViewIds } from './commands/ids';
import { RunsModel } from './runs/runsModel';
import { RunMonitor } from './runs/runMonitor';
import { ExperimentsTree, type RunsTreeNode } from './runs/experimentsTree';
import { DatasetsTree } from './datasets/datasetsTree';
import { ModelsTree } from './models/modelsTree';
import { RunLogDocuments, logScheme } from './runs/logDocuments';
import { registerStatusBar } from './status/statusBar';
import { registerRunCommands } from './commands/runCommands';
import { registerDatasetCommands } from './datasets/datasetCommands';
import { registerModelCommands } from './models/modelCommands';
import { registerGeneralCommands } from './commands/generalCommands';
import { registerAzureMLCommands } from './commands/azuremlCommands';
import { registerWebviews, type WebviewOpeners } from './webviews';
import type { Services } from './services';
import { EngineReadyNotification } from '../../engine/src/protocol';

/**
 * Activation: wire the trees, commands and status bar to an engine client and return at once.
 * The engine (the language server) starts in the background; nothing here waits for it, so
 * activation costs only this module's load and a few registrations (see bench/extension.bench.ts).
 */
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const engine = new EngineClient(context);
  const runs = new RunsModel(engine);
  const monitor = new RunMonitor(engine);
  const experimentsTree = new ExperimentsTree(runs);
  const datasetsTree = new DatasetsTree(engine);
  const modelsTree = new ModelsTree(engine);
  const logDocuments = new RunLogDocuments(engine);
  const experimentsView = vscode.window.createTreeView<RunsTreeNode>(ViewIds.experiments, { treeDataProvider: experimentsTree, canSelectMany: true, showCollapseAll: true });
  context.subscriptions.push(
    engine,
    runs,
    monitor,
    experimentsTree,
    datasetsTree,
    modelsTree,
    experimentsView,
    vscode.window.createTreeView(ViewIds.datasets, { treeDataProvider: datasetsTree, showCollapseAll: true }),
    vscode.window.createTreeView(ViewIds.models, { treeDataProvider: modelsTree, showCollapseAll: true }),
    vscode.workspace.registerTextDocumentContentProvider(logScheme, logDocuments),
  );

  let openers: WebviewOpeners | undefined;
  const webviewsReady = new Promise<WebviewOpeners>((resolve) => {
    context.subscriptions.push(
      engine.onDidCreateClient((client) => {
        openers ??= registerWebviews(context, client, engine);
        resolve(openers);
      }),
    );
  });

  const services: Services = {
    context,
    engine,
    runs,
    monitor,
    experimentsTree,
    experimentsView: experimentsView as vscode.TreeView<unknown>,
    datasetsTree,
    modelsTree,
    logDocuments,
    webviews: () => webviewsReady,
  };
  registerRunCommands(services);
  registerDatasetCommands(services);
  registerModelCommands(services);
  registerGeneralCommands(services);
  registerAzureMLCommands(services);

  context.subscriptions.push(
    engine.onNotification(EngineReadyNotification.type, ({ storeError, version }) => {
      weirLog().info(`Weir engine ${version} ready.`);
      if (!storeError) return;
      void vscode.window.showErrorMessage(`Weir could not open this folder's .weir/: ${storeError}`, 'Show Log').then((choice) => {
        if (choice === 'Show Log') weirLog().show();
      });
    }),
  );
  void engine.start().catch(() => undefined);
  registerStatusBar(context, runs, engine);
  weirLog().info(`Weir activated in ${(performance.now() - started).toFixed(1)} ms.`);
}

export function deactivate(): void {}
