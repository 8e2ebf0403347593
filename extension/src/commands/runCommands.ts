import * as vscode from 'vscode';
import path from 'node:path';
import {
  DeleteRunRequest,
  DownloadOutputRequest,
  ListRunOutputsRequest,
  ListRunsRequest,
  PipelineInfoRequest,
  RerunRequest,
  StartRunRequest,
  CancelRunRequest,
  type PipelineInfo,
} from '../../../engine/src/protocol';
import { CommandIds } from './ids';
import { registerCommand, UserFacingError } from './register';
import { pickPipelineFile, runIdFrom, runIdsFrom } from './args';
import { RunLogDocuments } from '../runs/logDocuments';
import { formatTimestamp } from '../runs/rows';
import type { Services } from '../services';

export function registerRunCommands(s: Services): void {
  const { context, engine } = s;

  registerCommand(context, CommandIds.runPipeline, async (arg) => {
    const file = await pickPipelineFile(arg);
    const info = await readyPipeline(s, file);
    const params = await promptParameters(info);
    await startAndFollow(s, info, { file: file.fsPath, params });
  });

  registerCommand(context, CommandIds.runStep, async (fileArg, stepArg) => {
    const file = await pickPipelineFile(fileArg);
    const info = await readyPipeline(s, file);
    let step = typeof stepArg === 'string' ? stepArg : undefined;
    if (!step) {
      const picked = await vscode.window.showQuickPick(
        info.steps.map((st) => ({ label: st.name, description: st.kind })),
        { title: `Weir: run one step of ${path.basename(file.fsPath)}`, placeHolder: 'The step runs with what it needs (upstream steps are reused when they can be)' },
      );
      if (!picked) throw new vscode.CancellationError();
      step = picked.label;
    }
    await startAndFollow(s, info, { file: file.fsPath, steps: [step] }, `${info.name ?? path.basename(file.fsPath)} › ${step}`);
  });

  registerCommand(context, CommandIds.cancelRun, async (arg) => {
    const runId = runIdFrom(arg) ?? (await pickRun(s, 'Cancel which run?', true));
    await engine.request(CancelRunRequest.type, { runId });
    void vscode.window.setStatusBarMessage(`Weir: cancel requested for ${runId}`, 4000);
  });

  const rerun = async (arg: unknown, noReuse: boolean) => {
    const runId = runIdFrom(arg) ?? (await pickRun(s, 'Rerun which run?', false));
    const { runId: newRunId } = await engine.request(RerunRequest.type, { runId, noReuse });
    const old = s.runs.cachedRun(runId);
    void s.monitor.follow(newRunId, old?.pipelineName ?? 'rerun');
  };
  registerCommand(context, CommandIds.rerun, (arg) => rerun(arg, false));
  registerCommand(context, CommandIds.rerunNoReuse, (arg) => rerun(arg, true));

  registerCommand(context, CommandIds.deleteRun, async (clicked, selected) => {
    const runIds = runIdsFrom(clicked, selected);
    if (runIds.length === 0) runIds.push(await pickRun(s, 'Delete which run?', false));
    const answer = await vscode.window.showWarningMessage(
      runIds.length === 1 ? `Delete run ${runIds[0]}? Its record and logs are removed.` : `Delete ${runIds.length} runs? Their records and logs are removed.`,
      { modal: true },
      'Delete',
    );
    if (answer !== 'Delete') return;
    for (const runId of runIds) await engine.request(DeleteRunRequest.type, { runId });
  });

  registerCommand(context, CommandIds.copyRunId, async (arg) => {
    const runId = runIdFrom(arg) ?? (await pickRun(s, 'Copy the id of which run?', false));
    await vscode.env.clipboard.writeText(runId);
    void vscode.window.setStatusBarMessage(`Copied ${runId}`, 3000);
  });

  registerCommand(context, CommandIds.openRunLogs, async (arg) => {
    const runId = runIdFrom(arg) ?? (await pickRun(s, 'Open the logs of which run?', false));
    const step = arg && typeof arg === 'object' && (arg as { type?: string }).type === 'step' ? (arg as { step: string }).step : undefined;
    if (!step && s.monitor.showLog(runId)) return;
    const uri = RunLogDocuments.uri(runId, step);
    s.logDocuments.refresh(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true });
  });

  registerCommand(context, CommandIds.openRunDetails, async (arg) => {
    const runId = runIdFrom(arg) ?? (await pickRun(s, 'Open which run?', false));
    (await s.webviews()).openRunDetails(runId);
  });

  registerCommand(context, CommandIds.compareRuns, async (clicked, selected) => {
    let runIds = runIdsFrom(clicked, selected);
    if (runIds.length < 2) {
      const runs = await engine.request(ListRunsRequest.type, { limit: 200 });
      const picked = await vscode.window.showQuickPick(
        runs.map((r) => ({ label: `${r.experiment} · ${formatTimestamp(r.createdAt)}`, description: r.status, detail: r.id, picked: runIds.includes(r.id), runId: r.id })),
        { title: 'Weir: compare runs', placeHolder: 'Pick two or more runs', canPickMany: true },
      );
      if (!picked) throw new vscode.CancellationError();
      runIds = picked.map((p) => p.runId);
    }
    if (runIds.length < 2) throw new UserFacingError('Pick at least two runs to compare.');
    (await s.webviews()).openCompare(runIds);
  });

  registerCommand(context, CommandIds.downloadOutput, async (arg) => {
    const runId = runIdFrom(arg) ?? (await pickRun(s, 'Download an output of which run?', false));
    const outputs = await engine.request(ListRunOutputsRequest.type, { runId });
    if (outputs.length === 0) throw new UserFacingError(`Run ${runId} has no outputs (yet).`);
    const picked = await vscode.window.showQuickPick(
      outputs.map((o) => ({ label: o.name, description: `${o.kind}${o.rows !== undefined ? ` · ${o.rows} rows` : ''}` })),
      { title: `Weir: download an output of ${runId}` },
    );
    if (!picked) throw new vscode.CancellationError();
    const folder = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, openLabel: 'Download here', defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
    if (!folder?.[0]) throw new vscode.CancellationError();
    const { path: written } = await engine.request(DownloadOutputRequest.type, { runId, output: picked.label, to: folder[0].fsPath });
    const choice = await vscode.window.showInformationMessage(`Weir: saved ${picked.label} to ${written}`, 'Reveal');
    if (choice === 'Reveal') await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(written));
  });
}

