import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ExplainRowsRequest, ModelCardRequest, PredictRequest } from '../../../../engine/src/protocol';
import { assertNever, type ModelCardHostMessage, type ModelCardViewState, type ModelCardWebviewMessage, type PreviewTarget } from '../../../../webview/src/protocol';
import { CommandIds } from '../../commands/ids';
import { PanelController, type PanelLinks } from './panelController';

/** Model card: the card at `ready`; "Predict on a file…" asks for the files here and runs the engine's predict request. */
export class ModelCardController extends PanelController<ModelCardHostMessage, ModelCardWebviewMessage, ModelCardViewState> {
  constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    state: ModelCardViewState,
    client: LanguageClient,
    private readonly links: PanelLinks,
    onDispose: () => void,
  ) {
    super(panel, extensionUri, 'modelCard', state, client, onDispose);
  }

  /** Rows picked in a data preview to explain with this card's version; sent again on every `ready`. */
  private picked: { target: PreviewTarget; rows: number[] } | undefined;

  /** Shows another version in this panel. */
  async show(version: number | undefined): Promise<void> {
    this.state = { ...this.state, version };
    this.picked = undefined;
    await this.sendCard();
  }

  /** Explains rows of a previewed table with this card's version; the page's waterfall shows them. */
  async explainRows(pick: { target: PreviewTarget; rows: number[] }): Promise<void> {
    this.picked = pick;
    // A page that is not ready yet gets them after its card (see `ready`).
    if (this.host.isReady) await this.sendExplained();
  }

  private async sendExplained(): Promise<void> {
    const pick = this.picked;
    if (!pick) return;
    try {
      const rows = await this.client.sendRequest(ExplainRowsRequest.type, { name: this.state.name, version: this.state.version, target: pick.target, rows: pick.rows });
      this.host.post({ type: 'explainedRows', rows });
    } catch (e) {
      this.reportError(e, `explaining rows ${pick.rows.join(', ')} with ${this.state.name}:${this.state.version ?? 'latest'}`, 'Explaining the picked row failed: ');
    }
  }

  private async sendCard(): Promise<void> {
    try {
      const data = await this.client.sendRequest(ModelCardRequest.type, { name: this.state.name, version: this.state.version });
      this.host.panel.title = `Model: ${data.model.name}:${data.model.version}`;
      this.host.post({ type: 'modelCard', data });
    } catch (e) {
      this.reportError(e, `model ${this.state.name}:${this.state.version ?? 'latest'}`);
    }
  }

  protected async onMessage(message: ModelCardWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.sendCard();
        await this.sendExplained();
        break;
      case 'predictOnFile':
        await this.predict();
        break;
      case 'openRunDetails':
        this.links.openRunDetails(message.runId);
        break;
      case 'openDataset':
        this.links.openDataPreview({ dataset: message.name, version: message.version });
        break;
      case 'showVersion':
        await this.show(message.version);
        break;
      case 'serveModel':
        await vscode.commands.executeCommand(CommandIds.serveModel, { type: 'modelVersion', name: this.state.name, version: this.state.version });
        break;
      case 'copyText':
        await vscode.env.clipboard.writeText(message.text);
        void vscode.window.setStatusBarMessage('Weir: copied the curl command', 3_000);
        break;
      default:
        assertNever(message);
    }
  }

  private async predict(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Predict',
      title: `Weir: data to score with ${this.state.name}`,
      filters: { Data: ['csv', 'tsv', 'txt', 'data', 'parquet', 'json', 'ndjson', 'jsonl', 'arrow', 'arff'] },
    });
    const data = picked?.[0];
    if (!data) {
      this.host.post({ type: 'error', message: 'Prediction canceled: no data file chosen.' });
      return;
    }
    const suggested = vscode.Uri.file(data.fsPath.replace(/(\.[^./\\]+)?$/, '.predictions.csv'));
    const out = await vscode.window.showSaveDialog({ defaultUri: suggested, title: 'Weir: save predictions as', filters: { CSV: ['csv'], Parquet: ['parquet'] } });
    if (!out) {
      this.host.post({ type: 'error', message: 'Prediction canceled: no output file chosen.' });
      return;
    }
    try {
      const result = await this.client.sendRequest(PredictRequest.type, { model: this.state.name, version: this.state.version, data: data.fsPath, out: out.fsPath });
      this.host.post({ type: 'predictResult', out: path.basename(result.out), rows: result.rows });
    } catch (e) {
      this.reportError(e, `predicting ${data.fsPath} with ${this.state.name}:${this.state.version ?? 'latest'}`, 'Prediction failed: ');
    }
  }
}
