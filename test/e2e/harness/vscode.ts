import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page, type Locator } from 'playwright-core';
import { onTestFailed } from 'vitest';
import { chromiumPath, codeServerEntry, node24, resultsDir, vsixPath } from './paths';

/**
 * One real VS Code: a fresh code-server (its own user data, extensions and XDG folders) with
 * the packaged Weir .vsix installed, showing `workspace` in headless Chromium.
 */
export interface VsCode {
  page: Page;
  workspace: string;
  /** Saves `test-results/e2e/<name>.png` and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Runs a command from the palette by its title (e.g. `Weir: Refresh`). */
  runCommand(title: string): Promise<void>;
  /** Opens a workspace file in an editor through Quick Open. */
  openFile(name: string): Promise<void>;
  /** Opens the Weir activity-bar container. */
  openWeir(): Promise<void>;
  treeItem(label: string | RegExp): Locator;
  /** Process ids of the processes code-server started whose command line contains `text`. */
  descendantsMatching(text: string): number[];
  close(): Promise<void>;
}

/** Every descendant of `pid`, read from /proc (Linux). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

const userSettings = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'editor.codeLens': true,
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'files.autoSave': 'off',
  // No indentation rules run on what the tests type (Monaco still carries a line's indentation on newlines).
  'editor.autoIndent': 'none',
  'workbench.editor.enablePreview': false,
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see test-results/e2e/code-server.log`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs} ms`);
}

export async function launchVsCode(workspace: string): Promise<VsCode> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'weir-e2e-home-'));
  const userData = path.join(home, 'user-data');
  const extensions = path.join(home, 'extensions');
  const profile = path.join(home, 'chromium');
  for (const dir of [userData, extensions, profile, path.join(userData, 'User'), path.join(home, 'config'), path.join(home, 'data'), path.join(home, 'cache')]) mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
  };
  const common = ['--user-data-dir', userData, '--extensions-dir', extensions];

  const install = spawnSync(node24, [codeServerEntry, ...common, '--install-extension', vsixPath], { env, encoding: 'utf8', timeout: 120_000 });
  if (install.status !== 0) throw new Error(`installing ${vsixPath} failed:\n${install.stdout}\n${install.stderr}`);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(resultsDir, { recursive: true });
  const log = createWriteStream(path.join(resultsDir, 'code-server.log'));
  const child = spawn(
    node24,
    [codeServerEntry, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', ...common, workspace],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let context: BrowserContext | undefined;
  const stop = async () => {
    await context?.close().catch(() => undefined);
    // Keep VS Code's logs (the extension host's, the Weir output channel's) for reading after the run.
    cpSync(path.join(userData, 'logs'), path.join(resultsDir, 'vscode-logs'), { recursive: true, force: true });
    if (child.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      await new Promise((r) => setTimeout(r, 500));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone after SIGTERM.
      }
    }
    rmSync(home, { recursive: true, force: true });
  };

  try {
    await waitForHealth(url, child, 60_000);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.activitybar').waitFor({ timeout: 60_000 });

    const vscode: VsCode = {
      page,
      workspace,
      async screenshot(name) {
        const file = path.join(resultsDir, `${name}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      async runCommand(title) {
        await page.keyboard.press('Escape');
        await page.keyboard.press('F1');
        const input = page.locator('.quick-input-widget input.input');
        await input.waitFor();
        await input.fill(`>${title}`);
        await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
        await page.keyboard.press('Enter');
      },
      async openFile(name) {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+P');
        const input = page.locator('.quick-input-widget input.input');
        await input.waitFor();
        await input.fill(name);
        await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
        await page.keyboard.press('Enter');
        await page.locator('.tab.active', { hasText: name }).waitFor();
      },
      async openWeir() {
        const tab = page.getByRole('tab', { name: /^Weir/ });
        await tab.waitFor({ timeout: 60_000 });
        // Clicking an already open container closes it; open it only when it is not showing.
        if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
      },
      treeItem(label) {
        return page.getByRole('treeitem', { name: label });
      },
      descendantsMatching(text) {
        return descendants(child.pid!).filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
          } catch {
            return false;
          }
        });
      },
      close: stop,
    };
    return vscode;
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A spec's afterAll: closes VS Code and removes the throwaway workspace. */
export async function closeSession(vscode: VsCode | undefined, folder: string | undefined): Promise<void> {
  await vscode?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
}

/** Saves `test-results/e2e/<prefix>-failed-<name>.png` if the running test fails. */
export function screenshotOnFailure(vscode: () => VsCode | undefined, prefix: string, name: string): void {
  onTestFailed(async () => {
    await vscode()
      ?.screenshot(`${prefix}-failed-${name}`)
      .catch(() => undefined);
  });
}
