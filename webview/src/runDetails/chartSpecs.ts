import type { TopLevelSpec } from 'vega-lite';
import type { ChartSeries, TrialChartsData } from '../protocol';

/** One chart to draw: a title, a stable id (tests and e2e find charts by it) and its spec. */
export interface ChartDef {
  id: string;
  title: string;
  spec: TopLevelSpec;
}

const width = 300;
const height = 220;

function flatten(series: ChartSeries[]): { series: string; x: number; y: number }[] {
  return series.flatMap((s) => s.points.map((p) => ({ series: s.name, x: p.x, y: p.y })));
}

function curve(series: ChartSeries[], xTitle: string, yTitle: string, options: { diagonal?: boolean; unit?: boolean; baseline?: number } = {}): TopLevelSpec {
  const domain = options.unit ? { scale: { domain: [0, 1] } } : {};
  const layers: Record<string, unknown>[] = [
    {
      data: { values: flatten(series) },
      mark: { type: 'line', interpolate: 'linear', tooltip: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: xTitle, ...domain },
        y: { field: 'y', type: 'quantitative', title: yTitle, ...domain },
        color: { field: 'series', type: 'nominal', title: null, legend: series.length > 1 ? { orient: 'bottom' } : null },
        order: { field: 'x' },
      },
    },
  ];
  if (options.diagonal) {
    layers.unshift({
      data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
      mark: { type: 'line', strokeDash: [4, 4], opacity: 0.5, color: 'gray' },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    });
  }
  if (options.baseline !== undefined) {
    layers.unshift({
      data: { values: [{ y: options.baseline }] },
      mark: { type: 'rule', strokeDash: [4, 4], opacity: 0.5, color: 'gray' },
      encoding: { y: { field: 'y', type: 'quantitative' } },
    });
  }
  return { width, height, layer: layers } as unknown as TopLevelSpec;
}

