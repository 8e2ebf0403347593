import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../errors';
import type { ArtifactRef, DatasetVersion, ModelAlias, ModelAliasEvent, ModelVersion, RunRecord, RunStatus, StepRunRecord, TrialRecord } from './records';
import type { DatasetSnapshot, StoreChange, WorkspaceStore } from './storeApi';
import { HOST_TAG, pathExists, readJsonFile, tempName, writeFileAtomic } from './durableFiles';
import { checkRegistryName, encodeFileName, newRunId } from './fileNames';
import { cancelOrphanedJobs, currentOwner, isOwnerAlive, isPidAlive, killOrphanedGroup } from './processOwner';
import { VersionedRegistry, type ModelRef } from './versionedRegistry';
import { ModelAliases } from './modelAliases';
import { RunIndex } from './runIndex';
import { ArtifactStore } from './artifacts';
import { ChangeJournal } from './changeJournal';

/**
 * The workspace store on plain files under `<root>/.weir/` (layout and reasons in
 * docs/store.md). Nothing here holds a lock: records are replaced by rename, versions are
 * claimed by exclusive create, and each live run is written only by its owning process.
 */

const FINAL_RUN: ReadonlySet<RunStatus> = new Set(['Completed', 'Failed', 'Canceled']);
const LAYOUT_VERSION = 1;
/** A live-run marker with no run file yet is left alone this long (its creator may be mid-create). */
const ORPHAN_MARKER_MS = 60_000;
/** How often a store with watchers looks for live runs whose process died. */
const OWNER_CHECK_MS = 2_000;

export async function openWorkspace(root: string): Promise<WorkspaceStore> {
  const store = new FileWorkspaceStore(path.resolve(root));
  await store.open();
  return store;
}

export class FileWorkspaceStore implements WorkspaceStore {
  readonly root: string;
  readonly dir: string;
  private readonly tmpDir: string;
  private readonly runsDir: string;
  private readonly reuseDir: string;
  private readonly datasets: VersionedRegistry<DatasetVersion>;
  private readonly models: VersionedRegistry<ModelVersion>;
  private readonly aliases: ModelAliases;
  private readonly runIndex: RunIndex;
  private readonly artifacts: ArtifactStore;
  private readonly journal: ChangeJournal;
  /** Serializes read-modify-write of one run within this process (parallel steps update one run). */
  private readonly runLocks = new Map<string, Promise<unknown>>();
  /** Open log descriptors, one per step that is writing. */
  private readonly logFds = new Map<string, number>();
  private readonly tempDirs = new Set<string>();
  private disposed = false;
  private watchers = 0;
  private ownerCheck: NodeJS.Timeout | undefined;

  constructor(root: string) {
    this.root = root;
    this.dir = path.join(root, '.weir');
    this.tmpDir = path.join(this.dir, 'tmp');
    this.runsDir = path.join(this.dir, 'runs');
    this.reuseDir = path.join(this.dir, 'index', 'reuse');
    this.datasets = new VersionedRegistry('dataset', path.join(this.dir, 'datasets'), this.tmpDir);
    this.models = new VersionedRegistry('model', path.join(this.dir, 'models'), this.tmpDir);
    this.aliases = new ModelAliases(path.join(this.dir, 'models'), this.tmpDir);
    this.runIndex = new RunIndex(path.join(this.dir, 'index'));
    this.artifacts = new ArtifactStore(root, path.join(this.dir, 'artifacts'), this.tmpDir);
    this.journal = new ChangeJournal(path.join(this.dir, 'events'));
  }

