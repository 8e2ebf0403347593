import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CompareRunsRequest } from '../../../../engine/src/protocol';
import { assertNever, type CompareRunsHostMessage, type CompareRunsViewState, type CompareRunsWebviewMessage } from '../../../../webview/src/protocol';
import { PanelController, type PanelLinks } from './panelController';

const refreshDelayMs = 1000;

/** Run comparison: all runs with their trials at `ready`; refetched when one of them changes. */
export class CompareRunsController extends PanelController<CompareRunsHostMessage, CompareRunsWebviewMessage, CompareRunsViewState> {
  constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    state: CompareRunsViewState,
    client: LanguageClient,
    private readonly links: PanelLinks,
    onDispose: () => void,
  ) {
    super(panel, extensionUri, 'compareRuns', state, client, onDispose);
  }

  runChanged(): void {
    this.refreshLater(refreshDelayMs, () => this.send());
  }

  private async send(): Promise<void> {
    try {
      const runs = await this.client.sendRequest(CompareRunsRequest.type, { runIds: this.state.runIds });
      this.host.post({ type: 'compareRuns', runs });
    } catch (e) {
      this.reportError(e, `runs ${this.state.runIds.join(', ')}`);
    }
  }

  protected async onMessage(message: CompareRunsWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.send();
        break;
      case 'openRunDetails':
        this.links.openRunDetails(message.runId);
        break;
      default:
        assertNever(message);
    }
  }
}
