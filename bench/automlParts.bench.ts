import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { classificationCharts, regressionCharts } from '../engine/src/automl/charts';
import { allFamilies } from '../engine/src/automl/families';
import { fitFeaturizer, transform } from '../engine/src/automl/featurize';
import { targetLeakageGuardrail } from '../engine/src/automl/guardrails';
import { computeMetrics } from '../engine/src/automl/metrics';
import { readColumnar } from '../engine/src/data/tables';

/**
 * The AutoML foundations on vega-datasets flights-3m.parquet (3M rows, regression on
 * `delay`): featurization fit and transform, the leakage guardrail, all regression metrics
 * and charts, and every regression family's low-cost configuration (fit and predict).
 * Then classification metrics and charts on 3M synthetic 3-class probabilities.
 */
const file = path.resolve('node_modules/vega-datasets/data/flights-3m.parquet');
const rss = () => `${(process.memoryUsage().rss / 1e6).toFixed(0)} MB rss`;

function time<T>(label: string, run: () => T): T {
  const t0 = performance.now();
  const result = run();
  console.log(`${label}: ${(performance.now() - t0).toFixed(0)} ms (${rss()})`);
  return result;
}

async function main(): Promise<void> {
  const table = await readColumnar(file);
  const fitted = time(`fitFeaturizer ${table.rows} rows`, () => fitFeaturizer(table, 'delay', { mode: 'auto' }, { task: 'regression' }));
  console.log(`  features: ${fitted.X.featureNames!.join(', ')}`);
  time('transform', () => transform(fitted.state, table));
  time('target leakage guardrail', () => targetLeakageGuardrail(fitted.X, fitted.y, 'regression'));
  const y = fitted.y.values;
  for (const family of allFamilies('regression')) {
    const params = family.lowCostConfig('regression', { rows: fitted.X.rows, features: fitted.X.cols });
    const model = time(`${family.name} fit ${JSON.stringify(params)}`, () => family.fit({ task: 'regression', X: fitted.X, y, params, seed: 1 }));
    const pred = time(`${family.name} predict`, () => model.predict(fitted.X));
    const metrics = time(`${family.name} all regression metrics`, () => computeMetrics({ task: 'regression', yTrue: y, pred }));
    console.log(`  r2 ${metrics.r2_score.toFixed(4)}, normalized RMSE ${metrics.normalized_root_mean_squared_error.toFixed(5)}`);
    model.dispose?.();
  }
  time('regression charts', () => regressionCharts({ yTrue: y, pred: y }));

  const n = 3_000_000;
  const k = 3;
  let s = 1;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const yTrue = new Float32Array(n);
  const proba = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    yTrue[i] = Math.floor(rand() * k);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += proba[i * k + c] = rand() + (c === yTrue[i] ? 0.5 : 0);
    for (let c = 0; c < k; c++) proba[i * k + c] /= sum;
  }
  time(`all classification metrics, ${n} rows × ${k} classes`, () => computeMetrics({ task: 'classification', yTrue, pred: proba, numClasses: k }));
  const charts = time('classification charts', () => classificationCharts({ yTrue, proba, classes: ['a', 'b', 'c'] }));
  console.log(`  chart JSON: ${(JSON.stringify(charts).length / 1024).toFixed(0)} KiB`);
}

void main();
