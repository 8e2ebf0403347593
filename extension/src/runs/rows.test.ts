import { describe, expect, it } from 'vitest';
import { formatDuration, formatMetric, modelRow, modelVersionRow, runRow, runTooltip, stepRow } from './rows';
import type { ModelListing, RunSummary, StepRunRecord } from '../../../engine/src/protocol';

describe('tree rows', () => {
  it('formats durations the way the CodeLens and tree show them', () => {
    expect(formatDuration(340)).toBe('340 ms');
    expect(formatDuration(2100)).toBe('2.1 s');
    expect(formatDuration(65_000)).toBe('1 min 5 s');
    expect(formatDuration(3_600_000 + 120_000)).toBe('1 h 2 min');
    expect(formatDuration(undefined)).toBe('');
    expect(formatMetric(0.871234)).toBe('0.8712');
    expect(formatMetric(1234567)).toBe('1.235e+6');
  });

  it('shows a running run spinning and a finished one with its duration and metric', () => {
    const base: RunSummary = { id: 'r1', experiment: 'e', pipelineName: 'p', pipelineFile: 'p.pipeline.yaml', status: 'Running', createdAt: '2026-01-01T10:00:00Z', startedAt: '2026-01-01T10:00:00Z', stepCount: 2 };
    const running = runRow(base, Date.parse('2026-01-01T10:00:03Z'));
    expect(running.icon.id).toBe('sync~spin');
    expect(running.contextValue).toBe('run.live');
    expect(running.description).toBe('Running · 3.0 s');
    const done = runRow({ ...base, status: 'Completed', endedAt: '2026-01-01T10:00:02.100Z', durationMs: 2100, primaryMetric: { name: 'AUC_weighted', value: 0.91 } });
    expect(done.description).toBe('Completed · 2.1 s · AUC_weighted 0.91');
    expect(done.contextValue).toBe('run.finished');
    expect(done.ariaLabel).toBe('Run r1 Completed 2.1 s AUC_weighted 0.91');
    expect(runTooltip({ ...base, status: 'Failed', errorMessage: 'boom', rerunOf: 'r0' })).toMatch(/Error: boom[\s\S]*Rerun of `r0`/);
    const interrupted = runRow({ ...base, status: 'Failed', errorReason: 'Interrupted', durationMs: 10 });
    expect(interrupted.description).toMatch(/^Interrupted/);
  });

  it('makes AutoML steps expandable to their trials', () => {
    const step: StepRunRecord = { name: 'train', kind: 'automl', status: 'Completed', outputs: {}, metrics: { AUC_weighted: 0.9 }, trialCount: 6, startedAt: '2026-01-01T10:00:00Z', endedAt: '2026-01-01T10:00:01Z' };
    const row = stepRow('r1', step);
    expect(row.collapsible).toBe(true);
    expect(row.description).toBe('Completed · 1.0 s · AUC_weighted 0.9 · 6 trials');
    expect(stepRow('r1', { ...step, kind: 'sql', trialCount: undefined }).collapsible).toBe(false);
  });

  it('shows the Slurm job and node of a step that ran as a job', () => {
    const step: StepRunRecord = { name: 'prep', kind: 'sql', status: 'Completed', outputs: {}, metrics: {}, startedAt: '2026-01-01T10:00:00Z', endedAt: '2026-01-01T10:00:01Z', slurm: { jobId: '12', state: 'COMPLETED', node: 'n2', submittedAt: '2026-01-01T09:59:59Z' } };
    const row = stepRow('r1', step);
    expect(row.description).toBe('Completed · 1.0 s · job 12 on n2');
    expect(row.tooltip).toContain('Slurm job 12: COMPLETED on node n2');
  });

  it('shows the aliases that point at a model version on its row and on the model row', () => {
    const v3: ModelListing = {
      name: 'Titanic',
      version: 3,
      createdAt: '2026-01-01T10:00:00Z',
      tags: {},
      artifact: { hash: 'h', kind: 'model', path: '.weir/artifacts/h/model', bytes: 1 },
      framework: 'weir-automl',
      metrics: { AUC_weighted: 0.91 },
      aliases: ['champion', 'prod'],
    };
    const version = modelVersionRow(v3);
    expect(version.label).toBe('v3');
    expect(version.description).toMatch(/^@champion @prod · AUC_weighted 0.91 · /);
    expect(version.ariaLabel).toBe('Model Titanic version 3 @champion @prod');
    expect(version.tooltip).toContain('Aliases: `Titanic@champion`, `Titanic@prod`');
    expect(modelRow(v3).description).toBe('v3 · @champion @prod · weir-automl');
    const plain = modelVersionRow({ ...v3, aliases: [] });
    expect(plain.description).toMatch(/^AUC_weighted 0.91 · /);
    expect(plain.ariaLabel).toBe('Model Titanic version 3');
    expect(modelRow({ ...v3, aliases: [] }).description).toBe('v3 · weir-automl');
  });
});
