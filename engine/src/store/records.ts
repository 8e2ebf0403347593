/**
 * The records the workspace store keeps under `.weir/`. These shapes are what the CLI
 * prints with `--json` and what the language server sends to the editor, so change them
 * only by adding optional fields.
 */

/** A file or folder in the content-addressed artifact store (`.weir/artifacts/`). */
export interface ArtifactRef {
  /** sha256 of the content (for a folder: of its sorted file list and file hashes). */
  hash: string;
  /** What the artifact holds; decides how it is previewed and consumed. */
  kind: 'parquet' | 'json' | 'model' | 'file' | 'dir';
  /** Path relative to the workspace root, e.g. `.weir/artifacts/ab/abcdef…/data.parquet`. */
  path: string;
  bytes: number;
  /** For tables: row count and schema. */
  rows?: number;
  schema?: ColumnSchema[];
}

export interface ColumnSchema {
  name: string;
  /** DuckDB type name as DuckDB prints it (`BIGINT`, `DOUBLE`, `VARCHAR`, `TIMESTAMP`…). */
  type: string;
}

export interface DatasetVersion {
  name: string;
  version: number;
  description?: string;
  createdAt: string; // ISO 8601
  /** Paths, globs or URLs as the user gave them, resolved paths for local files. */
  sources: string[];
  /** When a glob or folder expanded to several files: every file read, in union order. */
  files?: string[];
  /** Content hash of the snapshot (the Parquet artifact's hash). */
  hash: string;
  rows: number;
  schema: ColumnSchema[];
  artifact: ArtifactRef;
}

export interface ModelVersion {
  name: string;
  version: number;
  description?: string;
  createdAt: string;
  tags: Record<string, string>;
  /** The model artifact (for AutoML models a folder with `model.json`). */
  artifact: ArtifactRef;
  /** Where it came from; absent for `weir model register` from a bare file. */
  lineage?: {
    runId: string;
    experiment: string;
    step: string;
    datasets: { name: string; version: number }[];
  };
  metrics?: Record<string, number>;
  /** e.g. `weir-automl`, `xgboost-json`, `file`. */
  framework?: string;
}

export type RunStatus = 'Queued' | 'Running' | 'Completed' | 'Failed' | 'Canceled';
export type StepStatus = 'Queued' | 'Running' | 'Completed' | 'Failed' | 'Canceled' | 'Reused' | 'Skipped';

export interface RunError {
  code: string;
  message: string;
  /** `Interrupted` when the process running it died (kill -9, power loss, VS Code closed). */
  reason?: 'Interrupted' | 'Canceled' | 'StepFailed' | 'Timeout';
  step?: string;
}

export interface StepRunRecord {
  name: string;
  /** Step kind: `sql`, `script`, `automl`, `register_model`, `score`, … */
  kind: string;
  status: StepStatus;
  queuedAt?: string;
  startedAt?: string;
  endedAt?: string;
  /** Hash of kind + code + parameters + input content hashes; equal hashes may be reused. */
  fingerprint?: string;
  /** Set when status is Reused: the step run whose outputs were taken. */
  reusedFrom?: { runId: string; step: string };
  outputs: Record<string, ArtifactRef>;
  metrics: Record<string, number>;
  /** Dataset versions this step read, for lineage. */
  datasets?: { name: string; version: number }[];
  error?: RunError;
  /** Number of AutoML child runs (trials) recorded for this step. */
  trialCount?: number;
  /**
   * The child process group a `script` step started (its leader's pid is the group id), so that
   * when the run's owner dies the store can kill what it left running. `procStart` is the
   * leader's Linux start time (field 22 of /proc/pid/stat): a group whose leader pid now has
   * another start time is someone else's and is never killed.
   */
  process?: { pgid: number; procStart?: string };
  /**
   * Set when the step ran as a Slurm job (`executor: slurm`): the job, where it ran, and Slurm's
   * last word on it. Times are ISO 8601: submitted (sbatch returned), jobStarted (the engine
   * process on the node began), stepStarted/stepEnded (the step's own work), recorded (the
   * submitting `weir run` wrote the outcome into this record).
   */
  slurm?: SlurmJobInfo;
}

export interface SlurmJobInfo {
  jobId: string;
  /** Slurm's job state as squeue prints it: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, … */
  state: string;
  /** The node the job ran on (SLURMD_NODENAME), once it started. */
  node?: string;
  partition?: string;
  /** Slurm's reason for a pending or ended job (e.g. `Dependency`, `TimeLimit`), when it gave one. */
  reason?: string;
  /** Job ids this step's job waited for (`--dependency=afterok:…`). */
  after?: string[];
  submittedAt: string;
  jobStartedAt?: string;
  stepStartedAt?: string;
  stepEndedAt?: string;
  recordedAt?: string;
}

export interface RunRecord {
  id: string;
  experiment: string;
  pipelineName: string;
  /** Pipeline file, relative to the workspace root. */
  pipelineFile: string;
  status: RunStatus;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  parameters: Record<string, string | number | boolean>;
  /** Steps in pipeline order. */
  steps: StepRunRecord[];
  /** Pipeline-level named outputs (`outputs:` of the file), filled as steps complete. */
  outputs: Record<string, ArtifactRef>;
  error?: RunError;
  /** The process that owns the run while it is Queued or Running, for crash detection. */
  owner?: {
    pid: number;
    host: string;
    startedAt: string;
    /** Linux: the owner's start time in clock ticks since boot, so a reused pid is not mistaken for it. */
    procStart?: string;
  };
  /** When set, only these steps (and what they need) were run: `weir run FILE --step X`. */
  onlySteps?: string[];
  /** The run this one was started as a rerun of. */
  rerunOf?: string;
  /**
   * Set on the records `listRuns` returns for finished runs: a summary without output refs,
   * fingerprints, dataset lineage and owner (so 10,000 runs list fast). `getRun` has everything.
   */
  summary?: true;
}

/** One AutoML child run (Azure's trial / iteration). */
export interface TrialRecord {
  /** 0-based iteration number, as Azure's `iteration`. */
  iteration: number;
  /** Model family, e.g. `LightGBM`-like names: `XGBoostClassifier`, `LogisticRegression`, `DecisionTree`, `VotingEnsemble`. */
  algorithm: string;
  hyperparameters: Record<string, unknown>;
  status: 'Completed' | 'Failed' | 'Canceled';
  metrics: Record<string, number>;
  startedAt: string;
  durationMs: number;
  error?: string;
  /** Path (relative to the workspace root) of this trial's chart data JSON, when kept. */
  charts?: string;
  /** The cluster node the trial ran on, when its step ran as a Slurm job. */
  node?: string;
}

/**
 * A model alias (MLflow's registered-model alias): a name such as `champion` that points at one
 * version and can be moved. Kept in `models/<name>/aliases/<alias>.json`.
 */
export interface ModelAlias {
  alias: string;
  version: number;
  /** When and by whom (OS user) it was last set. */
  setAt: string;
  setBy: string;
  /** Set when the version it points at was deleted after the alias was set. */
  dangling?: true;
}

/** One line of a model's append-only alias history (`models/<name>/aliases.jsonl`). */
export interface ModelAliasEvent {
  /** Unique per change; the current alias file carries the id of the change that wrote it. */
  id: string;
  alias: string;
  action: 'set' | 'delete';
  /** The version it pointed at before (absent when it was new). */
  from?: number;
  /** The version it points at after (absent for a delete). */
  to?: number;
  at: string;
  /** The OS user who made the change. */
  by: string;
}
