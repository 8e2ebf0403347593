import type * as vscode from 'vscode';
import type { EngineClient } from './client/engineClient';
import type { RunsModel } from './runs/runsModel';
import type { RunMonitor } from './runs/runMonitor';
import type { ExperimentsTree } from './runs/experimentsTree';
import type { DatasetsTree } from './datasets/datasetsTree';
import type { ModelsTree } from './models/modelsTree';
import type { RunLogDocuments } from './runs/logDocuments';
import type { WebviewOpeners } from './webviews';

/** What the command modules share; built once in `activate`. */
export interface Services {
  context: vscode.ExtensionContext;
  engine: EngineClient;
  runs: RunsModel;
  monitor: RunMonitor;
  experimentsTree: ExperimentsTree;
  experimentsView: vscode.TreeView<unknown>;
  datasetsTree: DatasetsTree;
  modelsTree: ModelsTree;
  logDocuments: RunLogDocuments;
  /** Resolves once the language client exists (the webviews talk to it directly). */
  webviews(): Promise<WebviewOpeners>;
}
