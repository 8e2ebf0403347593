import * as vscode from 'vscode';
import type { RunsModel } from '../runs/runsModel';
import type { EngineClient } from '../client/engineClient';
import { ViewIds } from '../commands/ids';

/**
 * One status-bar item: how many runs are Queued or Running in this workspace (from any
 * process), or that the engine is down. Clicking it opens the run explorer.
 */
export function registerStatusBar(context: vscode.ExtensionContext, model: RunsModel, engine: EngineClient): void {
  const item = vscode.window.createStatusBarItem('weir.runs', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Weir Runs';
  item.command = `workbench.view.extension.${ViewIds.container}`;
  const update = () => {
    if (engine.state === 'stopped') {
      item.text = '$(error) Weir';
      item.tooltip = 'The Weir engine is not running. Click to open the run explorer; "Weir: Restart Engine" starts it again.';
      item.show();
      return;
    }
    const live = model.liveRunList();
    if (live.length === 0) {
      item.hide();
      return;
    }
    item.text = `$(sync~spin) Weir: ${live.length} running`;
    item.tooltip = live.map((r) => `${r.pipelineName} (${r.status})`).join('\n');
    item.show();
  };
  context.subscriptions.push(item, model.onDidChangeLiveRuns(update), engine.onDidChangeState(update));
  update();
}
