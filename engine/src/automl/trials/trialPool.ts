import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { WeirError } from '../../errors';
import type { FeatureMatrix } from '../../gbdt/api';
import { COLLECT_AFTER_BYTES, collectGarbage } from '../../util/collectGarbage';
import type { Fold } from '../splitFolds';
import type { Task } from '../types';
import type { SharedTrialData, TrialRequest, WorkerReply, WorkerRequest } from './protocol';
import { gatherFold } from './runTrial';

type DoneReply = Extract<WorkerReply, { type: 'done' }>;

/** How long a stopped trial whose fits are done may still take to send its models. */
const MODELS_GRACE_MS = 2_000;
/** A trial is stopped by its projection only when that passes its limit by this factor (fold times vary). */
export const PROJECTION_MARGIN = 1.1;

export type TrialReply = (
  /** `states` holds the fold models when `keep` asked for them and they arrived. */
  | { status: 'Completed'; reply: DoneReply; states?: unknown[]; durationMs: number }
  | { status: 'Failed'; error: string; durationMs: number }
  /** `projectedMs`: when stopped by its projection (see `TrialPool.run`), the time its folds so far project for the whole trial. */
  | { status: 'Canceled'; error: string; durationMs: number; projectedMs?: number }
) & {
  /** The cluster node the trial ran on, when its worker is on another machine (ClusterTrialPool). */
  node?: string;
};

/**
 * What a trial's time limits are, for the message of a trial stopped at one: the caller
 * knows whether a limit is the user's iteration_timeout_minutes, the search's own cap on one
 * trial or the time left, the pool does not. Each completes "stopped at 2.1 s, …".
 */
export interface LimitReasons {
  /** What `timeoutMs` is, e.g. "the 20% of the experiment timeout one trial may take". */
  timeout?: string;
  /** What `projectLimitMs` is, e.g. "the time left of the experiment timeout". */
  projection?: string;
  /**
   * The trial is its family's first: its first folds carry the worker's warm-up on that
   * family's code (a 36–38-tree forest probe's folds on Soybean at load 5: 238, 189, 127, 64, 37
   * ms and 346, 255, 56, 59, 69 ms), so its projection waits for the second fold and adds the
   * latest fold's time for each fold left instead of scaling the average (see `TrialPool.run`).
   */
  cold?: boolean;
}

interface Slot {
  worker?: Worker;
  /** Settles when the worker has its data and its modules loaded, or a stopped trial's worker is free again. */
  ready?: Promise<void>;
  busy: boolean;
  /** One shared Int32 cell, the same for every worker of the slot: the token of the run to stop. */
  cancel: Int32Array;
  /** The last run's token on this slot (increasing, so an old token never stops a new run). */
  token: number;
  /** Set while a stopped trial's worker has not come back yet (`ready` settles when it has). */
  draining: boolean;
  /** Why the slot's worker died before it was ready, for the trial that waited for it. */
  startError?: string;
}

/** How long a stopped trial's worker may take to reach its next check before it is terminated. */
export const STOP_GRACE_MS = 1_000;

/** How the stopped trials' workers came back (see `TrialPool.stops`). */
export interface StopStats {
  /** Per worker that stopped at a check and was reused: ms from the stop to its answer. */
  reused: number[];
  /** Workers terminated because they did not answer within the grace. */
  terminated: number;
  /** Workers still stopping when the pool closed, or lost (exited) while stopping. */
  unsettled: number;
}

export interface TrialPoolOptions {
  /**
   * How long a stopped trial's worker may take to reach its fits' next check (see
   * `FitArgs.signal`) and come back; past it the worker is terminated and a fresh one starts.
   * 0 terminates at once (what the pool did before cooperative stops).
   */
  graceMs?: number;
  /** Told when a stopped trial's worker is terminated after the grace. */
  onNote?: (text: string) => void;
}

/**
 * A fixed number of trial worker threads over one copy of the data in shared memory.
 * A trial that passes its timeout, or that the caller cancels, is stopped cooperatively: the
 * trial is Canceled at once, and its worker is asked (through a shared flag) to stop at its
 * fits' next check; it keeps its fold matrices, compiled code and WebAssembly module for the
 * next trial on the slot, which waits for it. A worker that does not come back within the
 * grace is terminated and the slot gets a fresh worker (same shared data).
 */
