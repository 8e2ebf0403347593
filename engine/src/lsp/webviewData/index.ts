import type { Connection, RequestType } from 'vscode-languageserver';
import {
  CompareRunsRequest,
  ExplainRowsRequest,
  ModelCardRequest,
  PreviewInfoRequest,
  PreviewPageRequest,
  PreviewProfileRequest,
  RunDetailsRequest,
  StepLogTailRequest,
  TrialChartsRequest,
  WebviewRunChangedNotification,
  type WeirErrorData,
} from '../../protocol';
import type { WorkspaceStore } from '../../store/storeApi';
import { weirHandler } from '../responseErrors';
import { compareRuns } from './compareRuns';
import { previewInfo, previewPage, previewProfile } from './dataPreview';
import { explainRows } from './explainRows';
import { modelCard } from './modelCard';
import { runDetails, stepLogTail } from './runDetails';
import { trialCharts } from './trialCharts';

export { compareRuns } from './compareRuns';
export { maxPageRows, previewInfo, previewPage, previewProfile } from './dataPreview';
export { explainRows } from './explainRows';
export { modelCard } from './modelCard';
export { pipelineGraph, runDetails, stepLogTail } from './runDetails';
export { normaliseCharts, trialCharts } from './trialCharts';

/**
 * Language-server handlers for the data the webviews show (run details, data preview,
 * model card, run comparison). Their request types live in `../protocol.ts`.
 *
 * Each handler reads the store and the artifacts (never a cache of its own), so what a
 * panel shows is what is on disk, including runs a CLI in a terminal is executing. The
 * shapes are made for drawing: the AutoML step's chart files are normalised here into
 * `TrialChartsData`, so the webview has one format to draw whatever the task.
 */
export function registerWebviewDataHandlers(connection: Connection, getStore: () => Promise<WorkspaceStore>): void {
  let watching = false;
  const store = async (): Promise<WorkspaceStore> => {
    const s = await getStore();
    if (!watching) {
      watching = true;
      watchRuns(connection, s);
    }
    return s;
  };
  const log = (message: string) => connection.console.log(message);
  const on = <P, R>(type: RequestType<P, R, WeirErrorData>, run: (s: WorkspaceStore, params: P) => Promise<R>): void => {
    connection.onRequest(type, weirHandler(type.method, log, async (params: P) => run(await store(), params)));
  };
  on(RunDetailsRequest.type, (s, p) => runDetails(s, p.runId));
  on(StepLogTailRequest.type, (s, p) => stepLogTail(s, p.runId, p.step, p.maxBytes));
  on(TrialChartsRequest.type, (s, p) => trialCharts(s, p.runId, p.step, p.iteration));
  on(PreviewInfoRequest.type, (s, p) => previewInfo(s, p.target));
  on(PreviewPageRequest.type, (s, p) => previewPage(s, p.target, p.offset, p.limit));
  on(PreviewProfileRequest.type, (s, p) => previewProfile(s, p.target));
  on(ModelCardRequest.type, (s, p) => modelCard(s, p.name, p.version));
  on(ExplainRowsRequest.type, (s, p) => explainRows(s, p));
  on(CompareRunsRequest.type, (s, p) => compareRuns(s, p.runIds));
}

/**
 * Tells the editor which runs changed, at most once per `coalesceMs` per run: an AutoML step
 * records a trial many times a second, and every panel refetches on each notification.
 */
function watchRuns(connection: Connection, store: WorkspaceStore, coalesceMs = 100): void {
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  store.watch((change) => {
    if (change.type !== 'run') return;
    pending.add(change.runId);
    timer ??= setTimeout(() => {
      timer = undefined;
      for (const runId of pending) void connection.sendNotification(WebviewRunChangedNotification.type, { runId });
      pending.clear();
    }, coalesceMs);
  });
}
