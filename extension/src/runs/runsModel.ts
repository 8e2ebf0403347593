import * as vscode from 'vscode';
import {
  GetRunRequest,
  ListExperimentsRequest,
  ListRunsRequest,
  ListTrialsRequest,
  StoreChangedNotification,
  type ExperimentSummary,
  type RunRecord,
  type RunSummary,
  type TrialRecord,
} from '../../../engine/src/protocol';
import type { EngineClient } from '../client/engineClient';
import { logError } from '../log';
import { runsPageSize } from './rows';

export type RunsChange = { type: 'experiments' } | { type: 'experiment'; name: string } | { type: 'run'; runId: string };

/**
 * What the editor knows about experiments and runs: a cache filled on demand (when a tree
 * node expands) and patched by the engine's `weir/storeChanged` notifications, one run at a
 * time. Nothing here polls the store; a change to one run costs one small request.
 */
export class RunsModel implements vscode.Disposable {
  private experiments: ExperimentSummary[] | undefined;
  private readonly runsByExperiment = new Map<string, RunSummary[]>();
  private readonly runRecords = new Map<string, RunRecord>();
  private readonly trials = new Map<string, TrialRecord[]>();
  private readonly liveRuns = new Map<string, RunSummary>();
  private readonly pendingRunIds = new Set<string>();
  /** Every run id a listing or a notification showed, to tell a new run from a changed one. */
  private readonly seenRunIds = new Set<string>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly changeEmitter = new vscode.EventEmitter<RunsChange>();
  private readonly liveEmitter = new vscode.EventEmitter<RunSummary[]>();
  private readonly disposables: vscode.Disposable[] = [];

  readonly onDidChange = this.changeEmitter.event;
  /** Fires with the Queued and Running runs whenever that set may have changed. */
  readonly onDidChangeLiveRuns = this.liveEmitter.event;

  constructor(private readonly engine: EngineClient) {
    this.disposables.push(
      engine.onNotification(StoreChangedNotification.type, (change) => {
        if (change.type === 'run') this.runChanged(change.runId);
      }),
      engine.onDidChangeState((state) => {
        // After a (re)start the engine may have marked runs Interrupted: start from scratch.
        if (state === 'running') this.invalidate();
      }),
    );
  }

  async getExperiments(): Promise<ExperimentSummary[]> {
    this.experiments ??= await this.engine.request0(ListExperimentsRequest.type);
    return this.experiments;
  }

  /** The newest runs of an experiment: one page at first, more after `loadMoreRuns`. */
  async getRuns(experiment: string): Promise<RunSummary[]> {
    let runs = this.runsByExperiment.get(experiment);
    if (!runs) {
      runs = await this.engine.request(ListRunsRequest.type, { experiment, limit: runsPageSize });
      this.runsByExperiment.set(experiment, runs);
      for (const run of runs) this.seenRunIds.add(run.id);
    }
    return runs;
  }

  /** How many runs the experiment has beyond the loaded ones. */
  async moreRunsThan(experiment: string, loaded: number): Promise<number> {
    const summary = (await this.getExperiments()).find((e) => e.name === experiment);
    return Math.max(0, (summary?.runCount ?? 0) - loaded);
  }

  async loadMoreRuns(experiment: string): Promise<void> {
    const runs = await this.getRuns(experiment);
    const next = await this.engine.request(ListRunsRequest.type, { experiment, offset: runs.length, limit: runsPageSize });
    // A run created since the first page shifts the offsets by one: skip what is already here.
    const known = new Set(runs.map((r) => r.id));
    for (const run of next) {
      if (known.has(run.id)) continue;
      runs.push(run);
      this.seenRunIds.add(run.id);
    }
    this.changeEmitter.fire({ type: 'experiment', name: experiment });
  }

  async getRun(runId: string): Promise<RunRecord> {
    let run = this.runRecords.get(runId);
    if (!run) {
      run = await this.engine.request(GetRunRequest.type, { runId });
      this.runRecords.set(runId, run);
    }
    return run;
  }

