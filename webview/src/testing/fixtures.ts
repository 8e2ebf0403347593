import type { CompareRunData, ModelCardData, PreviewInfo, PreviewPage, PreviewProfile, RunDetailsData, RunRecord, TrialChartsData, TrialRecord } from '../protocol';

/**
 * Fixed protocol messages for the unit tests and the benchmark: a Titanic-like run (input →
 * dataprep → train (AutoML) → register) with as many trials as asked. Values come from a
 * seeded generator so every test run sees the same numbers.
 */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const algorithms = ['XGBoostClassifier', 'LogisticRegression', 'DecisionTree', 'RandomForest', 'ExtremeRandomTrees'];

export function trialsFixture(count: number, seed = 1): TrialRecord[] {
  const random = seeded(seed);
  return Array.from({ length: count }, (_, i): TrialRecord => {
    const ensemble = i >= count - 2 && count > 3;
    const auc = 0.78 + random() * 0.1 + (ensemble ? 0.02 : 0);
    return {
      iteration: i,
      algorithm: ensemble ? (i === count - 1 ? 'StackEnsemble' : 'VotingEnsemble') : algorithms[i % algorithms.length],
      hyperparameters: ensemble ? { members: 5 } : { learning_rate: Number((0.01 + random() * 0.3).toFixed(3)), max_depth: 2 + Math.floor(random() * 8), n_estimators: 10 + Math.floor(random() * 300) },
      status: i === 3 && count > 10 ? 'Failed' : 'Completed',
      metrics: (i === 3 && count > 10
          ? {}
          : { AUC_weighted: auc, accuracy: auc - 0.05 - random() * 0.02, log_loss: 0.6 - (auc - 0.78) * 2, f1_score_weighted: auc - 0.07, norm_macro_recall: auc - 0.25 }) as Record<string, number>,
      startedAt: new Date(Date.UTC(2026, 10, 27, 12, 0, i)).toISOString(),
      durationMs: Math.round(200 + random() * 3000),
      error: i === 3 && count > 10 ? 'trial worker ran out of time' : undefined,
    };
  });
}

export function runFixture(id = 'run-0001-abcdef', status: RunRecord['status'] = 'Completed'): RunRecord {
  const t = (s: number) => new Date(Date.UTC(2026, 10, 27, 12, 0, s)).toISOString();
  return {
    id,
    experiment: 'titanic_automl',
    pipelineName: 'titanic-automl',
    pipelineFile: 'examples/titanic/titanic.pipeline.yaml',
    status,
    createdAt: t(0),
    startedAt: t(0),
    endedAt: status === 'Running' ? undefined : t(42),
    parameters: { model_name: 'TitanicSurvivalInitial' },
    outputs: {},
    steps: [
      {
        name: 'dataprep',
        kind: 'sql',
        status: 'Reused',
        reusedFrom: { runId: 'run-0000-prev', step: 'dataprep' },
        fingerprint: '9f2c4e1ab77c0d5e3f1a2b3c4d5e6f70',
        outputs: { prepped: { hash: 'aa11', kind: 'parquet', path: '.weir/artifacts/aa/aa11/data.parquet', bytes: 20480, rows: 891, schema: [{ name: 'Survived', type: 'BIGINT' }] } },
        metrics: {},
      },
      {
        name: 'train',
        kind: 'automl',
        status: status === 'Running' ? 'Running' : 'Completed',
        startedAt: t(1),
        endedAt: status === 'Running' ? undefined : t(40),
        outputs: status === 'Running' ? {} : { model: { hash: 'bb22', kind: 'model', path: '.weir/artifacts/bb/bb22', bytes: 120000 }, metrics: { hash: 'cc33', kind: 'json', path: '.weir/artifacts/cc/cc33/metrics.json', bytes: 4000 } },
        metrics: { AUC_weighted: 0.8712, accuracy: 0.8215 },
        trialCount: 20,
      },
      { name: 'register', kind: 'register_model', status: status === 'Running' ? 'Queued' : 'Completed', startedAt: t(40), endedAt: t(42), outputs: {}, metrics: {} },
    ],
  };
}

