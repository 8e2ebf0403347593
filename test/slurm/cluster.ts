import { spawnSync } from 'node:child_process';

/**
 * Whether the two-node test cluster of scripts/slurm/start.sh answers. The Slurm tests run
 * on a real cluster, never a fake: where none answers (no slurm-wlm installed, not started,
 * not root) they skip, and print why, so a skip is never silent.
 */
export function slurmUnavailable(): string | undefined {
  const r = spawnSync('sinfo', ['-h', '-N', '-o', '%N %t'], { encoding: 'utf8', timeout: 5000 });
  if (r.error) return (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'sinfo is not on PATH (apt-get install slurm-wlm munge)' : `sinfo failed: ${r.error.message}`;
  if (r.status !== 0) return `the Slurm controller does not answer (start it with scripts/slurm/start.sh): ${r.stderr.trim().split('\n')[0]}`;
  const nodes = r.stdout.trim().split('\n').filter(Boolean);
  const up = nodes.filter((l) => /\s(idle|mix|alloc)\*?$/.test(l));
  if (up.length < 2) return `the cluster needs two usable nodes, sinfo shows: ${nodes.join(', ') || 'none'}`;
  return undefined;
}

export const slurmSkipReason = slurmUnavailable();
if (slurmSkipReason) console.warn(`test/slurm skipped: ${slurmSkipReason}`);

/** Job ids Slurm still holds as pending or running, with their names. */
export function liveJobs(): { id: string; name: string; state: string }[] {
  const r = spawnSync('squeue', ['-h', '-o', '%i|%j|%T'], { encoding: 'utf8', timeout: 5000 });
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, name, state] = l.split('|');
      return { id: id!, name: name!, state: state! };
    });
}
