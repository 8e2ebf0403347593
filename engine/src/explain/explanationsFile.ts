import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FeatureMatrix } from '../gbdt/api';
import type { ColumnarTable, TableColumn } from '../automl/types';
import type { ExplanationImportance, ExplanationSampleView, ExplanationsView } from '../protocol';
import { EXPLANATIONS_FILE, type ModelArtifact } from '../automl/model/modelArtifact';
import { explainFeatures, explainTable, featuresOf, type ModelExplanation } from './explainModel';
import { treeDepth } from './treeShap';
import { batchPositions, claimCounter, explainClaimed, mergeParts, pickMatrixRows, type ExplainJob, type ExplainPart } from './explainBatches';
import { resolveWorkerPath } from '../automl/trials/trialPool';
import type { WorkerReply, WorkerRequest } from '../automl/trials/protocol';
import { WeirError } from '../errors';

/** `explanations.json` in an AutoML model folder, beside model.json. */
export { EXPLANATIONS_FILE };

type ImportanceEntry = ExplanationImportance;
type ExplanationSample = ExplanationSampleView;

/**
 * The file: what the editor shows (`ExplanationsView`, declared in protocol.ts so the
 * webviews read the same type) plus its format, task and the time budget it had.
 */
export interface ExplanationsFile extends ExplanationsView {
  format: 'weir-explanations';
  version: 1;
  task: ModelArtifact['task'];
  /** The cost model's estimate of one row's work (tree leaves × path length², linear terms). */
  costPerRow: number;
  /**
   * Present only when the experiment's end cut the sample short: the rows it was sized for.
   * `sampleRows` (fewer) are the rows explained, spread evenly over the planned ones.
   */
  plannedRows?: number;
}

/** The AutoML step's deadline for explanations (ms on `now`, by default `performance.now`). */
export interface ExplainUntil {
  deadline: number;
  now?: () => number;
  /** Rows per batch; by default about `BATCH_WORK_UNITS` of estimated work. */
  batchRows?: number;
}

/** With a deadline, rows are explained in batches of about this much estimated work (≈ 70 ms on an idle core), checking the clock between them. */
const BATCH_WORK_UNITS = 1e7;

/** Rows explained at least (even when the run was very short) and at most: see plannedExplainRows. */
const MIN_ROWS = 50;
const FEWEST_ROWS = 10;
const MAX_ROWS = 2_000;
/** MIN_ROWS are explained when they cost at most this (≈ 2–3 s on one idle core). */
const FLOOR_WORK_UNITS = 4e8;
/** Below this much planned work (≈ 0.2 s) explanations stay on one thread. */
const PARALLEL_MIN_UNITS = 3e7;
/** The stored per-row sample: at most this many rows and numbers. */
const STORED_ROWS = 200;
const STORED_NUMBERS = 150_000;
/**
 * Work units (one TreeSHAP inner-loop step ≈ 7 ns here) the sample may cost: about a
 * second and a half. The sample size follows from the model, never from a clock, so the
 * model folder's content is the same on every machine (a cached or Slurm-run step gives
 * the bytes a local run gives).
 */
export const EXPLAIN_WORK_UNITS = 2e8;

/** How the estimator's values were computed, in words for the card. */
export function methodOf(artifact: ModelArtifact): string {
  const algorithms = new Set<string>();
  const spec = artifact.estimator;
  if (spec.type === 'single') algorithms.add(spec.model.algorithm);
  else if (spec.type === 'voting') spec.members.forEach((m) => algorithms.add(m.model.algorithm));
  else if (spec.type === 'stack') spec.base.forEach((b) => algorithms.add(b.algorithm));
  const parts: string[] = [];
  if ([...algorithms].some((a) => /XGBoost|Tree|Forest/.test(a))) parts.push('TreeSHAP (exact, path-dependent)');
  if ([...algorithms].some((a) => /Logistic|ElasticNet/.test(a))) parts.push('linear SHAP (exact, training mean background)');
  if (spec.type === 'voting') parts.push('weighted sum over the ensemble');
  if (spec.type === 'stack') parts.push('chained through the linear meta-model');
  if (spec.type === 'baseline') parts.push('baseline (the seasonal feature is the prediction)');
  return parts.join('; ');
}

/**
 * Explains a bounded, evenly spaced sample of the training table and writes
 * explanations.json (see `plannedExplainRows` for its size). With `threads` > 1 the rows are
 * shared with helper threads when the work is worth it (`buildExplanationsInThreads`).
 * Forecasting models explain rows of their own feature matrix `X` (their features are built
 * from history the table's rows alone do not carry).
 */
