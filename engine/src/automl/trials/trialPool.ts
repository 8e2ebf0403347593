import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { WeirError } from '../../errors';
import type { FeatureMatrix } from '../../gbdt/api';
import type { Fold } from '../splitFolds';
import type { Task } from '../types';
import type { SharedTrialData, TrialRequest, WorkerReply } from './protocol';

export type TrialReply = (
  /** `states` holds the fold models when `keep` asked for them and they arrived. */
  | { status: 'Completed'; reply: Extract<WorkerReply, { type: 'done' }>; states?: unknown[]; durationMs: number }
  | { status: 'Failed'; error: string; durationMs: number }
  | { status: 'Canceled'; error: string; durationMs: number }
) & {
  /** The cluster node the trial ran on, when its worker is on another machine (ClusterTrialPool). */
  node?: string;
};

interface Slot {
  worker?: Worker;
  /** Settles when the worker has its data and its modules loaded. */
  ready?: Promise<void>;
  busy: boolean;
}

/**
 * A fixed number of trial worker threads over one copy of the data in shared memory.
 * A trial that passes its timeout, or that the caller cancels, is stopped by terminating
 * its worker; the slot gets a fresh worker (same shared data) for the next trial.
 */
export class TrialPool {
  private readonly slots: Slot[];
  private readonly inFlight = new Map<number, { slot: Slot; stop: (reason: string) => void }>();
  private closed = false;

  constructor(
    private readonly shared: SharedTrialData,
    size: number,
    private readonly workerPath: string = resolveWorkerPath(),
  ) {
    this.slots = Array.from({ length: Math.max(1, size) }, () => ({ busy: false }));
  }

  /** Starts every worker and waits until each has loaded its modules and data. */
  async warmUp(): Promise<void> {
    for (const slot of this.slots) if (!slot.worker) this.attach(slot);
    await Promise.all(this.slots.map((s) => s.ready));
  }

  get size(): number {
    return this.slots.length;
  }

  get running(): number {
    return this.inFlight.size;
  }