  async getTrials(runId: string, step: string): Promise<TrialRecord[]> {
    const key = `${runId}\u0000${step}`;
    let trials = this.trials.get(key);
    if (!trials) {
      trials = await this.engine.request(ListTrialsRequest.type, { runId, step });
      this.trials.set(key, trials);
    }
    return trials;
  }

  /** A run summary the cache already holds (for commands given a run id). */
  cachedRun(runId: string): RunSummary | undefined {
    for (const runs of this.runsByExperiment.values()) {
      const run = runs.find((r) => r.id === runId);
      if (run) return run;
    }
    return this.liveRuns.get(runId);
  }

  liveRunList(): RunSummary[] {
    return [...this.liveRuns.values()];
  }

  /** Loads the live runs once (the status bar's starting point); notifications keep it current. */
  async loadLiveRuns(): Promise<void> {
    const live = await this.engine.request(ListRunsRequest.type, { liveOnly: true });
    this.liveRuns.clear();
    for (const run of live) this.liveRuns.set(run.id, run);
    this.liveEmitter.fire(this.liveRunList());
  }

  /** Drops every cache; the trees ask again when they next render. */
  invalidate(): void {
    this.experiments = undefined;
    this.runsByExperiment.clear();
    this.runRecords.clear();
    this.trials.clear();
    this.changeEmitter.fire({ type: 'experiments' });
    void this.loadLiveRuns().catch((e) => logError('loading live runs', e));
  }

  /** Called for every run the engine says changed; batched so a burst of step updates costs one request. */
  runChanged(runId: string): void {
    this.pendingRunIds.add(runId);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush().catch((e) => logError('refreshing runs', e));
    }, 150);
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const d of this.disposables) d.dispose();
    this.changeEmitter.dispose();
    this.liveEmitter.dispose();
  }

  private async flush(): Promise<void> {
    const runIds = [...this.pendingRunIds];
    this.pendingRunIds.clear();
    if (runIds.length === 0) return;
    const summaries = await this.engine.request(ListRunsRequest.type, { runIds });
    const found = new Map(summaries.map((s) => [s.id, s]));
    let experimentsChanged = false;
    let liveChanged = false;
    for (const runId of runIds) {
      const summary = found.get(runId);
      // Patch the experiment's list in place: replace, insert at the top (newest first) or remove.
      for (const [experiment, runs] of this.runsByExperiment) {
        const index = runs.findIndex((r) => r.id === runId);
        if (index >= 0 && summary && summary.experiment === experiment) {
          runs[index] = summary;
          this.changeEmitter.fire({ type: 'run', runId });
        } else if (index >= 0) {
          runs.splice(index, 1);
          this.changeEmitter.fire({ type: 'experiment', name: experiment });
          experimentsChanged = true;
        }
      }
      if (summary) {
        const runs = this.runsByExperiment.get(summary.experiment);
        if (runs && !runs.some((r) => r.id === runId)) {
          runs.unshift(summary);
          this.changeEmitter.fire({ type: 'experiment', name: summary.experiment });
        }
        // A run this model has not seen changes its experiment's run count.
        if (!this.seenRunIds.has(runId)) experimentsChanged = true;
        this.seenRunIds.add(runId);
        const wasLive = this.liveRuns.has(runId);
        const isLive = summary.status === 'Running' || summary.status === 'Queued';
        if (isLive) this.liveRuns.set(runId, summary);
        else this.liveRuns.delete(runId);
        if (wasLive || isLive) {
          liveChanged = true;
          // The experiment icon spins while any of its runs is live, and run counts change.
          experimentsChanged ||= wasLive !== isLive;
        }
      } else {
        if (this.seenRunIds.delete(runId)) experimentsChanged = true;
        if (this.liveRuns.delete(runId)) liveChanged = true;
      }
      if (this.runRecords.has(runId)) {
        this.runRecords.delete(runId);
        for (const key of [...this.trials.keys()]) if (key.startsWith(`${runId}\u0000`)) this.trials.delete(key);
        if (summary) this.changeEmitter.fire({ type: 'run', runId });
      }
    }
    if (experimentsChanged) {
      this.experiments = undefined;
      this.changeEmitter.fire({ type: 'experiments' });
    }
    if (liveChanged) this.liveEmitter.fire(this.liveRunList());
  }
}
