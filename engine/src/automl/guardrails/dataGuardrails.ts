import type { FeatureMatrix } from '../../gbdt/api';
import { binarySweep, rocAuc } from '../metrics/binaryCurve';
import { pearson, spearman } from '../metrics/regressionMetrics';
import type { EncodedLabel, Guardrail, Task } from '../types';

/**
 * Azure's imbalance rule: it handles imbalance "up to 20:1" and flags a dataset whose
 * smallest class is under 5% of the largest ("In AutoML we use 5% minority class as
 * threshold", Microsoft Q&A 40727; concept-manage-ml-pitfalls). Weir alerts when the
 * smallest class has fewer than 1/20 of the rows of the largest.
 */
export const IMBALANCE_RATIO = 1 / 20;

/** A single feature that scores this well on its own is treated as leaking the label. */
export const LEAKAGE_AUC = 0.99;
export const LEAKAGE_ACCURACY = 0.99;
export const LEAKAGE_CORRELATION = 0.99;
/** Leakage is checked on an even sample of at most this many rows (it only needs to see the pattern). */
const LEAKAGE_SAMPLE = 100_000;
/** Per-feature lookup table for the multiclass leakage check: at most this many value bins. */
const LEAKAGE_BINS = 64;

/** Class balancing detection (classification only): Passed, or Alerted with the class counts. */
export function classBalancingGuardrail(y: EncodedLabel, weight?: Float32Array): Guardrail {
  const classes = y.classes ?? [];
  const counts = new Float64Array(classes.length);
  for (let i = 0; i < y.values.length; i++) counts[y.values[i]] += weight ? weight[i] : 1;
  let min = Infinity;
  let max = 0;
  for (const c of counts) {
    min = Math.min(min, c);
    max = Math.max(max, c);
  }
  const ratio = max > 0 ? min / max : 1;
  const details = classes.map((name, c) => ({ class: name, rows: counts[c], share: counts[c] / y.values.length }));
  if (ratio < IMBALANCE_RATIO) {
    return {
      name: 'Class balancing detection',
      status: 'Alerted',
      description: `The classes are imbalanced: the smallest class has ${min} rows, ${(ratio * 100).toFixed(1)}% of the largest (${max}). Consider a metric robust to imbalance (AUC_weighted, norm_macro_recall), a weight column, or more data for the small classes.`,
      details,
    };
  }
  return {
    name: 'Class balancing detection',
    status: 'Passed',
    description: 'The classes are balanced enough: every class has at least 1/20 of the rows of the largest.',
    details,
  };
}

export interface ValidationPlan {
  /** How trials are validated. */
  method: 'cross_validation' | 'holdout' | 'validation_data' | 'cv_split_columns' | 'rolling_origin';
  /** True when Weir chose the method from the data size (the user set nothing). */
  automatic: boolean;
  trainingRows: number;
  folds?: number;
  /** Rows in each validation set (one entry per fold or a single holdout). */
  validationRows: number[];
  /** Classification: rows of the smallest class in the training data. */
  smallestClassRows?: number;
}

/**
 * Validation split handling. Azure reports `Done` when it chose the validation for the
 * user (cross-validation below 20,000 rows, a holdout above) and `Passed` when the user's
 * own setting was applied. Weir adds `Alerted` when the validation sets are too small to
 * trust (fewer than 20 rows in a fold, or fewer rows of a class than folds, so some folds
 * never see it).
 */
export function validationSplitGuardrail(plan: ValidationPlan): Guardrail {
  const name = 'Validation split handling';
  const smallestFold = Math.min(...plan.validationRows);
  const folds = plan.folds ?? plan.validationRows.length;
  const what =
    plan.method === 'cross_validation'
      ? `${folds}-fold cross-validation`
      : plan.method === 'holdout'
        ? `a holdout of ${plan.validationRows[0]} rows`
        : plan.method === 'validation_data'
          ? `the given validation data (${plan.validationRows[0]} rows)`
          : plan.method === 'rolling_origin'
            ? `rolling-origin cross-validation with ${folds} origins`
            : `the given CV split columns (${folds} folds)`;
  const details = [{ method: plan.method, trainingRows: plan.trainingRows, folds, validationRows: plan.validationRows }];
  if (smallestFold < 20 || (plan.smallestClassRows !== undefined && plan.method !== 'holdout' && plan.smallestClassRows < folds)) {
    return {
      name,
      status: 'Alerted',
      description: `Trials are validated with ${what}, but ${smallestFold < 20 ? `a validation set has only ${smallestFold} rows` : `the smallest class has ${plan.smallestClassRows} rows, fewer than the ${folds} folds`}; metrics will be noisy. Provide more data or fewer folds.`,
      details,
    };
  }
  return {
    name,
    status: plan.automatic ? 'Done' : 'Passed',
    description: plan.automatic
      ? `No validation was configured; with ${plan.trainingRows} training rows Weir validates each trial with ${what} (Azure's rule: cross-validation below 20,000 rows, a holdout above).`
      : `Trials are validated with ${what}, as configured.`,
    details,
  };
}