  async open(): Promise<void> {
    await this.refuseLinkedFolders();
    for (const d of ['tmp', 'runs', 'datasets', 'models', 'artifacts', 'index/reuse']) await fsp.mkdir(path.join(this.dir, d), { recursive: true });
    await this.runIndex.init();
    this.journal.init();
    const layoutFile = path.join(this.dir, 'layout.json');
    const layout = await readJsonFile<{ version: number }>(layoutFile).catch(() => undefined);
    if (!layout) {
      await writeFileAtomic(this.tmpDir, layoutFile, `${JSON.stringify({ version: LAYOUT_VERSION })}\n`);
    } else if (layout.version > LAYOUT_VERSION) {
      throw new WeirError('BAD_INPUT', `${layoutFile} was written by a newer Weir (layout ${layout.version}; this one reads ${LAYOUT_VERSION})`, { hint: 'Update Weir.' });
    }
    await this.removeDeadTempFiles();
    await this.recoverRuns();
  }

  /**
   * The store never leaves the workspace: `.weir` and each of its folders must be a real
   * folder (checked with lstat), never a symbolic link, since cleanup deletes inside `tmp/`,
   * gc inside `artifacts/` and run deletion inside `runs/`. The workspace folder itself may be
   * a link; it is what the user chose.
   */
  private async refuseLinkedFolders(): Promise<void> {
    for (const rel of ['', 'tmp', 'runs', 'datasets', 'models', 'artifacts', 'index', 'index/reuse', 'index/runs', 'index/active', 'events']) {
      const p = path.join(this.dir, rel);
      const stat = await fsp.lstat(p).catch(() => undefined);
      if (stat?.isSymbolicLink()) {
        throw new WeirError('BAD_INPUT', `${p}: is a symbolic link; the store's folders must be real folders inside the workspace`, {
          hint: `Replace the link with a folder (or move the workspace): Weir deletes files in ${rel || '.weir'} and must not follow it elsewhere.`,
        });
      }
      if (stat && !stat.isDirectory()) throw new WeirError('BAD_INPUT', `${p}: is not a folder; the store needs a folder there`);
    }
  }

