import type { Connection } from 'vscode-languageserver';
import type { WorkspaceStore } from '../store/storeApi';

/**
 * Language-server handlers for the data the webviews show (run details, data preview,
 * model card, run comparison). Their request types live in `../protocol.ts`.
 */
export function registerWebviewDataHandlers(_connection: Connection, _getStore: () => Promise<WorkspaceStore>): void {
  // Filled in by the webview work.
}
