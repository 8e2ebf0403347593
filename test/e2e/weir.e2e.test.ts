import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { launchVsCode, type VsCode } from './harness/vscode';
import { exampleWorkspace } from './harness/workspace';

/**
 * The editor as a user meets it: the packaged .vsix in a real VS Code (code-server) in Chromium,
 * on a workspace with Weir's example pipeline and one run made by the CLI beforehand.
 */
describe('Weir in a real VS Code', () => {
  let vscode: VsCode;
  let workspace: { folder: string; pipelineFile: string; cliRunId: string };

  beforeAll(async () => {
    workspace = await exampleWorkspace();
    vscode = await launchVsCode(workspace.folder);
  });

  afterAll(async () => {
    await vscode?.screenshot('99-end').catch(() => undefined);
    await vscode?.close();
    if (workspace) rmSync(workspace.folder, { recursive: true, force: true });
  });

  const screenshotOnFailure = (name: string) =>
    onTestFailed(async () => {
      await vscode?.screenshot(`failed-${name}`).catch(() => undefined);
    });

  it('shows the example experiment in the Weir container', async () => {
    screenshotOnFailure('experiment');
    await vscode.openWeir();
    await vscode.treeItem(/^Experiment penguins, 1 run$/).waitFor({ timeout: 60_000 });
    await vscode.screenshot('01-experiment');
  });

  it('runs the pipeline from the CodeLens and shows the run complete with its step runs', async () => {
    screenshotOnFailure('run');
    await vscode.openFile('penguins.pipeline.yaml');
    const lens = vscode.page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Run pipeline' });
    await lens.waitFor({ timeout: 60_000 });
    await lens.click();
    // With parameters the command asks whether to override them; the defaults are fine.
    const defaults = vscode.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Run with defaults' });
    if (await defaults.waitFor({ timeout: 3000 }).then(() => true, () => false)) await vscode.page.keyboard.press('Enter');

    await vscode.openWeir();
    const experiment = vscode.treeItem(/^Experiment penguins, 2 runs$/);
    await experiment.waitFor({ timeout: 60_000 });
    if ((await experiment.getAttribute('aria-expanded')) !== 'true') await experiment.click();
    const runs = vscode.page.getByRole('treeitem', { name: /^Run \S+ / });
    await expect.poll(() => runs.count(), { timeout: 30_000 }).toBe(2);
    const newest = runs.first();
    const newestId = ((await newest.getAttribute('aria-label')) ?? '').split(' ')[1];
    expect(newestId).not.toBe(workspace.cliRunId);
    await vscode.treeItem(new RegExp(`^Run ${escapeRegExp(newestId)} Completed`)).waitFor({ timeout: 120_000 });
    // Clicking the label opens the run's details; the twistie expands it to its step runs.
    await newest.locator('.monaco-tl-twistie').click();
    await vscode.treeItem(/^Step prep (Completed|Reused)/).waitFor({ timeout: 30_000 });
    await vscode.treeItem(/^Step summary (Completed|Reused)/).waitFor({ timeout: 30_000 });
    // The AutoML step (reused from the CLI's run) lists that run's trials with their metric.
    const train = vscode.treeItem(/^Step train (Completed|Reused)/);
    await train.locator('.monaco-tl-twistie').click();
    await expect.poll(() => vscode.page.getByRole('treeitem', { name: /^Trial \d+ \S+ Completed AUC_weighted 0\.\d+/ }).count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await vscode.screenshot('02-run-completed');
  });

  it('completes metric names for the task as you type', async () => {
    screenshotOnFailure('completion');
    await vscode.openFile('penguins.pipeline.yaml');
    const { page } = vscode;
    const lines = readFileSync(workspace.pipelineFile, 'utf8').split('\n');
    const metricLine = lines.findIndex((l) => /^\s+primary_metric: AUC_weighted$/.test(l)) + 1;
    expect(metricLine, 'the example has an AutoML step with primary_metric').toBeGreaterThan(0);
    // Go to the end of the `primary_metric: AUC_weighted` line and erase the value, as a user would.
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input.input').fill(`:${metricLine}`);
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    for (let i = 0; i < 'AUC_weighted'.length; i++) await page.keyboard.press('Backspace');
    // Ask for completion as a user would, again if the first request raced the edit (the
    // engine may still be busy with the run above); three tries, each waited for properly.
    const suggestions = page.locator('.suggest-widget .monaco-list-row');
    for (let attempt = 1; ; attempt++) {
      await page.keyboard.press('Control+Space');
      try {
        await suggestions.filter({ hasText: 'AUC_weighted' }).first().waitFor({ timeout: 10_000 });
        break;
      } catch (e) {
        if (attempt === 3) throw e;
        await page.keyboard.press('Escape');
      }
    }
    const labels = (await suggestions.allInnerTexts()).join(' ');
    expect(labels).toContain('norm_macro_recall');
    expect(labels).not.toContain('r2_score');
    await vscode.screenshot('03-metric-completion');
    // Accepting one writes it into the line.
    await suggestions.filter({ hasText: 'norm_macro_recall' }).first().click();
    await page.locator('.monaco-editor .view-line', { hasText: 'primary_metric: norm_macro_recall' }).waitFor();
    await vscode.runCommand('File: Revert File');
  });

  it('shows a diagnostic at the line of a broken reference', async () => {
    screenshotOnFailure('diagnostic');
    await vscode.openFile('penguins.pipeline.yaml');
    const { page } = vscode;
    const lineCount = readFileSync(workspace.pipelineFile, 'utf8').split('\n').length;
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+End');
    // The file ends with `outputs:`; a new output naming a step that does not exist.
    await page.keyboard.insertText('  broken: ${{ steps.nope.outputs.y }}\n');
    const brokenLine = lineCount;
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 30_000 });
    await vscode.runCommand('View: Focus Problems');
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'nope' }).first();
    await problem.waitFor({ timeout: 30_000 });
    const text = await problem.innerText();
    expect(text).toContain(`[Ln ${brokenLine}, Col`);
    await vscode.screenshot('04-diagnostic');
    await vscode.runCommand('File: Revert File');
  });

  it('registers a dataset from the Explorer context menu and lists it', async () => {
    screenshotOnFailure('register-dataset');
    const { page } = vscode;
    await vscode.runCommand('View: Show Explorer');
    const file = vscode.treeItem('seattle-weather.csv');
    await file.waitFor({ timeout: 30_000 });
    await file.click({ button: 'right' });
    const item = page.getByRole('menuitem', { name: 'Register Dataset' });
    await item.click();
    const input = page.locator('.quick-input-widget input.input');
    // A click that lands while the menu is still opening only highlights the item; Enter runs it.
    if (!(await input.waitFor({ timeout: 3000 }).then(() => true, () => false))) await page.keyboard.press('Enter');
    await input.waitFor();
    expect(await input.inputValue()).toBe('seattle-weather');
    await page.keyboard.press('Enter');
    await page.locator('.notification-toast', { hasText: 'registered seattle-weather v1' }).waitFor({ timeout: 60_000 });
    await vscode.openWeir();
    await vscode.treeItem(/^Dataset seattle-weather version 1$/).waitFor({ timeout: 30_000 });
    await vscode.screenshot('05-dataset-registered');
  });

  it('restarts the engine when it dies, says so, and keeps working', async () => {
    screenshotOnFailure('engine-restart');
    const engines = vscode.descendantsMatching('dist/server.js');
    expect(engines).toHaveLength(1);
    process.kill(engines[0], 'SIGKILL');
    await vscode.page.locator('.notification-toast', { hasText: 'The Weir engine stopped unexpectedly and was restarted' }).waitFor({ timeout: 60_000 });
    await expect.poll(() => vscode.descendantsMatching('dist/server.js').filter((pid) => pid !== engines[0]).length, { timeout: 60_000 }).toBe(1);
    await vscode.runCommand('Weir: Refresh');
    await vscode.openWeir();
    await vscode.treeItem(/^Experiment penguins, 2 runs$/).waitFor({ timeout: 60_000 });
    await vscode.treeItem(/^Dataset seattle-weather version 1$/).waitFor({ timeout: 60_000 });
    await vscode.screenshot('06-engine-restarted');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
