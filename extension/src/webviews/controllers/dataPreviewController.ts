import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ListModelsRequest, PreviewInfoRequest, PreviewPageRequest, PreviewProfileRequest } from '../../../../engine/src/protocol';
import { assertNever, type DataPreviewHostMessage, type DataPreviewViewState, type DataPreviewWebviewMessage, type PreviewTarget } from '../../../../webview/src/protocol';
import { PanelController, type PanelLinks } from './panelController';

/**
 * Data preview: info at `ready` (and how many models are registered, again whenever that may
 * have changed), then pages and the profile as the page asks for them; "Explain row N with a
 * model…" asks which registered model and shows the row on its card.
 */
export class DataPreviewController extends PanelController<DataPreviewHostMessage, DataPreviewWebviewMessage, DataPreviewViewState> {
  constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    state: DataPreviewViewState,
    client: LanguageClient,
    private readonly links: PanelLinks,
    onDispose: () => void,
  ) {
    super(panel, extensionUri, 'dataPreview', state, client, onDispose);
  }

  private get target(): PreviewTarget {
    return this.state.target;
  }

  /** A failed request reaches the page as an error message (see {@link PanelController}). */
  protected async onMessage(message: DataPreviewWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready': {
        const info = await this.client.sendRequest(PreviewInfoRequest.type, { target: this.target });
        this.host.panel.title = `Preview: ${info.title}`;
        this.host.post({ type: 'previewInfo', info });
        await this.sendRegisteredModels();
        break;
      }
      case 'requestPage': {
        const page = await this.client.sendRequest(PreviewPageRequest.type, { target: this.target, offset: message.offset, limit: message.limit });
        this.host.post({ type: 'previewPage', page });
        break;
      }
      case 'requestProfile': {
        const profile = await this.client.sendRequest(PreviewProfileRequest.type, { target: this.target });
        this.host.post({ type: 'previewProfile', profile });
        break;
      }
      case 'explainRow':
        await this.explainRow(message.row);
        break;
      default:
        assertNever(message);
    }
  }

  /** A model was registered or deleted: the page says whether a row can be explained. */
  modelsChanged(): void {
    this.refreshLater(200, () => this.sendRegisteredModels());
  }

  /** Without an answer the page keeps offering the button (the click then says what is wrong). */
  private async sendRegisteredModels(): Promise<void> {
    try {
      const models = await this.client.sendRequest(ListModelsRequest.type);
      this.host.post({ type: 'registeredModels', count: models.length });
    } catch (e) {
      this.logFailure(e, 'listing the registered models');
    }
  }

  /** The model to explain with: the only registered one, or the one the user picks. */
  private async explainRow(row: number): Promise<void> {
    const models = await this.client.sendRequest(ListModelsRequest.type);
    if (models.length === 0) {
      void vscode.window.showInformationMessage('Weir: no registered model to explain the row with. A pipeline\'s register_model step or `weir model register` adds one.');
      return;
    }
    const items = models.map((m) => ({ label: m.name, description: [`v${m.version}`, ...m.aliases.map((a) => `@${a}`), m.framework ?? ''].filter(Boolean).join(' · '), model: m }));
    const chosen = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { title: `Weir: explain row ${row + 1} with which model?` });
    if (!chosen) return;
    this.links.explainInModelCard(chosen.model.name, chosen.model.version, { target: this.target, rows: [row] });
  }
}
