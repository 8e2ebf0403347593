import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewPage } from '../../engine/src/lsp/webviewData';
import type { RunRecord, TrialRecord } from '../../engine/src/store/records';
import { openWorkspace } from '../../engine/src/store/workspace';
import { closeSession, launchVsCode, screenshotOnFailure as failureScreenshot, type VsCode } from './harness/vscode';
import { repoRoot } from './harness/paths';
import { exampleWorkspace } from './harness/workspace';
import { webviewFrame, workbenchTheme } from './harness/webviews';

const cliBundle = path.join(repoRoot, 'dist', 'cli.js');

/**
 * The webviews in a real VS Code (code-server in Chromium, the packaged .vsix): run details
 * of the example run the CLI made (graph with every step's status, one leaderboard row per
 * trial, a drawn ROC chart) and the data preview of a step output (its first rows). What the
 * views show is checked against the workspace store the CLI wrote, read here with the engine.
 * Screenshots in a dark and a light theme go to test-results/e2e/webviews-*.png.
 */
describe('Weir webviews in a real VS Code', () => {
  let vscode: VsCode;
  let workspace: { folder: string; pipelineFile: string; cliRunId: string };
  let run: RunRecord;
  let trials: TrialRecord[];
  let theme: 'light' | 'dark' = 'light';

  beforeAll(async () => {
    workspace = await exampleWorkspace();
    // A second run (everything reused but AutoML, which has no reuse) to compare with the first.
    const second = spawnSync(process.execPath, [cliBundle, 'run', workspace.pipelineFile, '--workspace', workspace.folder, '--no-reuse', '--json'], { encoding: 'utf8', timeout: 180_000 });
    if (second.status !== 0) throw new Error(`second weir run failed: ${second.stderr}`);
    const store = await openWorkspace(workspace.folder);
    try {
      run = await store.getRun(workspace.cliRunId);
      const automl = run.steps.find((s) => s.kind === 'automl');
      trials = automl ? await store.listTrials(run.id, automl.name) : [];
    } finally {
      await store.dispose();
    }
    vscode = await launchVsCode(workspace.folder);
  });

  afterAll(() => closeSession(vscode, workspace?.folder));

  const screenshotOnFailure = (name: string) => failureScreenshot(() => vscode, 'webviews', name);

  it('opens run details: every step with its status, one leaderboard row per trial, a ROC chart', async () => {
    screenshotOnFailure('run-details');
    expect(run.status).toBe('Completed');
    expect(trials.length).toBeGreaterThan(0);
    await vscode.openWeir();
    const experiment = vscode.treeItem(/^Experiment penguins, 2 runs$/);
    await experiment.waitFor({ timeout: 60_000 });
    if ((await experiment.getAttribute('aria-expanded')) !== 'true') await experiment.click();
    // Clicking a run's label opens its details.
    await vscode.treeItem(new RegExp(`^Run ${escapeRegExp(run.id)} `)).click();
    const view = await webviewFrame(vscode.page, '.pipeline-graph');

    for (const step of run.steps) {
      await view.locator(`.pipeline-graph [data-node="${step.name}"][data-status="${step.status}"]`).waitFor({ timeout: 30_000 });
    }
    expect(await view.locator('.pipeline-graph .graph-node.kind-step').count()).toBe(run.steps.length);

    await view.locator('.leaderboard[data-complete="true"]').waitFor({ timeout: 30_000 });
    expect(await view.locator('.leaderboard tbody tr').count()).toBe(trials.length);
    const shownIterations = (await view.locator('.leaderboard tbody tr').evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.iteration)))).sort((a, b) => a - b);
    expect(shownIterations).toEqual(trials.map((t) => t.iteration).sort((a, b) => a - b));
    theme = await workbenchTheme(vscode.page);
    await vscode.screenshot(`webviews-01-run-details-${theme}`);

    await view.locator('vscode-tab-header', { hasText: 'Charts' }).click();
    await view.locator('.chart-roc svg .mark-line path').first().waitFor({ timeout: 60_000 });
    expect(await view.locator('.chart-roc svg .mark-line path').count()).toBeGreaterThan(0);
    await view.locator('[data-chart="confusion-counts"] svg').waitFor({ timeout: 30_000 });
    await view.locator('.chart-roc').scrollIntoViewIfNeeded();
    await vscode.screenshot(`webviews-02-charts-${theme}`);
  });

  it('previews a step output: the first rows of the table', async () => {
    screenshotOnFailure('data-preview');
    const details = await webviewFrame(vscode.page, '.pipeline-graph');
    const step = run.steps.find((s) => Object.values(s.outputs).some((o) => o.kind === 'parquet'))!;
    const output = Object.entries(step.outputs).find(([, o]) => o.kind === 'parquet')![0];
    await details.locator(`.pipeline-graph [data-node="${step.name}"]`).click();
    await details.locator(`.step-detail[data-step="${step.name}"] .preview-output`).first().click();

    const preview = await webviewFrame(vscode.page, '.virtual-table');
    await preview.locator('.vt-body .vt-row[data-row="0"]:not(.pending)').waitFor({ timeout: 60_000 });
    const store = await openWorkspace(workspace.folder);
    const expected = await previewPage(store, { runId: run.id, step: step.name, output }, 0, 3).finally(() => store.dispose());
    for (let r = 0; r < expected.count; r++) {
      const cells = await preview.locator(`.vt-body .vt-row[data-row="${r}"] .vt-cell`).allInnerTexts();
      expect(cells[0]).toBe(String(r + 1));
      expected.columns.forEach((_, c) => {
        const v = expected.values[c][r];
        if (v === null) expect(cells[c + 1]).toBe('null');
        else if (typeof v === 'number') expect(Number(cells[c + 1].replace(/,/g, ''))).toBeCloseTo(v, 4);
        else expect(cells[c + 1]).toBe(String(v));
      });
    }
    await vscode.screenshot(`webviews-03-data-preview-${theme}`);
  });

  it('follows the theme: the views look right in the other theme too', async () => {
    screenshotOnFailure('other-theme');
    const before = await workbenchTheme(vscode.page);
    const preview = await webviewFrame(vscode.page, '.virtual-table');
    const colorBefore = await preview.locator('body').evaluate((b) => getComputedStyle(b).color);
    await vscode.runCommand('Preferences: Toggle between Light/Dark Themes');
    await expect.poll(() => workbenchTheme(vscode.page), { timeout: 30_000 }).not.toBe(before);
    const after = await workbenchTheme(vscode.page);
    // The theme reaches the page as CSS variables: light text on dark, dark text on light.
    await expect
      .poll(async () => luminance(await (await webviewFrame(vscode.page, '.virtual-table')).locator('body').evaluate((b) => getComputedStyle(b).color)), { timeout: 30_000 })
      .toSatisfy((l: number) => (after === 'dark' ? l > 0.5 : l < 0.5));
    expect(luminance(colorBefore) > 0.5).toBe(before === 'dark');
    await vscode.screenshot(`webviews-04-data-preview-${after}`);
    await vscode.page.locator('.tab', { hasText: /^Run: / }).first().click();
    const details = await webviewFrame(vscode.page, '.pipeline-graph');
    // The panel came back from its saved state (the last selected step); show the AutoML step again.
    const automl = run.steps.find((s) => s.kind === 'automl')!;
    await details.locator(`.pipeline-graph [data-node="${automl.name}"]`).click();
    // The Charts tab was the last one shown, so it is the one restored; the leaderboard is there, hidden.
    await details.locator('.leaderboard[data-complete="true"]').waitFor({ state: 'attached', timeout: 30_000 });
    await details.locator('vscode-tab-header', { hasText: 'Leaderboard' }).click();
    await details.locator('.leaderboard').waitFor({ timeout: 30_000 });
    await vscode.screenshot(`webviews-05-run-details-${after}`);
    await details.locator('vscode-tab-header', { hasText: 'Charts' }).click();
    await details.locator('.chart-roc svg .mark-line path').first().waitFor({ timeout: 60_000 });
    await details.locator('.chart-roc').scrollIntoViewIfNeeded();
    await vscode.screenshot(`webviews-06-charts-${after}`);
  });

  it('opens the model card of the registered model: inputs, importances, lineage to the run', async () => {
    screenshotOnFailure('model-card');
    const store = await openWorkspace(workspace.folder);
    const [model] = await store.listModels().finally(() => store.dispose());
    // Both runs registered a version; the card shows the latest, whose lineage is the second run.
    expect(model.lineage?.runId).toBeTruthy();
    await vscode.runCommand('Weir: Open Model Card');
    await vscode.page.locator('.quick-input-list .monaco-list-row', { hasText: model.name }).first().waitFor({ timeout: 30_000 });
    await vscode.page.keyboard.press('Enter');
    const card = await webviewFrame(vscode.page, '.lineage');
    expect(await card.locator('h1').innerText()).toContain(model.name);
    expect(await card.locator('.lineage .run-link').innerText()).toBe(model.lineage!.runId);
    expect(await card.locator('.model-version').innerText()).toBe(`version ${model.version}`);
    expect(await card.locator('.input-schema tbody tr').count()).toBeGreaterThan(0);
    expect(await card.locator('.importances .bar-fill').count()).toBeGreaterThan(0);
    await vscode.screenshot(`webviews-07-model-card-${await workbenchTheme(vscode.page)}`);
  });

  it('compares two runs: parameters, metrics and every trial in one chart', async () => {
    screenshotOnFailure('compare');
    await vscode.runCommand('Weir: Compare Runs');
    // The run picker's rows read `experiment · time` (the palette's own rows may linger a moment).
    const rows = vscode.page.locator('.quick-input-list .monaco-list-row', { hasText: 'penguins ·' });
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
    // In a multi-select pick, clicking a row ticks it.
    await rows.nth(0).click();
    await rows.nth(1).click();
    await vscode.page.keyboard.press('Enter');
    const compare = await webviewFrame(vscode.page, '.compare-parameters');
    expect(await compare.locator('.compare-parameters thead th').count()).toBe(3);
    await compare.locator('.chart-parallel svg .mark-line path').first().waitFor({ timeout: 60_000 });
    const store = await openWorkspace(workspace.folder);
    const second = (await store.listRuns()).find((r) => r.id !== run.id)!;
    const secondTrials = await store.listTrials(second.id, 'train').finally(() => store.dispose());
    // One line per trial of both runs (Vega draws a line mark per trial).
    expect(await compare.locator('.chart-parallel svg .mark-line path').count()).toBe(trials.length + secondTrials.length);
    await vscode.screenshot(`webviews-08-compare-${await workbenchTheme(vscode.page)}`);
  });

  it('follows a run a CLI in a terminal is executing, live', async () => {
    screenshotOnFailure('live');
    // An experiment name of its own per attempt, so a retry never picks an earlier attempt's run.
    const experiment = `slow${Date.now().toString(36)}`;
    const slow = path.join(workspace.folder, `${experiment}.pipeline.yaml`);
    writeFileSync(slow, `name: ${experiment}\nexperiment: ${experiment}\nsteps:\n  wait:\n    script: sleep 12\n`);
    const cli = spawn(process.execPath, [cliBundle, 'run', slow, '--workspace', workspace.folder], { stdio: 'ignore' });
    try {
      // The run exists once the CLI has created it; open its details while it runs.
      await expect.poll(async () => runsOf(workspace.folder, experiment), { timeout: 30_000 }).toBe(1);
      await pickRunDetails(experiment);
      const details = await webviewFrame(vscode.page, '.pipeline-graph [data-node="wait"]');
      await details.locator('.pipeline-graph [data-node="wait"][data-status="Running"]').waitFor({ timeout: 30_000 });
      await vscode.screenshot(`webviews-09-live-running-${await workbenchTheme(vscode.page)}`);
      // Nobody touches the panel: the engine sees the CLI's writes and the view redraws.
      await details.locator('.pipeline-graph [data-node="wait"][data-status="Completed"]').waitFor({ timeout: 60_000 });
      await details.locator('[data-run-status="Completed"]').waitFor({ timeout: 30_000 });
    } finally {
      cli.kill();
    }
  });

  /**
   * Opens the details of the experiment's run through the command palette's run picker, by the
   * keyboard: the picker filtered to the experiment, Enter. A quick pick closes when something
   * else takes the focus (a webview that finishes loading may), so a picker that closed before
   * Enter is opened again, up to three times.
   */
  async function pickRunDetails(experiment: string): Promise<void> {
    const tab = vscode.page.locator('.tab', { hasText: `Run: ${experiment} ` }).first();
    for (let attempt = 1; ; attempt++) {
      await vscode.runCommand('Weir: Open Run Details');
      try {
        const picker = vscode.page.locator('.quick-input-widget', { hasText: 'Open which run?' });
        await picker.locator('.quick-input-list .monaco-list-row', { hasText: `${experiment} ·` }).first().waitFor({ timeout: 15_000 });
        await picker.locator('input.input').fill(experiment);
        await picker.locator('.quick-input-list .monaco-list-row.focused', { hasText: `${experiment} ·` }).waitFor({ timeout: 5_000 });
        await vscode.page.keyboard.press('Enter');
        await tab.waitFor({ timeout: 15_000 });
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  }

  it('brings the panels back after a window reload, on the same step and tab', async () => {
    screenshotOnFailure('reload');
    // VS Code's own reload runs the shutdown that saves editors and webview state (a bare
    // browser reload may not finish saving them).
    await vscode.runCommand('Developer: Reload Window');
    await vscode.page.waitForEvent('load', { timeout: 60_000 });
    await vscode.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // Each panel the serializer revives from the state its page saved, as its tab is shown.
    await vscode.page.locator('.tab', { hasText: /^Compare / }).first().click();
    await (await webviewFrame(vscode.page, '.compare-parameters', 90_000)).locator('.chart-parallel svg').waitFor({ timeout: 60_000 });
    await vscode.page.locator('.tab', { hasText: /^Run: penguins / }).first().click();
    const details = await webviewFrame(vscode.page, '.pipeline-graph', 90_000);
    const automl = run.steps.find((s) => s.kind === 'automl')!;
    await details.locator(`.step-detail[data-step="${automl.name}"]`).waitFor({ timeout: 30_000 });
    await details.locator('.chart-roc svg .mark-line path').first().waitFor({ timeout: 60_000 });
    await vscode.page.locator('.tab', { hasText: /^Preview: / }).first().click();
    const preview = await webviewFrame(vscode.page, '.virtual-table', 60_000);
    await preview.locator('.vt-body .vt-row[data-row="0"]:not(.pending)').waitFor({ timeout: 60_000 });
    await vscode.screenshot('webviews-10-after-reload');
  });
});

async function runsOf(folder: string, experiment: string): Promise<number> {
  const store = await openWorkspace(folder);
  try {
    return (await store.listRuns({ experiment })).length;
  } finally {
    await store.dispose();
  }
}

function luminance(cssColor: string): number {
  const [r, g, b] = (cssColor.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0']).slice(0, 3).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
