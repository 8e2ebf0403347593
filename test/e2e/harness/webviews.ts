import type { Frame, Page } from 'playwright-core';

/** The workbench's theme kind, from the classes VS Code puts on `.monaco-workbench`. */
export async function workbenchTheme(page: Page): Promise<'light' | 'dark'> {
  const classes = (await page.locator('.monaco-workbench').first().getAttribute('class')) ?? '';
  return /\bvs-dark\b|\bhc-black\b/.test(classes) ? 'dark' : 'light';
}

/**
 * The content frame of the visible webview that has `selector`. VS Code nests each webview
 * in two iframes and rebuilds them when a panel is shown again, so this polls the frames.
 */
export async function webviewFrame(page: Page, selector: string, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (frame.isDetached()) continue;
      const found = await frame
        .locator(selector)
        .first()
        .isVisible()
        .catch(() => false);
      if (found) return frame;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no visible webview shows ${selector} after ${timeoutMs} ms`);
}
