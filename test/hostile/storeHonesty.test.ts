import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startRun } from '../../engine/src/scheduler';
import type { RunRecord } from '../../engine/src/store/records';
import type { WorkspaceStore } from '../../engine/src/store/storeApi';
import { FileWorkspaceStore, openWorkspace } from '../../engine/src/store/workspace';
import { sandbox, startWeir, waitFor, weir, write } from './helpers';

/** Issue 11 items 8 and 9: gc and a full disk keep the store honest. */

const stores: WorkspaceStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.dispose();
});

describe('gc during a live run (item 8)', () => {
  test('`weir gc --min-age 0` keeps a completed step output the live run still uses, and the run completes', async () => {
    const box = sandbox();
    const gate = path.join(box.ws, 'go');
    write(box.ws, {
      'g.pipeline.yaml': [
        'steps:',
        '  first:',
        '    script: echo data > ${{ outputs.o }}',
        '    outputs: { o: file }',
        '  second:',
        `    script: while [ ! -e ${gate} ]; do sleep 0.05; done; cat \${{ steps.first.outputs.o }} > \${{ outputs.o }}`,
        '    outputs: { o: file }',
        'outputs: { a: "${{ steps.first.outputs.o }}", b: "${{ steps.second.outputs.o }}" }',
        '',
      ].join('\n'),
    });
    const run = startWeir(box.ws, ['run', 'g.pipeline.yaml']);
    await waitFor(() => /second\s+Running/.test(run.output()));
    // An artifact stored by this live run but not yet referenced by any record: only the
    // live-run rule protects it. Put one in as the scheduler would, without recording it.
    const store = await openWorkspace(box.ws);
    stores.push(store);
    const loose = path.join(box.root, 'loose.txt');
    write(box.root, { 'loose.txt': 'stored, not yet recorded\n' });
    const ref = await store.putArtifact(loose, 'file', { copy: true });
    const gc = weir(box.ws, ['gc', '--min-age', '0', '--json']);
    expect(gc.code, gc.err).toBe(0);
    expect(existsSync(path.join(box.ws, ref.path))).toBe(true);
    write(box.ws, { go: '' });
    expect(await run.exited).toBe(0);
    const to = path.join(box.ws, 'got');
    expect(weir(box.ws, ['run', 'download', 'latest', 'b', '--to', to]).code).toBe(0);
    expect(readFileSync(path.join(to, readdirSync(to)[0]!), 'utf8')).toBe('data\n');
    // With nothing live the same gc frees the loose artifact.
    const after = JSON.parse(weir(box.ws, ['gc', '--min-age', '0', '--json']).out) as { removed: string[] };
    expect(after.removed.some((p) => ref.path.startsWith(p))).toBe(true);
  });
});

/** A store whose run-record writes fail with ENOSPC while `full()` says the disk is full. */
function fullDisk(store: WorkspaceStore, full: (run: RunRecord) => boolean): WorkspaceStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'updateRun') {
        return (runId: string, change: (r: RunRecord) => void) =>
          target.updateRun(runId, (r) => {
            change(r);
            if (full(r)) throw Object.assign(new Error(`ENOSPC: no space left on device, write '${runId}/run.json'`), { code: 'ENOSPC' });
          });
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describe('a full disk (item 9)', () => {
  test('a step status that fails to write is retried, and the final run never holds a Running step', async () => {
    const box = sandbox();
    write(box.ws, { 'd.pipeline.yaml': 'steps:\n  big:\n    script: head -c 1000000 /dev/zero > ${{ outputs.o }}; exit 3\n    outputs: { o: file }\n' });
    const real = await openWorkspace(box.ws);
    stores.push(real);
    // The first two attempts to record the step's end hit a full disk.
    let failures = 2;
    const store = fullDisk(real, (r) => r.steps.some((s) => s.status === 'Failed') && failures-- > 0);
    const handle = await startRun(store, path.join(box.ws, 'd.pipeline.yaml'));
    const record = await handle.done;
    expect(record.status).toBe('Failed');
    expect(record.steps.map((s) => s.status)).toEqual(['Failed']);
    const onDisk = await real.getRun(handle.runId);
    expect(onDisk.steps[0]!.status).toBe('Failed');
    expect(onDisk.steps[0]!.error?.message).toMatch(/exited with code 3/);
  });

  test('when the disk stays full, the run stays live on disk and the next open records it Failed, steps too', async () => {
    const box = sandbox();
    write(box.ws, { 'd.pipeline.yaml': 'steps:\n  big:\n    script: head -c 1000000 /dev/zero > ${{ outputs.o }}; exit 3\n    outputs: { o: file }\n' });
    const real = await openWorkspace(box.ws);
    stores.push(real);
    const store = fullDisk(real, (r) => r.steps.some((s) => s.status === 'Failed') || r.status === 'Failed');
    const handle = await startRun(store, path.join(box.ws, 'd.pipeline.yaml'));
    await expect(handle.done).rejects.toMatchObject({ code: 'ENOSPC' });
    const stuck = JSON.parse(readFileSync(path.join(box.ws, '.weir', 'runs', handle.runId, 'run.json'), 'utf8')) as RunRecord;
    expect(stuck.status).toBe('Running');
    // The owner "dies": another process (here: a record of another pid) opens the store.
    stuck.owner = { ...stuck.owner!, pid: 2 ** 22 + 1, procStart: '1' };
    write(box.ws, { [`.weir/runs/${handle.runId}/run.json`]: JSON.stringify(stuck) });
    const next = new FileWorkspaceStore(box.ws);
    await next.open();
    stores.push(next);
    const healed = await next.getRun(handle.runId);
    expect(healed.status).toBe('Failed');
    expect(healed.error?.reason).toBe('Interrupted');
    expect(healed.steps.map((s) => s.status)).toEqual(['Failed']);
  });
});
