/**
 * The one typed contract between the extension and the engine's language server.
 *
 * Every custom request and notification is declared here once, as a namespace holding its
 * `method` literal and its typed `RequestType`/`NotificationType`, with a comment saying which
 * way it goes. The extension imports only this file (and the record types it re-exports) from
 * the engine; the server implements the handlers in `lsp/`.
 *
 * Errors: a failing request answers with a `ResponseError` whose `data` is a `WeirErrorData`
 * (the engine's stable error code, a hint, and where in a file the fault is).
 *
 * Paths: files are passed as absolute file-system paths (the extension converts URIs with
 * `uri.fsPath`); paths inside records are relative to the workspace root, as the store keeps them.
 */
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per message keeps its method literal and type together, as vscode-eslint's customMessages.ts does. */
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type { DatasetVersion, ModelAlias, ModelAliasEvent, ModelVersion, RunRecord, RunStatus, StepStatus, TrialRecord } from './store/records';

export type { ArtifactRef, ColumnSchema, DatasetVersion, ModelAlias, ModelAliasEvent, ModelVersion, RunRecord, RunStatus, StepRunRecord, StepStatus, TrialRecord } from './store/records';

/** `ResponseError.data` of every failed custom request. */
export interface WeirErrorData {
  /** The engine's `WeirErrorCode` (`BAD_INPUT`, `NOT_FOUND`, `RUN_FAILED`, …). */
  weirCode: string;
  hint?: string;
  location?: { file: string; line: number; column: number };
}

/** JSON-RPC error codes the server uses for WeirErrors (in the range LSP leaves to servers). */
export const WeirResponseErrorCodes = {
  BAD_INPUT: -32001,
  NOT_FOUND: -32002,
  RUN_FAILED: -32003,
  CANCELED: -32004,
  BUSY: -32005,
  INTERNAL: -32006,
  /** The workspace store could not be opened (no folder, unreadable `.weir/`). */
  NO_STORE: -32007,
} as const;

// ---------------------------------------------------------------------------------------------
// Shapes that only the editor needs (everything else is a store record).
// ---------------------------------------------------------------------------------------------

export interface ExperimentSummary {
  name: string;
  runCount: number;
  lastRunAt?: string;
  /** Status of the newest run, for the experiment's icon. */
  lastStatus?: RunStatus;
}

/**
 * A run as a tree row needs it: small enough that 10,000 of them cross the pipe quickly.
 * `getRun` gives the full record. The fields it shares with `RunRecord` are that record's;
 * `startedAt` is set only while the run is live (so the editor can tick its duration) and
 * `endedAt` is not sent in listings (the duration says it; kept optional for compatibility).
 */
export interface RunSummary extends Pick<RunRecord, 'id' | 'experiment' | 'pipelineName' | 'pipelineFile' | 'status' | 'createdAt' | 'startedAt' | 'endedAt' | 'rerunOf'> {
  /** Wall time so far (running) or in total (finished). */
  durationMs?: number;
  /** The headline metric: the first automl step's primary metric, else the first metric any step reported. */
  primaryMetric?: { name: string; value: number };
  stepCount: number;
  /** `Interrupted`, `Canceled`, `StepFailed`, … when the run did not complete. */
  errorReason?: string;
  errorMessage?: string;
}

/** What the editor needs to start a run of a pipeline file: parameters to prompt for, steps to pick. */
export interface PipelineInfo {
  file: string;
  name?: string;
  experiment?: string;
  parameters: Record<string, string | number | boolean>;
  steps: { name: string; kind: string }[];
  /** Error diagnostics count: the editor refuses to start a run of a broken file. */
  errorCount: number;
  firstError?: string;
}

/** Something that happened in a run this engine process is executing. */
export type RunEvent =
  | { type: 'run'; runId: string; status: RunStatus; message?: string; /** Set with the final status. */ durationMs?: number }
  | { type: 'step'; runId: string; step: string; status: StepStatus; durationMs?: number }
  | { type: 'log'; runId: string; step: string; text: string };

// ---------------------------------------------------------------------------------------------
// Listing (extension → engine)
// ---------------------------------------------------------------------------------------------

