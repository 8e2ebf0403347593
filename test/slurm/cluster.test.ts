import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { slurmSkipReason } from './cluster';

describe.skipIf(slurmSkipReason !== undefined)('the two-node test cluster (scripts/slurm/start.sh)', () => {
  test('sinfo shows nodes n1 and n2 in partition debug, and srun -N2 lands one task on each', () => {
    const info = spawnSync('sinfo', ['-h', '-N', '-o', '%N %P'], { encoding: 'utf8', timeout: 5000 });
    expect(info.stdout.trim().split('\n').sort()).toEqual(['n1 debug*', 'n2 debug*']);
    const r = spawnSync('srun', ['-N2', '--time=1', 'bash', '-c', 'echo $SLURMD_NODENAME'], { encoding: 'utf8', timeout: 30_000, cwd: '/tmp' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['n1', 'n2']);
  });
});
