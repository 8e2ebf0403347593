import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ErrorMessage, PreviewTarget, ViewKind, ViewState } from '../../../../webview/src/protocol';
import { shortMessage } from '../../commands/register';
import { logError } from '../../log';
import { PanelHost } from '../panelHost';

/** What a controller can ask of the rest of the webview layer (open another panel). */
export interface PanelLinks {
  openRunDetails(runId: string): void;
  openDataPreview(target: PreviewTarget): void;
  openModelCard(name: string, version?: number): void;
  /** Opens (or shows) a model version's card and explains rows of a previewed table there. */
  explainInModelCard(name: string, version: number, pick: { target: PreviewTarget; rows: number[] }): void;
}

/**
 * What every panel controller shares: its {@link PanelHost}, the page's messages handed to
 * `onMessage`, a throttled refetch, disposal, and one way to report a failure — the error
 * with its stack goes to the Weir output channel, the short message with the engine's hint
 * goes to the page.
 */
export abstract class PanelController<Out extends { type: string }, In extends { type: string }, State extends ViewState> implements vscode.Disposable {
  readonly host: PanelHost<Out | ErrorMessage, In>;
  private refreshTimer: NodeJS.Timeout | undefined;

  protected constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly kind: ViewKind,
    public state: State,
    protected readonly client: LanguageClient,
    onDispose: () => void,
  ) {
    this.host = new PanelHost(panel, extensionUri, kind, state, (m) => void this.receive(m), () => {
      clearTimeout(this.refreshTimer);
      onDispose();
    });
  }

  /** Handles one message from the page (`ready` included: answer it with the complete data). */
  protected abstract onMessage(message: In): Promise<void>;

  private async receive(message: In): Promise<void> {
    try {
      await this.onMessage(message);
    } catch (e) {
      this.reportError(e, `'${message.type}'`);
    }
  }

  /** Logs `e` with its stack (`context`: what failed) and returns its short message for the page, with the engine's hint when it sent one. */
  protected logFailure(e: unknown, context: string): string {
    logError(`${this.kind} panel: ${context}`, e);
    return shortMessage(e);
  }

  /** Logs `e` with its stack and shows its short message in the page; `prefix` says which part of the page failed. */
  protected reportError(e: unknown, context: string, prefix = ''): void {
    this.host.post({ type: 'error', message: `${prefix}${this.logFailure(e, context)}` });
  }

  /** Runs `refresh` once after `delayMs`, however often this is called meanwhile; only while a page is there to show it (the next `ready` fetches anyway). */
  protected refreshLater(delayMs: number, refresh: () => Promise<void>): void {
    if (this.refreshTimer || !this.host.isReady) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (this.host.isReady) void refresh();
    }, delayMs);
  }

  dispose(): void {
    this.host.dispose();
  }
}
