import type { FeatureMatrix } from '../gbdt/api';
import type { ModelArtifact } from '../automl/model/modelArtifact';
import { explainFeatures, type ModelExplanation } from './explainModel';

/**
 * Explaining rows in batches, from one thread or several. Batch b of B holds the row
 * positions ≡ b mod B, so any set of batches is an evenly spaced subset of the rows. Threads
 * claim batches from one shared counter (work stealing: a thread that starts late or runs
 * slower takes fewer), and each checks the clock before claiming. Rows are explained
 * independently, so which thread explained a batch changes no value.
 */
export interface ExplainJob {
  artifact: ModelArtifact;
  X: FeatureMatrix;
  batches: number;
  /** One Int32 on a SharedArrayBuffer: the next batch to claim. */
  next: Int32Array;
  /** Stop claiming once `now()` reaches this (ms on the job's clock). */
  deadline?: number;
}

export interface ExplainPart {
  at: Uint32Array;
  e: ModelExplanation;
}

/** The positions of batch `b` of `batches` over `rows` rows. */
export function batchPositions(rows: number, batches: number, b: number): Uint32Array {
  return Uint32Array.from({ length: Math.ceil((rows - b) / batches) }, (_, k) => b + k * batches);
}

/** Claims and explains batches until none is left or the deadline has passed. */
export function explainClaimed(job: ExplainJob, now: () => number): ExplainPart[] {
  const parts: ExplainPart[] = [];
  for (;;) {
    if (job.deadline !== undefined && now() >= job.deadline) break;
    const b = Atomics.add(job.next, 0, 1);
    if (b >= job.batches) break;
    const at = batchPositions(job.X.rows, job.batches, b);
    parts.push({ at, e: explainFeatures(job.artifact, pickMatrixRows(job.X, at)) });
  }
  return parts;
}

/** A new claim counter at batch 0. */
export function claimCounter(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

/** One explanation of the positions the parts cover (sorted), from parts in any order. */
export function mergeParts(X: FeatureMatrix, parts: ExplainPart[]): { e: ModelExplanation; covered: Uint32Array } {
  if (parts.length === 1 && parts[0].at.length === X.rows) return { e: parts[0].e, covered: parts[0].at };
  const first = parts[0].e;
  const covered = Uint32Array.from(parts.flatMap((p) => Array.from(p.at))).sort();
  const slot = new Map<number, number>(Array.from(covered, (pos, i) => [pos, i]));
  const width = first.outputs.length;
  const gather = (pick: (e: ModelExplanation) => Float64Array, per: number): Float64Array => {
    const out = new Float64Array(covered.length * width * per);
    for (const p of parts) {
      const values = pick(p.e);
      p.at.forEach((pos, k) => out.set(values.subarray(k * width * per, (k + 1) * width * per), slot.get(pos)! * width * per));
    }
    return out;
  };
  return {
    e: { ...first, rows: covered.length, engineered: gather((x) => x.engineered, first.engineeredFeatures.length), raw: gather((x) => x.raw, first.rawColumns.length), X: pickMatrixRows(X, covered) },
    covered,
  };
}

export function pickMatrixRows(X: FeatureMatrix, rows: Uint32Array): FeatureMatrix {
  const values = new Float32Array(rows.length * X.cols);
  for (let j = 0; j < X.cols; j++) for (let i = 0; i < rows.length; i++) values[j * rows.length + i] = X.values[j * X.rows + rows[i]];
  return { rows: rows.length, cols: X.cols, values, featureNames: X.featureNames, featureTypes: X.featureTypes };
}