  /** Temp files and folders carry their creator's pid; those of dead processes are garbage. */
  private async removeDeadTempFiles(): Promise<void> {
    for (const name of await fsp.readdir(this.tmpDir)) {
      // Only names `tempName` makes (`<prefix>-<pid>@<host tag>-<12 hex>`, or without the host
      // tag from older versions): anything else was not made here. A pid says nothing about a
      // process on another machine sharing this folder, so other hosts' files are left alone.
      const made = /^[A-Za-z0-9_]+-(\d+)(?:@([0-9a-f]{8}))?-[0-9a-f]{12}(\.[A-Za-z0-9]+)?$/.exec(name);
      if (!made || (made[2] !== undefined && made[2] !== HOST_TAG)) continue;
      const pid = Number(made[1]);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isPidAlive(pid)) {
        await fsp.rm(path.join(this.tmpDir, name), { recursive: true, force: true });
      }
    }
  }

  /**
   * Finishes what killed processes left: runs whose owner is gone become Failed/Interrupted,
   * and final runs that still have a live marker get their index line.
   */
  private async recoverRuns(): Promise<void> {
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

  // ----- artifacts -----

  putArtifact(srcPath: string, kind: ArtifactRef['kind'], options?: { copy?: boolean; rows?: number; schema?: ArtifactRef['schema'] }): Promise<ArtifactRef> {
    return this.artifacts.put(srcPath, kind, options);
  }

  artifactPath(ref: ArtifactRef): string {
    return this.artifacts.absolutePath(ref);
  }

  async makeTempDir(prefix: string): Promise<string> {
    const dir = path.join(this.tmpDir, tempName(prefix.replace(/[^A-Za-z0-9_]/g, '_') || 'tmp'));
    await fsp.mkdir(dir);
    this.tempDirs.add(dir);
    return dir;
  }

  // ----- datasets -----

  async addDatasetVersion(name: string, snapshot: DatasetSnapshot, options: { description?: string } = {}): Promise<{ version: DatasetVersion; created: boolean }> {
    checkRegistryName('dataset', name);
    const artifact = await this.putArtifact(snapshot.parquet, 'parquet', { rows: snapshot.rows, schema: snapshot.schema });
    const { record: version, created } = await this.datasets.add(name, (v) => {
      const record: DatasetVersion = {
        name,
        version: v,
        createdAt: new Date().toISOString(),
        sources: snapshot.sources,
        hash: artifact.hash,
        rows: snapshot.rows,
        schema: snapshot.schema,
        artifact,
      };
      if (options.description !== undefined) record.description = options.description;
      if (snapshot.files.length !== snapshot.sources.length) record.files = snapshot.files;
      return record;
    }, { reuseIfLatest: (latest) => latest.hash === artifact.hash });
    if (created) this.journal.record({ type: 'dataset', name });
    return { version, created };
  }

  listDatasets(): Promise<DatasetVersion[]> {
    return this.datasets.listLatest();
  }

  async listDatasetVersions(name: string): Promise<DatasetVersion[]> {
    const versions = await this.datasets.versions(name);
    if (versions.length === 0) await this.datasets.get(name);
    return versions;
  }

  getDataset(name: string, version?: number): Promise<DatasetVersion> {
    return this.datasets.get(name, version);
  }

  async deleteDataset(name: string, version?: number): Promise<void> {
    await this.datasets.delete(name, version);
    this.journal.record({ type: 'dataset', name });
  }

  // ----- models -----

  async registerModel(name: string, artifactSrc: string | ArtifactRef, options: Omit<Partial<ModelVersion>, 'name' | 'version' | 'createdAt' | 'artifact'> = {}): Promise<ModelVersion> {
    checkRegistryName('model', name);
    const artifact = typeof artifactSrc === 'string' ? await this.putArtifact(artifactSrc, 'model', { copy: true }) : artifactSrc;
    if (typeof artifactSrc !== 'string' && !(await this.artifacts.exists(artifactSrc))) {
      throw new WeirError('NOT_FOUND', `model artifact ${artifactSrc.path} is not in the artifact store`);
    }
    const { record } = await this.models.add(name, (v) => ({
      ...options,
      name,
      version: v,
      createdAt: new Date().toISOString(),
      tags: { ...(options.tags ?? {}) },
      artifact,
    }));
    this.journal.record({ type: 'model', name });
    return record;
  }

  listModels(): Promise<ModelVersion[]> {
    return this.models.listLatest();
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    const versions = await this.models.versions(name);
    if (versions.length === 0) await this.models.get(name);
    return versions;
  }

  getModel(name: string, version?: number): Promise<ModelVersion> {
    return this.models.get(name, version);
  }

  async deleteModel(name: string, version?: number): Promise<void> {
    await this.models.delete(name, version);
    this.journal.record({ type: 'model', name });
  }

  async resolveModel(ref: ModelRef): Promise<ModelVersion> {
    if (ref.alias === undefined) return this.models.get(ref.name, ref.version);
    checkRegistryName('model', ref.name);
    // An unknown model should say so, not that it lacks the alias.
    await this.models.get(ref.name);
    const version = await this.aliases.resolve(ref.name, ref.alias);
    try {
      return await this.models.get(ref.name, version);
    } catch (e) {
      if (e instanceof WeirError && e.code === 'NOT_FOUND') {
        throw new WeirError('NOT_FOUND', `alias '${ref.alias}' of model '${ref.name}' points at version ${version}, which was deleted`, {
          hint: `Move it: weir model alias set ${ref.name} ${ref.alias} VERSION`,
        });
      }
      throw e;
    }
  }

  // ----- model aliases -----

  async setModelAlias(name: string, alias: string, version: number): Promise<ModelAliasEvent> {
    checkRegistryName('model', name);
    if (!Number.isInteger(version) || version < 1) throw new WeirError('BAD_INPUT', `invalid version '${version}' for model '${name}'`, { hint: 'A version is a whole number ≥ 1.' });
    // Only an existing version may be aliased; get() says which versions exist.
    await this.models.get(name, version);
    const event = await this.aliases.set(name, alias, version);
    this.journal.record({ type: 'model', name });
    return event;
  }

  async deleteModelAlias(name: string, alias: string): Promise<ModelAliasEvent> {
    checkRegistryName('model', name);
    await this.models.get(name);
    const event = await this.aliases.delete(name, alias);
    this.journal.record({ type: 'model', name });
    return event;
  }

  async listModelAliases(name: string): Promise<ModelAlias[]> {
    checkRegistryName('model', name);
    const live = new Set((await this.models.versions(name)).map((v) => v.version));
    return this.aliases.list(name, (v) => live.has(v));
  }

  modelAliasHistory(name: string): Promise<ModelAliasEvent[]> {
    checkRegistryName('model', name);
    return this.aliases.history(name);
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
    await writeFileAtomic(this.tmpDir, this.runFile(runId), JSON.stringify(run));
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
      this.runIndex.append(run);
      if (before.experiment !== run.experiment) this.runIndex.append({ id: runId, experiment: before.experiment, deleted: true });
      await this.runIndex.removeMarker(before.experiment, runId);
      for (const step of run.steps) this.closeLog(runId, step.name);
    }
    this.journal.record({ type: 'run', runId, experiment: run.experiment });
    return run;
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

  // ----- garbage collection -----

  /**
   * Deletes artifacts that no dataset version, model version, run, trial or other record in
   * `.weir/` mentions (for example the outputs of deleted runs). References are found by
   * scanning every record file's text for artifact hashes, so a field added to a record later
   * is covered without changing this. Artifacts younger than `minAgeMs` (default 1 hour) are
   * kept, since a live process may be between storing one and recording it.
   */
  async collectGarbage(options: { minAgeMs?: number; dryRun?: boolean } = {}): Promise<{ removed: string[]; bytes: number; kept: number }> {
    const referenced = new Set<string>();
    const hashPattern = /artifacts\/[0-9a-f]{2}\/([0-9a-f]{64})/g;
    const scan = async (dir: string): Promise<void> => {
      for (const entry of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [] as fs.Dirent[])) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await scan(full);
        else if (/\.jsonl?$/.test(entry.name)) {
          const text = await fsp.readFile(full, 'utf8').catch(() => '');
          for (const m of text.matchAll(hashPattern)) referenced.add(m[1]);
        }
      }
    };
    // Deleted dataset and model versions are tombstones without an artifact, so they hold nothing.
    for (const sub of ['datasets', 'models', 'runs', 'index/reuse']) await scan(path.join(this.dir, sub));
    return this.artifacts.collectGarbage(referenced, { minAgeMs: options.minAgeMs ?? 3_600_000, dryRun: options.dryRun ?? false, keepSinceMs: await this.oldestLiveRunStart() });
  }

  /**
   * When the oldest live run (or a run being created) started, in ms since the epoch; undefined
   * when nothing is live. A live run may have stored an artifact and not yet recorded it (a
   * step output between `putArtifact` and its status update, a `file:` input's snapshot), so
   * garbage collection keeps everything stored or touched since then, whatever `--min-age`.
   */
  private async oldestLiveRunStart(): Promise<number | undefined> {
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

  // ----- change notification -----

  watch(listener: (change: StoreChange) => void): { dispose(): void } {
    // A process killed with SIGKILL writes no change, so watchers also look for dead owners.
    if (this.watchers++ === 0) {
      this.ownerCheck = setInterval(() => void this.recoverRuns().catch(() => undefined), OWNER_CHECK_MS);
      this.ownerCheck.unref();
    }
    const subscription = this.journal.watch(listener);
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        subscription.dispose();
        if (--this.watchers === 0 && this.ownerCheck) {
          clearInterval(this.ownerCheck);
          this.ownerCheck = undefined;
        }
      },
    };
  }

  private async removeTempDir(dir: string): Promise<void> {
    this.tempDirs.delete(dir);
    await fsp.rm(dir, { recursive: true, force: true });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.ownerCheck) clearInterval(this.ownerCheck);
    this.ownerCheck = undefined;
    this.journal.dispose();
    for (const fd of this.logFds.values()) fs.closeSync(fd);
    this.logFds.clear();
    await Promise.allSettled([...this.runLocks.values()]);
    for (const dir of [...this.tempDirs]) await this.removeTempDir(dir);
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

