import { cp, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CliArgs, CliCommand, CliIO } from '../command';
import { WeirError } from '../../errors';
import { startRun, type RunEvent } from '../../scheduler';
import { parseParamFlags } from '../../scheduler/plan';
import type { ExecutorOverrides } from '../../scheduler/executors/executor';
import type { WorkspaceStore } from '../../store/storeApi';
import type { ArtifactRef, RunRecord, StepRunRecord } from '../../store/records';
import { formatDuration } from '../../util/format';
import { colorStatus } from '../statusColor';
import { formatTable, localTime, withStore } from './dataset';

/** `weir run FILE`, `weir runs` and `weir run show | logs | cancel | delete | download`. */

function stringList(v: CliArgs['values'][string]): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

function clock(iso: string | undefined): string {
  return iso ? new Date(iso).toISOString().slice(11, 23) : '';
}

export function duration(from?: string, to?: string): string {
  if (!from) return '';
  return formatDuration((to ? Date.parse(to) : Date.now()) - Date.parse(from));
}

/** A run id as given, or `latest` for the newest run. */
async function resolveRunId(store: WorkspaceStore, given: string | undefined): Promise<string> {
  if (!given) throw new WeirError('BAD_INPUT', 'which run? Give a run id (see `weir runs`) or `latest`');
  if (given === 'latest' || given === 'last') {
    const [newest] = await store.listRuns({ limit: 1 });
    if (!newest) throw new WeirError('NOT_FOUND', 'there are no runs in this workspace yet');
    return newest.id;
  }
  return given;
}

function stepNote(s: StepRunRecord): string {
  if (s.status === 'Reused' && s.reusedFrom) return `reused from ${s.reusedFrom.runId}/${s.reusedFrom.step}`;
  if (s.error) return s.error.message.split('\n')[0]!;
  // A status line stays one line: the first few metrics; `weir run show --json` has them all.
  const metrics = Object.entries(s.metrics ?? {});
  const shown = metrics.slice(0, 3).map(([k, v]) => `${k}=${Number(v.toFixed(4))}`).join(' ');
  return metrics.length > 3 ? `${shown} …` : shown;
}

/** A Slurm step's job as one phrase: `job 12 RUNNING on n1`, `job 13 PENDING (Dependency)`. */
function jobNote(s: StepRunRecord): string {
  const j = s.slurm;
  if (!j) return '';
  return `job ${j.jobId} ${j.state}${j.node && j.state !== 'PENDING' ? ` on ${j.node}` : ''}${j.reason && j.state === 'PENDING' ? ` (${j.reason})` : ''}`;
}

function printEvent(io: CliIO, e: RunEvent, width: number, last: Map<string, string>): void {
  switch (e.type) {
    case 'step-status': {
      const r = e.record;
      const took = e.status === 'Running' || e.status === 'Queued' ? '' : duration(r.startedAt, r.endedAt);
      const note = [jobNote(r), e.status === 'Running' || e.status === 'Queued' ? '' : stepNote(r)].filter(Boolean).join('  ');
      const line = `${e.step.padEnd(width)}  ${colorStatus(e.status.padEnd(9), e.status, io.isTTY)}${took ? `  ${took}` : ''}${note ? `  ${note}` : ''}`;
      // A Slurm job reports its state on every change of state, node or reason; the same line twice says nothing.
      if (last.get(e.step) === line) break;
      last.set(e.step, line);
      io.out(`${clock(e.at)}  ${line}`);
      break;
    }
    case 'log':
      for (const line of e.text.replace(/\n$/, '').split('\n')) io.out(`              ${`[${e.step}]`.padEnd(width + 2)} ${line}`);
      break;
    case 'trial':
      // A step that runs trials logs a line for each itself; printing the event too would repeat it.
      break;
    case 'run-status':
      break;
  }
}

function describeOutputs(outputs: Record<string, ArtifactRef>): string[] {
  return Object.entries(outputs).map(([name, ref]) => `  ${name}  ${ref.kind}  ${ref.path}${ref.rows !== undefined ? `  (${ref.rows} rows)` : ''}`);
}

