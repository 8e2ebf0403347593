import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { RunRecord } from '../../engine/src/store/records';
import { tempDir, titanicCsv } from '../helpers/paths';
import { expectUserError, outsideState, storeHash, weir, withoutProgress, write, type Sandbox } from './helpers';

/**
 * Issue 11 item 9 and the stack-trace list's ENOSPC cases on a real full disk: a 2 MB tmpfs
 * (needs root, or CAP_SYS_ADMIN; the tests skip with the reason when mount is refused).
 */

function mountSmallDisk(): { dir?: string; reason?: string } {
  if (process.platform !== 'linux') return { reason: 'tmpfs mounts need Linux' };
  const dir = tempDir('weir-full-disk-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `mount -t tmpfs was refused (${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}); these tests need root` };
  }
  return { dir };
}

const disk = mountSmallDisk();
if (!disk.dir) console.warn(`test/hostile/fullDisk.test.ts skipped: ${disk.reason}`);

afterAll(() => {
  if (!disk.dir) return;
  // Lazily if something still holds it (a child the test killed may not have gone yet).
  if (spawnSync('umount', [disk.dir]).status !== 0) spawnSync('umount', ['-l', disk.dir]);
  rmSync(disk.dir, { recursive: true, force: true });
});

/** A workspace on the small disk, with its "outside" on the ordinary one. */
function smallBox(name: string): Sandbox {
  const root = tempDir('weir-full-outside-');
  const outside = path.join(root, 'outside');
  write(outside, { 'keep.txt': 'must stay\n' });
  const ws = path.join(disk.dir!, name);
  mkdirSync(ws);
  return { root, ws, outside };
}

/** Fills the small disk to the last block with `ws/filler` (the disk's owner's doing, not Weir's). */
function fillDisk(ws: string, leaveKb = 0): void {
  const filler = path.join(ws, 'filler');
  spawnSync('/bin/sh', ['-c', `head -c 4000000 /dev/zero > "${filler}"`]);
  if (leaveKb > 0) spawnSync('truncate', ['-s', `-${leaveKb}K`, filler]);
}

/** Every record file of the store parses: JSON files whole, JSON-lines files line by line. */
function expectRecordsWhole(ws: string): void {
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  const files = walk(path.join(ws, '.weir')).filter((f) => !f.includes(`${path.sep}tmp${path.sep}`));
  for (const f of files) {
    if (f.endsWith('.json')) expect(() => JSON.parse(readFileSync(f, 'utf8')), f).not.toThrow();
    if (f.endsWith('.jsonl')) for (const line of readFileSync(f, 'utf8').split('\n').filter(Boolean)) expect(() => JSON.parse(line), f).not.toThrow();
  }
}

