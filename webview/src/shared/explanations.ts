import type { TopLevelSpec } from 'vega-lite';
import type { ExplainedRowsView, ExplanationSampleView, ExplanationsView, ExplanationsViewState } from '../protocol';
import { h, type Child } from './dom';
import type { ChartRenderer } from './charts';
import { formatNumber } from './format';

/**
 * The Explanations tab of run details and the model card: global importances (mean |SHAP|)
 * as bars with a raw/engineered switch, a dot plot of each sampled row's values (coloured by
 * the row's value of the feature, low to high), and a waterfall for one sampled row from the
 * base value to its prediction. Data: the model folder's explanations.json (docs/explain.md).
 * The functions that turn the data into chart rows are pure and tested without a browser.
 */
/**
 * `engineered`: engineered features instead of the user's columns; `output`: index into
 * `outputs` (default: the positive class of a binary model); `row`: index into the sample.
 */
export type ExplanationsUi = ExplanationsViewState;

export function defaultOutput(v: ExplanationsView): number {
  return v.outputs.length === 2 ? 1 : 0;
}

function sampleOf(v: ExplanationsView, engineered: boolean) {
  return engineered ? v.sample.engineered : v.sample.raw;
}

/** Bars of the global importance for one output, largest first. */
export function globalBars(v: ExplanationsView, engineered: boolean, output: number, limit = 20): { feature: string; importance: number }[] {
  const list = engineered ? v.global.engineered : v.global.raw;
  return list
    .map((g) => ({ feature: g.name, importance: g.perOutput[output] ?? g.importance }))
    .sort((a, b) => b.importance - a.importance || a.feature.localeCompare(b.feature))
    .slice(0, limit);
}

export interface DotPoint {
  feature: string;
  shap: number;
  /** The row's value as shown in the tooltip. */
  value: string;
  /** The value's place between the sample's smallest (0) and largest (1); null for text. */
  level: number | null;
  /** A fixed vertical spread within the feature's band, so equal values do not hide each other. */
  jitter: number;
}

/** One point per sampled row and top feature: the dot plot (a beeswarm without the packing). */
export function dotPoints(v: ExplanationsView, engineered: boolean, output: number, limit = 12): { points: DotPoint[]; order: string[] } {
  const order = globalBars(v, engineered, output, limit).map((b) => b.feature);
  const sample = sampleOf(v, engineered);
  const points: DotPoint[] = [];
  for (const feature of order) {
    const j = sample.columns.indexOf(feature);
    if (j < 0) continue;
    const numbers = sample.values.map((row) => row[j]).filter((x): x is number => typeof x === 'number');
    const lo = Math.min(...numbers);
    const hi = Math.max(...numbers);
    sample.shap.forEach((row, i) => {
      const value = sample.values[i][j];
      points.push({
        feature,
        shap: row[output]?.[j] ?? 0,
        value: value === null ? 'missing' : typeof value === 'number' ? formatNumber(value, 4) : value,
        level: typeof value === 'number' ? (hi > lo ? (value - lo) / (hi - lo) : 0.5) : null,
        jitter: jitterOf(i),
      });
    });
  }
  return { points, order };
}

/** A deterministic spread in [−0.35, 0.35] (golden-ratio sequence). */
function jitterOf(i: number): number {
  return (((i * 0.618033988749895) % 1) - 0.5) * 0.7;
}

export interface WaterfallStep {
  label: string;
  start: number;
  end: number;
  kind: 'base' | 'raises' | 'lowers' | 'prediction';
}

/**
 * The row's path from the base value to its prediction: the `limit` largest contributions
 * by size, the rest summed into one step, then the prediction.
 */
export function waterfallSteps(v: ExplanationsView, engineered: boolean, output: number, row: number, limit = 10): WaterfallStep[] {
  const sample = sampleOf(v, engineered);
  const shap = sample.shap[row]?.[output] ?? [];
  const base = v.base[output] ?? 0;
  const order = shap.map((value, j) => ({ value, j })).sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.j - b.j);
  const steps: WaterfallStep[] = [{ label: 'base value', start: 0, end: base, kind: 'base' }];
  let at = base;
  const push = (label: string, value: number): void => {
    steps.push({ label, start: at, end: at + value, kind: value >= 0 ? 'raises' : 'lowers' });
    at += value;
  };
  for (const { value, j } of order.slice(0, limit)) {
    const cell = sample.values[row]?.[j];
    const shown = cell === null || cell === undefined ? 'missing' : typeof cell === 'number' ? formatNumber(cell, 4) : cell;
    push(`${sample.columns[j]} = ${shown}`, value);
  }
  const rest = order.slice(limit);
  if (rest.length > 0) push(`${rest.length} other ${engineered ? 'features' : 'columns'}`, rest.reduce((s, o) => s + o.value, 0));
  steps.push({ label: 'prediction', start: 0, end: at, kind: 'prediction' });
  return steps;
}

