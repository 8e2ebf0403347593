import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../engine/src/store/workspace';
import type { WorkspaceStore } from '../../engine/src/store/storeApi';
import type { RunRecord, StepRunRecord } from '../../engine/src/store/records';
import { WeirError } from '../../engine/src/errors';
import { HOST_TAG, tempName } from '../../engine/src/store/durableFiles';
import { tempDir, titanicCsv } from '../helpers/paths';
import { registerDataset } from '../../engine/src/data/registerDataset';

const stores: WorkspaceStore[] = [];
async function open(root: string): Promise<WorkspaceStore> {
  const s = await openWorkspace(root);
  stores.push(s);
  return s;
}
afterEach(async () => {
  for (const s of stores.splice(0)) await s.dispose();
});

function step(name: string, extra: Partial<StepRunRecord> = {}): StepRunRecord {
  return { name, kind: 'sql', status: 'Queued', outputs: {}, metrics: {}, ...extra };
}

function runInit(experiment = 'exp', steps = [step('prep'), step('train')]): Omit<RunRecord, 'id' | 'createdAt' | 'status' | 'owner'> {
  return { experiment, pipelineName: 'p', pipelineFile: 'p.pipeline.yaml', parameters: { a: 1 }, steps, outputs: {} };
}

describe('runs', () => {
  it('creates, updates and lists runs newest first, with unique sortable ids', async () => {
    const store = await open(tempDir());
    const a = await store.createRun(runInit());
    const b = await store.createRun(runInit());
    expect(a.id).toMatch(/^run_\d{8}_\d{6}_\d{3}_[0-9a-f]{4}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.owner?.pid).toBe(process.pid);
    expect((await store.listRuns({ experiment: 'exp' })).map((r) => r.id)).toEqual([b.id, a.id].sort().reverse());

    await store.updateRun(a.id, (r) => {
      r.status = 'Running';
      r.steps[0].status = 'Running';
    });
    expect((await store.getRun(a.id)).steps[0].status).toBe('Running');
    await store.updateRun(a.id, (r) => {
      r.status = 'Completed';
      r.steps.forEach((s) => (s.status = 'Completed'));
    });
    const listed = await store.listRuns({ experiment: 'exp' });
    expect(listed.find((r) => r.id === a.id)?.status).toBe('Completed');
    expect(await store.listExperiments()).toEqual([{ name: 'exp', runCount: 2, lastRunAt: listed[0].createdAt }]);
    expect(await store.listRuns({ experiment: 'other' })).toEqual([]);
    expect(await store.listRuns({ limit: 1 })).toHaveLength(1);
  });

  it('lists a finished run that is made live again as live', async () => {
    const store = await open(tempDir());
    const run = await store.createRun(runInit());
    await store.updateRun(run.id, (r) => void (r.status = 'Failed'));
    await store.updateRun(run.id, (r) => void (r.status = 'Running'));
    expect((await store.listRuns()).map((r) => r.status)).toEqual(['Running']);
    await store.updateRun(run.id, (r) => void (r.status = 'Completed'));
    expect((await store.listRuns()).map((r) => r.status)).toEqual(['Completed']);
  });

  it('serializes concurrent updates of one run from one process', async () => {
    const store = await open(tempDir());
    const run = await store.createRun(runInit('exp', Array.from({ length: 20 }, (_v, i) => step(`s${i}`))));
    await Promise.all(run.steps.map((_s, i) => store.updateRun(run.id, (r) => void (r.steps[i].metrics = { i }))));
    const after = await store.getRun(run.id);
    expect(after.steps.map((s) => s.metrics.i)).toEqual(run.steps.map((_s, i) => i));
  });

  it('records reusable steps and checks their outputs still exist', async () => {
    const root = tempDir();
    const store = await open(root);
    const run = await store.createRun(runInit());
    const out = path.join(await store.makeTempDir('out'), 'result.json');
    fs.writeFileSync(out, '{"x":1}');
    const ref = await store.putArtifact(out, 'json');
    expect(await store.findReusableStep('fp1')).toBeUndefined();
    await store.updateRun(run.id, (r) => {
      r.steps[0].status = 'Completed';
      r.steps[0].fingerprint = 'fp1';
      r.steps[0].outputs = { result: ref };
    });
    const found = await store.findReusableStep('fp1');
    expect(found?.runId).toBe(run.id);
    expect(found?.step.name).toBe('prep');
    fs.rmSync(store.artifactPath(ref));
    expect(await store.findReusableStep('fp1')).toBeUndefined();
  });

  it('stores identical artifact content once', async () => {
    const store = await open(tempDir());
    const dir = await store.makeTempDir('a');
    fs.writeFileSync(path.join(dir, 'one.txt'), 'same');
    fs.writeFileSync(path.join(dir, 'two.txt'), 'same');
    const r1 = await store.putArtifact(path.join(dir, 'one.txt'), 'file');
    const r2 = await store.putArtifact(path.join(dir, 'two.txt'), 'file', { copy: true });
    expect(r1.path).toBe(r2.path);
    expect(r1.path).toMatch(/^\.weir\/artifacts\/[0-9a-f]{2}\/[0-9a-f]{64}\/one\.txt$/);
    expect(fs.existsSync(path.join(dir, 'one.txt'))).toBe(false);
    const folder = path.join(dir, 'model');
    fs.mkdirSync(path.join(folder, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'model.json'), '{}');
    fs.writeFileSync(path.join(folder, 'sub', 'x.bin'), 'x');
    const d = await store.putArtifact(folder, 'dir', { copy: true });
    expect(d.bytes).toBe(3);
    expect(fs.readFileSync(path.join(store.artifactPath(d), 'sub', 'x.bin'), 'utf8')).toBe('x');
  });

  it('keeps logs per step, trials per file, and cancel markers', async () => {
    const store = await open(tempDir());
    const run = await store.createRun(runInit());
    await store.appendLog(run.id, 'prep', 'line 1\n');
    await store.appendLog(run.id, 'prep', 'line 2\n');
    await store.appendLog(run.id, 'train', 'hello\n');
    expect(await store.readLog(run.id, 'prep')).toBe('line 1\nline 2\n');
    expect(await store.readLog(run.id)).toBe('== prep ==\nline 1\nline 2\n== train ==\nhello\n');
    await expect(store.readLog(run.id, 'nope')).rejects.toThrow(/no step 'nope'; steps: prep, train/);
    for (const i of [2, 0, 1]) {
      await store.addTrial(run.id, 'train', { iteration: i, algorithm: 'X', hyperparameters: {}, status: 'Completed', metrics: { auc: i }, startedAt: '', durationMs: 1 });
    }
    expect((await store.listTrials(run.id, 'train')).map((t) => t.iteration)).toEqual([0, 1, 2]);
    expect(await store.isCancelRequested(run.id)).toBe(false);
    await store.requestCancel(run.id);
    expect(await store.isCancelRequested(run.id)).toBe(true);
  });

  it('deletes runs and rebuilds the index from run files', async () => {
    const root = tempDir();
    const store = (await open(root)) as WorkspaceStore & { rebuildRunIndex(): Promise<{ runs: number }> };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await store.createRun(runInit());
      await store.updateRun(r.id, (x) => void (x.status = 'Completed'));
      ids.push(r.id);
    }
    await store.deleteRun(ids[1]);
    await expect(store.getRun(ids[1])).rejects.toThrow(WeirError);
    expect((await store.listRuns()).map((r) => r.id).sort()).toEqual([ids[0], ids[2]].sort());
    fs.rmSync(path.join(root, '.weir', 'index', 'runs'), { recursive: true });
    expect(await store.rebuildRunIndex()).toEqual({ runs: 2 });
    const fresh = await open(root);
    expect((await fresh.listRuns()).map((r) => r.id).sort()).toEqual([ids[0], ids[2]].sort());
  });

  it('notices changes made by another store instance', async () => {
    const root = tempDir();
    const watcher = await open(root);
    const writer = await open(root);
    const seen: string[] = [];
    const sub = watcher.watch((c) => seen.push(c.type === 'run' ? c.runId : c.name));
    const run = await writer.createRun(runInit());
    for (let i = 0; i < 100 && !seen.includes(run.id); i++) await new Promise((r) => setTimeout(r, 20));
    sub.dispose();
    expect(seen).toContain(run.id);
  });
});

