import type { DatasetVersion, ExperimentSummary, ModelListing, RunSummary, StepRunRecord, TrialRecord } from '../../../engine/src/protocol';
import { formatDuration } from '../../../engine/src/util/format';

/** The engine's one duration format, as the trees, tooltips and status bar show it. */
export { formatDuration };

/**
 * What each tree row shows, computed without VS Code so it can be unit-tested and benchmarked.
 * The tree providers turn a `Row` into a `vscode.TreeItem` one to one.
 */
export interface Row {
  /** Stable across refreshes, so VS Code keeps selection and expansion. */
  id: string;
  label: string;
  description?: string;
  /** Markdown. */
  tooltip: string;
  /** A codicon id (`sync~spin`, `pass`, …) and an optional theme colour id. */
  icon: { id: string; color?: string };
  /** Drives the context menus in `package.json` (`viewItem == run.running`, …). */
  contextValue: string;
  collapsible: boolean;
  /** Read by screen readers and by the end-to-end tests. */
  ariaLabel: string;
}

/** Runs fetched per page when an experiment expands (and per "Show older runs"). */
export const runsPageSize = 500;

export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

/** `2026-11-27 23:41:05` in local time: sortable and readable. */
export function formatTimestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function statusIcon(status: string): Row['icon'] {
  switch (status) {
    case 'Running':
      return { id: 'sync~spin', color: 'charts.blue' };
    case 'Queued':
      return { id: 'clock' };
    case 'Completed':
      return { id: 'pass', color: 'testing.iconPassed' };
    case 'Reused':
      return { id: 'pass-filled', color: 'testing.iconPassed' };
    case 'Failed':
      return { id: 'error', color: 'testing.iconFailed' };
    case 'Canceled':
      return { id: 'circle-slash', color: 'testing.iconSkipped' };
    case 'Skipped':
      return { id: 'debug-step-over', color: 'testing.iconSkipped' };
    default:
      return { id: 'circle-outline' };
  }
}

const isLive = (status: string) => status === 'Running' || status === 'Queued';

export function experimentRow(experiment: ExperimentSummary): Row {
  const runs = `${experiment.runCount} run${experiment.runCount === 1 ? '' : 's'}`;
  return {
    id: `experiment:${experiment.name}`,
    label: experiment.name,
    description: runs,
    tooltip: [`**${experiment.name}**`, runs, experiment.lastRunAt ? `last run ${formatTimestamp(experiment.lastRunAt)}` : ''].filter(Boolean).join('\n\n'),
    icon: experiment.lastStatus && isLive(experiment.lastStatus) ? statusIcon('Running') : { id: 'beaker' },
    contextValue: 'experiment',
    collapsible: true,
    ariaLabel: `Experiment ${experiment.name}, ${runs}`,
  };
}

export function runDurationMs(run: Pick<RunSummary, 'startedAt' | 'endedAt' | 'durationMs'>, now: number): number | undefined {
  if (run.durationMs !== undefined) return run.durationMs;
  if (!run.startedAt) return undefined;
  return (run.endedAt ? Date.parse(run.endedAt) : now) - Date.parse(run.startedAt);
}

/**
 * A run's row. It is built for every run when an experiment expands (10,000 of them must take
 * well under 100 ms), so it holds only what the row shows; `runTooltip` is built on hover.
 */
export function runRow(run: RunSummary, now: number = Date.now()): Row {
  const status = run.errorReason === 'Interrupted' ? 'Interrupted' : run.status;
  const duration = formatDuration(runDurationMs(run, now));
  const metric = run.primaryMetric ? `${run.primaryMetric.name} ${formatMetric(run.primaryMetric.value)}` : '';
  let description = status;
  if (duration) description += ` · ${duration}`;
  if (metric) description += ` · ${metric}`;
  return {
    id: `run:${run.id}`,
    label: formatTimestamp(run.createdAt),
    description,
    tooltip: '',
    icon: statusIcon(run.status),
    contextValue: isLive(run.status) ? 'run.live' : 'run.finished',
    collapsible: true,
    ariaLabel: `Run ${run.id} ${description.replaceAll(' · ', ' ')}`,
  };
}

