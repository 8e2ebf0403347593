import * as vscode from 'vscode';
import { viewTypes, type ViewKind, type ViewState } from '../../../webview/src/protocol';
import { makeNonce, webviewHtml } from './webviewHtml';

/**
 * One webview panel and its side of the message protocol. It owns the handshake: the page
 * sends `ready` when its script has loaded (again after every reload — panels are not kept
 * alive while hidden, so VS Code rebuilds the page when the tab is shown again), and only
 * then does the host post anything. A message posted while the page is not ready is dropped
 * rather than queued: the page that will send the next `ready` is a fresh one, and the
 * controller answers every `ready` with the complete current data.
 */
export class PanelHost<Out, In extends { type: string }> implements vscode.Disposable {
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly kind: ViewKind,
    state: ViewState,
    /** Called for every message; `ready` included (the controller then sends its data). */
    private readonly onMessage: (message: In) => void,
    onDispose: () => void,
  ) {
    panel.webview.options = webviewOptions(extensionUri);
    this.setPage(state);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: In) => {
        if (message?.type === 'ready') this.ready = true;
        this.onMessage(message);
      }),
      // A hidden panel's page is torn down; it says `ready` again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => {
        this.disposed = true;
        this.dispose();
        onDispose();
      }),
    );
  }

  /** Writes the page; the webview reloads and will send `ready` again. */
  setPage(state: ViewState): void {
    this.ready = false;
    const webview = this.panel.webview;
    const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', `${this.kind}.js`));
    webview.html = webviewHtml({ cspSource: webview.cspSource, scriptUri: scriptUri.toString(), nonce: makeNonce(), title: this.panel.title, state });
  }

  /** A page is loaded and listening (it said `ready` and was not hidden since). */
  get isReady(): boolean {
    return this.ready && !this.disposed;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  post(message: Out): void {
    if (this.disposed || !this.ready) return;
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    if (!this.disposed) this.panel.dispose();
  }
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
  };
}

export function createPanel(kind: ViewKind, title: string, extensionUri: vscode.Uri): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(viewTypes[kind], title, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, webviewOptions(extensionUri));
}
