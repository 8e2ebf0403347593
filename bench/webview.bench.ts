/**
 * Webview benchmark: time to first paint of
 *   - run details of a run with 200 AutoML trials (bar < 500 ms), and
 *   - the first page of a 3,000,000-row data preview (vega-datasets flights-3m.parquet, bar < 1 s),
 * in headless Chromium (/usr/bin/chromium or WEIR_CHROMIUM) loading the built bundles under
 * the extension's CSP. The page's host answers come live from the engine's webview data
 * handlers over a real workspace store and DuckDB, so each first paint includes the engine
 * time; that engine time is also printed on its own. It also scrolls the 3M-row table to the
 * middle and the end and reports how long until those rows are on screen, and the cost of a
 * scroll frame.
 *
 *   npm run bench -- webview            (builds dist/webview/*.js first, as scripts/build.mjs does)
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { closeHarnessBrowser, openHarness } from '../extension/src/webviews/browserHarness';
import { previewInfo, previewPage, previewProfile, runDetails, stepLogTail, trialCharts } from '../engine/src/lsp/webviewData';
import { classificationCharts } from '../engine/src/automl/charts';
import { openWorkspace } from '../engine/src/store/workspace';
import type { WorkspaceStore } from '../engine/src/store/storeApi';
import type { HostMessage, PreviewTarget, WebviewMessage } from '../webview/src/protocol';
import { assertNever } from '../webview/src/protocol';

const repoRoot = path.resolve(__dirname, '..', '..');
const flights = path.join(repoRoot, 'node_modules/vega-datasets/data/flights-3m.parquet');
const repeats = 5;
const trialCount = 200;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function ms(v: number): string {
  return `${v.toFixed(1)} ms`;
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await run();
  return { value, ms: performance.now() - t0 };
}

/** Builds the webview bundles the way scripts/build.mjs does (a computed name keeps esbuild out of this bundle). */
async function buildBundles(): Promise<void> {
  const esbuildName = 'esbuild';
  const { build } = (await import(esbuildName)) as typeof import('esbuild');
  for (const name of ['runDetails', 'dataPreview', 'charts']) {
    await build({
      entryPoints: [path.join(repoRoot, `webview/src/${name}/main.ts`)],
      outfile: path.join(repoRoot, 'dist/webview', `${name}.js`),
      bundle: true,
      sourcemap: true,
      logLevel: 'warning',
      absWorkingDir: repoRoot,
      platform: 'browser',
      target: 'es2022',
      format: 'iife',
      loader: { '.css': 'text' },
    });
  }
}

/** A workspace with one completed run: a 3M-row step output and an AutoML step with `trialCount` trials. */
async function makeWorkspace(root: string): Promise<{ store: WorkspaceStore; runId: string; target: PreviewTarget }> {
  const store = await openWorkspace(root);
  const scratch = await store.makeTempDir('bench');
  const parquet = path.join(scratch, 'flights.parquet');
  await copyFile(flights, parquet);
  const table = await store.putArtifact(parquet, 'parquet');
  const modelDir = path.join(scratch, 'model');
  await mkdir(modelDir);
  const n = 5000;
  const yTrue = Array.from({ length: n }, (_, i) => (i * 7919) % 3 === 0 ? 1 : 0);
  const proba = yTrue.flatMap((y, i) => {
    const p = Math.min(0.99, Math.max(0.01, 0.3 + 0.4 * y + (((i * 104729) % 100) / 100 - 0.5) * 0.6));
    return [1 - p, p];
  });
  await writeFile(path.join(modelDir, 'charts.json'), JSON.stringify(classificationCharts({ yTrue, proba, classes: ['0', '1'] })));
  await writeFile(
    path.join(modelDir, 'model.json'),
    JSON.stringify({ format: 'weir-automl', version: 1, task: 'classification', primaryMetric: 'AUC_weighted', iteration: 7, algorithm: 'XGBoostClassifier', metrics: {}, featurizer: { version: 1, inputSchema: [], featureNames: [], columns: [] } }),
  );
  await writeFile(path.join(modelDir, 'guardrails.json'), JSON.stringify([{ name: 'Class balancing detection', status: 'Passed', description: 'balanced' }]));
  await writeFile(path.join(modelDir, 'importances.json'), JSON.stringify(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`feature_${i}`, 1 / (i + 1)]))));
  const model = await store.putArtifact(modelDir, 'model');
  const run = await store.createRun({
    experiment: 'bench',
    pipelineName: 'flights-automl',
    pipelineFile: 'missing.pipeline.yaml',
    parameters: { model_name: 'Flights' },
    outputs: {},
    steps: [
      { name: 'dataprep', kind: 'sql', status: 'Completed', outputs: { prepped: table }, metrics: {} },
      { name: 'train', kind: 'automl', status: 'Completed', outputs: { model }, metrics: { AUC_weighted: 0.9 }, trialCount },
      { name: 'register', kind: 'register_model', status: 'Completed', outputs: {}, metrics: {} },
    ],
  });
  const algorithms = ['XGBoostClassifier', 'LogisticRegression', 'DecisionTree', 'RandomForest'];
  for (let i = 0; i < trialCount; i++) {
    const auc = 0.7 + ((i * 37) % 100) / 500;
    await store.addTrial(run.id, 'train', {
      iteration: i,
      algorithm: i >= trialCount - 2 ? 'VotingEnsemble' : algorithms[i % algorithms.length],
      hyperparameters: { learning_rate: 0.01 + (i % 10) / 40, max_depth: 2 + (i % 8), n_estimators: 10 + i },
      status: 'Completed',
      metrics: Object.fromEntries(['AUC_weighted', 'accuracy', 'log_loss', 'f1_score_weighted', 'precision_score_weighted', 'recall_score_weighted', 'norm_macro_recall', 'balanced_accuracy', 'matthews_correlation', 'average_precision_score_weighted'].map((m, k) => [m, auc - k * 0.01])),
      startedAt: new Date().toISOString(),
      durationMs: 100 + i,
    });
  }
  await store.appendLog(run.id, 'train', Array.from({ length: 2000 }, (_, i) => `iteration ${i} done`).join('\n'));
  return { store, runId: run.id, target: { runId: run.id, step: 'dataprep', output: 'prepped' } };
}

