import { WeirError } from '../../errors';
import { classificationCharts, regressionCharts } from '../charts';
import type { ClassificationCharts, RegressionCharts } from '../charts/chartTypes';
import { cellAsNumber, cellAsString, nonNumericLabel, transform } from '../featurize';
import { computeMetrics } from '../metrics';
import { type EstimatorSpec, type MemberPredictions, restoreEstimator } from '../model/estimator';
import type { ModelArtifact, TestSetSummary } from '../model/modelArtifact';
import { Random } from '../search/random';
import type { AutoMLConfig, TestSetPlan } from '../settings';
import type { ColumnarTable, MetricValues } from '../types';

/**
 * Test-set evaluation as Azure AutoML does it: a test table (`test_data`) or a share of the
 * training data held out before the search (`test_data_size`). The search, the folds, the
 * featurizer and the ensembles never see it; after the search the chosen model and each
 * ensemble row are scored on it once, with every metric of the task and the chart data
 * from the test predictions.
 *
 * Scoring goes through the same steps as `loadModel(...).predict` (the stored featurizer's
 * `transform`, then the restored estimator), so `weir model predict` on the test rows gives
 * the same predictions and the same metrics.
 */

/** The test table, once split off or read, with where it came from. */
export interface HeldOutTestSet {
  table: ColumnarTable;
  source: 'test_data' | 'test_data_size';
  /** `test_data_size`: the share of labelled training rows held out. */
  fraction?: number;
  /** `test_data_size`: the held-out rows' indices in the original training table. */
  rows?: Uint32Array;
}

/**
 * Splits the test set off the training table (`test_data_size`) or takes the given test
 * table (`test_data`). Returns the training table the search should use. Checks the test
 * table's label before the search, so a bad test set fails in seconds, not after the budget.
 */
export function holdOutTestSet(config: AutoMLConfig, plan: TestSetPlan | undefined, training: ColumnarTable, testTable?: ColumnarTable): { training: ColumnarTable; test?: HeldOutTestSet } {
  if (!plan) return { training };
  const label = config.label_column_name;
  const labelColumn = training.columns.find((c) => c.name === label);
  // A missing label column is reported by the training-data checks with the column list.
  if (!labelColumn) return { training };
  if (plan.type === 'test_data') {
    if (!testTable) throw new WeirError('BAD_INPUT', `test_data names input '${plan.input}', which the step does not have`);
    const testLabel = testTable.columns.find((c) => c.name === label);
    if (!testLabel) {
      throw new WeirError('BAD_INPUT', `the test data has no label column '${label}' (columns: ${testTable.columns.map((c) => c.name).join(', ')})`);
    }
    if (config.task === 'classification') {
      const known = new Set(distinctKeys(labelColumn, training.rows));
      const unknown = distinctKeys(testLabel, testTable.rows).filter((k) => !known.has(k));
      if (unknown.length) {
        throw new WeirError('BAD_INPUT', `the test data has class${unknown.length === 1 ? '' : 'es'} ${unknown.slice(0, 5).map((k) => `'${k}'`).join(', ')} in '${label}', which the training data lacks`, {
          hint: 'A model cannot be scored on a class it never saw: drop those rows from the test data or add them to the training data.',
        });
      }
    }
    if (labelledRows(testLabel, testTable.rows, config.task).length === 0) throw new WeirError('BAD_INPUT', `the test data has no rows with a label in '${label}'`);
    return { training, test: { table: testTable, source: 'test_data' } };
  }
  const rows = splitTestRows(training, label, config.task, plan.fraction, config.seed ?? 0);
  const isTest = new Uint8Array(training.rows);
  for (const r of rows) isTest[r] = 1;
  const trainRows: number[] = [];
  for (let i = 0; i < training.rows; i++) if (!isTest[i]) trainRows.push(i);
  return {
    training: selectRows(training, Uint32Array.from(trainRows)),
    test: { table: selectRows(training, rows), source: 'test_data_size', fraction: plan.fraction, rows },
  };
}

