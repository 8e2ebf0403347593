import {
  assertNever,
  type ColumnProfile,
  type DataPreviewHostMessage,
  type DataPreviewViewState,
  type DataPreviewWebviewMessage,
  type PreviewInfo,
  type PreviewProfile,
} from '../protocol';
import { h, replaceChildren, s, type Child } from '../shared/dom';
import { formatBytes, formatNumber } from '../shared/format';
import type { HostChannel } from '../shared/host';
import { VirtualTable } from './virtualTable';

/**
 * Data preview: a table's schema and size at once, its rows in a virtual table fed page by
 * page, and a per-column profile that DuckDB computes after the first page is on screen.
 */
export class DataPreviewView {
  private info?: PreviewInfo;
  private table?: VirtualTable;
  private profile?: PreviewProfile;
  private profileRequested = false;
  private error?: string;
  private readonly tableHost = h('div', { class: 'table-host' });
  private readonly profileHost = h('div', { class: 'profile-host' }, h('div', { class: 'loading' }, 'Profiling columns…'));
  /** "Explain row N with a model…" once a row is selected (a click on it); what is missing otherwise. */
  private readonly explainHost = h('span', { class: 'explain-row-host muted' });
  private selectedRow?: number;
  /** Registered models, once the host has said (unknown: rows may be explained). */
  private registeredModels?: number;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: HostChannel<DataPreviewWebviewMessage, DataPreviewViewState>,
    private state: DataPreviewViewState,
  ) {
    // Saved at once: the panel serializer can revive only a panel whose page stored its state.
    this.host.setState(this.state);
    replaceChildren(this.root, h('div', { class: 'loading' }, 'Reading the table…'));
    this.renderExplainHost();
  }

  handle(message: DataPreviewHostMessage): void {
    switch (message.type) {
      case 'previewInfo':
        this.info = message.info;
        this.table = new VirtualTable(
          message.info.schema,
          message.info.rows,
          (offset, limit) => this.host.post({ type: 'requestPage', offset, limit }),
          (row) => {
            this.state = { ...this.state, scrollRow: row };
            this.host.setState(this.state);
          },
          (row) => this.selectRow(row),
        );
        this.render();
        this.table.render();
        if (this.state.scrollRow) this.table.scrollToRow(this.state.scrollRow);
        if (message.info.rows === 0) this.requestProfile();
        break;
      case 'previewPage':
        this.table?.addPage(message.page);
        this.requestProfile();
        break;
      case 'previewProfile':
        this.profile = message.profile;
        replaceChildren(this.profileHost, renderProfile(message.profile));
        break;
      case 'registeredModels':
        this.registeredModels = message.count;
        this.renderExplainHost();
        break;
      case 'error':
        this.error = message.message;
        this.table?.failPending();
        this.render();
        break;
      default:
        assertNever(message);
    }
  }

  private selectRow(row: number): void {
    this.selectedRow = row;
    this.renderExplainHost();
  }

  private renderExplainHost(): void {
    const row = this.selectedRow;
    replaceChildren(
      this.explainHost,
      this.registeredModels === 0
        ? 'No registered model to explain a row with: a pipeline\'s register_model step or `weir model register` adds one.'
        : row === undefined
          ? 'Select a row to explain it with a model.'
          : h('vscode-button', { class: 'explain-row', appearance: 'secondary', dataset: { row: String(row) }, on: { click: () => this.host.post({ type: 'explainRow', row }) } }, `Explain row ${formatNumber(row + 1)} with a model…`),
    );
  }

  private requestProfile(): void {
    if (this.profileRequested) return;
    this.profileRequested = true;
    this.host.post({ type: 'requestProfile' });
  }

  private render(): void {
    const info = this.info;
    if (!info || !this.table) {
      replaceChildren(this.root, this.error ? h('div', { class: 'error-banner' }, this.error) : h('div', { class: 'loading' }, 'Reading the table…'));
      return;
    }
    replaceChildren(this.tableHost, this.table.element);
    replaceChildren(
      this.root,
      h('h1', null, info.title),
      h(
        'div',
        { class: 'subtitle row' },
        h('span', { class: 'row-count' }, `${formatNumber(info.rows)} rows`),
        h('span', null, `${info.schema.length} columns`),
        info.bytes !== undefined ? h('span', null, formatBytes(info.bytes)) : null,
        h('code', { title: info.path }, info.path),
        this.explainHost,
      ),
      this.error ? h('div', { class: 'error-banner' }, this.error) : null,
      h(
        'vscode-tabs',
        { 'selected-index': 0 },
        h('vscode-tab-header', { slot: 'header' }, 'Rows'),
        h('vscode-tab-header', { slot: 'header' }, 'Profile'),
        h('vscode-tab-header', { slot: 'header' }, 'Schema'),
        h('vscode-tab-panel', { class: 'tab-rows' }, this.tableHost),
        h('vscode-tab-panel', { class: 'tab-profile' }, this.profile ? renderProfile(this.profile) : this.profileHost),
        h('vscode-tab-panel', { class: 'tab-schema' }, renderSchema(info)),
      ),
    );
  }
}

