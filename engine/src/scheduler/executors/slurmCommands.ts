import { execFile } from 'node:child_process';
import { WeirError } from '../../errors';

/**
 * Slurm's own command-line tools (sbatch, squeue, scancel, sinfo), which are its stable
 * interface on every cluster; the REST daemon is optional and often absent. Each call has a
 * timeout, since an unreachable controller makes them hang for a long time.
 */

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How long one Slurm command may take before the controller counts as unreachable. */
const COMMAND_TIMEOUT_MS = 20_000;

export function slurmCommand(program: string, args: string[], timeoutMs = COMMAND_TIMEOUT_MS): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new WeirError('BAD_INPUT', `'${program}' is not on PATH, so steps cannot run on Slurm`, { hint: 'Run weir on a Slurm login node (where sbatch works), or use --executor local.' }));
        return;
      }
      if (error && error.killed) {
        resolve({ code: -1, stdout: stdout ?? '', stderr: `${program} did not answer within ${Math.round(timeoutMs / 1000)} s` });
        return;
      }
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: stdout ?? '', stderr: stderr ?? '' });
    });
  });
}

/** The first meaningful line of a Slurm tool's error output. */
export function firstLine(text: string): string {
  return text.trim().split('\n').find((l) => l.trim())?.trim() ?? '';
}

export interface JobState {
  jobId: string;
  state: string;
  node?: string;
  reason?: string;
}

/**
 * The states of the given jobs: `squeue --states=all` also lists jobs that ended recently
 * (the controller keeps them for MinJobAge, 300 s by default), which is how an end state is
 * learnt without the accounting daemon. A job the controller no longer knows is left out.
 * When squeue fails otherwise (the controller unreachable: `slurm_load_jobs error: Unable to
 * contact slurm controller`), `error` is its first error line and nothing is known of the jobs.
 */
export async function jobStates(jobIds: string[]): Promise<{ states: Map<string, JobState> } | { error: string }> {
  const out = new Map<string, JobState>();
  if (!jobIds.length) return { states: out };
  const r = await slurmCommand('squeue', ['-h', '--states=all', '-j', jobIds.join(','), '-o', '%i|%T|%N|%r']);
  // squeue fails when every listed id is unknown to it; an empty map then says "all gone".
  if (r.code !== 0) return /Invalid job id/i.test(r.stderr) ? { states: out } : { error: firstLine(r.stderr) || `squeue exit code ${r.code}` };
  for (const line of r.stdout.split('\n')) {
    const [jobId, state, node, reason] = line.trim().split('|');
    if (!jobId || !state) continue;
    out.set(jobId, { jobId, state, ...(node ? { node } : {}), ...(reason && reason !== 'None' && reason !== '(null)' ? { reason } : {}) });
  }
  return { states: out };
}

export async function cancelJobs(jobIds: string[]): Promise<void> {
  if (!jobIds.length) return;
  await slurmCommand('scancel', jobIds).catch(() => undefined);
}

/** Slurm job states after which the job never runs again. */
export const FINAL_JOB_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'SPECIAL_EXIT', 'REVOKED']);

/** What an end state means, for the step's error. */
export function describeEndState(state: string, reason?: string): string {
  const why: Record<string, string> = {
    CANCELLED: 'it was canceled (scancel, or an administrator)',
    TIMEOUT: 'it reached its time limit',
    NODE_FAIL: 'its node failed',
    OUT_OF_MEMORY: 'it ran out of memory',
    PREEMPTED: 'it was preempted by a higher-priority job',
    BOOT_FAIL: 'its node failed to boot',
    DEADLINE: 'it reached its deadline',
    FAILED: 'the job failed',
  };
  return `${why[state] ?? `it ended ${state}`}${reason ? ` (Slurm reason: ${reason})` : ''}`;
}
