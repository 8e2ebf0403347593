import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as vscodeTypes from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CompareRunsRequest, ExplainRowsRequest, ListModelsRequest, ModelCardRequest, PreviewInfoRequest, PreviewPageRequest, RunDetailsRequest, StepLogTailRequest } from '../../../engine/src/protocol';
import { previewInfoFixture, previewPageFixture, runDetailsFixture } from '../../../webview/src/testing/fixtures';

/**
 * The host side of the protocol with a stand-in for the few `vscode` calls a panel makes and
 * a stand-in language client: the handshake (nothing before `ready`, everything again after a
 * page reload), live refetch on run changes, and request forwarding.
 */
const logged = vi.hoisted(() => [] as string[]);

vi.mock('vscode', () => {
  class Disposable {
    constructor(private readonly fn: () => void) {}
    dispose(): void {
      this.fn();
    }
  }
  return {
    Disposable,
    ViewColumn: { Active: -1 },
    Uri: { joinPath: (base: { path: string }, ...parts: string[]) => ({ path: [base.path, ...parts].join('/'), toString: () => [base.path, ...parts].join('/') }) },
    window: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn(), createOutputChannel: () => ({ error: (line: string) => logged.push(line) }) },
  };
});

type Listener<T> = (value: T) => void;

function fakePanel() {
  const messageListeners: Listener<unknown>[] = [];
  const viewStateListeners: Listener<void>[] = [];
  const disposeListeners: Listener<void>[] = [];
  const posted: { type: string }[] = [];
  const panel = {
    title: 'Run',
    visible: true,
    posted,
    webview: {
      options: {},
      html: '',
      cspSource: 'https://resource.test',
      asWebviewUri: (uri: { path: string }) => ({ toString: () => `https://resource.test${uri.path}` }),
      postMessage: async (m: { type: string }) => {
        posted.push(m);
        return true;
      },
      onDidReceiveMessage: (l: Listener<unknown>) => (messageListeners.push(l), { dispose: () => undefined }),
    },
    onDidChangeViewState: (l: Listener<void>) => (viewStateListeners.push(l), { dispose: () => undefined }),
    onDidDispose: (l: Listener<void>) => (disposeListeners.push(l), { dispose: () => undefined }),
    reveal: vi.fn(),
    dispose: () => disposeListeners.forEach((l) => l()),
    /** The page says something. */
    fromPage: (m: unknown) => messageListeners.forEach((l) => l(m)),
    hide: () => {
      panel.visible = false;
      viewStateListeners.forEach((l) => l());
    },
  };
  return panel;
}