export function runTooltip(run: RunSummary, now: number = Date.now()): string {
  const status = run.errorReason === 'Interrupted' ? 'Interrupted' : run.status;
  const duration = formatDuration(runDurationMs(run, now));
  const metric = run.primaryMetric ? `${run.primaryMetric.name} ${formatMetric(run.primaryMetric.value)}` : '';
  return [
    `**${run.pipelineName}** — ${status}`,
    `Run \`${run.id}\``,
    `Experiment ${run.experiment} · ${run.pipelineFile}`,
    `Created ${formatTimestamp(run.createdAt)}${duration ? ` · took ${duration}` : ''}`,
    metric ? `Primary metric: ${metric}` : '',
    run.errorMessage ? `Error: ${run.errorMessage}` : '',
    run.rerunOf ? `Rerun of \`${run.rerunOf}\`` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
}

export function stepDurationMs(step: StepRunRecord, now: number): number | undefined {
  if (!step.startedAt) return undefined;
  return (step.endedAt ? Date.parse(step.endedAt) : now) - Date.parse(step.startedAt);
}

export function stepRow(runId: string, step: StepRunRecord, now: number = Date.now()): Row {
  const duration = formatDuration(stepDurationMs(step, now));
  const metricEntries = Object.entries(step.metrics ?? {});
  const metric = metricEntries.length ? `${metricEntries[0][0]} ${formatMetric(metricEntries[0][1])}` : '';
  const trials = step.trialCount ? `${step.trialCount} trials` : '';
  // A step that ran as a Slurm job shows where: its job id and node.
  const job = step.slurm ? `job ${step.slurm.jobId}${step.slurm.node ? ` on ${step.slurm.node}` : ''}` : '';
  const description = [step.status, duration, metric, trials, job].filter(Boolean).join(' · ');
  const outputs = Object.entries(step.outputs ?? {}).map(([name, ref]) => `- ${name}: ${ref.kind}${ref.rows !== undefined ? `, ${ref.rows} rows` : ''}`);
  const tooltip = [
    `**${step.name}** (${step.kind}) — ${step.status}`,
    duration ? `took ${duration}` : '',
    step.reusedFrom ? `Reused from run \`${step.reusedFrom.runId}\`` : '',
    step.slurm ? `Slurm job ${step.slurm.jobId}: ${step.slurm.state}${step.slurm.node ? ` on node ${step.slurm.node}` : ''}${step.slurm.reason ? ` (${step.slurm.reason})` : ''}` : '',
    metricEntries.length ? metricEntries.map(([k, v]) => `${k}: ${formatMetric(v)}`).join(' · ') : '',
    outputs.length ? `Outputs:\n${outputs.join('\n')}` : '',
    step.error ? `Error: ${step.error.message}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  return {
    id: `step:${runId}:${step.name}`,
    label: step.name,
    description,
    tooltip,
    icon: statusIcon(step.status),
    contextValue: step.trialCount || step.kind === 'automl' ? 'step.automl' : 'step',
    collapsible: Boolean(step.trialCount) || step.kind === 'automl',
    ariaLabel: `Step ${step.name} ${step.status}${duration ? ` ${duration}` : ''}`,
  };
}

export function trialRow(runId: string, step: string, trial: TrialRecord, primaryMetric?: string): Row {
  const metricName = primaryMetric && trial.metrics[primaryMetric] !== undefined ? primaryMetric : Object.keys(trial.metrics)[0];
  const metric = metricName !== undefined ? `${metricName} ${formatMetric(trial.metrics[metricName])}` : '';
  const description = [trial.status === 'Completed' ? '' : trial.status, metric, formatDuration(trial.durationMs)].filter(Boolean).join(' · ');
  return {
    id: `trial:${runId}:${step}:${trial.iteration}`,
    label: `${trial.iteration} ${trial.algorithm}`,
    description,
    tooltip: [
      `**Trial ${trial.iteration}: ${trial.algorithm}** — ${trial.status}`,
      Object.entries(trial.metrics).map(([k, v]) => `${k}: ${formatMetric(v)}`).join('\n\n'),
      trial.error ? `Error: ${trial.error}` : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
    icon: statusIcon(trial.status),
    contextValue: 'trial',
    collapsible: false,
    ariaLabel: `Trial ${trial.iteration} ${trial.algorithm} ${trial.status} ${metric}`,
  };
}

export function datasetRow(dataset: DatasetVersion): Row {
  const shape = `${dataset.rows} rows × ${dataset.schema.length} columns`;
  return {
    id: `dataset:${dataset.name}`,
    label: dataset.name,
    description: `v${dataset.version} · ${shape}`,
    tooltip: [`**${dataset.name}** v${dataset.version}`, dataset.description ?? '', shape, `Columns: ${dataset.schema.map((c) => `${c.name} (${c.type})`).join(', ')}`]
      .filter(Boolean)
      .join('\n\n'),
    icon: { id: 'database' },
    contextValue: 'dataset',
    collapsible: true,
    ariaLabel: `Dataset ${dataset.name} version ${dataset.version}`,
  };
}

export function datasetVersionRow(dataset: DatasetVersion): Row {
  return {
    id: `dataset:${dataset.name}:${dataset.version}`,
    label: `v${dataset.version}`,
    description: `${dataset.rows} rows · ${formatTimestamp(dataset.createdAt)}`,
    tooltip: [
      `**${dataset.name}:${dataset.version}**`,
      dataset.description ?? '',
      `${dataset.rows} rows, hash \`${dataset.hash.slice(0, 12)}\``,
      `Sources: ${dataset.sources.join(', ')}`,
    ]
      .filter(Boolean)
      .join('\n\n'),
    icon: { id: 'versions' },
    contextValue: 'datasetVersion',
    collapsible: false,
    ariaLabel: `Dataset ${dataset.name} version ${dataset.version}`,
  };
}

