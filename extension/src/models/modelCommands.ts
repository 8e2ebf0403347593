import * as vscode from 'vscode';
import path from 'node:path';
import { DeleteModelRequest, ListModelsRequest, PredictRequest } from '../../../engine/src/protocol';
import { CommandIds } from '../commands/ids';
import { registerCommand, UserFacingError } from '../commands/register';
import { fileFrom } from '../commands/args';
import type { Services } from '../services';
import { serveModel } from './serveModel';

export function registerModelCommands(s: Services): void {
  const { context, engine } = s;

  registerCommand(context, CommandIds.openModelCard, async (arg) => {
    const target = modelTarget(arg) ?? (await pickModel(s));
    (await s.webviews()).openModelCard(target.name, target.version);
  });

  registerCommand(context, CommandIds.predictWithModel, async (arg, dataArg) => {
    const target = modelTarget(arg) ?? (await pickModel(s));
    let data = fileFrom(dataArg);
    if (!data) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        openLabel: 'Predict',
        title: `Weir: data to score with ${target.name}`,
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        filters: { 'Data files': ['csv', 'tsv', 'txt', 'data', 'parquet', 'json', 'ndjson', 'jsonl', 'arrow', 'arff'] },
      });
      if (!picked?.[0]) throw new vscode.CancellationError();
      data = picked[0];
    }
    const suggested = vscode.Uri.file(data.fsPath.replace(/(\.[^./]+)?$/, '.predictions.csv'));
    const out = await vscode.window.showSaveDialog({ defaultUri: suggested, title: 'Weir: save predictions as', filters: { CSV: ['csv'], Parquet: ['parquet'] } });
    if (!out) throw new vscode.CancellationError();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Weir: scoring ${path.basename(data.fsPath)} with ${target.name}` },
      () => engine.request(PredictRequest.type, { model: target.name, version: target.version, data: data.fsPath, out: out.fsPath }),
    );
    const choice = await vscode.window.showInformationMessage(`Weir: wrote ${result.rows} predictions to ${path.basename(result.out)}.`, 'Open');
    if (choice === 'Open') await vscode.window.showTextDocument(vscode.Uri.file(result.out));
  });

  registerCommand(context, CommandIds.serveModel, async (arg) => {
    const target = modelTarget(arg) ?? (await pickModel(s));
    await serveModel(context, target);
  });

  registerCommand(context, CommandIds.deleteModel, async (arg) => {
    const target = modelTarget(arg) ?? (await pickModel(s));
    const what = target.version === undefined ? `every version of ${target.name}` : `${target.name} v${target.version}`;
    const answer = await vscode.window.showWarningMessage(`Delete ${what}?`, { modal: true }, 'Delete');
    if (answer !== 'Delete') return;
    await engine.request(DeleteModelRequest.type, { name: target.name, version: target.version });
  });
}

function modelTarget(arg: unknown): { name: string; version?: number } | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const node = arg as { type?: string; name?: string; version?: number };
  if (node.type === 'model' && node.name) return { name: node.name };
  if (node.type === 'modelVersion' && node.name) return { name: node.name, version: node.version };
  return undefined;
}

async function pickModel(s: Services): Promise<{ name: string; version?: number }> {
  const models = await s.engine.request0(ListModelsRequest.type);
  if (models.length === 0) throw new UserFacingError('No models yet. A pipeline with a register_model step registers one.');
  const picked = await vscode.window.showQuickPick(
    models.map((m) => ({ label: m.name, description: `v${m.version}${m.framework ? ` · ${m.framework}` : ''}`, name: m.name, version: m.version })),
    { title: 'Weir: pick a model' },
  );
  if (!picked) throw new vscode.CancellationError();
  return { name: picked.name, version: picked.version };
}