/** The extension host's part, answered from the engine's handlers in this process. */
function engineHost(store: WorkspaceStore, runId: string, target: PreviewTarget) {
  return async (m: WebviewMessage): Promise<HostMessage[]> => {
    switch (m.type) {
      case 'ready':
        return [];
      case 'requestStepLog': {
        const log = await stepLogTail(store, runId, m.step);
        return [{ type: 'stepLog', step: m.step, text: log.text, truncated: log.truncated }];
      }
      case 'requestTrialCharts':
        return [{ type: 'trialCharts', step: m.step, iteration: m.iteration, charts: await trialCharts(store, runId, m.step, m.iteration) }];
      case 'requestPage':
        return [{ type: 'previewPage', page: await previewPage(store, target, m.offset, m.limit) }];
      case 'requestProfile':
        return [{ type: 'previewProfile', profile: await previewProfile(store, target) }];
      case 'openPreview':
      case 'openModelCard':
      case 'predictOnFile':
      case 'openRunDetails':
      case 'openDataset':
      case 'showVersion':
      case 'serveModel':
      case 'copyText':
      case 'explainRow':
        return [];
      default:
        return assertNever(m);
    }
  };
}

async function main(): Promise<void> {
  await buildBundles();
  const root = await mkdtemp(path.join(os.tmpdir(), 'weir-webview-bench-'));
  try {
    const { store, runId, target } = await makeWorkspace(root);
    const host = engineHost(store, runId, target);

    // Engine side alone: what the language server spends before anything crosses to the editor.
    const engineDetails: number[] = [];
    const engineFirstPage: number[] = [];
    let coldFirstPage = 0;
    for (let i = 0; i < repeats; i++) {
      engineDetails.push((await timed(() => runDetails(store, runId))).ms);
      const page = await timed(async () => {
        await previewInfo(store, target);
        return previewPage(store, target, 0, 200);
      });
      if (i === 0) coldFirstPage = page.ms;
      engineFirstPage.push(page.ms);
    }
    const deepPage = median(await Promise.all([1_500_000, 2_999_800].map(async (o) => (await timed(() => previewPage(store, target, o, 200))).ms)));
    const profile = await timed(() => previewProfile(store, target));

    // Browser: navigation start → the frame after the first data message was drawn.
    const detailsPaint: number[] = [];
    let leaderboardRows = 0;
    let violations: string[] = [];
    for (let i = 0; i < repeats; i++) {
      const harness = await openHarness({
        repoRoot,
        kind: 'runDetails',
        state: { kind: 'runDetails', runId },
        respond: async (m) => (m.type === 'ready' ? [{ type: 'runDetails', data: await runDetails(store, runId) }] : host(m)),
      });
      detailsPaint.push(await harness.paintedAt('runDetails'));
      await harness.page.waitForSelector('.leaderboard[data-complete="true"]');
      leaderboardRows = await harness.page.locator('.leaderboard tbody tr').count();
      violations = violations.concat(await harness.violations(), harness.errors);
      await harness.close();
    }

    const previewPaint: number[] = [];
    const scrollMiddle: number[] = [];
    const scrollEnd: number[] = [];
    let frame = { mean: 0, max: 0 };
    for (let i = 0; i < repeats; i++) {
      const harness = await openHarness({
        repoRoot,
        kind: 'dataPreview',
        state: { kind: 'dataPreview', target },
        respond: async (m) => (m.type === 'ready' ? [{ type: 'previewInfo', info: await previewInfo(store, target) }] : host(m)),
      });
      previewPaint.push(await harness.paintedAt('previewPage'));
      const page = harness.page;
      await page.waitForSelector('.vt-row[data-row="0"]:not(.pending)');
      // Jump to the middle and to the end (scrollbar drags) and time until those rows show real values.
      for (const [fraction, out] of [[0.5, scrollMiddle], [1, scrollEnd]] as const) {
        const t = await page.evaluate(async (f) => {
          const scroller = document.querySelector<HTMLElement>('.vt-scroller')!;
          const rows = Number(document.querySelector<HTMLElement>('.virtual-table')!.dataset.rows);
          const visible = Math.floor(scroller.clientHeight / 22);
          const target = Math.floor((rows - visible) * f * 0.99);
          const t0 = performance.now();
          scroller.scrollTop = (scroller.scrollHeight - scroller.clientHeight) * f;
          await new Promise<void>((resolve) => {
            const check = () => {
              const shown = [...document.querySelectorAll<HTMLElement>('.vt-body .vt-row:not([hidden])')];
              const arrived = shown.length > 0 && Number(shown[0].dataset.row) >= target && shown.every((r) => !r.classList.contains('pending'));
              if (arrived) resolve();
              else requestAnimationFrame(check);
            };
            requestAnimationFrame(check);
          });
          return performance.now() - t0;
        }, fraction);
        out.push(t);
      }
      if (i === 0) {
        const lastRow = await page.locator('.vt-body .vt-row:not([hidden])').last().getAttribute('data-row');
        if (lastRow !== '2999999') throw new Error(`scrolled to the end but the last row shown is ${lastRow}`);
        // Steady wheel scrolling: 120 steps of 600 px; the table's own work per frame (updating the visible rows).
        frame = await page.evaluate(async () => {
          const scroller = document.querySelector<HTMLElement>('.vt-scroller')!;
          const table = document.querySelector<HTMLElement>('.virtual-table')!;
          scroller.scrollTop = 0;
          const times: number[] = [];
          for (let k = 0; k < 120; k++) {
            scroller.scrollTop += 600;
            await new Promise((r) => requestAnimationFrame(r));
            await new Promise((r) => requestAnimationFrame(r));
            times.push(Number(table.dataset.renderMs));
          }
          return { mean: times.reduce((a, b) => a + b, 0) / times.length, max: Math.max(...times) };
        });
      }
      violations = violations.concat(await harness.violations(), harness.errors);
      await harness.close();
    }
    await closeHarnessBrowser();
    await store.dispose();

    const details = median(detailsPaint);
    const preview = median(previewPaint);
    console.log(`run details, ${trialCount} trials (${leaderboardRows} leaderboard rows drawn)`);
    console.log(`  engine runDetails():            median ${ms(median(engineDetails))} of ${repeats}`);
    console.log(`  first paint in Chromium:        median ${ms(details)} (runs: ${detailsPaint.map((v) => v.toFixed(0)).join(', ')} ms)  bar 500 ms → ${(details / 500).toFixed(2)}× the bar`);
    console.log(`data preview, flights-3m.parquet (3,000,000 rows)`);
    console.log(`  engine info + first 200 rows:   median ${ms(median(engineFirstPage))} (cold, first DuckDB use: ${ms(coldFirstPage)})`);
    console.log(`  engine page at row 1.5M / 3M:   median ${ms(deepPage)}`);
    console.log(`  engine profile (all columns):   ${ms(profile.ms)}`);
    console.log(`  first page painted in Chromium: median ${ms(preview)} (runs: ${previewPaint.map((v) => v.toFixed(0)).join(', ')} ms)  bar 1000 ms → ${(preview / 1000).toFixed(2)}× the bar`);
    console.log(`  jump to the middle / end:       median ${ms(median(scrollMiddle))} / ${ms(median(scrollEnd))} until real rows are on screen`);
    console.log(`  table work per scroll frame:    mean ${ms(frame.mean)}, max ${ms(frame.max)} (a 60 fps frame is 16.7 ms)`);
    console.log(`machine load average: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
    console.log(`CSP violations and page errors: ${violations.length ? violations.join('; ') : 'none'}`);
    if (leaderboardRows !== trialCount || violations.length || details >= 500 || preview >= 1000) process.exitCode = 1;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
