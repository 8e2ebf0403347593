import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HostMessage, WebviewMessage } from '../../../webview/src/protocol';
import {
  classificationChartsFixture,
  compareFixture,
  modelCardFixture,
  previewInfoFixture,
  previewPageFixture,
  previewProfileFixture,
  runDetailsFixture,
} from '../../../webview/src/testing/fixtures';
import { closeHarnessBrowser, openHarness } from './browserHarness';

/**
 * The built bundles under the real Content-Security-Policy in Chromium: every view renders
 * (charts included, which is where `unsafe-eval` would be needed without vega-interpreter)
 * and the page reports no CSP violation and no error. Needs `npm run build` (which
 * `npm test` runs) and Chromium at /usr/bin/chromium (or WEIR_CHROMIUM).
 */
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const chromium = process.env.WEIR_CHROMIUM ?? '/usr/bin/chromium';
const haveBundles = existsSync(path.join(repoRoot, 'dist/webview/runDetails.js'));

function fixtureHost(message: WebviewMessage): HostMessage[] {
  switch (message.type) {
    case 'ready':
      return [];
    case 'requestStepLog':
      return [{ type: 'stepLog', step: message.step, text: 'line 1\nline 2', truncated: false }];
    case 'requestTrialCharts':
      return [{ type: 'trialCharts', step: message.step, iteration: message.iteration, charts: classificationChartsFixture() }];
    case 'requestPage':
      return [{ type: 'previewPage', page: previewPageFixture(message.offset, message.limit) }];
    case 'requestProfile':
      return [{ type: 'previewProfile', profile: previewProfileFixture() }];
    default:
      return [];
  }
}

describe.skipIf(!existsSync(chromium) || !haveBundles)('webviews under the strict CSP in Chromium', () => {
  afterAll(closeHarnessBrowser);

  it('run details draws the graph, leaderboard and a ROC chart with no CSP violation', async () => {
    const harness = await openHarness({
      repoRoot,
      kind: 'runDetails',
      state: { kind: 'runDetails', runId: 'run-0001-abcdef', automlTab: 2 },
      respond: (m) => (m.type === 'ready' ? [{ type: 'runDetails', data: runDetailsFixture(20) }] : fixtureHost(m)),
    });
    try {
      const page = harness.page;
      await page.waitForSelector('.pipeline-graph [data-node="train"][data-status="Completed"]');
      expect(await page.locator('.leaderboard tbody tr').count()).toBe(20);
      await page.waitForSelector('.chart-roc svg path', { timeout: 15_000 });
      await page.waitForSelector('.chart-confusion-normalized svg', { timeout: 15_000 });
      expect(await harness.violations()).toEqual([]);
      expect(harness.errors).toEqual([]);
      // The policy is really in force (a malformed one would let everything through and
      // report nothing): eval is refused, and a script without the nonce is blocked.
      // Code the page itself runs (code evaluated from DevTools, as page.evaluate is, is
      // exempt from the policy): the harness page’s own nonce’d script tried eval at load.
      expect(await harness.evalRefused()).toBe(true);
      await page.evaluate(() => {
        const tag = document.createElement('script');
        tag.textContent = 'window.__injected = true';
        document.body.appendChild(tag);
      });
      await expect.poll(() => harness.violations()).toContainEqual(expect.stringMatching(/^script-src/));
      expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
    } finally {
      await harness.close();
    }
  });

  it('data preview, model card and comparison render with no CSP violation', async () => {
    const cases = [
      { kind: 'dataPreview' as const, state: { kind: 'dataPreview' as const, target: { dataset: 'flights', version: 1 } }, first: { type: 'previewInfo' as const, info: previewInfoFixture() }, selector: '.vt-body .vt-row[data-row="0"]:not(.pending)' },
      { kind: 'modelCard' as const, state: { kind: 'modelCard' as const, name: 'TitanicSurvivalInitial' }, first: { type: 'modelCard' as const, data: modelCardFixture() }, selector: '.importances .bar-fill' },
      { kind: 'compareRuns' as const, state: { kind: 'compareRuns' as const, runIds: ['a', 'b', 'c'] }, first: { type: 'compareRuns' as const, runs: compareFixture() }, selector: '.chart-parallel svg path' },
    ];
    for (const c of cases) {
      const harness = await openHarness({ repoRoot, kind: c.kind, state: c.state, respond: (m) => (m.type === 'ready' ? [c.first as HostMessage] : fixtureHost(m)) });
      try {
        await harness.page.waitForSelector(c.selector, { timeout: 15_000 });
        expect(await harness.violations(), c.kind).toEqual([]);
        expect(harness.errors, c.kind).toEqual([]);
      } finally {
        await harness.close();
      }
    }
  });
});
