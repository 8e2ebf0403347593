import type { FeatureMatrix } from '../../gbdt/api';
import { restoreModel } from '../families';
import type { FittedModel } from '../types';

/**
 * The estimator part of a model artifact, as plain JSON, and how it predicts.
 *
 * A trial's model is its fold models, bagged: with cross-validation the k models fitted on
 * the folds are averaged (each saw (k−1)/k of the data, and together they saw all of it),
 * so no refit is needed after the search and the artifact predicts exactly as the
 * out-of-fold scores promise. With a holdout there is one model.
 */
export interface BaggedModelSpec {
  algorithm: string;
  iteration: number;
  hyperparameters: Record<string, number | string>;
  states: unknown[];
}

export type EstimatorSpec =
  | { type: 'single'; model: BaggedModelSpec }
  | { type: 'voting'; members: { weight: number; model: BaggedModelSpec }[] }
  | { type: 'stack'; base: BaggedModelSpec[]; meta: { algorithm: string; state: unknown }; width: number }
  /**
   * Forecasting baselines, in the relative terms forecasting models predict (change since
   * the origin): Naive predicts no change; SeasonalNaive the `seasonal` feature (the value a
   * whole season back, relative to the origin), or no change where that is unknown.
   */
  | { type: 'baseline'; algorithm: 'Naive' | 'SeasonalNaive'; feature?: string };

/** A restored estimator: predictions are rows × width (probabilities for classification). */
export interface Estimator {
  width: number;
  predict(X: FeatureMatrix): Float64Array;
  dispose(): void;
}

/**
 * Predictions of bagged models on one feature matrix, by trial iteration: estimators that
 * predict the same matrix and share members (the test set's chosen model, VotingEnsemble and
 * StackEnsemble draw on the same trials) restore and predict each member once. Only for one X.
 */
export type MemberPredictions = Map<number, Float64Array>;

export function restoreEstimator(spec: EstimatorSpec, width: number, shared?: MemberPredictions): Estimator {
  if (spec.type === 'single') return restoreBagged(spec.model, width, shared);
  if (spec.type === 'baseline') {
    return {
      width: 1,
      predict(X) {
        return baselinePrediction(X, spec.feature);
      },
      dispose: () => undefined,
    };
  }
  if (spec.type === 'voting') {
    const members = spec.members.map((m) => ({ weight: m.weight, est: restoreBagged(m.model, width, shared) }));
    const total = members.reduce((a, m) => a + m.weight, 0) || 1;
    return {
      width,
      predict(X) {
        const out = new Float64Array(X.rows * width);
        for (const m of members) {
          const p = m.est.predict(X);
          const w = m.weight / total;
          for (let j = 0; j < out.length; j++) out[j] += w * p[j];
        }
        return out;
      },
      dispose: () => members.forEach((m) => m.est.dispose()),
    };
  }
  const base = spec.base.map((b) => restoreBagged(b, width, shared));
  const meta = restoreModel(spec.meta.algorithm, spec.meta.state);
  return {
    width,
    predict(X) {
      const features = stackFeatures(base.map((b) => b.predict(X)), width, X.rows);
      return meta.predict(features);
    },
    dispose: () => {
      base.forEach((b) => b.dispose());
      meta.dispose?.();
    },
  };
}

function restoreBagged(spec: BaggedModelSpec, width: number, shared?: MemberPredictions): Estimator {
  // Restored on first use, so a member whose predictions are shared is never restored twice.
  let models: FittedModel[] | undefined;
  return {
    width,
    predict(X) {
      const known = shared?.get(spec.iteration);
      if (known) return known;
      models ??= spec.states.map((s) => restoreModel(spec.algorithm, s));
      const out = new Float64Array(X.rows * width);
      for (const m of models) {
        const p = m.predict(X);
        for (let j = 0; j < out.length; j++) out[j] += p[j] / models.length;
      }
      shared?.set(spec.iteration, out);
      return out;
    },
    dispose: () => models?.forEach((m) => m.dispose?.()),
  };
}

/**
 * The meta-model's inputs: per base model its predicted value (regression), its
 * positive-class probability (binary) or every class probability (multiclass).
 */
export function stackFeatures(preds: Float64Array[], width: number, rows: number): FeatureMatrix {
  const perModel = width === 2 ? 1 : width;
  const cols = preds.length * perModel;
  const values = new Float32Array(rows * cols);
  const featureNames: string[] = [];
  preds.forEach((p, m) => {
    for (let c = 0; c < perModel; c++) {
      const source = width === 2 ? 1 : c;
      const col = m * perModel + c;
      featureNames.push(`model${m}_${width === 1 ? 'pred' : `p${source}`}`);
      for (let i = 0; i < rows; i++) values[col * rows + i] = p[i * width + source];
    }
  });
  return { rows, cols, values, featureNames };
}

/** A baseline's relative prediction: a feature column with unknown values as no change, or no change everywhere. */
export function baselinePrediction(X: FeatureMatrix, feature: string | undefined): Float64Array {
  const out = new Float64Array(X.rows);
  if (!feature) return out;
  const j = (X.featureNames ?? []).indexOf(feature);
  if (j < 0) throw new Error(`baseline feature '${feature}' is missing from the forecast features`);
  for (let i = 0; i < X.rows; i++) {
    const v = X.values[j * X.rows + i];
    out[i] = Number.isFinite(v) ? v : 0;
  }
  return out;
}
