import * as vscode from 'vscode';
import { ReadLogRequest } from '../../../engine/src/protocol';
import type { EngineClient } from '../client/engineClient';

export const logScheme = 'weir-log';

/**
 * Read-only documents `weir-log:/<runId>/<step>.log` with a run's stored log, for runs this
 * editor did not start (a CLI run, an old run). Live runs stream into their output channel.
 */
export class RunLogDocuments implements vscode.TextDocumentContentProvider {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly engine: EngineClient) {}

  static uri(runId: string, step?: string): vscode.Uri {
    return vscode.Uri.from({ scheme: logScheme, path: `/${runId}/${step ?? 'all'}.log` });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, runId, file] = uri.path.split('/');
    const step = file.replace(/\.log$/, '');
    const { text } = await this.engine.request(ReadLogRequest.type, { runId, step: step === 'all' ? undefined : step });
    return text || '(no log lines yet)\n';
  }

  refresh(uri: vscode.Uri): void {
    this.changeEmitter.fire(uri);
  }
}
