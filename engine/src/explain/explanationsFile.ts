import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FeatureMatrix } from '../gbdt/api';
import type { ColumnarTable, TableColumn } from '../automl/types';
import type { ExplanationImportance, ExplanationSampleView, ExplanationsView } from '../protocol';
import { EXPLANATIONS_FILE, type ModelArtifact } from '../automl/model/modelArtifact';
import { explainFeatures, explainTable, type ModelExplanation } from './explainModel';
import { treeDepth } from './treeShap';
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
}

/** Rows explained at least (even when the run was very short) and at most. */
const MIN_ROWS = 50;
const MAX_ROWS = 2_000;
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
 * explanations.json. The sample is as many rows (MIN_ROWS to MAX_ROWS) as EXPLAIN_WORK_UNITS
 * of estimated work allow. Forecasting models explain rows of their own feature matrix `X`
 * (their features are built from history the table's rows alone do not carry).
 */
export async function writeExplanations(modelDir: string, artifact: ModelArtifact, data: { table: ColumnarTable; X?: FeatureMatrix }): Promise<ExplanationsFile> {
  const file = buildExplanations(artifact, data);
  await writeFile(path.join(modelDir, EXPLANATIONS_FILE), JSON.stringify(file));
  return file;
}

export function buildExplanations(artifact: ModelArtifact, data: { table: ColumnarTable; X?: FeatureMatrix }): ExplanationsFile {
  const useX = artifact.forecast !== undefined && data.X !== undefined;
  const total = useX ? data.X!.rows : data.table.rows;
  const costPerRow = estimatorCostPerRow(artifact.estimator);
  const affordable = Math.floor(EXPLAIN_WORK_UNITS / Math.max(1, costPerRow));
  const rows = evenRows(total, Math.min(total, MAX_ROWS, Math.max(MIN_ROWS, affordable)));
  const e: ModelExplanation = useX ? explainFeatures(artifact, pickMatrixRows(data.X!, rows)) : explainTable(artifact, pickTableRows(data.table, rows));
  const stored = Math.max(1, Math.min(rows.length, STORED_ROWS, Math.floor(STORED_NUMBERS / Math.max(1, e.outputs.length * (e.rawColumns.length + e.engineeredFeatures.length)))));
  const storedAt = evenRows(rows.length, stored);
  const table = useX ? undefined : pickTableRows(data.table, rows);
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
    totalRows: total,
    costPerRow,
    global: { raw: globalImportance(e.raw, e.rows, e.outputs.length, e.rawColumns), engineered: globalImportance(e.engineered, e.rows, e.outputs.length, e.engineeredFeatures) },
    sampleRowIndex: Array.from(storedAt, (i) => rows[i]),
    sample: {
      raw: sampleOf(e.raw, e.outputs.length, e.rawColumns, storedAt, (i, r) => (table ? cellValue(table.columns.find((c) => c.name === e.rawColumns[r]), i) : featureValue(e.X, i, r))),
      engineered: sampleOf(e.engineered, e.outputs.length, e.engineeredFeatures, storedAt, (i, j) => featureValue(e.X, i, j)),
    },
  };
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

function pickMatrixRows(X: FeatureMatrix, rows: Uint32Array): FeatureMatrix {
  const values = new Float32Array(rows.length * X.cols);
  for (let j = 0; j < X.cols; j++) for (let i = 0; i < rows.length; i++) values[j * rows.length + i] = X.values[j * X.rows + rows[i]];
  return { rows: rows.length, cols: X.cols, values, featureNames: X.featureNames, featureTypes: X.featureTypes };
}

/**
 * The AutoML step's one call: explanations.json for the best model (the log line says what
 * share of the run it took). Explanations are an extra: a failure is logged and the run
 * goes on.
 */
export async function explainModelFolder(modelDir: string, artifact: ModelArtifact, data: { table: ColumnarTable; X?: FeatureMatrix; runMs: number; log(text: string): void }): Promise<void> {
  try {
    const started = performance.now();
    const file = await writeExplanations(modelDir, artifact, { table: data.table, X: data.X });
    const ms = performance.now() - started;
    const top = file.global.raw
      .slice(0, 3)
      .map((g) => `${g.name} ${g.importance.toPrecision(3)}`)
      .join(', ');
    data.log(`explanations: ${file.sampleRows} rows in ${(ms / 1000).toFixed(1)} s (${((100 * ms) / Math.max(1, data.runMs)).toFixed(1)}% of the run; ${file.method}); top columns by mean |SHAP|: ${top}`);
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