export async function writeExplanations(modelDir: string, artifact: ModelArtifact, data: ExplainData, until?: ExplainUntil, threads = 1, report?: (r: ThreadsReport) => void): Promise<ExplanationsFile> {
  const file = await buildExplanationsInThreads(artifact, data, { until, threads, report });
  await writeFile(path.join(modelDir, EXPLANATIONS_FILE), JSON.stringify(file));
  return file;
}

type ExplainData = { table: ColumnarTable; X?: FeatureMatrix };

/** How a threaded explanation went: batches in all and those the helper threads explained. */
export interface ThreadsReport {
  threads: number;
  batches: number;
  helperBatches: number;
}

/**
 * The rows to explain for a model whose one row costs `costPerRow` work units, out of
 * `total`: as many as EXPLAIN_WORK_UNITS allow, at least MIN_ROWS when they cost at most
 * FLOOR_WORK_UNITS, and never fewer than FEWEST_ROWS (a bagged ensemble of deep forests can
 * cost 10⁷–10⁸ units a row: 50 rows of it took 18 s on a 7 s search), at most MAX_ROWS.
 * A function of the model alone, so the file has the same bytes on every machine.
 */
export function plannedExplainRows(total: number, costPerRow: number): number {
  const affordable = Math.floor(EXPLAIN_WORK_UNITS / Math.max(1, costPerRow));
  return Math.min(total, MAX_ROWS, Math.max(leastExplainRows(costPerRow), affordable));
}

/** The fewest rows a model of this cost is explained on (when the table has that many). */
export function leastExplainRows(costPerRow: number): number {
  return Math.max(FEWEST_ROWS, Math.min(MIN_ROWS, Math.floor(FLOOR_WORK_UNITS / Math.max(1, costPerRow))));
}

interface ExplainPlan {
  useX: boolean;
  total: number;
  costPerRow: number;
  planned: Uint32Array;
}

function planOf(artifact: ModelArtifact, data: ExplainData): ExplainPlan {
  const useX = artifact.forecast !== undefined && data.X !== undefined;
  const total = useX ? data.X!.rows : data.table.rows;
  const costPerRow = estimatorCostPerRow(artifact.estimator);
  return { useX, total, costPerRow, planned: evenRows(total, plannedExplainRows(total, costPerRow)) };
}

function plannedMatrix(artifact: ModelArtifact, data: ExplainData, plan: ExplainPlan): FeatureMatrix {
  return plan.useX ? pickMatrixRows(data.X!, plan.planned) : featuresOf(artifact, pickTableRows(data.table, plan.planned));
}

function batchRowsOf(plan: ExplainPlan, until?: ExplainUntil): number {
  return Math.max(1, until?.batchRows ?? Math.floor(BATCH_WORK_UNITS / Math.max(1, plan.costPerRow)));
}

/**
 * `until`: stop at this deadline. The planned rows are then explained in batches, each an
 * evenly spaced subset of them, with the clock checked before each; when time is up the file
 * covers the batches done (`sampleRows`, with `plannedRows` beside it), and when it is up
 * before the first, no file is built (an error saying so). Rows are explained independently,
 * so a sample not cut short has the same bytes as without a deadline.
 */
export function buildExplanations(artifact: ModelArtifact, data: ExplainData, until?: ExplainUntil): ExplanationsFile {
  return buildPlanned(artifact, data, planOf(artifact, data), until);
}

function buildPlanned(artifact: ModelArtifact, data: ExplainData, plan: ExplainPlan, until?: ExplainUntil): ExplanationsFile {
  if (!until) {
    const X = plannedMatrix(artifact, data, plan);
    return fileOf(artifact, data, plan, plan.planned, explainFeatures(artifact, X));
  }
  const { e, covered } = explainBefore(artifact, plannedMatrix(artifact, data, plan), batchRowsOf(plan, until), until);
  return fileOf(artifact, data, plan, Uint32Array.from(covered, (i) => plan.planned[i]), e);
}

/**
 * `buildExplanations` on `threads` threads: this one and `threads − 1` helper threads (the
 * AutoML trial worker, dist/worker.js) claim batches from one shared counter. Used when the
 * planned work is over PARALLEL_MIN_UNITS (a helper thread takes ≈ 0.1 s to start); a helper
 * that cannot start or fails leaves its batches to this thread. The values do not depend on
 * the thread that computed them, so the file has the same bytes as on one thread. A test
 * clock (`until.now`) keeps the work on this thread.
 */