/**
 * Target leakage detection: a feature that alone predicts the label almost perfectly
 * usually carries the answer (an ID sorted by outcome, a post-event field). Binary
 * classification: single-feature ROC AUC ≥ 0.99 (either direction). Multiclass: a lookup
 * of the majority class per value bin reaches 99% accuracy while the majority class alone
 * stays under 90%. Regression: |Pearson| or |Spearman| ≥ 0.99.
 */
export function targetLeakageGuardrail(X: FeatureMatrix, y: EncodedLabel, task: Task): Guardrail {
  const name = 'Target leakage detection';
  const n = X.rows;
  const sample = evenSample(n, LEAKAGE_SAMPLE);
  const ySample = sample.map((i) => y.values[i]);
  const k = y.classes?.length ?? 0;
  const leaks: Record<string, unknown>[] = [];
  for (let j = 0; j < X.cols; j++) {
    const feature = X.featureNames?.[j] ?? `f${j}`;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let s = 0; s < sample.length; s++) {
      const v = X.values[j * n + sample[s]];
      if (Number.isNaN(v)) continue;
      xs.push(v);
      ys.push(ySample[s]);
    }
    if (xs.length < 10) continue;
    if (task === 'classification' && k === 2) {
      const auc = rocAuc(binarySweep(xs.length, (i) => xs[i], (i) => ys[i] === 1));
      const strength = Math.max(auc, 1 - auc);
      if (strength >= LEAKAGE_AUC) leaks.push({ feature, measure: 'single-feature AUC', value: strength });
    } else if (task === 'classification') {
      const { accuracy, baseline } = lookupAccuracy(xs, ys, k);
      if (accuracy >= LEAKAGE_ACCURACY && baseline < 0.9) leaks.push({ feature, measure: 'single-feature accuracy', value: accuracy });
    } else {
      const r = Math.max(Math.abs(pearson(xs, ys)), Math.abs(spearman(xs, ys)));
      if (r >= LEAKAGE_CORRELATION) leaks.push({ feature, measure: '|correlation| with the label', value: r });
    }
  }
  if (leaks.length > 0) {
    return {
      name,
      status: 'Alerted',
      description: `${leaks.length} feature${leaks.length === 1 ? '' : 's'} alone predict${leaks.length === 1 ? 's' : ''} the label almost perfectly, which usually means the label leaked into the data (an outcome recorded after the fact, an ID sorted by label). Check ${leaks.map((l) => l.feature).join(', ')} and drop ${leaks.length === 1 ? 'it' : 'them'} if so.`,
      details: leaks,
    };
  }
  return { name, status: 'Passed', description: 'No single feature predicts the label almost perfectly.' };
}

/** Accuracy of predicting the majority class per value bin, and of the majority class alone. */
function lookupAccuracy(xs: number[], ys: number[], k: number): { accuracy: number; baseline: number } {
  const sorted = [...xs].sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let b = 1; b < LEAKAGE_BINS; b++) {
    const c = sorted[Math.floor((b * sorted.length) / LEAKAGE_BINS)];
    if (cuts.length === 0 || c > cuts[cuts.length - 1]) cuts.push(c);
  }
  const table = new Float64Array((cuts.length + 1) * k);
  const overall = new Float64Array(k);
  for (let i = 0; i < xs.length; i++) {
    let lo = 0;
    let hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cuts[mid] <= xs[i]) lo = mid + 1;
      else hi = mid;
    }
    table[lo * k + ys[i]]++;
    overall[ys[i]]++;
  }
  let correct = 0;
  for (let b = 0; b <= cuts.length; b++) {
    let best = 0;
    for (let c = 0; c < k; c++) best = Math.max(best, table[b * k + c]);
    correct += best;
  }
  return { accuracy: correct / xs.length, baseline: Math.max(...overall) / xs.length };
}

function evenSample(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, s) => Math.floor((s * n) / max));
}

/**
 * Every data guardrail in the order Azure's studio lists them (validation split, class
 * balancing, missing values, high cardinality), then Weir's target-leakage check.
 */
export function dataGuardrails(args: {
  task: Task;
  X: FeatureMatrix;
  y: EncodedLabel;
  weight?: Float32Array;
  featurization: Guardrail[];
  validation: ValidationPlan;
}): Guardrail[] {
  return [
    validationSplitGuardrail(args.validation),
    ...(args.task === 'classification' ? [classBalancingGuardrail(args.y, args.weight)] : []),
    ...args.featurization,
    targetLeakageGuardrail(args.X, args.y, args.task),
  ];
}
