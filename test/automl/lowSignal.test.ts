import { describe, expect, it } from 'vitest';
import { CostFrugalSearch, type SearchFamily } from '../../engine/src/automl/search/costFrugalSearch';
import { LOW_SKILL, type PortfolioEntry, lowSignalVerdict } from '../../engine/src/automl/search/lowSignal';
import { runSearch } from '../../engine/src/automl/search/runSearch';
import type { TrialRequest } from '../../engine/src/automl/trials/protocol';
import { completedTrial } from './simulatedRunner';

/**
 * The low-signal rule (search/lowSignal.ts): after the booster's portfolio, a shallow, heavily
 * regularised configuration runs only when the portfolio's best is weak (r2 or Gini below 0.6)
 * and came from trees smaller than the portfolio's median entry.
 */
const leaves = [31, 31, 63, 15, 127, 7];

/** Portfolio entries with these leaves and r2 scores (loss = −r2), as the search feeds them. */
function regression(scores: number[]): PortfolioEntry[] {
  return scores.map((r2, i) => ({ iteration: i, params: { max_leaves: leaves[i] }, loss: -r2, metrics: { r2_score: r2 } }));
}

describe('lowSignalVerdict', () => {
  it('fires on a low-signal table whose smaller trees win (fair_affairs, diabetes: 5-fold CV of the portfolio)', () => {
    const fair = lowSignalVerdict(regression([0.00999, 0.01251, 0.0374, 0.04837, 0.03232, 0.04736]), 'max_leaves');
    expect(fair.fires).toBe(true);
    expect(fair.why).toContain('15 max_leaves');
    expect(fair.why).toContain('r2 0.0484');
    expect(fair.why).toContain('below the portfolio\'s median 31');
    expect(lowSignalVerdict(regression([0.35577, 0.36128, 0.41606, 0.44152, 0.44457, 0.44966]), 'max_leaves').fires).toBe(true);
  });

  it('does not fire where larger trees win, even at a low r2 (randhie), nor on a strong signal whose small trees win (boston)', () => {
    const randhie = lowSignalVerdict(regression([0.15384, 0.15693, 0.15857, 0.13715, 0.16249, 0.12415]), 'max_leaves');
    expect(randhie.fires).toBe(false);
    expect(randhie.why).toContain('not below the portfolio\'s median');
    const boston = lowSignalVerdict(regression([0.87001, 0.88115, 0.88268, 0.87495, 0.87355, 0.886]), 'max_leaves');
    expect(boston.fires).toBe(false);
    expect(boston.why).toContain(`not below ${LOW_SKILL}`);
  });

  it('judges classification by the Gini coefficient of AUC_weighted (fair_any fires, churn does not)', () => {
    const classification = (aucs: number[]): PortfolioEntry[] =>
      aucs.map((auc, i) => ({ iteration: i, params: { max_leaves: leaves[i] }, loss: -auc, metrics: { AUC_weighted: auc, accuracy: 0.9 } }));
    const fairAny = lowSignalVerdict(classification([0.73407, 0.74051, 0.73976, 0.74448, 0.74267, 0.74539]), 'max_leaves');
    expect(fairAny.fires).toBe(true);
    expect(fairAny.why).toContain('Gini 0.4908');
    expect(lowSignalVerdict(classification([0.85923, 0.86312, 0.8625, 0.86722, 0.86019, 0.86635]), 'max_leaves').fires).toBe(false);
  });

  it('does not fire without enough completed entries or without r2 or AUC', () => {
    const few = regression([0.01, 0.012, 0.037]).map((e, i) => (i > 0 ? { ...e, loss: Infinity, metrics: {} } : e));
    expect(lowSignalVerdict(few, 'max_leaves').fires).toBe(false);
    const noSkill = regression([0.01, 0.012, 0.037, 0.048, 0.032, 0.047]).map((e) => ({ ...e, metrics: { normalized_root_mean_squared_error: e.loss } }));
    expect(lowSignalVerdict(noSkill, 'max_leaves').fires).toBe(false);
  });
});

const shallow = { max_leaves: 4, eta: 0.05 };
const boost: SearchFamily = {
  name: 'Boost',
  initialCost: 2,
  space: { max_leaves: { type: 'int', low: 4, high: 256, log: true }, eta: { type: 'float', low: 0.01, high: 1, log: true } },
  lowCost: { max_leaves: 4, eta: 0.1 },
  portfolio: leaves.map((l) => ({ max_leaves: l, eta: 0.1 })),
  lowSignal: { config: shallow, capacity: 'max_leaves' },
};
const linear: SearchFamily = { name: 'Linear', initialCost: 1, space: { C: { type: 'float', low: 0.001, high: 100, log: true } }, lowCost: { C: 1 } };

