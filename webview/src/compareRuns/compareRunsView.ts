import { assertNever, type CompareRunData, type CompareRunsHostMessage, type CompareRunsViewState, type CompareRunsWebviewMessage } from '../protocol';
import type { ChartRenderer } from '../shared/charts';
import { h, replaceChildren, type Child } from '../shared/dom';
import { durationBetween, formatDate, formatDuration, formatNumber, lowerIsBetter, runLabel } from '../shared/format';
import type { HostChannel } from '../shared/host';
import { parallelAxes, parallelCoordinatesSpec } from './parallelCoordinates';

interface CompareRow {
  name: string;
  values: (string | number | undefined)[];
}

/** Run comparison: parameters side by side (optionally only the differing ones), metrics, and all trials in one chart. */
export class CompareRunsView {
  private runs?: CompareRunData[];
  private error?: string;
  private chart?: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: HostChannel<CompareRunsWebviewMessage, CompareRunsViewState>,
    private readonly renderChart: ChartRenderer,
    private state: CompareRunsViewState,
  ) {
    // Saved at once: the panel serializer can revive only a panel whose page stored its state.
    this.host.setState(this.state);
    replaceChildren(this.root, h('div', { class: 'loading' }, 'Loading runs…'));
  }

  handle(message: CompareRunsHostMessage): void {
    switch (message.type) {
      case 'compareRuns':
        this.runs = message.runs;
        this.error = undefined;
        this.chart = undefined;
        this.state = { ...this.state, runIds: message.runs.map((r) => r.run.id) };
        this.host.setState(this.state);
        break;
      case 'error':
        this.error = message.message;
        break;
      default:
        assertNever(message);
    }
    this.render();
  }

  private render(): void {
    const runs = this.runs;
    if (!runs) {
      replaceChildren(this.root, this.error ? h('div', { class: 'error-banner' }, this.error) : h('div', { class: 'loading' }, 'Loading runs…'));
      return;
    }
    const only = this.state.onlyDifferences ?? false;
    const toggle = h('vscode-checkbox', { toggle: true, checked: only, class: 'only-differences' }, 'Only differences');
    toggle.addEventListener('change', () => {
      this.state = { ...this.state, onlyDifferences: !(this.state.onlyDifferences ?? false) };
      this.host.setState(this.state);
      this.render();
    });
    replaceChildren(
      this.root,
      h('h1', null, `Compare ${runs.length} runs`),
      this.error ? h('div', { class: 'error-banner' }, this.error) : null,
      h('h2', null, 'Parameters'),
      toggle,
      compareTable(runs, parameterRows(runs), only, (id) => this.host.post({ type: 'openRunDetails', runId: id }), 'parameters'),
      h('h2', null, 'Metrics'),
      compareTable(runs, metricRows(runs), false, (id) => this.host.post({ type: 'openRunDetails', runId: id }), 'metrics'),
      h('h2', null, 'Trials'),
      this.trialsChart(runs),
    );
  }

  private trialsChart(runs: CompareRunData[]): Child {
    const count = runs.reduce((n, r) => n + r.trials.reduce((m, s) => m + s.trials.length, 0), 0);
    if (!count) return h('div', { class: 'empty' }, 'None of these runs has AutoML trials.');
    if (!this.chart) {
      const axes = parallelAxes(runs);
      const target = h('div', { class: 'chart-canvas chart-parallel' });
      this.chart = h('div', { class: 'chart', dataset: { chart: 'parallel-coordinates' } }, h('div', { class: 'muted' }, `${count} trials; each axis is scaled to its own range (min at the bottom, max on top).`), target);
      this.renderChart(target, parallelCoordinatesSpec(runs, axes)).catch((e: unknown) => replaceChildren(target, h('div', { class: 'error-banner' }, `Chart failed: ${String(e)}`)));
    }
    return this.chart;
  }
}

function parameterRows(runs: CompareRunData[]): CompareRow[] {
  const fixed: CompareRow[] = [
    { name: 'Pipeline', values: runs.map((r) => r.run.pipelineName) },
    { name: 'Pipeline file', values: runs.map((r) => r.run.pipelineFile) },
    { name: 'Experiment', values: runs.map((r) => r.run.experiment) },
    { name: 'Status', values: runs.map((r) => r.run.status) },
    { name: 'Created', values: runs.map((r) => formatDate(r.run.createdAt)) },
    { name: 'Duration', values: runs.map((r) => formatDuration(durationBetween(r.run.startedAt ?? r.run.createdAt, r.run.endedAt))) },
  ];
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.run.parameters)))].sort();
  const params = names.map((n) => ({ name: n, values: runs.map((r) => (n in r.run.parameters ? String(r.run.parameters[n]) : undefined)) }));
  return [...fixed, ...params];
}

function metricRows(runs: CompareRunData[]): CompareRow[] {
  const names = new Set<string>();
  for (const r of runs) for (const st of r.run.steps) for (const m of Object.keys(st.metrics)) names.add(`${st.name}.${m}`);
  const rows: CompareRow[] = [...names].sort().map((key) => {
    const dot = key.indexOf('.');
    const [step, metric] = [key.slice(0, dot), key.slice(dot + 1)];
    return { name: key, values: runs.map((r) => r.run.steps.find((st) => st.name === step)?.metrics[metric]) };
  });
  rows.push({ name: 'trials', values: runs.map((r) => r.trials.reduce((n, s) => n + s.trials.length, 0)) });
  return rows;
}

function compareTable(runs: CompareRunData[], rows: CompareRow[], onlyDifferences: boolean, open: (runId: string) => void, kind: string): HTMLElement {
  const differs = (row: CompareRow): boolean => new Set(row.values.map((v) => (v === undefined ? '\u0000' : String(v)))).size > 1;
  const shown = onlyDifferences ? rows.filter(differs) : rows;
  const bestIndex = (row: CompareRow): number => {
    const nums = row.values.map((v) => (typeof v === 'number' ? v : NaN));
    const present = nums.filter((v) => !Number.isNaN(v));
    if (kind !== 'metrics' || row.name === 'trials' || new Set(present).size < 2) return -1;
    const lower = lowerIsBetter(row.name);
    let best = -1;
    nums.forEach((v, i) => {
      if (!Number.isNaN(v) && (best < 0 || (lower ? v < nums[best] : v > nums[best]))) best = i;
    });
    return best;
  };
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: `grid compare-${kind}` },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, kind === 'metrics' ? 'Metric' : 'Parameter'),
          runs.map((r) => h('th', null, h('a', { class: 'link', role: 'button', tabindex: 0, title: 'Open run details', on: { click: () => open(r.run.id) } }, runLabel(r.run)), h('div', { class: 'muted mono run-id' }, r.run.id))),
        ),
      ),
      h(
        'tbody',
        null,
        shown.length
          ? shown.map((row) => {
              const best = bestIndex(row);
              return h(
                'tr',
                { class: differs(row) ? 'differs' : '', dataset: { row: row.name } },
                h('td', null, row.name),
                row.values.map((v, i) => h('td', { class: `${typeof v === 'number' ? 'num' : ''}${i === best ? ' best' : ''}` }, v === undefined ? '—' : typeof v === 'number' ? formatNumber(v) : v)),
              );
            })
          : h('tr', null, h('td', { class: 'empty', colspan: runs.length + 1 }, 'No differences.')),
      ),
    ),
  );
}