describe.skipIf(!disk.dir)('a real full disk (a 2 MB tmpfs)', () => {
  test('a script step writing more than fits: the run ends Failed naming "No space left", no Running step, records whole', () => {
    const box = smallBox('step-output');
    try {
      write(box.ws, {
        'd.pipeline.yaml': 'steps:\n  big:\n    script: head -c 3000000 /dev/zero > ${{ outputs.o }}\n    outputs: { o: file }\n  small:\n    script: echo fine\n',
      });
      const outside = outsideState(box);
      const r = weir(box.ws, ['run', 'd.pipeline.yaml']);
      expect(r.code, r.err).toBe(1);
      expect(r.err).toMatch(/^error: step 'big' failed: sh exited with code 1; last output:\n.*No space left on device/);
      expect(r.out + r.err).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
      const run = JSON.parse(weir(box.ws, ['run', 'show', 'latest', '--json']).out) as RunRecord;
      expect(run.status).toBe('Failed');
      expect(Object.fromEntries(run.steps.map((s) => [s.name, s.status]))).toEqual({ big: 'Failed', small: 'Completed' });
      expect(run.steps[0]!.error?.message).toMatch(/No space left on device/);
      expectRecordsWhole(box.ws);
      // The partial output went with the failure; the run's reserve with the end of the run.
      expect(readdirSync(path.join(box.ws, '.weir', 'runs', run.id)).sort()).toEqual(['logs', 'processes', 'run.json']);
      expect(outsideState(box)).toEqual(outside);
    } finally {
      rmSync(box.ws, { recursive: true, force: true });
    }
  });

  test('a step that fills the disk with a file that is not its output: the disk stays full, and the failure is still recorded', () => {
    const box = smallBox('stays-full');
    try {
      write(box.ws, {
        'f.pipeline.yaml': 'steps:\n  fill:\n    script: head -c 3000000 /dev/zero > filler\n  other:\n    script: sleep 0.5; echo other\n',
      });
      const r = weir(box.ws, ['run', 'f.pipeline.yaml']);
      expect(r.code, r.err).toBe(1);
      expect(r.first).toMatch(/^error: step 'fill' failed: sh exited with code 1; last output:/);
      expect(r.out + r.err).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
      const free = spawnSync('df', ['-k', '--output=avail', disk.dir!], { encoding: 'utf8' }).stdout.split('\n')[1]!.trim();
      expect(Number(free)).toBeLessThan(128);
      const run = JSON.parse(weir(box.ws, ['run', 'show', 'latest', '--json']).out) as RunRecord;
      expect(run.status).toBe('Failed');
      expect(run.error?.message).toMatch(/No space left on device/);
      expect(run.steps.map((s) => s.status).sort()).toEqual(['Completed', 'Failed']);
      expectRecordsWhole(box.ws);
    } finally {
      rmSync(box.ws, { recursive: true, force: true });
    }
  });

  test('`dataset register` whose snapshot does not fit: exit 2 naming no space, no version, nothing half-written', () => {
    const box = smallBox('register');
    try {
      expect(weir(box.ws, ['runs']).code).toBe(0);
      // ~880 KB of random numbers (outside the small disk): the snapshot needs far more than is left.
      const csv = path.join(box.outside, 'big.csv');
      writeFileSync(csv, `a,b,n\n${Array.from({ length: 20_000 }, (_, i) => `${Math.random()},${Math.random()},${i}`).join('\n')}\n`);
      fillDisk(box.ws, 150);
      const store = storeHash(box.ws);
      const outside = outsideState(box);
      const r = withoutProgress(weir(box.ws, ['dataset', 'register', 'B', csv]));
      expectUserError(r, /^error: .*\.weir\/tmp\/ingest-[^:]*\/data\.parquet: no space left on device$/);
      expect(r.err).toMatch(/Free some space and try again/);
      expect(storeHash(box.ws)).toBe(store);
      expect(readdirSync(path.join(box.ws, '.weir', 'tmp'))).toEqual([]);
      expect(outsideState(box)).toEqual(outside);
      expectRecordsWhole(box.ws);
      expect(weir(box.ws, ['dataset', 'list']).out).toMatch(/No datasets yet/);
    } finally {
      rmSync(box.ws, { recursive: true, force: true });
    }
  });

  test('`run` and `dataset delete` with no space at all: exit 2 naming the file, records whole, no empty run folder', () => {
    const box = smallBox('no-space');
    try {
      write(box.ws, { 'ok.pipeline.yaml': 'steps:\n  s:\n    script: echo hi\n' });
      expect(weir(box.ws, ['dataset', 'register', 'T', titanicCsv]).code).toBe(0);
      fillDisk(box.ws);
      const store = storeHash(box.ws);
      const run = weir(box.ws, ['run', 'ok.pipeline.yaml']);
      expectUserError(run, /^error: .*: no space left on device$/);
      expect(readdirSync(path.join(box.ws, '.weir', 'runs'))).toEqual([]);
      const del = weir(box.ws, ['dataset', 'delete', 'T:1']);
      expectUserError(del, /^error: .*\.weir\/datasets\/T\/1\.json: no space left on device$/);
      expect(storeHash(box.ws)).toBe(store);
      expectRecordsWhole(box.ws);
      // With space back, everything works and nothing is left over.
      rmSync(path.join(box.ws, 'filler'));
      expect(weir(box.ws, ['run', 'ok.pipeline.yaml']).code).toBe(0);
      expect(weir(box.ws, ['dataset', 'delete', 'T:1']).code).toBe(0);
    } finally {
      rmSync(box.ws, { recursive: true, force: true });
    }
  });
});