/** `--executor`, `--partition` and `--slurm-opt KEY=VALUE` as the scheduler's overrides. */
function executorOverrides(values: CliArgs['values']): ExecutorOverrides | undefined {
  const kind = typeof values.executor === 'string' ? values.executor : undefined;
  if (kind !== undefined && kind !== 'local' && kind !== 'slurm') throw new WeirError('BAD_INPUT', `--executor is local or slurm, not '${kind}'`);
  const partition = typeof values.partition === 'string' ? values.partition : undefined;
  const options: Record<string, string> = {};
  for (const flag of stringList(values['slurm-opt'])) {
    const m = /^([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(flag.replace(/^--/, ''));
    if (!m) throw new WeirError('BAD_INPUT', `--slurm-opt wants an sbatch option as KEY=VALUE (e.g. --slurm-opt mem=2G), got '${flag}'`);
    options[m[1]!] = m[2] ?? '';
  }
  if (options['cpus-per-task'] !== undefined && !/^[1-9]\d*$/.test(options['cpus-per-task'])) throw new WeirError('BAD_INPUT', `--slurm-opt cpus-per-task wants a whole number ≥ 1, got '${options['cpus-per-task']}'`);
  if (!kind && !partition && !Object.keys(options).length) return undefined;
  return { ...(kind ? { kind } : {}), ...(partition ? { partition } : {}), options };
}

const runCommand: CliCommand = {
  path: ['run'],
  usage: 'FILE [--experiment X] [--param k=v]… [--no-reuse] [--step S]… [--concurrency N] [--executor local|slurm] [--partition P] [--slurm-opt KEY=VALUE]…',
  summary: 'Runs a pipeline: prints each step\'s status and streams its logs; exit 1 when the run fails.',
  options: {
    experiment: { type: 'string' },
    param: { type: 'string', multiple: true },
    'no-reuse': { type: 'boolean' },
    step: { type: 'string', multiple: true },
    concurrency: { type: 'string' },
    executor: { type: 'string' },
    partition: { type: 'string' },
    'slurm-opt': { type: 'string', multiple: true },
  },
  async run(args, io) {
    const [file, ...extra] = args.positionals;
    const executor = executorOverrides(args.values);
    if (!file || extra.length) throw new WeirError('BAD_INPUT', `weir run takes one pipeline file${extra.length ? `, got also ${extra.join(' ')}` : ''}`);
    const concurrencyText = typeof args.values.concurrency === 'string' ? args.values.concurrency : undefined;
    const concurrency = concurrencyText === undefined ? undefined : Number(concurrencyText);
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) throw new WeirError('BAD_INPUT', `--concurrency wants a whole number ≥ 1, got '${concurrencyText}'`);
    return withStore(args, async (store) => {
      const handle = await startRun(store, file, {
        params: parseParamFlags(stringList(args.values.param)),
        experiment: typeof args.values.experiment === 'string' ? args.values.experiment : undefined,
        noReuse: args.values['no-reuse'] === true,
        steps: stringList(args.values.step),
        concurrency,
        ...(executor ? { executor } : {}),
      });
      const onAbort = () => handle.cancel();
      io.signal.addEventListener('abort', onAbort);
      const first = await store.getRun(handle.runId);
      const width = Math.max(8, ...first.steps.map((s) => s.name.length));
      // With --json the machine-readable record is all that goes to stdout; progress goes to stderr.
      const progress: CliIO = args.json ? { ...io, out: io.err } : io;
      progress.out(`Run ${handle.runId} (experiment ${first.experiment}, pipeline ${first.pipelineName}): ${first.steps.length} step${first.steps.length === 1 ? '' : 's'}`);
      const lastLines = new Map<string, string>();
      handle.onEvent((e) => printEvent(progress, e, width, lastLines));
      const final = await handle.done;
      io.signal.removeEventListener('abort', onAbort);
      if (args.json) {
        io.json(final);
      } else {
        io.out(`Run ${final.id} ${colorStatus(final.status, final.status, io.isTTY)} in ${duration(final.startedAt ?? final.createdAt, final.endedAt)}`);
        if (final.error && final.status === 'Failed') io.err(`error: ${final.error.message}`);
        const outs = describeOutputs(final.outputs);
        if (outs.length) io.out(['Outputs (weir run download RUN NAME):', ...outs].join('\n'));
      }
      return final.status === 'Completed' ? 0 : 1;
    });
  },
};

const runsCommand: CliCommand = {
  path: ['runs'],
  usage: '[--experiment X] [--limit N]',
  summary: 'Lists runs, newest first.',
  options: { experiment: { type: 'string' }, limit: { type: 'string' } },
  async run(args, io) {
    const limit = typeof args.values.limit === 'string' ? Number(args.values.limit) : undefined;
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new WeirError('BAD_INPUT', `--limit wants a whole number > 0, got '${args.values.limit}'`);
    return withStore(args, async (store) => {
      const runs = await store.listRuns({ experiment: typeof args.values.experiment === 'string' ? args.values.experiment : undefined, ...(limit ? { limit } : {}) });
      if (args.json) {
        io.json(runs);
        return 0;
      }
      if (!runs.length) {
        io.out('No runs yet. Start one with: weir run FILE.pipeline.yaml');
        return 0;
      }
      const rows = [['RUN', 'EXPERIMENT', 'STATUS', 'STARTED', 'DURATION', 'STEPS', 'PIPELINE']];
      for (const r of runs) {
        const counts = new Map<string, number>();
        for (const s of r.steps) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
        rows.push([
          r.id,
          r.experiment,
          r.status + (r.error?.reason === 'Interrupted' ? ' (Interrupted)' : ''),
          localTime(r.createdAt),
          duration(r.startedAt ?? r.createdAt, r.endedAt),
          [...counts].map(([k, v]) => `${v} ${k}`).join(', '),
          r.pipelineFile,
        ]);
      }
      io.out(formatTable(rows));
      return 0;
    });
  },
};

/**
 * Where the trials of each step ran, for steps whose trials ran on cluster nodes: one row per
 * node with its iterations, e.g. `train  n2  3  1, 3, 5`.
 */
async function trialNodeLines(store: WorkspaceStore, run: RunRecord): Promise<string[]> {
  const rows: string[][] = [];
  for (const s of run.steps) {
    if (s.kind !== 'automl' || !s.slurm || s.status === 'Reused') continue;
    const byNode = new Map<string, number[]>();
    for (const t of await store.listTrials(run.id, s.name).catch(() => [])) if (t.node) byNode.set(t.node, [...(byNode.get(t.node) ?? []), t.iteration]);
    for (const [node, iterations] of [...byNode].sort(([a], [b]) => a.localeCompare(b))) rows.push([s.name, node, String(iterations.length), iterations.sort((a, b) => a - b).join(', ')]);
  }
  return rows.length ? ['', 'Trials by node:', formatTable([['STEP', 'NODE', 'TRIALS', 'ITERATIONS'], ...rows])] : [];
}

function showRun(run: RunRecord, extra: string[] = []): string {
  const lines = [
    `Run ${run.id}  ${run.status}${run.error?.reason ? ` (${run.error.reason})` : ''}`,
    `  experiment  ${run.experiment}`,
    `  pipeline    ${run.pipelineName} (${run.pipelineFile})`,
    `  created     ${run.createdAt}`,
    ...(run.startedAt ? [`  duration    ${duration(run.startedAt, run.endedAt)}${run.endedAt ? '' : ' so far'}`] : []),
    ...(Object.keys(run.parameters).length ? [`  parameters  ${Object.entries(run.parameters).map(([k, v]) => `${k}=${v}`).join(' ')}`] : []),
    ...(run.rerunOf ? [`  rerun of    ${run.rerunOf}`] : []),
    ...(run.onlySteps ? [`  only steps  ${run.onlySteps.join(', ')}`] : []),
    ...(run.error ? [`  error       ${run.error.message}`] : []),
    '',
    run.steps.some((s) => s.slurm)
      ? formatTable([['STEP', 'KIND', 'STATUS', 'DURATION', 'JOB', 'NODE', 'NOTE'], ...run.steps.map((s) => [s.name, s.kind, s.status, duration(s.startedAt, s.endedAt), s.slurm ? `${s.slurm.jobId} ${s.slurm.state}` : '', s.slurm?.node ?? '', stepNote(s)])])
      : formatTable([['STEP', 'KIND', 'STATUS', 'DURATION', 'NOTE'], ...run.steps.map((s) => [s.name, s.kind, s.status, duration(s.startedAt, s.endedAt), stepNote(s)])]),
  ];
  lines.push(...testSetLines(run), ...extra);
  const stepOutputs = run.steps.flatMap((s) => Object.entries(s.outputs).map(([o, ref]) => [`${s.name}.${o}`, ref] as const));
  if (Object.keys(run.outputs).length || stepOutputs.length) {
    lines.push('', 'Outputs:', ...describeOutputs({ ...run.outputs, ...Object.fromEntries(stepOutputs) }));
  }
  return lines.join('\n');
}

/**
 * AutoML steps with a test set report `test_<metric>` beside each validation metric: one
 * row per metric, the validation (CV) score next to the test score.
 */
function testSetLines(run: RunRecord): string[] {
  const rows: string[][] = [];
  for (const s of run.steps) {
    for (const [metric, value] of Object.entries(s.metrics ?? {})) {
      if (metric.startsWith('test_')) continue;
      const test = s.metrics[`test_${metric}`];
      if (test === undefined) continue;
      rows.push([s.name, metric, fmtMetric(value), fmtMetric(test)]);
    }
  }
  if (rows.length === 0) return [];
  return ['', 'Test set (the chosen model scored once on rows the search never saw):', formatTable([['STEP', 'METRIC', 'CV', 'TEST'], ...rows])];
}

function fmtMetric(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : 'n/a';
}

const runShowCommand: CliCommand = {
  path: ['run', 'show'],
  usage: 'RUN',
  summary: 'Shows a run: status, parameters, step runs, outputs (RUN may be `latest`).',
  async run(args, io) {
    return withStore(args, async (store) => {
      const run = await store.getRun(await resolveRunId(store, args.positionals[0]));
      if (args.json) io.json(run);
      else io.out(showRun(run, await trialNodeLines(store, run)));
      return 0;
    });
  },
};

const runLogsCommand: CliCommand = {
  path: ['run', 'logs'],
  usage: 'RUN [STEP]',
  summary: 'Prints a run\'s step logs (all steps, or one).',
  async run(args, io) {
    return withStore(args, async (store) => {
      const runId = await resolveRunId(store, args.positionals[0]);
      const step = args.positionals[1];
      const text = await store.readLog(runId, step);
      if (args.json) io.json({ runId, step: step ?? null, text });
      else if (text) io.out(text);
      else io.out(`(no log lines${step ? ` for step ${step}` : ''})`);
      return 0;
    });
  },
};

const runCancelCommand: CliCommand = {
  path: ['run', 'cancel'],
  usage: 'RUN',
  summary: 'Asks the process running RUN to cancel it; its child processes are killed.',
  async run(args, io) {
    return withStore(args, async (store) => {
      const runId = await resolveRunId(store, args.positionals[0]);
      const run = await store.getRun(runId);
      if (run.status !== 'Queued' && run.status !== 'Running') {
        io.out(`Run ${runId} is already ${run.status}; nothing to cancel.`);
        return 0;
      }
      await store.requestCancel(runId);
      // Wait briefly for the owner to acknowledge, so the user sees the outcome.
      const deadline = Date.now() + 5000;
      let latest = run;
      while (Date.now() < deadline && (latest.status === 'Queued' || latest.status === 'Running')) {
        await new Promise((r) => setTimeout(r, 100));
        latest = await store.getRun(runId);
      }
      io.out(latest.status === 'Queued' || latest.status === 'Running' ? `Cancel requested for ${runId}; it is still ${latest.status}.` : `Run ${runId} ${latest.status}.`);
      return 0;
    });
  },
};

const runDeleteCommand: CliCommand = {
  path: ['run', 'delete'],
  usage: 'RUN',
  summary: 'Deletes a finished run and its logs; `weir gc` then frees the outputs nothing else uses.',
  async run(args, io) {
    return withStore(args, async (store) => {
      const runId = await resolveRunId(store, args.positionals[0]);
      // getRun already turns a run whose process died into Failed/Interrupted, so what is still
      // Queued or Running here has a live owner that would go on writing into the deleted folder.
      const run = await store.getRun(runId);
      if (run.status === 'Queued' || run.status === 'Running') {
        throw new WeirError('BAD_INPUT', `run ${runId} is ${run.status}; cancel it first: weir run cancel ${runId}`);
      }
      await store.deleteRun(runId);
      if (args.json) io.json({ runId, deleted: true });
      else io.out(`Deleted run ${runId} (${run.status}).`);
      return 0;
    });
  },
};

const runDownloadCommand: CliCommand = {
  path: ['run', 'download'],
  usage: 'RUN OUTPUT [--to DIR]',
  summary: 'Copies a pipeline output (or STEP.OUTPUT) of a run to DIR (default: the current folder).',
  options: { to: { type: 'string' } },
  async run(args, io) {
    const [given, outputName] = args.positionals;
    if (!outputName) throw new WeirError('BAD_INPUT', 'usage: weir run download RUN OUTPUT [--to DIR]');
    return withStore(args, async (store) => {
      const run = await store.getRun(await resolveRunId(store, given));
      let ref: ArtifactRef | undefined = run.outputs[outputName];
      if (!ref && outputName.includes('.')) {
        const [stepName, out] = [outputName.slice(0, outputName.lastIndexOf('.')), outputName.slice(outputName.lastIndexOf('.') + 1)];
        ref = run.steps.find((s) => s.name === stepName)?.outputs[out];
      }
      if (!ref) {
        const names = [...Object.keys(run.outputs), ...run.steps.flatMap((s) => Object.keys(s.outputs).map((o) => `${s.name}.${o}`))];
        throw new WeirError('NOT_FOUND', `run ${run.id} has no output '${outputName}'`, { hint: names.length ? `Outputs: ${names.join(', ')}.` : 'This run has no outputs (yet).' });
      }
      const src = store.artifactPath(ref);
      const toDir = path.resolve(typeof args.values.to === 'string' ? args.values.to : process.cwd());
      await mkdir(toDir, { recursive: true });
      const srcStat = await stat(src).catch(() => undefined);
      if (!srcStat) {
        throw new WeirError('NOT_FOUND', `${ref.path}: output '${outputName}' of ${run.id} is no longer in the artifact store`, {
          hint: 'It was removed (by `weir gc` or by hand); rerun the step with `weir run FILE --no-reuse` to make it again.',
        });
      }
      const isDir = srcStat.isDirectory();
      const target = path.join(toDir, isDir ? outputName : `${outputName}${path.extname(src)}`);
      // Links (only in artifacts stored before links were copied as files) come out as the
      // files they point at, never as links rewritten to other places.
      await cp(src, target, { recursive: true, force: true, dereference: true });
      if (args.json) io.json({ runId: run.id, output: outputName, path: target, artifact: ref });
      else io.out(`Downloaded ${outputName} of ${run.id} to ${target}`);
      return 0;
    });
  },
};

export const runCommands: CliCommand[] = [runCommand, runsCommand, runShowCommand, runLogsCommand, runCancelCommand, runDeleteCommand, runDownloadCommand];
