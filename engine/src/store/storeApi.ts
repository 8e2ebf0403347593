import type { ArtifactRef, ColumnSchema, DatasetVersion, ModelAlias, ModelAliasEvent, ModelVersion, RunRecord, StepRunRecord, TrialRecord } from './records';
import type { ModelRef } from './versionedRegistry';

/**
 * The workspace store: everything Weir keeps under `<workspace>/.weir/`.
 *
 * Contract for every implementation:
 * - Survives `kill -9` at any instant: each record is written to a temp file and renamed
 *   into place, so a reader sees the old record or the new one, never half of one.
 * - Several processes (a CLI in a terminal, the editor's engine) may use one workspace at
 *   once: version numbers are claimed with exclusive creates, run ids are unique, and no
 *   process holds a long lock.
 * - Opening the store marks runs whose owning process is gone as Failed / Interrupted.
 *
 * Implemented by `openWorkspace` in `workspace.ts`.
 */
export interface WorkspaceStore {
  /** Absolute workspace root (the folder that holds `.weir/`). */
  readonly root: string;
  /** Absolute path of `.weir/`. */
  readonly dir: string;

  // ----- artifacts (content-addressed; never modified once written) -----

  /**
   * Moves (or copies, when `copy`) a file or folder into the artifact store and returns its ref.
   * Identical content is stored once.
   */
  putArtifact(srcPath: string, kind: ArtifactRef['kind'], options?: { copy?: boolean; rows?: number; schema?: ArtifactRef['schema'] }): Promise<ArtifactRef>;
  /** Absolute path of an artifact's file or folder. */
  artifactPath(ref: ArtifactRef): string;
  /** A fresh scratch folder under `.weir/tmp/` for a step to write outputs into; removed by `dispose` or the next open. */
  makeTempDir(prefix: string): Promise<string>;

  // ----- datasets -----

  /**
   * Moves a snapshot's Parquet file into the artifact store and records it as the dataset's
   * next version. Returns `created: false` and the latest version when the content equals the
   * latest version's. Reading sources into a snapshot is `registerDataset` in
   * `data/registerDataset.ts`: the store never reads tables.
   */
  addDatasetVersion(name: string, snapshot: DatasetSnapshot, options?: { description?: string }): Promise<{ version: DatasetVersion; created: boolean }>;
  listDatasets(): Promise<DatasetVersion[]>; // latest version of each
  listDatasetVersions(name: string): Promise<DatasetVersion[]>;
  /** `version` undefined means latest. Throws NOT_FOUND naming the dataset or version. */
  getDataset(name: string, version?: number): Promise<DatasetVersion>;
  deleteDataset(name: string, version?: number): Promise<void>;

  // ----- models -----

  registerModel(name: string, artifactSrc: string | ArtifactRef, options?: Omit<Partial<ModelVersion>, 'name' | 'version' | 'createdAt' | 'artifact'>): Promise<ModelVersion>;
  listModels(): Promise<ModelVersion[]>; // latest version of each
  listModelVersions(name: string): Promise<ModelVersion[]>;
  getModel(name: string, version?: number): Promise<ModelVersion>;
  deleteModel(name: string, version?: number): Promise<void>;
  /** The version a reference names: `{name}` (latest), `{name, version}` or `{name, alias}`. */
  resolveModel(ref: ModelRef): Promise<ModelVersion>;

  // ----- model aliases (docs/serving.md) -----

  /** Points an alias at an existing version (BAD_INPUT for a bad alias name, NOT_FOUND for a missing version). */
  setModelAlias(name: string, alias: string, version: number): Promise<ModelAliasEvent>;
  deleteModelAlias(name: string, alias: string): Promise<ModelAliasEvent>;
  listModelAliases(name: string): Promise<ModelAlias[]>;
  /** Every alias change of a model, oldest first (who, when, from, to). */
  modelAliasHistory(name: string): Promise<ModelAliasEvent[]>;

  // ----- runs -----

  /** Creates a run record (status Queued) owned by this process. */
  createRun(init: Omit<RunRecord, 'id' | 'createdAt' | 'status' | 'owner'>): Promise<RunRecord>;
  /** Reads, changes and atomically rewrites a run record. Only the owning process calls this for a live run. */
  updateRun(runId: string, change: (run: RunRecord) => void): Promise<RunRecord>;
  getRun(runId: string): Promise<RunRecord>;
  /**
   * Newest first. Finished runs come from the run index as summaries (`summary: true`: no
   * output refs, fingerprints, dataset lineage or owner); live runs come whole. Use `getRun`
   * for one run's full record.
   */
  listRuns(filter?: { experiment?: string; limit?: number }): Promise<RunRecord[]>;
  listExperiments(): Promise<{ name: string; runCount: number; lastRunAt?: string }[]>;
  deleteRun(runId: string): Promise<void>;
  /** Asks the owning process (possibly another one) to cancel the run. */
  requestCancel(runId: string): Promise<void>;
  /** True once `requestCancel` was called for this run (polled by the owner). */
  isCancelRequested(runId: string): Promise<boolean>;
  /**
   * Records, synchronously, the process group a live run's step just started, beside the run
   * record. Synchronous so that no other work (a native module loading, a long computation)
   * can run between the spawn and the record: a store that finds the owner dead kills the
   * group even when the owner died right after starting it.
   */
  recordStepProcess(runId: string, step: string, group: { pgid: number; procStart?: string }): void;

  // ----- step logs and child runs -----

  appendLog(runId: string, step: string, text: string): Promise<void>;
  logPath(runId: string, step: string): string;
  readLog(runId: string, step?: string): Promise<string>;
  addTrial(runId: string, step: string, trial: TrialRecord): Promise<void>;
  listTrials(runId: string, step: string): Promise<TrialRecord[]>;

  // ----- reuse -----

  /** The newest Completed step run with this fingerprint whose outputs are all still present. */
  findReusableStep(fingerprint: string): Promise<{ runId: string; step: StepRunRecord } | undefined>;

  // ----- change notification (across processes) -----

  /** Calls `listener` when any run, dataset or model changes, in this or another process. */
  watch(listener: (change: StoreChange) => void): { dispose(): void };

  dispose(): Promise<void>;
}

export type StoreChange =
  | { type: 'run'; runId: string; experiment?: string }
  | { type: 'dataset'; name: string }
  | { type: 'model'; name: string };

/** A dataset's content, made above the store: one Parquet file and what it holds. */
export interface DatasetSnapshot {
  /** The Parquet file; moved into the artifact store. */
  parquet: string;
  rows: number;
  schema: ColumnSchema[];
  /** What to record as the dataset's sources: URLs and globs as given, local paths absolute. */
  sources: string[];
  /** Every file read, in union order. */
  files: string[];
}
