import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../../errors';
import type { ExecutorSpec } from '../../pipeline/types';
import type { SlurmJobInfo } from '../../store/records';
import type { WorkspaceStore } from '../../store/storeApi';
import type { ExecutorJob, ExecutorOutcome, StepExecutor } from './executor';
import { jobFile, readJobFile, writeJobFile, type JobResult } from './jobFiles';
import { clusterTrialWorkers, trialWorkerArgs } from './trialWorkers';
import { formatDuration } from '../../util/format';
import { FINAL_JOB_STATES, cancelJobs, describeEndState, firstLine, jobStates, slurmCommand } from './slurmCommands';

/**
 * The `slurm` executor: each step is one `sbatch` job that runs `weir step-exec RUN STEP` on
 * a node, with `--dependency=afterok:` on the jobs of the steps it reads, so Slurm orders the
 * DAG. This side (in `weir run`) submits, follows each job with `squeue` and streams the step
 * logs the jobs write into the shared store; the job side is `stepExec.ts`.
 */

/** How often job states and step logs are polled. */
const POLL_MS = 300;
/** A job squeue no longer lists for this long, with no result file, is taken as gone. */
const VANISHED_MS = 5_000;

/** sbatch options Weir sets itself; `--slurm-opt` and `options:` may not set them. */
const RESERVED_OPTIONS = new Set(['dependency', 'job-name', 'output', 'error', 'chdir', 'wrap', 'parsable', 'kill-on-invalid-dep', 'test-only', 'wait', 'array']);

/** The sbatch options for an executor's resources. */
export function resourceArgs(e: ExecutorSpec): string[] {
  const args: string[] = [];
  if (e.partition) args.push(`--partition=${e.partition}`);
  if (e.cpusPerTask !== undefined) args.push(`--cpus-per-task=${e.cpusPerTask}`);
  if (e.mem) args.push(`--mem=${e.mem}`);
  if (e.time) args.push(`--time=${e.time}`);
  for (const [key, value] of Object.entries(e.options)) args.push(value === '' || value === 'true' ? `--${key}` : `--${key}=${value}`);
  return args;
}

/**
 * Everything that can be wrong before a job is submitted, checked before the run record
 * exists so bad input leaves the store as it was: sbatch missing, the controller not
 * answering, an unknown partition, resources Slurm would reject (`sbatch --test-only`).
 */
export async function checkSlurmSetup(executors: Map<string, ExecutorSpec>, extraArgs: (step: string) => string[] = () => []): Promise<void> {
  const slurmSteps = [...executors].filter(([, e]) => e.kind === 'slurm');
  if (!slurmSteps.length) return;
  for (const [step, e] of slurmSteps) {
    for (const key of Object.keys(e.options)) {
      if (RESERVED_OPTIONS.has(key)) throw new WeirError('BAD_INPUT', `step '${step}': the sbatch option '--${key}' is set by Weir and cannot be given`, { hint: 'Weir names the job, sets its output file and its dependencies itself.' });
      if (!/^[a-z][a-z0-9-]*$/.test(key)) throw new WeirError('BAD_INPUT', `step '${step}': '${key}' is not an sbatch option name`, { hint: 'Give long option names without dashes, e.g. --slurm-opt account=ml.' });
    }
    if (e.cpusPerTask !== undefined && !(Number.isInteger(e.cpusPerTask) && e.cpusPerTask >= 1)) throw new WeirError('BAD_INPUT', `step '${step}': cpus-per-task wants a whole number ≥ 1, got '${e.cpusPerTask}'`);
  }
  const version = await slurmCommand('sbatch', ['--version']);
  if (version.code !== 0) throw new WeirError('BAD_INPUT', `sbatch does not work here: ${firstLine(version.stderr) || `exit code ${version.code}`}`);
  const info = await slurmCommand('sinfo', ['-h', '-o', '%P|%a'], 10_000);
  if (info.code !== 0) {
    throw new WeirError('BAD_INPUT', `the Slurm controller does not answer: ${firstLine(info.stderr) || `sinfo exit code ${info.code}`}`, { hint: 'Check that slurmctld runs and this machine can reach it (sinfo, scontrol ping).' });
  }
  const partitions = info.stdout
    .split('\n')
    .map((l) => l.split('|')[0]!.trim())
    .filter(Boolean);
  const names = partitions.map((p) => p.replace(/\*$/, ''));
  for (const [step, e] of slurmSteps) {
    if (e.partition && !names.includes(e.partition)) {
      throw new WeirError('BAD_INPUT', `step '${step}': Slurm has no partition '${e.partition}'`, { hint: `Partitions: ${partitions.join(', ') || 'none'} (* marks the default).` });
    }
  }
  // One trial submission per distinct resource request: Slurm answers whether it could ever
  // run such a job (enough CPUs and memory on some node, within the partition's limits).
  const tried = new Map<string, string>();
  for (const [step, e] of slurmSteps) {
    const args = [...resourceArgs(e), ...extraArgs(step)];
    const key = args.join('\0');
    if (tried.has(key)) continue;
    tried.set(key, step);
    const r = await slurmCommand('sbatch', ['--test-only', ...args, '--wrap=true'], 15_000);
    if (r.code !== 0) {
      throw new WeirError('BAD_INPUT', `Slurm rejects the job of step '${step}' (${args.join(' ') || 'default resources'}): ${firstLine(r.stderr.replace(/^sbatch: error: /gm, '')) || `exit code ${r.code}`}`, {
        hint: 'Ask for resources a node of the partition has (sinfo -N -o "%N %c %m"), in the pipeline\'s executor: block or with --slurm-opt.',
      });
    }
  }
}