/** extension → engine: every experiment with its run count, newest activity first. */
export namespace ListExperimentsRequest {
  export const method = 'weir/listExperiments' as const;
  export const type = new RequestType0<ExperimentSummary[], WeirErrorData>(method);
}

/** extension → engine: runs of one experiment (or all), newest first. */
export namespace ListRunsRequest {
  export const method = 'weir/listRuns' as const;
  export const type = new RequestType<
    {
      experiment?: string;
      limit?: number;
      /** Skip this many of the newest runs first (the tree loads an experiment's runs a page at a time). */
      offset?: number;
      /** Only these runs (the ones a `StoreChangedNotification` named); a deleted run is left out. */
      runIds?: string[];
      /** Only Queued and Running runs (for the status bar). */
      liveOnly?: boolean;
    },
    RunSummary[],
    WeirErrorData
  >(method);
}

/** extension → engine: one run's full record (its step runs, outputs, error). */
export namespace GetRunRequest {
  export const method = 'weir/getRun' as const;
  export const type = new RequestType<{ runId: string }, RunRecord, WeirErrorData>(method);
}

/** extension → engine: the AutoML child runs of one step run. */
export namespace ListTrialsRequest {
  export const method = 'weir/listTrials' as const;
  export const type = new RequestType<{ runId: string; step: string }, TrialRecord[], WeirErrorData>(method);
}

/** extension → engine: the latest version of every dataset. */
export namespace ListDatasetsRequest {
  export const method = 'weir/listDatasets' as const;
  export const type = new RequestType0<DatasetVersion[], WeirErrorData>(method);
}

/** extension → engine: every version of one dataset, newest first. */
export namespace ListDatasetVersionsRequest {
  export const method = 'weir/listDatasetVersions' as const;
  export const type = new RequestType<{ name: string }, DatasetVersion[], WeirErrorData>(method);
}

/** A model version as the Models view lists it, with the aliases that point at it (sorted). */
export interface ModelListing extends ModelVersion {
  aliases: string[];
}

/** extension → engine: the latest version of every model. */
export namespace ListModelsRequest {
  export const method = 'weir/listModels' as const;
  export const type = new RequestType0<ModelListing[], WeirErrorData>(method);
}

/** extension → engine: every version of one model, newest first. */
export namespace ListModelVersionsRequest {
  export const method = 'weir/listModelVersions' as const;
  export const type = new RequestType<{ name: string }, ModelListing[], WeirErrorData>(method);
}

/** extension → engine: a run's log (one step's, or all steps' with headers). */
export namespace ReadLogRequest {
  export const method = 'weir/readLog' as const;
  export const type = new RequestType<{ runId: string; step?: string }, { text: string }, WeirErrorData>(method);
}

/** extension → engine: parameters, steps and validity of a pipeline file (unsaved text if open). */
export namespace PipelineInfoRequest {
  export const method = 'weir/pipelineInfo' as const;
  export const type = new RequestType<{ file: string }, PipelineInfo, WeirErrorData>(method);
}

// ---------------------------------------------------------------------------------------------
// Actions (extension → engine)
// ---------------------------------------------------------------------------------------------

/**
 * extension → engine: starts a run of a pipeline file in the engine process and answers at
 * once with its id; progress arrives as `RunEventNotification`s, the end as a `run` event
 * with a final status.
 */
export namespace StartRunRequest {
  export const method = 'weir/startRun' as const;
  export const type = new RequestType<
    { file: string; params?: Record<string, string>; experiment?: string; noReuse?: boolean; steps?: string[]; rerunOf?: string },
    { runId: string },
    WeirErrorData
  >(method);
}

/** extension → engine: starts a new run with the same file, parameters and step selection as an old one. */
export namespace RerunRequest {
  export const method = 'weir/rerun' as const;
  export const type = new RequestType<{ runId: string; noReuse?: boolean }, { runId: string }, WeirErrorData>(method);
}

/** extension → engine: asks the run's owner (this or another process) to cancel it. */
export namespace CancelRunRequest {
  export const method = 'weir/cancelRun' as const;
  export const type = new RequestType<{ runId: string }, void, WeirErrorData>(method);
}

/** extension → engine: deletes a finished run's record and logs (artifacts stay while referenced). */
export namespace DeleteRunRequest {
  export const method = 'weir/deleteRun' as const;
  export const type = new RequestType<{ runId: string }, void, WeirErrorData>(method);
}

