import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../errors';
import type { ArtifactRef, DatasetVersion, ModelAlias, ModelAliasEvent, ModelVersion, RunRecord, StepRunRecord, TrialRecord } from './records';
import type { DatasetSnapshot, StoreChange, WorkspaceStore } from './storeApi';
import { HOST_TAG, readJsonFile, tempName, writeFileAtomic } from './durableFiles';
import { checkRegistryName } from './fileNames';
import { isPidAlive } from './processOwner';
import { VersionedRegistry, type ModelRef } from './versionedRegistry';
import { ModelAliases } from './modelAliases';
import { RunIndex } from './runIndex';
import { ArtifactStore } from './artifacts';
import { ChangeJournal } from './changeJournal';
import { RunStore } from './runStore';

/**
 * The workspace store on plain files under `<root>/.weir/` (layout and reasons in
 * docs/store.md). Nothing here holds a lock: records are replaced by rename, versions are
 * claimed by exclusive create, and each live run is written only by its owning process.
 */

const LAYOUT_VERSION = 1;
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
  private readonly datasets: VersionedRegistry<DatasetVersion>;
  private readonly models: VersionedRegistry<ModelVersion>;
  private readonly aliases: ModelAliases;
  private readonly runIndex: RunIndex;
  private readonly artifacts: ArtifactStore;
  private readonly journal: ChangeJournal;
  private readonly runs: RunStore;
  private readonly tempDirs = new Set<string>();
  private disposed = false;
  private watchers = 0;
  private ownerCheck: NodeJS.Timeout | undefined;

  constructor(root: string) {
    this.root = root;
    this.dir = path.join(root, '.weir');
    this.tmpDir = path.join(this.dir, 'tmp');
    this.datasets = new VersionedRegistry('dataset', path.join(this.dir, 'datasets'), this.tmpDir);
    this.models = new VersionedRegistry('model', path.join(this.dir, 'models'), this.tmpDir);
    this.aliases = new ModelAliases(path.join(this.dir, 'models'), this.tmpDir);
    this.runIndex = new RunIndex(path.join(this.dir, 'index'));
    this.artifacts = new ArtifactStore(root, path.join(this.dir, 'artifacts'), this.tmpDir);
    this.journal = new ChangeJournal(path.join(this.dir, 'events'));
    this.runs = new RunStore(path.join(this.dir, 'runs'), path.join(this.dir, 'index', 'reuse'), this.tmpDir, this.runIndex, this.artifacts, this.journal);
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
    await this.runs.recoverRuns();
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

  // ----- runs, logs, trials, reuse (runStore.ts) -----

  createRun(init: Omit<RunRecord, 'id' | 'createdAt' | 'status' | 'owner'>): Promise<RunRecord> {
    return this.runs.createRun(init);
  }

  updateRun(runId: string, change: (run: RunRecord) => void): Promise<RunRecord> {
    return this.runs.updateRun(runId, change);
  }

  getRun(runId: string): Promise<RunRecord> {
    return this.runs.getRun(runId);
  }

  listRuns(filter?: { experiment?: string; limit?: number }): Promise<RunRecord[]> {
    return this.runs.listRuns(filter);
  }

  listExperiments(): Promise<{ name: string; runCount: number; lastRunAt?: string }[]> {
    return this.runs.listExperiments();
  }

  deleteRun(runId: string): Promise<void> {
    return this.runs.deleteRun(runId);
  }

  requestCancel(runId: string): Promise<void> {
    return this.runs.requestCancel(runId);
  }

  isCancelRequested(runId: string): Promise<boolean> {
    return this.runs.isCancelRequested(runId);
  }

  recordStepProcess(runId: string, step: string, group: { pgid: number; procStart?: string }): void {
    this.runs.recordStepProcess(runId, step, group);
  }

  appendLog(runId: string, step: string, text: string): Promise<void> {
    return this.runs.appendLog(runId, step, text);
  }

  logPath(runId: string, step: string): string {
    return this.runs.logPath(runId, step);
  }

  readLog(runId: string, step?: string): Promise<string> {
    return this.runs.readLog(runId, step);
  }

  addTrial(runId: string, step: string, trial: TrialRecord): Promise<void> {
    return this.runs.addTrial(runId, step, trial);
  }

  listTrials(runId: string, step: string): Promise<TrialRecord[]> {
    return this.runs.listTrials(runId, step);
  }

  findReusableStep(fingerprint: string): Promise<{ runId: string; step: StepRunRecord } | undefined> {
    return this.runs.findReusableStep(fingerprint);
  }

  /**
   * Rebuilds the run index from the run files (for a damaged or deleted `index/`). Safe to run
   * while other processes work: it only rewrites lines for final runs and markers for live ones.
   */
  rebuildRunIndex(): Promise<{ runs: number }> {
    return this.runs.rebuildRunIndex();
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
    return this.artifacts.collectGarbage(referenced, { minAgeMs: options.minAgeMs ?? 3_600_000, dryRun: options.dryRun ?? false, keepSinceMs: await this.runs.oldestLiveRunStart() });
  }

  // ----- change notification -----

  watch(listener: (change: StoreChange) => void): { dispose(): void } {
    // A process killed with SIGKILL writes no change, so watchers also look for dead owners.
    if (this.watchers++ === 0) {
      this.ownerCheck = setInterval(() => void this.runs.recoverRuns().catch(() => undefined), OWNER_CHECK_MS);
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
    await this.runs.dispose();
    for (const dir of [...this.tempDirs]) await this.removeTempDir(dir);
  }
}

