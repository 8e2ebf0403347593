import { WeirError } from '../errors';
import type { FeatureMatrix } from '../gbdt/api';
import { transform } from '../automl/featurize';
import { forecastRows } from '../automl/forecast/forecastFeatures';
import type { ModelArtifact } from '../automl/model/modelArtifact';
import type { ColumnarTable } from '../automl/types';
import { estimatorContributions } from './estimatorShap';
import { identityMap, rawColumnMap, sumToRaw, type RawColumnMap } from './rawColumns';

/**
 * Per-row SHAP values of an AutoML model, for its engineered features and summed back to
 * the user's columns. `engineered` is rows × outputs × engineeredFeatures and `raw` rows ×
 * outputs × rawColumns (row-major); for every row and output, base + Σ values = the
 * model's output (the class probability, or the predicted value).
 */
export interface ModelExplanation {
  rows: number;
  space: 'probability' | 'value';
  /** Classification: the class values; otherwise ['prediction']. */
  outputs: string[];
  base: number[];
  engineeredFeatures: string[];
  rawColumns: string[];
  /** Per engineered feature, the index of its raw column. */
  rawOf: Int32Array;
  engineered: Float64Array;
  raw: Float64Array;
  /** The featurized rows that were explained (column-major), for plots coloured by value. */
  X: FeatureMatrix;
}

/** The model's feature matrix for a table, as predict builds it. */
export function featuresOf(artifact: ModelArtifact, table: ColumnarTable): FeatureMatrix {
  return artifact.forecast ? forecastRows(table, artifact.forecast).X : transform(artifact.featurizer, table);
}

export function rawMapOf(artifact: ModelArtifact, X: FeatureMatrix): RawColumnMap {
  return artifact.forecast ? identityMap(X.featureNames ?? artifact.forecast.featureNames) : rawColumnMap(artifact.featurizer);
}

/** Explains the rows of `table` (it must hold the model's input columns). */
export function explainTable(artifact: ModelArtifact, table: ColumnarTable): ModelExplanation {
  return explainFeatures(artifact, featuresOf(artifact, table));
}

/** Explains already featurized rows (the step's training matrix). */
export function explainFeatures(artifact: ModelArtifact, X: FeatureMatrix): ModelExplanation {
  const width = artifact.task === 'classification' ? (artifact.classes ?? []).length : 1;
  if (artifact.task === 'classification' && width < 2) throw new WeirError('BAD_INPUT', 'explain: the classification model lists no classes');
  const c = estimatorContributions(artifact.estimator, artifact.task, width, X);
  const map = rawMapOf(artifact, X);
  if (map.rawOf.length !== c.features) throw new WeirError('INTERNAL', `explain: ${c.features} features but ${map.rawOf.length} mapped to columns`);
  return {
    rows: c.rows,
    space: artifact.task === 'classification' ? 'probability' : 'value',
    outputs: artifact.task === 'classification' ? [...artifact.classes!] : ['prediction'],
    base: Array.from(c.base),
    engineeredFeatures: [...(X.featureNames ?? Array.from({ length: X.cols }, (_, j) => `f${j}`))],
    rawColumns: map.rawColumns,
    rawOf: map.rawOf,
    engineered: c.values,
    raw: sumToRaw(c.values, c.rows, c.outputs, map),
    X,
  };
}
