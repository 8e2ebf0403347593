import type { TrialRecord } from '../protocol';
import { h } from '../shared/dom';
import { formatDuration, formatNumber, lowerIsBetter } from '../shared/format';

export interface LeaderboardSort {
  key: string;
  descending: boolean;
}

/** The metric columns: the primary metric first, the rest alphabetically. */
export function metricColumns(trials: TrialRecord[], primaryMetric?: string): string[] {
  const names = new Set<string>();
  for (const t of trials) for (const m of Object.keys(t.metrics)) names.add(m);
  const rest = [...names].filter((m) => m !== primaryMetric).sort((a, b) => a.localeCompare(b));
  return primaryMetric && names.has(primaryMetric) ? [primaryMetric, ...rest] : primaryMetric ? [primaryMetric, ...rest] : rest;
}

/** The default order: best primary metric first (Azure's leaderboard order). */
export function defaultSort(primaryMetric?: string): LeaderboardSort {
  return primaryMetric ? { key: `metric:${primaryMetric}`, descending: !lowerIsBetter(primaryMetric) } : { key: 'iteration', descending: false };
}

function sortValue(t: TrialRecord, key: string): number | string | undefined {
  if (key.startsWith('metric:')) return t.metrics[key.slice(7)];
  if (key === 'iteration') return t.iteration;
  if (key === 'algorithm') return t.algorithm;
  if (key === 'duration') return t.durationMs;
  if (key === 'status') return t.status;
  if (key === 'node') return t.node;
  return undefined;
}

/** Sorts trials; missing values (failed trials) always go last, ties by iteration. */
export function sortTrials(trials: TrialRecord[], sort: LeaderboardSort): TrialRecord[] {
  const dir = sort.descending ? -1 : 1;
  return [...trials].sort((a, b) => {
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    const ma = va === undefined || (typeof va === 'number' && Number.isNaN(va));
    const mb = vb === undefined || (typeof vb === 'number' && Number.isNaN(vb));
    if (ma !== mb) return ma ? 1 : -1;
    if (!ma && !mb && va !== vb) {
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      if (c !== 0) return c * dir;
    }
    return a.iteration - b.iteration;
  });
}

export function isEnsemble(algorithm: string): boolean {
  return /ensemble/i.test(algorithm);
}

/** Rows built before the first paint; a leaderboard shows about this many without scrolling. */
const firstRows = 40;
const restChunk = 80;

export interface LeaderboardOptions {
  trials: TrialRecord[];
  primaryMetric?: string;
  bestIteration?: number;
  sort: LeaderboardSort;
  selectedIteration?: number;
  onSort(sort: LeaderboardSort): void;
  onSelect(iteration: number): void;
}

export function renderLeaderboard(o: LeaderboardOptions): HTMLElement {
  if (o.trials.length === 0) return h('div', { class: 'empty' }, 'No trials yet.');
  // Trials that ran on cluster nodes name theirs; a local run's leaderboard has no such column.
  const withNodes = o.trials.some((t) => t.node);
  const metrics = metricColumns(o.trials, o.primaryMetric);
  const sorted = sortTrials(o.trials, o.sort);
  const header = (key: string, label: string, numeric: boolean, titleText?: string): HTMLElement => {
    const active = o.sort.key === key;
    const arrow = active ? (o.sort.descending ? ' ▼' : ' ▲') : '';
    return h(
      'th',
      {
        class: `sortable${numeric ? ' num' : ''}${key === `metric:${o.primaryMetric}` ? ' primary' : ''}`,
        title: titleText ?? `Sort by ${label}`,
        'aria-sort': active ? (o.sort.descending ? 'descending' : 'ascending') : 'none',
        dataset: { sortKey: key },
        on: {
          click: () => {
            const descendingFirst = key.startsWith('metric:') ? !lowerIsBetter(key.slice(7)) : key === 'duration';
            o.onSort({ key, descending: active ? !o.sort.descending : descendingFirst });
          },
        },
      },
      label + arrow,
    );
  };
  const rank = new Map(sortTrials(o.trials, defaultSort(o.primaryMetric)).map((t, i) => [t.iteration, i + 1]));
  const row = (t: TrialRecord): HTMLElement =>
    h(
      'tr',
      {
        class: `clickable${t.iteration === o.selectedIteration ? ' selected' : ''}`,
        tabindex: 0,
        'aria-selected': t.iteration === o.selectedIteration ? 'true' : 'false',
        dataset: { iteration: String(t.iteration) },
        on: { click: () => o.onSelect(t.iteration) },
      },
      h('td', { class: 'num' }, String(rank.get(t.iteration))),
      h('td', { class: 'num' }, String(t.iteration)),
      h(
        'td',
        null,
        t.algorithm,
        isEnsemble(t.algorithm) ? [' ', h('span', { class: 'tag ensemble', title: 'Ensemble of earlier trials' }, 'ensemble')] : null,
        t.iteration === o.bestIteration ? [' ', h('span', { class: 'tag outline best', title: 'The model this step produced' }, 'best')] : null,
      ),
      h('td', null, h('span', { class: `status status-${t.status}`, title: t.error ?? t.status }, t.status)),
      h('td', { class: 'num' }, formatDuration(t.durationMs)),
      withNodes ? h('td', { class: 'trial-node' }, t.node ?? '') : null,
      metrics.map((m) => h('td', { class: 'num' }, formatNumber(t.metrics[m]))),
    );
  // The rows a screen can show are built at once; the rest follow in later tasks, so a
  // leaderboard of hundreds of trials does not hold back the first paint of the page.
  const body = h('tbody', null, sorted.slice(0, firstRows).map(row));
  if (sorted.length > firstRows) {
    const appendRest = (from: number): void => {
      if (!body.isConnected && from > firstRows) return;
      const fragment = document.createDocumentFragment();
      for (const t of sorted.slice(from, from + restChunk)) fragment.appendChild(row(t));
      body.appendChild(fragment);
      if (from + restChunk < sorted.length) setTimeout(() => appendRest(from + restChunk), 0);
      else body.parentElement?.parentElement?.setAttribute('data-complete', 'true');
    };
    setTimeout(() => appendRest(firstRows), 0);
  }
  return h(
    'div',
    { class: 'table-scroll leaderboard', dataset: { trials: String(sorted.length), complete: String(sorted.length <= firstRows) } },
    h(
      'table',
      { class: 'grid' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { class: 'num', title: 'Rank by the primary metric' }, '#'),
          header('iteration', 'Iteration', true),
          header('algorithm', 'Algorithm', false),
          header('status', 'Status', false),
          header('duration', 'Duration', true),
          withNodes ? header('node', 'Node', false, 'The cluster node the trial ran on (AutoML trials across a Slurm job\'s nodes)') : null,
          metrics.map((m) => header(`metric:${m}`, m, true, m === o.primaryMetric ? `Primary metric (${lowerIsBetter(m) ? 'lower' : 'higher'} is better)` : undefined)),
        ),
      ),
      body,
    ),
  );
}
