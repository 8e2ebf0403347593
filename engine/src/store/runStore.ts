import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../errors';
import type { RunRecord, RunStatus, StepRunRecord, TrialRecord } from './records';
import { pathExists, readJsonFile, tempName, writeFileAtomic } from './durableFiles';
import { encodeFileName, newRunId } from './fileNames';
import { cancelOrphanedJobs, currentOwner, isOwnerAlive, killOrphanedGroup } from './processOwner';
import type { RunIndex } from './runIndex';
import type { ArtifactStore } from './artifacts';
import type { ChangeJournal } from './changeJournal';

/**
 * The runs of a workspace store (docs/store.md): run records under `runs/<id>/run.json`, their
 * step logs and trials (child runs), the reuse index (`index/reuse/`), the per-experiment run
 * index, and recovery of runs whose owning process died. `FileWorkspaceStore` delegates its
 * run methods here. Each live run is written only by its owning process; within a process,
 * updates of one run are serialized.
 */

const FINAL_RUN: ReadonlySet<RunStatus> = new Set(['Completed', 'Failed', 'Canceled']);

/**
 * Space set aside for a live run's own record: `runs/<id>/reserve`, written when the run is
 * created and deleted when it is final. A write of `run.json` that fails because the disk is
 * full (a step filled it with files that are not its outputs, or another program did) deletes
 * the reserve and tries once more, so the step's and the run's final status is recorded even
 * then. 64 KiB holds the record of a run with hundreds of steps.
 */
const RESERVE_FILE = 'reserve';
const RESERVE_BYTES = 64 * 1024;
const FULL_DISK = new Set(['ENOSPC', 'EDQUOT']);
/** A live-run marker with no run file yet is left alone this long (its creator may be mid-create). */
const ORPHAN_MARKER_MS = 60_000;

export class RunStore {
  /** Serializes read-modify-write of one run within this process (parallel steps update one run). */
  private readonly runLocks = new Map<string, Promise<unknown>>();
  /** Open log descriptors, one per step that is writing. */
  private readonly logFds = new Map<string, number>();

  constructor(
    private readonly runsDir: string,
    private readonly reuseDir: string,
    private readonly tmpDir: string,
    private readonly runIndex: RunIndex,
    private readonly artifacts: ArtifactStore,
    private readonly journal: ChangeJournal,
  ) {}

  // ----- recovery -----

  /**
   * Finishes what killed processes left: runs whose owner is gone become Failed/Interrupted,
   * and final runs that still have a live marker get their index line.
   */
  async recoverRuns(): Promise<void> {
    for (const { experiment, runId } of await this.runIndex.activeRuns()) {
      const run = await readJsonFile<RunRecord>(this.runFile(runId)).catch(() => undefined);
      if (!run) {
        const marker = this.runIndex.markerPath(experiment, runId);
        const age = Date.now() - ((await fsp.stat(marker).catch(() => undefined))?.mtimeMs ?? 0);
        if (age > ORPHAN_MARKER_MS) {
          await this.runIndex.removeMarker(experiment, runId);
          await fsp.rm(path.join(this.runsDir, runId), { recursive: true, force: true });
        }
        continue;
      }
      if (FINAL_RUN.has(run.status)) {
        this.runIndex.append(run);
        await this.runIndex.removeMarker(run.experiment, run.id);
        continue;
      }
      await this.reconcile(run);
    }
  }

  /**
   * A run that is not final but whose owner process is gone becomes Failed/Interrupted. Done on
   * open, and again whenever a live run is read, so a long-lived process (the editor's engine)
   * sees a CLI run that was killed without waiting for the next open.
   */
  private async reconcile(run: RunRecord): Promise<RunRecord> {
    if (FINAL_RUN.has(run.status) || isOwnerAlive(run.owner)) return run;
    // The dead owner can no longer write, so the record re-read under the lock is its last word.
    // Only the caller that turns the run final kills its steps' process groups, so once.
    let orphans: { pgid: number; procStart?: string }[] = [];
    let jobs: string[] = [];
    const updated = await this.updateRun(run.id, (r) => {
      if (FINAL_RUN.has(r.status)) return;
      const unfinished = r.steps.filter((s) => s.status === 'Running' || s.status === 'Queued');
      orphans = unfinished.flatMap((s) => [s.process, this.readStepProcess(r.id, s.name)]).filter((g): g is { pgid: number; procStart?: string } => g !== undefined);
      // Slurm jobs of unfinished steps would run on with nobody to record them.
      jobs = unfinished.filter((s) => s.slurm).map((s) => s.slurm!.jobId);
      markInterrupted(r);
    });
    for (const group of orphans) killOrphanedGroup(group);
    cancelOrphanedJobs(jobs);
    return updated;
  }

