import * as vscode from 'vscode';
import { CancelRunRequest, RunEventNotification, type RunEvent, type RunStatus } from '../../../engine/src/protocol';
import type { EngineClient } from '../client/engineClient';
import { logError, weirLog } from '../log';
import { CommandIds } from '../commands/ids';
import { formatDuration } from './rows';

interface FollowedRun {
  runId: string;
  title: string;
  channel: vscode.LogOutputChannel;
  started: number;
  onEvent?: (event: RunEvent) => void;
  finish?: (status: RunStatus | 'EngineStopped') => void;
  /**
   * Set when the run ended before the progress notification's task started (VS Code may start
   * it late); the task then resolves at once.
   */
  endedEarly?: RunStatus | 'EngineStopped';
  /** Whether the progress task has started and set `onEvent`/`finish`. */
  attached: boolean;
  /** The run's own wall time, from its final event (the editor may start following late). */
  durationMs?: number;
}

/** How many per-run log channels stay open; older ones are disposed. */
const keptChannels = 5;
/** Events for runs nobody follows yet are buffered this long (the start answer may come after them). */
const earlyEventMs = 10_000;

/**
 * Follows the runs started from this editor: streams each run's log lines into its own
 * `LogOutputChannel`, shows a cancellable progress notification, and tells the user how the
 * run ended.
 */
export class RunMonitor implements vscode.Disposable {
  private readonly followed = new Map<string, FollowedRun>();
  private readonly early = new Map<string, { at: number; events: RunEvent[] }>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly engine: EngineClient) {
    this.disposables.push(
      engine.onNotification(RunEventNotification.type, (event) => this.handle(event)),
      engine.onDidChangeState((state) => {
        if (state === 'stopped' || state === 'starting') {
          for (const run of this.followed.values()) this.end(run, 'EngineStopped');
        }
      }),
    );
  }

  /**
   * Starts following a run: log channel now, progress notification until it ends. Resolves
   * with the final status (or `EngineStopped` when the engine went away first).
   */
  follow(runId: string, title: string): Promise<RunStatus | 'EngineStopped'> {
    const channel = vscode.window.createOutputChannel(`Weir Run: ${title} (${runId.slice(-8)})`, { log: true });
    const run: FollowedRun = { runId, title, channel, started: Date.now(), attached: false };
    this.followed.set(runId, run);
    this.trimChannels();
    channel.info(`Run ${runId} of ${title} started.`);
    const result = vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Weir: ${title}`, cancellable: true },
      (progress, token) =>
        new Promise<RunStatus | 'EngineStopped'>((resolve) => {
          token.onCancellationRequested(() => {
            channel.warn('Cancel requested.');
            void this.engine.request(CancelRunRequest.type, { runId }).catch((e) => logError(`canceling run ${runId}`, e));
          });
          run.onEvent = (event) => {
            if (event.type === 'step') {
              const duration = event.durationMs !== undefined ? ` in ${formatDuration(event.durationMs)}` : '';
              progress.report({ message: `${event.step}: ${event.status}${duration}` });
            }
          };
          run.finish = (status) => {
            run.onEvent = undefined;
            run.finish = undefined;
            resolve(status);
          };
          run.attached = true;
          if (run.endedEarly) run.finish(run.endedEarly);
          for (const event of this.early.get(runId)?.events ?? []) this.handle(event);
          this.early.delete(runId);
        }),
    );
    void result.then((status) => this.report(run, status));
    return Promise.resolve(result);
  }

  /** Shows a followed run's log channel; false when this editor did not follow that run. */
  showLog(runId: string): boolean {
    const run = this.followed.get(runId);
    if (!run) return false;
    run.channel.show(true);
    return true;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const run of this.followed.values()) run.channel.dispose();
  }

  private handle(event: RunEvent): void {
    const run = this.followed.get(event.runId);
    if (!run) {
      this.bufferEarly(event);
      return;
    }
    switch (event.type) {
      case 'log':
        for (const line of event.text.replace(/\n$/, '').split('\n')) run.channel.info(`[${event.step}] ${line}`);
        break;
      case 'step':
        run.channel.info(`Step ${event.step}: ${event.status}${event.durationMs !== undefined ? ` (${formatDuration(event.durationMs)})` : ''}`);
        run.onEvent?.(event);
        break;
      case 'run':
        if (event.status === 'Completed' || event.status === 'Failed' || event.status === 'Canceled') {
          if (event.durationMs !== undefined) run.durationMs = event.durationMs;
          const line = `Run ${event.status}${event.message ? `: ${event.message}` : ''} after ${formatDuration(run.durationMs ?? Date.now() - run.started)}.`;
          if (event.status === 'Failed') run.channel.error(line);
          else run.channel.info(line);
          this.end(run, event.status);
        }
        break;
    }
  }

  private end(run: FollowedRun, status: RunStatus | 'EngineStopped'): void {
    if (run.attached) run.finish?.(status);
    else run.endedEarly ??= status;
  }

  private bufferEarly(event: RunEvent): void {
    const now = Date.now();
    for (const [id, entry] of this.early) if (now - entry.at > earlyEventMs) this.early.delete(id);
    const entry = this.early.get(event.runId) ?? { at: now, events: [] };
    if (entry.events.length < 1000) entry.events.push(event);
    this.early.set(event.runId, entry);
  }

  private trimChannels(): void {
    const runs = [...this.followed.values()];
    for (const old of runs.slice(0, Math.max(0, runs.length - keptChannels))) {
      if (old.finish || !old.attached) continue;
      old.channel.dispose();
      this.followed.delete(old.runId);
    }
  }

  private async report(run: FollowedRun, status: RunStatus | 'EngineStopped'): Promise<void> {
    const took = formatDuration(run.durationMs ?? Date.now() - run.started);
    weirLog().info(`Run ${run.runId} (${run.title}) ended: ${status} after ${took}.`);
    if (status === 'Completed') {
      const choice = await vscode.window.showInformationMessage(`Weir: ${run.title} completed in ${took}.`, 'Open Details', 'Show Log');
      if (choice === 'Open Details') await vscode.commands.executeCommand(CommandIds.openRunDetails, run.runId);
      if (choice === 'Show Log') run.channel.show(true);
    } else if (status === 'Failed') {
      const choice = await vscode.window.showErrorMessage(`Weir: ${run.title} failed.`, 'Show Log', 'Open Details');
      if (choice === 'Show Log') run.channel.show(true);
      if (choice === 'Open Details') await vscode.commands.executeCommand(CommandIds.openRunDetails, run.runId);
    } else if (status === 'Canceled') {
      void vscode.window.showWarningMessage(`Weir: ${run.title} was canceled.`);
    } else {
      const choice = await vscode.window.showErrorMessage(`Weir: the engine stopped while ${run.title} was running; the run is marked Interrupted.`, 'Show Log');
      if (choice === 'Show Log') weirLog().show();
    }
  }
}