/** A noisy table: smaller trees score better, the booster's r2 stays low. */
const r2 = (family: string, p: Record<string, number | string>) => (family === 'Linear' ? 0.02 : 0.06 - 0.004 * Math.log2(Number(p.max_leaves) / 4) - 0.001 * Math.abs(Math.log(Number(p.eta) / 0.05)));

describe('CostFrugalSearch.afterPortfolio', () => {
  function run(answer: boolean, lag: number, n = 14) {
    const asked: { family: string; leaves: number[] }[] = [];
    const s = new CostFrugalSearch([boost, linear], 5, {
      afterPortfolio: (family, entries) => {
        asked.push({ family, leaves: entries.map((e) => Number(e.params.max_leaves)) });
        return answer;
      },
    });
    const out = [];
    // Proposals run `lag` ahead of the losses fed back, as with several workers and no time limit.
    for (let i = 0; i < n; i++) {
      if (i - lag >= 0) s.observe(i - lag, -r2(out[i - lag].family, out[i - lag].params));
      out.push(s.propose(i));
    }
    return { out, asked };
  }

  it('asks once, with every portfolio entry, when the line has run; the configuration goes next when the answer is yes', () => {
    for (const lag of [1, 2]) {
      const { out, asked } = run(true, lag);
      expect(asked).toEqual([{ family: 'Boost', leaves }]);
      const boostTrials = out.filter((p) => p.family === 'Boost').map((p) => p.params);
      expect(boostTrials.slice(0, 6)).toEqual(boost.portfolio);
      expect(out.findIndex((p) => p.params.max_leaves === 4 && p.params.eta === 0.05)).toBeGreaterThan(6);
      expect(boostTrials).toContainEqual(shallow);
    }
  });

  it('does not run it when the answer is no, and is deterministic for a seed', () => {
    const no = run(false, 1, 30);
    expect(no.asked.length).toBe(1);
    expect(no.out.map((p) => p.params)).not.toContainEqual(shallow);
    expect(run(true, 2, 40).out).toEqual(run(true, 2, 40).out);
  });
});

describe('runSearch with the low-signal rule', () => {
  async function search(scoreOf: (r: TrialRequest) => number, iterations = 12, families = [boost, linear]) {
    const clock = { t: 0 };
    const notes: string[] = [];
    const started: TrialRequest[] = [];
    const outcome = await runSearch({
      runner: {
        size: 2,
        async run(request, _timeoutMs, keep) {
          started.push(request);
          return completedTrial(clock, request.iteration, 10, scoreOf(request), keep);
        },
        cancel: () => undefined,
        cancelAll: () => undefined,
      },
      onNote: (text) => notes.push(text),
      families,
      iterations,
      primaryMetric: 'r2_score',
      seed: 3,
      earlyStopping: false,
      patience: 20,
      evaluate: (oof) => ({ r2_score: oof[0] }),
      keepTop: 5,
      signal: new AbortController().signal,
      onTrial: () => undefined,
      now: () => clock.t,
    });
    return { outcome, notes, started };
  }

  it('runs the configuration after the portfolio on a noisy table and says why in the log, with its outcome', async () => {
    const { notes, started } = await search((r) => r2(r.family, r.params));
    expect(started.map((r) => r.params)).toContainEqual(shallow);
    const fired = notes.find((n) => n.includes('low signal, overfitting-prone'));
    expect(fired).toBeDefined();
    expect(fired).toMatch(/^Boost: low signal, overfitting-prone — the portfolio's best \(iteration \d+, 7 max_leaves\) has r2 0\.0561, skill below 0\.6; its max_leaves below the portfolio.s median 31/);
    expect(notes.find((n) => n.includes('the low-signal configuration: r2_score 0.0600'))).toMatch(/its local search goes on from it$/);
    // No time limit, a seed and `iterations`: the same trials every time.
    expect((await search((r) => r2(r.family, r.params))).started).toEqual(started);
  });

  it('does not fire where larger trees win, and the search is as without the rule', async () => {
    const bigWins = (r: TrialRequest) => (r.family === 'Linear' ? 0.02 : 0.1 + 0.01 * Math.log2(Number(r.params.max_leaves)));
    const { notes, started } = await search(bigWins);
    expect(notes.some((n) => n.includes('low signal'))).toBe(false);
    expect(started.map((r) => r.params)).not.toContainEqual(shallow);
    const { lowSignal: _off, ...without } = boost;
    void _off;
    const plain = (await search(bigWins, 12, [without, linear])).started;
    expect(started).toEqual(plain);
  });
});