const width = 360;

export function barsSpec(bars: { feature: string; importance: number }[]): TopLevelSpec {
  return {
    width,
    height: Math.max(60, bars.length * 16),
    data: { values: bars },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'feature', type: 'nominal', sort: '-x', title: null },
      x: { field: 'importance', type: 'quantitative', title: 'mean |SHAP value|' },
    },
  } as unknown as TopLevelSpec;
}

export function dotPlotSpec(points: DotPoint[], order: string[]): TopLevelSpec {
  return {
    width,
    height: Math.max(80, order.length * 28),
    data: { values: points },
    // `invalid: null` keeps the rows of text columns (level null), which Vega-Lite would
    // otherwise drop from a quantitative colour scale, leaving their band empty.
    mark: { type: 'circle', size: 22, opacity: 0.8, tooltip: true, invalid: null },
    encoding: {
      y: { field: 'feature', type: 'nominal', sort: order, title: null },
      yOffset: { field: 'jitter', type: 'quantitative', scale: { domain: [-0.5, 0.5] } },
      x: { field: 'shap', type: 'quantitative', title: 'SHAP value (effect on the prediction)' },
      // The theme's ramp (charts.ts) runs from blue (low) to red (high), as SHAP plots do; text
      // values and missing ones have no low or high and are grey (readable on light and dark themes).
      color: {
        condition: { test: 'datum.level === null', value: '#8a8a8a' },
        field: 'level',
        type: 'quantitative',
        title: 'value',
        scale: { domain: [0, 1] },
        legend: { orient: 'bottom', labelExpr: "datum.value === 0 ? 'low' : datum.value === 1 ? 'high' : ''" },
      },
      tooltip: [
        { field: 'feature', title: 'feature' },
        { field: 'value', title: 'value' },
        { field: 'shap', title: 'SHAP', format: '.4g' },
      ],
    },
  } as unknown as TopLevelSpec;
}

export function waterfallSpec(steps: WaterfallStep[]): TopLevelSpec {
  const values = steps.map((s, i) => ({ ...s, order: i, low: Math.min(s.start, s.end), high: Math.max(s.start, s.end), change: s.end - s.start }));
  return {
    width,
    height: Math.max(80, steps.length * 20),
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: { field: 'order' }, title: null },
      x: { field: 'low', type: 'quantitative', title: 'prediction', scale: { zero: false } },
      x2: { field: 'high' },
      color: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['lowers', 'raises', 'base', 'prediction'] }, legend: { orient: 'bottom' } },
      tooltip: [
        { field: 'label', title: 'step' },
        { field: 'change', title: 'change', format: '.4g' },
        { field: 'end', title: 'running total', format: '.4g' },
      ],
    },
  } as unknown as TopLevelSpec;
}

/** A short description of a sampled row for the row picker: its index and first cells. */
export function rowLabel(v: ExplanationsView, i: number): string {
  const raw = v.sample.raw;
  const cells = raw.columns.slice(0, 4).map((c, j) => `${c}=${raw.values[i]?.[j] ?? 'missing'}`);
  return `row ${(v.sampleRowIndex[i] ?? i) + 1}: ${cells.join(', ')}`;
}

/**
 * The rows the waterfall offers: rows picked in a data preview and explained by the engine
 * (first, labelled with their table and row number), then the stored training sample. The
 * returned view is `v` with the picked rows put before its sample (their columns in the
 * sample's order), for `waterfallSteps`; the dot plot keeps drawing the training sample only.
 */
export function waterfallChoices(v: ExplanationsView, picked?: ExplainedRowsView): { view: ExplanationsView; labels: string[] } {
  const sampleLabels = v.sample.raw.shap.map((_, i) => rowLabel(v, i));
  if (!picked || picked.outputs.join('\u0000') !== v.outputs.join('\u0000')) return { view: v, labels: sampleLabels };
  const before = (into: ExplanationSampleView, from: ExplanationSampleView): ExplanationSampleView => {
    const at = into.columns.map((c) => from.columns.indexOf(c));
    return {
      columns: into.columns,
      shap: [...from.shap.map((outputs) => outputs.map((row) => at.map((j) => (j < 0 ? 0 : row[j] ?? 0)))), ...into.shap],
      values: [...from.values.map((row) => at.map((j) => (j < 0 ? null : row[j] ?? null))), ...into.values],
    };
  };
  const raw = picked.sample.raw;
  const labels = picked.rows.map((r, i) => `picked: ${picked.source} row ${r + 1}: ${raw.columns.slice(0, 4).map((c, j) => `${c}=${raw.values[i]?.[j] ?? 'missing'}`).join(', ')}`);
  return {
    view: { ...v, sampleRowIndex: [...picked.rows, ...v.sampleRowIndex], sample: { raw: before(v.sample.raw, raw), engineered: before(v.sample.engineered, picked.sample.engineered) } },
    labels: [...labels, ...sampleLabels],
  };
}

