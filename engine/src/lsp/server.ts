import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createServer } from './core';
import { guardProcess } from './processGuard';

// The engine's language server, started by the extension over IPC on VS Code's own Node.
const connection = createConnection(ProposedFeatures.all);
const guard = guardProcess(connection);
const server = createServer(connection);
connection.onExit(() => {
  guard.allowExit();
  void server.dispose();
});
connection.listen();
