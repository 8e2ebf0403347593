import fsp from 'node:fs/promises';
import { exampleRow, serveExample } from '../serve/example';
import path from 'node:path';
import type { Connection, ResponseError } from 'vscode-languageserver';
import type { TrialCharts } from '../automl/charts/chartTypes';
import { defaultPrimaryMetric } from '../automl/metrics/metricCatalog';
import type { Task } from '../automl/types';
import { CHARTS_FILE, EXPLANATIONS_FILE, GUARDRAILS_FILE, IMPORTANCES_FILE, MODEL_FILE, TEST_CHARTS_FILE, TRIAL_CHARTS_DIR, type ModelArtifact } from '../automl/model/modelArtifact';
import type { ExplanationsFile } from '../explain/explanationsFile';
import { sqlString, withConnection } from '../data/duckdb';
import { profileTable, readSchema } from '../data/tables';
import { parseYaml } from '../pipeline/yamlSource';
import { WeirError } from '../errors';
import {
  CompareRunsRequest,
  ModelCardRequest,
  PreviewInfoRequest,
  PreviewPageRequest,
  PreviewProfileRequest,
  RunDetailsRequest,
  StepLogTailRequest,
  TrialChartsRequest,
  WebviewRunChangedNotification,
  type AutomlStepDetails,
  type AutomlTestSetView,
  type ColumnProfile,
  type CompareRunData,
  type ExplanationsView,
  type GuardrailView,
  type ModelCardData,
  type PipelineGraph,
  type PreviewCell,
  type PreviewInfo,
  type PreviewPage,
  type PreviewProfile,
  type PreviewTarget,
  type RunDetailsData,
  type TrialChartsData,
  type WeirErrorData,
} from '../protocol';
import type { ArtifactRef, RunRecord, StepRunRecord, TrialRecord } from '../store/records';
import type { WorkspaceStore } from '../store/storeApi';
import { toResponseError } from './responseErrors';

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
  const handle = <P, R>(run: (s: WorkspaceStore, params: P) => Promise<R>) => async (params: P): Promise<R | ResponseError<WeirErrorData>> => {
    try {
      return await run(await store(), params);
    } catch (e) {
      return toResponseError(e);
    }
  };
  connection.onRequest(RunDetailsRequest.type, handle((s, p) => runDetails(s, p.runId)));
  connection.onRequest(StepLogTailRequest.type, handle((s, p) => stepLogTail(s, p.runId, p.step, p.maxBytes)));
  connection.onRequest(TrialChartsRequest.type, handle((s, p) => trialCharts(s, p.runId, p.step, p.iteration)));
  connection.onRequest(PreviewInfoRequest.type, handle((s, p) => previewInfo(s, p.target)));
  connection.onRequest(PreviewPageRequest.type, handle((s, p) => previewPage(s, p.target, p.offset, p.limit)));
  connection.onRequest(PreviewProfileRequest.type, handle((s, p) => previewProfile(s, p.target)));
  connection.onRequest(ModelCardRequest.type, handle((s, p) => modelCard(s, p.name, p.version)));
  connection.onRequest(CompareRunsRequest.type, handle((s, p) => compareRuns(s, p.runIds)));
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

// ---------------------------------------------------------------------------------------------
// Run details
// ---------------------------------------------------------------------------------------------

export async function runDetails(store: WorkspaceStore, runId: string): Promise<RunDetailsData> {
  const run = await store.getRun(runId);
  const pipeline = await readPipelineFile(store, run);
  const automl: AutomlStepDetails[] = [];
  for (const step of run.steps) {
    if (step.kind !== 'automl') continue;
    automl.push(await automlDetails(store, run, step, pipeline));
  }
  return { run, graph: pipelineGraph(run, pipeline), automl };
}

type PipelineDocument = { inputs?: Record<string, unknown>; steps?: Record<string, Record<string, unknown>> } | undefined;

/** The run's pipeline file as plain YAML, or undefined when it is gone or broken (the graph then falls back to step order). */
async function readPipelineFile(store: WorkspaceStore, run: RunRecord): Promise<PipelineDocument> {
  try {
    const text = await fsp.readFile(path.resolve(store.root, run.pipelineFile), 'utf8');
    // The pipeline parser's YAML reader keeps `${{ … }}` expressions as text even inside
    // flow mappings (`{ data: ${{ steps.prep.outputs.x }} }`), where plain YAML would not.
    const { doc } = parseYaml(text);
    if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) return undefined;
    const raw: unknown = doc.toJS({ maxAliasCount: 100 });
    return raw && typeof raw === 'object' ? (raw as PipelineDocument) : undefined;
  } catch {
    return undefined;
  }
}

