import type { FeatureMatrix } from '../../gbdt/api';
import type { EncodedLabel, Guardrail, Task } from '../types';
import { type LeakageSource, targetLeakageGuardrail } from './targetLeakage';

/**
 * Azure's imbalance rule: it handles imbalance "up to 20:1" and flags a dataset whose
 * smallest class is under 5% of the largest ("In AutoML we use 5% minority class as
 * threshold", Microsoft Q&A 40727; concept-manage-ml-pitfalls). Weir alerts when the
 * smallest class has fewer than 1/20 of the rows of the largest.
 */
export const IMBALANCE_RATIO = 1 / 20;

/** Classification labels with fewer rows per class than this on average are alerted. */
export const MIN_ROWS_PER_CLASS = 10;

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

/**
 * Rows per class (Weir addition, classification only, listed only when it alerts): a label
 * with about as many classes as rows (1,000 classes in 2,000 rows) cannot be learned, and
 * its classes cannot be validated; it is often a numeric or ID column given as the label of
 * a classification task. Alerted when the classes average fewer than 10 rows, or when more
 * than half of them have fewer than 3 rows.
 */
export function rowsPerClassGuardrail(y: EncodedLabel): Guardrail | undefined {
  const k = y.classes?.length ?? 0;
  if (k < 2) return undefined;
  const counts = new Int32Array(k);
  for (const v of y.values) counts[v]++;
  const rows = y.values.length;
  const tiny = counts.filter((c) => c < 3).length;
  const mean = rows / k;
  if (mean >= MIN_ROWS_PER_CLASS && tiny * 2 <= k) return undefined;
  return {
    name: 'Rows per class detection',
    status: 'Alerted',
    description:
      `The label has ${k} classes in ${rows} rows (${mean.toFixed(1)} rows per class on average; ${tiny} class${tiny === 1 ? ' has' : 'es have'} fewer than 3 rows). ` +
      'A model cannot learn a class from so few examples, and classes with fewer rows than folds cannot be validated. ' +
      'If the label is a number, use task: regression; otherwise group rare classes in the data preparation step, or provide more rows per class.',
    details: [{ classes: k, rows, meanRowsPerClass: mean, classesUnder3Rows: tiny }],
  };
}

/**
 * Label spelling (Weir addition, classification only, listed only when it alerts): class values
 * that differ only by surrounding spaces or letter case (`Yes` and `Yes `, `no` and `No`) are
 * learned as different classes, which is almost never meant: a file typed by hand or joined from
 * two sources. The values are kept as written (predictions must match the user's labels), so the
 * guardrail names them and the fix.
 */
export function labelSpellingGuardrail(y: EncodedLabel, label?: string): Guardrail | undefined {
  const classes = y.classes ?? [];
  if (classes.length < 2) return undefined;
  const counts = new Int32Array(classes.length);
  for (const v of y.values) counts[v]++;
  const groups = new Map<string, number[]>();
  classes.forEach((name, c) => {
    const key = String(name).trim().toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), c]);
  });
  const clashes = [...groups.values()].filter((g) => g.length > 1);
  if (!clashes.length) return undefined;
  const quote = (c: number) => `'${String(classes[c])}' (${counts[c]} rows)`;
  const named = clashes.slice(0, 3).map((g) => g.map(quote).join(' and ')).join('; ');
  const more = clashes.length > 3 ? `; and ${clashes.length - 3} more` : '';
  const column = label ? `'${label}'` : 'the label';
  return {
    name: 'Label spelling detection',
    status: 'Alerted',
    description:
      `Values of ${column} differ only by spaces or letter case, and each is learned as its own class (${classes.length} classes): ${named}${more}. ` +
      `If they mean the same class, normalize them in the data preparation step (e.g. SELECT * REPLACE (trim(${label ? `"${label}"` : 'label'}) AS ${label ? `"${label}"` : 'label'})) or fix the source file.`,
    details: clashes.map((g) => ({ values: g.map((c) => String(classes[c])), rows: g.map((c) => counts[c]) })),
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
 * Every data guardrail in the order Azure's studio lists them (validation split, class
 * balancing, missing values, high cardinality), then Weir's target-leakage check. Weir's
 * rows-per-class and label-spelling checks follow class balancing when they alert. With `source` (the raw
 * input columns) leakage is judged per input column, else per feature.
 */
export function dataGuardrails(args: {
  task: Task;
  X: FeatureMatrix;
  y: EncodedLabel;
  /** The label column's name, for messages. */
  label?: string;
  weight?: Float32Array;
  featurization: Guardrail[];
  validation: ValidationPlan;
  source?: LeakageSource;
}): Guardrail[] {
  const rowsPerClass = args.task === 'classification' ? rowsPerClassGuardrail(args.y) : undefined;
  const spelling = args.task === 'classification' ? labelSpellingGuardrail(args.y, args.label) : undefined;
  return [
    validationSplitGuardrail(args.validation),
    ...(args.task === 'classification' ? [classBalancingGuardrail(args.y, args.weight)] : []),
    ...(rowsPerClass ? [rowsPerClass] : []),
    ...(spelling ? [spelling] : []),
    ...args.featurization,
    targetLeakageGuardrail(args.X, args.y, args.task, args.source),
  ];
}