/** extension → engine: snapshots files (paths, globs, URLs) as a new dataset version. */
export namespace RegisterDatasetRequest {
  export const method = 'weir/registerDataset' as const;
  export const type = new RequestType<
    { name: string; sources: string[]; description?: string },
    { version: DatasetVersion; created: boolean },
    WeirErrorData
  >(method);
}

/** extension → engine: deletes one dataset version, or every version when `version` is absent. */
export namespace DeleteDatasetRequest {
  export const method = 'weir/deleteDataset' as const;
  export const type = new RequestType<{ name: string; version?: number }, void, WeirErrorData>(method);
}

/** extension → engine: deletes one model version, or every version when `version` is absent. */
export namespace DeleteModelRequest {
  export const method = 'weir/deleteModel' as const;
  export const type = new RequestType<{ name: string; version?: number }, void, WeirErrorData>(method);
}

/**
 * extension → engine: copies a run output to a folder. `output` is a pipeline-level output
 * name or `step.output`.
 */
export namespace DownloadOutputRequest {
  export const method = 'weir/downloadOutput' as const;
  export const type = new RequestType<{ runId: string; output: string; to: string }, { path: string }, WeirErrorData>(method);
}

/** extension → engine: every output of a run as `name → artifact path` (for the Download pick list). */
export namespace ListRunOutputsRequest {
  export const method = 'weir/listRunOutputs' as const;
  export const type = new RequestType<{ runId: string }, { name: string; kind: string; path: string; rows?: number }[], WeirErrorData>(method);
}

/** extension → engine: scores a data file with a registered model and writes the predictions. */
export namespace PredictRequest {
  export const method = 'weir/predict' as const;
  export const type = new RequestType<
    { model: string; version?: number; data: string; out: string },
    { out: string; rows: number },
    WeirErrorData
  >(method);
}

/**
 * extension → engine: writes a small example pipeline (penguins data, a SQL prep step and a
 * training step) into `folder` and returns the pipeline file's path.
 */
export namespace CreateExampleRequest {
  export const method = 'weir/createExample' as const;
  export const type = new RequestType<{ folder: string }, { pipelineFile: string; files: string[] }, WeirErrorData>(method);
}

/** A setting Azure ML lacks, located in the pipeline file (`weir export azureml`'s warnings). */
export interface AzureExportWarning {
  file: string;
  /** 1-based. */
  line: number;
  message: string;
}

/** How a pipeline is exported to Azure ML (the flags of `weir export azureml`). */
export interface AzureExportSettings {
  /** Azure compute cluster for `settings.default_compute`; default `cpu-cluster`. */
  compute?: string;
  /** `azure` (default): Azure's automl job; `weir`: Weir's own AutoML in a command job. */
  automl?: 'azure' | 'weir';
  /** Refer to registered datasets as Azure data assets instead of copying their snapshots. */
  dataAssets?: boolean;
}

/**
 * extension → engine: writes the Azure ML CLI v2 pipeline job folder for a pipeline file
 * (`weir export azureml FILE --out outDir`).
 */
export namespace ExportAzureMLRequest {
  export const method = 'weir/exportAzureML' as const;
  export const type = new RequestType<
    { file: string; outDir: string } & AzureExportSettings,
    { pipelineFile: string; files: string[]; warnings: AzureExportWarning[] },
    WeirErrorData
  >(method);
}

/**
 * extension → engine: exports to a temporary folder and runs `az ml job create` on it
 * (`weir submit --target azureml`); answers with the job's name and studio URL.
 */
export namespace SubmitAzureMLRequest {
  export const method = 'weir/submitAzureML' as const;
  export const type = new RequestType<
    { file: string; resourceGroup: string; workspaceName: string } & AzureExportSettings,
    { jobName?: string; studioUrl?: string; warnings: AzureExportWarning[] },
    WeirErrorData
  >(method);
}

// ---------------------------------------------------------------------------------------------
// Notifications (engine → extension)
// ---------------------------------------------------------------------------------------------

/**
 * engine → extension: a run, dataset or model changed, in this process or another one (a CLI
 * in a terminal). The trees refresh only the node it names.
 */