const referencePattern = /\$\{\{\s*(steps|inputs)\.([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * The graph of a run: its steps, the pipeline inputs they read, and an edge wherever a step
 * refers to another step's outputs or to a pipeline input. References are read from the
 * pipeline file (the run record keeps steps, not their wiring); a step the file no longer
 * has keeps its node and, when the file is unreadable, steps are chained in order.
 */
export function pipelineGraph(run: RunRecord, pipeline: PipelineDocument): PipelineGraph {
  const stepNames = new Set(run.steps.map((s) => s.name));
  const nodes: PipelineGraph['nodes'] = [];
  const edges: PipelineGraph['edges'] = [];
  const inputs = pipeline?.inputs ?? {};
  const usedInputs = new Set<string>();
  const stepEdges: PipelineGraph['edges'] = [];
  for (const step of run.steps) {
    const definition = pipeline?.steps?.[step.name];
    if (!definition) continue;
    const seen = new Set<string>();
    for (const match of JSON.stringify(definition).matchAll(referencePattern)) {
      const [, scope, name] = match;
      const from = scope === 'steps' ? name : `input:${name}`;
      if (seen.has(from) || name === step.name) continue;
      if (scope === 'steps' && !stepNames.has(name)) continue;
      if (scope === 'inputs' && !(name in inputs)) continue;
      seen.add(from);
      if (scope === 'inputs') usedInputs.add(name);
      stepEdges.push({ from, to: step.name });
    }
  }
  for (const name of Object.keys(inputs)) {
    if (usedInputs.has(name)) nodes.push({ id: `input:${name}`, kind: 'input', label: name, detail: String(inputs[name]) });
  }
  for (const step of run.steps) nodes.push({ id: step.name, kind: 'step', label: step.name, detail: step.kind });
  if (pipeline?.steps) edges.push(...stepEdges);
  else for (let i = 1; i < run.steps.length; i++) edges.push({ from: run.steps[i - 1].name, to: run.steps[i].name });
  return { nodes, edges };
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function modelFolder(store: WorkspaceStore, step: StepRunRecord): string | undefined {
  const ref = step.outputs.model;
  return ref ? store.artifactPath(ref) : undefined;
}

/** A reused step's trials were recorded by the run it was reused from. */
function trialsOf(store: WorkspaceStore, run: RunRecord, step: StepRunRecord): Promise<TrialRecord[]> {
  return step.reusedFrom ? store.listTrials(step.reusedFrom.runId, step.reusedFrom.step).catch(() => []) : store.listTrials(run.id, step.name);
}

async function automlDetails(store: WorkspaceStore, run: RunRecord, step: StepRunRecord, pipeline: PipelineDocument): Promise<AutomlStepDetails> {
  const trials = (await trialsOf(store, run, step)).sort((a, b) => a.iteration - b.iteration);
  const folder = modelFolder(store, step);
  const model = folder ? await readJson<ModelArtifact>(path.join(folder, MODEL_FILE)) : undefined;
  const config = (pipeline?.steps?.[step.name]?.automl ?? {}) as { task?: string; primary_metric?: string };
  const task = model?.task ?? config.task ?? 'classification';
  const guardrails = folder ? ((await readJson<GuardrailView[]>(path.join(folder, GUARDRAILS_FILE))) ?? []) : [];
  const importances = folder ? await readJson<Record<string, number>>(path.join(folder, IMPORTANCES_FILE)) : undefined;
  return {
    step: step.name,
    task,
    // A running step has no model yet: name the metric the search uses, from the one catalog.
    primaryMetric: model?.primaryMetric ?? config.primary_metric ?? defaultPrimaryMetric[task as Task] ?? defaultPrimaryMetric.classification,
    trials,
    bestIteration: model?.iteration,
    guardrails: Array.isArray(guardrails) ? guardrails : [],
    featureImportances: importances ? importanceList(importances) : undefined,
    ...(model?.test ? { testSet: testSetView(model, trials, await readJson<TrialCharts>(path.join(folder!, TEST_CHARTS_FILE))) } : {}),
    explanations: folder ? await explanationsOf(folder) : undefined,
  };
}

/** The model's recorded test-set scores beside its validation scores, primary metric first. */
function testSetView(model: ModelArtifact, trials: TrialRecord[], charts: TrialCharts | undefined): AutomlTestSetView {
  const test = model.test!;
  const primary = model.primaryMetric;
  const names = Object.keys(test.metrics).sort((a, b) => (a === primary ? -1 : b === primary ? 1 : a.localeCompare(b)));
  return {
    source: test.source,
    ...(test.fraction !== undefined ? { fraction: test.fraction } : {}),
    rows: test.rows,
    metrics: names.map((metric) => ({ metric, validation: model.metrics[metric], test: test.metrics[metric] })),
    rowsScored: Object.entries(test.byIteration).map(([iteration, metrics]) => {
      const trial = trials.find((t) => t.iteration === Number(iteration));
      return { iteration: Number(iteration), algorithm: trial?.algorithm ?? (Number(iteration) === model.iteration ? model.algorithm : ''), validation: trial?.metrics[primary], test: metrics[primary] };
    }),
    ...(charts ? { charts: normaliseCharts(charts, model.iteration) } : {}),
  };
}

/** Rows of the stored sample sent to a view: run details is resent whole on every change. */
const EXPLANATION_ROWS_SENT = 100;

/** The model folder's explanations.json as the views read it (absent for older models). */
async function explanationsOf(folder: string): Promise<ExplanationsView | undefined> {
  const file = await readJson<ExplanationsFile>(path.join(folder, EXPLANATIONS_FILE));
  if (file?.format !== 'weir-explanations') return undefined;
  const { format: _format, version: _version, task: _task, costPerRow: _cost, ...view } = file;
  const cut = (s: ExplanationsView['sample']['raw']): ExplanationsView['sample']['raw'] => ({ columns: s.columns, shap: s.shap.slice(0, EXPLANATION_ROWS_SENT), values: s.values.slice(0, EXPLANATION_ROWS_SENT) });
  return { ...view, sampleRowIndex: view.sampleRowIndex.slice(0, EXPLANATION_ROWS_SENT), sample: { raw: cut(view.sample.raw), engineered: cut(view.sample.engineered) } };
}

function importanceList(importances: Record<string, number>): { feature: string; importance: number }[] {
  return Object.entries(importances)
    .filter(([, v]) => Number.isFinite(v))
    .map(([feature, importance]) => ({ feature, importance }))
    .sort((a, b) => Math.abs(b.importance) - Math.abs(a.importance) || a.feature.localeCompare(b.feature));
}

export async function stepLogTail(store: WorkspaceStore, runId: string, step: string, maxBytes = 256 * 1024): Promise<{ text: string; truncated: boolean }> {
  const run = await store.getRun(runId);
  if (!run.steps.some((s) => s.name === step)) throw new WeirError('NOT_FOUND', `run ${runId} has no step '${step}'`);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(store.logPath(runId, step), 'r');
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    let text = buffer.toString('utf8');
    // Cut at a line start so the first line shown is whole (and no UTF-8 sequence is split).
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return { text, truncated: start > 0 };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', truncated: false };
    throw e;
  } finally {
    await handle?.close();
  }
}

/**
 * A trial's chart data: the trial's own chart file when the step kept one (on the trial
 * record, or in the model folder's `trial-charts/` for the best rows), else — for the step's
 * chosen model (no iteration, or its iteration) — the model folder's `charts.json`.
 */
export async function trialCharts(store: WorkspaceStore, runId: string, stepName: string, iteration?: number): Promise<TrialChartsData | null> {
  const run = await store.getRun(runId);
  const step = run.steps.find((s) => s.name === stepName);
  if (!step) throw new WeirError('NOT_FOUND', `run ${runId} has no step '${stepName}'`);
  const folder = modelFolder(store, step);
  const model = folder ? await readJson<ModelArtifact>(path.join(folder, MODEL_FILE)) : undefined;
  if (iteration !== undefined) {
    const trial = (await trialsOf(store, run, step)).find((t) => t.iteration === iteration);
    if (!trial) throw new WeirError('NOT_FOUND', `step '${stepName}' of run ${runId} has no trial ${iteration}`);
    if (trial.charts) {
      const charts = await readJson<TrialCharts>(path.resolve(store.root, trial.charts));
      if (charts) return normaliseCharts(charts, iteration);
    }
    // The automl step keeps chart data of its best leaderboard rows in the model folder.
    if (folder) {
      const charts = await readJson<TrialCharts>(path.join(folder, TRIAL_CHARTS_DIR, `${iteration}.json`));
      if (charts) return normaliseCharts(charts, iteration);
    }
    if (model?.iteration !== iteration) return null;
  }
  if (!folder) return null;
  const charts = await readJson<TrialCharts>(path.join(folder, CHARTS_FILE));
  if (!charts) return null;
  const data = normaliseCharts(charts, model?.iteration);
  const importances = await readJson<Record<string, number>>(path.join(folder, IMPORTANCES_FILE));
  if (importances) data.featureImportances = importanceList(importances);
  return data;
}

/** The AutoML step's chart JSON (`chartTypes.ts`) in the one shape the webview draws. */
export function normaliseCharts(charts: TrialCharts, iteration?: number): TrialChartsData {
  const curves = (list: { label: string; points: { x: number; y: number }[] }[]) => list.map((c) => ({ name: c.label, points: c.points }));
  switch (charts.kind) {
    case 'classification':
      return {
        task: 'classification',
        iteration,
        roc: charts.roc.map((c) => ({ name: `${c.label} (AUC ${c.auc.toFixed(3)})`, points: c.points })),
        precisionRecall: charts.precisionRecall.map((c) => ({ name: `${c.label} (AP ${c.averagePrecision.toFixed(3)})`, points: c.points })),
        calibration: charts.calibration.map((c) => ({ name: c.label, points: c.bins.map((b) => ({ x: b.meanPredicted, y: b.fractionPositive })) })),
        lift: curves(charts.lift),
        cumulativeGains: curves(charts.cumulativeGains),
        confusionMatrix: { labels: charts.confusionMatrix.classes, counts: charts.confusionMatrix.counts },
      };
    case 'regression':
      return {
        task: 'regression',
        iteration,
        residuals: charts.residualHistogram.map((b) => ({ x0: b.low, x1: b.high, count: b.count })),
        predictedVsTrue: charts.predictedVsTrueBins.length
          ? charts.predictedVsTrueBins.filter((b) => b.count > 0).map((b) => ({ actual: b.meanTrue, predicted: b.meanPredicted, lower: b.p5, upper: b.p95, count: b.count }))
          : charts.predictedVsTrue.map((p) => ({ actual: p.true, predicted: p.predicted })),
      };
    case 'forecasting':
      return {
        task: 'forecasting',
        iteration,
        forecast: charts.byHorizon.map((h) => ({ horizon: h.horizon, actual: h.meanActual, forecast: h.meanForecast })),
        residuals: charts.residualHistogram.map((b) => ({ x0: b.low, x1: b.high, count: b.count })),
      };
    default:
      return { task: 'unknown', iteration };
  }
}

// ---------------------------------------------------------------------------------------------
// Data preview
// ---------------------------------------------------------------------------------------------

interface ResolvedTable {
  file: string;
  title: string;
  ref: ArtifactRef;
}

async function resolveTarget(store: WorkspaceStore, target: PreviewTarget): Promise<ResolvedTable> {
  let ref: ArtifactRef;
  let title: string;
  if ('dataset' in target) {
    const version = await store.getDataset(target.dataset, target.version);
    ref = version.artifact;
    title = `${version.name}:${version.version}`;
  } else {
    const run = await store.getRun(target.runId);
    const step = run.steps.find((s) => s.name === target.step);
    if (!step) throw new WeirError('NOT_FOUND', `run ${target.runId} has no step '${target.step}'`);
    const output = step.outputs[target.output];
    if (!output) throw new WeirError('NOT_FOUND', `step '${target.step}' of run ${target.runId} has no output '${target.output}' (it has: ${Object.keys(step.outputs).join(', ') || 'none yet'})`);
    ref = output;
    title = `${target.step}.${target.output} · ${run.pipelineName} run ${run.id}`;
  }
  if (ref.kind !== 'parquet') throw new WeirError('BAD_INPUT', `${title} is a ${ref.kind} artifact, not a table; only Parquet outputs can be previewed`);
  return { file: store.artifactPath(ref), title, ref };
}

export async function previewInfo(store: WorkspaceStore, target: PreviewTarget): Promise<PreviewInfo> {
  const t = await resolveTarget(store, target);
  // The store records rows and schema with each table artifact; read the file only when it did not.
  const known = t.ref.rows !== undefined && t.ref.schema ? { rows: t.ref.rows, schema: t.ref.schema } : await readSchema(t.file);
  return { title: t.title, rows: known.rows, schema: known.schema, path: t.ref.path, bytes: t.ref.bytes };
}

/** Largest page a request may ask for: a page must cross the pipe in a few milliseconds. */
export const maxPageRows = 5000;

export async function previewPage(store: WorkspaceStore, target: PreviewTarget, offset: number, limit: number): Promise<PreviewPage> {
  if (!Number.isInteger(offset) || offset < 0) throw new WeirError('BAD_INPUT', `page offset must be a whole number ≥ 0, got ${offset}`);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageRows) throw new WeirError('BAD_INPUT', `page size must be 1 to ${maxPageRows} rows, got ${limit}`);
  const t = await resolveTarget(store, target);
  // One query per page: DuckDB skips whole row groups to reach a deep OFFSET, and the
  // schema comes with the result, so a page costs a few milliseconds even at row 3,000,000.
  return withConnection(async (c) => {
    const reader = await c.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(t.file)}) LIMIT ${limit} OFFSET ${offset}`);
    const columns = reader.columnNames();
    const types = reader.columnTypes().map(String);
    const values = reader.getColumnsJson().map((column, i) => column.map((v) => toCell(v, types[i])));
    return { offset, count: values[0]?.length ?? 0, columns, values };
  });
}

const numericType = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

/** A DuckDB JSON value as a cell: integers and decimals (which DuckDB prints as text to keep precision) back to numbers when exact, nested values as JSON. */
function toCell(value: unknown, type: string): PreviewCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    if (numericType.test(type)) {
      const n = Number(value);
      if (Number.isFinite(n) && (!Number.isInteger(n) || Number.isSafeInteger(n))) return n;
    }
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

export async function previewProfile(store: WorkspaceStore, target: PreviewTarget): Promise<PreviewProfile> {
  const t = await resolveTarget(store, target);
  const started = performance.now();
  const profile = await profileTable(t.file);
  const columns: ColumnProfile[] = profile.columns.map((c) => {
    const numeric = c.kind === 'number' || c.kind === 'datetime';
    return {
      name: c.name,
      type: c.type,
      nulls: c.nulls,
      distinct: c.distinct,
      min: typeof c.min === 'boolean' ? String(c.min) : (c.min ?? null),
      max: typeof c.max === 'boolean' ? String(c.max) : (c.max ?? null),
      mean: c.mean ?? null,
      histogram: numeric ? c.histogram.map((b) => ({ x0: b.low ?? 0, x1: b.high ?? 0, count: b.count })) : undefined,
      top: numeric ? undefined : c.histogram.map((b) => ({ value: b.label, count: b.count })),
    };
  });
  return { rows: profile.rows, columns, elapsedMs: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
// Model card and comparison
// ---------------------------------------------------------------------------------------------

export async function modelCard(store: WorkspaceStore, name: string, version?: number): Promise<ModelCardData> {
  const model = await store.getModel(name, version);
  const versions = (await store.listModelVersions(name)).map((v) => v.version).sort((a, b) => b - a);
  const data: ModelCardData = { model, versions };
  const folder = store.artifactPath(model.artifact);
  const artifact = model.artifact.kind === 'model' || model.artifact.kind === 'dir' ? await readJson<ModelArtifact>(path.join(folder, MODEL_FILE)) : undefined;
  if (artifact?.format === 'weir-automl') {
    data.task = artifact.task;
    data.primaryMetric = artifact.primaryMetric;
    data.algorithm = artifact.algorithm;
    data.inputSchema = artifact.featurizer.inputSchema.map((c) => ({ name: c.name, type: c.duckType }));
    data.featurization = artifact.featurizer.columns.map((c) => ({ name: c.name, purpose: c.purpose, note: c.note }));
    if (!model.metrics) data.model = { ...model, metrics: artifact.metrics };
    const importances = await readJson<Record<string, number>>(path.join(folder, IMPORTANCES_FILE));
    if (importances) data.featureImportances = importanceList(importances);
    data.serve = serveExample(`${model.name}:${model.version}`, exampleRow(artifact.featurizer));
    const explanations = await explanationsOf(folder);
    if (explanations) data.explanations = explanations;
  }
  data.aliases = await store.listModelAliases(name);
  data.aliasHistory = await store.modelAliasHistory(name);
  return data;
}

export async function compareRuns(store: WorkspaceStore, runIds: string[]): Promise<CompareRunData[]> {
  if (runIds.length < 2 || runIds.length > 7) throw new WeirError('BAD_INPUT', `compare needs 2 to 7 runs, got ${runIds.length}`);
  return Promise.all(
    runIds.map(async (id) => {
      const run = await store.getRun(id);
      const pipeline = await readPipelineFile(store, run);
      const trials: CompareRunData['trials'] = [];
      for (const step of run.steps) {
        if (step.kind !== 'automl') continue;
        const details = await automlDetails(store, run, step, pipeline);
        trials.push({ step: step.name, primaryMetric: details.primaryMetric, trials: details.trials });
      }
      return { run, trials };
    }),
  );
}