/**
 * The rows `test_data_size` holds out, in table order: a seeded shuffle of the labelled
 * rows, per class for classification (each class gives round(fraction × its rows), so a
 * class with one or two rows stays in training), of all labelled rows for regression. Rows
 * without a label stay in the training table (where they are left out anyway).
 */
export function splitTestRows(table: ColumnarTable, label: string, task: AutoMLConfig['task'], fraction: number, seed: number): Uint32Array {
  const column = table.columns.find((c) => c.name === label);
  if (!column) throw new WeirError('BAD_INPUT', `label_column_name '${label}' is not in the training data`);
  if (task !== 'classification') {
    const notNumeric = nonNumericLabel(column, task, table.rows);
    if (notNumeric) throw notNumeric;
  }
  const labelled = labelledRows(column, table.rows, task);
  const groups = new Map<string, number[]>();
  for (const i of labelled) {
    const key = task === 'classification' ? cellAsString(column, i)! : '';
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(i);
  }
  // Its own stream, so the test split and a `validation_size` holdout with the same seed are not the same shuffle.
  const rng = new Random((seed ^ 0x7e57) >>> 0);
  const picked: number[] = [];
  for (const key of [...groups.keys()].sort()) {
    const group = rng.shuffle(groups.get(key)!);
    picked.push(...group.slice(0, Math.round(group.length * fraction)));
  }
  if (picked.length === 0 || picked.length === labelled.length) {
    throw new WeirError('BAD_INPUT', `test_data_size ${fraction} leaves ${picked.length === 0 ? 'no test' : 'no training'} rows out of ${labelled.length} labelled rows`, {
      hint: picked.length === 0 ? 'Raise test_data_size or provide a test table as the test_data input.' : 'Lower test_data_size.',
    });
  }
  return Uint32Array.from(picked.sort((a, b) => a - b));
}

/** One leaderboard row to score: its iteration, algorithm and estimator. */
export interface TestRow {
  iteration: number;
  algorithm: string;
  spec: EstimatorSpec;
}

export interface TestEvaluation {
  summary: TestSetSummary;
  /** Chart data of the chosen model from its test predictions. */
  charts: ClassificationCharts | RegressionCharts;
}

/**
 * Scores the chosen model (`artifact`) and the other given rows once on the test set.
 * Normalized regression metrics divide by the training label's range, as the CV metrics do,
 * so the two are comparable; rows whose label is missing are left out; the weight column
 * weights the metrics when the test table has it.
 */
export function evaluateTestSet(args: {
  artifact: ModelArtifact;
  test: HeldOutTestSet;
  rows: TestRow[];
  weightColumn?: string;
  labelRange?: { min: number; max: number };
}): TestEvaluation {
  const { artifact, test } = args;
  const task = artifact.task;
  if (task === 'forecasting') throw new WeirError('BAD_INPUT', 'test-set evaluation applies to classification and regression');
  const labelColumn = test.table.columns.find((c) => c.name === artifact.labelColumn);
  if (!labelColumn) throw new WeirError('BAD_INPUT', `the test data has no label column '${artifact.labelColumn}'`);
  const kept = Uint32Array.from(labelledRows(labelColumn, test.table.rows, task));
  const table = selectRows(test.table, kept);
  const numClasses = artifact.classes?.length;
  let yTrue: Float64Array;
  if (task === 'classification') {
    const index = new Map(artifact.classes!.map((c, i) => [c, i]));
    yTrue = Float64Array.from(kept, (i) => {
      const key = cellAsString(labelColumn, i)!;
      const c = index.get(key);
      if (c === undefined) throw new WeirError('BAD_INPUT', `the test data has class '${key}' in '${artifact.labelColumn}', which the training data lacks`);
      return c;
    });
  } else {
    yTrue = Float64Array.from(kept, (i) => cellAsNumber(labelColumn, i));
  }
  const weightCol = args.weightColumn ? table.columns.find((c) => c.name === args.weightColumn) : undefined;
  const weight = weightCol ? Float64Array.from({ length: table.rows }, (_, i) => cellAsNumber(weightCol, i)) : undefined;
  const X = transform(artifact.featurizer, table);
  const width = task === 'classification' ? numClasses! : 1;
  const members: MemberPredictions = new Map();
  const score = (spec: EstimatorSpec): { pred: Float64Array; metrics: MetricValues } => {
    const estimator = restoreEstimator(spec, width, members);
    try {
      const pred = estimator.predict(X);
      return { pred, metrics: computeMetrics({ task, yTrue, pred, numClasses, weight, labelRange: args.labelRange }) };
    } finally {
      estimator.dispose();
    }
  };
  const best = score(artifact.estimator);
  const byIteration: Record<string, MetricValues> = { [String(artifact.iteration)]: finite(best.metrics) };
  for (const row of args.rows) {
    if (row.iteration === artifact.iteration) continue;
    byIteration[String(row.iteration)] = finite(score(row.spec).metrics);
  }
  const charts =
    task === 'classification'
      ? classificationCharts({ yTrue, proba: best.pred, classes: artifact.classes!, weight: weight ? Float32Array.from(weight) : undefined })
      : regressionCharts({ yTrue, pred: best.pred });
  return {
    summary: {
      source: test.source,
      ...(test.fraction !== undefined ? { fraction: test.fraction } : {}),
      rows: table.rows,
      metrics: finite(best.metrics),
      byIteration,
    },
    charts,
  };
}