export namespace StoreChangedNotification {
  export const method = 'weir/storeChanged' as const;
  export const type = new NotificationType<
    { type: 'run'; runId: string; experiment?: string } | { type: 'dataset'; name: string } | { type: 'model'; name: string }
  >(method);
}

/** engine → extension: status and log lines of runs this engine process executes. */
export namespace RunEventNotification {
  export const method = 'weir/runEvent' as const;
  export const type = new NotificationType<RunEvent>(method);
}

/** engine → extension: the store is open (or could not be opened); sent once after `initialized`. */
export namespace EngineReadyNotification {
  export const method = 'weir/engineReady' as const;
  export const type = new NotificationType<{ workspace?: string; storeError?: string; version: string }>(method);
}

// ---------------------------------------------------------------------------------------------
// Webview data (extension → engine). Owned by the webview work: add requests below this line.
// ---------------------------------------------------------------------------------------------
// ---- webview data (owned by webviews) ----
import type { ColumnSchema } from './store/records';
// The shapes below are what the webviews render; the extension forwards them unchanged, so
// the webview protocol (`webview/src/protocol.ts`) imports these types instead of copying them.

/** Which table a data preview shows: a dataset version, or a run's step output. */
export type PreviewTarget = { dataset: string; version?: number } | { runId: string; step: string; output: string };

/** A node of the pipeline graph: a step, or a pipeline input (dataset) that feeds steps. */
export interface PipelineGraphNode {
  id: string;
  kind: 'step' | 'input';
  label: string;
  /** The step kind (`sql`, `automl`, …) or, for inputs, what they point at (`dataset:titanic_ds`). */
  detail?: string;
}

export interface PipelineGraph {
  nodes: PipelineGraphNode[];
  /** `from` feeds `to` (an output of one step is an input of the next, or a pipeline input is read). */
  edges: { from: string; to: string }[];
}

/** A data guardrail as the AutoML step reported it (Azure's Passed / Done / Alerted). */
export interface GuardrailView {
  name: string;
  status: 'Passed' | 'Done' | 'Alerted' | string;
  description: string;
  details?: Record<string, unknown>[];
}

/** What run details shows for one AutoML step. */
export interface AutomlStepDetails {
  step: string;
  task: 'classification' | 'regression' | 'forecasting' | string;
  primaryMetric?: string;
  /** Every child run, in iteration order. */
  trials: TrialRecord[];
  /** The iteration whose model the step produced. */
  bestIteration?: number;
  guardrails: GuardrailView[];
  /** The best model's feature importances, largest first. */
  featureImportances?: { feature: string; importance: number }[];
  /** Test-set evaluation (`test_data` / `test_data_size`), when the step had a test set. */
  testSet?: AutomlTestSetView;
  /** SHAP explanations of the best model (its explanations.json), for the Explanations tab. */
  explanations?: ExplanationsView;
}

/** The chosen model (and each ensemble) scored once on the test set, beside the validation scores. */
export interface AutomlTestSetView {
  source: 'test_data' | 'test_data_size';
  fraction?: number;
  rows: number;
  /** Every metric of the chosen model, primary metric first: its validation (CV) score and its test score. */
  metrics: { metric: string; validation?: number; test: number }[];
  /** Each scored leaderboard row's primary metric: validation and test. */
  rowsScored: { iteration: number; algorithm: string; validation?: number; test?: number }[];
  /** The chosen model's chart data from its test predictions (`test-charts.json`). */
  charts?: TrialChartsData;
}

/** One feature's global importance: mean |SHAP| over the explained sample, per output and averaged. */
export interface ExplanationImportance {
  name: string;
  importance: number;
  perOutput: number[];
}

/** Per-row SHAP values of a bounded sample of training rows. */
export interface ExplanationSampleView {
  columns: string[];
  /** Row → output → column. */
  shap: number[][][];
  /** Row → column: the row's value (raw: the user's cell; engineered: the feature). */
  values: (string | number | null)[][];
}

/**
 * What the Explanations tab shows: an AutoML model's explanations.json (engine/src/explain,
 * docs/explain.md) without its bookkeeping. Values are in `space`: class probabilities, or
 * the predicted value; base + Σ a row's values = its prediction.
 */