describe('garbage collection', () => {
  it('removes only artifacts no record mentions, and spares young ones', async () => {
    const root = tempDir();
    const store = (await open(root)) as WorkspaceStore & { collectGarbage(o?: { minAgeMs?: number; dryRun?: boolean }): Promise<{ removed: string[]; bytes: number; kept: number }> };
    const put = async (name: string, text: string) => {
      const file = path.join(await store.makeTempDir('gc'), name);
      fs.writeFileSync(file, text);
      return store.putArtifact(file, 'file');
    };
    const kept = await put('kept.json', '{"kept":1}');
    const model = await put('model.json', '{"model":1}');
    const orphan = await put('orphan.json', '{"orphan":1}');
    const run = await store.createRun(runInit());
    await store.updateRun(run.id, (r) => {
      r.steps[0].outputs = { out: kept };
      r.status = 'Completed';
    });
    await store.registerModel('m', model);
    const deletedRun = await store.createRun(runInit());
    const deletedOutput = await put('gone.json', '{"gone":1}');
    await store.updateRun(deletedRun.id, (r) => {
      r.steps[0].outputs = { out: deletedOutput };
      r.status = 'Completed';
    });
    await store.deleteRun(deletedRun.id);

    expect((await store.collectGarbage()).removed).toEqual([]);
    const dry = await store.collectGarbage({ minAgeMs: 0, dryRun: true });
    expect(dry.removed.sort()).toEqual([path.posix.dirname(orphan.path), path.posix.dirname(deletedOutput.path)].sort());
    expect(fs.existsSync(store.artifactPath(orphan))).toBe(true);
    const real = await store.collectGarbage({ minAgeMs: 0 });
    expect(real.removed).toHaveLength(2);
    expect(real.bytes).toBe('{"orphan":1}'.length + '{"gone":1}'.length);
    expect(fs.existsSync(store.artifactPath(orphan))).toBe(false);
    expect(fs.existsSync(store.artifactPath(kept))).toBe(true);
    expect(fs.existsSync(store.artifactPath(model))).toBe(true);
  });
});

