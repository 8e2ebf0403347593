import type { RunSummary } from '../protocol';
import type { RunRecord } from '../store/records';

/**
 * The small form of a run that the run explorer lists (10,000 of them must cross the pipe and
 * become tree rows quickly). The headline metric is the AutoML step's (its primary metric is
 * the first it reports), else the first metric any step reported.
 */
export function summarizeRun(run: RunRecord, now: number = Date.now()): RunSummary {
  const automl = run.steps.find((s) => s.kind === 'automl' && Object.keys(s.metrics ?? {}).length > 0);
  const withMetrics = automl ?? run.steps.find((s) => Object.keys(s.metrics ?? {}).length > 0);
  const metric = withMetrics ? Object.entries(withMetrics.metrics)[0] : undefined;
  const started = run.startedAt ? Date.parse(run.startedAt) : undefined;
  const ended = run.endedAt ? Date.parse(run.endedAt) : undefined;
  const live = run.status === 'Running' || run.status === 'Queued';
  const summary: RunSummary = {
    id: run.id,
    experiment: run.experiment,
    pipelineName: run.pipelineName,
    pipelineFile: run.pipelineFile,
    status: run.status,
    createdAt: run.createdAt,
    stepCount: run.steps.length,
  };
  // Start and end times cost bytes on every row; a live run needs its start to tick, a finished one its duration.
  if (run.startedAt && live) summary.startedAt = run.startedAt;
  if (started !== undefined && (ended !== undefined || live)) summary.durationMs = (ended ?? now) - started;
  if (metric) summary.primaryMetric = { name: metric[0], value: metric[1] };
  if (run.error) {
    if (run.error.reason) summary.errorReason = run.error.reason;
    summary.errorMessage = run.error.message;
  }
  if (run.rerunOf) summary.rerunOf = run.rerunOf;
  return summary;
}
