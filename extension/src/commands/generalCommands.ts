import * as vscode from 'vscode';
import { CreateExampleRequest } from '../../../engine/src/protocol';
import { CommandIds } from './ids';
import { registerCommand } from './register';
import { workspaceRoot } from './args';
import { weirLog } from '../log';
import type { Services } from '../services';

export function registerGeneralCommands(s: Services): void {
  const { context, engine } = s;

  registerCommand(context, CommandIds.createExamplePipeline, async () => {
    const root = workspaceRoot();
    const { pipelineFile, files } = await engine.request(CreateExampleRequest.type, { folder: root.fsPath });
    weirLog().info(`Example written: ${files.join(', ')}`);
    await vscode.window.showTextDocument(vscode.Uri.file(pipelineFile));
  });

  registerCommand(context, CommandIds.refresh, () => {
    s.runs.invalidate();
    s.datasetsTree.refresh();
    s.modelsTree.refresh();
  });

  registerCommand(context, CommandIds.showMoreRuns, async (experiment) => {
    if (typeof experiment !== 'string') return;
    await s.runs.loadMoreRuns(experiment);
  });

  registerCommand(context, CommandIds.showLog, () => weirLog().show());

  registerCommand(context, CommandIds.restartEngine, async () => {
    await engine.restart();
    void vscode.window.setStatusBarMessage('Weir: engine restarted', 3000);
  });
}
