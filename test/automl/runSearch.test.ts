import { describe, expect, it } from 'vitest';
import type { SearchFamily } from '../../engine/src/automl/search/costFrugalSearch';
import { MAX_BOOSTER_SHARE, MAX_TRIAL_SHARE, type TrialRunner, hasPendingImprovement, runSearch, standardError } from '../../engine/src/automl/search/runSearch';
import type { LimitReasons, TrialReply } from '../../engine/src/automl/trials/trialPool';
import type { TrialRequest } from '../../engine/src/automl/trials/protocol';
import { completedTrial, stoppedRunner } from './simulatedRunner';

/**
 * The search's budget rules on a simulated clock: a fake runner "runs" a trial by moving the
 * clock by the trial's simulated duration, so nothing here depends on real time.
 */
const families: SearchFamily[] = [
  {
    name: 'Boost',
    initialCost: 2,
    space: { n_estimators: { type: 'int', low: 4, high: 1000, log: true }, eta: { type: 'float', low: 0.01, high: 1, log: true } },
    lowCost: { n_estimators: 4, eta: 0.1 },
    portfolio: [{ n_estimators: 100, eta: 0.1 }],
  },
  { name: 'Slow', initialCost: 1, space: { C: { type: 'float', low: 0.001, high: 100, log: true } }, lowCost: { C: 1 } },
];

interface Sim {
  /** Simulated ms a trial takes. */
  duration(request: TrialRequest): number;
  /** Simulated score (higher is better). */
  score(request: TrialRequest): number;
}

/** Like the trial pool with the search's deadline timer: a trial still running at the deadline is stopped there. */
function fakeRunner(sim: Sim, clock: { t: number }, deadline?: number, projecting = false): TrialRunner & { started: TrialRequest[] } {
  const started: TrialRequest[] = [];
  return {
    size: 1,
    started,
    async run(request, timeoutMs, keep, _spread, projectLimitMs, why): Promise<TrialReply> {
      started.push(request);
      const d = sim.duration(request);
      // As the trial pool: after the first of 5 equal folds, a trial projected past its limit is stopped.
      if (projecting && projectLimitMs !== undefined && d > projectLimitMs * 1.1) {
        clock.t += d / 5;
        return { status: 'Canceled', error: `stopped after 1 of 5 folds: projected, past ${why?.projection}`, durationMs: d / 5, projectedMs: d };
      }
      if (timeoutMs !== undefined && d > timeoutMs) {
        clock.t += timeoutMs;
        // The pool's words for a time limit, with what the search says the limit is.
        return { status: 'Canceled', error: `stopped at ${(timeoutMs / 1000).toFixed(1)} s, ${why?.timeout}`, durationMs: timeoutMs };
      }
      if (deadline !== undefined && clock.t + d > deadline) {
        const ran = deadline - clock.t;
        clock.t = deadline;
        return { status: 'Canceled', error: 'stopped at the experiment timeout', durationMs: ran };
      }
      return completedTrial(clock, request.iteration, d, sim.score(request), keep);
    },
    cancel: () => undefined,
    cancelAll: () => undefined,
  };
}

async function search(
  sim: Sim,
  o: {
    budgetMs?: number;
    iterations?: number;
    earlyStopping?: boolean;
    families?: SearchFamily[];
    folds?: number;
    runner?: (clock: { t: number }) => TrialRunner;
    foldScores?: (oof: Float64Array) => number[];
    projecting?: boolean;
    iterationTimeoutMs?: number;
    fallbackBy?: number;
  },
) {
  const clock = { t: 0 };
  // A custom runner (fold-parallel test) does not record what it started.
  const runner = (o.runner?.(clock) ?? fakeRunner(sim, clock, o.budgetMs, o.projecting)) as ReturnType<typeof fakeRunner>;
  const notes: string[] = [];
  const outcome = await runSearch({
    runner,
    onNote: (text) => notes.push(text),
    families: o.families ?? families,
    folds: o.folds,
    iterations: o.iterations ?? 1000,
    primaryMetric: 'AUC_weighted',
    seed: 0,
    deadline: o.budgetMs,
    fallbackBy: o.fallbackBy,
    iterationTimeoutMs: o.iterationTimeoutMs,
    earlyStopping: o.earlyStopping ?? false,
    patience: 20,
    evaluate: (oof) => ({ AUC_weighted: oof[0] }),
    foldScores: o.foldScores,
    keepTop: 5,
    signal: new AbortController().signal,
    onTrial: () => undefined,
    now: () => clock.t,
  });
  return { outcome, runner, clock, notes };
}