export interface ExplanationsView {
  algorithm: string;
  method: string;
  space: 'probability' | 'value';
  /** Classification: the classes; otherwise ['prediction']. */
  outputs: string[];
  base: number[];
  sampleRows: number;
  totalRows: number;
  /** Present only when the experiment's end cut the sample short: the rows it was sized for (`sampleRows`, fewer, were explained). */
  plannedRows?: number;
  global: { raw: ExplanationImportance[]; engineered: ExplanationImportance[] };
  /** Training-table rows (0-based) of the stored sample. */
  sampleRowIndex: number[];
  sample: { raw: ExplanationSampleView; engineered: ExplanationSampleView };
}

export interface RunDetailsData {
  run: RunRecord;
  graph: PipelineGraph;
  automl: AutomlStepDetails[];
}

/** A named series of (x, y) points: one ROC curve, one calibration curve, … */
export interface ChartSeries {
  name: string;
  points: { x: number; y: number }[];
}

/**
 * The chart data of one trial (or of the step's best model), normalised from what the AutoML
 * step wrote. Every field is optional: a view draws the charts it finds.
 */
export interface TrialChartsData {
  task: string;
  iteration?: number;
  /** Classification. x = false positive rate, y = true positive rate, one series per class (or `micro`/`macro`). */
  roc?: ChartSeries[];
  /** x = recall, y = precision. */
  precisionRecall?: ChartSeries[];
  /** x = mean predicted probability, y = observed fraction of positives. */
  calibration?: ChartSeries[];
  /** x = fraction of rows taken (by descending score), y = lift over random. */
  lift?: ChartSeries[];
  /** x = fraction of rows taken, y = fraction of positives found. */
  cumulativeGains?: ChartSeries[];
  confusionMatrix?: { labels: string[]; counts: number[][] };
  /** Regression. Residual (true − predicted) histogram. */
  residuals?: { x0: number; x1: number; count: number }[];
  /** Regression: binned true value against predicted mean (and spread), or raw points. */
  predictedVsTrue?: { actual: number; predicted: number; lower?: number; upper?: number; count?: number }[];
  /** Forecasting: actual and forecast values by horizon (and series, when several). */
  forecast?: { horizon: number; actual: number; forecast: number; series?: string }[];
  featureImportances?: { feature: string; importance: number }[];
}

export interface PreviewInfo {
  /** What the tab says: `titanic_ds:3` or `run 12ab › dataprep › prepped`. */
  title: string;
  rows: number;
  schema: ColumnSchema[];
  /** The file read, relative to the workspace root. */
  path: string;
  bytes?: number;
}

export interface ColumnProfile {
  name: string;
  type: string;
  nulls: number;
  distinct: number;
  min?: number | string | null;
  max?: number | string | null;
  mean?: number | null;
  /** Numeric columns: equal-width bins. */
  histogram?: { x0: number; x1: number; count: number }[];
  /** Other columns: the most frequent values. */
  top?: { value: string; count: number }[];
}

export interface PreviewProfile {
  rows: number;
  columns: ColumnProfile[];
  /** Milliseconds DuckDB took, shown so slow profiles are explained. */
  elapsedMs: number;
}

/** A JSON-safe cell: numbers, strings (also for dates, big integers and nested values), booleans or null. */
export type PreviewCell = string | number | boolean | null;

/** One page of rows, column-major so numbers stay compact. */
export interface PreviewPage {
  offset: number;
  /** Rows in this page (fewer than asked at the end of the table). */
  count: number;
  columns: string[];
  /** `values[c][r]` is column `c` of row `offset + r`. */
  values: PreviewCell[][];
}

export interface ModelCardData {
  model: ModelVersion;
  /** All versions of this model, newest first. */
  versions: number[];
  task?: string;
  primaryMetric?: string;
  algorithm?: string;
  /** The columns `predict` needs, from the model artifact. */
  inputSchema?: ColumnSchema[];
  /** How each input column was featurized (AutoML models). */
  featurization?: { name: string; purpose: string; note?: string }[];
  featureImportances?: { feature: string; importance: number }[];
  /** The model's aliases (every version's), and every alias change oldest first (docs/serving.md). */
  aliases?: ModelAlias[];
  aliasHistory?: ModelAliasEvent[];
  /** AutoML models: the `weir model serve` command for this version and a ready-to-copy curl call with the model's columns. */
  serve?: { command: string; url: string; curl: string };
  /** SHAP explanations (the model folder's explanations.json), for the Explanations section. */
  explanations?: ExplanationsView;
}

