// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import type { DataPreviewViewState, DataPreviewWebviewMessage } from '../protocol';
import { previewInfoFixture, previewPageFixture, previewProfileFixture } from '../testing/fixtures';
import { recordingHost } from '../testing/recorder';
import { DataPreviewView } from './dataPreviewView';
import { pageSize } from './virtualTable';

function setup(rows = 3_000_000, state: Partial<DataPreviewViewState> = {}) {
  document.body.innerHTML = '<div id="root"></div>';
  const root = document.getElementById('root')!;
  const host = recordingHost<DataPreviewWebviewMessage, DataPreviewViewState>();
  const view = new DataPreviewView(root, host, { kind: 'dataPreview', target: { dataset: 'flights', version: 1 }, ...state });
  view.handle({ type: 'previewInfo', info: previewInfoFixture(rows) });
  return { root, host, view };
}

describe('DataPreviewView', () => {
  it('shows the schema at once and asks only for the pages on screen', () => {
    const { root, host } = setup();
    // The state is stored from the start, so a reload can revive the panel even if nothing was scrolled.
    expect(host.state).toEqual({ kind: 'dataPreview', target: { dataset: 'flights', version: 1 } });
    expect(root.querySelector('h1')!.textContent).toBe('flights:1');
    expect(root.querySelector('.row-count')!.textContent).toBe('3,000,000 rows');
    expect([...root.querySelectorAll('.vt-header .vt-cell')].map((c) => c.firstChild!.textContent)).toEqual(['#', 'date', 'delay', 'distance', 'origin', 'destination']);
    expect(root.querySelectorAll('.schema tbody tr')).toHaveLength(5);
    const pages = host.sent.filter((m) => m.type === 'requestPage');
    expect(pages[0]).toEqual({ type: 'requestPage', offset: 0, limit: pageSize });
    // Never the whole table: a screen's worth plus one page of look-ahead.
    expect(pages.length).toBeLessThanOrEqual(2);
    expect(root.querySelectorAll('.vt-body .vt-row.pending').length).toBeGreaterThan(0);
  });

  it('fills the rows when the page arrives, then asks for the profile', () => {
    const { root, host, view } = setup();
    view.handle({ type: 'previewPage', page: previewPageFixture(0, pageSize) });
    const first = root.querySelector<HTMLElement>('.vt-body .vt-row[data-row="0"]')!;
    expect([...first.querySelectorAll('.vt-cell')].map((c) => c.textContent)).toEqual(['1', '2001-01-01 00:00:00', '-20', '100', 'LAS', 'null']);
    expect(first.querySelector('.null')).not.toBeNull();
    expect(root.querySelectorAll('.vt-body .vt-row.pending')).toHaveLength(0);
    expect(host.sent.filter((m) => m.type === 'requestProfile')).toHaveLength(1);
    view.handle({ type: 'previewProfile', profile: previewProfileFixture() });
    const rows = root.querySelectorAll('.profile-table tbody tr');
    expect(rows).toHaveLength(5);
    const delay = root.querySelector('.profile-table tr[data-column="delay"]')!;
    expect(delay.textContent).toContain('-112');
    expect(delay.querySelectorAll('.histogram rect')).toHaveLength(10);
    expect(root.querySelector('.profile-table tr[data-column="origin"] .top-values')!.textContent).toContain('ATL');
    expect(root.querySelector('.profile-table tr[data-column="destination"] .has-nulls')!.textContent).toContain('25.0%');
  });

  it('restores the scroll position from its state and fetches that page', () => {
    const { host } = setup(3_000_000, { scrollRow: 1_500_000 });
    const offsets = host.sent.filter((m): m is Extract<DataPreviewWebviewMessage, { type: 'requestPage' }> => m.type === 'requestPage').map((m) => m.offset);
    expect(offsets.some((o) => o <= 1_500_000 && 1_500_000 < o + pageSize)).toBe(true);
  });

  it('handles an empty table and errors', () => {
    const { root, host, view } = setup(0);
    expect(root.querySelector('.vt-body')!.textContent).toContain('no rows');
    expect(host.sent.filter((m) => m.type === 'requestPage')).toHaveLength(0);
    view.handle({ type: 'error', message: 'output not found' });
    expect(root.querySelector('.error-banner')!.textContent).toBe('output not found');
  });

  it('selects a clicked row and offers to explain it with a model', () => {
    const { root, host, view } = setup(1000);
    view.handle({ type: 'previewPage', page: previewPageFixture(0, pageSize) });
    expect(root.querySelector('.explain-row')).toBeNull();
    root.querySelector<HTMLElement>('.vt-body .vt-row[data-row="2"] .vt-cell')!.click();
    expect(root.querySelector('.vt-body .vt-row[data-row="2"]')!.classList.contains('selected')).toBe(true);
    expect(root.querySelectorAll('.vt-body .vt-row.selected')).toHaveLength(1);
    const button = root.querySelector<HTMLElement>('.explain-row')!;
    expect(button.textContent).toBe('Explain row 3 with a model…');
    button.click();
    expect(host.sent.at(-1)).toEqual({ type: 'explainRow', row: 2 });
  });

  it('says no row can be explained when no model is registered, and offers it once one is', () => {
    const { root, host, view } = setup(1000);
    view.handle({ type: 'previewPage', page: previewPageFixture(0, pageSize) });
    expect(root.querySelector('.explain-row-host')!.textContent).toBe('Select a row to explain it with a model.');
    view.handle({ type: 'registeredModels', count: 0 });
    expect(root.querySelector('.explain-row-host')!.textContent).toMatch(/^No registered model to explain a row with: a pipeline's register_model step or `weir model register` adds one\.$/);
    root.querySelector<HTMLElement>('.vt-body .vt-row[data-row="2"] .vt-cell')!.click();
    expect(root.querySelector('.explain-row')).toBeNull();
    expect(root.querySelector('.explain-row-host')!.textContent).toMatch(/^No registered model/);
    // A model registered meanwhile: the selected row can be explained.
    view.handle({ type: 'registeredModels', count: 1 });
    const button = root.querySelector<HTMLElement>('.explain-row')!;
    expect(button.textContent).toBe('Explain row 3 with a model…');
    button.click();
    expect(host.sent.at(-1)).toEqual({ type: 'explainRow', row: 2 });
  });
});
