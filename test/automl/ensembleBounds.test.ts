import { describe, expect, it, vi } from 'vitest';
import { buildEnsembles } from '../../engine/src/automl/ensemble/buildEnsembles';
import type { TrialResult } from '../../engine/src/automl/search/runSearch';
import { WeirError } from '../../engine/src/errors';
import { mulberry32 } from '../../engine/src/util/mulberry32';

/** Kept trials of a `width`-class label: random probabilities, scored by a stand-in metric. */
function trials(count: number, rows: number, width: number): TrialResult[] {
  const rand = mulberry32(11);
  return Array.from({ length: count }, (_, k) => {
    const oof = new Float64Array(rows * width);
    for (let i = 0; i < oof.length; i++) oof[i] = rand();
    return {
      iteration: k,
      algorithm: 'XGBoostClassifier',
      params: {},
      status: 'Completed',
      metrics: { AUC_weighted: 0.6 + k / 1000 },
      score: 0.6 + k / 1000,
      startedAt: new Date().toISOString(),
      durationMs: 1,
      cost: 1,
      oof,
      width,
      states: [{}],
    } satisfies TrialResult;
  });
}

function args(t: TrialResult[], rows: number, width: number, extra: Partial<Parameters<typeof buildEnsembles>[0]> = {}) {
  return {
    task: 'classification' as const,
    numClasses: width,
    width,
    primaryMetric: 'AUC_weighted',
    trials: t,
    yEval: Float32Array.from({ length: rows }, (_, i) => i % width),
    evaluate: () => ({ AUC_weighted: 0.7 }),
    primaryScore: (pred: Float64Array) => pred[0],
    seed: 0,
    voting: true,
    stack: true,
    firstIteration: t.length,
    ...extra,
  };
}

describe('ensembles are bounded and cancelable', () => {
  it('stops at a cancel while selecting, instead of blocking until done', async () => {
    const controller = new AbortController();
    let scores = 0;
    const t = trials(15, 200, 10);
    const run = buildEnsembles(
      args(t, 200, 10, {
        signal: controller.signal,
        primaryScore: (pred) => {
          if (++scores === 3) setImmediate(() => controller.abort());
          return pred[0];
        },
      }),
    );
    await expect(run).rejects.toSatisfy((e: unknown) => e instanceof WeirError && e.code === 'CANCELED');
    // Selection yields after every score, so the cancel lands within a few of them (15 × 15 without it).
    expect(scores).toBeLessThan(10);
  });

  it('past its deadline keeps the best model so far, skips the stack and says so', async () => {
    const logs: string[] = [];
    const out = await buildEnsembles(args(trials(15, 100, 3), 100, 3, { deadline: performance.now() - 1, log: (l) => logs.push(l) }));
    expect(out.map((e) => e.trial.algorithm)).toEqual(['VotingEnsemble']);
    expect(logs.join('\n')).toMatch(/selection stopped at the experiment timeout/);
    expect(logs.join('\n')).toMatch(/StackEnsemble skipped: no time left/);
  });

  it('drops the stack when its first meta-model fold says the rest would pass the deadline', async () => {
    // A clock that moves 2 s on every reading: the first fold "takes" 2 s, so the other four
    // and the final fit would need about 10.5 s where 2 s are left.
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => (clock += 2000));
    try {
      const logs: string[] = [];
      const out = await buildEnsembles(args(trials(6, 100, 3), 100, 3, { voting: false, deadline: 10_000, log: (l) => logs.push(l) }));
      expect(out).toEqual([]);
      expect(logs.join('\n')).toMatch(/StackEnsemble skipped: after 1 of 5 meta-model folds \(2\.0 s each\) the rest would take about 10\.5 s, 2\.0 s left/);
    } finally {
      now.mockRestore();
    }
    const full = await buildEnsembles(args(trials(6, 100, 3), 100, 3, { voting: false }));
    expect(full.map((e) => e.trial.algorithm)).toEqual(['StackEnsemble']);
  });

  it('does not start a stack whose meta-model is priced past the time left (its fits cannot be stopped)', async () => {
    const logs: string[] = [];
    // 5,000 rows × (5 models × 26 classes) inputs × 26 classes: about 5.4 s a fold on an idle core.
    const out = await buildEnsembles(args(trials(5, 5000, 26), 5000, 26, { voting: false, deadline: performance.now() + 5000, log: (l) => logs.push(l) }));
    expect(out).toEqual([]);
    expect(logs.join('\n')).toMatch(/StackEnsemble skipped: its meta-model \(5000 rows × 130 inputs × 26 classes\) is estimated at 3\d\.\d s on an idle core for 5 folds and the final fit, [45]\.\d s left/);
  });

  it('takes fewer candidates and skips the stack for a label with very many classes', async () => {
    const logs: string[] = [];
    const rows = 2000;
    const width = 1000;
    const out = await buildEnsembles(args(trials(15, rows, width), rows, width, { log: (l) => logs.push(l) }));
    expect(out.map((e) => e.trial.algorithm)).toEqual(['VotingEnsemble']);
    expect(logs.join('\n')).toMatch(/VotingEnsemble: 10 candidates instead of 15/);
    expect(logs.join('\n')).toMatch(/StackEnsemble skipped: its meta-model would have 5000 inputs/);
    const members = Object.keys(out[0].trial.params);
    expect(members.length).toBeLessThanOrEqual(10);
  });
});
