import { describe, expect, it, vi } from 'vitest';
import { buildEnsembles, crossFittedBestSingle } from '../../engine/src/automl/ensemble/buildEnsembles';
import { STACK_MARGIN_SE, chooseModel, pairedFoldSe } from '../../engine/src/automl/ensemble/ensembleTrials';
import type { TrialResult } from '../../engine/src/automl/search/runSearch';
import { diversePool, keptTrials, wouldKeep } from '../../engine/src/automl/ensemble/candidatePool';
import { greedyEnsembleSelection, weightedAverage } from '../../engine/src/automl/ensemble/greedySelection';
import { mulberry32 } from '../../engine/src/util/mulberry32';

/** 20 boosters scoring 0.90 down to 0.881, then 4 forests (0.87…) and 2 linear models (0.85…). */
function board() {
  const rows = [
    ...Array.from({ length: 20 }, (_, i) => ({ algorithm: 'XGBoostClassifier', score: 0.9 - i / 1000 })),
    ...Array.from({ length: 4 }, (_, i) => ({ algorithm: 'RandomForest', score: 0.87 - i / 1000 })),
    ...Array.from({ length: 2 }, (_, i) => ({ algorithm: 'LogisticRegression', score: 0.85 - i / 1000 })),
  ];
  // Iterations in an order unrelated to the score.
  return rows.map((r, i) => ({ ...r, iteration: (i * 7) % rows.length }));
}

describe('the ensembles\' candidates', () => {
  it('keep the best overall and the best few of each family', () => {
    const kept = keptTrials('AUC_weighted', board(), { top: 15, perFamily: 3 });
    expect(kept.filter((t) => t.algorithm === 'XGBoostClassifier')).toHaveLength(15);
    expect(kept.filter((t) => t.algorithm === 'RandomForest').map((t) => t.score)).toEqual([0.87, 0.869, 0.868]);
    expect(kept.filter((t) => t.algorithm === 'LogisticRegression')).toHaveLength(2);
    // Azure's policy alone (15 best) keeps only boosters.
    expect(new Set(keptTrials('AUC_weighted', board(), { top: 15, perFamily: 0 }).map((t) => t.algorithm))).toEqual(new Set(['XGBoostClassifier']));
  });

  it('decide a new trial by the same rule, so the kept set does not depend on finishing order', () => {
    const kept = keptTrials('AUC_weighted', board(), { top: 15, perFamily: 3 });
    const policy = { top: 15, perFamily: 3 };
    // A fourth-best forest is not kept; a forest better than the third one is.
    expect(wouldKeep('AUC_weighted', kept, { algorithm: 'RandomForest', score: 0.8675, iteration: 99 }, policy)).toBe(false);
    expect(wouldKeep('AUC_weighted', kept, { algorithm: 'RandomForest', score: 0.8685, iteration: 99 }, policy)).toBe(true);
    // A new family's first trial is kept however poor; an unscored one never.
    expect(wouldKeep('AUC_weighted', kept, { algorithm: 'DecisionTree', score: 0.6, iteration: 99 }, policy)).toBe(true);
    expect(wouldKeep('AUC_weighted', kept, { algorithm: 'DecisionTree', score: NaN, iteration: 99 }, policy)).toBe(false);
    // Lower is better for an error metric.
    const errors = board().map((t) => ({ ...t, score: 1 - t.score }));
    expect(keptTrials('normalized_root_mean_squared_error', errors, { top: 2, perFamily: 1 }).map((t) => t.score.toFixed(3))).toEqual(['0.100', '0.101', '0.130', '0.150']);
  });

  it('put the best of each family first, so a memory cap drops near-duplicates of the leader', () => {
    const pool = diversePool('AUC_weighted', board(), 3, 8);
    expect(pool.map((t) => `${t.algorithm} ${t.score}`)).toEqual([
      'XGBoostClassifier 0.9',
      'RandomForest 0.87',
      'LogisticRegression 0.85',
      'XGBoostClassifier 0.899',
      'RandomForest 0.869',
      'LogisticRegression 0.849',
      'XGBoostClassifier 0.898',
      'RandomForest 0.868',
    ]);
    // Without per-family picks: the best by score, Azure's way.
    expect(diversePool('AUC_weighted', board(), 0, 5).every((t) => t.algorithm === 'XGBoostClassifier')).toBe(true);
  });
});

