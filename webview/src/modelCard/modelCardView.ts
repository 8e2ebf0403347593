import { assertNever, type ExplainedRowsView, type ModelCardData, type ModelCardHostMessage, type ModelCardViewState, type ModelCardWebviewMessage } from '../protocol';
import { h, replaceChildren, type Child } from '../shared/dom';
import { renderBars } from '../shared/bars';
import type { ChartRenderer } from '../shared/charts';
import { renderExplanations } from '../shared/explanations';
import { formatBytes, formatDate, formatNumber } from '../shared/format';
import type { HostChannel } from '../shared/host';

/** Model card: what a registered model version is, what it needs, how good it is and where it came from. */
export class ModelCardView {
  private data?: ModelCardData;
  private error?: string;
  private predictResult?: { out: string; rows: number };
  private predicting = false;
  /** Rows picked in a data preview and explained by this model (the waterfall offers them first). */
  private picked?: ExplainedRowsView;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: HostChannel<ModelCardWebviewMessage, ModelCardViewState>,
    private state: ModelCardViewState,
    /** Draws the Explanations charts; without it (older tests) the section shows no charts. */
    private readonly renderChart?: ChartRenderer,
  ) {
    // Saved at once: the panel serializer can revive only a panel whose page stored its state.
    this.host.setState(this.state);
    replaceChildren(this.root, h('div', { class: 'loading' }, 'Loading model…'));
  }

  handle(message: ModelCardHostMessage): void {
    switch (message.type) {
      case 'modelCard':
        this.data = message.data;
        this.error = undefined;
        this.state = { kind: 'modelCard', name: message.data.model.name, version: message.data.model.version, ...(this.state.explanations ? { explanations: this.state.explanations } : {}) };
        this.host.setState(this.state);
        break;
      case 'explainedRows':
        this.picked = message.rows;
        this.error = undefined;
        // Show the first picked row's waterfall.
        this.state = { ...this.state, explanations: { ...this.state.explanations, row: 0 } };
        this.host.setState(this.state);
        this.render();
        // (jsdom has no scrollIntoView.)
        this.root.querySelector<HTMLElement>('[data-chart="explain-waterfall"]')?.scrollIntoView?.({ block: 'center' });
        return;
      case 'predictResult':
        this.predicting = false;
        this.predictResult = { out: message.out, rows: message.rows };
        break;
      case 'error':
        this.predicting = false;
        this.error = message.message;
        break;
      default:
        assertNever(message);
    }
    this.render();
  }

  private render(): void {
    const d = this.data;
    if (!d) {
      replaceChildren(this.root, this.error ? h('div', { class: 'error-banner' }, this.error) : h('div', { class: 'loading' }, 'Loading model…'));
      return;
    }
    const m = d.model;
    const tags = Object.entries(m.tags);
    const metrics = Object.entries(m.metrics ?? {});
    const primary = d.primaryMetric;
    metrics.sort(([a], [b]) => (a === primary ? -1 : b === primary ? 1 : a.localeCompare(b)));
    const featurization = new Map((d.featurization ?? []).map((f) => [f.name, f]));
    replaceChildren(
      this.root,
      h(
        'h1',
        null,
        m.name,
        ' ',
        h('span', { class: 'tag model-version' }, `version ${m.version}`),
        // The aliases on this version, as the Models view shows them (`@champion`).
        (d.aliases ?? []).filter((a) => a.version === m.version && !a.dangling).map((a) => [' ', h('span', { class: 'tag outline model-alias' }, `@${a.alias}`)]),
      ),
      h(
        'div',
        { class: 'subtitle row' },
        h('span', null, `Registered ${formatDate(m.createdAt)}`),
        m.framework ? h('span', null, 'Framework ', h('strong', null, m.framework)) : null,
        d.algorithm ? h('span', null, 'Algorithm ', h('strong', null, d.algorithm)) : null,
        d.task ? h('span', null, 'Task ', h('strong', null, d.task)) : null,
        h('span', null, formatBytes(m.artifact.bytes)),
      ),
      d.versions.length > 1
        ? h(
            'div',
            { class: 'row versions' },
            h('span', { class: 'muted' }, 'Versions:'),
            d.versions.map((v) =>
              v === m.version
                ? h('strong', null, String(v))
                : h('a', { class: 'link', role: 'button', tabindex: 0, on: { click: () => this.host.post({ type: 'showVersion', version: v }) } }, String(v)),
            ),
          )
        : null,
      m.description ? h('p', null, m.description) : null,
      this.error ? h('div', { class: 'error-banner' }, this.error) : null,
      h(
        'div',
        { class: 'row predict' },
        h(
          'vscode-button',
          {
            class: 'predict-button',
            disabled: this.predicting,
            on: {
              click: () => {
                this.predicting = true;
                this.predictResult = undefined;
                this.error = undefined;
                this.host.post({ type: 'predictOnFile' });
                this.render();
              },
            },
          },
          'Predict on a file…',
        ),
        this.predicting ? h('span', { class: 'muted' }, 'Predicting…') : null,
        this.predictResult ? h('span', { class: 'predict-result' }, `Wrote ${formatNumber(this.predictResult.rows)} predictions to `, h('code', null, this.predictResult.out)) : null,
      ),
      this.renderServe(),
      h('h2', null, 'Aliases'),
      this.renderAliases(),
      h('h2', null, 'Tags'),
      tags.length ? h('div', { class: 'row tags' }, tags.map(([k, v]) => h('span', { class: 'tag outline' }, `${k}: ${v}`))) : h('div', { class: 'empty' }, 'No tags.'),
      h('h2', null, 'Metrics'),
      metrics.length
        ? h(
            'table',
            { class: 'grid metrics' },
            h('tbody', null, metrics.map(([k, v]) => h('tr', null, h('td', null, k, k === primary ? [' ', h('span', { class: 'tag' }, 'primary')] : null), h('td', { class: 'num' }, formatNumber(v))))),
          )
        : h('div', { class: 'empty' }, 'No metrics recorded.'),
      h('h2', null, 'Input schema'),
      d.inputSchema?.length
        ? h(
            'table',
            { class: 'grid input-schema' },
            h('thead', null, h('tr', null, h('th', null, 'Column'), h('th', null, 'Type'), h('th', null, 'Featurization'))),
            h(
              'tbody',
              null,
              d.inputSchema.map((c) => {
                const f = featurization.get(c.name);
                return h('tr', null, h('td', null, c.name), h('td', null, h('code', null, c.type)), h('td', null, f ? [f.purpose, f.note ? h('span', { class: 'muted' }, ` — ${f.note}`) : null] : '—'));
              }),
            ),
          )
        : h('div', { class: 'empty' }, 'The artifact does not describe its inputs.'),
      h('h2', null, 'Feature importance'),
      renderBars(d.featureImportances ?? []),
      h('h2', null, 'Explanations'),
      h(
        'div',
        { class: 'model-explanations' },
        renderExplanations(
          d.explanations,
          this.state.explanations ?? {},
          (ui) => {
            this.state = { ...this.state, explanations: ui };
            this.host.setState(this.state);
            this.render();
          },
          this.renderChart,
          // Picked rows belong to the version that explained them.
          this.picked && this.picked.model.version === m.version ? this.picked : undefined,
        ),
      ),
      h('h2', null, 'Lineage'),
      this.renderLineage(),
    );
  }

  private renderServe(): Child {
    const serve = this.data?.serve;
    if (!serve) return null;
    return [
      h('h2', null, 'Serve'),
      h(
        'div',
        { class: 'row serve' },
        h('vscode-button', { class: 'serve-button', on: { click: () => this.host.post({ type: 'serveModel' }) } }, 'Serve Model'),
        h('span', { class: 'muted' }, 'or in a terminal: ', h('code', { class: 'serve-command' }, serve.command)),
      ),
      h('p', { class: 'muted' }, 'Then score rows over HTTP (MLflow\'s scoring protocol; the values are the model\'s fill-in values for each column):'),
      h('pre', { class: 'curl-example' }, h('code', null, serve.curl)),
      h('vscode-button', { class: 'copy-curl', appearance: 'secondary', on: { click: () => this.host.post({ type: 'copyText', text: serve.curl }) } }, 'Copy curl command'),
    ];
  }

  private renderAliases(): Child {
    const aliases = this.data?.aliases ?? [];
    const history = this.data?.aliasHistory ?? [];
    const name = this.data?.model.name ?? 'NAME';
    return [
      aliases.length
        ? h(
            'table',
            { class: 'grid aliases' },
            h('thead', null, h('tr', null, h('th', null, 'Alias'), h('th', null, 'Version'), h('th', null, 'Set'), h('th', null, 'By'))),
            h(
              'tbody',
              null,
              aliases.map((a) =>
                h(
                  'tr',
                  null,
                  h('td', null, h('code', null, `@${a.alias}`)),
                  h('td', null, a.dangling ? `${a.version} (deleted)` : a.version === this.data?.model.version ? h('strong', null, String(a.version)) : h('a', { class: 'link', role: 'button', tabindex: 0, on: { click: () => this.host.post({ type: 'showVersion', version: a.version }) } }, String(a.version))),
                  h('td', null, formatDate(a.setAt)),
                  h('td', null, a.setBy),
                ),
              ),
            ),
          )
        : h('div', { class: 'empty' }, 'No aliases. ', h('code', null, `weir model alias set ${name} champion VERSION`), ' adds one; pipelines and clients then name the model as ', h('code', null, `model:${name}@champion`), '.'),
      history.length
        ? h(
            'details',
            // Open while short: the audit trail is what a reader of this section looks for.
            { class: 'alias-history', open: history.length <= 10 },
            h('summary', null, `Alias history (${history.length} change${history.length === 1 ? '' : 's'})`),
            h(
              'table',
              { class: 'grid' },
              h('thead', null, h('tr', null, h('th', null, 'Alias'), h('th', null, 'Change'), h('th', null, 'When'), h('th', null, 'By'))),
              h(
                'tbody',
                null,
                history.map((e) =>
                  h(
                    'tr',
                    null,
                    h('td', null, h('code', null, `@${e.alias}`)),
                    h('td', null, e.action === 'delete' ? `deleted (was ${e.from})` : e.from === undefined ? `set to ${e.to}` : `moved ${e.from} → ${e.to}`),
                    h('td', null, formatDate(e.at)),
                    h('td', null, e.by),
                  ),
                ),
              ),
            ),
          )
        : null,
    ];
  }

  private renderLineage(): Child {
    const l = this.data?.model.lineage;
    if (!l) return h('div', { class: 'empty' }, 'Registered from a file: no run recorded.');
    return h(
      'dl',
      { class: 'kv lineage' },
      h('dt', null, 'Run'),
      h('dd', null, h('a', { class: 'link run-link', role: 'button', tabindex: 0, on: { click: () => this.host.post({ type: 'openRunDetails', runId: l.runId }) } }, l.runId)),
      h('dt', null, 'Experiment'),
      h('dd', null, l.experiment),
      h('dt', null, 'Step'),
      h('dd', null, l.step),
      h('dt', null, 'Datasets'),
      h(
        'dd',
        null,
        l.datasets.length
          ? l.datasets.map((ds, i) => [
              i ? ', ' : '',
              h('a', { class: 'link', role: 'button', tabindex: 0, on: { click: () => this.host.post({ type: 'openDataset', name: ds.name, version: ds.version }) } }, `${ds.name}:${ds.version}`),
            ])
          : '—',
      ),
    );
  }
}
