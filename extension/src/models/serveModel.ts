import * as vscode from 'vscode';
import net from 'node:net';
import path from 'node:path';
import { UserFacingError } from '../commands/register';
import { workspaceRoot } from '../commands/args';

/**
 * "Serve Model": runs `weir model serve NAME:VERSION --port P` (the bundled `dist/cli.js` on
 * VS Code's own Node) in a terminal, waits until it answers `/ping`, and shows its URL. The
 * server is a terminal process rather than part of the engine so the user sees its request
 * log, stops it with Ctrl-C or by closing the terminal, and a restart of the engine does not
 * take the endpoint down.
 */

/** Servers started from this window, by model reference, so a second "Serve" shows the running one. */
const running = new Map<string, { terminal: vscode.Terminal; url: string }>();

export async function serveModel(context: vscode.ExtensionContext, target: { name: string; version?: number }): Promise<void> {
  const ref = target.version === undefined ? target.name : `${target.name}:${target.version}`;
  const existing = running.get(ref);
  if (existing && existing.terminal.exitStatus === undefined) {
    existing.terminal.show(true);
    await announce(ref, existing.url);
    return;
  }
  const root = workspaceRoot();
  const port = await freePort(5000);
  const url = `http://127.0.0.1:${port}`;
  const cli = context.asAbsolutePath(path.join('dist', 'cli.js'));
  const terminal = vscode.window.createTerminal({
    name: `Weir: serve ${ref}`,
    shellPath: process.execPath,
    shellArgs: [cli, 'model', 'serve', ref, '--port', String(port), '--workspace', root.fsPath],
    // In desktop VS Code process.execPath is Electron; this makes it run as plain Node, as the engine does.
    env: { ELECTRON_RUN_AS_NODE: '1' },
    cwd: root,
    iconPath: new vscode.ThemeIcon('server-process'),
    isTransient: true,
  });
  running.set(ref, { terminal, url });
  const closed = vscode.window.onDidCloseTerminal((t) => {
    if (t === terminal) {
      running.delete(ref);
      closed.dispose();
    }
  });
  context.subscriptions.push(closed, terminal);
  terminal.show(true);
  const ready = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Weir: starting the server for ${ref}` }, () => waitForPing(url, terminal, 60_000));
  if (!ready) throw new UserFacingError(`The server for ${ref} did not answer at ${url}. Its terminal ("Weir: serve ${ref}") says why.`);
  await announce(ref, url);
}

async function announce(ref: string, url: string): Promise<void> {
  const choice = await vscode.window.showInformationMessage(`Weir: serving ${ref} at ${url}/invocations`, 'Copy URL', 'Open in Browser');
  if (choice === 'Copy URL') await vscode.env.clipboard.writeText(`${url}/invocations`);
  if (choice === 'Open in Browser') await vscode.env.openExternal(vscode.Uri.parse(`${url}/version`));
}

/** Polls `/ping` until it answers 200, the terminal's process ends, or `timeoutMs` passes. */
async function waitForPing(url: string, terminal: vscode.Terminal, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && terminal.exitStatus === undefined) {
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** `preferred` when nothing listens there (MLflow's default port, which the model card's curl uses), else any free port. */
function freePort(preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const chosen = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(chosen));
      });
    });
  return tryListen(preferred).then(async (p) => p ?? (await tryListen(0)) ?? preferred);
}
