import type { Task } from '../types';

/**
 * The names, directions and one-line docs of every metric Weir reports, spelled as Azure
 * AutoML spells them so a pipeline file from the article works unchanged. The editor uses
 * `metricDocs` for hover text and `primaryMetrics` for completion and validation.
 */

export const classificationMetricNames = [
  'AUC_macro',
  'AUC_micro',
  'AUC_weighted',
  'accuracy',
  'balanced_accuracy',
  'average_precision_score_macro',
  'average_precision_score_micro',
  'average_precision_score_weighted',
  'f1_score_macro',
  'f1_score_micro',
  'f1_score_weighted',
  'precision_score_macro',
  'precision_score_micro',
  'precision_score_weighted',
  'recall_score_macro',
  'recall_score_micro',
  'recall_score_weighted',
  'log_loss',
  'norm_macro_recall',
  'matthews_correlation',
  'weighted_accuracy',
] as const;

export const regressionMetricNames = [
  'r2_score',
  'explained_variance',
  'spearman_correlation',
  'mean_absolute_error',
  'median_absolute_error',
  'root_mean_squared_error',
  'root_mean_squared_log_error',
  'mean_absolute_percentage_error',
  'normalized_mean_absolute_error',
  'normalized_median_absolute_error',
  'normalized_root_mean_squared_error',
  'normalized_root_mean_squared_log_error',
] as const;

export type ClassificationMetricName = (typeof classificationMetricNames)[number];
export type RegressionMetricName = (typeof regressionMetricNames)[number];
export type MetricName = ClassificationMetricName | RegressionMetricName;

/** Every metric computed for a task. Forecasting reports the regression metrics. */
export function metricNamesFor(task: Task): readonly MetricName[] {
  return task === 'classification' ? classificationMetricNames : regressionMetricNames;
}

/** Azure's allowed `primary_metric` values per task (others are rejected with this list). */
export const primaryMetrics: Record<Task, readonly MetricName[]> = {
  classification: ['accuracy', 'AUC_weighted', 'average_precision_score_weighted', 'norm_macro_recall', 'precision_score_weighted'],
  regression: ['spearman_correlation', 'normalized_root_mean_squared_error', 'r2_score', 'normalized_mean_absolute_error'],
  forecasting: ['normalized_root_mean_squared_error', 'r2_score', 'normalized_mean_absolute_error', 'spearman_correlation'],
};

/** Azure's default primary metric per task when the setting is absent. */
export const defaultPrimaryMetric: Record<Task, MetricName> = {
  classification: 'accuracy',
  regression: 'normalized_root_mean_squared_error',
  forecasting: 'normalized_root_mean_squared_error',
};

const lowerIsBetter = new Set<string>([
  'log_loss',
  'mean_absolute_error',
  'median_absolute_error',
  'root_mean_squared_error',
  'root_mean_squared_log_error',
  'mean_absolute_percentage_error',
  'normalized_mean_absolute_error',
  'normalized_median_absolute_error',
  'normalized_root_mean_squared_error',
  'normalized_root_mean_squared_log_error',
]);

/** True when a larger value of the metric means a better model. */
export function isHigherBetter(metric: string): boolean {
  return !lowerIsBetter.has(metric);
}

/** True when `metric` is one of Weir's (Azure's) metric names. */
export function isMetricName(metric: string): metric is MetricName {
  return Object.prototype.hasOwnProperty.call(metricDocs, metric);
}

/** One line per metric, shown on hover in the editor and in `docs/automl-parts.md`. */
export const metricDocs: Record<MetricName, string> = {
  AUC_macro: 'Area under the ROC curve, one class against the rest, averaged over classes with equal weight.',
  AUC_micro: 'Area under the ROC curve of all classes pooled (every row × class pair as one binary decision).',
  AUC_weighted: 'Area under the ROC curve, one class against the rest, averaged with each class weighted by its number of true rows.',
  accuracy: 'Share of rows whose predicted class (the most probable one) equals the true class.',
  balanced_accuracy: 'Mean of the recall of each class (the arithmetic mean of per-class accuracy).',
  average_precision_score_macro: 'Average precision (area under the precision-recall curve as a step sum), one class against the rest, averaged over classes.',
  average_precision_score_micro: 'Average precision of all classes pooled (every row × class pair as one binary decision).',
  average_precision_score_weighted: 'Average precision per class, averaged with each class weighted by its number of true rows.',
  f1_score_macro: 'Harmonic mean of precision and recall per class, averaged over classes with equal weight.',
  f1_score_micro: 'F1 from the pooled true positives, false positives and false negatives of all classes (equals accuracy for single-label data).',
  f1_score_weighted: 'F1 per class, averaged with each class weighted by its number of true rows.',
  precision_score_macro: 'Precision (true positives / predicted positives) per class, averaged over classes with equal weight.',
  precision_score_micro: 'Precision from the pooled counts of all classes (equals accuracy for single-label data).',
  precision_score_weighted: 'Precision per class, averaged with each class weighted by its number of true rows.',
  recall_score_macro: 'Recall (true positives / actual positives) per class, averaged over classes with equal weight.',
  recall_score_micro: 'Recall from the pooled counts of all classes (equals accuracy for single-label data).',
  recall_score_weighted: 'Recall per class, averaged with each class weighted by its number of true rows.',
  log_loss: 'Negative mean log-likelihood of the true class under the predicted probabilities (probabilities clipped to [1e-15, 1 − 1e-15]).',
  norm_macro_recall: 'Macro recall rescaled so random guessing scores 0 and a perfect model 1: (recall_macro − R) / (1 − R), R = 1/classes (0.5 for binary), floored at 0.',
  matthews_correlation: 'Matthews correlation coefficient: the correlation between true and predicted classes, from −1 to 1, robust to class imbalance.',
  weighted_accuracy: 'Accuracy where each row is weighted by the number of rows of its true class.',
  r2_score: 'Coefficient of determination: 1 − residual sum of squares / total sum of squares, clipped at −1 as Azure reports it.',
  explained_variance: 'Share of the label variance explained by the model: 1 − Var(y − ŷ) / Var(y).',
  spearman_correlation: 'Spearman rank correlation between true values and predictions (Pearson correlation of the average ranks).',
  mean_absolute_error: 'Mean of |y − ŷ|.',
  median_absolute_error: 'Median of |y − ŷ|.',
  root_mean_squared_error: 'Square root of the mean of (y − ŷ)².',
  root_mean_squared_log_error: 'Square root of the mean of (log(1 + y) − log(1 + ŷ))²; undefined (NaN) when a true value is negative; negative predictions count as 0.',
  mean_absolute_percentage_error: 'Mean of |y − ŷ| / |y| in percent, over the rows whose true value is not 0.',
  normalized_mean_absolute_error: 'Mean absolute error divided by the range of the label (max − min).',
  normalized_median_absolute_error: 'Median absolute error divided by the range of the label (max − min).',
  normalized_root_mean_squared_error: 'Root mean squared error divided by the range of the label (max − min).',
  normalized_root_mean_squared_log_error: 'Root mean squared log error divided by the range of log(1 + label).',
};
