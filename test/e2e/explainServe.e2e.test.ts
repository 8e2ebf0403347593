import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion, RunRecord } from '../../engine/src/store/records';
import { openWorkspace } from '../../engine/src/store/workspace';
import { closeSession, launchVsCode, screenshotOnFailure as failureScreenshot, type VsCode } from './harness/vscode';
import { webviewFrame, workbenchTheme } from './harness/webviews';
import { exampleWorkspace } from './harness/workspace';

/**
 * After AutoML, in a real VS Code (code-server in Chromium, the packaged .vsix), on the example
 * run the CLI made: the Explanations tab of run details draws one importance bar per raw
 * column of the registered model (checked against the model folder's explanations.json), and
 * "Serve Model" on a model version in the Models view starts a server that answers the
 * model card's `curl` example, run as the card shows it; an alias set beforehand shows on the
 * Models view's rows and in the card's title. Screenshots go to
 * test-results/e2e/explain-*.png.
 */
describe('Explanations and serving in a real VS Code', () => {
  let vscode: VsCode;
  let workspace: { folder: string; pipelineFile: string; cliRunId: string };
  let model: ModelVersion;
  let rawColumns: string[];
  let classes: string[];
  let run: RunRecord;

  beforeAll(async () => {
    workspace = await exampleWorkspace();
    const store = await openWorkspace(workspace.folder);
    try {
      [model] = await store.listModels();
      run = await store.getRun(workspace.cliRunId);
      const explanations = JSON.parse(readFileSync(path.join(store.artifactPath(model.artifact), 'explanations.json'), 'utf8')) as { global: { raw: { name: string }[] }; outputs: string[] };
      rawColumns = explanations.global.raw.map((g) => g.name);
      classes = explanations.outputs;
      // An alias, as `weir model alias set` in a terminal would set it: the Models view and the card show it.
      await store.setModelAlias(model.name, 'champion', model.version);
    } finally {
      await store.dispose();
    }
    vscode = await launchVsCode(workspace.folder);
  });

  afterAll(() => closeSession(vscode, workspace?.folder));

  const screenshotOnFailure = (name: string) => failureScreenshot(() => vscode, 'explain', name);

  /** Run details of the CLI's run, opened from the Experiments view. */
  async function openRunDetails() {
    await vscode.openWeir();
    const experiment = vscode.treeItem(/^Experiment penguins, 1 run$/);
    await experiment.waitFor({ timeout: 60_000 });
    if ((await experiment.getAttribute('aria-expanded')) !== 'true') await experiment.click();
    await vscode.treeItem(new RegExp(`^Run ${workspace.cliRunId} `)).click();
    return webviewFrame(vscode.page, '.pipeline-graph');
  }

  it('shows a bar per raw column in the Explanations tab of run details', async () => {
    screenshotOnFailure('explanations');
    expect(rawColumns.length).toBeGreaterThan(1);
    const details = await openRunDetails();
    await details.locator(`.pipeline-graph [data-node="${model.lineage!.step}"]`).click();
    await details.locator('vscode-tab-header', { hasText: 'Explanations' }).click();
    const bars = details.locator('.chart-explain-global svg .mark-rect path');
    await bars.first().waitFor({ timeout: 60_000 });
    // The chart shows at most 20 bars; the example's model has fewer raw columns than that.
    expect(await bars.count()).toBe(Math.min(20, rawColumns.length));
    const labels = await details.locator('.chart-explain-global svg .role-axis-label text').allTextContents();
    expect(labels.filter((l) => rawColumns.includes(l)).sort()).toEqual([...rawColumns].sort().slice(0, 20));
    // The dot plot and the waterfall of the first sampled row are drawn too.
    await details.locator('.chart-explain-dots svg .mark-symbol path').first().waitFor({ timeout: 30_000 });
    await details.locator('.chart-explain-waterfall svg .mark-rect path').first().waitFor({ timeout: 30_000 });
    await details.locator('.chart-explain-global').scrollIntoViewIfNeeded();
    await vscode.screenshot(`explain-01-explanations-${await workbenchTheme(vscode.page)}`);
    await details.locator('.chart-explain-waterfall').scrollIntoViewIfNeeded();
    await vscode.screenshot(`explain-02-waterfall-${await workbenchTheme(vscode.page)}`);
  });

  it('serves a model version from the Models view; the server answers the model card curl example', async () => {
    screenshotOnFailure('serve');
    await vscode.openWeir();
    const modelRow = vscode.page.locator(`.monaco-list-row[aria-level="1"][aria-label^="Model ${model.name} "]`);
    await modelRow.waitFor({ timeout: 60_000 });
    if ((await modelRow.getAttribute('aria-expanded')) !== 'true') await modelRow.locator('.monaco-tl-twistie').click();
    // The rows carry the aliases on their version.
    expect(await modelRow.getAttribute('aria-label')).toBe(`Model ${model.name} version ${model.version} @champion`);
    const versionRow = vscode.page.locator(`.monaco-list-row[aria-level="2"][aria-label="Model ${model.name} version ${model.version} @champion"]`);
    await versionRow.waitFor({ timeout: 30_000 });
    expect(await versionRow.locator('.label-description').innerText()).toMatch(/^@champion · /);
    await versionRow.click({ button: 'right' });
    // The context menu ignores a click that comes right after it opened; hovering focuses the
    // entry and Enter runs it, as a keyboard user would.
    const serve = vscode.page.locator('.monaco-menu .action-item', { hasText: 'Serve Model' }).first();
    await serve.hover();
    await expect.poll(() => serve.evaluate((e) => e.classList.contains('focused')), { timeout: 10_000 }).toBe(true);
    await vscode.page.keyboard.press('Enter');

    const toast = vscode.page.locator('.notification-toast', { hasText: `serving ${model.name}:${model.version} at` });
    await toast.waitFor({ timeout: 90_000 });
    const url = /(http:\/\/127\.0\.0\.1:\d+)\/invocations/.exec(await toast.innerText())![1]!;
    // The server runs in a terminal VS Code started (on its own Node, with the bundled CLI).
    expect(vscode.descendantsMatching('model\0serve\0').length).toBeGreaterThan(0);
    await vscode.page.locator('.terminal-tab, .single-terminal-tab', { hasText: `serve ${model.name}:${model.version}` }).first().waitFor({ timeout: 30_000 }).catch(() => undefined);
    await vscode.screenshot(`explain-03-serving-${await workbenchTheme(vscode.page)}`);

    await vscode.runCommand('Weir: Open Model Card');
    await vscode.page.locator('.quick-input-list .monaco-list-row', { hasText: model.name }).first().waitFor({ timeout: 30_000 });
    await vscode.page.keyboard.press('Enter');
    const card = await webviewFrame(vscode.page, '.curl-example');
    expect(await card.locator('h1 .model-alias').allInnerTexts()).toEqual(['@champion']);
    const curl = await card.locator('.curl-example').innerText();
    expect(curl).toContain('http://127.0.0.1:5000/invocations');
    // The card's example calls port 5000, which the server takes when it is free; otherwise the
    // server said which port it took.
    const command = curl.replace('http://127.0.0.1:5000', url);
    const answer = spawnSync('bash', ['-c', command], { encoding: 'utf8', timeout: 30_000 });
    expect(answer.status, answer.stderr).toBe(0);
    const body = JSON.parse(answer.stdout) as { predictions: unknown[] };
    expect(body.predictions).toHaveLength(1);
    expect(classes).toContain(String(body.predictions[0]));
    await card.locator('.curl-example').scrollIntoViewIfNeeded();
    await vscode.screenshot(`explain-04-model-card-serve-${await workbenchTheme(vscode.page)}`);
  });

  it('explains a row picked in the data preview on the model card', async () => {
    screenshotOnFailure('pick-row');
    // A step output holding every column the model reads (the table the model was trained on).
    const found = run.steps.flatMap((st) => Object.entries(st.outputs).map(([output, ref]) => ({ step: st.name, output, ref }))).find(({ ref }) => ref.kind === 'parquet' && rawColumns.every((c) => ref.schema?.some((col) => col.name === c)))!;
    expect(found).toBeTruthy();
    const details = await openRunDetails();
    await details.locator(`.pipeline-graph [data-node="${found.step}"]`).click();
    await details.locator(`.step-detail[data-step="${found.step}"] .preview-output`).first().click();
    const preview = await webviewFrame(vscode.page, '.virtual-table');
    const row = preview.locator('.vt-body .vt-row[data-row="4"]:not(.pending)');
    await row.waitFor({ timeout: 60_000 });
    await row.click();
    await preview.locator('.vt-body .vt-row.selected[data-row="4"]').waitFor({ timeout: 10_000 });
    await vscode.screenshot(`explain-05-preview-row-selected-${await workbenchTheme(vscode.page)}`);
    await preview.locator('.explain-row', { hasText: 'Explain row 5 with a model' }).click();

    // The only registered model is used without asking; its card lists the picked row first.
    const card = await webviewFrame(vscode.page, '.model-explanations');
    const first = card.locator('.model-explanations .explain-row option').first();
    await expect.poll(async () => (await first.textContent()) ?? '', { timeout: 60_000 }).toMatch(/^picked: .* row 5: /);
    expect(await card.locator('.model-explanations .explain-row').evaluate((e) => (e as HTMLSelectElement).selectedIndex)).toBe(0);
    await card.locator('.chart-explain-waterfall svg .mark-rect path').first().waitFor({ timeout: 30_000 });
    // The last step of the waterfall is the row's prediction: as many bars as steps.
    expect(await card.locator('.chart-explain-waterfall svg .mark-rect path').count()).toBeGreaterThan(2);
    await card.locator('.chart-explain-waterfall').scrollIntoViewIfNeeded();
    await vscode.screenshot(`explain-06-picked-row-waterfall-${await workbenchTheme(vscode.page)}`);
  });
});
