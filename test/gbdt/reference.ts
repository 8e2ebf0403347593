import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FeatureMatrix, GbdtParams } from '../../engine/src/gbdt/api';
import { python } from '../helpers/paths';

/** True when Debian's Python (or WEIR_PYTHON) can import xgboost. */
export function hasPythonXGBoost(): boolean {
  try {
    execFileSync(python, ['-c', 'import xgboost'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function writeF32(file: string, values: Float32Array): void {
  writeFileSync(file, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

export function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export interface ReferenceRun {
  /** Native XGBoost's predictions on the test matrix (transformed, row-major). */
  nativePred?: Float32Array;
  /** Python XGBoost's predictions with Weir's saved model. */
  weirModelPred?: Float32Array;
  /** Python XGBoost's pred_contribs with Weir's saved model (rows × groups × (features + 1)), with weirContribs. */
  weirModelContribs?: Float32Array;
  trainSeconds?: number;
  trainCpuSeconds?: number;
  predictSeconds?: number;
  maxRssMb: number;
}

/** The Python script beside this file, also when this file is bundled into bench/.cache. */
function referenceScript(): string {
  const candidates = [path.join(__dirname, 'xgboostReference.py'), path.join(process.cwd(), 'test', 'gbdt', 'xgboostReference.py')];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

export interface ReferenceJob {
  dir: string;
  train: FeatureMatrix & { label: Float32Array };
  test: FeatureMatrix;
  params: GbdtParams;
  weirModelFile?: string;
  /** Also have Python compute SHAP values (pred_contribs) with Weir's model. */
  weirContribs?: boolean;
  trainNative?: boolean;
  featureNames?: string[];
  /** Where Python should save its own model (XGBoost's JSON), if anywhere. */
  saveNativeModel?: string;
}

/**
 * Trains Python XGBoost (hist, one thread) on the same matrices and/or predicts with a
 * Weir model file, through test/gbdt/xgboostReference.py; all jobs in one Python process.
 */
export function runReferences(jobs: ReferenceJob[]): ReferenceRun[] {
  if (jobs.length === 0) return [];
  const specs = jobs.map((options) => {
    const { dir, train, test } = options;
    writeF32(path.join(dir, 'train_x.bin'), train.values);
    writeF32(path.join(dir, 'train_y.bin'), train.label);
    writeF32(path.join(dir, 'test_x.bin'), test.values);
    const { num_boost_round, early_stopping_rounds: _ignored, eval_metric: _metric, ...xgbParams } = options.params;
    return {
      dir,
      cols: train.cols,
      train: { x: 'train_x.bin', y: 'train_y.bin', rows: train.rows },
      test: { x: 'test_x.bin', rows: test.rows },
      params: xgbParams,
      num_boost_round: num_boost_round ?? 10,
      weir_model: options.weirModelFile,
      weir_contribs: options.weirContribs === true,
      train_native: options.trainNative ?? true,
      feature_names: options.featureNames,
      out: path.join(dir, 'result.json'),
      save_native_model: options.saveNativeModel,
    };
  });
  const jobFile = path.join(jobs[0].dir, 'jobs.json');
  writeFileSync(jobFile, JSON.stringify(specs));
  execFileSync(python, [referenceScript(), jobFile], { stdio: ['ignore', 'ignore', 'inherit'] });
  return specs.map((job) => {
    const result = JSON.parse(readFileSync(job.out, 'utf8')) as { train_seconds?: number; train_cpu_seconds?: number; predict_seconds?: number; max_rss_mb: number };
    return {
      nativePred: job.train_native ? readF32(path.join(job.dir, 'native_pred.bin')) : undefined,
      weirModelPred: job.weir_model ? readF32(path.join(job.dir, 'weir_model_pred.bin')) : undefined,
      weirModelContribs: job.weir_contribs ? readF32(path.join(job.dir, 'weir_model_contribs.bin')) : undefined,
      trainSeconds: result.train_seconds,
      trainCpuSeconds: result.train_cpu_seconds,
      predictSeconds: result.predict_seconds,
      maxRssMb: result.max_rss_mb,
    };
  });
}