/** Boost improves with trees (to a plateau); its trials take 10 ms plus 1 ms per 10 trees. */
const boostSim: Sim = {
  duration: (r) => (r.family === 'Slow' ? 40_000 : 10 + Number(r.params.n_estimators) / 10),
  score: (r) => (r.family === 'Slow' ? 0.7 : 0.9 - 0.05 / Math.sqrt(Number(r.params.n_estimators)) - 0.01 * Math.abs(Math.log(Number(r.params.eta) / 0.05))),
};

describe('runSearch budget rules', () => {
  it('keeps a family whose trials take a large share of the budget from crowding out the leader', async () => {
    const budgetMs = 60_000;
    const { outcome, runner } = await search(boostSim, { budgetMs });
    const slow = outcome.families.find((f) => f.family === 'Slow')!;
    // Its first trial (time unknown) starts after the booster has a model, so it is stopped at
    // the other families' cap, not the booster's; it is not tried again.
    expect(slow.trials).toBe(1);
    expect(slow.seconds).toBeLessThanOrEqual((MAX_TRIAL_SHARE * budgetMs) / 1000 + 1e-9);
    expect(slow.seconds).toBeLessThan((MAX_BOOSTER_SHARE * budgetMs) / 1000);
    expect(runner.started.filter((r) => r.family === 'Boost').length).toBeGreaterThan(100);
    expect(outcome.trials.find((t) => t.algorithm === 'Slow')?.status).toBe('Canceled');
    // The user set no iteration_timeout_minutes: the log names the search's own cap.
    expect(outcome.trials.find((t) => t.algorithm === 'Slow')?.error).toBe('stopped at 12.0 s, the 20% of the experiment timeout one trial may take');
  });

  it('stops a trial whose first folds project it past its cap, and prices the family by that projection', async () => {
    const budgetMs = 60_000;
    const { outcome, runner } = await search(boostSim, { budgetMs, projecting: true });
    const slow = outcome.families.find((f) => f.family === 'Slow')!;
    // Its 40 s trial is stopped after its first fold (8 s), not at its 12 s cap, and not tried again.
    expect(slow.trials).toBe(1);
    expect(slow.seconds).toBeCloseTo(8, 6);
    expect(outcome.trials.find((t) => t.algorithm === 'Slow')?.error).toMatch(/^stopped after 1 of 5 folds/);
    expect(runner.started.filter((r) => r.family === 'Boost').length).toBeGreaterThan(100);
  });

  it('tells the runner which limit a trial is stopped at: the search\'s cap, the time left, or the user\'s iteration_timeout_minutes', async () => {
    const budgetMs = 60_000;
    const slowError = async (o: { iterationTimeoutMs?: number; projecting?: boolean }) =>
      (await search(boostSim, { budgetMs, ...o })).outcome.trials.find((t) => t.algorithm === 'Slow')?.error;
    // Under the search's cap: the user's setting, not the search's share.
    expect(await slowError({ iterationTimeoutMs: 3_000 })).toBe('stopped at 3.0 s, iteration_timeout_minutes (0.05 min)');
    // Above the search's cap: the cap, and why it is there.
    expect(await slowError({ iterationTimeoutMs: 30_000 })).toBe('stopped at 12.0 s, the 20% of the experiment timeout one trial may take');
    expect(await slowError({ projecting: true })).toBe('stopped after 1 of 5 folds: projected, past the 20% of the experiment timeout one trial may take');
    // Less time left than the cap (the booster's trials near the end): the time left.
    const limits: { timeoutMs?: number; projectLimitMs?: number; why?: LimitReasons }[] = [];
    await search(boostSim, {
      budgetMs,
      runner: (clock) => {
        const inner = fakeRunner(boostSim, clock, budgetMs);
        return { ...inner, run: (request, timeoutMs, keep, spread, projectLimitMs, why) => (limits.push({ timeoutMs, projectLimitMs, why }), inner.run(request, timeoutMs, keep, spread, projectLimitMs, why)) };
      },
    });
    const late = limits.filter((l) => l.projectLimitMs !== undefined && l.projectLimitMs < l.timeoutMs!);
    expect(late.length).toBeGreaterThan(0);
    for (const l of late) expect(l.why?.projection).toBe('the time left of the experiment timeout');
    expect(limits.filter((l) => l.projectLimitMs === l.timeoutMs).every((l) => l.why?.projection === l.why?.timeout)).toBe(true);
  });

  it('a trial started before any had completed is held to the search\'s cap once one has, and its message says which cap and why', async () => {
    const budgetMs = 60_000;
    // The booster's trials take 0.5 s each, so the clock passes the cap on the Slow trial (half the budget, as no trial had completed when it started).
    const sim: Sim = { duration: (r) => (r.family === 'Slow' ? 40_000 : 500), score: boostSim.score };
    let stopped: string | undefined;
    const { outcome } = await search(sim, {
      budgetMs,
      runner: (clock) => {
        const inner = fakeRunner(sim, clock, budgetMs);
        const waiting = new Map<number, (reason: string) => void>();
        return {
          ...inner,
          size: 2,
          // Slow runs until it is stopped; the booster's trials complete beside it.
          run: (request, timeoutMs, keep, spread, projectLimitMs, why) => {
            if (request.family !== 'Slow') return inner.run(request, timeoutMs, keep, spread, projectLimitMs, why);
            expect(timeoutMs).toBeUndefined();
            const startedAt = clock.t;
            return new Promise<TrialReply>((resolve) => waiting.set(request.iteration, (reason) => resolve({ status: 'Canceled', error: reason, durationMs: clock.t - startedAt })));
          },
          cancel: (iteration, reason) => {
            stopped ??= reason;
            waiting.get(iteration)?.(reason);
          },
        };
      },
    });
    const slow = outcome.trials.find((t) => t.algorithm === 'Slow')!;
    expect(slow.status).toBe('Canceled');
    expect(stopped).toMatch(/^stopped at \d+\.\d s, the 50% of the experiment timeout one trial may take \(held to it once another trial had completed\)$/);
    expect(slow.error).toBe(stopped);
  });

  it('estimates a trial from the nearest cheaper measured one, so it spends the budget instead of stopping early', async () => {
    // Fixed cost 200 ms per trial plus 1 ms per tree: scaling the tiny start's time per cost
    // would forbid large trials long before the budget is spent.
    const sim: Sim = { duration: (r) => (r.family === 'Slow' ? 5 : 200 + Number(r.params.n_estimators)), score: boostSim.score };
    const budgetMs = 20_000;
    const { outcome, clock } = await search(sim, { budgetMs });
    expect(outcome.stopReason).toMatch(/no further trial fits|experiment timeout/);
    expect(clock.t).toBeGreaterThan(0.9 * budgetMs);
    const spent = outcome.families.reduce((n, f) => n + f.seconds, 0);
    expect(spent * 1000).toBeLessThanOrEqual(budgetMs);
  });

  it('with a budget, early stopping waits for half of it and says why it stopped', async () => {
    const flat: Sim = { duration: () => 100, score: () => 0.8 };
    const budgetMs = 60_000;
    const { outcome, clock } = await search(flat, { budgetMs, earlyStopping: true });
    expect(outcome.stopReason).toMatch(/^early stopping: \d+ trials over the last [\d.]+ s \(\d+% of the budget\)/);
    expect(clock.t).toBeGreaterThanOrEqual(0.5 * budgetMs);
    expect(clock.t).toBeLessThan(budgetMs);
  });

  it('with a budget, a stalled best turns the rest to the families close to it, and stops early only when none improves its own best', async () => {
    // Boost's first trial (0.800) stays its best, the rest land a little below it; Slow trails
    // it closely and improves its own best with C (up to C = 100).
    const sim: Sim = {
      duration: () => 100,
      score: (r) => (r.family === 'Slow' ? 0.797 + 0.0005 * Math.log10(Number(r.params.C) * 1000) : r.iteration === 0 ? 0.8 : 0.795 + 0.004 * Math.abs(Math.sin(r.iteration))),
    };
    const budgetMs = 60_000;
    const { outcome, clock, notes, runner } = await search(sim, { budgetMs, earlyStopping: true });
    const stall = notes.find((n) => n.startsWith('search stalled: '));
    expect(stall).toMatch(
      /^search stalled: \d+ trials over the last [\d.]+ s \(\d+% of the budget\) without improving AUC_weighted by more than 0.0001, \d+% of the budget spent; best AUC_weighted 0.8000 from iteration 0; the rest of the budget goes to the families within 0\.\d{4} of the best \(3 × the spread of Boost's 5 best trials; contending: Boost, Slow\)/,
    );
    expect(outcome.stopReason).toMatch(
      /^early stopping: \d+ trials over the last [\d.]+ s \(\d+% of the budget\) without any family within 0\.\d{4} of the best improving its own best AUC_weighted by more than 0.0001, \d+% of the budget spent; the best stalled at \d+% of the budget and the trials since went to (Boost|Slow) \d+ \(best 0\.\d{4}\)/,
    );
    // Stalled at half the budget at the earliest; the stop after it needs another quarter.
    expect(clock.t).toBeGreaterThanOrEqual(0.75 * budgetMs);
    expect(clock.t).toBeLessThan(budgetMs);
    // Before the stall the leader (Boost) took most trials; after it the contending family gets its share.
    const slowShare = (xs: { family: string }[]) => xs.filter((x) => x.family === 'Slow').length / Math.max(1, xs.length);
    const n = runner.started.length;
    expect(slowShare(runner.started.slice(Math.floor((2 * n) / 3)))).toBeGreaterThan(slowShare(runner.started.slice(0, Math.floor(n / 3))));
  });

  it('when no other family is close to the best, a stalled best stops the search and says so', async () => {
    const sim: Sim = { duration: () => 100, score: (r) => (r.family === 'Slow' ? 0.7 : 0.8) };
    const { outcome, notes, clock } = await search(sim, { budgetMs: 60_000, earlyStopping: true });
    expect(notes.some((n) => n.startsWith('search stalled'))).toBe(false);
    expect(outcome.stopReason).toMatch(/^early stopping: \d+ trials over the last [\d.]+ s \(\d+% of the budget\) without improving AUC_weighted.*; no other family within 0\.\d{4} of the best/);
    expect(clock.t).toBeLessThan(0.75 * 60_000);
  });

  it('counts a family within the standard error of the best trial\'s fold scores as contending, though the leader\'s best trials are ties', async () => {
    // As above (Slow 0.1 behind, Boost's trials all tie), but the folds disagree by ±0.25: the
    // CV noise (standard error: their sample deviation 0.25 / √5 ≈ 0.112) covers the gap, so the search stalls instead of stopping.
    const sim: Sim = { duration: () => 100, score: (r) => (r.family === 'Slow' ? 0.7 : 0.8) };
    const noisy = (oof: Float64Array) => [oof[0] - 0.25, oof[0] + 0.25, oof[0] - 0.25, oof[0] + 0.25, oof[0]];
    const { outcome, notes } = await search(sim, { budgetMs: 60_000, earlyStopping: true, foldScores: noisy });
    expect(notes.find((n) => n.startsWith('search stalled'))).toMatch(
      /the families within 0\.1\d{3} of the best \(the standard error of the best trial's 5 fold scores, iteration \d+; contending: Boost, Slow\)/,
    );
    expect(outcome.stopReason).not.toMatch(/no other family within/);
    expect(standardError([1, 3])).toBeCloseTo(1, 12);
  });

  it('with a budget, early stopping waits while a result that finished behind a slower trial improves on the best', () => {
    const done = (score: number) => ({ status: 'Completed' as const, score });
    // Iterations 0–2 are fed (best 0.80); 4 finished early with 0.85 while 3 still runs.
    const results = new Map([[0, done(0.8)], [1, done(0.79)], [2, done(0.8)], [4, done(0.85)]]);
    expect(hasPendingImprovement('AUC_weighted', results, 2, 0.8)).toBe(true);
    // Already fed, a tie within the tolerance, a failure, or worse: nothing is pending.
    expect(hasPendingImprovement('AUC_weighted', results, 4, 0.85)).toBe(false);
    expect(hasPendingImprovement('AUC_weighted', new Map([[4, done(0.80005)]]), 2, 0.8)).toBe(false);
    expect(hasPendingImprovement('AUC_weighted', new Map([[4, { status: 'Failed' as const, score: NaN }]]), 2, 0.8)).toBe(false);
    // Lower is better for an error metric.
    expect(hasPendingImprovement('normalized_root_mean_squared_error', new Map([[4, done(0.1)]]), 2, 0.2)).toBe(true);
    expect(hasPendingImprovement('normalized_root_mean_squared_error', new Map([[4, done(0.3)]]), 2, 0.2)).toBe(false);
  });

  it('without a time limit, early stopping counts trials and the run is deterministic', async () => {
    const flat: Sim = { duration: () => 100, score: (r) => 0.8 + (r.family === 'Boost' ? 0.01 : 0) };
    const a = await search(flat, { earlyStopping: true, iterations: 200 });
    const b = await search(flat, { earlyStopping: true, iterations: 200 });
    expect(a.outcome.stopReason).toMatch(/^early stopping: 20 trials in a row/);
    expect(a.runner.started).toEqual(b.runner.started);
    // Without a time limit a close family does not keep the search going either.
    const tie = await search({ duration: () => 100, score: () => 0.8 }, { earlyStopping: true, iterations: 200 });
    expect(tie.outcome.stopReason).toMatch(/^early stopping: 20 trials in a row/);
    expect(tie.notes.some((n) => n.startsWith('search stalled'))).toBe(false);
  });

  it('shrinks a booster configuration that passes its share of the budget, so the booster still gets a trial that finishes', async () => {
    // 400 ms a tree: the 100-tree portfolio start takes 40 s of a 60 s budget.
    const sim: Sim = { duration: (r) => (r.family === 'Slow' ? 100 : 400 * Number(r.params.n_estimators)), score: (r) => (r.family === 'Slow' ? 0.7 : 0.9) };
    const { outcome } = await search(sim, { budgetMs: 60_000 });
    const boost = outcome.trials.filter((t) => t.algorithm === 'Boost');
    // The first trial runs to the end (nothing has completed yet, so there is no model to fall back on).
    expect(boost[0].status).toBe('Completed');
    expect(boost[0].params.n_estimators).toBe(100);
    // The next ones are estimated past half the budget and shrunk until they fit.
    expect(boost.length).toBeGreaterThan(1);
    for (const t of boost.slice(1)) expect(Number(t.params.n_estimators)).toBeLessThanOrEqual(25);
  });

  it('runs a forest too large for the time it may take with fewer trees that fit, instead of trials of a weak family', async () => {
    // 10 ms a tree: the 300-tree portfolio forests take 3 s, past 20% of a 12 s budget; the
    // probe (38 trees) fits. Weak is cheap and far behind.
    const forests: SearchFamily[] = [
      families[0],
      {
        name: 'Forest',
        initialCost: 3,
        space: { n_estimators: { type: 'int', low: 4, high: 512, log: true }, max_features: { type: 'float', low: 0.1, high: 1 } },
        lowCost: { n_estimators: 8, max_features: 0.3 },
        portfolio: [{ n_estimators: 38, max_features: 0.3 }, { n_estimators: 300, max_features: 0.3 }, { n_estimators: 300, max_features: 0.6 }],
      },
      { name: 'Weak', initialCost: 0.5, space: { depth: { type: 'int', low: 2, high: 24 } }, lowCost: { depth: 4 } },
    ];
    const sim: Sim = {
      duration: (r) => (r.family === 'Forest' ? 10 * Number(r.params.n_estimators) : r.family === 'Weak' ? 20 : 500),
      score: (r) => (r.family === 'Forest' ? 0.9 - 0.1 / Number(r.params.n_estimators) : r.family === 'Weak' ? 0.7 : 0.85),
    };
    const budgetMs = 12_000;
    const { outcome, notes } = await search(sim, { budgetMs, families: forests });
    const forest = outcome.trials.filter((t) => t.algorithm === 'Forest');
    // The portfolio's forests ran with fewer trees (each within the 20% share), not dropped.
    expect(notes.some((n) => /^Forest: 300 trees estimated [\d.]+ s, more than 20% of the budget .*: \d+ trees instead$/.test(n))).toBe(true);
    expect(notes.some((n) => n.includes('dropped'))).toBe(false);
    const resized = forest.filter((t) => Number(t.params.n_estimators) > 38);
    expect(resized.length).toBeGreaterThanOrEqual(2);
    for (const t of forest) expect(t.durationMs).toBeLessThanOrEqual(MAX_TRIAL_SHARE * budgetMs);
    expect(forest.some((t) => t.params.max_features === 0.6)).toBe(true);
    expect(forest.length).toBeGreaterThan(outcome.trials.filter((t) => t.algorithm === 'Weak').length);
  });

  it("lets the booster's portfolio entries take turns with a close forest's only when they are each a large share of the budget", async () => {
    const lined: SearchFamily[] = [
      { ...families[0], portfolio: [100, 200, 300, 400].map((n) => ({ n_estimators: n, eta: 0.1 })) },
      {
        name: 'Forest',
        initialCost: 3,
        space: { n_estimators: { type: 'int', low: 4, high: 512, log: true }, max_features: { type: 'float', low: 0.1, high: 1 } },
        lowCost: { n_estimators: 8, max_features: 0.3 },
        portfolio: [{ n_estimators: 8, max_features: 0.3 }, { n_estimators: 30, max_features: 0.3 }, { n_estimators: 30, max_features: 0.6 }],
      },
    ];
    /** The order of the portfolio trials: B<trees> for the booster, F<trees> for the forest. */
    const order = async (msPerBoostTree: number, forestScore: number) => {
      const sim: Sim = {
        duration: (r) => (r.family === 'Forest' ? 10 * Number(r.params.n_estimators) : msPerBoostTree * Number(r.params.n_estimators)),
        score: (r) => (r.family === 'Forest' ? forestScore : 0.9),
      };
      const { outcome, notes } = await search(sim, { budgetMs: 12_000, families: lined, iterations: 7 });
      return { trials: outcome.trials.map((t) => `${t.algorithm[0]}${t.params.n_estimators}`), notes: notes.filter((n) => n.includes('take turns')) };
    };
    // 1 s per 100 trees, more than 5% of 12 s; the forest's probe is level with the booster: turns.
    const heavy = await order(10, 0.9);
    expect(heavy.trials).toEqual(['B100', 'F8', 'B200', 'F30', 'B300', 'F30', 'B400']);
    expect(heavy.notes).toHaveLength(1);
    expect(heavy.notes[0]).toMatch(/^Boost: its trials take up to [\d.]+ s, more than 5% of the budget, and Forest's best AUC_weighted 0\.9000 is within 0\.0010 of its 0\.9000: their portfolio configurations take turns \(breadth-first\)$/);
    // Cheap booster entries (0.1 s per 100 trees), or a forest far behind: each line in order.
    const inOrder = ['B100', 'F8', 'B200', 'B300', 'B400', 'F30', 'F30'];
    expect(await order(1, 0.9)).toEqual({ trials: inOrder, notes: [] });
    expect(await order(10, 0.8)).toEqual({ trials: inOrder, notes: [] });
  });

  it('asks for a fold-parallel trial for the booster when not yet timed or estimated as large, only with a budget', async () => {
    const runWith = async (budgetMs?: number) => {
      const spreads: { family: string; spread: number }[] = [];
      const twoWorkers = (clock: { t: number }): TrialRunner => ({
        size: 2,
        foldParallel: true,
        async run(r, _timeoutMs, keep, spread) {
          spreads.push({ family: r.family, spread: spread ?? 1 });
          // 5 folds of 1 ms per tree on one worker; spread over workers, ⌈5 / workers⌉ folds' time.
          const d = ((r.family === 'Boost' ? Number(r.params.n_estimators) * 5 : 50) * Math.ceil(5 / (spread ?? 1))) / 5;
          clock.t += d;
          const oof = Float64Array.of(r.family === 'Boost' ? 0.9 : 0.8);
          keep?.({ oof, width: 1 });
          return { status: 'Completed', reply: { type: 'done', iteration: r.iteration, oof, width: 1, foldMs: [d] }, states: [{}], durationMs: d };
        },
        cancel: () => undefined,
        cancelAll: () => undefined,
      });
      await search(boostSim, { budgetMs, iterations: 6, folds: 5, runner: twoWorkers });
      return spreads;
    };
    const budgeted = await runWith(60_000);
    expect(budgeted[0]).toEqual({ family: 'Boost', spread: 2 });
    expect(budgeted.filter((s) => s.family !== 'Boost').every((s) => s.spread === 1)).toBe(true);
    expect((await runWith(undefined)).every((s) => s.spread === 1)).toBe(true);
  });

  it('runs the cheapest configuration past the deadline when no trial completed before it, and logs the overrun', async () => {
    const budgetMs = 12_000;
    // A loaded machine: every trial takes 20 s, longer than the whole budget. Like the trial
    // pool with the deadline timer, a trial still running at the deadline is stopped there; one
    // started after it (the fallback) runs to its end.
    const slowMachine = (clock: { t: number }): TrialRunner & { started: TrialRequest[] } => {
      const started: TrialRequest[] = [];
      return {
        size: 1,
        started,
        async run(request, timeoutMs, keep, _spread, projectLimitMs) {
          started.push(request);
          const d = 20_000;
          const startedAt = clock.t;
          if (projectLimitMs !== undefined && d > projectLimitMs * 1.1) {
            clock.t += d / 5;
            return { status: 'Canceled', error: 'stopped after 1 of 5 folds: projected', durationMs: d / 5, projectedMs: d };
          }
          if (timeoutMs !== undefined && d > timeoutMs) {
            clock.t += timeoutMs;
            return { status: 'Canceled', error: 'past its time cap', durationMs: timeoutMs };
          }
          if (startedAt < budgetMs && startedAt + d > budgetMs) {
            clock.t = budgetMs;
            return { status: 'Canceled', error: 'stopped at the experiment timeout', durationMs: budgetMs - startedAt };
          }
          return completedTrial(clock, request.iteration, d, request.family === 'Boost' ? 0.9 : 0.7, keep);
        },
        cancel: () => undefined,
        cancelAll: () => undefined,
      };
    };
    const { outcome, notes, clock } = await search(boostSim, { budgetMs, runner: slowMachine });
    const completed = outcome.trials.filter((t) => t.status === 'Completed');
    expect(completed).toHaveLength(1);
    // The cheapest family (Slow, initial cost 1) at its low-cost start, with its models kept.
    expect(completed[0].algorithm).toBe('Slow');
    expect(completed[0].params).toEqual({ C: 1 });
    expect(completed[0].states).toBeDefined();
    expect(outcome.trials.filter((t) => t.status === 'Canceled').length).toBeGreaterThan(0);
    expect(clock.t).toBeGreaterThan(budgetMs);
    expect(notes.some((n) => n.startsWith('no trial completed by the search') && n.includes('cheapest configuration'))).toBe(true);
    const overrun = notes.find((n) => n.startsWith('budget overrun:'));
    expect(overrun).toContain(`${((clock.t - budgetMs) / 1000).toFixed(1)} s past its deadline`);
    expect(overrun).toContain('because no trial had completed');
    expect(outcome.stopReason).toContain("Slow's cheapest configuration ran");
  });

  it('with fallbackBy, runs the fallback once no trial has completed by then, so it ends before the deadline', async () => {
    const budgetMs = 12_000;
    // Every searched trial would take 20 s and is stopped after its first fold projects that;
    // the fallback (no projection limit) takes 2 s.
    const loaded = (clock: { t: number }): TrialRunner => stoppedRunner(clock, { stoppedMs: 4_000, projectedMs: 20_000, fallbackMs: 2_000 });
    const late = await search(boostSim, { budgetMs, runner: loaded });
    expect(late.clock.t).toBeGreaterThan(budgetMs);
    expect(late.notes.some((n) => n.startsWith('budget overrun:'))).toBe(true);
    const early = await search(boostSim, { budgetMs, runner: loaded, fallbackBy: 6_000 });
    expect(early.clock.t).toBeLessThanOrEqual(budgetMs);
    expect(early.outcome.trials.filter((t) => t.status === 'Completed').map((t) => t.algorithm)).toEqual(['Slow']);
    expect(early.notes.some((n) => n.startsWith('budget overrun:'))).toBe(false);
    expect(early.notes.find((n) => n.startsWith('no trial completed by '))).toMatch(/^no trial completed by 8\.0 s, 4\.0 s before the search's deadline \(2 stopped or failed\): running Slow's cheapest configuration .* now, uncapped/);
    expect(early.notes).toContain('fallback: the search ended 2.0 s before its deadline (the fallback Slow trial took 2.0 s, Completed)');
    expect(early.outcome.stopReason).toBe("no trial completed in the first 6.0 s of the search; no trial had completed, so Slow's cheapest configuration ran and ended 2.0 s before the deadline");
  });

  it('before any trial has completed, a first trial on every worker may run until the fallback point instead of half the budget', async () => {
    const budgetMs = 10_000;
    // The booster's first trial takes 6 s on both workers (60% of the search); later trials are quick.
    const twoWorkers = (clock: { t: number }): TrialRunner => {
      let first = true;
      return {
        size: 2,
        foldParallel: true,
        async run(r, timeoutMs, keep, _spread, _projectLimitMs, why) {
          const d = first ? 6_000 : 200;
          first = false;
          if (timeoutMs !== undefined && d > timeoutMs) {
            clock.t += timeoutMs;
            return { status: 'Canceled', error: `stopped at ${(timeoutMs / 1000).toFixed(1)} s, ${why?.timeout}`, durationMs: timeoutMs };
          }
          return completedTrial(clock, r.iteration, d, r.family === 'Boost' ? 0.9 : 0.8, keep);
        },
        cancel: () => undefined,
        cancelAll: () => undefined,
      };
    };
    const capped = await search(boostSim, { budgetMs, iterations: 3, folds: 5, runner: twoWorkers });
    expect(capped.outcome.trials[0].status).toBe('Canceled');
    expect(capped.outcome.trials[0].error).toMatch(/stopped at 5\.0 s, the 50% of the experiment timeout one trial may take/);
    const untilFallback = await search(boostSim, { budgetMs, iterations: 3, folds: 5, runner: twoWorkers, fallbackBy: 7_500 });
    expect(untilFallback.outcome.trials[0]).toMatchObject({ algorithm: 'Boost', status: 'Completed' });
    // Past the fallback point it would still be stopped, and says by what.
    const tooSlow = await search(boostSim, { budgetMs, iterations: 3, folds: 5, runner: twoWorkers, fallbackBy: 5_500 });
    expect(tooSlow.outcome.trials[0].error).toMatch(/stopped at 5\.5 s, the point where, with no trial completed, the fallback runs/);
  });

  it('runs no fallback trial when a trial completed within the budget', async () => {
    const { notes } = await search(boostSim, { budgetMs: 60_000 });
    expect(notes.some((n) => n.startsWith('budget overrun:') || n.startsWith('no trial completed by'))).toBe(false);
  });

  it('reports where the time went per family', async () => {
    const { outcome } = await search(boostSim, { iterations: 30 });
    const boost = outcome.families.find((f) => f.family === 'Boost')!;
    expect(boost.trials + outcome.families.find((f) => f.family === 'Slow')!.trials).toBe(30);
    expect(boost.best).toBeGreaterThan(0.8);
    expect(boost.completed).toBe(boost.trials);
  });
});