/** Saves the file if it is open and dirty (the engine runs what is on disk) and checks it is valid. */
async function readyPipeline(s: Services, file: vscode.Uri): Promise<PipelineInfo> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
  if (open?.isDirty) await open.save();
  const info = await s.engine.request(PipelineInfoRequest.type, { file: file.fsPath });
  if (info.errorCount > 0) {
    throw new UserFacingError(`${path.basename(file.fsPath)} has ${info.errorCount} error${info.errorCount === 1 ? '' : 's'}: ${info.firstError ?? 'see the Problems panel'}.`);
  }
  return info;
}

/**
 * With parameters, asks whether to run with the defaults or override some (one input box per
 * parameter, prefilled with its default). Only overridden values are sent.
 */
async function promptParameters(info: PipelineInfo): Promise<Record<string, string> | undefined> {
  const names = Object.keys(info.parameters);
  if (names.length === 0) return undefined;
  const defaults = names.map((n) => `${n}=${String(info.parameters[n])}`).join(', ');
  const choice = await vscode.window.showQuickPick(
    [
      { label: '$(play) Run with defaults', description: defaults, override: false },
      { label: '$(edit) Override parameters…', description: 'Set a value for each parameter', override: true },
    ],
    { title: `Weir: run ${info.name ?? path.basename(info.file)}`, placeHolder: 'Pipeline parameters' },
  );
  if (!choice) throw new vscode.CancellationError();
  if (!choice.override) return undefined;
  const params: Record<string, string> = {};
  for (const name of names) {
    const value = await vscode.window.showInputBox({ title: `Parameter ${name}`, value: String(info.parameters[name]), prompt: `Default: ${String(info.parameters[name])}` });
    if (value === undefined) throw new vscode.CancellationError();
    if (value !== String(info.parameters[name])) params[name] = value;
  }
  return params;
}

async function startAndFollow(s: Services, info: PipelineInfo, request: { file: string; params?: Record<string, string>; steps?: string[] }, title?: string): Promise<void> {
  const { runId } = await s.engine.request(StartRunRequest.type, request);
  // The run shows up in the tree through the store notification; follow it for progress and logs.
  void s.monitor.follow(runId, title ?? info.name ?? path.basename(info.file));
}

async function pickRun(s: Services, title: string, liveOnly: boolean): Promise<string> {
  const runs = await s.engine.request(ListRunsRequest.type, { limit: 200, liveOnly });
  if (runs.length === 0) throw new UserFacingError(liveOnly ? 'No run is running.' : 'There are no runs yet.');
  const picked = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: `${r.experiment} · ${formatTimestamp(r.createdAt)}`, description: r.status, detail: r.id, runId: r.id })),
    { title: `Weir: ${title}` },
  );
  if (!picked) throw new vscode.CancellationError();
  return picked.runId;
}
