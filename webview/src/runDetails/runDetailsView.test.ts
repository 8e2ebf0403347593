// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunDetailsViewState, RunDetailsWebviewMessage } from '../protocol';
import { classificationChartsFixture, forecastChartsFixture, regressionChartsFixture, runDetailsFixture } from '../testing/fixtures';
import { recordingHost, recordingRenderer } from '../testing/recorder';
import { RunDetailsView } from './runDetailsView';

function setup(trials = 20) {
  document.body.innerHTML = '<div id="root"></div>';
  const root = document.getElementById('root')!;
  const host = recordingHost<RunDetailsWebviewMessage, RunDetailsViewState>();
  const charts = recordingRenderer();
  const view = new RunDetailsView(root, host, charts, { kind: 'runDetails', runId: 'run-0001-abcdef' });
  const data = runDetailsFixture(trials);
  view.handle({ type: 'runDetails', data });
  return { root, host, charts, view, data };
}

const leaderboardIterations = (root: HTMLElement) => [...root.querySelectorAll<HTMLElement>('.leaderboard tbody tr')].map((tr) => Number(tr.dataset.iteration));

describe('RunDetailsView', () => {
  beforeEach(() => {
    document.body.innerHTML = '';
  });

  it('draws every step of the graph with its status, and the pipeline input', () => {
    const { root } = setup();
    const nodes = [...root.querySelectorAll<SVGElement>('.pipeline-graph [data-node]')].map((n) => [n.getAttribute('data-node'), n.getAttribute('data-status')]);
    expect(nodes).toEqual([
      ['input:titanic', 'Input'],
      ['dataprep', 'Reused'],
      ['train', 'Completed'],
      ['register', 'Completed'],
    ]);
    expect(root.querySelectorAll('.pipeline-graph .graph-edge')).toHaveLength(3);
    expect(root.querySelector('h1')!.textContent).toBe('titanic-automl');
  });

  it('shows one leaderboard row per trial, best primary metric first, ensembles marked', () => {
    const { root, data } = setup(20);
    const trials = data.automl[0].trials;
    const rows = root.querySelectorAll('.leaderboard tbody tr');
    expect(rows).toHaveLength(20);
    const headers = [...root.querySelectorAll('.leaderboard thead th')].map((th) => th.textContent);
    expect(headers[5]).toMatch(/^AUC_weighted/);
    const aucs = leaderboardIterations(root).map((i) => trials[i].metrics.AUC_weighted ?? -Infinity);
    const completed = aucs.filter((v) => v !== -Infinity);
    expect(completed).toEqual([...completed].sort((a, b) => b - a));
    // The failed trial has no metrics and goes last.
    expect(leaderboardIterations(root).at(-1)).toBe(3);
    expect(root.querySelectorAll('.leaderboard .tag.ensemble')).toHaveLength(2);
    expect(root.querySelectorAll('.leaderboard .tag.best')).toHaveLength(1);
  });

  it('shows the node of each trial when its trials ran across cluster nodes, and none for a local run', () => {
    expect([...setup(6).root.querySelectorAll('.leaderboard thead th')].map((th) => th.textContent)).not.toContain('Node');
    document.body.innerHTML = '<div id="root"></div>';
    const root = document.getElementById('root')!;
    const view = new RunDetailsView(root, recordingHost<RunDetailsWebviewMessage, RunDetailsViewState>(), recordingRenderer(), { kind: 'runDetails', runId: 'run-0001-abcdef' });
    const data = runDetailsFixture(6);
    data.automl[0].trials.forEach((t, i) => (t.node = i % 2 ? 'n2' : 'n1'));
    view.handle({ type: 'runDetails', data });
    const headers = [...root.querySelectorAll('.leaderboard thead th')].map((th) => th.textContent);
    expect(headers[5]).toMatch(/^Node/);
    const nodeOf = new Map([...root.querySelectorAll<HTMLElement>('.leaderboard tbody tr')].map((tr) => [Number(tr.dataset.iteration), tr.querySelector('.trial-node')!.textContent]));
    for (const t of data.automl[0].trials) expect(nodeOf.get(t.iteration)).toBe(t.node);
  });

  it('builds a long leaderboard in chunks after the first paint, in order', async () => {
    const { root, data } = setup(200);
    const board = root.querySelector<HTMLElement>('.leaderboard')!;
    expect(root.querySelectorAll('.leaderboard tbody tr')).toHaveLength(40);
    expect(board.dataset.complete).toBe('false');
    for (let i = 0; i < 50 && board.dataset.complete !== 'true'; i++) await new Promise((r) => setTimeout(r, 5));
    expect(board.dataset.complete).toBe('true');
    const iterations = leaderboardIterations(root);
    expect(iterations).toHaveLength(200);
    expect(new Set(iterations).size).toBe(200);
    const aucs = iterations.map((i) => data.automl[0].trials[i].metrics.AUC_weighted).filter((v) => v !== undefined);
    expect(aucs).toEqual([...aucs].sort((a, b) => b - a));
  });

  it('sorts by any column when its header is clicked, and flips on a second click', () => {
    const { root, host, data } = setup(20);
    const trials = data.automl[0].trials;
    const header = () => root.querySelector<HTMLElement>('.leaderboard th[data-sort-key="metric:log_loss"]')!;
    header().click();
    let losses = leaderboardIterations(root).map((i) => trials[i].metrics.log_loss).filter((v) => v !== undefined);
    expect(losses).toEqual([...losses].sort((a, b) => a - b));
    expect(host.state?.sort).toEqual({ key: 'metric:log_loss', descending: false });
    header().click();
    losses = leaderboardIterations(root).map((i) => trials[i].metrics.log_loss).filter((v) => v !== undefined);
    expect(losses).toEqual([...losses].sort((a, b) => b - a));
    root.querySelector<HTMLElement>('.leaderboard th[data-sort-key="algorithm"]')!.click();
    const algos = leaderboardIterations(root).map((i) => trials[i].algorithm);
    expect(algos).toEqual([...algos].sort((a, b) => a.localeCompare(b)));
  });

  it('asks for a trial’s charts when its row is clicked and draws every classification chart', () => {
    const { root, host, charts } = setup(20);
    root.querySelector<HTMLElement>('.leaderboard tbody tr[data-iteration="5"]')!.click();
    expect(host.sent).toContainEqual({ type: 'requestTrialCharts', step: 'train', iteration: 5 });
    expect(root.querySelector('.leaderboard tr[data-iteration="5"]')!.classList.contains('selected')).toBe(true);
    expect(root.querySelector('.tab-charts')!.textContent).toContain('Loading charts');
    // Asked once: a second click on the same row does not ask again.
    root.querySelector<HTMLElement>('.leaderboard tbody tr[data-iteration="5"]')!.click();
    expect(host.sent.filter((m) => m.type === 'requestTrialCharts')).toHaveLength(1);
    expect(charts.specs.every((s) => !s.container.classList.contains('chart-roc'))).toBe(true);
  });

  it('renders classification, regression and forecasting chart data', () => {
    const { root, charts, view } = setup(5);
    view.handle({ type: 'trialCharts', step: 'train', iteration: undefined, charts: classificationChartsFixture() });
    // The charts tab renders once selected; the leaderboard row click selects it.
    root.querySelector<HTMLElement>('.leaderboard tbody tr[data-iteration="1"]')!.click();
    view.handle({ type: 'trialCharts', step: 'train', iteration: 1, charts: classificationChartsFixture() });
    const ids = [...root.querySelectorAll<HTMLElement>('.tab-charts [data-chart]')].map((c) => c.dataset.chart);
    expect(ids).toEqual(['roc', 'precision-recall', 'calibration', 'lift', 'cumulative-gains', 'confusion-counts', 'confusion-normalized', 'importances']);
    expect(charts.specs.length).toBeGreaterThanOrEqual(8);
    const roc = charts.specs.find((s) => s.container.classList.contains('chart-roc'))!;
    expect(JSON.stringify(roc.spec)).toContain('False positive rate');

    root.querySelector<HTMLElement>('.leaderboard tbody tr[data-iteration="2"]')!.click();
    view.handle({ type: 'trialCharts', step: 'train', iteration: 2, charts: regressionChartsFixture() });
    expect([...root.querySelectorAll<HTMLElement>('.tab-charts [data-chart]')].map((c) => c.dataset.chart)).toEqual(['residuals', 'predicted-vs-true']);

    root.querySelector<HTMLElement>('.leaderboard tbody tr[data-iteration="3"]')!.click();
    view.handle({ type: 'trialCharts', step: 'train', iteration: 3, charts: forecastChartsFixture() });
    expect([...root.querySelectorAll<HTMLElement>('.tab-charts [data-chart]')].map((c) => c.dataset.chart)).toEqual(['forecast']);

    root.querySelector<HTMLElement>('.leaderboard tbody tr[data-iteration="4"]')!.click();
    view.handle({ type: 'trialCharts', step: 'train', iteration: 4, charts: null });
    expect(root.querySelector('.tab-charts')!.textContent).toContain('No chart data was kept');
  });

  it('shows guardrails, importances, the reuse reason, outputs and the log of the selected step', () => {
    const { root, host, view } = setup(5);
    expect(root.querySelectorAll('.guardrails tbody tr')).toHaveLength(4);
    expect(root.querySelector('.guardrails')!.textContent).toContain('Alerted');
    expect(host.sent).toContainEqual({ type: 'requestStepLog', step: 'train' });
    view.handle({ type: 'stepLog', step: 'train', text: 'trial 0 done\ntrial 1 done', truncated: false });
    expect(root.querySelector('#step-log')!.textContent).toContain('trial 1 done');

    root.querySelector<SVGElement>('[data-node="dataprep"]')!.dispatchEvent(new Event('click'));
    expect(host.state?.selectedStep).toBe('dataprep');
    expect(root.querySelector('.reuse-note')!.textContent).toContain('run-0000-prev');
    expect(root.querySelector('.step-detail h2')!.textContent).toContain('dataprep');
    root.querySelector<HTMLElement>('.preview-output')!.click();
    expect(host.sent).toContainEqual({ type: 'openPreview', step: 'dataprep', output: 'prepped' });
  });

  it('updates the graph live and keeps the selected step and sort', () => {
    document.body.innerHTML = '<div id="root"></div>';
    const root = document.getElementById('root')!;
    const host = recordingHost<RunDetailsWebviewMessage, RunDetailsViewState>();
    const view = new RunDetailsView(root, host, recordingRenderer(), { kind: 'runDetails', runId: 'run-0001-abcdef' });
    view.handle({ type: 'runDetails', data: runDetailsFixture(3, 'Running') });
    expect(root.querySelector('[data-node="train"]')!.getAttribute('data-status')).toBe('Running');
    expect(root.querySelector('[data-node="register"]')!.getAttribute('data-status')).toBe('Queued');
    root.querySelector<HTMLElement>('.leaderboard th[data-sort-key="iteration"]')!.click();
    view.handle({ type: 'runDetails', data: runDetailsFixture(12, 'Completed') });
    expect(root.querySelector('[data-node="train"]')!.getAttribute('data-status')).toBe('Completed');
    expect(root.querySelectorAll('.leaderboard tbody tr')).toHaveLength(12);
    expect(leaderboardIterations(root).slice(0, 3)).toEqual([0, 1, 2]);
    expect(host.state?.selectedStep).toBe('train');
  });

  it('says charts come when a running AutoML step finishes, then asks again', () => {
    document.body.innerHTML = '<div id="root"></div>';
    const root = document.getElementById('root')!;
    const host = recordingHost<RunDetailsWebviewMessage, RunDetailsViewState>();
    const view = new RunDetailsView(root, host, recordingRenderer(), { kind: 'runDetails', runId: 'run-0001-abcdef', automlTab: 2 });
    const running = runDetailsFixture(3, 'Running');
    running.automl[0].bestIteration = undefined;
    view.handle({ type: 'runDetails', data: running });
    expect(host.sent.filter((m) => m.type === 'requestTrialCharts')).toHaveLength(1);
    view.handle({ type: 'trialCharts', step: 'train', iteration: undefined, charts: null });
    expect(root.querySelector('.tab-charts')!.textContent).toContain('appear when the step finishes');
    view.handle({ type: 'runDetails', data: runDetailsFixture(5, 'Completed') });
    expect(host.sent.filter((m) => m.type === 'requestTrialCharts')).toHaveLength(2);
  });

  it('restores its state after a reload', () => {
    document.body.innerHTML = '<div id="root"></div>';
    const root = document.getElementById('root')!;
    const host = recordingHost<RunDetailsWebviewMessage, RunDetailsViewState>();
    const view = new RunDetailsView(root, host, recordingRenderer(), { kind: 'runDetails', runId: 'run-0001-abcdef', selectedStep: 'register', sort: { key: 'duration', descending: true } });
    view.handle({ type: 'runDetails', data: runDetailsFixture(5) });
    expect(root.querySelector('.step-detail')!.getAttribute('data-step')).toBe('register');
    expect(host.sent).toContainEqual({ type: 'requestStepLog', step: 'register' });
  });

  it('shows an error from the host, having stored its state first', () => {
    document.body.innerHTML = '<div id="root"></div>';
    const root = document.getElementById('root')!;
    const host = recordingHost<RunDetailsWebviewMessage, RunDetailsViewState>();
    const view = new RunDetailsView(root, host, recordingRenderer(), { kind: 'runDetails', runId: 'nope' });
    expect(host.state).toEqual({ kind: 'runDetails', runId: 'nope' });
    view.handle({ type: 'error', message: 'no run nope' });
    expect(root.querySelector('.error-banner')!.textContent).toBe('no run nope');
  });
});
