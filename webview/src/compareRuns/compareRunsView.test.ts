// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import type { CompareRunsViewState, CompareRunsWebviewMessage } from '../protocol';
import { compareFixture } from '../testing/fixtures';
import { recordingHost, recordingRenderer } from '../testing/recorder';
import { CompareRunsView } from './compareRunsView';
import { parallelAxes } from './parallelCoordinates';

function setup() {
  document.body.innerHTML = '<div id="root"></div>';
  const root = document.getElementById('root')!;
  const host = recordingHost<CompareRunsWebviewMessage, CompareRunsViewState>();
  const charts = recordingRenderer();
  const view = new CompareRunsView(root, host, charts, { kind: 'compareRuns', runIds: ['run-0001-cmp'] });
  expect(host.state).toEqual({ kind: 'compareRuns', runIds: ['run-0001-cmp'] });
  const runs = compareFixture(3, 10);
  view.handle({ type: 'compareRuns', runs });
  return { root, host, charts, runs };
}

describe('CompareRunsView', () => {
  it('puts parameters side by side and can show only the differences', () => {
    const { root, host } = setup();
    expect(root.querySelectorAll('.compare-parameters thead th')).toHaveLength(4);
    const rowNames = () => [...root.querySelectorAll<HTMLElement>('.compare-parameters tbody tr')].map((tr) => tr.dataset.row);
    expect(rowNames()).toContain('iterations');
    expect(rowNames()).toContain('model_name');
    root.querySelector<HTMLElement>('.only-differences')!.dispatchEvent(new Event('change'));
    expect(rowNames()).toContain('model_name');
    expect(rowNames()).not.toContain('iterations');
    expect(host.state?.onlyDifferences).toBe(true);
  });

  it('marks the best value of each metric', () => {
    const { root } = setup();
    const auc = root.querySelector('.compare-metrics tr[data-row="train.AUC_weighted"]')!;
    expect(auc.querySelector('.best')!.textContent).toBe('0.87');
    // Equal values everywhere: nothing to single out.
    expect(root.querySelector('.compare-metrics tr[data-row="train.accuracy"] .best')).toBeNull();
  });

  it('draws the trials of all runs in one parallel-coordinates chart', () => {
    const { charts, runs } = setup();
    expect(charts.specs).toHaveLength(1);
    const spec = charts.specs[0].spec as unknown as { layer: { data: { values: { trial: string; axis: string }[] } }[] };
    const trials = new Set(spec.layer[1].data.values.map((v) => v.trial));
    expect(trials.size).toBe(30);
    const axes = parallelAxes(runs);
    expect(axes.at(-1)!.name).toBe('AUC_weighted');
    expect(axes.map((a) => a.name)).toContain('learning_rate');
  });

  it('posts openRunDetails from a column header', () => {
    const { root, host } = setup();
    root.querySelector<HTMLElement>('.compare-parameters thead th a')!.click();
    expect(host.sent).toContainEqual({ type: 'openRunDetails', runId: 'run-0001-cmp' });
  });
});

describe('parallel coordinates', () => {
  it('gives every run its own colour key even when runs started in the same second', async () => {
    const { parallelCoordinatesSpec } = await import('./parallelCoordinates');
    const runs = compareFixture(3, 4);
    const spec = parallelCoordinatesSpec(runs, parallelAxes(runs)) as unknown as { layer: { data: { values: { run: string }[] } }[] };
    expect(new Set(spec.layer[1].data.values.map((v) => v.run)).size).toBe(3);
  });
});
