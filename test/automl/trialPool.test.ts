import { afterAll, describe, expect, it } from 'vitest';
import { WeirError } from '../../engine/src/errors';
import { train } from '../../engine/src/gbdt';
import { fitFeaturizer } from '../../engine/src/automl/featurize';
import { getFamily } from '../../engine/src/automl/families';
import { readTableFile } from '../../engine/src/automl/model/tableFiles';
import { stratifiedKFold, kFold } from '../../engine/src/automl/splitFolds';
import { stopsLine } from '../../engine/src/automl/search/searchInWorkers';
import type { TrialRequest } from '../../engine/src/automl/trials/protocol';
import { gatherRows, runTrial } from '../../engine/src/automl/trials/runTrial';
import { TrialPool, gatherFolds, inSharedMemory, shareTrialData } from '../../engine/src/automl/trials/trialPool';
import { fromShared } from '../../engine/src/automl/trials/workerMain';
import type { CancelSignal, FitArgs } from '../../engine/src/automl/types';
import { titanicCsv } from '../helpers/paths';
import { syntheticClassification, syntheticRegression } from './tables';

/**
 * Cooperative stops: a stopped trial's worker stops at its fits' next check and is reused
 * (needs dist/worker.js: `npm run build`), and every long fit loop reads the signal.
 */
describe('stopping a trial without terminating its worker', async () => {
  const table = await readTableFile(titanicCsv);
  const f = fitFeaturizer(table, 'Survived', { mode: 'auto' }, { task: 'classification' });
  const folds = stratifiedKFold(f.y.values, 5, 0);
  const shared = shareTrialData({ task: 'classification', numClasses: 2, X: f.X, y: f.y.values, folds });
  const notes: string[] = [];
  const pool = new TrialPool(shared, 2, undefined, { onNote: (t) => notes.push(t) });
  const reference = new TrialPool(shared, 1, undefined, { graceMs: 0 });
  afterAll(() => Promise.all([pool.close(), reference.close()]));
  const long = (iteration: number): TrialRequest => ({ iteration, family: 'RandomForest', params: { n_estimators: 300, max_depth: 64, max_features: 1, min_samples_leaf: 1 }, seed: 3 });
  const small = (iteration: number): TrialRequest => ({ iteration, family: 'XGBoostClassifier', params: { n_estimators: 12, learning_rate: 0.3, max_leaves: 8 }, seed: 7 });

  it('stops a trial at its time limit, reuses the worker, and the next trial on it gives what a fresh worker gives', async () => {
    await pool.warmUp();
    const stopped = await pool.run(long(0), 1, undefined, 1, undefined, { timeout: 'its cap' });
    expect(stopped.status).toBe('Canceled');
    expect((await pool.run(long(1), 1, undefined, 2)).status).toBe('Canceled');
    // Canceled before its workers were free: nothing to stop.
    const early = pool.run(long(6), undefined, undefined, 2);
    pool.cancel(6, 'the search ended');
    expect((await early).status).toBe('Canceled');
    // Both workers (one fold-parallel trial on two) come back; nothing was terminated.
    const after = await pool.run(small(2), undefined, () => true, 2);
    expect(pool.stops.terminated).toBe(0);
    expect(pool.stops.reused).toHaveLength(3);
    expect(notes).toEqual([]);
    const fresh = await reference.run(small(3), undefined, () => true);
    expect(after.status).toBe('Completed');
    expect(fresh.status).toBe('Completed');
    if (after.status !== 'Completed' || fresh.status !== 'Completed') return;
    expect(Array.from(after.reply.oof)).toEqual(Array.from(fresh.reply.oof));
    expect(JSON.stringify(after.states)).toBe(JSON.stringify(fresh.states));
  });

  it('terminates at once with no grace (the old way), and a fresh worker runs the next trial', async () => {
    const stopped = await reference.run(long(4), 1);
    expect(stopped.status).toBe('Canceled');
    expect(reference.stops).toEqual({ reused: [], terminated: 1, unsettled: 0 });
    expect((await reference.run(small(5))).status).toBe('Completed');
  });

  it('terminates a worker that does not reach a check within the grace, says so, and starts a fresh one', async () => {
    // One DecisionTree is one unit of work (checked before it, not inside): on 60k rows it takes
    // far longer than the 1 ms grace, so the worker stopped 30 ms into it cannot answer in time.
    const big = fitFeaturizer(syntheticClassification(60_000), 'label', { mode: 'auto' }, { task: 'classification' });
    const bigShared = shareTrialData({ task: 'classification', numClasses: 2, X: big.X, y: big.y.values, folds: stratifiedKFold(big.y.values, 2, 0) });
    const said: string[] = [];
    const strict = new TrialPool(bigShared, 1, undefined, { graceMs: 1, onNote: (t) => said.push(t) });
    try {
      const tree: TrialRequest = { iteration: 0, family: 'DecisionTree', params: { max_depth: 24, min_samples_leaf: 1 }, seed: 1 };
      expect((await strict.run(tree, 30)).status).toBe('Canceled');
      const next = await strict.run({ ...tree, iteration: 1, params: { max_depth: 2, min_samples_leaf: 8 } });
      expect(next.status).toBe('Completed');
      expect(strict.stops).toEqual({ reused: [], terminated: 1, unsettled: 0 });
      expect(said).toEqual(['trial worker of iteration 0 did not stop within 0.0 s of being asked: terminated, a fresh worker starts for the next trial']);
    } finally {
      await strict.close();
    }
  });

  it('says in the log how the stopped trials came back', () => {
    expect(stopsLine({ reused: [], terminated: 0, unsettled: 0 })).toBeUndefined();
    expect(stopsLine({ reused: [40, 3, 180], terminated: 1, unsettled: 1 })).toBe(
      "stopped trials' workers: 3 stopped at their fits' next check and were reused (after 3–180 ms, median 40 ms); 1 did not stop within 1.0 s and was terminated (a fresh worker started cold); 1 still stopping when the search ended",
    );
  });
});