describe('recovery on open', () => {
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    return child.pid!;
  }

  it('marks runs of a dead owner Failed/Interrupted, with their unfinished steps', async () => {
    const root = tempDir();
    const store = await open(root);
    const run = await store.createRun(runInit('exp', [step('prep'), step('train'), step('register')]));
    const pid = await deadPid();
    await store.updateRun(run.id, (r) => {
      r.status = 'Running';
      r.owner = { ...r.owner!, pid, procStart: undefined };
      r.steps[0].status = 'Completed';
      r.steps[1].status = 'Running';
    });
    const other = await store.createRun(runInit());
    const reopened = await open(root);
    const after = await reopened.getRun(run.id);
    expect(after.status).toBe('Failed');
    expect(after.error).toMatchObject({ reason: 'Interrupted', code: 'RUN_FAILED' });
    expect(after.error?.message).toContain(`pid ${pid}`);
    expect(after.steps.map((s) => s.status)).toEqual(['Completed', 'Failed', 'Failed']);
    expect(after.steps[1].error?.reason).toBe('Interrupted');
    // A run of a live process (this one) is left alone.
    expect((await reopened.getRun(other.id)).status).toBe('Queued');
    expect((await reopened.listRuns()).find((r) => r.id === run.id)?.status).toBe('Failed');
  });

  it('finishes the index for a run whose process died between writing it and indexing it', async () => {
    const root = tempDir();
    const store = await open(root);
    const run = await store.createRun(runInit());
    const file = path.join(root, '.weir', 'runs', run.id, 'run.json');
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
    record.status = 'Completed';
    fs.writeFileSync(file, JSON.stringify(record));
    const reopened = await open(root);
    expect(fs.readdirSync(path.join(root, '.weir', 'index', 'active', 'exp'))).toEqual([]);
    expect((await reopened.listRuns({ experiment: 'exp' })).map((r) => [r.id, r.status])).toEqual([[run.id, 'Completed']]);
  });

  it('skips a torn index line and keeps appending after it', async () => {
    const root = tempDir();
    const store = await open(root);
    const a = await store.createRun(runInit());
    await store.updateRun(a.id, (r) => void (r.status = 'Completed'));
    fs.appendFileSync(path.join(root, '.weir', 'index', 'runs', 'exp.jsonl'), '{"id":"run_torn","experim');
    const b = await store.createRun(runInit());
    await store.updateRun(b.id, (r) => void (r.status = 'Canceled'));
    const fresh = await open(root);
    expect((await fresh.listRuns()).map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('removes temp files of dead processes and keeps those of live ones', async () => {
    const root = tempDir();
    await open(root);
    const tmp = path.join(root, '.weir', 'tmp');
    const dead = `w-${await deadPid()}-0123456789ab`;
    const live = `w-${process.pid}-0123456789ab`;
    fs.writeFileSync(path.join(tmp, dead), 'x');
    fs.mkdirSync(path.join(tmp, live));
    await open(root);
    expect(fs.readdirSync(tmp)).toEqual([live]);
  });

  it('judges temp files by pid only when this host made them (a shared folder seen from several nodes)', async () => {
    const root = tempDir();
    await open(root);
    const tmp = path.join(root, '.weir', 'tmp');
    const pid = await deadPid();
    const mine = `w-${pid}@${HOST_TAG}-0123456789ab`;
    const otherHost = `w-${pid}@${HOST_TAG === 'ffffffff' ? 'eeeeeeee' : 'ffffffff'}-0123456789ab`;
    fs.writeFileSync(path.join(tmp, mine), 'x');
    fs.mkdirSync(path.join(tmp, otherHost));
    await open(root);
    expect(fs.readdirSync(tmp)).toEqual([otherHost]);
    expect(tempName('w')).toMatch(new RegExp(`^w-${process.pid}@${HOST_TAG}-[0-9a-f]{12}$`));
  });
});

describe('datasets', () => {
  it('registers a CSV, dedupes identical content, and reports unknown names and versions', async () => {
    const store = await open(tempDir());
    const titanic = titanicCsv;
    const first = await registerDataset(store, 'titanic_ds', [titanic], { description: 'the article' });
    expect(first.created).toBe(true);
    expect(first.version.version).toBe(1);
    expect(first.version.rows).toBe(891);
    expect(first.version.schema.find((c) => c.name === 'Age')?.type).toBe('DOUBLE');
    expect(first.version.sources).toEqual([titanic]);
    const again = await registerDataset(store, 'titanic_ds', [titanic]);
    expect(again.created).toBe(false);
    expect(again.version.version).toBe(1);
    await expect(store.getDataset('titanic_ds', 7)).rejects.toThrow(/has no version 7; versions: 1/);
    await expect(store.getDataset('nope')).rejects.toThrow(/no dataset 'nope' \(datasets: titanic_ds\)/);
  });
});