/** Candidate "models" predicting a binary label (width 1 here: a score per row). */
function predictions(rows: number, models: number, noise: number[], seed = 3) {
  const rand = mulberry32(seed);
  const y = Float64Array.from({ length: rows }, () => (rand() < 0.5 ? 1 : 0));
  const preds = Array.from({ length: models }, (_, m) => Float64Array.from(y, (v) => v + noise[m] * (rand() * 2 - 1)));
  return { y, preds };
}

/** Negative squared error of averaged predictions (higher is better). */
const negMse = (y: Float64Array) => (p: Float64Array) => {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const d = p[i] - y[i];
    s += d * d;
  }
  return -s / p.length;
};

describe('greedy selection', () => {
  it('with sorted initialisation starts from the blend of the best few', async () => {
    const { y, preds } = predictions(400, 4, [1, 1.02, 1.04, 3]);
    const one = await greedyEnsembleSelection({ candidates: preds, score: negMse(y), rounds: 1 });
    expect(one.counts).toEqual([1, 0, 0, 0]);
    const sorted = await greedyEnsembleSelection({ candidates: preds, score: negMse(y), rounds: 3, initial: 3 });
    // Three independent equally good models average to a better one than each alone.
    expect(sorted.counts).toEqual([1, 1, 1, 0]);
    expect(sorted.score).toBeGreaterThan(one.score);
  });

  it('with patience stops after that many rounds without a better blend: the best prefix of the rounds it ran', async () => {
    const { y, preds } = predictions(400, 4, [1, 1.02, 1.04, 3]);
    let scored = 0;
    const score = (p: Float64Array) => {
      scored++;
      return negMse(y)(p);
    };
    const all = await greedyEnsembleSelection({ candidates: preds, score, rounds: 50, initial: 3 });
    const allScored = scored;
    scored = 0;
    const patient = await greedyEnsembleSelection({ candidates: preds, score, rounds: 50, initial: 3, patience: 2 });
    expect(scored).toBeLessThan(allScored);
    // The same as all rounds cut where it stopped: its best blend, then 2 rounds without a better one.
    const size = patient.counts.reduce((a, b) => a + b, 0);
    const cut = await greedyEnsembleSelection({ candidates: preds, score, rounds: size + 2, initial: 3 });
    expect(patient.counts).toEqual(cut.counts);
    expect(patient.score).toBe(cut.score);
    expect(patient.score).toBeLessThanOrEqual(all.score);
  });
});

