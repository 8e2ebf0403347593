import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { estimatorCostPerRow, explainModelFolder, leastExplainRows } from '../../explain/explanationsFile';
import { classificationCharts, forecastingCharts, regressionCharts } from '../charts';
import type { EnsembleResult } from '../ensemble/buildEnsembles';
import type { Evaluator } from '../evaluation/evaluator';
import { type HeldOutTestSet, evaluateTestSet, testSetLogLines, withTestMetrics } from '../evaluation/testSet';
import type { ForecastTable } from '../forecast/forecastFeatures';
import type { Prepared } from '../prepareData';
import { leaderboardRow, metricsByIteration } from '../search/leaderboard';
import { type TrialResult, leaderboardOrder } from '../search/runSearch';
import type { ResolvedSettings } from '../settings';
import type { ColumnarTable } from '../types';
import type { EstimatorSpec } from './estimator';
import {
  CHARTS_FILE,
  GUARDRAILS_FILE,
  IMPORTANCES_FILE,
  LEADERBOARD_FILE,
  MODEL_FILE,
  TEST_CHARTS_FILE,
  TRIAL_CHARTS_DIR,
  TRIAL_CHARTS_KEPT,
  type ModelArtifact,
  type TestSetSummary,
} from './modelArtifact';

/** About what one unit of the explanations' estimated work takes on one core (see explain/explanationsFile.ts). */
const EXPLAIN_NS_PER_UNIT = 7;
const EXPLAIN_MARGIN = 4;
/** Left at the budget's end for what follows the optional outputs (explanations.json, metrics.json). */
const TAIL_MS = 100;
/** A batch of explanations on an idle core (explain/explanationsFile.ts: about 1e7 work units). */
const EXPLAIN_BATCH_MS = 70;

/**
 * Writes the AutoML step's outputs into `outDir`: the `model` folder (model.json with the
 * featurizer and the chosen estimator, chart data, the leaderboard, guardrails, importances,
 * explanations and, with a test set, its scores and charts) and `metrics.json`.
 */