/** The command a job runs: this Node and this engine's CLI bundle, unless WEIR_SLURM_ENGINE names another. */
export function engineCommand(): string[] {
  const override = process.env.WEIR_SLURM_ENGINE;
  if (override) return override.split(' ').filter(Boolean);
  return [process.execPath, cliBundlePath()];
}

function cliBundlePath(): string {
  const beside = path.join(__dirname, 'cli.js');
  if (existsSync(beside) && path.basename(__dirname) === 'dist') return beside;
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'dist', 'cli.js');
    if (existsSync(candidate)) return candidate;
  }
  throw new WeirError('INTERNAL', `the engine's CLI bundle (dist/cli.js) was not found from ${__dirname}`, { hint: 'Run `npm run build` first.' });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

interface Watched {
  job: ExecutorJob;
  info: SlurmJobInfo;
  running: boolean;
  logOffset: number;
  startSeen: boolean;
  missingSince?: number;
  ended?: { state: string; reason?: string };
  /** Set when the scheduler canceled the job because a step it waits for failed. */
  canceledAsDependant?: boolean;
  /** Set once its log says squeue fails (an outage), so the recovery is said there too. */
  toldOutage?: boolean;
  resolve(outcome: ExecutorOutcome): void;
  reject(error: unknown): void;
}

export class SlurmExecutor implements StepExecutor {
  readonly kind = 'slurm' as const;
  readonly ordersDependencies = true;
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** Since when squeue fails (the controller unreachable), with its first error line. */
  private outage: { since: number; error: string } | undefined;
  private readonly engine: string[];

  constructor(
    private readonly store: WorkspaceStore,
    private readonly runId: string,
  ) {
    this.engine = engineCommand();
  }

  async run(job: ExecutorJob): Promise<ExecutorOutcome> {
    const name = job.step.name;
    const workers = clusterTrialWorkers(job.step, job.executor, job.hooks.params);
    await writeJobFile(this.store, this.runId, name, 'spec', {
      v: 1,
      runId: this.runId,
      step: name,
      pipelineFile: job.pipelineFile,
      params: job.hooks.params,
      noReuse: job.noReuse,
      pipelineInputs: job.pipelineInputs,
      datasetsRead: job.hooks.lineage().datasets,
      concurrency: workers > 1 ? workers : (job.executor.cpusPerTask ?? 1),
      ...(workers > 1 ? { trialWorkers: workers } : {}),
    });
    const after = job.after.map((a) => a.handle);
    const command = [...this.engine, 'step-exec', this.runId, name, '--workspace', this.store.root].map(shellQuote).join(' ');
    const args = [
      '--parsable',
      `--job-name=weir:${name}`,
      `--chdir=${this.store.root}`,
      `--output=${jobFile(this.store, this.runId, name, 'out')}`,
      ...(after.length ? [`--dependency=afterok:${after.join(':')}`, '--kill-on-invalid-dep=yes'] : []),
      ...resourceArgs(job.executor),
      ...trialWorkerArgs(workers, job.executor),
      `--wrap=exec ${command}`,
    ];
    if (job.hooks.signal.aborted) throw new WeirError('CANCELED', 'canceled');
    const submitted = await slurmCommand('sbatch', args);
    const jobId = submitted.stdout.trim().split(';')[0] ?? '';
    if (submitted.code !== 0 || !/^\d+$/.test(jobId)) {
      throw new WeirError('RUN_FAILED', `sbatch refused step '${name}': ${firstLine(submitted.stderr.replace(/^sbatch: error: /gm, '')) || `exit code ${submitted.code}`}`);
    }
    const info: SlurmJobInfo = {
      jobId,
      state: 'PENDING',
      ...(job.executor.partition ? { partition: job.executor.partition } : {}),
      ...(after.length ? { after } : {}),
      submittedAt: new Date().toISOString(),
    };
    await job.onProgress({ running: false, slurm: { ...info } });
    return new Promise<ExecutorOutcome>((resolve, reject) => {
      // The step log is this job's alone until it ends: the job appends, this side streams.
      this.watched.set(name, { job, info, running: false, logOffset: 0, startSeen: false, resolve, reject });
      this.ensurePolling();
    });
  }

