import type { TrialRunner } from '../../engine/src/automl/search/runSearch';
import type { TrialReply } from '../../engine/src/automl/trials/trialPool';

/**
 * A simulated trial that completes after `ms` on the clock with out-of-fold score `score` (one
 * row), its models kept when the search's `keep` asks for them: what every simulated runner's
 * completed trial looks like.
 */
export function completedTrial(clock: { t: number }, iteration: number, ms: number, score: number, keep: Parameters<TrialRunner['run']>[2]): TrialReply {
  clock.t += ms;
  const oof = Float64Array.of(score);
  const kept = keep?.({ oof, width: 1 }) ?? false;
  return { status: 'Completed', reply: { type: 'done', iteration, oof, width: 1, foldMs: [ms] }, states: kept ? [{}] : undefined, durationMs: ms };
}

/**
 * A runner on a simulated clock where every searched trial is stopped after its first fold
 * (`stoppedMs`, projecting `projectedMs`) and only the fallback (run without a projection
 * limit) completes, after `fallbackMs`, scoring 0.7: a machine too loaded for any trial.
 */
export function stoppedRunner(clock: { t: number }, o: { stoppedMs: number; projectedMs: number; fallbackMs: number }): TrialRunner {
  return {
    size: 1,
    async run(request, _timeoutMs, keep, _spread, projectLimitMs) {
      if (projectLimitMs !== undefined) {
        clock.t += o.stoppedMs;
        return { status: 'Canceled', error: 'stopped after 1 of 5 folds: projected', durationMs: o.stoppedMs, projectedMs: o.projectedMs };
      }
      return completedTrial(clock, request.iteration, o.fallbackMs, 0.7, keep);
    },
    cancel: () => undefined,
    cancelAll: () => undefined,
  };
}
