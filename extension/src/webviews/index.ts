import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { StoreChangedNotification, WebviewRunChangedNotification } from '../../../engine/src/protocol';
import type { EngineClient } from '../client/engineClient';
import { viewTypes, type PreviewTarget, type ViewKind, type ViewState } from '../../../webview/src/protocol';
import { CompareRunsController, DataPreviewController, ModelCardController, RunDetailsController, type PanelLinks } from './controllers';
import { createPanel } from './panelHost';

/** What the rest of the extension can open as an editor-tab webview. */
export interface WebviewOpeners {
  openRunDetails(runId: string): void;
  /** A dataset version (`name`, `version`) or a run's step output (`runId`, `step`, `output`). */
  openDataPreview(target: { dataset: string; version?: number } | { runId: string; step: string; output: string }): void;
  openModelCard(name: string, version?: number): void;
  openCompare(runIds: string[]): void;
}

/**
 * Registers the four webview panel kinds, their serializers (so open panels come back after a
 * window reload), the run-changed listener that keeps run details live and the store-changed
 * one (through `engine`, which shares it with the trees) that tells data previews whether a
 * model is registered. One panel per thing shown: opening the same run twice reveals the first tab.
 */
export function registerWebviews(context: vscode.ExtensionContext, client: LanguageClient, engine: Pick<EngineClient, 'onNotification'>): WebviewOpeners {
  const extensionUri = context.extensionUri;
  const runDetails = new Map<string, RunDetailsController>();
  const previews = new Map<string, DataPreviewController>();
  const modelCards = new Map<string, ModelCardController>();
  const comparisons = new Map<string, CompareRunsController>();

  const attachRunDetails = (panel: vscode.WebviewPanel, runId: string, state: ViewState): void => {
    const controller = new RunDetailsController(panel, extensionUri, { ...(state.kind === 'runDetails' ? state : {}), kind: 'runDetails', runId }, client, links, () => {
      if (runDetails.get(runId) === controller) runDetails.delete(runId);
    });
    runDetails.set(runId, controller);
  };
  const attachPreview = (panel: vscode.WebviewPanel, target: PreviewTarget, state: ViewState): void => {
    const key = previewKey(target);
    const controller = new DataPreviewController(panel, extensionUri, { ...(state.kind === 'dataPreview' ? state : {}), kind: 'dataPreview', target }, client, links, () => {
      if (previews.get(key) === controller) previews.delete(key);
    });
    previews.set(key, controller);
  };
  const attachModelCard = (panel: vscode.WebviewPanel, name: string, version: number | undefined): void => {
    const controller = new ModelCardController(panel, extensionUri, { kind: 'modelCard', name, version }, client, links, () => {
      if (modelCards.get(name) === controller) modelCards.delete(name);
    });
    modelCards.set(name, controller);
  };
  const attachCompare = (panel: vscode.WebviewPanel, runIds: string[], state: ViewState): void => {
    const key = runIds.join(',');
    const controller = new CompareRunsController(panel, extensionUri, { ...(state.kind === 'compareRuns' ? state : {}), kind: 'compareRuns', runIds }, client, links, () => {
      if (comparisons.get(key) === controller) comparisons.delete(key);
    });
    comparisons.set(key, controller);
  };

  const links: PanelLinks & WebviewOpeners = {
    openRunDetails(runId) {
      const open = runDetails.get(runId);
      if (open) return open.host.panel.reveal();
      const state: ViewState = { kind: 'runDetails', runId };
      attachRunDetails(createPanel('runDetails', `Run ${runId}`, extensionUri), runId, state);
    },
    openDataPreview(target) {
      const open = previews.get(previewKey(target));
      if (open) return open.host.panel.reveal();
      const state: ViewState = { kind: 'dataPreview', target };
      attachPreview(createPanel('dataPreview', `Preview: ${previewTitle(target)}`, extensionUri), target, state);
    },
    openModelCard(name, version) {
      const open = modelCards.get(name);
      if (open) {
        open.host.panel.reveal();
        if (open.state.version !== version) void open.show(version);
        return;
      }
      attachModelCard(createPanel('modelCard', `Model: ${name}${version === undefined ? '' : `:${version}`}`, extensionUri), name, version);
    },
    explainInModelCard(name, version, pick) {
      links.openModelCard(name, version);
      void modelCards.get(name)?.explainRows(pick);
    },
    openCompare(runIds) {
      const ids = [...new Set(runIds)];
      if (ids.length < 2 || ids.length > 7) {
        void vscode.window.showWarningMessage(`Weir: select 2 to 7 runs to compare (${ids.length} selected).`);
        return;
      }
      const open = comparisons.get(ids.join(','));
      if (open) return open.host.panel.reveal();
      attachCompare(createPanel('compareRuns', `Compare ${ids.length} runs`, extensionUri), ids, { kind: 'compareRuns', runIds: ids });
    },
  };

  context.subscriptions.push(
    client.onNotification(WebviewRunChangedNotification.type, ({ runId }) => {
      runDetails.get(runId)?.runChanged();
      for (const c of comparisons.values()) if (c.state.runIds.includes(runId)) c.runChanged();
    }),
    engine.onNotification(StoreChangedNotification.type, (change) => {
      if (change.type === 'model') for (const p of previews.values()) p.modelsChanged();
    }),
    serializer('runDetails', (panel, state) => (state.kind === 'runDetails' && state.runId ? (attachRunDetails(panel, state.runId, state), true) : false)),
    serializer('dataPreview', (panel, state) => (state.kind === 'dataPreview' && state.target ? (attachPreview(panel, state.target, state), true) : false)),
    serializer('modelCard', (panel, state) => (state.kind === 'modelCard' && state.name ? (attachModelCard(panel, state.name, state.version), true) : false)),
    serializer('compareRuns', (panel, state) => (state.kind === 'compareRuns' && state.runIds?.length ? (attachCompare(panel, state.runIds, state), true) : false)),
    new vscode.Disposable(() => {
      for (const map of [runDetails, previews, modelCards, comparisons] as Map<string, vscode.Disposable>[]) for (const c of map.values()) c.dispose();
    }),
  );

  function serializer(kind: ViewKind, revive: (panel: vscode.WebviewPanel, state: ViewState) => boolean): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(viewTypes[kind], {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
        if (state && typeof state === 'object' && revive(panel, state as ViewState)) return;
        // A panel saved before its page stored any state: say so instead of showing an empty tab.
        panel.webview.html = `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body><p>This Weir view could not be restored. Open it again from the Weir side bar.</p></body></html>`;
      },
    });
  }

  return links;
}

function previewKey(target: PreviewTarget): string {
  return 'dataset' in target ? `dataset:${target.dataset}:${target.version ?? 'latest'}` : `run:${target.runId}:${target.step}:${target.output}`;
}

function previewTitle(target: PreviewTarget): string {
  return 'dataset' in target ? `${target.dataset}${target.version === undefined ? '' : `:${target.version}`}` : `${target.step}.${target.output}`;
}