  /** Cancels one step's job, because a step it waits for did not complete. */
  async cancelStep(step: string): Promise<void> {
    const w = this.watched.get(step);
    if (!w) return;
    w.canceledAsDependant = true;
    await cancelJobs([w.info.jobId]);
  }

  async cancelAll(): Promise<void> {
    await cancelJobs([...this.watched.values()].map((w) => w.info.jobId));
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private ensurePolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.polling) return;
      this.polling = true;
      const settle = () => {
        this.polling = false;
        if (!this.watched.size) this.dispose();
      };
      this.poll().then(settle, settle);
    }, POLL_MS);
  }

  /** Streams the log lines the job appended since the last look (whole lines only). */
  private async tailLog(w: Watched): Promise<void> {
    const handle = await open(this.store.logPath(this.runId, w.job.step.name), 'r').catch(() => undefined);
    if (!handle) return;
    try {
      const size = (await handle.stat()).size;
      if (size <= w.logOffset) return;
      const buffer = Buffer.alloc(size - w.logOffset);
      await handle.read(buffer, 0, buffer.length, w.logOffset);
      const text = buffer.toString('utf8');
      const end = text.lastIndexOf('\n');
      if (end < 0) return;
      w.logOffset += Buffer.byteLength(text.slice(0, end + 1));
      w.job.emitLog(text.slice(0, end + 1));
    } finally {
      await handle.close();
    }
  }

  /**
   * While squeue fails (the controller unreachable, e.g. restarting), the jobs keep their
   * place on the cluster and the run keeps waiting: a job that ends meanwhile is still
   * recorded from its result file. Each watched step's log says so once, with squeue's error
   * and since when, and again when squeue answers. The line is appended to the log the job
   * writes (one O_APPEND write of a whole line, as the job's own), and streamed from there.
   */
  private async noteOutage(error: string | undefined, asked: number): Promise<void> {
    const now = Date.now();
    if (error !== undefined) this.outage ??= { since: asked, error };
    const outage = this.outage;
    if (!outage) return;
    const since = new Date(outage.since).toISOString();
    for (const [name, w] of this.watched) {
      let line: string | undefined;
      if (error !== undefined && !w.toldOutage) {
        w.toldOutage = true;
        line = `squeue fails since ${since}: ${outage.error} — the Slurm controller does not answer; job ${w.info.jobId} keeps its place on the cluster and weir run keeps waiting for it (a step that ends meanwhile is still recorded)`;
      } else if (error === undefined && w.toldOutage) {
        w.toldOutage = false;
        line = `squeue answers again, after failing for ${formatDuration(now - outage.since)} (since ${since}); following job ${w.info.jobId} again`;
      }
      if (line) await this.store.appendLog(this.runId, name, `${line}\n`).catch(() => undefined);
    }
    if (error === undefined) this.outage = undefined;
  }

  private async poll(): Promise<void> {
    const asked = Date.now();
    const answer = await jobStates([...this.watched.values()].map((w) => w.info.jobId)).catch((e: Error) => ({ error: e.message }));
    const states = 'states' in answer ? answer.states : undefined;
    await this.noteOutage('error' in answer ? answer.error : undefined, asked);
    for (const [name, w] of [...this.watched]) {
      try {
        await this.tailLog(w);
        let changed = false;
        if (!w.startSeen) {
          const start = await readJobFile(this.store, this.runId, name, 'start');
          if (start) {
            w.startSeen = true;
            w.info.jobStartedAt = start.processStartedAt;
            if (start.node) w.info.node = start.node;
            changed = true;
          }
        }
        const state = states?.get(w.info.jobId);
        if (state) {
          w.missingSince = undefined;
          if (state.state !== w.info.state || (state.node && state.state === 'RUNNING' && state.node !== w.info.node) || state.reason !== w.info.reason) {
            w.info.state = state.state;
            if (state.node && state.state !== 'PENDING') w.info.node = state.node;
            if (state.reason) w.info.reason = state.reason;
            else delete w.info.reason;
            changed = true;
          }
          if (FINAL_JOB_STATES.has(state.state)) w.ended = { state: state.state, ...(state.reason ? { reason: state.reason } : {}) };
        } else if (states) {
          w.missingSince ??= Date.now();
          if (Date.now() - w.missingSince > VANISHED_MS) w.ended = { state: w.info.state === 'PENDING' || w.info.state === 'RUNNING' ? 'UNKNOWN' : w.info.state };
        }
        const nowRunning = w.running || w.info.state === 'RUNNING' || w.info.state === 'COMPLETING' || w.startSeen;
        if (nowRunning !== w.running || changed) {
          w.running = nowRunning;
          await w.job.onProgress({ running: w.running, slurm: { ...w.info } });
        }
        const result = await readJobFile(this.store, this.runId, name, 'result');
        // A job that was signalled without Weir asking (scancel by someone, its time limit, a
        // node failing) records itself as canceled; Slurm's end state says what happened.
        const killedFromOutside = result?.status === 'Canceled' && !w.job.hooks.signal.aborted && !w.canceledAsDependant;
        if (result && !killedFromOutside) await this.finish(name, w, result);
        else if (w.ended) await this.finishWithoutResult(name, w);
      } catch (e) {
        this.watched.delete(name);
        w.reject(e);
      }
    }
  }

  private async finish(name: string, w: Watched, result: JobResult): Promise<void> {
    this.watched.delete(name);
    await this.tailLog(w);
    if (result.node) w.info.node = result.node;
    w.info.jobStartedAt = result.jobStartedAt;
    if (result.stepStartedAt) w.info.stepStartedAt = result.stepStartedAt;
    w.info.stepEndedAt = result.stepEndedAt;
    w.info.recordedAt = new Date().toISOString();
    if (result.status === 'Completed' || result.status === 'Reused') {
      if (!FINAL_JOB_STATES.has(w.info.state)) w.info.state = 'COMPLETED';
      w.resolve({
        status: result.status,
        outputs: result.outputs,
        metrics: result.metrics,
        ...(result.fingerprint ? { fingerprint: result.fingerprint } : {}),
        ...(result.reusedFrom ? { reusedFrom: result.reusedFrom } : {}),
        ...(result.datasets ? { datasets: result.datasets } : {}),
        ...(result.trialCount !== undefined ? { trialCount: result.trialCount } : {}),
        slurm: { ...w.info },
      });
      return;
    }
    await w.job.onProgress({ running: true, slurm: { ...w.info } });
    if (result.status === 'Canceled') w.reject(new WeirError('CANCELED', `Slurm job ${w.info.jobId} was canceled`));
    else w.reject(new WeirError('RUN_FAILED', `${result.error?.message ?? 'the step failed'} (Slurm job ${w.info.jobId}${w.info.node ? ` on ${w.info.node}` : ''})`));
  }

  private async finishWithoutResult(name: string, w: Watched): Promise<void> {
    this.watched.delete(name);
    await this.tailLog(w);
    const ended = w.ended!;
    w.info.state = ended.state;
    if (ended.reason) w.info.reason = ended.reason;
    w.info.recordedAt = new Date().toISOString();
    await w.job.onProgress({ running: w.running, slurm: { ...w.info } });
    if (w.job.hooks.signal.aborted || w.canceledAsDependant) {
      w.reject(new WeirError('CANCELED', `Slurm job ${w.info.jobId} was canceled`));
      return;
    }
    const out = await readFile(jobFile(this.store, this.runId, name, 'out'), 'utf8').catch(() => '');
    const tail = out.trim().split('\n').slice(-5).join('\n');
    const why = ended.state === 'COMPLETED' ? 'it ended without recording the step\'s outcome' : describeEndState(ended.state, ended.reason);
    w.reject(new WeirError('RUN_FAILED', `Slurm job ${w.info.jobId}${w.info.node ? ` on ${w.info.node}` : ''} ended ${ended.state}: ${why}${tail ? `\n${tail}` : ''}`));
  }
}
