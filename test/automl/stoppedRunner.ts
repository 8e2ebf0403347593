import type { TrialRunner } from '../../engine/src/automl/search/runSearch';

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
      clock.t += o.fallbackMs;
      const oof = Float64Array.of(0.7);
      const kept = keep?.({ oof, width: 1 }) ?? false;
      return { status: 'Completed', reply: { type: 'done', iteration: request.iteration, oof, width: 1, foldMs: [o.fallbackMs] }, states: kept ? [{}] : undefined, durationMs: o.fallbackMs };
    },
    cancel: () => undefined,
    cancelAll: () => undefined,
  };
}
