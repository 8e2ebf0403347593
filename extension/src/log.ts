import * as vscode from 'vscode';

/**
 * The extension's one log: a `LogOutputChannel` named "Weir". The language client writes
 * the engine's stderr and its own trace here too, so one "Show Log" reaches everything.
 */
let channel: vscode.LogOutputChannel | undefined;

export function weirLog(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Weir', { log: true });
  return channel;
}

/** Logs an error with its full stack (the short message goes to the user). */
export function logError(context: string, error: unknown): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  weirLog().error(`${context}: ${detail}`);
}