export function runDetailsFixture(trialCount = 20, status: RunRecord['status'] = 'Completed'): RunDetailsData {
  const trials = trialsFixture(trialCount);
  return {
    run: runFixture('run-0001-abcdef', status),
    graph: {
      nodes: [
        { id: 'input:titanic', kind: 'input', label: 'titanic', detail: 'dataset:titanic_ds' },
        { id: 'dataprep', kind: 'step', label: 'dataprep', detail: 'sql' },
        { id: 'train', kind: 'step', label: 'train', detail: 'automl' },
        { id: 'register', kind: 'step', label: 'register', detail: 'register_model' },
      ],
      edges: [
        { from: 'input:titanic', to: 'dataprep' },
        { from: 'dataprep', to: 'train' },
        { from: 'train', to: 'register' },
      ],
    },
    automl: [
      {
        step: 'train',
        task: 'classification',
        primaryMetric: 'AUC_weighted',
        trials,
        bestIteration: trials.reduce((b, t) => ((t.metrics.AUC_weighted ?? -1) > (b.metrics.AUC_weighted ?? -1) ? t : b)).iteration,
        guardrails: [
          { name: 'Validation split handling', status: 'Done', description: '5-fold cross-validation was used.' },
          { name: 'Class balancing detection', status: 'Passed', description: 'Classes are balanced enough.' },
          { name: 'Missing feature values imputation', status: 'Done', description: 'Missing values were imputed.', details: [{ column: 'Age', missing: 177, strategy: 'mean' }] },
          { name: 'High cardinality feature detection', status: 'Alerted', description: 'Name looks like an identifier and was dropped.', details: [{ column: 'Name', distinct: 891 }] },
        ],
        featureImportances: [
          { feature: 'Sex_male', importance: 0.41 },
          { feature: 'Pclass', importance: 0.22 },
          { feature: 'Fare', importance: 0.17 },
          { feature: 'Age', importance: 0.12 },
          { feature: 'SibSp', importance: 0.08 },
        ],
      },
    ],
  };
}

function curve(n: number, f: (x: number) => number): { x: number; y: number }[] {
  return Array.from({ length: n + 1 }, (_, i) => ({ x: i / n, y: f(i / n) }));
}

export function classificationChartsFixture(): TrialChartsData {
  return {
    task: 'classification',
    roc: [
      { name: '0 (AUC 0.871)', points: curve(40, (x) => Math.pow(x, 0.3)) },
      { name: '1 (AUC 0.871)', points: curve(40, (x) => Math.pow(x, 0.32)) },
    ],
    precisionRecall: [{ name: '1 (AP 0.83)', points: curve(40, (x) => 1 - 0.5 * x * x) }],
    calibration: [{ name: '1', points: curve(10, (x) => Math.min(1, x * 1.05)) }],
    lift: [{ name: '1', points: curve(20, (x) => (x === 0 ? 2.5 : Math.max(1, 2.5 - 1.5 * x))) }],
    cumulativeGains: [{ name: '1', points: curve(20, (x) => Math.pow(x, 0.5)) }],
    confusionMatrix: { labels: ['0', '1'], counts: [[480, 69], [90, 252]] },
    featureImportances: [
      { feature: 'Sex_male', importance: 0.41 },
      { feature: 'Pclass', importance: 0.22 },
    ],
  };
}

export function regressionChartsFixture(): TrialChartsData {
  return {
    task: 'regression',
    residuals: Array.from({ length: 10 }, (_, i) => ({ x0: -5 + i, x1: -4 + i, count: 10 + 30 * Math.exp(-((i - 5) ** 2) / 4) })),
    predictedVsTrue: Array.from({ length: 20 }, (_, i) => ({ actual: i, predicted: i * 0.95 + 0.4, lower: i - 1, upper: i + 1, count: 10 })),
  };
}

export function forecastChartsFixture(): TrialChartsData {
  return { task: 'forecasting', forecast: Array.from({ length: 12 }, (_, i) => ({ horizon: i + 1, actual: 400 + i, forecast: 400 + i * 1.1 })) };
}

export function previewInfoFixture(rows = 3_000_000): PreviewInfo {
  return {
    title: 'flights:1',
    rows,
    path: '.weir/artifacts/dd/dd44/data.parquet',
    bytes: 13_493_022,
    schema: [
      { name: 'date', type: 'TIMESTAMP' },
      { name: 'delay', type: 'SMALLINT' },
      { name: 'distance', type: 'SMALLINT' },
      { name: 'origin', type: 'VARCHAR' },
      { name: 'destination', type: 'VARCHAR' },
    ],
  };
}

export function previewPageFixture(offset: number, count: number): PreviewPage {
  return {
    offset,
    count,
    columns: ['date', 'delay', 'distance', 'origin', 'destination'],
    values: [
      Array.from({ length: count }, (_, i) => `2001-01-01 00:${String((offset + i) % 60).padStart(2, '0')}:00`),
      Array.from({ length: count }, (_, i) => ((offset + i) % 97) - 20),
      Array.from({ length: count }, (_, i) => 100 + ((offset + i) * 7) % 2000),
      Array.from({ length: count }, (_, i) => (i % 3 === 0 ? 'LAS' : 'SFO')),
      Array.from({ length: count }, (_, i) => (i % 4 === 0 ? null : 'PHL')),
    ],
  };
}

