import type { ColumnSchema, PreviewCell, PreviewPage } from '../protocol';
import { h, replaceChildren } from '../shared/dom';
import { formatNumber } from '../shared/format';

export const rowHeight = 22;
export const pageSize = 200;
/** Browsers cap element heights (Chromium near 33.5M px); 3M rows × 22 px is 66M px, so tall tables scroll a scaled spacer. */
const maxSpacerHeight = 8_000_000;
/** Pages kept in memory; older ones are dropped and fetched again if scrolled back to. */
const maxCachedPages = 60;
const maxInFlight = 4;

/**
 * A table of any number of rows that only builds the rows on screen. Rows arrive in pages
 * (`requestPage(offset, limit)` → `addPage`); pages not yet loaded show placeholder rows.
 * The scroll position maps linearly to a row index, scaled when the table is taller than a
 * browser allows an element to be.
 */
export class VirtualTable {
  readonly element: HTMLElement;
  private readonly header: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly body: HTMLElement;
  private readonly pages = new Map<number, PreviewPage>();
  private readonly inFlight = new Set<number>();
  private readonly columnTemplate: string;
  private firstRow = 0;
  private frame = 0;
  private readonly pool: { row: HTMLElement; cells: HTMLElement[] }[] = [];
  private readonly numeric: boolean[];
  /** The row a click selected (0-based), drawn highlighted; undefined when none. */
  private selected: number | undefined;

