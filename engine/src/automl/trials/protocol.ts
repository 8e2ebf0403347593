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
}

export interface TrialRequest {
  iteration: number;
  family: string;
  params: Record<string, number | string>;
  seed: number;
  /** Whether to send the fitted fold models back (only trials that may end up in the model). */
  keepModels: boolean;
}

export type WorkerRequest = { type: 'init'; data: SharedTrialData } | { type: 'run'; request: TrialRequest };

export type WorkerReply =
  | { type: 'ready'; iteration: -1 }
  | {
      type: 'done';
      iteration: number;
      /** Out-of-fold predictions, folds' validation rows in fold order; `width` values per row. */
      oof: Float64Array;
      width: number;
      foldMs: number[];
      /** One model state per fold (empty unless `keepModels`). */
      states: unknown[];
      importances?: Record<string, number>;
    }
  | { type: 'failed'; iteration: number; error: string };