export async function buildExplanationsInThreads(artifact: ModelArtifact, data: ExplainData, opts: { until?: ExplainUntil; threads: number; report?: (r: ThreadsReport) => void; parallelMinUnits?: number }): Promise<ExplanationsFile> {
  const { until } = opts;
  const plan = planOf(artifact, data);
  const work = plan.planned.length * plan.costPerRow;
  const workerPath = opts.threads > 1 && !until?.now && work >= (opts.parallelMinUnits ?? PARALLEL_MIN_UNITS) ? explainWorkerPath() : undefined;
  if (!workerPath) return buildPlanned(artifact, data, plan, until);
  const X = plannedMatrix(artifact, data, plan);
  const job: ExplainJob = { artifact, X, batches: Math.max(1, Math.ceil(X.rows / batchRowsOf(plan, until))), next: claimCounter(), deadline: until?.deadline };
  const helpers = Array.from({ length: Math.min(opts.threads, job.batches) - 1 }, () => explainInWorker(workerPath, job));
  const parts = explainClaimed(job, () => performance.now());
  const mine = parts.length;
  // With a deadline, a helper is waited for until it passes, no longer (this thread's own
  // batch in progress may already have run past it): one still starting (a thread's start
  // took 0.3 s at load 7–10) or in a batch then is stopped, and its batch is not covered.
  const waitMs = until ? until.deadline - performance.now() : Infinity;
  const stopAt = Number.isFinite(waitMs) ? setTimeout(() => helpers.forEach((h) => h.stop()), Math.max(0, waitMs)) : undefined;
  for (const theirs of await Promise.all(helpers.map((h) => h.parts))) parts.push(...theirs);
  clearTimeout(stopAt);
  opts.report?.({ threads: helpers.length + 1, batches: job.batches, helperBatches: parts.length - mine });
  // Batches a failed helper claimed and did not return: this thread does them, before the deadline.
  const done = new Set(parts.map((p) => p.at[0]));
  for (let b = 0; b < Math.min(job.batches, job.next[0]); b++) {
    if (done.has(b) || (until && performance.now() >= until.deadline)) continue;
    const at = batchPositions(X.rows, job.batches, b);
    parts.push({ at, e: explainFeatures(artifact, pickMatrixRows(X, at)) });
  }
  if (parts.length === 0) throw notStarted(X.rows);
  const { e, covered } = mergeParts(X, parts);
  return fileOf(artifact, data, plan, Uint32Array.from(covered, (i) => plan.planned[i]), e);
}

/** The trial worker's bundle, when it is built (it serves `explain` requests too); else undefined. */
function explainWorkerPath(): string | undefined {
  try {
    return resolveWorkerPath();
  } catch {
    return undefined;
  }
}

/** One helper thread's share of the job: the parts it explained, or none when it failed or was stopped. */
function explainInWorker(workerPath: string, job: ExplainJob): { parts: Promise<ExplainPart[]>; stop(): void } {
  let stop = () => {};
  const parts = new Promise<ExplainPart[]>((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(workerPath);
    } catch {
      resolve([]);
      return;
    }
    const finish = (parts: ExplainPart[]) => {
      resolve(parts);
      void worker.terminate();
    };
    stop = () => finish([]);
    worker.unref();
    worker.on('message', (reply: WorkerReply) => finish(reply.type === 'explained' ? reply.parts : []));
    worker.on('error', () => finish([]));
    worker.on('exit', () => finish([]));
    // Clocks differ between threads: the deadline travels as wall-clock (epoch) milliseconds.
    const deadlineEpoch = job.deadline === undefined ? undefined : performance.timeOrigin + job.deadline;
    worker.postMessage({ type: 'explain', artifact: job.artifact, X: job.X, batches: job.batches, next: job.next, deadlineEpoch } satisfies WorkerRequest);
  });
  return { parts, stop: () => stop() };
}

