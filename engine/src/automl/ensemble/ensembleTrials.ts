import { WeirError } from '../../errors';
import type { Evaluator } from '../evaluation/evaluator';
import type { TrialResult } from '../search/runSearch';
import { reserveMs } from '../search/searchInWorkers';
import type { ResolvedSettings } from '../settings';
import { type EnsembleResult, buildEnsembles } from './buildEnsembles';

/**
 * The ensemble rows after the search, when enabled and at least two searched trials
 * completed. They must be done by the budget less the outputs' reserve; a failure other than
 * a cancel is logged and leaves the leaderboard without ensembles.
 */
export async function ensembleTrials(a: {
  settings: ResolvedSettings;
  evaluator: Evaluator;
  numClasses?: number;
  /** Completed searched trials (not forecasting baselines). */
  searched: TrialResult[];
  firstIteration: number;
  started: number;
  signal: AbortSignal;
  log(text: string): void;
}): Promise<EnsembleResult[]> {
  const { settings, evaluator } = a;
  if (!(settings.votingEnsemble || settings.stackEnsemble) || a.searched.length < 2 || a.signal.aborted) return [];
  const deadline = settings.experimentTimeoutMs !== undefined ? a.started + settings.experimentTimeoutMs - reserveMs(settings.experimentTimeoutMs) : undefined;
  if (deadline !== undefined && performance.now() >= deadline) {
    // Even a first selection round over many classes and rows takes seconds on a busy machine.
    a.log('ensembles skipped: no time left in the experiment timeout');
    return [];
  }
  let ensembles: EnsembleResult[] = [];
  const ensemblesStarted = performance.now();
  try {
    ensembles = await buildEnsembles({
      task: settings.task,
      numClasses: a.numClasses,
      width: evaluator.width,
      primaryMetric: settings.primaryMetric,
      trials: a.searched,
      yEval: evaluator.yEval,
      wEval: evaluator.wEval,
      evaluate: (oof) => evaluator.evaluate(oof),
      primaryScore: (pred, rows) => evaluator.primaryScore(pred, rows),
      seed: settings.seed,
      voting: settings.votingEnsemble,
      stack: settings.stackEnsemble,
      firstIteration: a.firstIteration,
      deadline,
      signal: a.signal,
      log: (text) => a.log(text),
    });
  } catch (e) {
    if (e instanceof WeirError && e.code === 'CANCELED') throw e;
    a.log(`ensembles skipped: ${(e as Error).message}`);
  }
  a.log(`ensembles: ${ensembles.map((e) => e.trial.algorithm).join(', ') || 'none'} built in ${((performance.now() - ensemblesStarted) / 1000).toFixed(1)} s`);
  return ensembles;
}
