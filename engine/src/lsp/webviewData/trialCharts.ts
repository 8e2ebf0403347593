import path from 'node:path';
import type { TrialCharts } from '../../automl/charts/chartTypes';
import { CHARTS_FILE, IMPORTANCES_FILE, MODEL_FILE, TRIAL_CHARTS_DIR, type ModelArtifact } from '../../automl/model/modelArtifact';
import { WeirError } from '../../errors';
import type { TrialChartsData } from '../../protocol';
import type { WorkspaceStore } from '../../store/storeApi';
import { importanceList, modelFolder, readJson, trialsOf } from './modelFolder';

/**
 * A trial's chart data: the trial's own chart file when the step kept one (on the trial
 * record, or in the model folder's `trial-charts/` for the best rows), else — for the step's
 * chosen model (no iteration, or its iteration) — the model folder's `charts.json`.
 */
export async function trialCharts(store: WorkspaceStore, runId: string, stepName: string, iteration?: number): Promise<TrialChartsData | null> {
  const run = await store.getRun(runId);
  const step = run.steps.find((s) => s.name === stepName);
  if (!step) throw new WeirError('NOT_FOUND', `run ${runId} has no step '${stepName}'`);
  const folder = modelFolder(store, step);
  const model = folder ? await readJson<ModelArtifact>(path.join(folder, MODEL_FILE)) : undefined;
  if (iteration !== undefined) {
    const trial = (await trialsOf(store, run, step)).find((t) => t.iteration === iteration);
    if (!trial) throw new WeirError('NOT_FOUND', `step '${stepName}' of run ${runId} has no trial ${iteration}`);
    if (trial.charts) {
      const charts = await readJson<TrialCharts>(path.resolve(store.root, trial.charts));
      if (charts) return normaliseCharts(charts, iteration);
    }
    // The automl step keeps chart data of its best leaderboard rows in the model folder.
    if (folder) {
      const charts = await readJson<TrialCharts>(path.join(folder, TRIAL_CHARTS_DIR, `${iteration}.json`));
      if (charts) return normaliseCharts(charts, iteration);
    }
    if (model?.iteration !== iteration) return null;
  }
  if (!folder) return null;
  const charts = await readJson<TrialCharts>(path.join(folder, CHARTS_FILE));
  if (!charts) return null;
  const data = normaliseCharts(charts, model?.iteration);
  const importances = await readJson<Record<string, number>>(path.join(folder, IMPORTANCES_FILE));
  if (importances) data.featureImportances = importanceList(importances);
  return data;
}

/** The AutoML step's chart JSON (`chartTypes.ts`) in the one shape the webview draws. */
export function normaliseCharts(charts: TrialCharts, iteration?: number): TrialChartsData {
  const curves = (list: { label: string; points: { x: number; y: number }[] }[]) => list.map((c) => ({ name: c.label, points: c.points }));
  switch (charts.kind) {
    case 'classification':
      return {
        task: 'classification',
        iteration,
        roc: charts.roc.map((c) => ({ name: `${c.label} (AUC ${c.auc.toFixed(3)})`, points: c.points })),
        precisionRecall: charts.precisionRecall.map((c) => ({ name: `${c.label} (AP ${c.averagePrecision.toFixed(3)})`, points: c.points })),
        calibration: charts.calibration.map((c) => ({ name: c.label, points: c.bins.map((b) => ({ x: b.meanPredicted, y: b.fractionPositive })) })),
        lift: curves(charts.lift),
        cumulativeGains: curves(charts.cumulativeGains),
        confusionMatrix: { labels: charts.confusionMatrix.classes, counts: charts.confusionMatrix.counts },
      };
    case 'regression':
      return {
        task: 'regression',
        iteration,
        residuals: charts.residualHistogram.map((b) => ({ x0: b.low, x1: b.high, count: b.count })),
        predictedVsTrue: charts.predictedVsTrueBins.length
          ? charts.predictedVsTrueBins.filter((b) => b.count > 0).map((b) => ({ actual: b.meanTrue, predicted: b.meanPredicted, lower: b.p5, upper: b.p95, count: b.count }))
          : charts.predictedVsTrue.map((p) => ({ actual: p.true, predicted: p.predicted })),
      };
    case 'forecasting':
      return {
        task: 'forecasting',
        iteration,
        forecast: charts.byHorizon.map((h) => ({ horizon: h.horizon, actual: h.meanActual, forecast: h.meanForecast })),
        residuals: charts.residualHistogram.map((b) => ({ x0: b.low, x1: b.high, count: b.count })),
      };
    default:
      return { task: 'unknown', iteration };
  }
}