function fakeClient(answers: Record<string, (params: never) => unknown>) {
  const calls: { method: string; params: unknown }[] = [];
  const client = {
    calls,
    sendRequest: async (type: { method: string }, params: unknown) => {
      calls.push({ method: type.method, params });
      const answer = answers[type.method];
      if (!answer) throw new Error(`no answer for ${type.method}`);
      return answer(params as never);
    },
  };
  return client;
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('webview controllers', () => {
  beforeEach(() => {
    vi.useRealTimers();
  });

  it('run details: nothing before ready, the whole run at ready, again after a reload, and refetches on change', async () => {
    const { RunDetailsController } = await import('./controllers');
    const panel = fakePanel();
    let version = 0;
    const client = fakeClient({
      [RunDetailsRequest.method]: () => (version++, runDetailsFixture(5)),
      [StepLogTailRequest.method]: (p: { step: string }) => ({ text: `log of ${p.step}`, truncated: false }),
    });
    const controller = new RunDetailsController(panel as never, { path: '/ext' } as vscodeTypes.Uri, { kind: 'runDetails', runId: 'run-0001-abcdef' }, client as unknown as LanguageClient, { openRunDetails: vi.fn(), openDataPreview: vi.fn(), openModelCard: vi.fn(), explainInModelCard: vi.fn() }, () => undefined);
    expect(panel.webview.html).toContain('script-src &#39;nonce-');
    expect(panel.webview.html).toContain('https://resource.test/ext/dist/webview/runDetails.js');
    controller.runChanged();
    await new Promise((r) => setTimeout(r, 250));
    expect(panel.posted).toEqual([]);

    panel.fromPage({ type: 'ready' });
    await flush();
    expect(panel.posted.map((m) => m.type)).toEqual(['runDetails']);
    expect(panel.title).toMatch(/^Run: titanic-automl \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    panel.fromPage({ type: 'requestStepLog', step: 'train' });
    await flush();
    expect(panel.posted.at(-1)).toEqual({ type: 'stepLog', step: 'train', text: 'log of train', truncated: false });

    // A burst of changes costs one refetch.
    controller.runChanged();
    controller.runChanged();
    controller.runChanged();
    await new Promise((r) => setTimeout(r, 300));
    expect(panel.posted.filter((m) => m.type === 'runDetails')).toHaveLength(2);

    // Hidden: the page is gone; nothing is posted until a new page says ready.
    panel.hide();
    controller.runChanged();
    await new Promise((r) => setTimeout(r, 300));
    expect(panel.posted.filter((m) => m.type === 'runDetails')).toHaveLength(2);
    panel.visible = true;
    panel.fromPage({ type: 'ready' });
    await flush();
    expect(panel.posted.filter((m) => m.type === 'runDetails')).toHaveLength(3);
    // Fetched only when a page could show it: at each ready and once for the burst.
    expect(version).toBe(3);
    controller.dispose();
  });

  it('data preview forwards page requests and reports engine errors to the page', async () => {
    const { DataPreviewController } = await import('./controllers');
    const panel = fakePanel();
    const client = fakeClient({
      [PreviewInfoRequest.method]: () => previewInfoFixture(1000),
      [PreviewPageRequest.method]: (p: { offset: number; limit: number }) => {
        if (p.offset > 500) throw new Error('page size must be 1 to 5000 rows');
        return previewPageFixture(p.offset, p.limit);
      },
    });
    new DataPreviewController(panel as never, { path: '/ext' } as vscodeTypes.Uri, { kind: 'dataPreview', target: { dataset: 'flights' } }, client as unknown as LanguageClient, { openRunDetails: vi.fn(), openDataPreview: vi.fn(), openModelCard: vi.fn(), explainInModelCard: vi.fn() }, () => undefined);
    panel.fromPage({ type: 'ready' });
    await flush();
    expect(panel.title).toBe('Preview: flights:1');
    panel.fromPage({ type: 'requestPage', offset: 200, limit: 200 });
    await flush();
    expect(client.calls.at(-1)).toEqual({ method: PreviewPageRequest.method, params: { target: { dataset: 'flights' }, offset: 200, limit: 200 } });
    expect(panel.posted.at(-1)).toMatchObject({ type: 'previewPage', page: { offset: 200, count: 200 } });
    panel.fromPage({ type: 'requestPage', offset: 800, limit: 200 });
    await flush();
    expect(panel.posted.at(-1)).toEqual({ type: 'error', message: 'page size must be 1 to 5000 rows' });
    // The page gets the short message; the log gets it with its stack.
    expect(logged.at(-1)).toMatch(/^dataPreview panel: 'requestPage': Error: page size must be 1 to 5000 rows\n\s+at /);
  });

  it('data preview tells the page how many models are registered, at ready and when a model changes', async () => {
    const { DataPreviewController } = await import('./controllers');
    const panel = fakePanel();
    let models: { name: string; version: number; aliases: string[] }[] = [];
    const client = fakeClient({ [PreviewInfoRequest.method]: () => previewInfoFixture(10), [ListModelsRequest.method]: () => models });
    const controller = new DataPreviewController(panel as never, { path: '/ext' } as vscodeTypes.Uri, { kind: 'dataPreview', target: { dataset: 'flights' } }, client as unknown as LanguageClient, { openRunDetails: vi.fn(), openDataPreview: vi.fn(), openModelCard: vi.fn(), explainInModelCard: vi.fn() }, () => undefined);
    panel.fromPage({ type: 'ready' });
    await flush();
    expect(panel.posted.map((m) => m.type)).toEqual(['previewInfo', 'registeredModels']);
    expect(panel.posted.at(-1)).toEqual({ type: 'registeredModels', count: 0 });
    models = [{ name: 'Titanic', version: 1, aliases: [] }];
    controller.modelsChanged();
    await new Promise((r) => setTimeout(r, 300));
    expect(panel.posted.at(-1)).toEqual({ type: 'registeredModels', count: 1 });
    controller.dispose();
  });

  it('compare runs shows a failed request as its first line with the engine hint', async () => {
    const { CompareRunsController } = await import('./controllers');
    const panel = fakePanel();
    const client = fakeClient({
      [CompareRunsRequest.method]: () => {
        throw Object.assign(new Error('run run-9 not found\nmore detail'), { data: { hint: 'list runs with weir runs' } });
      },
    });
    new CompareRunsController(panel as never, { path: '/ext' } as vscodeTypes.Uri, { kind: 'compareRuns', runIds: ['run-1', 'run-9'] }, client as unknown as LanguageClient, { openRunDetails: vi.fn(), openDataPreview: vi.fn(), openModelCard: vi.fn(), explainInModelCard: vi.fn() }, () => undefined);
    panel.fromPage({ type: 'ready' });
    await flush();
    expect(panel.posted).toEqual([{ type: 'error', message: 'run run-9 not found (list runs with weir runs)' }]);
    expect(logged.at(-1)).toMatch(/^compareRuns panel: runs run-1, run-9: Error: run run-9 not found\nmore detail\n\s+at /);
  });

  it('a row picked in the data preview is explained on the card of the only registered model', async () => {
    const { DataPreviewController, ModelCardController } = await import('./controllers');
    const links = { openRunDetails: vi.fn(), openDataPreview: vi.fn(), openModelCard: vi.fn(), explainInModelCard: vi.fn() };
    const client = fakeClient({
      [PreviewInfoRequest.method]: () => previewInfoFixture(1000),
      [ListModelsRequest.method]: () => [{ name: 'Titanic', version: 3, aliases: ['champion'] }],
      [ModelCardRequest.method]: () => ({ model: { name: 'Titanic', version: 3 }, versions: [3] }),
      [ExplainRowsRequest.method]: (p: { rows: number[] }) => ({ model: { name: 'Titanic', version: 3 }, source: 'flights:1', rows: p.rows }),
    });
    const preview = fakePanel();
    new DataPreviewController(preview as never, { path: '/ext' } as vscodeTypes.Uri, { kind: 'dataPreview', target: { dataset: 'flights' } }, client as unknown as LanguageClient, links, () => undefined);
    preview.fromPage({ type: 'ready' });
    preview.fromPage({ type: 'explainRow', row: 7 });
    await flush();
    expect(links.explainInModelCard).toHaveBeenCalledWith('Titanic', 3, { target: { dataset: 'flights' }, rows: [7] });

    // The card asked before its page is ready explains the rows after sending the card, and again after a reload.
    const card = fakePanel();
    const controller = new ModelCardController(card as never, { path: '/ext' } as vscodeTypes.Uri, { kind: 'modelCard', name: 'Titanic', version: 3 }, client as unknown as LanguageClient, links, () => undefined);
    await controller.explainRows({ target: { dataset: 'flights' }, rows: [7] });
    expect(card.posted).toEqual([]);
    card.fromPage({ type: 'ready' });
    await flush();
    expect(card.posted.map((m) => m.type)).toEqual(['modelCard', 'explainedRows']);
    expect(client.calls.at(-1)).toEqual({ method: ExplainRowsRequest.method, params: { name: 'Titanic', version: 3, target: { dataset: 'flights' }, rows: [7] } });
    card.fromPage({ type: 'ready' });
    await flush();
    expect(card.posted.map((m) => m.type)).toEqual(['modelCard', 'explainedRows', 'modelCard', 'explainedRows']);
    controller.dispose();
  });
});
