import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  CompareRunsRequest,
  ModelCardRequest,
  PredictRequest,
  PreviewInfoRequest,
  PreviewPageRequest,
  PreviewProfileRequest,
  RunDetailsRequest,
  StepLogTailRequest,
  TrialChartsRequest,
} from '../../../engine/src/protocol';
import {
  assertNever,
  type CompareRunsHostMessage,
  type CompareRunsViewState,
  type CompareRunsWebviewMessage,
  type DataPreviewHostMessage,
  type DataPreviewViewState,
  type DataPreviewWebviewMessage,
  type ModelCardHostMessage,
  type ModelCardViewState,
  type ModelCardWebviewMessage,
  type PreviewTarget,
  type RunDetailsHostMessage,
  type RunDetailsViewState,
  type RunDetailsWebviewMessage,
} from '../../../webview/src/protocol';
import { formatTimestamp } from '../runs/rows';
import { PanelHost } from './panelHost';
import { CommandIds } from '../commands/ids';

/** What a controller can ask of the rest of the webview layer (open another panel). */
export interface PanelLinks {
  openRunDetails(runId: string): void;
  openDataPreview(target: PreviewTarget): void;
  openModelCard(name: string, version?: number): void;
}

export interface PanelController extends vscode.Disposable {
  readonly host: PanelHost<unknown, { type: string }>;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const refreshDelayMs = 200;

/** Run details: answers `ready` with the whole run, and refetches (throttled) when the engine says the run changed. */
export class RunDetailsController implements vscode.Disposable {
  readonly host: PanelHost<RunDetailsHostMessage, RunDetailsWebviewMessage>;
  private refreshTimer: NodeJS.Timeout | undefined;
  private generation = 0;

  constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    readonly state: RunDetailsViewState,
    private readonly client: LanguageClient,
    private readonly links: PanelLinks,
    onDispose: () => void,
  ) {
    this.host = new PanelHost(panel, extensionUri, 'runDetails', state, (m) => void this.onMessage(m), () => {
      clearTimeout(this.refreshTimer);
      onDispose();
    });
  }

  get runId(): string {
    return this.state.runId;
  }

  /** The run changed: refetch at most every `refreshDelayMs`, so a burst of trial records costs one request. */
  runChanged(): void {
    // No page to show it to: the next page's `ready` fetches the run anyway.
    if (this.refreshTimer || !this.host.isReady) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (this.host.isReady) void this.sendRun();
    }, refreshDelayMs);
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
      this.host.post({ type: 'error', message: errorText(e) });
    }
  }

  private async onMessage(message: RunDetailsWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.sendRun();
        break;
      case 'requestStepLog':
        try {
          const log = await this.client.sendRequest(StepLogTailRequest.type, { runId: this.runId, step: message.step });
          this.host.post({ type: 'stepLog', step: message.step, text: log.text, truncated: log.truncated });
        } catch (e) {
          this.host.post({ type: 'stepLog', step: message.step, text: `Could not read the log: ${errorText(e)}`, truncated: false });
        }
        break;
      case 'requestTrialCharts':
        try {
          const charts = await this.client.sendRequest(TrialChartsRequest.type, { runId: this.runId, step: message.step, iteration: message.iteration });
          this.host.post({ type: 'trialCharts', step: message.step, iteration: message.iteration, charts });
        } catch (e) {
          this.host.post({ type: 'error', message: `Charts of ${message.step}: ${errorText(e)}` });
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

  dispose(): void {
    this.host.dispose();
  }
}

/** Data preview: info at `ready`, then pages and the profile as the page asks for them. */
export class DataPreviewController implements vscode.Disposable {
  readonly host: PanelHost<DataPreviewHostMessage, DataPreviewWebviewMessage>;

  constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    readonly state: DataPreviewViewState,
    private readonly client: LanguageClient,
    onDispose: () => void,
  ) {
    this.host = new PanelHost(panel, extensionUri, 'dataPreview', state, (m) => void this.onMessage(m), onDispose);
  }

  private get target(): PreviewTarget {
    return this.state.target;
  }

  private async onMessage(message: DataPreviewWebviewMessage): Promise<void> {
    try {
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
    } catch (e) {
      this.host.post({ type: 'error', message: errorText(e) });
    }
  }

  dispose(): void {
    this.host.dispose();
  }
}

/** Model card: the card at `ready`; "Predict on a file…" asks for the files here and runs the engine's predict request. */
export class ModelCardController implements vscode.Disposable {
  readonly host: PanelHost<ModelCardHostMessage, ModelCardWebviewMessage>;

  constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    public state: ModelCardViewState,
    private readonly client: LanguageClient,
    private readonly links: PanelLinks,
    onDispose: () => void,
  ) {
    this.host = new PanelHost(panel, extensionUri, 'modelCard', state, (m) => void this.onMessage(m), onDispose);
  }

  /** Shows another version in this panel. */
  async show(version: number | undefined): Promise<void> {
    this.state = { ...this.state, version };
    await this.sendCard();
  }

  private async sendCard(): Promise<void> {
    try {
      const data = await this.client.sendRequest(ModelCardRequest.type, { name: this.state.name, version: this.state.version });
      this.host.panel.title = `Model: ${data.model.name}:${data.model.version}`;
      this.host.post({ type: 'modelCard', data });
    } catch (e) {
      this.host.post({ type: 'error', message: errorText(e) });
    }
  }

  private async onMessage(message: ModelCardWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.sendCard();
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
      filters: { Data: ['csv', 'tsv', 'parquet', 'json', 'ndjson', 'arrow'] },
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
      this.host.post({ type: 'error', message: `Prediction failed: ${errorText(e)}` });
    }
  }

  dispose(): void {
    this.host.dispose();
  }
}

/** Run comparison: all runs with their trials at `ready`; refetched when one of them changes. */
export class CompareRunsController implements vscode.Disposable {
  readonly host: PanelHost<CompareRunsHostMessage, CompareRunsWebviewMessage>;
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    readonly state: CompareRunsViewState,
    private readonly client: LanguageClient,
    private readonly links: PanelLinks,
    onDispose: () => void,
  ) {
    this.host = new PanelHost(panel, extensionUri, 'compareRuns', state, (m) => void this.onMessage(m), () => {
      clearTimeout(this.refreshTimer);
      onDispose();
    });
  }

  runChanged(): void {
    if (this.refreshTimer || !this.host.isReady) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (this.host.isReady) void this.send();
    }, 1000);
  }

  private async send(): Promise<void> {
    try {
      const runs = await this.client.sendRequest(CompareRunsRequest.type, { runIds: this.state.runIds });
      this.host.post({ type: 'compareRuns', runs });
    } catch (e) {
      this.host.post({ type: 'error', message: errorText(e) });
    }
  }

  private async onMessage(message: CompareRunsWebviewMessage): Promise<void> {
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

  dispose(): void {
    this.host.dispose();
  }
}
