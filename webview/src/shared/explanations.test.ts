// @vitest-environment jsdom
import '../testing/noCanvas';
import { describe, expect, it } from 'vitest';
import { explanationsFixture } from '../testing/explanationsFixture';
import { recordingRenderer } from '../testing/recorder';
import { renderVegaLite } from './charts';
import { barsSpec, defaultOutput, dotPlotSpec, dotPoints, globalBars, renderExplanations, waterfallChoices, waterfallSpec, waterfallSteps, type ExplanationsUi } from './explanations';
import type { ExplainedRowsView } from '../protocol';

describe('explanation view logic', () => {
  it('shows the positive class of a binary model by default and bars largest first', () => {
    const v = explanationsFixture();
    expect(defaultOutput(v)).toBe(1);
    expect(globalBars(v, false, 1).map((b) => b.feature)).toEqual(['Sex', 'Age', 'Pclass']);
    expect(globalBars(v, true, 1, 2).map((b) => b.feature)).toEqual(['Sex=female', 'Sex=male']);
  });

  it('places one dot per sampled row and feature, coloured by the value (text columns uncoloured)', () => {
    const v = explanationsFixture();
    const { points, order } = dotPoints(v, false, 1);
    expect(order).toEqual(['Sex', 'Age', 'Pclass']);
    expect(points).toHaveLength(12);
    const age = points.filter((p) => p.feature === 'Age');
    expect(age.map((p) => p.level)).toEqual([(38 - 22) / 32, 0, null, 1]);
    expect(age[2].value).toBe('missing');
    expect(points.filter((p) => p.feature === 'Sex').every((p) => p.level === null)).toBe(true);
    expect(points.find((p) => p.feature === 'Sex')!.shap).toBe(0.2);
    expect(new Set(points.map((p) => p.jitter)).size).toBeGreaterThan(1);
  });

  it('walks a row from the base value to its prediction, largest steps first, the rest summed', () => {
    const v = explanationsFixture();
    const steps = waterfallSteps(v, true, 1, 0, 2);
    expect(steps.map((s) => s.label)).toEqual(['base value', 'Sex=female = 1', 'Sex=male = 0', '3 other features', 'prediction']);
    expect(steps[1].start).toBeCloseTo(0.38, 12);
    expect(steps[1].kind).toBe('raises');
    // Each step starts where the last ended; the prediction is base + Σ values.
    for (let i = 2; i < steps.length - 1; i++) expect(steps[i].start).toBeCloseTo(steps[i - 1].end, 12);
    expect(steps.at(-1)!.end).toBeCloseTo(0.38 + 0.2 - 0.05 + 0.01, 12);
    const raw = waterfallSteps(v, false, 1, 1);
    expect(raw.at(-1)!.end).toBeCloseTo(0.38 - 0.15 + 0.03 - 0.02, 12);
    expect(raw[1]).toMatchObject({ label: 'Sex = male', kind: 'lowers' });
    // Class 0 mirrors class 1 for a binary model.
    expect(waterfallSteps(v, false, 0, 1).at(-1)!.end).toBeCloseTo(1 - raw.at(-1)!.end, 12);
  });

  it('renders the panel: three charts, the switch, the class and row pickers, and reports choices', () => {
    document.body.innerHTML = '<div id="root"></div>';
    const root = document.getElementById('root')!;
    const renderer = recordingRenderer();
    const changes: ExplanationsUi[] = [];
    const draw = (ui: ExplanationsUi) => {
      root.replaceChildren();
      const panel = renderExplanations(explanationsFixture(), ui, (next) => changes.push(next), renderer);
      root.append(panel as Node);
    };
    draw({});
    expect([...root.querySelectorAll('[data-chart]')].map((e) => (e as HTMLElement).dataset.chart)).toEqual(['explain-global', 'explain-dots', 'explain-waterfall']);
    expect(renderer.specs).toHaveLength(3);
    expect(root.querySelector('.explain-class')!.querySelectorAll('option')).toHaveLength(2);
    expect((root.querySelector('.explain-class') as HTMLSelectElement).value).toBe('1');
    expect(root.querySelector('.explain-row')!.querySelectorAll('option')).toHaveLength(4);
    expect(root.querySelector('.explain-row option')!.textContent).toContain('row 1: Sex=female');
    (root.querySelector('.explain-engineered') as HTMLElement).dispatchEvent(new Event('change'));
    expect(changes.at(-1)).toEqual({ engineered: true });
    const rowPicker = root.querySelector('.explain-row') as HTMLSelectElement;
    rowPicker.value = '2';
    rowPicker.dispatchEvent(new Event('change'));
    expect(changes.at(-1)).toEqual({ row: 2 });
    draw({ engineered: true, row: 2 });
    const bars = renderer.specs.at(-3)!.spec as unknown as { data: { values: { feature: string }[] } };
    expect(bars.data.values.map((b) => b.feature)).toContain('Age_missing');
    expect(root.textContent).toContain('probability of class 1');
  });

  it('says when the experiment\'s end cut the explained sample short, and not otherwise', () => {
    const full = renderExplanations(explanationsFixture(), {}, () => undefined, undefined) as HTMLElement;
    expect(full.querySelector('.explain-cut-short')).toBeNull();
    const cut = renderExplanations({ ...explanationsFixture(), plannedRows: 10 }, {}, () => undefined, undefined) as HTMLElement;
    expect(cut.querySelector('.explain-cut-short')!.textContent).toMatch(/^Explained 4 of 10 planned rows: the experiment timeout was reached\./);
  });

  it('says so when a model has no explanations', () => {
    const panel = renderExplanations(undefined, {}, () => undefined, undefined) as HTMLElement;
    expect(panel.textContent).toMatch(/No explanations/);
  });

  it('draws the three specs with Vega (interpreter, SVG)', async () => {
    const v = explanationsFixture();
    const dots = dotPoints(v, false, 1);
    for (const spec of [barsSpec(globalBars(v, false, 1)), dotPlotSpec(dots.points, dots.order), waterfallSpec(waterfallSteps(v, false, 1, 0))]) {
      const container = document.createElement('div');
      document.body.appendChild(container);
      await renderVegaLite(container, spec);
      expect(container.querySelector('svg')).not.toBeNull();
      expect(container.textContent).toContain('Sex');
    }
  });

  it('draws a dot for every sampled row of a text column too, in grey', async () => {
    const v = explanationsFixture();
    const dots = dotPoints(v, false, 1);
    const container = document.createElement('div');
    document.body.appendChild(container);
    await renderVegaLite(container, dotPlotSpec(dots.points, dots.order));
    const symbols = [...container.querySelectorAll('.mark-symbol path')];
    expect(symbols).toHaveLength(dots.points.length);
    const textPoints = dots.points.filter((p) => p.level === null).length;
    expect(textPoints).toBeGreaterThan(0);
    expect(symbols.filter((s) => s.getAttribute('fill') === '#8a8a8a')).toHaveLength(textPoints);
  });

  it('offers rows picked in a data preview first in the waterfall, in the sample\'s column order', () => {
    const v = explanationsFixture();
    // The engine's columns may come in another order; the picker aligns them by name.
    const picked: ExplainedRowsView = {
      model: { name: 'Titanic', version: 2 },
      source: 'titanic_ds:1',
      rows: [41],
      outputs: ['0', '1'],
      base: v.base,
      sample: {
        raw: { columns: ['Pclass', 'Sex', 'Age'], shap: [[[-0.03, 0.1, 0.02], [0.03, -0.1, -0.02]]], values: [[3, 'male', 40]] },
        engineered: { columns: v.sample.engineered.columns, shap: [[v.sample.engineered.columns.map(() => 0), v.sample.engineered.columns.map(() => 0)]], values: [v.sample.engineered.columns.map(() => 0)] },
      },
    };
    const { view, labels } = waterfallChoices(v, picked);
    expect(labels).toHaveLength(5);
    expect(labels[0]).toBe('picked: titanic_ds:1 row 42: Pclass=3, Sex=male, Age=40');
    expect(view.sample.raw.shap[0]![1]).toEqual([-0.1, -0.02, 0.03]);
    expect(view.sample.raw.values[0]).toEqual(['male', 40, 3]);
    const steps = waterfallSteps(view, false, 1, 0);
    expect(steps.at(-1)!.end).toBeCloseTo(0.38 - 0.1 - 0.02 + 0.03, 10);
    // Rendered: the picker's first option is the picked row, selected; the hint is gone.
    const panel = renderExplanations(v, {}, () => undefined, undefined, picked) as HTMLElement;
    const first = panel.querySelector<HTMLOptionElement>('.explain-row option')!;
    expect(first.textContent).toMatch(/^picked: titanic_ds:1 row 42/);
    expect(first.selected).toBe(true);
    expect(panel.querySelector('.explain-pick-hint')).toBeNull();
    expect((renderExplanations(v, {}, () => undefined, undefined) as HTMLElement).querySelector('.explain-pick-hint')).not.toBeNull();
    // A step's model (run details) may not be registered: the hint does not promise it can explain a picked row.
    expect((renderExplanations(v, {}, () => undefined, undefined, undefined, false) as HTMLElement).querySelector('.explain-pick-hint')!.textContent).toMatch(/registered model.*\(this model, once registered\)/);
    // Another model's outputs do not mix in.
    expect(waterfallChoices(v, { ...picked, outputs: ['a', 'b', 'c'] }).labels).toHaveLength(4);
  });
});