  constructor(
    private readonly schema: ColumnSchema[],
    private readonly rows: number,
    private readonly requestPage: (offset: number, limit: number) => void,
    private readonly onFirstRowChange: (row: number) => void = () => undefined,
    /** A click on a row selects it; this hears which (0-based). */
    private readonly onSelect: (row: number) => void = () => undefined,
  ) {
    this.numeric = schema.map((c) => isNumeric(c.type));
    // A column is as wide as its type needs, or its name when that is longer (up to 320 px).
    const width = (c: ColumnSchema): number => Math.min(320, Math.max(isNumeric(c.type) ? 100 : isTemporal(c.type) ? 170 : 160, c.name.length * 7.5 + 24));
    this.columnTemplate = ['72px', ...schema.map((c) => `${Math.round(width(c))}px`)].join(' ');
    this.header = h(
      'div',
      { class: 'vt-row vt-header', style: { gridTemplateColumns: this.columnTemplate } },
      h('div', { class: 'vt-cell num muted' }, '#'),
      schema.map((c) => h('div', { class: `vt-cell${isNumeric(c.type) ? ' num' : ''}`, title: `${c.name}: ${c.type}` }, h('span', null, c.name), h('span', { class: 'vt-type' }, c.type))),
    );
    this.spacer = h('div', { class: 'vt-spacer' });
    this.body = h('div', { class: 'vt-body' });
    this.scroller = h('div', { class: 'vt-scroller', tabindex: 0 }, this.spacer, this.body);
    this.element = h('div', { class: 'virtual-table', dataset: { rows: String(rows) } }, h('div', { class: 'vt-header-wrap' }, this.header), this.scroller);
    this.spacer.style.height = `${Math.min(rows * rowHeight, maxSpacerHeight)}px`;
    this.body.addEventListener('click', (e) => {
      const row = (e.target as Element).closest<HTMLElement>('.vt-row[data-row]');
      if (!row || row.classList.contains('pending')) return;
      this.select(Number(row.dataset.row));
      this.onSelect(Number(row.dataset.row));
    });
    this.scroller.addEventListener('scroll', () => {
      this.header.style.transform = `translateX(${-this.scroller.scrollLeft}px)`;
      if (!this.frame) this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.render();
      });
    });
  }

  /** Rows visible in the scroller (at least one page's worth before layout is known). */
  private visibleRows(): number {
    const height = this.scroller.clientHeight || 600;
    return Math.ceil(height / rowHeight) + 1;
  }

  /** The row at the top of the viewport and the pixel offset of the rows layer. */
  private position(): { first: number; layerTop: number } {
    const viewport = this.scroller.clientHeight || 600;
    const full = this.rows * rowHeight;
    const spacer = Math.min(full, maxSpacerHeight);
    const scrollTop = this.scroller.scrollTop;
    if (full <= maxSpacerHeight || spacer <= viewport) {
      const first = Math.floor(scrollTop / rowHeight);
      return { first, layerTop: first * rowHeight };
    }
    const virtualTop = (scrollTop / (spacer - viewport)) * (full - viewport);
    const first = Math.floor(virtualTop / rowHeight);
    return { first, layerTop: scrollTop - (virtualTop - first * rowHeight) };
  }

  scrollToRow(row: number): void {
    const viewport = this.scroller.clientHeight || 600;
    const full = this.rows * rowHeight;
    const spacer = Math.min(full, maxSpacerHeight);
    this.scroller.scrollTop = full <= maxSpacerHeight ? row * rowHeight : ((row * rowHeight) / Math.max(1, full - viewport)) * (spacer - viewport);
    this.render();
  }

  addPage(page: PreviewPage): void {
    const index = Math.floor(page.offset / pageSize);
    this.inFlight.delete(index);
    this.pages.set(index, page);
    if (this.pages.size > maxCachedPages) {
      // Drop the page farthest from what is on screen.
      const here = Math.floor(this.firstRow / pageSize);
      let worst = index;
      for (const k of this.pages.keys()) if (Math.abs(k - here) > Math.abs(worst - here)) worst = k;
      this.pages.delete(worst);
    }
    this.render();
  }

  /** Forgets requests that will not be answered (the host reported an error). */
  failPending(): void {
    this.inFlight.clear();
  }

  /** Highlights one row (or none). */
  select(row: number | undefined): void {
    this.selected = row;
    this.render();
  }

  render(): void {
    const started = performance.now();
    if (this.rows === 0) {
      replaceChildren(this.body, h('div', { class: 'empty' }, 'The table has no rows.'));
      return;
    }
    const { first, layerTop } = this.position();
    const count = Math.min(this.visibleRows(), this.rows - first);
    if (first !== this.firstRow) {
      this.firstRow = first;
      this.onFirstRowChange(first);
    }
    this.body.style.transform = `translateY(${layerTop}px)`;
    // Rows are pooled: scrolling rewrites the text of the same few dozen elements instead of
    // building new ones, which keeps a frame well under a millisecond or two.
    while (this.pool.length < count) {
      const cells = Array.from({ length: this.schema.length + 1 }, () => h('div', { class: 'vt-cell' }));
      const row = h('div', { class: 'vt-row', style: { gridTemplateColumns: this.columnTemplate } }, cells);
      this.pool.push({ row, cells });
      this.body.appendChild(row);
    }
    for (let i = 0; i < this.pool.length; i++) {
      const { row, cells } = this.pool[i];
      if (i >= count) {
        row.hidden = true;
        continue;
      }
      row.hidden = false;
      const r = first + i;
      const page = this.pages.get(Math.floor(r / pageSize));
      row.dataset.row = String(r);
      row.className = `${page ? 'vt-row' : 'vt-row pending'}${r === this.selected ? ' selected' : ''}`;
      setCell(cells[0], String(r + 1), 'vt-cell num muted');
      for (let c = 0; c < this.schema.length; c++) {
        if (!page) setCell(cells[c + 1], '…', 'vt-cell vt-pending');
        else fillCell(cells[c + 1], page.values[c]?.[r - page.offset], this.numeric[c]);
      }
    }
    this.fetchMissing(first, count);
    this.element.dataset.renderMs = (performance.now() - started).toFixed(2);
  }

  /** Requests the pages on screen plus one either side, nearest first, a few at a time. */
  private fetchMissing(first: number, count: number): void {
    const lo = Math.max(0, Math.floor(first / pageSize) - 1);
    const hi = Math.min(Math.floor((this.rows - 1) / pageSize), Math.floor((first + count) / pageSize) + 1);
    const onScreen = Math.floor(first / pageSize);
    const wanted: number[] = [];
    for (let p = lo; p <= hi; p++) if (!this.pages.has(p) && !this.inFlight.has(p)) wanted.push(p);
    wanted.sort((a, b) => Math.abs(a - onScreen) - Math.abs(b - onScreen));
    for (const p of wanted) {
      if (this.inFlight.size >= maxInFlight) break;
      this.inFlight.add(p);
      this.requestPage(p * pageSize, Math.min(pageSize, this.rows - p * pageSize));
    }
  }
}

function isNumeric(type: string): boolean {
  return /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL|NUMERIC|INT\d*)/i.test(type);
}

function isTemporal(type: string): boolean {
  return /^(DATE|TIME|TIMESTAMP)/i.test(type);
}

function setCell(el: HTMLElement, text: string, className: string): void {
  if (el.textContent !== text) el.textContent = text;
  if (el.className !== className) el.className = className;
}

function fillCell(el: HTMLElement, value: PreviewCell | undefined, numeric: boolean): void {
  if (value === null || value === undefined) {
    setCell(el, 'null', 'vt-cell null');
    el.title = '';
    return;
  }
  const text = typeof value === 'number' && numeric && !Number.isInteger(value) ? formatNumber(value, 6) : String(value);
  setCell(el, text, numeric ? 'vt-cell num' : 'vt-cell');
  el.title = text.length > 24 ? text : '';
}
