import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

/** What the rest of the extension can open as an editor-tab webview. */
export interface WebviewOpeners {
  openRunDetails(runId: string): void;
  /** A dataset version (`name`, `version`) or a run's step output (`runId`, `step`, `output`). */
  openDataPreview(target: { dataset: string; version?: number } | { runId: string; step: string; output: string }): void;
  openModelCard(name: string, version?: number): void;
  openCompare(runIds: string[]): void;
}

/** Registers the webview panels and their serializers; filled in by the webview work. */
export function registerWebviews(_context: vscode.ExtensionContext, _client: LanguageClient): WebviewOpeners {
  return {
    openRunDetails: () => undefined,
    openDataPreview: () => undefined,
    openModelCard: () => undefined,
    openCompare: () => undefined,
  };
}
