import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/**
 * Which process owns a run, and whether it is still alive. A pid alone is not enough on a
 * long-lived machine (pids are reused, in containers quickly), so on Linux the owner also
 * records the process start time from `/proc/<pid>/stat` and a live pid with another start
 * time counts as gone.
 */

export interface ProcessOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** Linux: start time of the process in clock ticks since boot (field 22 of /proc/pid/stat). */
  procStart?: string;
}

export function processStartTicks(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses; fields after it are plain.
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return afterName[19];
  } catch {
    return undefined;
  }
}

let selfOwner: ProcessOwner | undefined;

export function currentOwner(): ProcessOwner {
  selfOwner ??= { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), procStart: processStartTicks(process.pid) };
  return { ...selfOwner, startedAt: new Date().toISOString() };
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * False only when we can tell the owner is gone: same host and the pid is dead or now belongs to
 * another process. A run owned by another host (a shared folder) is left alone.
 */
export function isOwnerAlive(owner: ProcessOwner | undefined): boolean {
  if (!owner) return false;
  if (owner.host !== os.hostname()) return true;
  if (owner.pid === process.pid) return owner.procStart === undefined || owner.procStart === processStartTicks(process.pid);
  if (!isPidAlive(owner.pid)) return false;
  if (owner.procStart !== undefined) {
    const now = processStartTicks(owner.pid);
    if (now !== undefined && now !== owner.procStart) return false;
  }
  return true;
}

/**
 * Kills a process group a dead run left behind (a script step's child), but only when its
 * leader is provably the process that was recorded: same start time in /proc and still leading
 * the same group. Without a recorded start time (not Linux) nothing is killed, because a reused
 * pid could belong to anyone. SIGKILL, since nobody is left to collect what the group would
 * write on a graceful exit. Returns whether a signal was sent.
 */
export function killOrphanedGroup(group: { pgid: number; procStart?: string }): boolean {
  if (group.procStart === undefined || !Number.isInteger(group.pgid) || group.pgid <= 1) return false;
  if (processStartTicks(group.pgid) !== group.procStart || processGroupOf(group.pgid) !== group.pgid) return false;
  try {
    process.kill(-group.pgid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

function processGroupOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

/**
 * Cancels the Slurm jobs a dead run left (steps that ran with `executor: slurm`). A job's
 * liveness is Slurm's business, not a pid's, so this asks Slurm; `scancel` of a job that has
 * already ended does nothing. Fire and forget: the store must not wait on the controller.
 */
export function cancelOrphanedJobs(jobIds: string[]): void {
  const ids = jobIds.filter((id) => /^\d+$/.test(id));
  if (!ids.length) return;
  try {
    const child = spawn('scancel', ids, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No scancel here (the run was submitted from another machine): nothing this process can do.
  }
}
