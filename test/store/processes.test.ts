import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../engine/src/store/workspace';
import type { RunRecord } from '../../engine/src/store/records';
import { repoRoot, tempDir } from '../helpers/paths';

/**
 * Real processes against one store: a child hammering the store is killed with SIGKILL at
 * random instants, and two children register versions at the same time.
 */
let worker = '';

afterAll(() => fs.rmSync(worker, { force: true }));

beforeAll(async () => {
  // Inside the repository so the bundle's `import('@duckdb/node-api')` resolves node_modules
  // (dynamic imports use the ESM resolver, which ignores NODE_PATH); git ignores node_modules.
  worker = path.join(repoRoot, 'node_modules', '.cache', 'weir-test', `storeWorker-${process.pid}.js`);
  await build({
    entryPoints: [path.join(__dirname, 'fixtures', 'storeWorker.ts')],
    outfile: worker,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    external: ['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-*'],
  });
});

function startWorker(args: string[]): { child: ChildProcess; lines: string[]; waitFor(pred: (lines: string[]) => boolean): Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  const waiters: (() => void)[] = [];
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    async waitFor(pred) {
      while (!pred(lines)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker exited early: ${stderr}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

describe('store under real processes', () => {
  it('survives kill -9 at random instants: every record parses, killed runs are Interrupted, finished runs intact', async () => {
    const root = tempDir('weir-kill-');
    const finished = new Set<string>();
    let interruptedSeen = 0;
    const kills = 8;
    for (let k = 0; k < kills; k++) {
      const w = startWorker(['runs', root]);
      await w.waitFor((l) => l.includes('ready'));
      // Let it get a little way in, then check that a live owner's run is left alone.
      await w.waitFor((l) => l.some((x) => x.startsWith('done')));
      const live = await openWorkspace(root);
      const wrongly = (await live.listRuns()).filter((r) => r.error?.reason === 'Interrupted' && r.owner?.pid === w.child.pid);
      await live.dispose();
      expect(wrongly).toEqual([]);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 200));
      w.child.kill('SIGKILL');
      await w.exited;
      for (const line of w.lines) if (line.startsWith('done ')) finished.add(line.slice(5));

      const store = await openWorkspace(root);
      try {
        const dir = path.join(root, '.weir');
        const files = walk(dir);
        for (const f of files.filter((x) => x.endsWith('.json'))) expect(() => JSON.parse(fs.readFileSync(f, 'utf8')), f).not.toThrow();
        for (const f of files.filter((x) => x.endsWith('.jsonl'))) {
          const bad = fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.length > 0).filter((l) => {
            try {
              JSON.parse(l);
              return false;
            } catch {
              return true;
            }
          });
          expect(bad.length, f).toBeLessThanOrEqual(kills);
        }
        expect(fs.readdirSync(path.join(dir, 'tmp')).filter((n) => n.includes(`-${w.child.pid}-`) || n.includes(`-${w.child.pid}@`))).toEqual([]);

        const runIds = fs.readdirSync(path.join(dir, 'runs')).filter((id) => fs.existsSync(path.join(dir, 'runs', id, 'run.json')));
        const runs = runIds.map((id) => JSON.parse(fs.readFileSync(path.join(dir, 'runs', id, 'run.json'), 'utf8')) as RunRecord);
        for (const r of runs) {
          expect(['Completed', 'Failed'], `${r.id} ${r.status}`).toContain(r.status);
          if (r.status === 'Failed') {
            expect(r.error?.reason).toBe('Interrupted');
            expect(r.steps.every((s) => s.status !== 'Running' && s.status !== 'Queued')).toBe(true);
          }
        }
        for (const id of finished) expect(runs.find((r) => r.id === id)?.status, id).toBe('Completed');
        interruptedSeen = runs.filter((r) => r.status === 'Failed').length;

        const listed = await store.listRuns();
        expect(listed.map((r) => r.id).sort()).toEqual(runIds.sort());
        expect(listed.filter((r) => r.status === 'Failed').length).toBe(interruptedSeen);
        for (const r of listed) if (r.status === 'Completed') expect((await store.listTrials(r.id, 'train')).length).toBe(3);

        const models = await store.listModelVersions('hammer_model').catch(() => []);
        expect(models.map((m) => m.version)).toEqual(models.map((_m, i) => i + 1));
        for (const m of models) expect(fs.existsSync(store.artifactPath(m.artifact))).toBe(true);
        for (let fp = 0; fp < 5; fp++) {
          const reuse = await store.findReusableStep(`fp-${fp}`);
          if (reuse) for (const ref of Object.values(reuse.step.outputs)) expect(fs.existsSync(store.artifactPath(ref))).toBe(true);
        }
      } finally {
        await store.dispose();
      }
    }
    expect(finished.size).toBeGreaterThanOrEqual(kills);
    expect(interruptedSeen).toBeGreaterThan(0);
  });

  it('a long-lived store that watches notices a run whose process was killed, without reopening', async () => {
    const root = tempDir('weir-watch-kill-');
    const editor = await openWorkspace(root);
    try {
      const changes: string[] = [];
      const subscription = editor.watch((c) => {
        if (c.type === 'run') changes.push(c.runId);
      });
      const w = startWorker(['hang', root]);
      await w.waitFor((l) => l.some((x) => x.startsWith('running ')));
      const runId = w.lines.find((x) => x.startsWith('running '))!.slice(8);
      // First the child's own changes arrive through the journal; then it dies without a word.
      for (let i = 0; i < 100 && !changes.includes(runId); i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      w.child.kill('SIGKILL');
      await w.exited;
      changes.length = 0;
      for (let i = 0; i < 100 && !changes.includes(runId); i++) await new Promise((r) => setTimeout(r, 50));
      subscription.dispose();
      expect(changes).toContain(runId);
      const onDisk = JSON.parse(fs.readFileSync(path.join(root, '.weir', 'runs', runId, 'run.json'), 'utf8')) as RunRecord;
      expect(onDisk.status).toBe('Failed');
      expect(onDisk.error?.reason).toBe('Interrupted');
      expect(onDisk.steps[0].status).toBe('Failed');
    } finally {
      await editor.dispose();
    }
  });

  it('two processes registering versions at once get distinct versions and lose nothing', async () => {
    const root = tempDir('weir-concurrent-');
    const perProcess = 4;
    const workers = ['a', 'b'].map((tag) => startWorker(['register', root, tag, String(perProcess)]));
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes).toEqual([0, 0]);
    const store = await openWorkspace(root);
    try {
      const datasets = await store.listDatasetVersions('shared_ds');
      expect(datasets.map((d) => d.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(new Set(datasets.map((d) => d.hash)).size).toBe(2 * perProcess);
      const { readColumnar } = await import('../../engine/src/data/tables');
      const contents = new Set<string>();
      for (const d of datasets) {
        const t = await readColumnar(store.artifactPath(d.artifact));
        contents.add(`${(t.columns[0].values as string[])[0]}-${(t.columns[1].values as Float64Array)[0]}`);
      }
      expect([...contents].sort()).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'b-0', 'b-1', 'b-2', 'b-3']);
      const models = await store.listModelVersions('shared_model');
      expect(models.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(new Set(models.map((m) => `${m.tags.tag}-${m.tags.i}`)).size).toBe(8);
    } finally {
      await store.dispose();
    }
  });
});
