import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { PreviewInfoRequest, PreviewPageRequest, PreviewProfileRequest } from '../../../../engine/src/protocol';
import { assertNever, type DataPreviewHostMessage, type DataPreviewViewState, type DataPreviewWebviewMessage, type PreviewTarget } from '../../../../webview/src/protocol';
import { PanelController } from './panelController';

/** Data preview: info at `ready`, then pages and the profile as the page asks for them. */
export class DataPreviewController extends PanelController<DataPreviewHostMessage, DataPreviewWebviewMessage, DataPreviewViewState> {
  constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, state: DataPreviewViewState, client: LanguageClient, onDispose: () => void) {
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
      default:
        assertNever(message);
    }
  }
}
