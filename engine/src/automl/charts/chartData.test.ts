import { describe, expect, it } from 'vitest';
import { classificationMetrics } from '../metrics';
import { classificationCharts, forecastingCharts, MAX_CURVE_POINTS, regressionCharts } from '.';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

describe('classification chart data', () => {
  const rand = lcg(11);
  const n = 5000;
  const k = 3;
  const yTrue = new Int32Array(n);
  const proba = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    yTrue[i] = Math.floor(rand() * k);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += proba[i * k + c] = rand() + (c === yTrue[i] ? 0.7 : 0);
    for (let c = 0; c < k; c++) proba[i * k + c] /= sum;
  }
  const charts = classificationCharts({ yTrue, proba, classes: ['a', 'b', 'c'] });
  const metrics = classificationMetrics({ yTrue, proba, numClasses: k });

  it('keeps every curve small and anchored at its ends', () => {
    for (const curve of [...charts.roc, ...charts.precisionRecall, ...charts.lift, ...charts.cumulativeGains]) {
      expect(curve.points.length).toBeLessThanOrEqual(MAX_CURVE_POINTS);
      expect(curve.points.length).toBeGreaterThan(10);
    }
    for (const curve of charts.roc) {
      expect(curve.points[0]).toEqual({ x: 0, y: 0 });
      expect(curve.points.at(-1)!.x).toBeCloseTo(1, 12);
      expect(curve.points.at(-1)!.y).toBeCloseTo(1, 12);
    }
    for (const curve of charts.cumulativeGains) expect(curve.points.at(-1)!.y).toBeCloseTo(1, 9);
    expect(JSON.stringify(charts).length).toBeLessThan(120_000);
  });

  it('reports the same AUC as the metrics, and a macro curve', () => {
    expect(charts.roc.find((r) => r.label === 'micro')!.auc).toBeCloseTo(metrics.AUC_micro, 12);
    expect(charts.roc.find((r) => r.label === 'macro')!.auc).toBeCloseTo(metrics.AUC_macro, 2);
    expect(charts.precisionRecall.find((r) => r.label === 'micro')!.averagePrecision).toBeCloseTo(metrics.average_precision_score_micro, 12);
  });

  it('has a confusion matrix that agrees with accuracy', () => {
    const { counts, normalized } = charts.confusionMatrix;
    const total = counts.flat().reduce((s, v) => s + v, 0);
    expect(total).toBe(n);
    expect((counts[0][0] + counts[1][1] + counts[2][2]) / n).toBeCloseTo(metrics.accuracy, 12);
    for (const row of normalized) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });

  it('bins calibration and lifts above 1 for a useful model', () => {
    for (const c of charts.calibration) {
      expect(c.bins.length).toBeLessThanOrEqual(10);
      expect(c.bins.reduce((s, b) => s + b.count, 0)).toBe(n);
    }
    expect(charts.lift[0].points[9].y).toBeGreaterThan(1.2);
  });
});

describe('regression and forecasting chart data', () => {
  it('samples predicted vs true and bins residuals', () => {
    const n = 100_000;
    const rand = lcg(5);
    const yTrue = Float64Array.from({ length: n }, () => rand() * 100);
    const pred = yTrue.map((y) => y + (rand() - 0.5) * 10);
    const charts = regressionCharts({ yTrue, pred });
    expect(charts.predictedVsTrue).toHaveLength(MAX_CURVE_POINTS);
    expect(charts.residualHistogram.reduce((s, b) => s + b.count, 0)).toBe(n);
    expect(charts.predictedVsTrueBins.reduce((s, b) => s + b.count, 0)).toBe(n);
    for (const b of charts.predictedVsTrueBins) {
      expect(b.p5).toBeLessThanOrEqual(b.p25);
      expect(b.p75).toBeLessThanOrEqual(b.p95);
      expect(Math.abs(b.meanPredicted - b.meanTrue)).toBeLessThan(2);
    }
  });

  it('summarizes errors by horizon', () => {
    const yTrue = [10, 11, 12, 13, 14, 15];
    const pred = [10, 12, 12, 15, 14, 18];
    const horizon = [1, 2, 1, 2, 1, 2];
    const charts = forecastingCharts({ yTrue, pred, horizon, time: [0, 1, 2, 3, 4, 5] });
    expect(charts.byHorizon.map((h) => [h.horizon, h.count, h.mae])).toEqual([
      [1, 3, 0],
      [2, 3, 2],
    ]);
    expect(charts.points[5]).toEqual({ index: 5, time: 5, horizon: 2, actual: 15, forecast: 18 });
  });
});