  private stepProcessFile(runId: string, step: string): string {
    return path.join(this.runsDir, runId, 'processes', `${encodeFileName(step)}.json`);
  }

  recordStepProcess(runId: string, step: string, group: { pgid: number; procStart?: string }): void {
    this.checkRunId(runId);
    const file = this.stepProcessFile(runId, step);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Not atomic on purpose: a torn file is ignored by readStepProcess, and the rename dance
    // would cost more syscalls in the very window this record exists to close.
    fs.writeFileSync(file, JSON.stringify(group));
  }

  private readStepProcess(runId: string, step: string): { pgid: number; procStart?: string } | undefined {
    try {
      const group = JSON.parse(fs.readFileSync(this.stepProcessFile(runId, step), 'utf8')) as { pgid?: unknown; procStart?: unknown };
      if (typeof group.pgid !== 'number') return undefined;
      return { pgid: group.pgid, ...(typeof group.procStart === 'string' ? { procStart: group.procStart } : {}) };
    } catch {
      return undefined;
    }
  }

  // ----- runs -----

  private runFile(runId: string): string {
    return path.join(this.runsDir, runId, 'run.json');
  }

  private checkRunId(runId: string): void {
    if (!/^[A-Za-z0-9_.-]+$/.test(runId) || runId.startsWith('.')) throw new WeirError('BAD_INPUT', `invalid run id '${runId}'`);
  }