describe('the long fit loops read the stop signal', async () => {
  const table = await readTableFile(titanicCsv);
  const cls = fitFeaturizer(table, 'Survived', { mode: 'auto' }, { task: 'classification' });
  const reg = fitFeaturizer(syntheticRegression(400), 'target', { mode: 'auto' }, { task: 'regression' });
  /** A signal that turns aborted at its `after`-th read: a fit that reads it between units of work stops there. */
  const abortAfter = (after: number): CancelSignal & { reads: number } => {
    const s = { reads: 0, get aborted() { return ++s.reads > after; } };
    return s;
  };
  const fitArgs = (task: 'classification' | 'regression', params: Record<string, number | string>, signal: CancelSignal): FitArgs => {
    const f = task === 'classification' ? cls : reg;
    return { task, X: f.X, y: f.y.values, numClasses: task === 'classification' ? 2 : undefined, params, seed: 1, signal };
  };
  const cases: [string, 'classification' | 'regression', Record<string, number | string>][] = [
    ['XGBoostClassifier', 'classification', { n_estimators: 50, learning_rate: 0.3, max_leaves: 8 }],
    ['XGBoostRegressor', 'regression', { n_estimators: 50, learning_rate: 0.3, max_leaves: 8 }],
    ['RandomForest', 'classification', { n_estimators: 20, max_depth: 8 }],
    ['ExtremeRandomTrees', 'regression', { n_estimators: 20, max_depth: 8 }],
    ['LogisticRegression', 'classification', { C: 1, max_iter: 100 }],
    ['ElasticNet', 'regression', { alpha: 1e-4, l1_ratio: 0.5, max_iter: 1000, solver: 'gram' }],
  ];

  for (const [family, task, params] of cases) {
    it(`${family} stops at its check once the signal is aborted, and fits as before while it is not`, () => {
      const signal = abortAfter(3);
      let error: unknown;
      try {
        getFamily(family).fit(fitArgs(task, params, signal));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WeirError);
      expect((error as WeirError).code).toBe('CANCELED');
      expect(signal.reads).toBe(4);
      // Never aborted: the same predictions as without a signal.
      const plain = getFamily(family).fit({ ...fitArgs(task, params, abortAfter(Infinity)), signal: undefined });
      const watched = getFamily(family).fit(fitArgs(task, params, abortAfter(Infinity)));
      const X = task === 'classification' ? cls.X : reg.X;
      expect(Array.from(watched.predict(X))).toEqual(Array.from(plain.predict(X)));
    });
  }

  it('the booster checks before each tree (26 classes: within a round)', () => {
    const n = 260;
    const values = Float32Array.from({ length: n * 2 }, (_, i) => (i * 7919) % 101);
    const label = Float32Array.from({ length: n }, (_, i) => i % 26);
    const signal = abortAfter(30);
    expect(() => train({ rows: n, cols: 2, values, label }, { objective: 'multi:softprob', num_class: 26, num_boost_round: 5 }, [], { signal })).toThrow(/boosting canceled after 30 trees/);
  });

  it('a trial stopped between folds releases the folds it fitted and throws CANCELED', () => {
    // Two reads a fold: the trial's before it, the tree's.
    const data = { task: 'regression' as const, X: reg.X, y: reg.y.values, folds: kFold(reg.X.rows, 3, 0) };
    const request: TrialRequest = { iteration: 0, family: 'DecisionTree', params: { max_depth: 4, min_samples_leaf: 8 }, seed: 1 };
    expect(() => runTrial(data, request, new Map(), undefined, abortAfter(4))).toThrow(/DecisionTree trial after 2 of 3 folds canceled/);
  });
});

