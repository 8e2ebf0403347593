import {
  assertNever,
  type AutomlStepDetails,
  type RunDetailsData,
  type RunDetailsHostMessage,
  type RunDetailsViewState,
  type RunDetailsWebviewMessage,
  type StepRunRecord,
  type TrialChartsData,
} from '../protocol';
import type { ChartRenderer } from '../shared/charts';
import { h, replaceChildren, type Child } from '../shared/dom';
import { durationBetween, formatBytes, formatDate, formatDuration, formatNumber } from '../shared/format';
import type { HostChannel } from '../shared/host';
import { renderBars } from '../shared/bars';
import { renderExplanations } from '../shared/explanations';
import { chartsFor } from './chartSpecs';
import { defaultSort, renderLeaderboard } from './leaderboard';
import { renderPipelineGraph } from './pipelineGraph';

const automlTabs = ['Leaderboard', 'Guardrails', 'Charts', 'Feature importance', 'Explanations'] as const;

/**
 * Run details: header, pipeline graph, the selected step (logs, outputs, duration, why it
 * was reused) and, for an AutoML step, its leaderboard, guardrails, charts and importances.
 * The host sends the whole run again on every change; the view keeps its own UI state
 * (selected step, sort, selected trial, tab) in `RunDetailsViewState`, so a live update or
 * a window reload lands on the same screen.
 */
