import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchVsCode, type VsCode } from './harness/vscode';

/** The walkthrough's path from an empty folder: the welcome view's button, the example, a first run. */
describe('Weir from an empty folder', () => {
  let vscode: VsCode;
  let folder: string;

  beforeAll(async () => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'weir-e2e-empty-'));
    vscode = await launchVsCode(folder);
  });

  afterAll(async () => {
    await vscode?.screenshot('getting-started-end').catch(() => undefined);
    await vscode?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('creates the example from the welcome view and runs it', async () => {
    onTestFailed(async () => {
      await vscode?.screenshot('failed-getting-started').catch(() => undefined);
    });
    const { page } = vscode;
    await vscode.openWeir();
    const create = page.getByRole('button', { name: 'Create Example Pipeline' });
    await create.waitFor({ timeout: 60_000 });
    await vscode.screenshot('10-welcome');
    await create.click();
    await page.locator('.tab.active', { hasText: 'penguins.pipeline.yaml' }).waitFor({ timeout: 60_000 });
    expect(existsSync(path.join(folder, 'data', 'penguins.json'))).toBe(true);

    const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Run pipeline' });
    await lens.waitFor({ timeout: 60_000 });
    await lens.click();
    const defaults = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Run with defaults' });
    if (await defaults.waitFor({ timeout: 3000 }).then(() => true, () => false)) await page.keyboard.press('Enter');
    await page.locator('.notification-toast', { hasText: /penguins completed in/ }).waitFor({ timeout: 150_000 });
    await vscode.openWeir();
    await vscode.treeItem(/^Experiment penguins, 1 run$/).waitFor({ timeout: 30_000 });
    // The CodeLens follows the run to its end.
    await page.locator('.monaco-editor .codelens-decoration', { hasText: /Last run: ✓ Completed in/ }).waitFor({ timeout: 30_000 });
    await vscode.screenshot('11-first-run');
  });
});
