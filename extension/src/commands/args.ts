import * as vscode from 'vscode';
import { UserFacingError } from './register';

/**
 * Commands are called from the palette (no arguments), from tree context menus (a tree node,
 * plus the selected nodes), from CodeLens (a file path and a step name) and from other
 * commands (a run id). These helpers read what they need from any of those.
 */

export const pipelineGlob = '**/*.pipeline.{yaml,yml}';

export function isPipelineFile(path: string): boolean {
  return /\.pipeline\.ya?ml$/i.test(path);
}

export function runIdFrom(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'runId' in arg && typeof (arg as { runId: unknown }).runId === 'string') {
    return (arg as { runId: string }).runId;
  }
  return undefined;
}

/** Run ids of a multi-selection in a tree (`(clicked, selected[])`), or of the one clicked node. */
export function runIdsFrom(clicked: unknown, selected: unknown): string[] {
  const nodes = Array.isArray(selected) && selected.length > 0 ? selected : [clicked];
  return [...new Set(nodes.filter((n) => n && typeof n === 'object' && (n as { type?: string }).type === 'run').map((n) => runIdFrom(n)!))];
}

export function fileFrom(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg.length > 0) return arg.includes('://') ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
  return undefined;
}

/** The pipeline file a command acts on: the argument, else the active editor's, else one the user picks. */
export async function pickPipelineFile(arg: unknown): Promise<vscode.Uri> {
  const given = fileFrom(arg);
  if (given) return given;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && isPipelineFile(active.fsPath)) return active;
  const files = await vscode.workspace.findFiles(pipelineGlob, '**/{node_modules,.weir}/**', 200);
  if (files.length === 0) {
    throw new UserFacingError('No *.pipeline.yaml file in this workspace. Run "Weir: Create Example Pipeline" to make one.');
  }
  if (files.length === 1) return files[0];
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'Weir: pick a pipeline file', placeHolder: 'Pipeline file to run' },
  );
  if (!picked) throw new vscode.CancellationError();
  return picked.uri;
}

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new UserFacingError('Weir needs an open folder: its runs, datasets and models live in the folder\'s .weir/.');
  return folder.uri;
}
