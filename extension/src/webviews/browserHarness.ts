import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { HostMessage, ViewKind, ViewState, WebviewMessage } from '../../../webview/src/protocol';
import { makeNonce, webviewHtml } from './webviewHtml';

/**
 * Loads a built webview bundle (`dist/webview/<kind>.js`) in headless Chromium, in the same
 * HTML and under the same Content-Security-Policy the extension gives it, with a stand-in
 * for VS Code's `acquireVsCodeApi` that hands each message to `respond` and delivers the
 * answers. The benchmark and the CSP test use it; the end-to-end suite drives the real thing.
 * Test and benchmark code only: nothing in the extension imports it.
 */
export interface HarnessOptions {
  repoRoot: string;
  kind: ViewKind;
  state: ViewState;
  /** Answers one webview message with host messages (may call the real engine). */
  respond(message: WebviewMessage): Promise<HostMessage[]> | HostMessage[];
  theme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
}

export interface Harness {
  page: Page;
  /** CSP violations the page reported (`securitypolicyviolation`), as `directive blocked-uri`. */
  violations(): Promise<string[]>;
  /** Page errors and console errors. */
  errors: string[];
  /** Whether the page's own code was refused `eval` (proof the policy is in force). */
  evalRefused(): Promise<boolean>;
  /** `performance.now()` in the page when the answer of the given type was painted (first time). */
  paintedAt(type: HostMessage['type'], timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser: Promise<Browser> | undefined;

async function sharedBrowser(): Promise<Browser> {
  // A computed module name keeps bundlers (the benchmark runner) from inlining Playwright.
  const playwright = 'playwright-core';
  browser ??= (import(playwright) as Promise<typeof import('playwright-core')>).then(({ chromium }) => chromium.launch({ executablePath: process.env.WEIR_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: chromiumArgs }));
  return browser;
}

export async function closeHarnessBrowser(): Promise<void> {
  const b = browser;
  browser = undefined;
  await (await b)?.close();
}

/** VS Code's default Light+ and Dark+ colours for the variables the views use. */
const themes: Record<'light' | 'dark', Record<string, string>> = {
  light: {
    'font-family': 'system-ui, sans-serif',
    'font-size': '13px',
    'editor-font-family': 'monospace',
    foreground: '#3b3b3b',
    'editor-background': '#ffffff',
    descriptionForeground: '#717171',
    'panel-border': '#e5e5e5',
    'editorWidget-background': '#f8f8f8',
    'editorWidget-border': '#c8c8c8',
    'textLink-foreground': '#005fb8',
    'focusBorder': '#005fb8',
    'list-hoverBackground': '#f2f2f2',
    'list-activeSelectionBackground': '#e8e8e8',
    'badge-background': '#cccccc',
    'badge-foreground': '#3b3b3b',
    'charts-blue': '#1a85ff',
    'charts-orange': '#d18616',
    'charts-green': '#388a34',
    'charts-purple': '#652d90',
    'charts-red': '#e51400',
    'charts-yellow': '#bf8803',
    'testing-iconPassed': '#388a34',
    'testing-iconFailed': '#f14c4c',
    'textCodeBlock-background': '#f8f8f8',
    'panelTitle-activeForeground': '#3b3b3b',
    'panelTitle-activeBorder': '#005fb8',
    'panelTitle-inactiveForeground': '#3b3b3b',
  },
  dark: {
    'font-family': 'system-ui, sans-serif',
    'font-size': '13px',
    'editor-font-family': 'monospace',
    foreground: '#cccccc',
    'editor-background': '#1f1f1f',
    descriptionForeground: '#9d9d9d',
    'panel-border': '#2b2b2b',
    'editorWidget-background': '#202020',
    'editorWidget-border': '#454545',
    'textLink-foreground': '#4daafc',
    'focusBorder': '#0078d4',
    'list-hoverBackground': '#2a2d2e',
    'list-activeSelectionBackground': '#04395e',
    'badge-background': '#616161',
    'badge-foreground': '#f8f8f8',
    'charts-blue': '#3794ff',
    'charts-orange': '#d18616',
    'charts-green': '#89d185',
    'charts-purple': '#b180d7',
    'charts-red': '#f14c4c',
    'charts-yellow': '#cca700',
    'testing-iconPassed': '#73c991',
    'testing-iconFailed': '#f14c4c',
    'textCodeBlock-background': '#2b2b2b',
    'panelTitle-activeForeground': '#e7e7e7',
    'panelTitle-activeBorder': '#0078d4',
    'panelTitle-inactiveForeground': '#9d9d9d',
  },
};

/** Serves dist/webview/ on 127.0.0.1 (the "resource origin", as `webview.cspSource` is in VS Code). */
async function serve(root: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const file = path.join(root, 'dist', 'webview', path.basename(new URL(req.url ?? '/', 'http://x').pathname));
    readFile(file)
      .then((body) => {
        res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' });
        res.end(body);
      })
      .catch(() => {
        res.writeHead(404);
        res.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, origin: `http://127.0.0.1:${port}` };
}

export async function openHarness(o: HarnessOptions): Promise<Harness> {
  const { server, origin } = await serve(o.repoRoot);
  const context = await (await sharedBrowser()).newContext({ viewport: o.viewport ?? { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.exposeFunction('weirHarnessRespond', async (json: string) => JSON.stringify(await o.respond(JSON.parse(json) as WebviewMessage)));
  const nonce = makeNonce();
  const theme = themes[o.theme ?? 'light'];
  const variables = Object.entries(theme)
    .map(([k, v]) => `--vscode-${k}: ${v};`)
    .join(' ');
  // The stand-in for VS Code: the same API shape, answers delivered as window messages, and
  // the paint time of each answer type recorded after the frame that shows it.
  const bootstrap = `<style nonce="${nonce}">html { ${variables} }</style>
<script nonce="${nonce}">
window.__weirViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  // The first eval refusal is the positive control below; any later one is the page's.
  if (e.blockedURI === 'eval' && !window.__weirControlSeen) { window.__weirControlSeen = true; return; }
  window.__weirViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
window.__weirPainted = {};
window.__weirTimings = [];
// A positive control: page code trying eval must be refused by the policy.
try { eval('1'); window.__weirEvalRefused = false; } catch (e) { window.__weirEvalRefused = /unsafe-eval|EvalError/.test(String(e)); }
let state;
window.acquireVsCodeApi = () => ({
  getState: () => state,
  setState: (s) => { state = s; },
  postMessage: (message) => {
    const posted = performance.now();
    window.weirHarnessRespond(JSON.stringify(message)).then((json) => {
      const answered = performance.now();
      for (const reply of JSON.parse(json)) {
        const t0 = performance.now();
        window.dispatchEvent(new MessageEvent('message', { data: reply }));
        window.__weirTimings.push({ type: reply.type, posted, answered, handled: performance.now() - t0 });
        if (!(reply.type in window.__weirPainted)) {
          window.__weirPainted[reply.type] = -1;
          requestAnimationFrame(() => setTimeout(() => { window.__weirPainted[reply.type] = performance.now(); }, 0));
        }
      }
    });
  },
});
</script>`;
  const html = webviewHtml({ cspSource: origin, scriptUri: `${origin}/${o.kind}.js`, nonce, title: o.kind, state: o.state })
    .replace('<body ', `<body class="vscode-${o.theme ?? 'light'}" `)
    .replace('</head>', `${bootstrap}\n</head>`);
  await page.route(`${origin}/harness.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
  await page.goto(`${origin}/harness.html`);
  return {
    page,
    errors,
    violations: () => page.evaluate(() => (window as unknown as { __weirViolations: string[] }).__weirViolations),
    evalRefused: () => page.evaluate(() => (window as unknown as { __weirEvalRefused: boolean }).__weirEvalRefused),
    async paintedAt(type, timeoutMs = 30_000) {
      const handle = await page.waitForFunction((t) => {
        const v = (window as unknown as { __weirPainted: Record<string, number> }).__weirPainted[t];
        return v !== undefined && v >= 0 ? v : false;
      }, type, { timeout: timeoutMs, polling: 5 });
      return (await handle.jsonValue()) as number;
    },
    async close() {
      await context.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
