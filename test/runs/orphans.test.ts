import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { RunRecord } from '../../engine/src/store/records';
import { cliBundle, tempDir } from '../helpers/paths';
import { isAlive } from './processes';

/** kill -9 of `weir run`: the next store open marks the run Interrupted and kills the step's child. */

function weir(cwd: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cliBundle, ...args], { cwd, encoding: 'utf8', env: { ...process.env, WEIR_CLI_MAIN: '1' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 30));
  }
  return true;
}

describe('orphaned script children', () => {
  test('after kill -9 of `weir run`, `weir runs` marks the run Interrupted and kills the running sleep', async () => {
    const root = tempDir('weir-orphan-');
    const pidFile = path.join(root, 'sleep.pid');
    writeFileSync(path.join(root, 'slow.pipeline.yaml'), `steps:\n  slow:\n    script: "echo $$ > ${pidFile}; exec sleep 30"\n`);
    const child = spawn(process.execPath, [cliBundle, 'run', 'slow.pipeline.yaml'], { cwd: root, env: { ...process.env, WEIR_CLI_MAIN: '1' } });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let sleepPid = 0;
    try {
      expect(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 15_000)).toBe(true);
      sleepPid = Number(readFileSync(pidFile, 'utf8').trim());
      // The group is recorded right after the spawn; wait until it is in the run record.
      let recorded: RunRecord['steps'][number]['process'];
      expect(await waitFor(() => {
        const shown = weir(root, 'run', 'show', 'latest', '--json');
        recorded = shown.code === 0 ? (JSON.parse(shown.out) as RunRecord).steps[0]?.process : undefined;
        return recorded !== undefined;
      }, 10_000)).toBe(true);
      expect(recorded!.pgid).toBe(sleepPid);
      expect(isAlive(sleepPid)).toBe(true);

      child.kill('SIGKILL');
      await exited;
      expect(isAlive(sleepPid)).toBe(true);

      const runs = JSON.parse(weir(root, 'runs', '--json').out) as RunRecord[];
      expect(runs.map((r) => [r.status, r.error?.reason])).toEqual([['Failed', 'Interrupted']]);
      expect(await waitFor(() => !isAlive(sleepPid), 2000)).toBe(true);
    } finally {
      if (sleepPid && isAlive(sleepPid)) process.kill(sleepPid, 'SIGKILL');
    }
  });

  test('a recorded group whose leader pid now has another start time is left alone', async () => {
    const { killOrphanedGroup, processStartTicks } = await import('../../engine/src/store/processOwner');
    const bystander = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const pid = bystander.pid!;
      const start = processStartTicks(pid);
      expect(start).toBeDefined();
      // A record from an earlier process that had the same pid: same pgid, another start time.
      expect(killOrphanedGroup({ pgid: pid, procStart: String(Number(start) - 1) })).toBe(false);
      expect(killOrphanedGroup({ pgid: pid })).toBe(false);
      expect(isAlive(pid)).toBe(true);
      expect(killOrphanedGroup({ pgid: pid, procStart: start })).toBe(true);
      expect(await waitFor(() => bystander.exitCode !== null || bystander.signalCode !== null, 2000)).toBe(true);
    } finally {
      if (bystander.exitCode === null && bystander.signalCode === null) bystander.kill('SIGKILL');
    }
  });
});