/** `@prod @champion`, the aliases that point at a version ('' when none). */
function aliasTags(model: ModelListing): string {
  return (model.aliases ?? []).map((a) => `@${a}`).join(' ');
}

/** A model: its latest version, and the aliases on that version. */
export function modelRow(model: ModelListing): Row {
  const tags = aliasTags(model);
  return {
    id: `model:${model.name}`,
    label: model.name,
    description: [`v${model.version}`, tags, model.framework ?? ''].filter(Boolean).join(' · '),
    tooltip: modelTooltip(model),
    icon: { id: 'symbol-class' },
    contextValue: 'model',
    collapsible: true,
    ariaLabel: `Model ${model.name} version ${model.version}${tags ? ` ${tags}` : ''}`,
  };
}

/** One version: `v3 · @prod @champion · AUC_weighted 0.91 · date`. */
export function modelVersionRow(model: ModelListing): Row {
  const metric = Object.entries(model.metrics ?? {})[0];
  const tags = aliasTags(model);
  return {
    id: `model:${model.name}:${model.version}`,
    label: `v${model.version}`,
    description: [tags, metric ? `${metric[0]} ${formatMetric(metric[1])}` : '', formatTimestamp(model.createdAt)].filter(Boolean).join(' · '),
    tooltip: modelTooltip(model),
    icon: { id: 'versions' },
    contextValue: 'modelVersion',
    collapsible: false,
    ariaLabel: `Model ${model.name} version ${model.version}${tags ? ` ${tags}` : ''}`,
  };
}

function modelTooltip(model: ModelListing): string {
  return [
    `**${model.name}:${model.version}**`,
    model.aliases?.length ? `Aliases: ${model.aliases.map((a) => `\`${model.name}@${a}\``).join(', ')}` : '',
    model.description ?? '',
    model.framework ? `Framework: ${model.framework}` : '',
    model.lineage ? `From run \`${model.lineage.runId}\` (${model.lineage.experiment}, step ${model.lineage.step})` : '',
    Object.entries(model.metrics ?? {}).map(([k, v]) => `${k}: ${formatMetric(v)}`).join(' · '),
  ]
    .filter(Boolean)
    .join('\n\n');
}
