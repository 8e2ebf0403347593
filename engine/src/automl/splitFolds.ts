import { WeirError } from '../errors';
import { Random } from './search/random';

/**
 * Train/validation splits for the trials. Every trial of a run uses the same folds, so
 * their out-of-fold predictions line up row by row and the ensembles can combine them.
 * All splits are deterministic for a seed.
 */
export interface Fold {
  /** Row indices the model is fitted on. */
  train: Uint32Array;
  /** Row indices it is scored on. */
  valid: Uint32Array;
}

/**
 * Stratified k-fold for classification: each class's rows are shuffled and dealt round
 * robin over the folds, so every fold has the class mix of the whole table.
 */
export function stratifiedKFold(classIndex: ArrayLike<number>, k: number, seed: number): Fold[] {
  const rows = classIndex.length;
  checkFoldCount(rows, k);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < rows; i++) {
    const c = classIndex[i];
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  const rng = new Random(seed);
  const foldOf = new Int32Array(rows);
  let next = 0;
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const list = rng.shuffle(byClass.get(c)!);
    for (const i of list) {
      foldOf[i] = next;
      next = (next + 1) % k;
    }
  }
  return foldsFromAssignment(foldOf, k);
}

/** Plain shuffled k-fold, for regression. */
export function kFold(rows: number, k: number, seed: number): Fold[] {
  checkFoldCount(rows, k);
  const order = new Random(seed).shuffle(Array.from({ length: rows }, (_, i) => i));
  const foldOf = new Int32Array(rows);
  order.forEach((row, position) => (foldOf[row] = position % k));
  return foldsFromAssignment(foldOf, k);
}

/**
 * One shuffled holdout split (stratified when class indices are given): `fraction` of the
 * rows become the validation set.
 */
export function holdoutSplit(rows: number, fraction: number, seed: number, classIndex?: ArrayLike<number>): Fold[] {
  const rng = new Random(seed);
  const isValid = new Uint8Array(rows);
  const groups: number[][] = [];
  if (classIndex) {
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < rows; i++) {
      let list = byClass.get(classIndex[i]);
      if (!list) byClass.set(classIndex[i], (list = []));
      list.push(i);
    }
    for (const c of [...byClass.keys()].sort((a, b) => a - b)) groups.push(byClass.get(c)!);
  } else {
    groups.push(Array.from({ length: rows }, (_, i) => i));
  }
  for (const group of groups) {
    rng.shuffle(group);
    const take = Math.round(group.length * fraction);
    for (let j = 0; j < take; j++) isValid[group[j]] = 1;
  }
  const valid: number[] = [];
  const train: number[] = [];
  for (let i = 0; i < rows; i++) (isValid[i] ? valid : train).push(i);
  if (valid.length === 0 || train.length === 0) {
    throw new WeirError('BAD_INPUT', `validation_size ${fraction} leaves ${valid.length === 0 ? 'no validation' : 'no training'} rows out of ${rows}`);
  }
  return [{ train: Uint32Array.from(train), valid: Uint32Array.from(valid) }];
}

/**
 * Azure's `cv_split_column_names`: one column per fold, 1 = training row, 0 = validation row.
 * Rows that are in no fold's validation set get no out-of-fold prediction and are left out
 * of the metrics.
 */
export function customFolds(columns: { name: string; values: ArrayLike<number> }[]): Fold[] {
  return columns.map(({ name, values }) => {
    const train: number[] = [];
    const valid: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === 1) train.push(i);
      else if (v === 0) valid.push(i);
      else throw new WeirError('BAD_INPUT', `cv split column '${name}' must hold only 0 and 1; row ${i + 1} has ${Number.isNaN(v) ? 'null' : v}`);
    }
    if (train.length === 0 || valid.length === 0) throw new WeirError('BAD_INPUT', `cv split column '${name}' marks no ${train.length === 0 ? 'training' : 'validation'} rows`);
    return { train: Uint32Array.from(train), valid: Uint32Array.from(valid) };
  });
}

/**
 * Rolling-origin cross-validation for forecasting. Rows are (origin, target time) pairs.
 * The last `k × step` distinct origins are cut into `k` windows of `step` origins; fold i
 * validates on the rows whose origin falls in window i and trains only on rows whose
 * target time is at or before the window's first origin, so no fold sees its future.
 */
export function rollingOriginFolds(originTime: ArrayLike<number>, targetTime: ArrayLike<number>, k: number, step: number): Fold[] {
  const origins = [...new Set(Array.from(originTime))].sort((a, b) => a - b);
  const need = k * step + 2;
  if (origins.length < need) {
    throw new WeirError('BAD_INPUT', `rolling-origin cross-validation with ${k} folds of ${step} periods needs at least ${need} time points; the data has ${origins.length}`, {
      hint: 'Lower n_cross_validations or forecast_horizon, or give more history.',
    });
  }
  const folds: Fold[] = [];
  for (let i = 0; i < k; i++) {
    const first = origins[origins.length - (k - i) * step];
    const last = origins[origins.length - (k - i) * step + step - 1];
    const train: number[] = [];
    const valid: number[] = [];
    for (let r = 0; r < originTime.length; r++) {
      if (originTime[r] >= first && originTime[r] <= last) valid.push(r);
      else if (targetTime[r] <= first) train.push(r);
    }
    folds.push({ train: Uint32Array.from(train), valid: Uint32Array.from(valid) });
  }
  return folds;
}

function checkFoldCount(rows: number, k: number): void {
  if (rows < k * 2) {
    throw new WeirError('BAD_INPUT', `${k}-fold cross-validation needs at least ${k * 2} rows; the training data has ${rows}`, {
      hint: 'Lower n_cross_validations or give more rows.',
    });
  }
}

function foldsFromAssignment(foldOf: Int32Array, k: number): Fold[] {
  const counts = new Int32Array(k);
  for (const f of foldOf) counts[f]++;
  const valid = Array.from({ length: k }, (_, f) => new Uint32Array(counts[f]));
  const train = Array.from({ length: k }, (_, f) => new Uint32Array(foldOf.length - counts[f]));
  const vPos = new Int32Array(k);
  const tPos = new Int32Array(k);
  for (let i = 0; i < foldOf.length; i++) {
    const fi = foldOf[i];
    for (let f = 0; f < k; f++) {
      if (f === fi) valid[f][vPos[f]++] = i;
      else train[f][tPos[f]++] = i;
    }
  }
  return valid.map((v, f) => ({ train: train[f], valid: v }));
}
