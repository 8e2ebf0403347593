// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import type { RunDetailsViewState, RunDetailsWebviewMessage } from '../protocol';
import { classificationChartsFixture, runDetailsFixture } from '../testing/fixtures';
import { recordingHost, recordingRenderer } from '../testing/recorder';
import { RunDetailsView } from './runDetailsView';

function render(withTestSet: boolean, automlTab?: number) {
  document.body.innerHTML = '<div id="root"></div>';
  const root = document.getElementById('root')!;
  const view = new RunDetailsView(root, recordingHost<RunDetailsWebviewMessage, RunDetailsViewState>(), recordingRenderer(), { kind: 'runDetails', runId: 'run-0001-abcdef', automlTab });
  const data = runDetailsFixture(8);
  if (withTestSet) {
    data.automl[0].testSet = {
      source: 'test_data_size',
      fraction: 0.2,
      rows: 179,
      metrics: [
        { metric: 'AUC_weighted', validation: 0.8687, test: 0.8512 },
        { metric: 'accuracy', validation: 0.82, test: 0.8101 },
      ],
      rowsScored: [
        { iteration: 7, algorithm: 'VotingEnsemble', validation: 0.8687, test: 0.8512 },
        { iteration: 8, algorithm: 'StackEnsemble', validation: 0.866, test: 0.849 },
      ],
      charts: classificationChartsFixture(),
    };
  }
  view.handle({ type: 'runDetails', data });
  view.handle({ type: 'trialCharts', step: 'train', iteration: undefined, charts: classificationChartsFixture() });
  return root;
}

describe('RunDetailsView test set', () => {
  it('shows the test scores beside the validation scores, primary metric first, and each scored row', () => {
    const root = render(true);
    const panel = root.querySelector('.test-set')!;
    expect(panel.querySelector('summary')!.textContent).toBe('Test set: 179 rows (test_data_size 0.2), scored once after the search');
    const rows = [...panel.querySelectorAll('.test-metrics tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
    expect(rows[0][0]).toBe('AUC_weighted');
    expect(rows[0].slice(1).map(Number)).toEqual([0.8687, 0.8512]);
    expect([...panel.querySelectorAll('.test-rows tbody tr')].map((tr) => tr.getAttribute('data-iteration'))).toEqual(['7', '8']);
  });

  it("draws the chosen model's test-set charts under its validation charts", () => {
    const root = render(true, 2);
    const grids = [...root.querySelectorAll<HTMLElement>('.tab-charts .chart-grid')].map((g) => g.dataset.charts);
    expect(grids).toEqual(['train:best', 'train:test']);
    const test = root.querySelector('[data-charts="train:test"]')!;
    expect([...test.querySelectorAll<HTMLElement>('.chart')].map((c) => c.dataset.chart)).toEqual([...root.querySelectorAll<HTMLElement>('[data-charts="train:best"] .chart')].map((c) => c.dataset.chart));
  });

  it('has no test-set panel or test charts when the step had no test set', () => {
    const root = render(false, 2);
    expect(root.querySelector('.test-set')).toBeNull();
    expect(root.querySelector('[data-charts="train:test"]')).toBeNull();
  });
});
