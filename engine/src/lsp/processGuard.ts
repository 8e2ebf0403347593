import type { Connection } from 'vscode-languageserver';

/**
 * Keeps one bad library call from killing the engine (and with it every run in flight): an
 * uncaught exception or an unhandled rejection is logged, not fatal, and `process.exit` is
 * honoured only once the client asked the server to exit or the extension host went away.
 */
export function guardProcess(connection: Connection): { allowExit(): void } {
  let exitAllowed = false;
  const originalExit = process.exit.bind(process);
  const allowExit = () => {
    exitAllowed = true;
  };
  process.on('disconnect', allowExit);
  process.exit = ((code?: number) => {
    if (exitAllowed) return originalExit(code);
    connection.console.error(`process.exit(${code ?? ''}) was called while the engine is serving; ignored.\n${new Error().stack ?? ''}`);
    return undefined as never;
  }) as typeof process.exit;
  process.on('uncaughtException', (e) => {
    connection.console.error(`Uncaught exception in the Weir engine: ${e.stack ?? e.message}`);
  });
  process.on('unhandledRejection', (reason) => {
    connection.console.error(`Unhandled rejection in the Weir engine: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  });
  return { allowExit };
}