describe('the VotingEnsemble and StackEnsemble', () => {
  it('mix a weaker family with different errors into 15 near-identical boosters', async () => {
    const rows = 500;
    const rand = mulberry32(5);
    const y = Float64Array.from({ length: rows }, () => rand());
    const shared = Float64Array.from(y, () => rand() * 2 - 1);
    const own = () => Float64Array.from(y, () => rand() * 2 - 1);
    // Boosters share most of their error; the forest and the linear model err on their own (and more).
    const make = (algorithm: string, iteration: number, oof: Float64Array): TrialResult => {
      const score = negMse(y)(oof);
      return { iteration, algorithm, params: {}, status: 'Completed', metrics: { r2_score: score }, score, startedAt: '', durationMs: 1, cost: 1, oof, width: 1, states: [{}] };
    };
    const boosters = Array.from({ length: 16 }, (_, k) => {
      const e = own();
      return make('XGBoostRegressor', k, Float64Array.from(y, (v, i) => v + 0.3 * shared[i] + (0.05 + k / 1000) * e[i]));
    });
    const forestError = own();
    const forest = make('RandomForest', 16, Float64Array.from(y, (v, i) => v + 0.33 * forestError[i]));
    const linearError = own();
    const linear = make('ElasticNet', 17, Float64Array.from(y, (v, i) => v + 0.5 * linearError[i]));
    const trials = [...boosters, forest, linear];
    // Azure's way (the 15 best) would not see them: both rank below every booster.
    expect(trials.filter((t) => t.score > forest.score)).toHaveLength(16);
    const out = await buildEnsembles({
      task: 'regression',
      width: 1,
      primaryMetric: 'r2_score',
      trials,
      yEval: Float32Array.from(y),
      evaluate: (oof) => ({ r2_score: negMse(y)(oof) }),
      primaryScore: (pred, rows) => negMse(rows ? Float64Array.from(rows, (i) => y[i]) : y)(pred),
      seed: 0,
      voting: true,
      stack: true,
      firstIteration: 18,
    });
    const [voting, stack] = out;
    expect(voting.trial.algorithm).toBe('VotingEnsemble');
    expect(voting.trial.params).toHaveProperty('iteration_16');
    expect(voting.trial.score).toBeGreaterThan(boosters[0].score);
    expect(voting.spec.type === 'voting' && voting.spec.members.some((m) => m.model.algorithm === 'RandomForest')).toBe(true);
    expect(stack.trial.algorithm).toBe('StackEnsemble');
    // The stack's bases: the best of each family, then the next best by score up to 5.
    const byScore = [...boosters].sort((p, q) => q.score - p.score).map((t) => t.iteration);
    expect(String(stack.trial.params.base_iterations).split(',').map(Number)).toEqual([byScore[0], 16, 17, byScore[1], byScore[2]]);
  });
});