function confusion(labels: string[], counts: number[][], normalized: boolean): TopLevelSpec {
  const values: { actual: string; predicted: string; value: number; text: string }[] = [];
  counts.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, j) => {
      const value = normalized ? count / total : count;
      values.push({ actual: labels[i], predicted: labels[j], value, text: normalized ? value.toFixed(2) : String(count) });
    });
  });
  const size = Math.min(320, 60 + labels.length * 48);
  return {
    width: size,
    height: size,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'nominal', title: 'Predicted', sort: labels },
      y: { field: 'actual', type: 'nominal', title: 'Actual', sort: labels },
    },
    layer: [
      { mark: { type: 'rect', tooltip: true }, encoding: { color: { field: 'value', type: 'quantitative', title: normalized ? 'share' : 'count', legend: null } } },
      {
        mark: { type: 'text' },
        encoding: {
          text: { field: 'text' },
          color: { condition: { test: `datum.value > ${normalized ? 0.5 : Math.max(...counts.flat()) / 2}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  } as unknown as TopLevelSpec;
}

export function importanceSpec(importances: { feature: string; importance: number }[], limit = 20): TopLevelSpec {
  const top = importances.slice(0, limit);
  return {
    width,
    height: Math.max(60, top.length * 16),
    data: { values: top },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'feature', type: 'nominal', sort: '-x', title: null },
      x: { field: 'importance', type: 'quantitative', title: 'importance' },
    },
  } as unknown as TopLevelSpec;
}

/** The charts a trial's data allows, in the order Azure ML studio shows them. */
export function chartsFor(data: TrialChartsData): ChartDef[] {
  const charts: ChartDef[] = [];
  if (data.roc?.length) charts.push({ id: 'roc', title: 'ROC', spec: curve(data.roc, 'False positive rate', 'True positive rate', { diagonal: true, unit: true }) });
  if (data.precisionRecall?.length) charts.push({ id: 'precision-recall', title: 'Precision-recall', spec: curve(data.precisionRecall, 'Recall', 'Precision', { unit: true }) });
  if (data.calibration?.length) charts.push({ id: 'calibration', title: 'Calibration', spec: curve(data.calibration, 'Mean predicted probability', 'Fraction of positives', { diagonal: true, unit: true }) });
  if (data.lift?.length) charts.push({ id: 'lift', title: 'Lift', spec: curve(data.lift, 'Fraction of rows', 'Lift', { baseline: 1 }) });
  if (data.cumulativeGains?.length) charts.push({ id: 'cumulative-gains', title: 'Cumulative gains', spec: curve(data.cumulativeGains, 'Fraction of rows', 'Fraction of positives', { diagonal: true, unit: true }) });
  if (data.confusionMatrix) {
    const { labels, counts } = data.confusionMatrix;
    charts.push({ id: 'confusion-counts', title: 'Confusion matrix (counts)', spec: confusion(labels, counts, false) });
    charts.push({ id: 'confusion-normalized', title: 'Confusion matrix (normalized)', spec: confusion(labels, counts, true) });
  }
  if (data.residuals?.length) {
    charts.push({
      id: 'residuals',
      title: 'Residuals',
      spec: {
        width,
        height,
        data: { values: data.residuals },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'x0', type: 'quantitative', bin: { binned: true }, title: 'Residual (true − predicted)' },
          x2: { field: 'x1' },
          y: { field: 'count', type: 'quantitative', title: 'Rows' },
        },
      } as TopLevelSpec,
    });
  }
  if (data.predictedVsTrue?.length) {
    const points = data.predictedVsTrue;
    const lo = Math.min(...points.map((p) => Math.min(p.actual, p.predicted)));
    const hi = Math.max(...points.map((p) => Math.max(p.actual, p.predicted)));
    const layers: Record<string, unknown>[] = [
      { data: { values: [{ v: lo }, { v: hi }] }, mark: { type: 'line', strokeDash: [4, 4], opacity: 0.5, color: 'gray' }, encoding: { x: { field: 'v', type: 'quantitative' }, y: { field: 'v', type: 'quantitative' } } },
    ];
    if (points.some((p) => p.lower !== undefined && p.upper !== undefined)) {
      layers.push({ data: { values: points }, mark: { type: 'rule', opacity: 0.4 }, encoding: { x: { field: 'actual', type: 'quantitative' }, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' } } });
    }
    layers.push({
      data: { values: points },
      mark: { type: 'point', filled: true, opacity: 0.7, tooltip: true },
      encoding: { x: { field: 'actual', type: 'quantitative', title: 'True value' }, y: { field: 'predicted', type: 'quantitative', title: 'Predicted' } },
    });
    charts.push({ id: 'predicted-vs-true', title: 'Predicted vs true', spec: { width, height, layer: layers } as unknown as TopLevelSpec });
  }
  if (data.forecast?.length) {
    const values = data.forecast.flatMap((p) => [
      { horizon: p.horizon, value: p.actual, kind: 'actual', series: p.series ?? '' },
      { horizon: p.horizon, value: p.forecast, kind: 'forecast', series: p.series ?? '' },
    ]);
    charts.push({
      id: 'forecast',
      title: 'Forecast vs actual by horizon',
      spec: {
        width: width + 120,
        height,
        data: { values },
        mark: { type: 'line', point: true, tooltip: true },
        encoding: {
          x: { field: 'horizon', type: 'quantitative', title: 'Horizon' },
          y: { field: 'value', type: 'quantitative', title: 'Value' },
          color: { field: 'kind', type: 'nominal', title: null, legend: { orient: 'bottom' } },
          detail: { field: 'series' },
          strokeDash: { field: 'kind', type: 'nominal', legend: null },
        },
      } as TopLevelSpec,
    });
  }
  if (data.featureImportances?.length) charts.push({ id: 'importances', title: 'Feature importance', spec: importanceSpec(data.featureImportances) });
  return charts;
}