  /**
   * Runs a trial on a free worker. The caller keeps at most `size` trials in flight. When
   * the trial is done, `keep` decides from its result whether to fetch its fold models.
   */
  run(request: TrialRequest, timeoutMs?: number, keep?: (reply: Extract<WorkerReply, { type: 'done' }>) => boolean): Promise<TrialReply> {
    const slot = this.slots.find((s) => !s.busy);
    if (!slot || this.closed) throw new Error('TrialPool.run called with no free worker');
    slot.busy = true;
    if (!slot.worker) this.attach(slot);
    const worker = slot.worker!;
    const ready = slot.ready!;
    let started = performance.now();
    return new Promise<TrialReply>((resolve) => {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      /** Set once the trial itself is done; the worker may still be sending its models. */
      let done: { reply: Extract<WorkerReply, { type: 'done' }>; durationMs: number } | undefined;
      const finish = (result: TrialReply) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        this.inFlight.delete(request.iteration);
        slot.busy = false;
        resolve(result);
      };
      const kill = () => {
        slot.worker = undefined;
        void worker.terminate();
      };
      const onMessage = (reply: WorkerReply) => {
        if (reply.type === 'ready' || reply.iteration !== request.iteration) return;
        if (done) {
          // The answer to the models request; a failure to serialise them costs the models only.
          finish({ status: 'Completed', ...done, states: reply.type === 'states' ? reply.states : undefined });
          return;
        }
        const durationMs = performance.now() - started;
        if (reply.type === 'failed') {
          finish({ status: 'Failed', error: reply.error, durationMs });
        } else if (reply.type === 'done') {
          if (timer) clearTimeout(timer);
          if (keep?.(reply)) {
            done = { reply, durationMs };
            worker.postMessage({ type: 'states', iteration: request.iteration });
          } else {
            finish({ status: 'Completed', reply, durationMs });
          }
        }
      };
      // Once the trial is done, losing the worker loses only its models, not the result.
      const onError = (e: Error) => {
        kill();
        finish(done ? { status: 'Completed', ...done } : { status: 'Failed', error: `trial worker crashed: ${e.message}`, durationMs: performance.now() - started });
      };
      const onExit = (code: number) => {
        slot.worker = undefined;
        finish(done ? { status: 'Completed', ...done } : { status: 'Failed', error: `trial worker exited with code ${code}`, durationMs: performance.now() - started });
      };
      const stop = (reason: string) => {
        kill();
        finish(done ? { status: 'Completed', ...done } : { status: 'Canceled', error: reason, durationMs: performance.now() - started });
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      this.inFlight.set(request.iteration, { slot, stop });
      // A replacement worker (after a stopped trial) starts up first; its start-up is not the trial's time.
      void ready.then(() => {
        if (settled) return;
        started = performance.now();
        if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
          timer = setTimeout(() => stop(`stopped after iteration_timeout_minutes (${(timeoutMs / 60_000).toFixed(4)} min)`), Math.max(1, timeoutMs));
        }
        worker.postMessage({ type: 'run', request });
      });
    });
  }

  /** Stops one running trial (its result becomes Canceled). */
  cancel(iteration: number, reason: string): void {
    this.inFlight.get(iteration)?.stop(reason);
  }

  /** Stops every running trial. */
  cancelAll(reason: string): void {
    for (const { stop } of [...this.inFlight.values()]) stop(reason);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelAll('the search ended');
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
    for (const s of this.slots) s.worker = undefined;
  }

  private attach(slot: Slot): void {
    const worker = new Worker(this.workerPath);
    // A worker never keeps the engine alive on its own; the pool closes them explicitly.
    worker.unref();
    slot.worker = worker;
    slot.ready = new Promise<void>((resolve) => {
      const onReady = (m: WorkerReply) => {
        if (m.type !== 'ready') return;
        worker.off('message', onReady);
        resolve();
      };
      worker.on('message', onReady);
      // A worker that dies before it is ready is dropped, so the next trial on this slot
      // starts a fresh one (and fails with that worker's error if it dies again).
      const drop = () => {
        if (slot.worker === worker && !slot.busy) slot.worker = undefined;
        resolve();
      };
      worker.once('exit', drop);
      worker.once('error', drop);
    });
    worker.postMessage({ type: 'init', data: this.shared });
  }
}

/**
 * Where the bundled worker (`dist/worker.js`) is: next to the running bundle (dist/cli.js,
 * dist/server.js), or found by walking up to the repository's dist/ when running from
 * source (vitest) or from a benchmark bundle. `WEIR_WORKER_PATH` overrides both.
 */
export function resolveWorkerPath(): string {
  if (process.env.WEIR_WORKER_PATH) return process.env.WEIR_WORKER_PATH;
  const beside = path.join(__dirname, 'worker.js');
  if (existsSync(beside) && path.basename(__dirname) === 'dist') return beside;
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'dist', 'worker.js');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new WeirError('INTERNAL', `the AutoML trial worker (dist/worker.js) was not found from ${__dirname}`, { hint: 'Run `npm run build` first.' });
}

/** Copies the matrix, label, weights and folds into shared memory, once per AutoML run. */
export function shareTrialData(args: { task: Task; numClasses?: number; X: FeatureMatrix; y: Float32Array; weight?: Float32Array; folds: Fold[] }): SharedTrialData {
  return {
    task: args.task,
    numClasses: args.numClasses,
    rows: args.X.rows,
    cols: args.X.cols,
    X: toShared(args.X.values),
    featureNames: args.X.featureNames ?? Array.from({ length: args.X.cols }, (_, j) => `f${j}`),
    featureTypes: args.X.featureTypes,
    y: toShared(args.y),
    weight: args.weight ? toShared(args.weight) : undefined,
    folds: args.folds.map((f) => ({ train: toShared(f.train), valid: toShared(f.valid) })),
  };
}

function toShared(a: Float32Array | Uint32Array): SharedArrayBuffer {
  if (a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) return a.buffer;
  const sab = new SharedArrayBuffer(a.byteLength);
  new (a.constructor as Float32ArrayConstructor)(sab).set(a as Float32Array);
  return sab;
}
