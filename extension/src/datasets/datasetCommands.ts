import * as vscode from 'vscode';
import { DeleteDatasetRequest, ListDatasetsRequest, RegisterDatasetRequest } from '../../../engine/src/protocol';
import { CommandIds } from '../commands/ids';
import { registerCommand, UserFacingError } from '../commands/register';
import { fileFrom } from '../commands/args';
import type { Services } from '../services';
import { datasetExtensions, datasetNameFromFile, validateDatasetName } from './datasetNames';

export function registerDatasetCommands(s: Services): void {
  const { context, engine } = s;

  registerCommand(context, CommandIds.registerDataset, async (clicked, selected) => {
    let files = (Array.isArray(selected) && selected.length > 0 ? selected : [clicked]).map(fileFrom).filter((u): u is vscode.Uri => u !== undefined);
    if (files.length === 0) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: true,
        openLabel: 'Register',
        title: 'Weir: register a dataset from files',
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        filters: { 'Data files': datasetExtensions.map((e) => e.slice(1)) },
      });
      if (!picked?.length) throw new vscode.CancellationError();
      files = picked;
    }
    const name = await vscode.window.showInputBox({
      title: 'Weir: dataset name',
      prompt: `A new version is added when the name exists (${files.length} file${files.length === 1 ? '' : 's'})`,
      value: datasetNameFromFile(files[0].fsPath),
      validateInput: validateDatasetName,
    });
    if (!name) throw new vscode.CancellationError();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Weir: registering ${name}` },
      () => engine.request(RegisterDatasetRequest.type, { name, sources: files.map((f) => f.fsPath) }),
    );
    const { version, created } = result;
    const message = created
      ? `Weir: registered ${version.name} v${version.version} (${version.rows} rows, ${version.schema.length} columns).`
      : `Weir: ${version.name} v${version.version} already holds this content; no new version.`;
    const choice = await vscode.window.showInformationMessage(message, 'Preview');
    if (choice === 'Preview') (await s.webviews()).openDataPreview({ dataset: version.name, version: version.version });
  });

  registerCommand(context, CommandIds.previewDataset, async (arg) => {
    const target = datasetTarget(arg) ?? (await pickDataset(s));
    (await s.webviews()).openDataPreview(target);
  });

  registerCommand(context, CommandIds.deleteDataset, async (arg) => {
    const target = datasetTarget(arg) ?? (await pickDataset(s));
    const what = target.version === undefined ? `every version of ${target.dataset}` : `${target.dataset} v${target.version}`;
    const answer = await vscode.window.showWarningMessage(`Delete ${what}? Runs that used it keep their records.`, { modal: true }, 'Delete');
    if (answer !== 'Delete') return;
    await engine.request(DeleteDatasetRequest.type, { name: target.dataset, version: target.version });
  });
}

function datasetTarget(arg: unknown): { dataset: string; version?: number } | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const node = arg as { type?: string; name?: string; version?: number };
  if (node.type === 'dataset' && node.name) return { dataset: node.name };
  if (node.type === 'datasetVersion' && node.name) return { dataset: node.name, version: node.version };
  return undefined;
}

async function pickDataset(s: Services): Promise<{ dataset: string; version?: number }> {
  const datasets = await s.engine.request0(ListDatasetsRequest.type);
  if (datasets.length === 0) throw new UserFacingError('No datasets yet. Run "Weir: Register Dataset" first.');
  const picked = await vscode.window.showQuickPick(
    datasets.map((d) => ({ label: d.name, description: `v${d.version} · ${d.rows} rows`, name: d.name, version: d.version })),
    { title: 'Weir: pick a dataset' },
  );
  if (!picked) throw new vscode.CancellationError();
  return { dataset: picked.name, version: picked.version };
}
