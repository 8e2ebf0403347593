import type { CodeLens } from 'vscode-languageserver';
import { rangeOfPath, type ParsedPipeline } from '../pipeline';
import type { RunRecord, StepRunRecord } from '../store/records';
import { formatDuration } from '../util/format';
import { outlineOf } from './pipelineOutline';

/** The extension's command ids the lenses invoke (they are declared in extension/src/commands/ids.ts). */
export const LensCommands = {
  runPipeline: 'weir.runPipeline',
  runStep: 'weir.runStep',
  openRunDetails: 'weir.openRunDetails',
  openRunLogs: 'weir.openRunLogs',
} as const;

/** "✓ 2.1 s · reused", "✗ failed", "⟳ running" — a step's status in its last run. */
export function stepStatusText(step: StepRunRecord, now: number = Date.now()): string {
  const took = step.startedAt ? formatDuration((step.endedAt ? Date.parse(step.endedAt) : now) - Date.parse(step.startedAt)) : undefined;
  switch (step.status) {
    case 'Completed':
      return `✓ ${took ?? ''}`.trim();
    case 'Reused':
      return `✓ ${took ? `${took} · ` : ''}reused`;
    case 'Failed':
      return `✗ failed${step.error ? `: ${step.error.message.split('\n')[0].slice(0, 60)}` : ''}`;
    case 'Canceled':
      return '⊘ canceled';
    case 'Running':
      return `⟳ running${took ? ` ${took}` : ''}`;
    case 'Queued':
      return '… queued';
    case 'Skipped':
      return '– skipped';
  }
}

export function runStatusText(run: RunRecord): string {
  const took = run.startedAt && run.endedAt ? ` in ${formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt))}` : '';
  const mark = run.status === 'Completed' ? '✓' : run.status === 'Failed' ? '✗' : run.status === 'Canceled' ? '⊘' : '⟳';
  const why = run.error?.reason === 'Interrupted' ? ' (interrupted)' : '';
  return `Last run: ${mark} ${run.status}${why}${took}`;
}

/**
 * "▶ Run pipeline" at the top (and the last run's status), "▶ Run step" and the step's status
 * in the last run on each step. `lastRun` is the newest run of this file, if any.
 */
export function codeLenses(parsed: ParsedPipeline, filePath: string, lastRun: RunRecord | undefined): CodeLens[] {
  const lenses: CodeLens[] = [];
  const topLine = parsed.doc.hasIn(['name']) ? rangeOfPath(parsed, ['name'], 'key').start.line : 0;
  const top = { start: { line: topLine, character: 0 }, end: { line: topLine, character: 0 } };
  lenses.push({ range: top, command: { title: '▶ Run pipeline', command: LensCommands.runPipeline, arguments: [filePath] } });
  if (lastRun) {
    lenses.push({ range: top, command: { title: runStatusText(lastRun), command: LensCommands.openRunDetails, arguments: [lastRun.id] } });
  }
  for (const step of outlineOf(parsed).steps) {
    const keyRange = rangeOfPath(parsed, ['steps', step.name], 'key');
    const range = { start: { line: keyRange.start.line, character: 0 }, end: { line: keyRange.start.line, character: 0 } };
    lenses.push({ range, command: { title: '▶ Run step', command: LensCommands.runStep, arguments: [filePath, step.name] } });
    const record = lastRun?.steps.find((s) => s.name === step.name);
    if (record && lastRun) {
      lenses.push({ range, command: { title: stepStatusText(record), command: LensCommands.openRunLogs, arguments: [{ type: 'step', runId: lastRun.id, step: step.name }] } });
    }
  }
  return lenses;
}