/**
 * The whole panel. `onChange` stores the UI choice (in the view's state) and redraws;
 * `renderChart` is the view's chart renderer (Vega through the interpreter); `picked`: rows
 * explained from a data preview, offered first in the waterfall's row picker; `registered`:
 * the model is a registered one (the model card), which a data preview can explain rows with —
 * a step's model in run details may not be.
 */
export function renderExplanations(
  v: ExplanationsView | undefined,
  ui: ExplanationsUi,
  onChange: (ui: ExplanationsUi) => void,
  renderChart: ChartRenderer | undefined,
  picked?: ExplainedRowsView,
  registered = true,
): Child {
  if (!v) return h('div', { class: 'empty explanations-empty' }, 'No explanations were written for this model (models trained before Weir computed them, or the step has not finished).');
  const engineered = ui.engineered ?? false;
  const output = Math.min(ui.output ?? defaultOutput(v), v.outputs.length - 1);
  const sampleSize = sampleOf(v, engineered).shap.length;
  const choices = waterfallChoices(v, picked);
  const row = Math.min(ui.row ?? 0, Math.max(0, choices.labels.length - 1));
  const toggle = h('vscode-checkbox', { toggle: true, checked: engineered, class: 'explain-engineered' }, 'Engineered features');
  toggle.addEventListener('change', () => onChange({ ...ui, engineered: !engineered }));
  const classPicker =
    v.space === 'probability'
      ? h(
          'label',
          null,
          'Class ',
          h(
            'select',
            { class: 'explain-class', on: { change: (e: Event) => onChange({ ...ui, output: Number((e.target as HTMLSelectElement).value) }) } },
            v.outputs.map((c, k) => h('option', { value: String(k), selected: k === output }, c)),
          ),
        )
      : null;
  const rowPicker = h(
    'select',
    { class: 'explain-row', on: { change: (e: Event) => onChange({ ...ui, row: Number((e.target as HTMLSelectElement).value) }) } },
    choices.labels.map((label, i) => h('option', { value: String(i), selected: i === row }, label)),
  );
  const charts: { id: string; title: string; spec: TopLevelSpec }[] = [];
  const bars = globalBars(v, engineered, output);
  charts.push({ id: 'explain-global', title: `Importance (mean |SHAP|) of ${engineered ? 'engineered features' : 'columns'}`, spec: barsSpec(bars) });
  const dots = dotPoints(v, engineered, output);
  if (dots.points.length) charts.push({ id: 'explain-dots', title: `Per-row values (${sampleSize} sampled rows)`, spec: dotPlotSpec(dots.points, dots.order) });
  const steps = choices.labels.length ? waterfallSteps(choices.view, engineered, output, row) : [];
  const panels = charts.map((c) => {
    const target = h('div', { class: `chart-canvas chart-${c.id}` });
    if (renderChart) renderChart(target, c.spec).catch((e: unknown) => target.appendChild(h('div', { class: 'error-banner' }, `Chart failed: ${String(e)}`)));
    return h('div', { class: 'chart', dataset: { chart: c.id } }, h('h3', null, c.title), target);
  });
  const waterfallTarget = h('div', { class: 'chart-canvas chart-explain-waterfall' });
  if (renderChart && steps.length) renderChart(waterfallTarget, waterfallSpec(steps)).catch((e: unknown) => waterfallTarget.appendChild(h('div', { class: 'error-banner' }, `Chart failed: ${String(e)}`)));
  const what = v.space === 'probability' ? `the probability of class ${v.outputs[output]}` : 'the predicted value';
  return h(
    'div',
    { class: 'explanations' },
    h(
      'div',
      { class: 'muted' },
      `SHAP values of ${what}: how far each ${engineered ? 'feature' : 'column'} moves a row's prediction from the base value ${formatNumber(v.base[output] ?? 0, 4)}. `,
      `${v.method}; ${v.sampleRows} of ${v.totalRows} training rows.`,
    ),
    v.plannedRows !== undefined
      ? h('div', { class: 'explain-cut-short' }, `Explained ${v.sampleRows} of ${v.plannedRows} planned rows: the experiment timeout was reached. The importances and the dots cover those rows only.`)
      : null,
    h('div', { class: 'row explain-controls' }, toggle, classPicker),
    h('div', { class: 'chart-grid' }, panels, h('div', { class: 'chart', dataset: { chart: 'explain-waterfall' } }, h('h3', null, 'One row, from the base value to its prediction'), rowPicker, picked ? null : h('div', { class: 'muted explain-pick-hint' }, registered ? 'Or explain a row of any table: select it in a data preview and choose "Explain row…".' : 'Rows of any table are explained with a registered model: select one in a data preview and choose "Explain row…" (this model, once registered).'), waterfallTarget)),
  );
}
