import * as vscode from 'vscode';
import path from 'node:path';
import { ExportAzureMLRequest, SubmitAzureMLRequest, type AzureExportSettings, type AzureExportWarning } from '../../../engine/src/protocol';
import { CommandIds } from './ids';
import { registerCommand } from './register';
import { pickPipelineFile, workspaceRoot } from './args';
import { weirLog } from '../log';
import type { Services } from '../services';

/**
 * "Export to Azure ML…" and "Submit to Azure ML…" on a pipeline file: the engine does the
 * work (`weir export azureml` / `weir submit`, docs/azureml.md); these commands only ask for
 * the compute, the AutoML mode and the Azure workspace, and remember the answers per folder.
 */
export function registerAzureMLCommands(s: Services): void {
  const { context, engine } = s;
  const memory = context.workspaceState;

  const ask = async (key: string, prompt: string, fallback: string): Promise<string> => {
    const value = await vscode.window.showInputBox({ title: 'Weir: Azure ML', prompt, value: memory.get<string>(`weir.azureml.${key}`) ?? fallback, ignoreFocusOut: true });
    if (value === undefined || value.trim() === '') throw new vscode.CancellationError();
    await memory.update(`weir.azureml.${key}`, value.trim());
    return value.trim();
  };

  const settings = async (): Promise<AzureExportSettings> => {
    const compute = await ask('compute', 'Azure ML compute cluster for the pipeline (settings.default_compute)', 'cpu-cluster');
    const picked = await vscode.window.showQuickPick(
      [
        { label: 'Azure AutoML', description: "Azure's native automl job (its models and search)", automl: 'azure' as const },
        { label: 'Weir AutoML', description: "Weir's own search in a command job, as weir run trains", automl: 'weir' as const },
      ],
      { title: 'Weir: how should the automl steps run on Azure?', ignoreFocusOut: true },
    );
    if (!picked) throw new vscode.CancellationError();
    return { compute, automl: picked.automl };
  };

  const reportWarnings = (warnings: AzureExportWarning[]) => {
    for (const w of warnings) weirLog().warn(`${w.file}:${w.line}: ${w.message}`);
    return warnings.length ? ` ${warnings.length} setting${warnings.length === 1 ? '' : 's'} differ on Azure (see the log).` : '';
  };

  registerCommand(context, CommandIds.exportToAzureML, async (arg) => {
    const file = await pickPipelineFile(arg);
    const name = path.basename(file.fsPath).replace(/\.pipeline\.ya?ml$/i, '');
    const defaultOut = vscode.Uri.joinPath(workspaceRoot(), 'azureml', name);
    const outDir = await ask(`out.${name}`, 'Folder to write the Azure ML pipeline job to (replaced if it holds an earlier export)', defaultOut.fsPath);
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Weir: exporting ${path.basename(file.fsPath)} to Azure ML` }, async () =>
      engine.request(ExportAzureMLRequest.type, { file: file.fsPath, outDir, ...(await settings()) }),
    );
    const differ = reportWarnings(result.warnings);
    const choice = await vscode.window.showInformationMessage(`Weir: wrote ${result.pipelineFile} (${result.files.length} files).${differ}`, 'Open pipeline.yml', ...(result.warnings.length ? ['Show Log'] : []));
    if (choice === 'Open pipeline.yml') await vscode.window.showTextDocument(vscode.Uri.file(result.pipelineFile));
    if (choice === 'Show Log') weirLog().show();
  });

  registerCommand(context, CommandIds.submitToAzureML, async (arg) => {
    const file = await pickPipelineFile(arg);
    const resourceGroup = await ask('resourceGroup', 'Azure resource group of the Azure ML workspace', '');
    const workspaceName = await ask('workspaceName', 'Azure ML workspace name', '');
    const chosen = await settings();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Weir: submitting ${path.basename(file.fsPath)} to ${workspaceName} (az ml job create)` },
      async () => engine.request(SubmitAzureMLRequest.type, { file: file.fsPath, resourceGroup, workspaceName, ...chosen }),
    );
    const differ = reportWarnings(result.warnings);
    weirLog().info(`Submitted ${result.jobName ?? 'a pipeline job'} to ${workspaceName}${result.studioUrl ? `: ${result.studioUrl}` : ''}`);
    const choice = await vscode.window.showInformationMessage(`Weir: submitted ${result.jobName ?? 'the pipeline job'} to ${workspaceName}.${differ}`, ...(result.studioUrl ? ['Open in Studio'] : []), ...(result.warnings.length ? ['Show Log'] : []));
    if (choice === 'Open in Studio' && result.studioUrl) await vscode.env.openExternal(vscode.Uri.parse(result.studioUrl));
    if (choice === 'Show Log') weirLog().show();
  });
}