/** Metrics as JSON can hold them: NaN (undefined on these rows) left out. */
function finite(m: MetricValues): MetricValues {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => Number.isFinite(v)));
}

function labelledRows(column: ColumnarTable['columns'][number], rows: number, task: AutoMLConfig['task']): number[] {
  const out: number[] = [];
  for (let i = 0; i < rows; i++) {
    if (task === 'classification') {
      const key = cellAsString(column, i);
      if (key !== null && key.trim() !== '') out.push(i);
    } else if (!Number.isNaN(cellAsNumber(column, i))) out.push(i);
  }
  return out;
}

function distinctKeys(column: ColumnarTable['columns'][number], rows: number): string[] {
  const seen = new Set<string>();
  for (let i = 0; i < rows; i++) {
    const key = cellAsString(column, i);
    if (key !== null && key.trim() !== '') seen.add(key);
  }
  return [...seen];
}

/** The given rows of a table (every column). */
export function selectRows(table: ColumnarTable, rows: Uint32Array): ColumnarTable {
  return {
    rows: rows.length,
    columns: table.columns.map((c) =>
      c.type === 'string' ? { ...c, values: Array.from(rows, (i) => c.values[i]) } : { ...c, values: Float64Array.from(rows, (i) => c.values[i]) },
    ) as ColumnarTable['columns'],
  };
}

/** `leaderboard.json` rows with `testMetrics` on the rows scored on the test set. */
export function withTestMetrics<T extends { iteration: number }>(rows: T[], test: TestSetSummary | undefined): (T & { testMetrics?: MetricValues })[] {
  if (!test) return rows;
  return rows.map((r) => (test.byIteration[String(r.iteration)] ? { ...r, testMetrics: test.byIteration[String(r.iteration)] } : r));
}

/** The step log's lines: each scored row's primary metric on the test set beside its CV score. */
export function testSetLogLines(
  test: TestSetSummary,
  best: { iteration: number },
  leaderboard: { iteration: number; algorithm: string; score: number }[],
  primaryMetric: string,
): string[] {
  const fmt = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(4) : 'n/a');
  const lines = [`test set (${test.rows} rows), ${primaryMetric}: validation vs test`];
  for (const row of leaderboard) {
    const m = test.byIteration[String(row.iteration)];
    if (!m) continue;
    lines.push(`  iteration ${String(row.iteration).padStart(4)}  ${row.algorithm.padEnd(18)} ${fmt(row.score)}  test ${fmt(m[primaryMetric])}${row.iteration === best.iteration ? '  (chosen model)' : ''}`);
  }
  return lines;
}
