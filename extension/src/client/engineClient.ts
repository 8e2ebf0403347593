import * as vscode from 'vscode';
import type { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import type { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import { weirLog } from '../log';

/** Thrown by `request` when the engine process is not up; the command wrapper shows it as is. */
export class EngineNotRunningError extends Error {
  constructor(state: string) {
    super(`The Weir engine is not running (${state}). Run "Weir: Restart Engine", or see "Weir: Show Log" for why it stopped.`);
    this.name = 'EngineNotRunningError';
  }
}

export type EngineState = 'starting' | 'running' | 'stopped';

/** How many unexpected exits within `restartWindowMs` the extension restarts before giving up. */
const maxRestarts = 4;
const restartWindowMs = 3 * 60_000;

/**
 * The engine as the rest of the extension sees it: a language client started on VS Code's own
 * Node over IPC (`dist/server.js`), typed requests, notifications that survive restarts, and a
 * state. `vscode-languageclient` is loaded lazily so activation stays cheap.
 */
export class EngineClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;
  /**
   * Handlers per notification method. The language client keeps one handler per method, so
   * the client gets one dispatcher per method that calls every handler registered here.
   */
  private readonly notificationHandlers = new Map<string, { type: NotificationType<unknown>; handlers: Set<(params: unknown) => void> }>();
  private readonly stateEmitter = new vscode.EventEmitter<EngineState>();
  private readonly clientEmitter = new vscode.EventEmitter<LanguageClient>();
  private currentState: EngineState = 'stopped';
  private readonly crashTimes: number[] = [];
  private disposed = false;

  /** Fires on every change of the engine's state (and after a restart, with `running`). */
  readonly onDidChangeState = this.stateEmitter.event;
  /** Fires once the language client object exists (the webviews need it). */
  readonly onDidCreateClient = this.clientEmitter.event;

  constructor(private readonly context: vscode.ExtensionContext) {}

  get state(): EngineState {
    return this.currentState;
  }

  get languageClient(): LanguageClient | undefined {
    return this.client;
  }

  /** Starts the engine; resolves once it answered `initialize`. Safe to call repeatedly. */
  start(): Promise<LanguageClient> {
    this.starting ??= this.createAndStart();
    return this.starting;
  }

  async restart(): Promise<void> {
    if (!this.client) {
      await this.start();
      return;
    }
    weirLog().info('Restarting the Weir engine on request.');
    this.setState('starting');
    await this.client.restart();
  }

  /** Sends a typed request; throws `EngineNotRunningError` when the engine is down. */
  async request<P, R, E>(type: RequestType<P, R, E>, params: P, token?: vscode.CancellationToken): Promise<R> {
    const client = await this.runningClient();
    return client.sendRequest(type, params, token);
  }

  async request0<R, E>(type: RequestType0<R, E>, token?: vscode.CancellationToken): Promise<R> {
    const client = await this.runningClient();
    return client.sendRequest(type, token);
  }

  /** Registers a notification handler now and on every client the extension creates later. */
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): vscode.Disposable {
    let entry = this.notificationHandlers.get(type.method);
    if (!entry) {
      entry = { type: type as NotificationType<unknown>, handlers: new Set() };
      this.notificationHandlers.set(type.method, entry);
      if (this.client) this.dispatchTo(this.client, entry);
    }
    const handlers = entry.handlers;
    handlers.add(handler as (params: unknown) => void);
    return new vscode.Disposable(() => handlers.delete(handler as (params: unknown) => void));
  }

  private dispatchTo(client: LanguageClient, entry: { type: NotificationType<unknown>; handlers: Set<(params: unknown) => void> }): void {
    client.onNotification(entry.type, (params) => {
      for (const handler of entry.handlers) {
        try {
          handler(params);
        } catch (e) {
          weirLog().error(`handling ${entry.type.method}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        }
      }
    });
  }

  dispose(): void {
    this.disposed = true;
    void this.client?.stop().catch(() => undefined);
    this.stateEmitter.dispose();
    this.clientEmitter.dispose();
  }

  private async runningClient(): Promise<LanguageClient> {
    if (this.currentState === 'stopped' && this.client) throw new EngineNotRunningError('it stopped');
    const client = await this.start();
    if (this.currentState !== 'running') {
      // A restart is under way: wait a little for it instead of failing at once.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          listener.dispose();
          reject(new EngineNotRunningError(this.currentState));
        }, 20_000);
        const listener = this.onDidChangeState((state) => {
          if (state === 'starting') return;
          clearTimeout(timer);
          listener.dispose();
          if (state === 'running') resolve();
          else reject(new EngineNotRunningError(state));
        });
      });
    }
    return client;
  }

  private async createAndStart(): Promise<LanguageClient> {
    this.setState('starting');
    const started = Date.now();
    const { LanguageClient, TransportKind, CloseAction, ErrorAction, State } = await import('vscode-languageclient/node');
    const serverModule = this.context.asAbsolutePath('dist/server.js');
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', pattern: '**/*.pipeline.yaml' },
        { scheme: 'file', pattern: '**/*.pipeline.yml' },
      ],
      outputChannel: weirLog(),
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => {
          if (this.disposed) return { action: CloseAction.DoNotRestart, handled: true };
          const now = Date.now();
          this.crashTimes.push(now);
          while (this.crashTimes.length && now - this.crashTimes[0] > restartWindowMs) this.crashTimes.shift();
          if (this.crashTimes.length > maxRestarts) {
            weirLog().error(`The Weir engine stopped ${this.crashTimes.length} times in 3 minutes; not restarting it.`);
            void this.tellUser(`The Weir engine stopped ${this.crashTimes.length} times in 3 minutes and was not restarted.`, 'error');
            return { action: CloseAction.DoNotRestart, handled: true };
          }
          weirLog().warn('The Weir engine stopped unexpectedly; restarting it.');
          void this.tellUser('The Weir engine stopped unexpectedly and was restarted.', 'warning');
          return { action: CloseAction.Restart, handled: true };
        },
      },
    };
    const client = new LanguageClient('weir', 'Weir engine', serverOptions, clientOptions);
    client.onDidChangeState((event) => {
      this.setState(event.newState === State.Running ? 'running' : event.newState === State.Starting ? 'starting' : 'stopped');
    });
    for (const entry of this.notificationHandlers.values()) this.dispatchTo(client, entry);
    this.client = client;
    this.clientEmitter.fire(client);
    try {
      await client.start();
    } catch (e) {
      this.setState('stopped');
      weirLog().error(`The Weir engine did not start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      void this.tellUser('The Weir engine did not start.', 'error');
      throw new EngineNotRunningError('it did not start');
    }
    weirLog().info(`Weir engine started in ${Date.now() - started} ms.`);
    return client;
  }

  private setState(state: EngineState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    void vscode.commands.executeCommand('setContext', 'weir.engineRunning', state === 'running');
    this.stateEmitter.fire(state);
  }

  private async tellUser(message: string, level: 'warning' | 'error'): Promise<void> {
    const show = level === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    const choice = await show(`${message} See the Weir log for details.`, 'Show Log');
    if (choice === 'Show Log') weirLog().show();
  }
}
