import { afterAll, describe, expect, it } from 'vitest';
import { fitFeaturizer } from '../../engine/src/automl/featurize';
import { readTableFile } from '../../engine/src/automl/model/tableFiles';
import { stratifiedKFold } from '../../engine/src/automl/splitFolds';
import type { TrialRequest } from '../../engine/src/automl/trials/protocol';
import { TrialPool, foldShares, shareTrialData } from '../../engine/src/automl/trials/trialPool';
import { titanicCsv } from '../helpers/paths';

/**
 * Fold-parallel trials: one trial's folds shared by several workers must give exactly what
 * it gives on one worker (needs dist/worker.js: `npm run build`). When the search asks for
 * one is tested in runSearch.test.ts.
 */
describe('fold-parallel trials', async () => {
  const table = await readTableFile(titanicCsv);
  const f = fitFeaturizer(table, 'Survived', { mode: 'auto' }, { task: 'classification' });
  const folds = stratifiedKFold(f.y.values, 5, 0);
  const pool = new TrialPool(shareTrialData({ task: 'classification', numClasses: 2, X: f.X, y: f.y.values, folds }), 2);
  afterAll(() => pool.close());

  it('splits the folds into contiguous shares', () => {
    expect(foldShares(5, 2)).toEqual([[0, 1, 2], [3, 4]]);
    expect(foldShares(3, 3)).toEqual([[0], [1], [2]]);
  });

  it('gives the same predictions and fold models on two workers as on one', async () => {
    const request = (iteration: number): TrialRequest => ({ iteration, family: 'XGBoostClassifier', params: { n_estimators: 30, learning_rate: 0.3, max_leaves: 8 }, seed: 7 });
    const one = await pool.run(request(0), undefined, () => true);
    const two = await pool.run(request(1), undefined, () => true, 2);
    expect(one.status).toBe('Completed');
    expect(two.status).toBe('Completed');
    if (one.status !== 'Completed' || two.status !== 'Completed') return;
    expect(Array.from(two.reply.oof)).toEqual(Array.from(one.reply.oof));
    expect(two.reply.foldMs).toHaveLength(5);
    expect(two.states).toHaveLength(5);
    expect(JSON.stringify(two.states)).toBe(JSON.stringify(one.states));
    expect(Object.keys(two.reply.importances ?? {}).sort()).toEqual(Object.keys(one.reply.importances ?? {}).sort());
    for (const [k, v] of Object.entries(one.reply.importances ?? {})) expect(two.reply.importances![k]).toBeCloseTo(v, 9);
  });

  it('stops a trial once its first folds project it past the limit it is given, and says what they projected', async () => {
    const request: TrialRequest = { iteration: 2, family: 'RandomForest', params: { n_estimators: 40, max_depth: 64, max_features: 0.3, min_samples_leaf: 1 }, seed: 3 };
    // A limit no fold can meet: stopped after its first fold, with the projection for all five.
    const stopped = await pool.run(request, undefined, undefined, 1, 1e-3);
    expect(stopped.status).toBe('Canceled');
    if (stopped.status !== 'Canceled') return;
    expect(stopped.error).toMatch(/^stopped after 1 of 5 folds: projected [\d.]+ s, past its 0\.0 s/);
    expect(stopped.projectedMs).toBeGreaterThan(stopped.durationMs * 2);
    // The message names the limit as the caller says what it is.
    const named = await pool.run({ ...request, iteration: 5 }, undefined, undefined, 1, 1e-3, { projection: 'the time left of the experiment timeout' });
    expect(named.status === 'Canceled' && named.error).toMatch(/^stopped after 1 of 5 folds: projected [\d.]+ s, past its 0\.0 s limit, the time left of the experiment timeout$/);
    const timedOut = await pool.run({ ...request, iteration: 6 }, 1, undefined, 1, undefined, { timeout: 'the 20% of the experiment timeout one trial may take' });
    expect(timedOut.status === 'Canceled' && timedOut.error).toBe('stopped at 0.0 s, the 20% of the experiment timeout one trial may take');
    // A family's first trial (cold: its first fold carries the worker's warm-up) is not judged
    // on its first fold: stopped after its second, projected from that fold's time.
    const cold = await pool.run({ ...request, iteration: 7 }, undefined, undefined, 1, 1e-3, { cold: true });
    expect(cold.status === 'Canceled' && cold.error).toMatch(/^stopped after 2 of 5 folds: projected [\d.]+ s, past its 0\.0 s/);
    // Without a limit (or a generous one) the same trial completes, on one worker or spread.
    expect((await pool.run({ ...request, iteration: 3 }, undefined, undefined, 1, 3_600_000)).status).toBe('Completed');
    expect((await pool.run({ ...request, iteration: 4 }, undefined, undefined, 2, 3_600_000)).status).toBe('Completed');
  });
});
