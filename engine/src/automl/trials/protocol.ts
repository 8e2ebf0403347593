import type { FeatureMatrix } from '../../gbdt/api';
import type { ExplainPart } from '../../explain/explainBatches';
import type { ModelArtifact } from '../model/modelArtifact';
import type { Task } from '../types';

/**
 * Messages between the search (main thread) and a trial worker. The data goes over once,
 * at `init`, as SharedArrayBuffers: every worker reads the same feature matrix and folds
 * without a copy per trial.
 */
export interface SharedTrialData {
  task: Task;
  numClasses?: number;
  rows: number;
  cols: number;
  /** Column-major Float32 feature matrix (NaN = missing). */
  X: SharedArrayBuffer;
  featureNames: string[];
  featureTypes?: string[];
  /** Float32 label: class index or value. */
  y: SharedArrayBuffer;
  /** Float32 sample weights. */
  weight?: SharedArrayBuffer;
  /** Per fold, Uint32 row indices. */
  folds: { train: SharedArrayBuffer; valid: SharedArrayBuffer }[];
  /**
   * Per fold, its rows already gathered (column-major Float32 matrices of its training and
   * validation rows, the training rows' labels and weights), read by every worker instead of
   * each gathering its own copy (`TrialPool` adds them; see `gatherFolds`).
   */
  foldMatrices?: { train: SharedArrayBuffer; yTrain: SharedArrayBuffer; wTrain?: SharedArrayBuffer; valid: SharedArrayBuffer }[];
}

export interface TrialRequest {
  iteration: number;
  family: string;
  params: Record<string, number | string>;
  seed: number;
  /** Only these folds (a fold-parallel trial's share on one worker); all folds when absent. */
  folds?: number[];
}

/**
 * `states` asks for the fold models of the trial that just finished. The worker keeps its
 * last trial's models until the next trial starts, and the main thread asks only for trials
 * that rank among the best so far — most trials' models never cross the thread boundary.
 */
export type WorkerRequest =
  /**
   * `cancel`: one shared Int32 cell per worker. The pool writes a run's `token` into it to stop
   * that run; the fits read it between their units of work (see `FitArgs.signal`) and the
   * worker answers `canceled`, ready for the next trial.
   */
  | { type: 'init'; data: SharedTrialData; cancel?: SharedArrayBuffer }
  /** `token`: this run's number on its worker (increasing), what the pool writes into `cancel` to stop it. */
  | { type: 'run'; request: TrialRequest; token?: number }
  | { type: 'states'; iteration: number }
  /** Explain batches of a model's rows (explain/explainBatches.ts), claimed from the shared `next` counter; needs no `init`. */
  | { type: 'explain'; artifact: ModelArtifact; X: FeatureMatrix; batches: number; next: Int32Array; deadlineEpoch?: number };

export type WorkerReply =
  | { type: 'ready'; iteration: -1 }
  | { type: 'explained'; iteration: -1; parts: ExplainPart[] }
  | {
      type: 'done';
      iteration: number;
      /** Out-of-fold predictions, folds' validation rows in fold order; `width` values per row. */
      oof: Float64Array;
      width: number;
      foldMs: number[];
      importances?: Record<string, number>;
    }
  /** A fold of the running trial is done (fitted and predicted) after `ms`: the pool projects the trial's time from it. */
  | { type: 'fold'; iteration: number; ms: number }
  | { type: 'states'; iteration: number; states: unknown[] }
  | { type: 'failed'; iteration: number; error: string }
  /** The run was stopped by its `cancel` token and the worker is free again. */
  | { type: 'canceled'; iteration: number };