describe('one copy of the trial data', () => {
  it('inSharedMemory moves the matrix, label, weights and folds into shared memory, and shareTrialData then hands those buffers over as they are', () => {
    const reg = fitFeaturizer(syntheticRegression(300), 'target', { mode: 'auto' }, { task: 'regression' });
    const prepared = inSharedMemory({ X: reg.X, y: reg.y.values, weight: new Float32Array(300).fill(1), folds: kFold(300, 3, 0), note: 'kept' });
    expect(prepared.note).toBe('kept');
    for (const a of [prepared.X.values, prepared.y, prepared.weight!, ...prepared.folds.flatMap((f) => [f.train, f.valid])]) expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(prepared.X.values)).toEqual(Array.from(reg.X.values));
    expect(Array.from(prepared.folds[1].valid)).toEqual(Array.from(kFold(300, 3, 0)[1].valid));
    const shared = shareTrialData({ task: 'regression', ...prepared });
    expect(shared.X).toBe(prepared.X.values.buffer);
    expect(shared.y).toBe(prepared.y.buffer);
    expect(shared.weight).toBe(prepared.weight!.buffer);
    expect(shared.folds[0].train).toBe(prepared.folds[0].train.buffer);
  });

  it('gatherFolds gathers each fold once for every worker, and a trial on those gives what a worker gathering its own gives', () => {
    const reg = fitFeaturizer(syntheticRegression(300), 'target', { mode: 'auto' }, { task: 'regression' });
    const weight = Float32Array.from({ length: 300 }, (_, i) => 1 + (i % 3));
    const shared = shareTrialData({ task: 'regression', X: reg.X, y: reg.y.values, weight, folds: kFold(300, 3, 0) });
    const gathered = gatherFolds(shared);
    expect(gatherFolds(gathered)).toBe(gathered);
    const own = fromShared(shared);
    const once = fromShared(gathered);
    expect(once.foldMatrices).toHaveLength(3);
    expect(Array.from(once.foldMatrices![1].train.values)).toEqual(Array.from(gatherRows(own.X, own.folds[1].train).values));
    expect(Array.from(once.foldMatrices![2].wTrain!)).toEqual(Array.from(own.folds[2].train, (r) => weight[r]));
    for (const request of <TrialRequest[]>[
      { iteration: 0, family: 'XGBoostRegressor', params: { n_estimators: 30, max_leaves: 8 }, seed: 4 },
      { iteration: 1, family: 'ElasticNet', params: { alpha: 0.01 }, seed: 4 },
    ]) {
      const a = runTrial(own, request, new Map());
      const b = runTrial(once, request, new Map());
      expect(Array.from(b.reply.oof)).toEqual(Array.from(a.reply.oof));
    }
  });
});