export class RunDetailsView {
  private data?: RunDetailsData;
  private state: RunDetailsViewState;
  private readonly logs = new Map<string, { text: string; truncated: boolean }>();
  /** Chart data by `step:iteration` (iteration `best` for the step's model). */
  private readonly charts = new Map<string, TrialChartsData | null>();
  /** Drawn chart panels by the same key, kept so a live update does not redraw them. */
  private readonly chartPanels = new Map<string, HTMLElement>();
  private readonly requestedCharts = new Set<string>();
  private error?: string;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: HostChannel<RunDetailsWebviewMessage, RunDetailsViewState>,
    private readonly renderChart: ChartRenderer,
    initial: RunDetailsViewState,
  ) {
    this.state = initial;
    // Saved at once: the panel serializer can revive only a panel whose page stored its state.
    this.saveState();
    replaceChildren(this.root, h('div', { class: 'loading' }, 'Loading run…'));
  }

  handle(message: RunDetailsHostMessage): void {
    switch (message.type) {
      case 'runDetails':
        this.onRunDetails(message.data);
        break;
      case 'stepLog':
        this.logs.set(message.step, { text: message.text, truncated: message.truncated });
        if (message.step === this.state.selectedStep) this.renderLog();
        break;
      case 'trialCharts': {
        const key = chartKey(message.step, message.iteration);
        this.charts.set(key, message.charts);
        this.chartPanels.delete(key);
        this.render();
        break;
      }
      case 'error':
        this.error = message.message;
        this.render();
        break;
      default:
        assertNever(message);
    }
  }

  private onRunDetails(data: RunDetailsData): void {
    const previous = this.data;
    this.data = data;
    this.error = undefined;
    if (!this.state.selectedStep || !data.run.steps.some((st) => st.name === this.state.selectedStep)) {
      this.state.selectedStep = pickInitialStep(data);
    }
    // While a step runs its log grows: ask again on every update. A finished step's log is asked once.
    const step = this.selectedStep();
    const prevStep = previous?.run.steps.find((st) => st.name === step?.name);
    if (step && (!this.logs.has(step.name) || step.status === 'Running' || prevStep?.status !== step.status)) this.requestLog(step.name);
    // Trial lists grow while AutoML runs, so charts of "the best model" may change: forget them when the step finishes.
    for (const a of data.automl) {
      const before = previous?.automl.find((p) => p.step === a.step);
      if (before && before.bestIteration !== a.bestIteration) this.forgetCharts(a.step, undefined);
    }
    this.saveState();
    this.render();
  }

  private selectedStep(): StepRunRecord | undefined {
    return this.data?.run.steps.find((st) => st.name === this.state.selectedStep);
  }

  private saveState(): void {
    this.host.setState({ ...this.state });
  }

  private requestLog(step: string): void {
    this.host.post({ type: 'requestStepLog', step });
  }

  private forgetCharts(step: string, iteration: number | undefined): void {
    const key = chartKey(step, iteration);
    this.charts.delete(key);
    this.chartPanels.delete(key);
    this.requestedCharts.delete(key);
  }

  private selectStep(name: string): void {
    if (this.state.selectedStep === name) return;
    this.state.selectedStep = name;
    this.state.selectedIteration = undefined;
    this.saveState();
    if (!this.logs.has(name) || this.selectedStep()?.status === 'Running') this.requestLog(name);
    this.render();
  }

  render(): void {
    const data = this.data;
    if (!data) {
      replaceChildren(this.root, this.error ? h('div', { class: 'error-banner' }, this.error) : h('div', { class: 'loading' }, 'Loading run…'));
      return;
    }
    const run = data.run;
    const duration = durationBetween(run.startedAt ?? run.createdAt, run.endedAt);
    const params = Object.entries(run.parameters);
    replaceChildren(
      this.root,
      h('h1', null, run.pipelineName),
      h(
        'div',
        { class: 'subtitle row' },
        h('span', { class: `status status-${run.status}`, 'data-run-status': run.status }, run.status),
        h('span', null, 'Run ', h('code', null, run.id)),
        h('span', null, 'Experiment ', h('strong', null, run.experiment)),
        h('span', null, formatDate(run.createdAt)),
        h('span', null, formatDuration(duration)),
        run.rerunOf ? h('span', null, 'Rerun of ', h('code', null, run.rerunOf)) : null,
      ),
      this.error ? h('div', { class: 'error-banner' }, this.error) : null,
      run.error ? h('div', { class: 'error-banner run-error' }, `${run.error.reason ?? run.error.code}${run.error.step ? ` in step ${run.error.step}` : ''}: ${run.error.message}`) : null,
      params.length
        ? h('dl', { class: 'kv parameters' }, params.map(([k, v]) => [h('dt', null, k), h('dd', null, h('code', null, String(v)))]))
        : null,
      h(
        'div',
        { class: 'legend' },
        ['Completed', 'Running', 'Reused', 'Failed', 'Queued'].map((st) => h('span', { class: `status status-${st}` }, st)),
      ),
      h('div', { class: 'graph-wrap' }, renderPipelineGraph(data.graph, run.steps, this.state.selectedStep, (name) => this.selectStep(name))),
      this.renderStep(),
    );
  }

  private renderStep(): Child {
    const step = this.selectedStep();
    if (!step) return h('div', { class: 'empty' }, 'Select a step in the graph.');
    const duration = durationBetween(step.startedAt, step.endedAt);
    const outputs = Object.entries(step.outputs);
    const metrics = Object.entries(step.metrics);
    const automl = this.data?.automl.find((a) => a.step === step.name);
    return h(
      'section',
      { class: 'step-detail', dataset: { step: step.name } },
      h('h2', null, step.name, ' ', h('span', { class: 'tag outline' }, step.kind), ' ', h('span', { class: `status status-${step.status}` }, step.status)),
      h(
        'dl',
        { class: 'kv' },
        h('dt', null, 'Started'),
        h('dd', null, formatDate(step.startedAt)),
        h('dt', null, 'Ended'),
        h('dd', null, formatDate(step.endedAt)),
        h('dt', null, 'Duration'),
        h('dd', { class: 'step-duration' }, step.status === 'Reused' ? '— (reused)' : formatDuration(duration)),
        step.fingerprint ? [h('dt', null, 'Fingerprint'), h('dd', null, h('code', { title: step.fingerprint }, step.fingerprint.slice(0, 16)))] : null,
        step.trialCount !== undefined ? [h('dt', null, 'Trials'), h('dd', null, String(step.trialCount))] : null,
        step.slurm ? [h('dt', null, 'Slurm job'), h('dd', { class: 'step-slurm-job' }, `${step.slurm.jobId} ${step.slurm.state}${step.slurm.reason ? ` (${step.slurm.reason})` : ''}`)] : null,
        step.slurm?.node ? [h('dt', null, 'Node'), h('dd', { class: 'step-slurm-node' }, step.slurm.node)] : null,
      ),
      step.status === 'Reused' || step.reusedFrom
        ? h(
            'div',
            { class: 'reuse-note' },
            'Reused',
            step.reusedFrom ? [' the outputs of step ', h('strong', null, step.reusedFrom.step), ' in run ', h('code', null, step.reusedFrom.runId)] : null,
            ': the step kind, its code, its parameters and the content of its inputs hash to the same fingerprint, and ',
            h('code', null, 'allow_reuse'),
            ' is on, so it was not run again.',
          )
        : null,
      step.error ? h('div', { class: 'error-banner' }, `${step.error.code}: ${step.error.message}`) : null,
      h('h3', null, 'Outputs'),
      outputs.length
        ? h(
            'table',
            { class: 'grid outputs' },
            h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Kind'), h('th', { class: 'num' }, 'Rows'), h('th', { class: 'num' }, 'Size'), h('th', null, 'Path'), h('th', null, ''))),
            h(
              'tbody',
              null,
              outputs.map(([name, ref]) =>
                h(
                  'tr',
                  null,
                  h('td', null, name),
                  h('td', null, ref.kind),
                  h('td', { class: 'num' }, ref.rows === undefined ? '—' : formatNumber(ref.rows)),
                  h('td', { class: 'num' }, formatBytes(ref.bytes)),
                  h('td', null, h('code', { class: 'muted', title: ref.path }, ref.path)),
                  h(
                    'td',
                    null,
                    ref.kind === 'parquet'
                      ? h('a', { class: 'link preview-output', role: 'button', tabindex: 0, on: { click: () => this.host.post({ type: 'openPreview', step: step.name, output: name }) } }, 'Preview data')
                      : null,
                  ),
                ),
              ),
            ),
          )
        : h('div', { class: 'empty' }, step.status === 'Completed' || step.status === 'Reused' ? 'No outputs.' : 'No outputs yet.'),
      metrics.length
        ? [
            h('h3', null, 'Metrics'),
            h(
              'div',
              { class: 'metric-grid step-metrics' },
              sortPrimaryFirst(metrics, automl?.primaryMetric).map(([k, v]) =>
                h('div', { class: k === automl?.primaryMetric ? 'primary' : '' }, h('span', { class: 'metric-name', title: k }, k), h('span', { class: 'num' }, formatNumber(v))),
              ),
            ),
          ]
        : null,
      automl ? this.renderAutoml(automl) : null,
      h('h3', null, 'Log'),
      h('pre', { class: 'log', id: 'step-log' }, this.logText(step.name)),
    );
  }

  private logText(step: string): string {
    const log = this.logs.get(step);
    if (!log) return 'Loading log…';
    if (!log.text) return '(empty log)';
    return log.truncated ? `… (earlier lines cut; the whole log is in .weir/runs)\n${log.text}` : log.text;
  }

  private renderLog(): void {
    const pre = this.root.querySelector<HTMLElement>('#step-log');
    if (!pre) return;
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = this.logText(this.state.selectedStep ?? '');
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }

  private renderAutoml(a: AutomlStepDetails): HTMLElement {
    const sort = this.state.sort ?? defaultSort(a.primaryMetric);
    const iteration = this.state.selectedIteration;
    const tabIndex = this.state.automlTab ?? 0;
    const alerted = a.guardrails.filter((g) => g.status === 'Alerted').length;
    const headers = automlTabs.map((label, i) =>
      h('vscode-tab-header', { slot: 'header', id: `automl-tab-${i}` }, label, i === 0 ? ` (${a.trials.length})` : i === 1 && alerted ? ` (${alerted} alerted)` : ''),
    );
    const tabs = h(
      'vscode-tabs',
      { 'selected-index': tabIndex, class: 'automl-tabs' },
      headers,
      h('vscode-tab-panel', { class: 'tab-leaderboard' }, this.renderLeaderboardPanel(a, sort, iteration)),
      h('vscode-tab-panel', { class: 'tab-guardrails' }, renderGuardrails(a)),
      h('vscode-tab-panel', { class: 'tab-charts' }, this.renderCharts(a)),
      h('vscode-tab-panel', { class: 'tab-importances' }, this.renderImportances(a)),
      h('vscode-tab-panel', { class: 'tab-explanations' }, this.renderExplanationsTab(a)),
    );
    tabs.addEventListener('vsc-tabs-select', (ev) => {
      this.state.automlTab = (ev as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
      this.saveState();
      if (this.state.automlTab === 2) this.ensureCharts(a.step, this.state.selectedIteration);
      if (this.state.automlTab === automlTabs.indexOf('Explanations')) this.render();
    });
    if (tabIndex === 2) this.ensureCharts(a.step, iteration);
    return h(
      'div',
      { class: 'automl' },
      h('h3', null, 'AutoML'),
      h(
        'div',
        { class: 'row muted' },
        h('span', null, 'Task ', h('strong', null, a.task)),
        a.primaryMetric ? h('span', null, 'Primary metric ', h('strong', null, a.primaryMetric)) : null,
        a.bestIteration !== undefined ? h('span', null, 'Best iteration ', h('strong', null, String(a.bestIteration))) : null,
      ),
      a.testSet ? renderTestSet(a) : null,
      tabs,
    );
  }

  private renderLeaderboardPanel(a: AutomlStepDetails, sort: { key: string; descending: boolean }, iteration: number | undefined): Child {
    return [
      h(
        'div',
        { class: 'muted' },
        a.trials.some((t) => t.charts)
          ? 'Click a column to sort, a row to see that trial’s charts.'
          : 'Click a column to sort, a row to select it; the step keeps charts for the model it chose (marked best).',
      ),
      renderLeaderboard({
        trials: a.trials,
        primaryMetric: a.primaryMetric,
        bestIteration: a.bestIteration,
        sort,
        selectedIteration: iteration,
        onSort: (next) => {
          this.state.sort = next;
          this.saveState();
          this.render();
        },
        onSelect: (it) => {
          this.state.selectedIteration = it;
          this.state.automlTab = 2;
          this.saveState();
          this.ensureCharts(a.step, it);
          this.render();
        },
      }),
    ];
  }

  /** Asks the host for a trial's chart data once. */
  private ensureCharts(step: string, iteration: number | undefined): void {
    const key = chartKey(step, iteration);
    if (this.charts.has(key) || this.requestedCharts.has(key)) return;
    this.requestedCharts.add(key);
    this.host.post({ type: 'requestTrialCharts', step, iteration });
  }

  private renderCharts(a: AutomlStepDetails): Child {
    const iteration = this.state.selectedIteration;
    const key = chartKey(a.step, iteration);
    const trial = iteration === undefined ? undefined : a.trials.find((t) => t.iteration === iteration);
    const heading = h(
      'div',
      { class: 'row' },
      h('span', null, iteration === undefined ? 'The best model' : `Trial ${iteration}`, trial ? ` — ${trial.algorithm}` : ''),
      iteration !== undefined
        ? h(
            'a',
            {
              class: 'link',
              role: 'button',
              tabindex: 0,
              on: {
                click: () => {
                  this.state.selectedIteration = undefined;
                  this.saveState();
                  this.ensureCharts(a.step, undefined);
                  this.render();
                },
              },
            },
            'show the best model',
          )
        : null,
    );
    if (!this.charts.has(key)) return [heading, h('div', { class: 'loading' }, 'Loading charts…')];
    const data = this.charts.get(key);
    if (!data) {
      const running = this.data?.run.steps.some((st) => st.name === a.step && (st.status === 'Running' || st.status === 'Queued'));
      return [heading, h('div', { class: 'empty' }, running && iteration === undefined ? 'Charts of the best model appear when the step finishes.' : 'No chart data was kept for this trial.')];
    }
    let panel = this.chartPanels.get(key);
    if (!panel) {
      panel = h('div', { class: 'chart-grid', dataset: { charts: key } });
      for (const def of chartsFor(data)) {
        const target = h('div', { class: `chart-canvas chart-${def.id}` });
        panel.appendChild(h('div', { class: 'chart', dataset: { chart: def.id } }, h('h3', null, def.title), target));
        this.renderChart(target, def.spec).catch((e: unknown) => replaceChildren(target, h('div', { class: 'error-banner' }, `Chart failed: ${String(e)}`)));
      }
      if (!panel.childElementCount) panel.appendChild(h('div', { class: 'empty' }, 'This trial has no chart data.'));
      this.chartPanels.set(key, panel);
    }
    const testCharts = iteration === undefined || iteration === a.bestIteration ? a.testSet?.charts : undefined;
    if (!testCharts) return [heading, panel];
    return [heading, h('h3', null, 'Validation (out-of-fold predictions)'), panel, h('h3', null, `Test set (${a.testSet!.rows} rows)`), this.chartPanel(`${a.step}:test`, testCharts)];
  }

  /** A grid of charts drawn once and kept under `key`, so a live update does not redraw it. */
  private chartPanel(key: string, data: TrialChartsData): HTMLElement {
    let panel = this.chartPanels.get(key);
    if (!panel) {
      panel = h('div', { class: 'chart-grid', dataset: { charts: key } });
      for (const def of chartsFor(data)) {
        const target = h('div', { class: `chart-canvas chart-${def.id}` });
        panel.appendChild(h('div', { class: 'chart', dataset: { chart: def.id } }, h('h3', null, def.title), target));
        this.renderChart(target, def.spec).catch((e: unknown) => replaceChildren(target, h('div', { class: 'error-banner' }, `Chart failed: ${String(e)}`)));
      }
      this.chartPanels.set(key, panel);
    }
    return panel;
  }

  /** Charts are drawn only while the tab is shown; a choice in the tab redraws it. */
  private renderExplanationsTab(a: AutomlStepDetails): Child {
    const shown = (this.state.automlTab ?? 0) === automlTabs.indexOf('Explanations');
    return renderExplanations(
      a.explanations,
      this.state.explanations ?? {},
      (ui) => {
        this.state.explanations = ui;
        this.saveState();
        this.render();
      },
      shown ? this.renderChart : undefined,
      undefined,
      false,
    );
  }

  private renderImportances(a: AutomlStepDetails): Child {
    if (!a.featureImportances?.length) return h('div', { class: 'empty' }, 'The best model reported no feature importances.');
    return [h('div', { class: 'muted' }, 'Share of the best model’s total gain, largest first.'), renderBars(a.featureImportances, 30)];
  }
}

