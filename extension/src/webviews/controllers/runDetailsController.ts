import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RunDetailsRequest, StepLogTailRequest, TrialChartsRequest } from '../../../../engine/src/protocol';
import { assertNever, type RunDetailsHostMessage, type RunDetailsViewState, type RunDetailsWebviewMessage } from '../../../../webview/src/protocol';
import { formatTimestamp } from '../../runs/rows';
import { PanelController, type PanelLinks } from './panelController';

const refreshDelayMs = 200;

/** Run details: answers `ready` with the whole run, and refetches (throttled) when the engine says the run changed. */
export class RunDetailsController extends PanelController<RunDetailsHostMessage, RunDetailsWebviewMessage, RunDetailsViewState> {
  private generation = 0;

  constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    state: RunDetailsViewState,
    client: LanguageClient,
    private readonly links: PanelLinks,
    onDispose: () => void,
  ) {
    super(panel, extensionUri, 'runDetails', state, client, onDispose);
  }

  get runId(): string {
    return this.state.runId;
  }

  /** The run changed: refetch at most every `refreshDelayMs`, so a burst of trial records costs one request. */
  runChanged(): void {
    this.refreshLater(refreshDelayMs, () => this.sendRun());
  }

  private async sendRun(): Promise<void> {
    const generation = ++this.generation;
    try {
      const data = await this.client.sendRequest(RunDetailsRequest.type, { runId: this.runId });
      // An older answer arriving after a newer one would roll the view back.
      if (generation !== this.generation) return;
      this.host.panel.title = `Run: ${data.run.pipelineName} ${formatTimestamp(data.run.createdAt)}`;
      this.host.post({ type: 'runDetails', data });
    } catch (e) {
      this.reportError(e, `run ${this.runId}`);
    }
  }

  protected async onMessage(message: RunDetailsWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.sendRun();
        break;
      case 'requestStepLog':
        try {
          const log = await this.client.sendRequest(StepLogTailRequest.type, { runId: this.runId, step: message.step });
          this.host.post({ type: 'stepLog', step: message.step, text: log.text, truncated: log.truncated });
        } catch (e) {
          const text = `Could not read the log: ${this.logFailure(e, `log of ${message.step} in run ${this.runId}`)}`;
          this.host.post({ type: 'stepLog', step: message.step, text, truncated: false });
        }
        break;
      case 'requestTrialCharts':
        try {
          const charts = await this.client.sendRequest(TrialChartsRequest.type, { runId: this.runId, step: message.step, iteration: message.iteration });
          this.host.post({ type: 'trialCharts', step: message.step, iteration: message.iteration, charts });
        } catch (e) {
          this.reportError(e, `charts of ${message.step} in run ${this.runId}`, `Charts of ${message.step}: `);
          this.host.post({ type: 'trialCharts', step: message.step, iteration: message.iteration, charts: null });
        }
        break;
      case 'openPreview':
        this.links.openDataPreview({ runId: this.runId, step: message.step, output: message.output });
        break;
      case 'openModelCard':
        this.links.openModelCard(message.name, message.version);
        break;
      default:
        assertNever(message);
    }
  }
}