  async createRun(init: Omit<RunRecord, 'id' | 'createdAt' | 'status' | 'owner'>): Promise<RunRecord> {
    let id = '';
    const now = new Date();
    // The exclusive mkdir is what makes the id unique across processes.
    for (;;) {
      id = newRunId(now);
      try {
        await fsp.mkdir(path.join(this.runsDir, id));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    const run: RunRecord = { ...structuredClone(init), id, createdAt: now.toISOString(), status: 'Queued', owner: currentOwner() };
    try {
      await this.runIndex.addMarker(run.experiment, id);
      await writeFileAtomic(this.tmpDir, this.runFile(id), JSON.stringify(run));
      // Best effort: without it the run still runs, and a full disk is handled as before.
      await fsp.writeFile(this.reserveFile(id), Buffer.alloc(RESERVE_BYTES), { flag: 'wx' }).catch(() => fsp.rm(this.reserveFile(id), { force: true }).catch(() => undefined));
    } catch (e) {
      // A full disk or an unusable experiment name: leave no empty run folder or marker behind.
      await this.runIndex.removeMarker(run.experiment, id).catch(() => undefined);
      await fsp.rm(path.join(this.runsDir, id), { recursive: true, force: true }).catch(() => undefined);
      throw e;
    }
    this.journal.record({ type: 'run', runId: id, experiment: run.experiment });
    return run;
  }

  updateRun(runId: string, change: (run: RunRecord) => void): Promise<RunRecord> {
    const previous = this.runLocks.get(runId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.updateRunNow(runId, change));
    this.runLocks.set(runId, next);
    const cleanup = () => {
      if (this.runLocks.get(runId) === next) this.runLocks.delete(runId);
    };
    next.then(cleanup, cleanup);
    return next;
  }

  private async updateRunNow(runId: string, change: (run: RunRecord) => void): Promise<RunRecord> {
    const before = await this.readRun(runId);
    const run = structuredClone(before);
    change(run);
    if (run.id !== runId) throw new WeirError('INTERNAL', `updateRun must not change the run id (${runId} → ${run.id})`);
    const live = !FINAL_RUN.has(run.status);
    // A run that becomes live again (or moves experiment) needs its marker before the record
    // says so, for the same reason a finished run's index line comes before the marker goes.
    const needsMarker = live && (FINAL_RUN.has(before.status) || before.experiment !== run.experiment);
    if (needsMarker) await this.runIndex.addMarker(run.experiment, runId);
    await this.writeRunFile(runId, run);
    if (needsMarker && before.experiment !== run.experiment) await this.runIndex.removeMarker(before.experiment, runId);

    const beforeSteps = new Map(before.steps.map((s) => [s.name, s]));
    for (const step of run.steps) {
      const old = beforeSteps.get(step.name);
      if (step.status === 'Completed' && step.fingerprint && (old?.status !== 'Completed' || old.fingerprint !== step.fingerprint)) {
        await this.recordReusable(step.fingerprint, runId, step.name);
      }
      if (step.status !== 'Running' && step.status !== 'Queued') this.closeLog(runId, step.name);
    }
    if (!live) {
      await fsp.rm(this.reserveFile(runId), { force: true }).catch(() => undefined);
      this.runIndex.append(run);
      if (before.experiment !== run.experiment) this.runIndex.append({ id: runId, experiment: before.experiment, deleted: true });
      await this.runIndex.removeMarker(before.experiment, runId);
      for (const step of run.steps) this.closeLog(runId, step.name);
    }
    this.journal.record({ type: 'run', runId, experiment: run.experiment });
    return run;
  }

  private reserveFile(runId: string): string {
    return path.join(this.runsDir, runId, RESERVE_FILE);
  }

  /** Writes run.json; on a full disk, spends the run's reserve and tries once more. */
  private async writeRunFile(runId: string, run: RunRecord): Promise<void> {
    try {
      await writeFileAtomic(this.tmpDir, this.runFile(runId), JSON.stringify(run));
    } catch (e) {
      if (!FULL_DISK.has((e as NodeJS.ErrnoException).code ?? '') || !(await pathExists(this.reserveFile(runId)))) throw e;
      await fsp.rm(this.reserveFile(runId), { force: true });
      await writeFileAtomic(this.tmpDir, this.runFile(runId), JSON.stringify(run));
    }
  }

  private async readRun(runId: string): Promise<RunRecord> {
    this.checkRunId(runId);
    const run = await readJsonFile<RunRecord>(this.runFile(runId));
    if (!run) throw new WeirError('NOT_FOUND', `no run '${runId}'`, { hint: 'List runs with `weir runs`.' });
    return run;
  }

  async getRun(runId: string): Promise<RunRecord> {
    return this.reconcile(await this.readRun(runId));
  }

  async listRuns(filter: { experiment?: string; limit?: number } = {}): Promise<RunRecord[]> {
    // Markers first, then the index: a run that finishes in between is then in the index.
    const active = await this.runIndex.activeRuns(filter.experiment);
    const experiments = filter.experiment !== undefined ? [filter.experiment] : await this.runIndex.experiments();
    const byId = new Map<string, RunRecord>();
    // On case-insensitive file systems `Exp` and `exp` share an index file, so a filtered
    // listing checks each record's experiment; an unfiltered one reads every file whole.
    for (const e of experiments) {
      for (const [id, r] of this.runIndex.finishedRuns(e)) if (filter.experiment === undefined || r.experiment === filter.experiment) byId.set(id, r);
    }
    const live = await Promise.all(
      active.map(async (a) => {
        const run = await readJsonFile<RunRecord>(this.runFile(a.runId)).catch(() => undefined);
        return run && this.reconcile(run).catch(() => run);
      }),
    );
    for (const r of live) if (r && (filter.experiment === undefined || r.experiment === filter.experiment)) byId.set(r.id, r);
    const runs = [...byId.values()].sort(newestFirst);
    return filter.limit !== undefined ? runs.slice(0, filter.limit) : runs;
  }

  async listExperiments(): Promise<{ name: string; runCount: number; lastRunAt?: string }[]> {
    const runs = await this.listRuns();
    const stats = new Map<string, { name: string; runCount: number; lastRunAt?: string }>();
    for (const r of runs) {
      const s = stats.get(r.experiment) ?? { name: r.experiment, runCount: 0 };
      s.runCount += 1;
      if (s.lastRunAt === undefined || r.createdAt > s.lastRunAt) s.lastRunAt = r.createdAt;
      stats.set(r.experiment, s);
    }
    return [...stats.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async deleteRun(runId: string): Promise<void> {
    const run = await this.getRun(runId);
    if (!FINAL_RUN.has(run.status) && isOwnerAlive(run.owner)) {
      throw new WeirError('BUSY', `run ${runId} is ${run.status}`, { hint: `Cancel it first: weir run cancel ${runId}` });
    }
    for (const step of run.steps) this.closeLog(runId, step.name);
    this.runIndex.append({ id: runId, experiment: run.experiment, deleted: true });
    await this.runIndex.removeMarker(run.experiment, runId);
    // Renaming out of runs/ first makes the deletion atomic for readers.
    const trash = path.join(this.tmpDir, tempName('deleted'));
    await fsp.rename(path.join(this.runsDir, runId), trash);
    await fsp.rm(trash, { recursive: true, force: true });
    this.journal.record({ type: 'run', runId, experiment: run.experiment });
  }

  async requestCancel(runId: string): Promise<void> {
    const run = await this.getRun(runId);
    await writeFileAtomic(this.tmpDir, path.join(this.runsDir, runId, 'cancel'), `${JSON.stringify({ requestedAt: new Date().toISOString(), pid: process.pid })}\n`);
    this.journal.record({ type: 'run', runId, experiment: run.experiment });
  }

  isCancelRequested(runId: string): Promise<boolean> {
    this.checkRunId(runId);
    return pathExists(path.join(this.runsDir, runId, 'cancel'));
  }

  // ----- logs and trials -----

  logPath(runId: string, step: string): string {
    return path.join(this.runsDir, runId, 'logs', `${encodeFileName(step)}.log`);
  }

  async appendLog(runId: string, step: string, text: string): Promise<void> {
    const key = `${runId}\0${step}`;
    let fd = this.logFds.get(key);
    if (fd === undefined) {
      this.checkRunId(runId);
      const file = this.logPath(runId, step);
      try {
        fd = fs.openSync(file, 'a');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        if (!(await pathExists(path.join(this.runsDir, runId)))) throw new WeirError('NOT_FOUND', `no run '${runId}'`);
        await fsp.mkdir(path.dirname(file), { recursive: true });
        fd = fs.openSync(file, 'a');
      }
      this.logFds.set(key, fd);
    }
    // A synchronous write keeps lines in call order (async writes on the thread pool may
    // reorder) and costs microseconds for the page cache.
    fs.writeSync(fd, text);
  }

  private closeLog(runId: string, step: string): void {
    const key = `${runId}\0${step}`;
    const fd = this.logFds.get(key);
    if (fd === undefined) return;
    this.logFds.delete(key);
    fs.closeSync(fd);
  }

  async readLog(runId: string, step?: string): Promise<string> {
    if (step !== undefined) {
      const run = await this.getRun(runId);
      if (!run.steps.some((s) => s.name === step)) {
        throw new WeirError('NOT_FOUND', `run ${runId} has no step '${step}'; steps: ${run.steps.map((s) => s.name).join(', ')}`);
      }
      return fsp.readFile(this.logPath(runId, step), 'utf8').catch(() => '');
    }
    const run = await this.getRun(runId);
    const parts: string[] = [];
    for (const s of run.steps) {
      const text = await fsp.readFile(this.logPath(runId, s.name), 'utf8').catch(() => undefined);
      if (text !== undefined) parts.push(`== ${s.name} ==\n${text}${text.endsWith('\n') || text === '' ? '' : '\n'}`);
    }
    return parts.join('');
  }

  private trialsDir(runId: string, step: string): string {
    return path.join(this.runsDir, runId, 'trials', encodeFileName(step));
  }

  async addTrial(runId: string, step: string, trial: TrialRecord): Promise<void> {
    this.checkRunId(runId);
    const dir = this.trialsDir(runId, step);
    await fsp.mkdir(dir, { recursive: true });
    await writeFileAtomic(this.tmpDir, path.join(dir, `${String(trial.iteration).padStart(6, '0')}.json`), JSON.stringify(trial));
    this.journal.record({ type: 'run', runId });
  }

  async listTrials(runId: string, step: string): Promise<TrialRecord[]> {
    this.checkRunId(runId);
    let files: string[];
    try {
      files = (await fsp.readdir(this.trialsDir(runId, step))).filter((f) => /^\d+\.json$/.test(f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const trials = await Promise.all(files.map((f) => readJsonFile<TrialRecord>(path.join(this.trialsDir(runId, step), f))));
    return trials.filter((t): t is TrialRecord => t !== undefined).sort((a, b) => a.iteration - b.iteration);
  }

  // ----- reuse -----

  private reuseFile(fingerprint: string): string {
    return path.join(this.reuseDir, `${encodeFileName(fingerprint)}.json`);
  }

  private async recordReusable(fingerprint: string, runId: string, step: string): Promise<void> {
    await writeFileAtomic(this.tmpDir, this.reuseFile(fingerprint), JSON.stringify({ runId, step }));
  }

  async findReusableStep(fingerprint: string): Promise<{ runId: string; step: StepRunRecord } | undefined> {
    const pointer = await readJsonFile<{ runId: string; step: string }>(this.reuseFile(fingerprint)).catch(() => undefined);
    if (!pointer) return undefined;
    const run = await readJsonFile<RunRecord>(this.runFile(pointer.runId)).catch(() => undefined);
    const step = run?.steps.find((s) => s.name === pointer.step);
    if (!run || !step || step.status !== 'Completed' || step.fingerprint !== fingerprint) return undefined;
    for (const ref of Object.values(step.outputs)) if (!(await this.artifacts.exists(ref))) return undefined;
    return { runId: run.id, step };
  }

  // ----- index maintenance -----

  /**
   * Rebuilds the run index from the run files (for a damaged or deleted `index/`). Safe to run
   * while other processes work: it only rewrites lines for final runs and markers for live ones.
   */
  async rebuildRunIndex(): Promise<{ runs: number }> {
    const byExperiment = new Map<string, RunRecord[]>();
    let count = 0;
    for (const id of await fsp.readdir(this.runsDir)) {
      const run = await readJsonFile<RunRecord>(this.runFile(id)).catch(() => undefined);
      if (!run) continue;
      count += 1;
      if (!FINAL_RUN.has(run.status)) {
        await this.runIndex.addMarker(run.experiment, run.id);
        continue;
      }
      const list = byExperiment.get(run.experiment) ?? [];
      list.push(run);
      byExperiment.set(run.experiment, list);
    }
    await this.runIndex.removeIndexFiles();
    for (const [experiment, runs] of byExperiment) {
      await this.runIndex.rewrite(experiment, runs, this.tmpDir);
    }
    return { runs: count };
  }

  /**
   * When the oldest live run (or a run being created) started, in ms since the epoch; undefined
   * when nothing is live. A live run may have stored an artifact and not yet recorded it (a
   * step output between `putArtifact` and its status update, a `file:` input's snapshot), so
   * garbage collection keeps everything stored or touched since then, whatever `--min-age`.
   */
  async oldestLiveRunStart(): Promise<number | undefined> {
    let oldest: number | undefined;
    const consider = (ms: number) => {
      if (Number.isFinite(ms)) oldest = oldest === undefined ? ms : Math.min(oldest, ms);
    };
    for (const { experiment, runId } of await this.runIndex.activeRuns()) {
      const run = await readJsonFile<RunRecord>(this.runFile(runId)).catch(() => undefined);
      if (!run) {
        // A marker without a run file is a run being created (or one whose creator died, which
        // the open cleans up after a minute): count it from the marker's birth.
        const marker = await fsp.stat(this.runIndex.markerPath(experiment, runId)).catch(() => undefined);
        if (marker) consider(marker.mtimeMs);
      } else if (!FINAL_RUN.has(run.status) && isOwnerAlive(run.owner)) {
        consider(Date.parse(run.createdAt));
      }
    }
    return oldest;
  }

  /** Closes the open logs and waits for pending run updates. */
  async dispose(): Promise<void> {
    for (const fd of this.logFds.values()) fs.closeSync(fd);
    this.logFds.clear();
    await Promise.allSettled([...this.runLocks.values()]);
  }
}

function newestFirst(a: RunRecord, b: RunRecord): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** What a run looks like after its process died: Failed/Interrupted, unfinished steps too. */
export function markInterrupted(run: RunRecord): void {
  const now = new Date().toISOString();
  const message = `the process running it (pid ${run.owner?.pid ?? '?'}) ended before the run finished`;
  run.status = 'Failed';
  run.endedAt ??= now;
  run.error = { code: 'RUN_FAILED', message, reason: 'Interrupted' };
  for (const step of run.steps) {
    if (step.status === 'Running' || step.status === 'Queued') {
      step.status = 'Failed';
      step.endedAt ??= now;
      step.error = { code: 'RUN_FAILED', message, reason: 'Interrupted', step: step.name };
    }
  }
}