export class TrialPool {
  private readonly slots: Slot[];
  private readonly inFlight = new Map<number, { stop: (reason: string) => void }>();
  private closed = false;
  private readonly graceMs: number;
  private readonly stopStats: StopStats = { reused: [], terminated: 0, unsettled: 0 };

  private readonly shared: SharedTrialData;
  private collected = false;

  constructor(
    shared: SharedTrialData,
    size: number,
    private readonly workerPath: string = resolveWorkerPath(),
    private readonly options: TrialPoolOptions = {},
  ) {
    // With more than one worker, each fold's rows are gathered once here and read by all of them.
    this.shared = size > 1 ? gatherFolds(shared) : shared;
    this.graceMs = options.graceMs ?? STOP_GRACE_MS;
    this.slots = Array.from({ length: Math.max(1, size) }, () => ({ busy: false, cancel: new Int32Array(new SharedArrayBuffer(4)), token: 0, draining: false }));
  }

  /**
   * Starts every worker and waits until each has loaded its modules and data. On a large table
   * the main thread first collects its garbage, once: featurizing leaves about the table's size
   * of it, which a thread that mostly waits during the search would keep resident to the end.
   * Here, not right after featurizing, because the collector's background work slows what runs
   * next for a moment, and before the search the run times a small fit to price its fallback.
   */
  async warmUp(): Promise<void> {
    if (!this.collected && this.shared.X.byteLength >= COLLECT_AFTER_BYTES) collectGarbage();
    this.collected = true;
    for (const slot of this.slots) if (!slot.worker) this.attach(slot);
    await Promise.all(this.slots.map((s) => s.ready));
  }

  get size(): number {
    return this.slots.length;
  }

  get running(): number {
    return this.inFlight.size;
  }

  /** How the stopped trials' workers came back so far: reused, terminated after the grace, or not yet. */
  get stops(): StopStats {
    return { reused: [...this.stopStats.reused], terminated: this.stopStats.terminated, unsettled: this.stopStats.unsettled + this.slots.filter((s) => s.draining).length };
  }