function renderSchema(info: PreviewInfo): HTMLElement {
  return h(
    'table',
    { class: 'grid schema' },
    h('thead', null, h('tr', null, h('th', { class: 'num' }, '#'), h('th', null, 'Column'), h('th', null, 'Type'))),
    h('tbody', null, info.schema.map((c, i) => h('tr', null, h('td', { class: 'num' }, String(i + 1)), h('td', null, c.name), h('td', null, h('code', null, c.type))))),
  );
}

export function renderProfile(profile: PreviewProfile): HTMLElement {
  return h(
    'div',
    { class: 'profile' },
    h('div', { class: 'muted' }, `Computed by DuckDB over all ${formatNumber(profile.rows)} rows in ${formatNumber(Math.round(profile.elapsedMs))} ms.`),
    h(
      'table',
      { class: 'grid profile-table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Column', 'Type'].map((t) => h('th', null, t)),
          ['Nulls', 'Distinct', 'Min', 'Max', 'Mean'].map((t) => h('th', { class: 'num' }, t)),
          h('th', null, 'Distribution'),
        ),
      ),
      h('tbody', null, profile.columns.map((c) => profileRow(c, profile.rows))),
    ),
  );
}

function profileRow(c: ColumnProfile, rows: number): HTMLElement {
  const show = (v: number | string | null | undefined): string => (v === null || v === undefined ? '—' : typeof v === 'number' ? formatNumber(v) : v);
  const share = rows ? (100 * c.nulls) / rows : 0;
  const nullShare = rows ? ` (${share > 0 && share < 0.1 ? '<0.1' : share.toFixed(1)}%)` : '';
  return h(
    'tr',
    { dataset: { column: c.name } },
    h('td', null, c.name),
    h('td', null, h('code', null, c.type)),
    h('td', { class: `num${c.nulls ? ' has-nulls' : ''}` }, `${formatNumber(c.nulls)}${c.nulls ? nullShare : ''}`),
    h('td', { class: 'num' }, formatNumber(c.distinct)),
    h('td', { class: 'num' }, show(c.min)),
    h('td', { class: 'num' }, show(c.max)),
    h('td', { class: 'num' }, c.mean === undefined || c.mean === null ? '—' : formatNumber(c.mean)),
    h('td', null, distribution(c)),
  );
}

/** A 120×28 histogram (numbers) or the top values as tiny bars (everything else). */
function distribution(c: ColumnProfile): Child {
  if (c.histogram?.length) {
    const max = Math.max(...c.histogram.map((b) => b.count), 1);
    const w = 120 / c.histogram.length;
    return s(
      'svg',
      { class: 'histogram', width: 120, height: 28, viewBox: '0 0 120 28', role: 'img', 'aria-label': `Histogram of ${c.name}` },
      c.histogram.map((b, i) => {
        const bh = Math.max(b.count ? 1 : 0, (b.count / max) * 26);
        return s('rect', { x: i * w + 0.5, y: 28 - bh, width: Math.max(1, w - 1), height: bh, class: 'hist-bar' }, s('title', null, `${formatNumber(b.x0)} – ${formatNumber(b.x1)}: ${formatNumber(b.count)}`));
      }),
    );
  }
  if (c.top?.length) {
    const max = Math.max(...c.top.map((t) => t.count), 1);
    return h(
      'div',
      { class: 'top-values' },
      c.top.slice(0, 3).map((t) =>
        h('div', { class: 'top-value', title: `${t.value}: ${t.count}` }, h('span', { class: 'top-bar', style: { width: `${Math.round((40 * t.count) / max)}px` } }), ` ${t.value.length > 18 ? `${t.value.slice(0, 17)}…` : t.value}`),
      ),
    );
  }
  return null;
}
