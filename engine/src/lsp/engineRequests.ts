import { cp, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Connection } from 'vscode-languageserver';
import {
  CancelRunRequest,
  CreateExampleRequest,
  DeleteDatasetRequest,
  DeleteModelRequest,
  DeleteRunRequest,
  DownloadOutputRequest,
  ExportAzureMLRequest,
  GetRunRequest,
  ListDatasetVersionsRequest,
  ListDatasetsRequest,
  ListExperimentsRequest,
  ListModelVersionsRequest,
  ListModelsRequest,
  ListRunOutputsRequest,
  ListRunsRequest,
  ListTrialsRequest,
  PipelineInfoRequest,
  PredictRequest,
  ReadLogRequest,
  RegisterDatasetRequest,
  RerunRequest,
  RunEventNotification,
  StartRunRequest,
  SubmitAzureMLRequest,
  type ExperimentSummary,
  type ModelListing,
  type PipelineInfo,
  type RunEvent as ProtocolRunEvent,
} from '../protocol';
import { WeirError, isWeirError } from '../errors';
import { checkPipeline, parsePipelineText } from '../pipeline';
import { startRun, type RunHandle, type RunEvent } from '../scheduler';
import type { WorkspaceStore } from '../store/storeApi';
import type { ArtifactRef, ModelVersion, RunRecord } from '../store/records';
import { registerDataset } from '../data/registerDataset';
import { loadModel } from '../automl/model/loadModel';
import { readTableFile, writePredictions } from '../automl/model/tableFiles';
import { summarizeRun } from './runSummary';
import { createExample } from './example';
import { exportAzureML, submitAzureML } from '../export/azureml';
import { outlineOf, parameterDefault } from './pipelineOutline';
import { weirHandler } from './responseErrors';

export interface EngineRequestContext {
  connection: Connection;
  getStore(): Promise<WorkspaceStore>;
  /** False while the folder has no .weir/: listings answer empty instead of creating one. */
  hasStore(): boolean;
  /** The text of an open editor for this file, newer than the disk's. */
  openText(file: string): string | undefined;
  log(message: string): void;
}

/** Registers a handler whose errors become ResponseErrors (and bugs are logged with their stack). */
function handle<P, R>(ctx: EngineRequestContext, type: { method: string }, fn: (params: P) => Promise<R>): void {
  ctx.connection.onRequest(type.method, weirHandler(type.method, ctx.log, fn));
}

/** Runs executed by this engine process, for cancel and for forwarding their events. */
export class ActiveRuns {
  private readonly handles = new Map<string, RunHandle>();

  constructor(private readonly connection: Connection) {}

  track(handle: RunHandle): void {
    this.handles.set(handle.runId, handle);
    const send = (event: ProtocolRunEvent) => void this.connection.sendNotification(RunEventNotification.type, event).catch(() => undefined);
    handle.onEvent((event: RunEvent) => {
      const forwarded = toProtocolEvent(event);
      if (forwarded) send(forwarded);
    });
    void handle.done
      .then((run) => {
        const durationMs = run.startedAt && run.endedAt ? Date.parse(run.endedAt) - Date.parse(run.startedAt) : undefined;
        send({ type: 'run', runId: run.id, status: run.status, ...(run.error ? { message: run.error.message } : {}), ...(durationMs !== undefined ? { durationMs } : {}) });
      })
      .catch((e: unknown) => send({ type: 'run', runId: handle.runId, status: 'Failed', message: (e as Error).message }))
      .finally(() => this.handles.delete(handle.runId));
  }

  get(runId: string): RunHandle | undefined {
    return this.handles.get(runId);
  }

