import type { FeatureMatrix } from '../../gbdt/api';
import type { Evaluator } from '../evaluation/evaluator';
import { type EstimatorSpec, baselinePrediction } from '../model/estimator';
import type { TrialResult } from '../search/runSearch';

/**
 * Forecasting's baselines, `Naive` (the last value) and `SeasonalNaive` (the value one season
 * before the target), as the first leaderboard rows. They need no fitting: each is a feature
 * column, scored like any trial. Returns the estimator of each baseline row by iteration.
 */
export async function scoreBaselines(a: {
  X: FeatureMatrix;
  allowedModels: readonly string[];
  primaryMetric: string;
  evaluator: Evaluator;
  onTrial(t: TrialResult): Promise<void>;
}): Promise<Map<number, EstimatorSpec>> {
  const specs = new Map<number, EstimatorSpec>();
  for (const [algorithm, feature] of [
    ['Naive', undefined],
    ['SeasonalNaive', 'seasonal'],
  ] as const) {
    if (!a.allowedModels.includes(algorithm)) continue;
    const t0 = performance.now();
    const all = baselinePrediction(a.X, feature);
    const oof = Float64Array.from(a.evaluator.evalRows, (i) => all[i]);
    const metrics = a.evaluator.evaluate(oof);
    const iteration = specs.size;
    const t: TrialResult = {
      iteration,
      algorithm,
      params: { predicts: feature ? 'the value one season before the target' : 'the last value' },
      status: 'Completed',
      metrics,
      score: metrics[a.primaryMetric] ?? NaN,
      startedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - t0),
      cost: 0,
      oof,
      width: 1,
      states: [],
    };
    specs.set(iteration, { type: 'baseline', algorithm, ...(feature ? { feature } : {}) });
    await a.onTrial(t);
  }
  return specs;
}