describe('honest ensemble scores', () => {
  /** A small binary table: 16 weak models, mostly noise, that selection can fit by chance. */
  function noisy(rows: number) {
    const rand = mulberry32(17);
    const y = Float64Array.from({ length: rows }, () => (rand() < 0.5 ? 1 : 0));
    const make = (k: number, oof: Float64Array): TrialResult => {
      const score = negMse(y)(oof);
      return { iteration: k, algorithm: k === 0 ? 'XGBoostClassifier' : `Noise${k % 4}`, params: {}, status: 'Completed', metrics: { r2_score: score }, score, startedAt: '', durationMs: 1, cost: 1, oof, width: 1, states: [{}] };
    };
    const trials = Array.from({ length: 16 }, (_, k) => make(k, Float64Array.from(y, (v) => 0.5 + 0.1 * (v - 0.5) + 0.8 * (rand() - 0.5))));
    const score = (pred: Float64Array, rows?: Uint32Array) => negMse(rows ? Float64Array.from(rows, (i) => y[i]) : y)(pred);
    return {
      y,
      trials,
      args: {
        task: 'regression' as const,
        width: 1,
        primaryMetric: 'r2_score',
        trials,
        yEval: Float32Array.from(y),
        evaluate: (oof: Float64Array) => ({ r2_score: score(oof) }),
        primaryScore: score,
        seed: 0,
        voting: true,
        stack: true,
        firstIteration: 16,
      },
      score,
    };
  }

  it('score the VotingEnsemble cross-fitted: below the in-sample score its weights were chosen on', async () => {
    const { args, score } = noisy(60);
    const logs: string[] = [];
    const [voting, stack] = await buildEnsembles({ ...args, log: (l) => logs.push(l) });
    expect(voting.trial.algorithm).toBe('VotingEnsemble');
    const members = voting.spec.type === 'voting' ? voting.spec.members : [];
    const inSample = weightedAverage(
      members.map((m) => args.trials.find((t) => t.iteration === m.model.iteration)!.oof!),
      members.map((m) => m.weight),
    );
    expect(voting.honestScore).toBe(voting.trial.score);
    expect(voting.trial.metrics.r2_score).toBe(voting.trial.score);
    expect(voting.trial.score).toBeLessThan(score(inSample));
    expect(logs.join('\n')).toMatch(/VotingEnsemble: scored cross-fitted .*: r2_score -?\d\.\d{4}; with the weights chosen on all rows it would read -?\d\.\d{4} \(in-sample, optimistic\)/);
    // The stack's score is its meta-model's own cross-validation: honest as it is.
    expect(stack.honestScore).toBe(stack.trial.score);
    // The same inputs give the same rows.
    const again = await buildEnsembles(args);
    expect(again.map((e) => [e.trial.score, e.trial.params])).toEqual([voting, stack].map((e) => [e.trial.score, e.trial.params]));
  });

  it('keep the in-sample score, and say so, when cross-fitting does not finish before the deadline', async () => {
    const { args } = noisy(60);
    // Every clock reading moves 1 s: the selection on all rows is cut at the deadline, and so is the first fold.
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => (clock += 1000));
    try {
      const logs: string[] = [];
      const [voting] = await buildEnsembles({ ...args, stack: false, deadline: 3_000, log: (l) => logs.push(l) });
      expect(voting.honestScore).toBeUndefined();
      expect(logs.join('\n')).toMatch(/VotingEnsemble: scored in-sample \(its weights chosen on the same out-of-fold predictions, optimistic\): cross-fitting did not finish/);
    } finally {
      now.mockRestore();
    }
  });

  it('choose the model by honest scores: the stack unless another row beats it by more than 0.01, the best single trial by its pick cross-fitted', async () => {
    const { args } = noisy(60);
    const single = await crossFittedBestSingle(args);
    // The best of 16 noisy models on all rows is worse held out.
    const bestScore = Math.max(...args.trials.map((t) => t.score));
    expect(single).toBeLessThan(bestScore);
    expect(await crossFittedBestSingle({ ...args, trials: args.trials.slice(0, 1) })).toBeCloseTo(args.trials[0].score, 12);
    const row = (algorithm: string, iteration: number, score: number) => ({ ...args.trials[0], algorithm, iteration, score });
    const voting = { trial: row('VotingEnsemble', 16, 0.5), spec: { type: 'voting' as const, members: [] }, honestScore: 0.3 };
    const stack = { trial: row('StackEnsemble', 17, 0.292), spec: { type: 'voting' as const, members: [] }, honestScore: 0.292 };
    const best = row('XGBoostClassifier', 3, 0.9);
    // The stack is the model unless another honest score beats it by more than 0.01; the
    // single trial's plain score (0.9) is not what it is judged by.
    expect(chooseModel('r2_score', [voting, stack], [best], 0.295)?.trial).toBe(stack.trial);
    expect(chooseModel('r2_score', [voting, stack], [best], 0.305)?.trial).toBe(best);
    expect(chooseModel('r2_score', [voting, { ...stack, honestScore: 0.28 }], [best], 0.2)?.trial).toBe(voting.trial);
    expect(chooseModel('r2_score', [voting, stack], [best], 0.295)?.why).toMatch(
      /the StackEnsemble is the model unless another row's honest score beats it by more than 0\.01 \(honest r2_score: VotingEnsemble 0\.3000, StackEnsemble 0\.2920, best single trial #3 XGBoostClassifier 0\.2950;/,
    );
    // Near the ideal the margin is a tenth of the stack's distance from it: an AUC of 0.9960 loses to 0.9970.
    const near = { ...stack, trial: row('StackEnsemble', 17, 0.996), honestScore: 0.996 };
    expect(chooseModel('AUC_weighted', [{ ...voting, honestScore: 0.9962 }, near], [best], 0.997)?.trial).toBe(best);
    expect(chooseModel('AUC_weighted', [{ ...voting, honestScore: 0.9962 }, near], [best], 0.9963)?.why).toMatch(/beats it by more than 0\.0004 /);
    // Without a stack the highest honest score wins, ties to the ensemble; lower is better for an error metric.
    expect(chooseModel('r2_score', [voting], [best], 0.3)?.trial).toBe(voting.trial);
    expect(chooseModel('normalized_root_mean_squared_error', [voting], [best], 0.2)?.trial).toBe(best);
    // A voting row scored in-sample takes no part: with no stack, no honest choice (the leaderboard's best row is the model).
    expect(chooseModel('r2_score', [{ ...voting, honestScore: undefined }], [best], 0.3)).toBeUndefined();
    expect(chooseModel('r2_score', [{ ...voting, honestScore: undefined }, stack], [best], undefined)?.trial).toBe(stack.trial);
    // With the voting row in-sample, the stack is still weighed against the best single trial's honest score.
    const unscored = { ...voting, honestScore: undefined };
    expect(chooseModel('AUC_weighted', [unscored, near], [best], 0.997)?.trial).toBe(best);
    expect(chooseModel('AUC_weighted', [unscored, near], [best], 0.997)?.why).toMatch(
      /^chosen by the highest honest score \(honest AUC_weighted: StackEnsemble 0\.9960, best single trial #3 XGBoostClassifier 0\.9970; the best single trial's pick cross-fitted over 5 folds of the out-of-fold rows; not weighed: VotingEnsemble \(scored in-sample\)\)$/,
    );
  });

  it("shrink the stack's margin to 2 standard errors of another row's per-fold lead when that lead is consistent", () => {
    const { args, y, score } = noisy(60);
    const rand = mulberry32(5);
    // Three rows far off in the stack's predictions: a row that gets only those right leads on one or two folds.
    const noise = Float64Array.from(y, (_, i) => (i < 3 ? 0.3 : 0.25 * (rand() - 0.5)));
    // The stack's honest predictions; the best single trial's pick closer to the labels on every row
    // (a lead under 0.01 but the same on every fold), and another row as far ahead by getting three rows right.
    const stackPred = Float64Array.from(y, (v, i) => v + noise[i]);
    const closer = Float64Array.from(y, (v, i) => v + 0.9 * noise[i]);
    const jitter = Float64Array.from(y, (v, i) => (i < 3 ? v : v + noise[i]));
    const row = (algorithm: string, iteration: number, oof: Float64Array) => ({ ...args.trials[0], algorithm, iteration, score: score(oof), oof });
    const stack = { trial: row('StackEnsemble', 17, stackPred), spec: { type: 'voting' as const, members: [] }, honestScore: score(stackPred) };
    const best = row('XGBoostClassifier', 3, closer);
    const lead = score(closer) - score(stackPred);
    expect(lead).toBeGreaterThan(0.001);
    expect(lead).toBeLessThan(0.01);
    const pairedSe = pairedFoldSe(args);
    expect(STACK_MARGIN_SE * pairedSe(closer, stackPred)!).toBeLessThan(lead);
    // Without the predictions the fixed margin keeps the stack; with them the consistent lead wins.
    expect(chooseModel('r2_score', [stack], [best], score(closer))?.trial).toBe(stack.trial);
    const chosen = chooseModel('r2_score', [stack], [best], score(closer), { singlePred: closer, pairedSe });
    expect(chosen?.trial).toBe(best);
    expect(chosen?.why).toMatch(/^chosen by the highest honest score, ahead of the StackEnsemble by more than [\d.]+ \(2 standard errors of its per-fold lead, below 0\.01\)/);
    // A lead as large that comes and goes with the rows keeps the stack.
    const shaky = score(jitter) - score(stackPred);
    expect(shaky).toBeGreaterThan(0.001);
    expect(shaky).toBeLessThan(0.01);
    expect(STACK_MARGIN_SE * pairedSe(jitter, stackPred)!).toBeGreaterThan(shaky);
    expect(chooseModel('r2_score', [stack], [row('XGBoostClassifier', 4, jitter)], score(jitter), { singlePred: jitter, pairedSe })?.trial).toBe(stack.trial);
  });

  it('score the best single trial between the stack and the voting selection, so a deadline that cuts the voting leaves it', async () => {
    const { args } = noisy(60);
    const order: string[] = [];
    const out = await buildEnsembles({
      ...args,
      afterStack: async () => {
        order.push('afterStack');
      },
      log: (l) => order.push(l.split(':')[0]),
    });
    expect(order).toEqual(['afterStack', 'VotingEnsemble']);
    expect(out.map((e) => e.trial.algorithm)).toEqual(['VotingEnsemble', 'StackEnsemble']);
  });
});