  /**
   * VS Code is closing: stops every run this process owns (killing their child processes) and
   * records them as Interrupted, as the store does for runs whose process died.
   */
  async interruptAll(store: WorkspaceStore | undefined): Promise<void> {
    const runIds = [...this.handles.keys()];
    await this.cancelAll();
    if (!store) return;
    const message = 'VS Code closed while the run was in flight';
    await Promise.all(
      runIds.map((runId) =>
        store
          .updateRun(runId, (run) => {
            run.status = 'Failed';
            run.error = { code: 'RUN_FAILED', message, reason: 'Interrupted' };
            for (const step of run.steps) {
              if (step.status === 'Canceled' || step.status === 'Running' || step.status === 'Queued') {
                step.status = 'Failed';
                step.error = { code: 'RUN_FAILED', message, reason: 'Interrupted', step: step.name };
              }
            }
          })
          .catch(() => undefined),
      ),
    );
  }

  /** Cancels every run this process owns. */
  cancelAll(): Promise<unknown> {
    const done = [...this.handles.values()].map((h) => {
      h.cancel();
      return h.done.catch(() => undefined);
    });
    return Promise.all(done);
  }
}

function toProtocolEvent(event: RunEvent): ProtocolRunEvent | undefined {
  switch (event.type) {
    case 'run-status':
      // The final status is sent once, from the run's `done`, with the run's duration.
      if (event.status === 'Completed' || event.status === 'Failed' || event.status === 'Canceled') return undefined;
      return { type: 'run', runId: event.runId, status: event.status, ...(event.error ? { message: event.error.message } : {}) };
    case 'step-status': {
      const r = event.record;
      const durationMs = r.startedAt && r.endedAt ? Date.parse(r.endedAt) - Date.parse(r.startedAt) : undefined;
      return { type: 'step', runId: event.runId, step: event.step, status: event.status, ...(durationMs !== undefined ? { durationMs } : {}) };
    }
    case 'log':
      return { type: 'log', runId: event.runId, step: event.step, text: event.text };
    default:
      return undefined;
  }
}

/** Every output of a run: pipeline-level names, then `step.output` for each step output. */
export function runOutputs(run: RunRecord): { name: string; ref: ArtifactRef }[] {
  const outputs = Object.entries(run.outputs ?? {}).map(([name, ref]) => ({ name, ref }));
  for (const step of run.steps) for (const [name, ref] of Object.entries(step.outputs ?? {})) outputs.push({ name: `${step.name}.${name}`, ref });
  return outputs;
}