  /**
   * Runs a trial on a free worker, or with `spread` > 1 on up to that many free workers at
   * once, each fitting a contiguous share of the folds (fold-parallel: one large trial uses
   * every core). The folds' seeds and data do not depend on the split, so a spread trial's
   * predictions and models are the same as on one worker. The caller keeps at most `size`
   * workers busy. When the trial is done, `keep` decides from its (merged) result whether to
   * fetch its fold models. A failure or crash of any share fails the whole trial: a trial
   * reports all folds or none. A free worker still coming back from a stopped trial is taken
   * last, and the trial starts (and its clock) once it is back.
   *
   * `projectLimitMs`: after each fold, a worker's time so far scaled to its share's folds
   * projects when it ends; a trial projected past this limit (× `PROJECTION_MARGIN`) is stopped
   * at once (Canceled, with `projectedMs`) instead of holding its workers until its timeout
   * or the deadline stops it, which would discard it whole anyway. A cold trial (`why.cold`, a
   * family's first) is not projected from its first fold, and from its second on by the time so
   * far plus its latest fold's time for each fold left.
   *
   * `why` names the limits in the message of a trial stopped at one (without it, only the times).
   */
  run(request: TrialRequest, timeoutMs?: number, keep?: (reply: DoneReply) => boolean, spread = 1, projectLimitMs?: number, why?: LimitReasons): Promise<TrialReply> {
    const free = this.slots.filter((s) => !s.busy).sort((a, b) => Number(a.draining) - Number(b.draining));
    if (free.length === 0 || this.closed) throw new Error('TrialPool.run called with no free worker');
    const folds = this.shared.folds.length;
    const slots = free.slice(0, Math.max(1, Math.min(Math.floor(spread), free.length, folds)));
    const shares = slots.length === 1 ? [undefined] : foldShares(folds, slots.length);
    for (const slot of slots) slot.busy = true;
    let started = performance.now();
    return new Promise<TrialReply>((resolve) => {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      /** Each share's worker and run token, once every slot's worker is ready. */
      let workers: Worker[] = [];
      const tokens: number[] = [];
      const replies: DoneReply[] = [];
      const foldsDone = slots.map(() => 0);
      /** When each share's latest fold ended (its start before the first). */
      const foldAt: (number | undefined)[] = slots.map(() => undefined);
      /** Set once every share is done; the workers may still be sending their models. */
      let done: { reply: DoneReply; durationMs: number } | undefined;
      const states: (unknown[] | undefined)[] = [];
      let statesPending = 0;
      const detach: (() => void)[] = [];
      const finish = (result: TrialReply) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        for (const off of detach) off();
        this.inFlight.delete(request.iteration);
        for (const slot of slots) slot.busy = false;
        resolve(result);
      };
      const kill = (k: number) => {
        if (slots[k].worker === workers[k]) slots[k].worker = undefined;
        void workers[k].terminate();
      };
      /** Stops share k's worker if it may still be fitting: at its next check, or terminated past the grace. */
      const halt = (k: number) => {
        if (replies[k] === undefined) this.halt(slots[k], workers[k], request.iteration, tokens[k]);
      };
      /** Ends the trial with every share's worker that may still be fitting stopped. */
      const end = (result: TrialReply, except?: number) => {
        if (!done) workers.forEach((_, k) => k !== except && halt(k));
        finish(result);
      };
      // Once the trial is done, losing a worker loses only the models, not the result.
      const lost = (k: number, error: string) => {
        if (done) {
          finish({ status: 'Completed', ...done });
          return;
        }
        end({ status: 'Failed', error, durationMs: performance.now() - started }, k);
      };
      const listen = (worker: Worker, k: number) => {
        const onMessage = (reply: WorkerReply) => {
          if (reply.type === 'ready' || reply.iteration !== request.iteration) return;
          if (reply.type === 'fold') {
            const share = shares[k]?.length ?? folds;
            foldsDone[k]++;
            const at = performance.now();
            const lastFold = at - (foldAt[k] ?? started);
            foldAt[k] = at;
            if (projectLimitMs === undefined || foldsDone[k] >= share || settled) return;
            // A family's first trial: its first fold's warm-up is not multiplied over the folds.
            if (why?.cold && foldsDone[k] < 2) return;
            const projected = why?.cold ? at - started + (share - foldsDone[k]) * lastFold : ((at - started) * share) / foldsDone[k];
            if (projected > projectLimitMs * PROJECTION_MARGIN) {
              end({
                status: 'Canceled',
                error: `stopped after ${foldsDone[k]} of ${share} folds: projected ${(projected / 1000).toFixed(1)} s, past its ${(projectLimitMs / 1000).toFixed(1)} s limit${why?.projection ? `, ${why.projection}` : ''}`,
                durationMs: performance.now() - started,
                projectedMs: projected,
              });
            }
            return;
          }
          if (done) {
            // The answer to the models request; a failure to serialise them costs the models only.
            states[k] = reply.type === 'states' ? reply.states : undefined;
            if (--statesPending === 0) {
              const all = states.every((s) => s !== undefined) ? states.flatMap((s) => s!) : undefined;
              finish({ status: 'Completed', ...done, ...(all ? { states: all } : {}) });
            }
            return;
          }
          if (reply.type === 'failed' || reply.type === 'canceled') {
            end({ status: 'Failed', error: reply.type === 'failed' ? reply.error : 'the trial worker stopped the trial', durationMs: performance.now() - started }, k);
          } else if (reply.type === 'done') {
            replies[k] = reply;
            if (replies.filter(Boolean).length < workers.length) return;
            if (timer) clearTimeout(timer);
            const merged = mergeShares(request.iteration, replies);
            const durationMs = performance.now() - started;
            if (keep?.(merged)) {
              done = { reply: merged, durationMs };
              statesPending = workers.length;
              for (const w of workers) w.postMessage({ type: 'states', iteration: request.iteration });
            } else {
              finish({ status: 'Completed', reply: merged, durationMs });
            }
          }
        };
        const onError = (e: Error) => {
          kill(k);
          lost(k, `trial worker crashed: ${e.message}`);
        };
        const onExit = (code: number) => {
          if (slots[k].worker === worker) slots[k].worker = undefined;
          lost(k, `trial worker exited with code ${code}`);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        detach.push(() => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        });
      };
      const stop = (reason: string) => {
        if (done) {
          // The fits are done and the models are on their way (serialising takes moments):
          // stopping now would leave a completed trial without a model, which cannot be chosen.
          setTimeout(() => {
            if (settled) return;
            workers.forEach((_, k) => kill(k));
            finish({ status: 'Completed', ...done! });
          }, MODELS_GRACE_MS).unref();
          return;
        }
        end({ status: 'Canceled', error: reason, durationMs: performance.now() - started });
      };
      this.inFlight.set(request.iteration, { stop });
      // A fresh worker starts up first, and a stopped trial's worker comes back first; neither is the trial's time.
      void Promise.all(slots.map((slot) => this.acquire(slot))).then((ready) => {
        if (settled) return;
        const dead = slots.find((slot, k) => ready[k] === undefined || slot.startError !== undefined);
        if (dead) {
          // A worker that died starting: this trial fails with its error, the slot's next trial starts a fresh one.
          const error = dead.startError ?? 'could not be started';
          for (const slot of slots) if (slot.startError !== undefined) slot.worker = slot.startError = undefined;
          finish({ status: 'Failed', error: `trial worker crashed: ${error}`, durationMs: 0 });
          return;
        }
        workers = ready as Worker[];
        workers.forEach(listen);
        started = performance.now();
        if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
          timer = setTimeout(() => stop(`stopped at ${(timeoutMs / 1000).toFixed(1)} s, ${why?.timeout ?? 'its time limit'}`), Math.max(1, timeoutMs));
        }
        workers.forEach((worker, k) => {
          tokens[k] = ++slots[k].token;
          worker.postMessage({ type: 'run', request: shares[k] ? { ...request, folds: shares[k] } : request, token: tokens[k] } satisfies WorkerRequest);
        });
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

  /** The slot's worker once it is ready: a fresh one started if it has none (or lost it while stopping). */
  private async acquire(slot: Slot): Promise<Worker | undefined> {
    await slot.ready;
    if (!slot.worker && !this.closed) {
      this.attach(slot);
      await slot.ready;
    }
    return slot.worker;
  }

  /**
   * Asks `worker` to stop the run `token` at its next check; the slot's next trial waits until it
   * answers. Past the grace (or with none) it is terminated and the slot starts a fresh worker.
   */
  private halt(slot: Slot, worker: Worker, iteration: number, token: number): void {
    if (slot.worker !== worker || slot.draining) return;
    if (this.graceMs <= 0) {
      slot.worker = undefined;
      void worker.terminate();
      this.stopStats.terminated++;
      return;
    }
    Atomics.store(slot.cancel, 0, token);
    slot.draining = true;
    const asked = performance.now();
    slot.ready = new Promise<void>((resolve) => {
      const settle = (how: 'reused' | 'terminated' | 'lost') => {
        if (!slot.draining) return;
        slot.draining = false;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        if (how === 'reused') this.stopStats.reused.push(performance.now() - asked);
        else {
          if (slot.worker === worker) slot.worker = undefined;
          if (how === 'terminated') {
            void worker.terminate();
            this.stopStats.terminated++;
            this.options.onNote?.(`trial worker of iteration ${iteration} did not stop within ${(this.graceMs / 1000).toFixed(1)} s of being asked: terminated, a fresh worker starts for the next trial`);
          } else this.stopStats.unsettled++;
        }
        resolve();
      };
      const onMessage = (m: WorkerReply) => {
        if (m.iteration === iteration && (m.type === 'canceled' || m.type === 'done' || m.type === 'failed')) settle('reused');
      };
      const onExit = () => settle('lost');
      worker.on('message', onMessage);
      worker.on('exit', onExit);
      // Events settle it, never synchronously here, so `timer` is set by then.
      const timer = setTimeout(() => settle('terminated'), this.graceMs);
      timer.unref();
    });
  }

  private attach(slot: Slot): void {
    const worker = new Worker(this.workerPath);
    // A worker never keeps the engine alive on its own; the pool closes them explicitly.
    worker.unref();
    slot.worker = worker;
    slot.startError = undefined;
    slot.ready = new Promise<void>((resolve) => {
      const onReady = (m: WorkerReply) => {
        if (m.type !== 'ready') return;
        worker.off('message', onReady);
        ready = true;
        resolve();
      };
      worker.on('message', onReady);
      // A worker that dies before it is ready is dropped, so the next trial on this slot
      // starts a fresh one (and fails with that worker's error if it dies again).
      let ready = false;
      const drop = (why: string) => {
        if (ready) return;
        if (slot.worker === worker) {
          if (slot.busy) slot.startError ??= why;
          else slot.worker = undefined;
        }
        resolve();
      };
      worker.once('exit', (code: number) => drop(`exited with code ${code}`));
      worker.once('error', (e: Error) => drop(e.message));
    });
    worker.postMessage({ type: 'init', data: this.shared, cancel: slot.cancel.buffer as SharedArrayBuffer } satisfies WorkerRequest);
  }
}

/** Contiguous shares of the folds, one per worker, the first ones one fold larger when they do not divide evenly. */
export function foldShares(folds: number, workers: number): number[][] {
  const out: number[][] = [];
  let next = 0;
  for (let k = 0; k < workers; k++) {
    const size = Math.floor(folds / workers) + (k < folds % workers ? 1 : 0);
    out.push(Array.from({ length: size }, (_, i) => next + i));
    next += size;
  }
  return out;
}

/**
 * One trial's result from its shares (in fold order): predictions concatenated, fold times
 * listed, importances summed (each share already divides by the trial's number of folds).
 */
function mergeShares(iteration: number, shares: DoneReply[]): DoneReply {
  if (shares.length === 1) return shares[0];
  const oof = new Float64Array(shares.reduce((n, s) => n + s.oof.length, 0));
  let offset = 0;
  let importances: Record<string, number> | undefined;
  for (const s of shares) {
    oof.set(s.oof, offset);
    offset += s.oof.length;
    for (const [k, v] of Object.entries(s.importances ?? {})) (importances ??= {})[k] = (importances[k] ?? 0) + v;
  }
  return { type: 'done', iteration, oof, width: shares[0].width, foldMs: shares.flatMap((s) => s.foldMs), importances };
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

/**
 * The prepared arrays the trial workers read (matrix, label, weights, folds), moved into shared
 * memory: the run keeps this one copy, and `shareTrialData` hands it to the workers as it is
 * instead of copying it beside the original (on a 3M-row table the matrix alone is 120 MB).
 */
export function inSharedMemory<T extends { X: FeatureMatrix; y: Float32Array; weight?: Float32Array; folds: Fold[] }>(prepared: T): T {
  return {
    ...prepared,
    X: { ...prepared.X, values: sharedView(prepared.X.values) },
    y: sharedView(prepared.y),
    ...(prepared.weight ? { weight: sharedView(prepared.weight) } : {}),
    folds: prepared.folds.map((f) => ({ ...f, train: sharedView(f.train), valid: sharedView(f.valid) })),
  };
}

function sharedView<A extends Float32Array | Uint32Array>(a: A): A {
  return new (a.constructor as new (buffer: SharedArrayBuffer) => A)(toShared(a));
}

/**
 * The trial data with each fold's rows gathered once, in shared memory (`foldMatrices`): the
 * workers read these instead of each gathering its own copy of every fold it runs. On a
 * 3M-row × 10 table held out 10%, that copy was 131 MB a worker.
 */
export function gatherFolds(d: SharedTrialData): SharedTrialData {
  if (d.foldMatrices) return d;
  const X = { rows: d.rows, cols: d.cols, values: new Float32Array(d.X) };
  const y = new Float32Array(d.y);
  const weight = d.weight ? new Float32Array(d.weight) : undefined;
  const foldMatrices = d.folds.map((f) => {
    const m = gatherFold({ X, y, weight }, { train: new Uint32Array(f.train), valid: new Uint32Array(f.valid) }, true);
    return {
      train: toShared(m.train.values),
      yTrain: toShared(m.yTrain),
      ...(m.wTrain ? { wTrain: toShared(m.wTrain) } : {}),
      valid: toShared(m.valid.values),
    };
  });
  return { ...d, foldMatrices };
}

/** Copies the matrix, label, weights and folds into shared memory (unless they are already there, see `inSharedMemory`), once per AutoML run. */
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