function renderGuardrails(a: AutomlStepDetails): Child {
  if (!a.guardrails.length) return h('div', { class: 'empty' }, 'No guardrails were reported (featurization off?).');
  return h(
    'table',
    { class: 'grid guardrails' },
    h('thead', null, h('tr', null, h('th', null, 'Guardrail'), h('th', null, 'Status'), h('th', null, 'Description'), h('th', null, 'Details'))),
    h(
      'tbody',
      null,
      a.guardrails.map((g) =>
        h(
          'tr',
          null,
          h('td', null, g.name),
          h('td', null, h('span', { class: `status status-${g.status}` }, g.status)),
          h('td', { class: 'wrap' }, g.description),
          h('td', { class: 'wrap' }, (g.details ?? []).map((d) => h('div', null, Object.entries(d).map(([k, v]) => `${k}: ${typeof v === 'number' ? formatNumber(v) : String(v)}`).join(', ')))),
        ),
      ),
    ),
  );
}

/** The chosen model's test-set scores beside its validation scores, and each scored row's primary metric. */
function renderTestSet(a: AutomlStepDetails): HTMLElement {
  const t = a.testSet!;
  const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : formatNumber(v));
  const source = t.source === 'test_data' ? 'the test_data input' : `test_data_size ${t.fraction}`;
  return h(
    'details',
    { class: 'test-set', open: true },
    h('summary', null, `Test set: ${t.rows} rows (${source}), scored once after the search`),
    h(
      'table',
      { class: 'grid test-metrics' },
      h('thead', null, h('tr', null, h('th', null, 'Metric'), h('th', null, 'Validation (CV)'), h('th', null, 'Test'))),
      h(
        'tbody',
        null,
        t.metrics.map((m) => h('tr', { 'data-metric': m.metric }, h('td', null, m.metric === a.primaryMetric ? h('strong', null, m.metric) : m.metric), h('td', null, fmt(m.validation)), h('td', null, fmt(m.test)))),
      ),
    ),
    t.rowsScored.length > 1
      ? h(
          'table',
          { class: 'grid test-rows' },
          h('thead', null, h('tr', null, h('th', null, 'Iteration'), h('th', null, 'Algorithm'), h('th', null, `${a.primaryMetric ?? 'score'} (CV)`), h('th', null, `${a.primaryMetric ?? 'score'} (test)`))),
          h(
            'tbody',
            null,
            t.rowsScored.map((r) => h('tr', { 'data-iteration': String(r.iteration) }, h('td', null, String(r.iteration)), h('td', null, r.algorithm), h('td', null, fmt(r.validation)), h('td', null, fmt(r.test)))),
          ),
        )
      : null,
  );
}

function sortPrimaryFirst(metrics: [string, number][], primary: string | undefined): [string, number][] {
  return [...metrics].sort(([a], [b]) => (a === primary ? -1 : b === primary ? 1 : 0));
}

function chartKey(step: string, iteration: number | undefined): string {
  return `${step}:${iteration ?? 'best'}`;
}

/** The step to show first: a failed or running one (what the user is looking for), else the first AutoML step, else the first step. */
export function pickInitialStep(data: RunDetailsData): string | undefined {
  const steps = data.run.steps;
  return (
    steps.find((st) => st.status === 'Failed')?.name ??
    steps.find((st) => st.status === 'Running')?.name ??
    data.automl[0]?.step ??
    steps[0]?.name
  );
}