export function registerEngineRequests(ctx: EngineRequestContext, active: ActiveRuns): void {
  const store = () => ctx.getStore();
  /** Listings of a folder that never used Weir are empty; only an action creates its .weir/. */
  const listing = async <T>(read: (s: WorkspaceStore) => Promise<T[]>): Promise<T[]> => (ctx.hasStore() ? read(await store()) : []);

  handle(ctx, ListExperimentsRequest.type, async (): Promise<ExperimentSummary[]> => {
    const runs = await listing((s) => s.listRuns());
    const byName = new Map<string, ExperimentSummary>();
    // Runs come newest first, so the first run seen of an experiment is its latest.
    for (const run of runs) {
      const entry = byName.get(run.experiment);
      if (entry) entry.runCount++;
      else byName.set(run.experiment, { name: run.experiment, runCount: 1, lastRunAt: run.createdAt, lastStatus: run.status });
    }
    return [...byName.values()].sort((a, b) => (b.lastRunAt ?? '').localeCompare(a.lastRunAt ?? ''));
  });

  handle(ctx, ListRunsRequest.type, async (params: { experiment?: string; limit?: number; offset?: number; runIds?: string[]; liveOnly?: boolean }) => {
    if (!ctx.hasStore()) return [];
    const s = await store();
    let runs: RunRecord[];
    if (params.runIds) {
      const found = await Promise.all(params.runIds.map((id) => s.getRun(id).catch((e: unknown) => (isWeirError(e) && e.code === 'NOT_FOUND' ? undefined : Promise.reject(e)))));
      runs = found.filter((r): r is RunRecord => r !== undefined);
    } else {
      const offset = params.offset ?? 0;
      runs = await s.listRuns({ experiment: params.experiment, limit: params.liveOnly || params.limit === undefined ? undefined : offset + params.limit });
      if (offset) runs = runs.slice(offset);
    }
    if (params.liveOnly) runs = runs.filter((r) => r.status === 'Running' || r.status === 'Queued');
    if (params.limit !== undefined) runs = runs.slice(0, params.limit);
    const now = Date.now();
    return runs.map((r) => summarizeRun(r, now));
  });

  handle(ctx, GetRunRequest.type, async ({ runId }: { runId: string }) => (await store()).getRun(runId));
  handle(ctx, ListTrialsRequest.type, async ({ runId, step }: { runId: string; step: string }) => (await store()).listTrials(runId, step));
  handle(ctx, ListDatasetsRequest.type, async () => listing((s) => s.listDatasets()));
  handle(ctx, ListDatasetVersionsRequest.type, async ({ name }: { name: string }) => (await store()).listDatasetVersions(name));
  handle(ctx, ListModelsRequest.type, async () => listing(async (s) => withAliases(s, await s.listModels())));
  handle(ctx, ListModelVersionsRequest.type, async ({ name }: { name: string }) => {
    const s = await store();
    return withAliases(s, await s.listModelVersions(name));
  });
  handle(ctx, ReadLogRequest.type, async ({ runId, step }: { runId: string; step?: string }) => ({ text: await (await store()).readLog(runId, step) }));

  handle(ctx, PipelineInfoRequest.type, async ({ file }: { file: string }): Promise<PipelineInfo> => {
    const text = ctx.openText(file) ?? (await readFile(file, 'utf8').catch(() => {
      throw new WeirError('NOT_FOUND', `pipeline file not found: ${file}`);
    }));
    const parsed = parsePipelineText(text, file);
    const diagnostics = [...parsed.diagnostics];
    if (parsed.spec) diagnostics.push(...(await checkPipeline(parsed, { pipelineDir: path.dirname(file), store: await store().catch(() => undefined), inferSchemas: false })));
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const outline = outlineOf(parsed);
    const parameters: PipelineInfo['parameters'] = {};
    for (const [name, value] of Object.entries(outline.parameters)) {
      const v = parameterDefault(value);
      if (v !== undefined) parameters[name] = v;
    }
    const first = errors[0];
    return {
      file,
      name: parsed.spec?.name ?? outline.name,
      experiment: parsed.spec?.experiment ?? outline.experiment,
      parameters,
      steps: outline.steps.map((s) => ({ name: s.name, kind: s.kind ?? '?' })),
      errorCount: errors.length,
      ...(first ? { firstError: `line ${first.range.start.line + 1}: ${first.message}` } : {}),
    };
  });

  handle(ctx, StartRunRequest.type, async (params: { file: string; params?: Record<string, string>; experiment?: string; noReuse?: boolean; steps?: string[]; rerunOf?: string }) => {
    const runHandle = await startRun(await store(), params.file, {
      params: params.params,
      experiment: params.experiment,
      noReuse: params.noReuse,
      steps: params.steps,
      rerunOf: params.rerunOf,
    });
    active.track(runHandle);
    return { runId: runHandle.runId };
  });

  handle(ctx, RerunRequest.type, async ({ runId, noReuse }: { runId: string; noReuse?: boolean }) => {
    const s = await store();
    const old = await s.getRun(runId);
    const file = path.resolve(s.root, old.pipelineFile);
    const params = Object.fromEntries(Object.entries(old.parameters).map(([k, v]) => [k, String(v)]));
    const runHandle = await startRun(s, file, { params, experiment: old.experiment, noReuse, steps: old.onlySteps, rerunOf: old.id });
    active.track(runHandle);
    return { runId: runHandle.runId };
  });

  handle(ctx, CancelRunRequest.type, async ({ runId }: { runId: string }) => {
    const own = active.get(runId);
    if (own) own.cancel();
    else await (await store()).requestCancel(runId);
  });

  handle(ctx, DeleteRunRequest.type, async ({ runId }: { runId: string }) => (await store()).deleteRun(runId));

  handle(ctx, RegisterDatasetRequest.type, async ({ name, sources, description }: { name: string; sources: string[]; description?: string }) =>
    registerDataset(await store(), name, sources, { description }),
  );
  handle(ctx, DeleteDatasetRequest.type, async ({ name, version }: { name: string; version?: number }) => (await store()).deleteDataset(name, version));
  handle(ctx, DeleteModelRequest.type, async ({ name, version }: { name: string; version?: number }) => (await store()).deleteModel(name, version));

  handle(ctx, ListRunOutputsRequest.type, async ({ runId }: { runId: string }) => {
    const run = await (await store()).getRun(runId);
    return runOutputs(run).map(({ name, ref }) => ({ name, kind: ref.kind, path: ref.path, ...(ref.rows !== undefined ? { rows: ref.rows } : {}) }));
  });

  handle(ctx, DownloadOutputRequest.type, async ({ runId, output, to }: { runId: string; output: string; to: string }) => {
    const s = await store();
    const run = await s.getRun(runId);
    const outputs = runOutputs(run);
    const found = outputs.find((o) => o.name === output);
    if (!found) throw new WeirError('NOT_FOUND', `run ${runId} has no output '${output}'`, { hint: `Outputs: ${outputs.map((o) => o.name).join(', ') || 'none'}` });
    const source = s.artifactPath(found.ref);
    const isDir = (await stat(source)).isDirectory();
    const target = path.join(to, `${output.replace(/[^\w.-]+/g, '_')}${isDir ? '' : path.extname(source)}`);
    await mkdir(to, { recursive: true });
    await cp(source, target, { recursive: true });
    return { path: target };
  });

  handle(ctx, PredictRequest.type, async ({ model, version, data, out }: { model: string; version?: number; data: string; out: string }) => {
    if (!/\.(csv|parquet)$/i.test(out)) throw new WeirError('BAD_INPUT', `${out}: predictions are written as .csv or .parquet`);
    const s = await store();
    const registered = await s.getModel(model, version);
    const loaded = loadModel(s.artifactPath(registered.artifact));
    try {
      const table = await readTableFile(data);
      const predictions = loaded.predict(table).toTable();
      await writePredictions(data, table, predictions, out);
      return { out, rows: table.rows };
    } finally {
      loaded.dispose();
    }
  });

  handle(ctx, CreateExampleRequest.type, async ({ folder }: { folder: string }) => createExample(folder));

  // Azure ML: the store is passed only when the folder has one, so exporting never creates .weir/.
  handle(ctx, ExportAzureMLRequest.type, async ({ file, outDir, compute, automl, dataAssets }: { file: string; outDir: string; compute?: string; automl?: 'azure' | 'weir'; dataAssets?: boolean }) => {
    const result = await exportAzureML(file, { outDir, compute, automl, dataAssets, store: ctx.hasStore() ? await store() : undefined });
    return { pipelineFile: result.pipelineFile, files: result.files, warnings: result.warnings };
  });

  handle(
    ctx,
    SubmitAzureMLRequest.type,
    async (p: { file: string; resourceGroup: string; workspaceName: string; compute?: string; automl?: 'azure' | 'weir'; dataAssets?: boolean }) => {
      const result = await submitAzureML(p.file, { ...p, store: ctx.hasStore() ? await store() : undefined });
      return { jobName: result.jobName, studioUrl: result.studioUrl, warnings: result.warnings };
    },
  );
}

/** Each version with the (live) aliases that point at it, for the Models view's rows. */
async function withAliases(s: WorkspaceStore, versions: ModelVersion[]): Promise<ModelListing[]> {
  const byModel = new Map<string, Map<number, string[]>>();
  for (const name of new Set(versions.map((v) => v.name))) {
    const at = new Map<number, string[]>();
    for (const a of await s.listModelAliases(name)) if (!a.dangling) at.set(a.version, [...(at.get(a.version) ?? []), a.alias].sort());
    byModel.set(name, at);
  }
  return versions.map((v) => ({ ...v, aliases: byModel.get(v.name)?.get(v.version) ?? [] }));
}