function fileOf(artifact: ModelArtifact, data: ExplainData, plan: ExplainPlan, rows: Uint32Array, e: ModelExplanation): ExplanationsFile {
  const stored = Math.max(1, Math.min(rows.length, STORED_ROWS, Math.floor(STORED_NUMBERS / Math.max(1, e.outputs.length * (e.rawColumns.length + e.engineeredFeatures.length)))));
  const storedAt = evenRows(rows.length, stored);
  const table = plan.useX ? undefined : pickTableRows(data.table, rows);
  return {
    format: 'weir-explanations',
    version: 1,
    algorithm: artifact.algorithm,
    task: artifact.task,
    space: e.space,
    method: methodOf(artifact),
    outputs: e.outputs,
    base: e.base.map(round),
    sampleRows: rows.length,
    totalRows: plan.total,
    costPerRow: plan.costPerRow,
    ...(rows.length < plan.planned.length ? { plannedRows: plan.planned.length } : {}),
    global: { raw: globalImportance(e.raw, e.rows, e.outputs.length, e.rawColumns), engineered: globalImportance(e.engineered, e.rows, e.outputs.length, e.engineeredFeatures) },
    sampleRowIndex: Array.from(storedAt, (i) => rows[i]),
    sample: {
      raw: sampleOf(e.raw, e.outputs.length, e.rawColumns, storedAt, (i, r) => (table ? cellValue(table.columns.find((c) => c.name === e.rawColumns[r]), i) : featureValue(e.X, i, r))),
      engineered: sampleOf(e.engineered, e.outputs.length, e.engineeredFeatures, storedAt, (i, j) => featureValue(e.X, i, j)),
    },
  };
}

/**
 * Explains the rows of `X` in interleaved batches (see explainBatches.ts), stopping before a
 * batch once `until.deadline` has passed. Returns the explanation of the positions covered (sorted).
 */
function explainBefore(artifact: ModelArtifact, X: FeatureMatrix, batch: number, until: ExplainUntil): { e: ModelExplanation; covered: Uint32Array } {
  const job: ExplainJob = { artifact, X, batches: Math.max(1, Math.ceil(X.rows / batch)), next: claimCounter(), deadline: until.deadline };
  const parts = explainClaimed(job, until.now ?? (() => performance.now()));
  if (parts.length === 0) throw notStarted(X.rows);
  return mergeParts(X, parts);
}

function notStarted(rows: number): WeirError {
  return new WeirError('RUN_FAILED', `the experiment timeout was reached before any of the ${rows} rows was explained`);
}

/**
 * Every row of `table` explained, as the views' per-row samples (raw columns with the user's
 * cells, engineered features with their values): what the waterfall draws for picked rows.
 */
export function explainRowsSample(artifact: ModelArtifact, table: ColumnarTable): { outputs: string[]; base: number[]; sample: ExplanationsFile['sample'] } {
  if (artifact.forecast) throw new WeirError('BAD_INPUT', 'a forecasting model explains rows of its own lag and window features, which one picked row does not carry; its explanations show the training sample only');
  const e = explainTable(artifact, table);
  const all = evenRows(e.rows, e.rows);
  return {
    outputs: e.outputs,
    base: e.base.map(round),
    sample: {
      raw: sampleOf(e.raw, e.outputs.length, e.rawColumns, all, (i, r) => cellValue(table.columns.find((c) => c.name === e.rawColumns[r]), i)),
      engineered: sampleOf(e.engineered, e.outputs.length, e.engineeredFeatures, all, (i, j) => featureValue(e.X, i, j)),
    },
  };
}

/** Mean |value| per column and output over the rows, averaged over outputs; sorted, largest first. */
export function globalImportance(values: Float64Array, rows: number, outputs: number, names: string[]): ImportanceEntry[] {
  const p = names.length;
  const sums = new Float64Array(outputs * p);
  for (let i = 0; i < rows; i++) for (let k = 0; k < outputs; k++) for (let j = 0; j < p; j++) sums[k * p + j] += Math.abs(values[(i * outputs + k) * p + j]);
  return names
    .map((name, j) => {
      const perOutput = Array.from({ length: outputs }, (_, k) => round(sums[k * p + j] / Math.max(1, rows)));
      return { name, importance: round(perOutput.reduce((s, v) => s + v, 0) / outputs), perOutput };
    })
    .sort((a, b) => b.importance - a.importance || a.name.localeCompare(b.name));
}

function sampleOf(values: Float64Array, outputs: number, columns: string[], at: Uint32Array, value: (row: number, column: number) => string | number | null): ExplanationSample {
  const p = columns.length;
  return {
    columns,
    shap: Array.from(at, (i) => Array.from({ length: outputs }, (_, k) => Array.from(values.subarray((i * outputs + k) * p, (i * outputs + k + 1) * p), round))),
    values: Array.from(at, (i) => columns.map((_, j) => value(i, j))),
  };
}

function featureValue(X: FeatureMatrix, i: number, j: number): number | null {
  const v = X.values[j * X.rows + i];
  return Number.isFinite(v) ? round(v) : null;
}

