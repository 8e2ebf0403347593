import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FeatureMatrix } from '../../engine/src/gbdt/api';
import { python } from '../helpers/paths';

/** The Python script beside this file, also when this file is bundled into bench/.cache. */
function script(): string {
  const candidates = [path.join(__dirname, 'xgboostContribs.py'), path.join(process.cwd(), 'test', 'explain', 'xgboostContribs.py')];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export interface XGBoostContribs {
  /** rows × groups × (features + 1), the last entry of each block the bias. */
  contribs: Float32Array;
  margin: Float32Array;
  seconds: number;
  cpuSeconds: number;
}

/** Runs Python XGBoost's `pred_contribs=True` on a Weir model file (see xgboostContribs.py). */
export function xgboostContribs(dir: string, modelFile: string, X: FeatureMatrix, options: { nthread?: number; repeat?: number } = {}): XGBoostContribs {
  const xFile = path.join(dir, 'x.bin');
  writeFileSync(xFile, new Uint8Array(X.values.buffer, X.values.byteOffset, X.values.byteLength));
  const job = path.join(dir, 'contribs-job.json');
  writeFileSync(job, JSON.stringify({ model: modelFile, x: xFile, rows: X.rows, cols: X.cols, out: dir, nthread: options.nthread ?? 1, repeat: options.repeat ?? 1 }));
  execFileSync(python, [script(), job], { stdio: ['ignore', 'ignore', 'inherit'] });
  const timing = JSON.parse(readFileSync(path.join(dir, 'timing.json'), 'utf8')) as { seconds: number; cpu_seconds: number };
  return { contribs: readF32(path.join(dir, 'contribs.bin')), margin: readF32(path.join(dir, 'margin.bin')), seconds: timing.seconds, cpuSeconds: timing.cpu_seconds };
}
