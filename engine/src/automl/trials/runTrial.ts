import type { FeatureMatrix } from '../../gbdt/api';
import { getFamily } from '../families';
import { gatherRows, gatherValues, throwIfCanceled } from '../families/familyUtils';
import type { CancelSignal, FitArgs, FittedModel, Task } from '../types';
import type { TrialRequest, WorkerReply } from './protocol';

/** Ensembles and tests gather rows the way trials do. */
export { gatherRows };

/** The data a trial sees, as typed arrays (views on shared memory inside a worker). */
export interface TrialData {
  task: Task;
  numClasses?: number;
  X: FeatureMatrix;
  y: Float32Array;
  weight?: Float32Array;
  folds: { train: Uint32Array; valid: Uint32Array }[];
  /** Per fold, its rows gathered once for every worker (see `gatherFolds`); each worker gathers its own without. */
  foldMatrices?: FoldMatrices[];
}

export interface FoldMatrices {
  train: FeatureMatrix;
  yTrain: Float32Array;
  wTrain?: Float32Array;
  valid: FeatureMatrix;
}

/** One fold's rows gathered: a worker's own copy, or (`shared`) the pool's one copy for every worker (`gatherFolds`). */
export function gatherFold(d: { X: FeatureMatrix; y: Float32Array; weight?: Float32Array }, fold: { train: Uint32Array; valid: Uint32Array }, shared = false): FoldMatrices {
  return {
    train: gatherRows(d.X, fold.train, shared),
    yTrain: gatherValues(d.y, fold.train, shared),
    wTrain: d.weight ? gatherValues(d.weight, fold.train, shared) : undefined,
    valid: gatherRows(d.X, fold.valid, shared),
  };
}

/**
 * Runs one trial: fits the family on every fold's training rows (or on the folds the request
 * names: its share of a fold-parallel trial) and predicts their validation rows. Folds are all finished or the trial fails whole; partial out-of-fold
 * predictions are never reported. Fold matrices are gathered once per worker and reused
 * by every later trial. The fitted fold models are returned to the caller, which keeps
 * them until they are asked for or the next trial starts.
 */
export function runTrial(
  data: TrialData,
  request: TrialRequest,
  cache: Map<number, FoldMatrices>,
  /** Called after each fold with its time (fit and predict), so the caller can report progress. */
  onFold?: (ms: number) => void,
  /** Read between folds and by the fits between their units of work: once aborted, the trial throws CANCELED. */
  signal?: CancelSignal,
): { reply: Extract<WorkerReply, { type: 'done' }>; models: FittedModel[] } {
  const family = getFamily(request.family);
  const width = data.task === 'classification' ? data.numClasses ?? 2 : 1;
  const selected = request.folds ?? data.folds.map((_, f) => f);
  const total = selected.reduce((n, f) => n + data.folds[f].valid.length, 0);
  const oof = new Float64Array(total * width);
  const foldMs: number[] = [];
  const models: FittedModel[] = [];
  let importances: Record<string, number> | undefined;
  let offset = 0;
  const matrices = (f: number): FoldMatrices => {
    let m = cache.get(f) ?? data.foldMatrices?.[f];
    if (!m) {
      m = gatherFold(data, data.folds[f]);
      cache.set(f, m);
    }
    return m;
  };
  const fitArgs = (f: number, m: FoldMatrices): FitArgs => ({
    task: data.task,
    X: m.train,
    y: m.yTrain,
    weight: m.wTrain,
    numClasses: data.numClasses,
    params: request.params,
    seed: request.seed + f,
    ...(signal ? { signal } : {}),
  });
  // A staged family (the booster on small regression tables) first fits every fold's held-out
  // stage, then refits each fold with the median of the folds' rounds. Progress is reported
  // after each fold's first stage, so the trial's projection runs low by the refits' share
  // (about half) rather than high; its cap still stops it.
  const picked = new Map<number, { model: FittedModel } | { rounds: number }>();
  const pickMs = new Map<number, number>();
  let medianRounds: number | undefined;
  try {
    if (family.staged && selected.length > 1) {
      for (const f of selected) {
        throwIfCanceled(signal, () => `${request.family} trial after ${picked.size} of ${selected.length} folds' first stage`);
        const started = performance.now();
        const stage = family.staged.pick(fitArgs(f, matrices(f)));
        picked.set(f, stage);
        pickMs.set(f, performance.now() - started);
        onFold?.(pickMs.get(f)!);
      }
      const rounds = [...picked.values()].flatMap((p) => ('rounds' in p ? [p.rounds] : [])).sort((a, b) => a - b);
      if (rounds.length) medianRounds = rounds[(rounds.length - 1) >> 1];
    }
    for (const f of selected) {
      throwIfCanceled(signal, () => `${request.family} trial after ${models.length} of ${selected.length} folds`);
      const fold = data.folds[f];
      const m = matrices(f);
      const started = performance.now();
      const stage = picked.get(f);
      const model = !stage ? family.fit(fitArgs(f, m)) : 'model' in stage ? stage.model : family.staged!.refit(fitArgs(f, m), medianRounds!);
      if (stage) picked.delete(f);
      models.push(model);
      const pred = model.predict(m.valid);
      if (pred.length !== fold.valid.length * width) {
        throw new Error(`${request.family} returned ${pred.length} predictions for ${fold.valid.length} rows × ${width}`);
      }
      oof.set(pred, offset);
      offset += pred.length;
      const imp = model.importances?.();
      if (imp) {
        importances ??= {};
        for (const [k, v] of Object.entries(imp)) importances[k] = (importances[k] ?? 0) + v / data.folds.length;
      }
      foldMs.push(performance.now() - started + (pickMs.get(f) ?? 0));
      if (!pickMs.has(f)) onFold?.(foldMs[foldMs.length - 1]);
    }
  } catch (e) {
    // A failed or stopped trial keeps no models: the ones fitted so far are released here.
    for (const fitted of models) fitted.dispose?.();
    for (const p of picked.values()) if ('model' in p) p.model.dispose?.();
    throw e;
  }
  return { reply: { type: 'done', iteration: request.iteration, oof, width, foldMs, importances }, models };
}