function cellValue(column: TableColumn | undefined, i: number): string | number | null {
  if (!column) return null;
  const v = column.values[i];
  if (v === null || (typeof v === 'number' && Number.isNaN(v))) return null;
  if (column.type === 'datetime') return new Date(v as number).toISOString();
  if (column.type === 'boolean') return v ? 'true' : 'false';
  return typeof v === 'number' ? round(v) : v;
}

/** Six significant digits: the file stays small and the charts lose nothing. */
function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : 0;
}

/** `count` evenly spaced indices in [0, n). */
export function evenRows(n: number, count: number): Uint32Array {
  const step = n / Math.max(1, count);
  return Uint32Array.from({ length: count }, (_, i) => Math.floor(i * step));
}

export function pickTableRows(table: ColumnarTable, rows: Uint32Array): ColumnarTable {
  const columns = table.columns.map((c): TableColumn => {
    if (c.type === 'string') return { ...c, values: Array.from(rows, (r) => c.values[r]) };
    return { ...c, values: Float64Array.from(rows, (r) => c.values[r]) } as TableColumn;
  });
  return { rows: rows.length, columns };
}


/**
 * The AutoML step's one call: explanations.json for the best model (the log line says what
 * share of the run it took). Explanations are an extra: a failure is logged and the run
 * goes on.
 */
export async function explainModelFolder(
  modelDir: string,
  artifact: ModelArtifact,
  data: { table: ColumnarTable; X?: FeatureMatrix; runMs: number; log(text: string): void; until?: ExplainUntil; threads?: number },
): Promise<void> {
  try {
    const started = performance.now();
    let threads = '';
    const file = await writeExplanations(modelDir, artifact, { table: data.table, X: data.X }, data.until, data.threads, (r) => {
      threads = ` on ${r.threads} threads (the helper${r.threads > 2 ? 's' : ''} did ${r.helperBatches} of ${r.batches} batches)`;
    });
    const ms = performance.now() - started;
    const top = file.global.raw
      .slice(0, 3)
      .map((g) => `${g.name} ${g.importance.toPrecision(3)}`)
      .join(', ');
    const rows = file.plannedRows !== undefined ? `${file.sampleRows} of ${file.plannedRows} planned rows (stopped at the experiment timeout)` : `${file.sampleRows} rows`;
    data.log(`explanations: ${rows} in ${(ms / 1000).toFixed(1)} s${threads} (${((100 * ms) / Math.max(1, data.runMs)).toFixed(1)}% of the run; ${file.method}); top columns by mean |SHAP|: ${top}`);
  } catch (e) {
    data.log(`explanations skipped: ${(e as Error).message}`);
  }
}

/**
 * Estimated work to explain one row: per tree, leaves × (depth + 1)² (TreeSHAP's walk);
 * per linear model, features × outputs. Read from the stored states, so it is exact to
 * recompute anywhere.
 */
export function estimatorCostPerRow(spec: ModelArtifact['estimator']): number {
  const bagged = (b: { algorithm: string; states: unknown[] }): number => b.states.reduce<number>((sum, st) => sum + stateCost(b.algorithm, st), 0);
  switch (spec.type) {
    case 'single':
      return bagged(spec.model);
    case 'voting':
      return spec.members.reduce((s, m) => s + bagged(m.model), 0);
    case 'stack':
      return spec.base.reduce((s, b) => s + bagged(b), 0);
    case 'baseline':
      return 1;
  }
}

function stateCost(algorithm: string, state: unknown): number {
  const treeCost = (left: ArrayLike<number>, right: ArrayLike<number>): number => {
    let leaves = 0;
    for (let i = 0; i < left.length; i++) if (left[i] < 0) leaves++;
    const d = treeDepth(left, right) + 1;
    return leaves * d * d;
  };
  if (algorithm.startsWith('XGBoost')) {
    const trees = ((state as { model?: { learner?: { gradient_booster?: { model?: { trees?: { left_children: number[]; right_children: number[] }[] } } } } }).model?.learner?.gradient_booster?.model?.trees ?? []);
    return trees.reduce((s, t) => s + treeCost(t.left_children, t.right_children), 0);
  }
  const trees = (state as { trees?: { left: number[]; right: number[] }[] }).trees;
  if (trees) return trees.reduce((s, t) => s + treeCost(t.left, t.right), 0);
  const linear = state as { scaler?: { mean: number[] }; coef?: unknown[] };
  return (linear.scaler?.mean.length ?? 1) * (Array.isArray(linear.coef?.[0]) ? linear.coef!.length : 1);
}
