import * as vscode from 'vscode';
import type { CommandId } from './ids';
import { logError, weirLog } from '../log';

/** An error whose message is meant for the user as is (no "see the log" needed). */
export class UserFacingError extends Error {}

/**
 * The one way Weir registers a command: it logs the call and its duration, and turns a
 * failure into a short message that points to the log (where the full stack goes).
 */
export function registerCommand(
  context: vscode.ExtensionContext,
  id: CommandId,
  handler: (...args: unknown[]) => unknown,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      const started = Date.now();
      try {
        const result = await handler(...args);
        weirLog().debug(`${id} done in ${Date.now() - started} ms`);
        return result;
      } catch (e) {
        if (isCancellation(e)) {
          weirLog().info(`${id} canceled after ${Date.now() - started} ms`);
          return undefined;
        }
        logError(`${id} failed after ${Date.now() - started} ms`, e);
        const message = shortMessage(e);
        if (e instanceof UserFacingError) {
          void vscode.window.showErrorMessage(message);
        } else {
          void vscode.window.showErrorMessage(`Weir: ${message}`, 'Show Log').then((choice) => {
            if (choice === 'Show Log') weirLog().show();
          });
        }
        return undefined;
      }
    }),
  );
}

/** The first line of an error's message, plus the engine's hint when it sent one. */
export function shortMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const first = e.message.split('\n')[0];
  const data = (e as { data?: { hint?: string } }).data;
  return data?.hint ? `${first} (${data.hint})` : first;
}

function isCancellation(e: unknown): boolean {
  return e instanceof vscode.CancellationError || (e instanceof Error && e.name === 'Canceled');
}