export interface CompareRunData {
  run: RunRecord;
  /** AutoML trials of every automl step of the run. */
  trials: { step: string; primaryMetric?: string; trials: TrialRecord[] }[];
}

/** extension → engine: everything run details shows at first paint (graph, steps, AutoML leaderboards). */
export namespace RunDetailsRequest {
  export const method = 'weir/webview/runDetails' as const;
  export const type = new RequestType<{ runId: string }, RunDetailsData, WeirErrorData>(method);
}

/** extension → engine: the tail of one step's log (at most `maxBytes`, default 256 KiB). */
export namespace StepLogTailRequest {
  export const method = 'weir/webview/stepLog' as const;
  export const type = new RequestType<{ runId: string; step: string; maxBytes?: number }, { text: string; truncated: boolean }, WeirErrorData>(method);
}

/** extension → engine: the chart data of one trial; `iteration` absent means the step's best model. Null when none was kept. */
export namespace TrialChartsRequest {
  export const method = 'weir/webview/trialCharts' as const;
  export const type = new RequestType<{ runId: string; step: string; iteration?: number }, TrialChartsData | null, WeirErrorData>(method);
}

/** extension → engine: schema and row count of a table to preview (fast: Parquet metadata). */
export namespace PreviewInfoRequest {
  export const method = 'weir/webview/previewInfo' as const;
  export const type = new RequestType<{ target: PreviewTarget }, PreviewInfo, WeirErrorData>(method);
}

/** extension → engine: rows `offset … offset + limit − 1` of a table (limit at most 5,000). */
export namespace PreviewPageRequest {
  export const method = 'weir/webview/previewPage' as const;
  export const type = new RequestType<{ target: PreviewTarget; offset: number; limit: number }, PreviewPage, WeirErrorData>(method);
}

/** extension → engine: the per-column profile of a table, computed in DuckDB (slower than a page: asked for after it). */
export namespace PreviewProfileRequest {
  export const method = 'weir/webview/previewProfile' as const;
  export const type = new RequestType<{ target: PreviewTarget }, PreviewProfile, WeirErrorData>(method);
}

/**
 * SHAP values of rows picked in a data preview, under one registered model: the model card's
 * waterfall shows them beside the stored training sample. `rows` are the previewed table's
 * 0-based rows; the samples hold one entry per row in that order.
 */
export interface ExplainedRowsView {
  model: { name: string; version: number };
  /** The previewed table's title (`titanic_ds:3`, `prep.clean · pipeline run …`). */
  source: string;
  rows: number[];
  outputs: string[];
  base: number[];
  sample: { raw: ExplanationSampleView; engineered: ExplanationSampleView };
}

/** extension → engine: explain rows of a previewed table with a registered model (at most 50 rows). */
export namespace ExplainRowsRequest {
  export const method = 'weir/webview/explainRows' as const;
  export const type = new RequestType<{ name: string; version?: number; target: PreviewTarget; rows: number[] }, ExplainedRowsView, WeirErrorData>(method);
}

/** extension → engine: a model version with what its artifact says about inputs and importances. */
export namespace ModelCardRequest {
  export const method = 'weir/webview/modelCard' as const;
  export const type = new RequestType<{ name: string; version?: number }, ModelCardData, WeirErrorData>(method);
}

/** extension → engine: 2 to 7 runs with their trials, for the comparison view. */
export namespace CompareRunsRequest {
  export const method = 'weir/webview/compareRuns' as const;
  export const type = new RequestType<{ runIds: string[] }, CompareRunData[], WeirErrorData>(method);
}

/**
 * engine → extension: a run changed (its record, a step, its trials), in this process or
 * another. Open run-details and comparison panels refetch. Separate from `StoreChangedNotification`
 * because a language client holds one handler per notification method and that one belongs to the trees.
 */
export namespace WebviewRunChangedNotification {
  export const method = 'weir/webview/runChanged' as const;
  export const type = new NotificationType<{ runId: string }>(method);
}