export function previewProfileFixture(): PreviewProfile {
  return {
    rows: 3_000_000,
    elapsedMs: 1234,
    columns: [
      { name: 'date', type: 'TIMESTAMP', nulls: 0, distinct: 237_580, min: '2001-01-01T00:01:00.000Z', max: '2001-07-01T00:00:00.000Z', mean: null, histogram: [{ x0: 0, x1: 1, count: 5 }, { x0: 1, x1: 2, count: 9 }] },
      { name: 'delay', type: 'SMALLINT', nulls: 0, distinct: 1200, min: -112, max: 1500, mean: 9.3, histogram: Array.from({ length: 10 }, (_, i) => ({ x0: i, x1: i + 1, count: 100 * (10 - i) })) },
      { name: 'distance', type: 'SMALLINT', nulls: 12, distinct: 900, min: 30, max: 4962, mean: 723.1, histogram: Array.from({ length: 10 }, (_, i) => ({ x0: i, x1: i + 1, count: 10 * i })) },
      { name: 'origin', type: 'VARCHAR', nulls: 0, distinct: 300, min: 'ABE', max: 'YUM', mean: null, top: [{ value: 'ATL', count: 180_000 }, { value: 'ORD', count: 150_000 }] },
      { name: 'destination', type: 'VARCHAR', nulls: 750_000, distinct: 300, min: 'ABE', max: 'YUM', mean: null, top: [{ value: 'ATL', count: 180_000 }] },
    ],
  };
}

export function modelCardFixture(): ModelCardData {
  return {
    model: {
      name: 'TitanicSurvivalInitial',
      version: 2,
      createdAt: '2026-11-27T12:00:42.000Z',
      tags: { task: 'classification', primary_metric: 'AUC_weighted' },
      artifact: { hash: 'bb22', kind: 'model', path: '.weir/artifacts/bb/bb22', bytes: 120000 },
      lineage: { runId: 'run-0001-abcdef', experiment: 'titanic_automl', step: 'train', datasets: [{ name: 'titanic_ds', version: 1 }] },
      metrics: { AUC_weighted: 0.8712, accuracy: 0.8215 },
      framework: 'weir-automl',
    },
    versions: [2, 1],
    task: 'classification',
    primaryMetric: 'AUC_weighted',
    algorithm: 'VotingEnsemble',
    aliases: [
      { alias: 'champion', version: 2, setAt: '2026-11-28T09:00:00.000Z', setBy: 'ada' },
      { alias: 'previous', version: 1, setAt: '2026-11-28T09:00:05.000Z', setBy: 'ada' },
    ],
    aliasHistory: [
      { id: 'a1', alias: 'champion', action: 'set', to: 1, at: '2026-11-27T13:00:00.000Z', by: 'ada' },
      { id: 'a2', alias: 'champion', action: 'set', from: 1, to: 2, at: '2026-11-28T09:00:00.000Z', by: 'ada' },
      { id: 'a3', alias: 'previous', action: 'set', to: 1, at: '2026-11-28T09:00:05.000Z', by: 'ada' },
    ],
    serve: {
      command: 'weir model serve TitanicSurvivalInitial:2 --port 5000',
      url: 'http://127.0.0.1:5000/invocations',
      curl: `curl -s http://127.0.0.1:5000/invocations -H 'Content-Type: application/json' -d '{"dataframe_split":{"columns":["Pclass","Sex","Age","Name"],"data":[[3,"male",28,""]]}}'`,
    },
    inputSchema: [
      { name: 'Pclass', type: 'BIGINT' },
      { name: 'Sex', type: 'VARCHAR' },
      { name: 'Age', type: 'DOUBLE' },
      { name: 'Name', type: 'VARCHAR' },
    ],
    featurization: [
      { name: 'Pclass', purpose: 'Numeric' },
      { name: 'Sex', purpose: 'Categorical' },
      { name: 'Age', purpose: 'Numeric', note: 'mean imputed' },
      { name: 'Name', purpose: 'Ignore', note: 'ID-like' },
    ],
    featureImportances: [
      { feature: 'Sex_male', importance: 0.41 },
      { feature: 'Pclass', importance: 0.22 },
      { feature: 'Age', importance: 0.12 },
    ],
  };
}

export function compareFixture(runCount = 3, trialsPerRun = 10): CompareRunData[] {
  return Array.from({ length: runCount }, (_, r) => {
    const run = runFixture(`run-000${r + 1}-cmp`, 'Completed');
    run.parameters = { model_name: r === 0 ? 'A' : 'B', iterations: 20 };
    run.steps[1].metrics = { AUC_weighted: 0.85 + r * 0.01, accuracy: 0.8 };
    return { run, trials: [{ step: 'train', primaryMetric: 'AUC_weighted', trials: trialsFixture(trialsPerRun, r + 7) }] };
  });
}
