/**
 * The one typed message protocol between the extension host and the webviews.
 *
 * Rules every view follows:
 * - The webview sends `ready` first; the host sends nothing before it (messages posted to a
 *   webview that has not loaded its script yet are lost).
 * - Each view has its own pair of unions (host → webview, webview → host), discriminated by
 *   `type`; both sides handle them in a `switch` that ends in `assertNever`, so adding a
 *   message type is a compile error until every side handles it.
 * - The data shapes are the engine's (`engine/src/protocol.ts`, "webview data" section): the
 *   host forwards what the engine answers without reshaping it.
 * - What a panel shows is described by its `…ViewState`, which the webview keeps with
 *   `setState`; VS Code hands it to the panel serializer after a window reload.
 *
 * This file holds types only (and `assertNever`), so the extension, the webviews and the
 * tests can all import it.
 */
import type {
  CompareRunData,
  ExplainedRowsView,
  ModelCardData,
  PreviewInfo,
  PreviewPage,
  PreviewProfile,
  PreviewTarget,
  RunDetailsData,
  TrialChartsData,
} from '../../engine/src/protocol';

export type {
  AutomlStepDetails,
  ExplainedRowsView,
  AutomlTestSetView,
  ChartSeries,
  ColumnProfile,
  CompareRunData,
  GuardrailView,
  ModelCardData,
  PipelineGraph,
  PipelineGraphNode,
  PreviewCell,
  PreviewInfo,
  PreviewPage,
  PreviewProfile,
  PreviewTarget,
  RunDetailsData,
  TrialChartsData,
} from '../../engine/src/protocol';
export type { ArtifactRef, ColumnSchema, ModelVersion, RunRecord, StepRunRecord, StepStatus, TrialRecord } from '../../engine/src/protocol';
export type { ExplanationImportance, ExplanationSampleView, ExplanationsView } from '../../engine/src/protocol';

/** The Explanations tab's choices, kept in a view's state: raw or engineered, the class, the row. */
export interface ExplanationsViewState {
  engineered?: boolean;
  output?: number;
  row?: number;
}

/** The panel kinds; each is one VS Code `viewType` (`weir.<kind>`) and one bundle (`dist/webview/<kind>.js`). */
export type ViewKind = 'runDetails' | 'dataPreview' | 'modelCard' | 'compareRuns';

export const viewTypes: Record<ViewKind, string> = {
  runDetails: 'weir.runDetails',
  dataPreview: 'weir.dataPreview',
  modelCard: 'weir.modelCard',
  compareRuns: 'weir.compareRuns',
};

/** Sent by every view as its first message. */
export interface ReadyMessage {
  type: 'ready';
}

/** Shown in the view when a host request failed (the engine's message, already user-facing). */
export interface ErrorMessage {
  type: 'error';
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Run details
// ---------------------------------------------------------------------------------------------

export interface RunDetailsViewState {
  kind: 'runDetails';
  runId: string;
  selectedStep?: string;
  /** Leaderboard sort, per AutoML step: metric (or `iteration`, `algorithm`, `duration`) and direction. */
  sort?: { key: string; descending: boolean };
  selectedIteration?: number;
  /** Index of the AutoML tab shown (leaderboard, guardrails, charts, importances, explanations). */
  automlTab?: number;
  explanations?: ExplanationsViewState;
}

export type RunDetailsHostMessage =
  /** The whole run (sent again, complete, on every change: the view keeps its own UI state). */
  | { type: 'runDetails'; data: RunDetailsData }
  | { type: 'stepLog'; step: string; text: string; truncated: boolean }
  /** `charts` null: the step kept no chart data for this trial. */
  | { type: 'trialCharts'; step: string; iteration?: number; charts: TrialChartsData | null }
  | ErrorMessage;

export type RunDetailsWebviewMessage =
  | ReadyMessage
  | { type: 'requestStepLog'; step: string }
  | { type: 'requestTrialCharts'; step: string; iteration?: number }
  | { type: 'openPreview'; step: string; output: string }
  | { type: 'openModelCard'; name: string; version?: number };

// ---------------------------------------------------------------------------------------------
// Data preview
// ---------------------------------------------------------------------------------------------

export interface DataPreviewViewState {
  kind: 'dataPreview';
  target: PreviewTarget;
  /** First visible row, restored after a reload. */
  scrollRow?: number;
}

export type DataPreviewHostMessage =
  | { type: 'previewInfo'; info: PreviewInfo }
  | { type: 'previewPage'; page: PreviewPage }
  | { type: 'previewProfile'; profile: PreviewProfile }
  /** How many models are registered (after `previewInfo`, and again when one is registered or deleted): with none, no row can be explained. */
  | { type: 'registeredModels'; count: number }
  | ErrorMessage;

export type DataPreviewWebviewMessage =
  | ReadyMessage
  /** Rows `offset … offset + limit − 1`; the host answers with one `previewPage`. */
  | { type: 'requestPage'; offset: number; limit: number }
  | { type: 'requestProfile' }
  /** "Explain row N with a model…": the host asks which model and shows the row's waterfall on its card. */
  | { type: 'explainRow'; row: number };

// ---------------------------------------------------------------------------------------------
// Model card
// ---------------------------------------------------------------------------------------------

export interface ModelCardViewState {
  kind: 'modelCard';
  name: string;
  version?: number;
  explanations?: ExplanationsViewState;
}

export type ModelCardHostMessage =
  | { type: 'modelCard'; data: ModelCardData }
  /** The outcome of "Predict on a file…", shown under the button. */
  | { type: 'predictResult'; out: string; rows: number }
  /** Rows picked in a data preview, explained by this model: the waterfall offers them first. */
  | { type: 'explainedRows'; rows: ExplainedRowsView }
  | ErrorMessage;

export type ModelCardWebviewMessage =
  | ReadyMessage
  /** The host asks for a data file and an output file, then runs the predict request. */
  | { type: 'predictOnFile' }
  | { type: 'openRunDetails'; runId: string }
  | { type: 'openDataset'; name: string; version: number }
  | { type: 'showVersion'; version: number }
  /** Runs the "Serve Model" command for the shown version (a terminal running `weir model serve`). */
  | { type: 'serveModel' }
  /** Puts text (the curl example) on the clipboard; webviews cannot always reach it themselves. */
  | { type: 'copyText'; text: string };

// ---------------------------------------------------------------------------------------------
// Run comparison
// ---------------------------------------------------------------------------------------------

export interface CompareRunsViewState {
  kind: 'compareRuns';
  runIds: string[];
  onlyDifferences?: boolean;
}

export type CompareRunsHostMessage = { type: 'compareRuns'; runs: CompareRunData[] } | ErrorMessage;

export type CompareRunsWebviewMessage =
  | ReadyMessage
  | { type: 'openRunDetails'; runId: string };

// ---------------------------------------------------------------------------------------------

export type ViewState = RunDetailsViewState | DataPreviewViewState | ModelCardViewState | CompareRunsViewState;
export type HostMessage = RunDetailsHostMessage | DataPreviewHostMessage | ModelCardHostMessage | CompareRunsHostMessage;
export type WebviewMessage = RunDetailsWebviewMessage | DataPreviewWebviewMessage | ModelCardWebviewMessage | CompareRunsWebviewMessage;

/** Ends every exhaustive `switch` over a message union: adding a message type breaks the build until it is handled. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(value)}`);
}