export async function writeModelFolder(a: {
  outDir: string;
  training: ColumnarTable;
  settings: ResolvedSettings;
  prepared: Prepared;
  evaluator: Evaluator;
  best: TrialResult;
  estimator: EstimatorSpec;
  /** Every row, best first. */
  leaderboard: TrialResult[];
  /** Every row in the order recorded. */
  trials: TrialResult[];
  ensembles: EnsembleResult[];
  test?: HeldOutTestSet;
  /** With a time limit, the budget's end (on `performance.now`): optional outputs stop there. */
  budgetEnd?: number;
  /** What the chosen row's charts were priced at before the search (postSearchBudget.ts): their real time says how loaded the machine is. */
  chartsPricedMs?: number;
  started: number;
  log(text: string): void;
}): Promise<{ modelDir: string; metricsFile: string; test?: TestSetSummary }> {
  const { settings, prepared, evaluator: ev, best, leaderboard } = a;
  const task = settings.task;
  const spent = new OutputTimes();
  const modelDir = path.join(a.outDir, 'model');
  await mkdir(modelDir, { recursive: true });
  const labelColumn = a.training.columns.find((c) => c.name === settings.label)!;
  const artifact: ModelArtifact = {
    format: 'weir-automl',
    version: 1,
    task,
    labelColumn: settings.label,
    labelType: labelColumn.type === 'string' ? 'string' : labelColumn.type === 'boolean' ? 'boolean' : 'number',
    classes: prepared.classes,
    primaryMetric: settings.primaryMetric,
    iteration: best.iteration,
    algorithm: best.algorithm,
    metrics: best.metrics,
    featurizer: prepared.featurizer,
    estimator: a.estimator,
    forecast: prepared.forecast?.spec,
    createdAt: new Date().toISOString(),
  };
  const tested = a.test
    ? evaluateTestSet({ artifact, test: a.test, rows: a.ensembles.map((e) => ({ iteration: e.trial.iteration, algorithm: e.trial.algorithm, spec: e.spec })), weightColumn: settings.weightColumn, labelRange: ev.labelRange })
    : undefined;
  if (tested) {
    artifact.test = tested.summary;
    await writeFile(path.join(modelDir, TEST_CHARTS_FILE), JSON.stringify(tested.charts));
    for (const line of testSetLogLines(tested.summary, best, leaderboard, settings.primaryMetric)) a.log(line);
  }
  spent.mark(tested ? 'test set' : 'model folder', tested ? `${a.test!.table.rows} rows` : undefined);
  const chartsOf = (t: TrialResult) => chartsFor(task, ev.toScale(t.oof!), ev.yTrueEval, ev.wEval, prepared.classes, prepared.forecast, ev.evalRows);
  const modelJson = JSON.stringify(artifact);
  await writeFile(path.join(modelDir, MODEL_FILE), modelJson);
  spent.mark('model.json', `${(modelJson.length / 2 ** 20).toFixed(1)} MB`);
  const chartsStarted = performance.now();
  const bestCharts = JSON.stringify(chartsOf(best));
  await writeFile(path.join(modelDir, CHARTS_FILE), bestCharts);
  // Every row's charts cost about the same (same rows and classes): the other rows' are priced by it.
  const chartMs = performance.now() - chartsStarted;
  spent.mark('charts');
  await writeFile(path.join(modelDir, LEADERBOARD_FILE), JSON.stringify(withTestMetrics(leaderboard.map(leaderboardRow), artifact.test), null, 1));
  await writeFile(path.join(modelDir, GUARDRAILS_FILE), JSON.stringify(prepared.guardrails, null, 1));
  // The editor shows charts for any of the best rows, not only the chosen one.
  await mkdir(path.join(modelDir, TRIAL_CHARTS_DIR));
  // Only the chosen row's when the others' would end past the experiment timeout: with many
  // classes and rows each row's charts take a noticeable time (26 classes × 16k rows: about half
  // a second), priced by the chosen row's.
  const budgetEnd = a.budgetEnd ?? Infinity;
  let skipped = 0;
  for (const t of leaderboard.filter((r) => r.status === 'Completed' && r.oof).slice(0, TRIAL_CHARTS_KEPT)) {
    if (t !== best && performance.now() + chartMs > budgetEnd - TAIL_MS) {
      skipped++;
      continue;
    }
    await writeFile(path.join(modelDir, TRIAL_CHARTS_DIR, `${t.iteration}.json`), t === best ? bestCharts : JSON.stringify(chartsOf(t)));
  }
  if (skipped) a.log(`trial charts: ${skipped} of the best rows' charts not written: ${(chartMs / 1000).toFixed(2)} s each would end past the experiment timeout`);
  await writeFile(path.join(modelDir, IMPORTANCES_FILE), JSON.stringify(importancesOf(best, a.ensembles, a.trials, settings.primaryMetric), null, 1));
  spent.mark('trial charts and leaderboard');
  const costPerRow = estimatorCostPerRow(a.estimator);
  const explainMs = Math.min(a.training.rows, leastExplainRows(costPerRow)) * costPerRow * EXPLAIN_NS_PER_UNIT * 1e-6;
  // The batch in progress at the deadline ends past it: the explanations stop one batch early,
  // scaled by how much slower than priced the charts just ran (the machine's load).
  const slowdown = a.chartsPricedMs ? Math.min(20, Math.max(1, chartMs / a.chartsPricedMs)) : 1;
  const explainEnd = budgetEnd - TAIL_MS - EXPLAIN_BATCH_MS * slowdown;
  const leftMs = explainEnd - performance.now();
  // The estimate is for an idle core; a loaded machine took 3-4 times as long.
  if (explainMs * EXPLAIN_MARGIN > leftMs) {
    // A big model (thousands of trees) can take longer to explain than the budget has left.
    a.log(`explanations skipped: estimated ${(explainMs / 1000).toFixed(1)} s on an idle core (up to ${((explainMs * EXPLAIN_MARGIN) / 1000).toFixed(1)} s on a busy one), ${(Math.max(0, leftMs) / 1000).toFixed(1)} s left of the experiment timeout; \`weir model explain\` computes them for the registered model`);
  } else {
    // They stop at the experiment's end (the estimate is no guarantee on a loaded machine:
    // soybean at 0.2 min took 8.4 s estimated to fit), covering the rows done by then.
    const until = Number.isFinite(budgetEnd) ? { deadline: explainEnd } : undefined;
    await explainModelFolder(modelDir, artifact, { table: a.training, X: prepared.X, runMs: performance.now() - a.started, log: (text) => a.log(text), until, threads: settings.concurrency });
  }
  spent.mark('explanations');
  const metricsFile = path.join(a.outDir, 'metrics.json');
  await writeFile(metricsFile, JSON.stringify(metricsByIteration(a.trials), null, 1));
  spent.mark('metrics.json');
  a.log(`outputs: ${spent.summary()}`);
  return { modelDir, metricsFile, ...(artifact.test ? { test: artifact.test } : {}) };
}

function chartsFor(task: string, oof: Float64Array, yEval: ArrayLike<number>, wEval: Float32Array | undefined, classes: string[] | undefined, forecast: ForecastTable | undefined, evalRows: Uint32Array) {
  if (task === 'classification') return classificationCharts({ yTrue: yEval, proba: oof, classes: classes!, weight: wEval });
  if (task === 'forecasting' && forecast) {
    return forecastingCharts({ yTrue: yEval, pred: oof, horizon: Float64Array.from(evalRows, (i) => forecast.horizon[i]), time: Float64Array.from(evalRows, (i) => forecast.targetTime[i]) });
  }
  return regressionCharts({ yTrue: yEval, pred: oof });
}

function importancesOf(best: TrialResult, ensembles: EnsembleResult[], trials: TrialResult[], metric: string): Record<string, number> {
  let source: Record<string, number> | undefined = best.importances;
  if (!source && ensembles.some((e) => e.trial === best)) {
    // An ensemble has no importances of its own; show those of its best member.
    source = leaderboardOrder(metric, trials).find((t) => t.importances)?.importances;
  }
  if (!source) return {};
  const total = Object.values(source).reduce((a, b) => a + Math.abs(b), 0) || 1;
  return Object.fromEntries(
    Object.entries(source)
      .map(([k, v]) => [k, v / total] as const)
      .sort((x, y) => y[1] - x[1]),
  );
}

/** Where the outputs' time went, part by part, for the run log. */
class OutputTimes {
  private last = performance.now();
  private parts: string[] = [];
  mark(part: string, note?: string): void {
    const now = performance.now();
    this.parts.push(`${part} ${((now - this.last) / 1000).toFixed(2)} s${note ? ` (${note})` : ''}`);
    this.last = now;
  }
  summary(): string {
    return this.parts.join(', ');
  }
}
