import { mulberry32 } from '../../util/mulberry32';
import type { EncodedLabel, TableColumn, Task } from '../types';
import type { ColumnPlan, TargetEncoding } from './columnPlan';
import { cellAsString, isPresentText } from './columnValues';

/**
 * Out-of-fold target encoding of high-cardinality categorical columns (the frequency plan's
 * `target`). Each category gets the label's mean over its training rows, shrunk towards the
 * overall mean by `TARGET_SMOOTHING` pseudo-rows (m-estimate), one value per output: the mean
 * for regression, the share of the second class for a binary label, the share of each class
 * for up to `TARGET_MAX_CLASSES` classes. Missing cells are a category of their own here (the
 * frequency columns read them as the most frequent value). The model stores the encoding of all training rows
 * (what scoring reads); the training matrix holds each row's value from the other
 * `TARGET_FOLDS − 1` folds of a seeded split, so no row sees its own label and the search's
 * folds score the column as scoring will see it.
 */
export const TARGET_SMOOTHING = 10;
export const TARGET_FOLDS = 5;
/** Above this many classes a column gets no target columns (one column per class would swamp the rest). */
export const TARGET_MAX_CLASSES = 10;

type FrequencyPlan = Extract<ColumnPlan, { kind: 'frequency' }>;

/** How many target outputs a label has, or 0 when target encoding does not apply. */
export function targetOutputs(task: Task, y: EncodedLabel): number {
  if (task === 'regression') return 1;
  if (task !== 'classification' || !y.classes) return 0;
  const k = y.classes.length;
  if (k === 2) return 1;
  return k <= TARGET_MAX_CLASSES ? k : 0;
}

/**
 * A cell's slot in a frequency plan: its category's position in the plan's `categories`
 * (`index` maps each to it), `categories` (their count) for the rarer ones, one more for a
 * missing cell. The target encoding's fit and the featurizer's write both read slots this way.
 */
export function categorySlot(index: ReadonlyMap<string, number>, categories: number, key: string | null): number {
  return isPresentText(key) ? (index.get(key) ?? categories) : categories + 1;
}

/** Each used row's slot (`categorySlot`). */
function slotsOf(plan: FrequencyPlan, column: TableColumn, rows: Uint32Array | undefined, n: number): Int32Array {
  const index = new Map(plan.categories.map((c, i) => [c, i]));
  const slots = new Int32Array(n);
  for (let r = 0; r < n; r++) slots[r] = categorySlot(index, plan.categories.length, cellAsString(column, rows ? rows[r] : r));
  return slots;
}

/** The value of output `o` for label `v`. */
function targetValue(v: number, o: number, outputs: number, task: Task): number {
  if (task === 'regression') return v;
  return outputs === 1 ? (v === 1 ? 1 : 0) : v === o ? 1 : 0;
}

/** Sums per slot and output (`sums`) and weights per slot (`counts`), over rows where `fold[r] !== skip`. */
function accumulate(slots: Int32Array, y: Float32Array, weight: Float32Array | undefined, outputs: number, nSlots: number, task: Task, fold?: Uint8Array, only?: number) {
  const sums = new Float64Array(nSlots * outputs);
  const counts = new Float64Array(nSlots);
  for (let r = 0; r < slots.length; r++) {
    if (fold && fold[r] !== only) continue;
    const w = weight ? weight[r] : 1;
    const s = slots[r];
    counts[s] += w;
    for (let o = 0; o < outputs; o++) sums[s * outputs + o] += w * targetValue(y[r], o, outputs, task);
  }
  return { sums, counts };
}

/** The overall mean per output. */
function overall(sums: Float64Array, counts: Float64Array, outputs: number): number[] {
  const nSlots = counts.length;
  let total = 0;
  for (let s = 0; s < nSlots; s++) total += counts[s];
  return Array.from({ length: outputs }, (_, o) => {
    let sum = 0;
    for (let s = 0; s < nSlots; s++) sum += sums[s * outputs + o];
    return total > 0 ? sum / total : 0;
  });
}

function smoothed(sums: Float64Array, counts: Float64Array, outputs: number, prior = overall(sums, counts, outputs)): { means: number[][]; prior: number[] } {
  const nSlots = counts.length;
  const means = Array.from({ length: nSlots }, (_, s) =>
    prior.map((p, o) => (sums[s * outputs + o] + TARGET_SMOOTHING * p) / (counts[s] + TARGET_SMOOTHING)),
  );
  return { means, prior };
}

/** What the fit read from the training rows, kept for the out-of-fold write (`writeOutOfFoldTargets`). */
export interface TargetFit {
  target: TargetEncoding;
  /** Each training row's slot (see `slotsOf`). */
  slots: Int32Array;
  /** The label's sums per slot and output, and weights per slot, over every training row. */
  all: { sums: Float64Array; counts: Float64Array };
}

/** The plan's encoding from every training row, or undefined when the label does not allow one. */
export function fitTargetEncoding(plan: FrequencyPlan, column: TableColumn, rows: Uint32Array | undefined, y: EncodedLabel, weight: Float32Array | undefined, task: Task): TargetFit | undefined {
  const outputs = targetOutputs(task, y);
  if (outputs === 0) return undefined;
  const slots = slotsOf(plan, column, rows, y.values.length);
  const all = accumulate(slots, y.values, weight, outputs, plan.categories.length + 2, task);
  const { means, prior } = smoothed(all.sums, all.counts, outputs);
  return { target: { outputs: outputs === 1 ? [] : [...y.classes!], means, prior }, slots, all };
}

/** A seeded assignment of `n` rows to `TARGET_FOLDS` folds of (nearly) equal size. */
export function targetFolds(n: number, seed: number): Uint8Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const fold = new Uint8Array(n);
  for (let i = 0; i < n; i++) fold[order[i]] = i % TARGET_FOLDS;
  return fold;
}

/**
 * Overwrites the plan's target columns of the training matrix (column-major, `n` rows, the
 * first target column at feature `offset`) with out-of-fold values: each row's category
 * encoded from the rows of the other folds, shrunk towards the mean of all rows.
 */
export function writeOutOfFoldTargets(fit: TargetFit, y: EncodedLabel, weight: Float32Array | undefined, task: Task, fold: Uint8Array, out: Float32Array, offset: number): void {
  const n = y.values.length;
  const outputs = Math.max(1, fit.target.outputs.length);
  const { slots, all } = fit;
  const nSlots = all.counts.length;
  // Shrunk towards the mean of all rows, not of the other folds: a category seen in no other fold
  // then gets the same value in every fold (the other folds' mean would be lower where the
  // fold's own labels are higher, a signal a tree finds on small tables; cars' names lost 0.009 r2).
  const prior = overall(all.sums, all.counts, outputs);
  for (let f = 0; f < TARGET_FOLDS; f++) {
    const held = accumulate(slots, y.values, weight, outputs, nSlots, task, fold, f);
    const sums = all.sums.map((v, i) => v - held.sums[i]);
    const counts = all.counts.map((v, i) => v - held.counts[i]);
    const { means } = smoothed(sums, counts, outputs, prior);
    for (let r = 0; r < n; r++) {
      if (fold[r] !== f) continue;
      const m = means[slots[r]];
      for (let o = 0; o < outputs; o++) out[(offset + o) * n + r] = m[o];
    }
  }
}
