import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type Server, type Socket, createServer } from 'node:net';
import { WeirError } from '../../errors';
import { type ToCoordinator, type ToWorker, encodeTrialData, onFrames, sendFrame } from './clusterProtocol';
import type { SharedTrialData, TrialRequest, WorkerReply } from './protocol';
import type { LimitReasons, TrialReply } from './trialPool';

/** What runs a search's trials: `TrialPool` (threads here) or `ClusterTrialPool` (processes on other nodes). */
export type TrialPoolLike = Pick<ClusterTrialPool, 'size' | 'warmUp' | 'run' | 'cancel' | 'cancelAll' | 'close'>;

/** Makes the pool for one search; the Slurm executor passes one whose workers on the job's nodes it launched at the step's start. */
export type TrialPoolFactory = (shared: SharedTrialData, size: number) => TrialPoolLike;

/** How workers are started once the coordinator listens: e.g. one `srun` with a task per worker. */
export interface WorkerLauncher {
  /** Writes the trial data where every worker can read it (the shared store). */
  writeData(bytes: Buffer): Promise<string>;
  /** Starts `size` workers that connect to `port` on this host with `token`; the process ends when they all have. */
  start(args: { port: number; token: string; size: number }): ChildProcess;
  log(text: string): void;
}

interface RemoteSlot {
  socket?: Socket;
  node?: string;
  rank: number;
  /** When the worker's process began (epoch ms). */
  startedAt?: number;
  /** Whether it was sent the data (or let go). */
  greeted?: boolean;
  ready: boolean;
  /** False once its connection closed; a trial given to it fails at once. */
  alive: boolean;
  busy: boolean;
  current?: {
    iteration: number;
    keep?: (reply: Extract<WorkerReply, { type: 'done' }>) => boolean;
    /** Set once the result is in and its models were asked for. */
    done?: Extract<TrialReply, { status: 'Completed' }>;
    finish(result: TrialReply): void;
  };
}

/** How long the workers may take to start (srun, Node start-up, loading the data) before the step fails. */
const START_TIMEOUT_MS = 180_000;

/**
 * A trial pool whose workers are processes on other machines: the search (this process, the
 * coordinator) listens on a TCP port, a launcher starts `size` worker hosts (see
 * `clusterWorker.ts`) that read the trial data from the shared store and connect back, and
 * each trial request goes to a free worker, its result comes back as a frame. It implements
 * the search's `TrialRunner` as `TrialPool` does, so the search — and its determinism for a
 * seed and `iterations` — does not change with where trials run. Each result names the node
 * its worker ran on.
 *
 * A worker host runs its trials in a worker thread of its own, so a timeout or a cancel stops
 * the trial there without losing the worker. A worker whose connection drops is lost for the
 * rest of the search: its trial, and any later trial given to its slot, fails with that reason.
 */
export class ClusterTrialPool {
  private readonly slots: RemoteSlot[];
  /** How many of the launched workers the search uses (fewer when memory limits the workers). */
  private active: number;
  private readonly token = randomBytes(16).toString('hex');
  private server?: Server;
  private launched?: ChildProcess;
  private launching?: Promise<void>;
  private launchedAt = 0;
  private output = '';
  /** Why the launcher could not be started (e.g. srun not on PATH). */
  private launchError?: string;
  private shared?: SharedTrialData;
  private dataFile?: string;
  private started?: Promise<void>;
  private closed = false;

  constructor(
    size: number,
    private readonly launcher: WorkerLauncher,
  ) {
    this.slots = Array.from({ length: Math.max(1, size) }, (_, rank) => ({ rank, ready: false, alive: true, busy: false }));
    this.active = this.slots.length;
  }

  get size(): number {
    return this.active;
  }

  /**
   * Starts the workers before the data exists, so their start-up (the launcher, Node, the
   * engine) overlaps the step's own (reading inputs, featurization, folds). Idempotent.
   */
  launch(): Promise<void> {
    this.launching ??= (async () => {
      const server = createServer((socket) => this.accept(socket));
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, () => resolve());
      });
      const port = (server.address() as { port: number }).port;
      this.launchedAt = Date.now();
      const child = this.launcher.start({ port, token: this.token, size: this.slots.length });
      this.launched = child;
      const collect = (d: Buffer) => {
        const text = d.toString();
        this.output = (this.output + text).slice(-4000);
        for (const line of text.split('\n')) if (line.trim()) this.launcher.log(`trial workers: ${line.trim()}`);
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.on('error', (e) => (this.launchError = e.message));
    })();
    return this.launching;
  }

  /** The pool for one search: its data, and how many of the launched workers it uses. */
  forSearch(shared: SharedTrialData, size: number): this {
    this.shared = shared;
    this.active = Math.max(1, Math.min(size, this.slots.length));
    return this;
  }

  /** Gives every worker the data (through the shared store) and waits until each is ready. */
  warmUp(): Promise<void> {
    this.started ??= this.start();
    return this.started;
  }

  private async start(): Promise<void> {
    if (!this.shared) throw new Error('ClusterTrialPool.warmUp before forSearch');
    const launching = this.launch();
    this.dataFile = await this.launcher.writeData(encodeTrialData(this.shared));
    await launching;
    const dataAt = Date.now();
    for (const s of this.slots) this.greet(s);
    const child = this.launched!;
    const used = this.slots.slice(0, this.active);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(`the trial workers did not all start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
      const check = setInterval(() => {
        if (this.launchError) fail(`the trial workers could not be started: ${this.launchError}`);
        else if (used.every((s) => s.ready)) done();
      }, 10);
      const onExit = (code: number | null) => fail(`the trial workers' launcher exited (code ${code}) before all ${used.length} workers were ready${this.output.trim() ? `:\n${this.output.trim()}` : ''}`);
      const done = () => {
        clearTimeout(timer);
        clearInterval(check);
        child.off('exit', onExit);
        resolve();
      };
      const fail = (message: string) => {
        clearTimeout(timer);
        clearInterval(check);
        child.off('exit', onExit);
        reject(new WeirError('RUN_FAILED', message));
      };
      if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode);
      else child.once('exit', onExit);
    });
    if (!used.some((s) => s.alive)) throw new WeirError('RUN_FAILED', `every trial worker was lost while starting${this.output.trim() ? `:\n${this.output.trim()}` : ''}`);
    const nodes = new Map<string, number>();
    for (const s of used) nodes.set(s.node ?? '?', (nodes.get(s.node ?? '?') ?? 0) + 1);
    // The launcher's own latency (launch → the worker processes began) and how long the search
    // waited for the workers once its data was ready are told apart.
    const began = used.filter((s) => s.startedAt !== undefined);
    const launchMs = Math.max(0, ...began.map((s) => s.startedAt! - this.launchedAt));
    this.launcher.log(
      `trial workers ready: ${[...nodes].map(([n, c]) => `${c} on ${n}`).join(', ')} (launched ${((dataAt - this.launchedAt) / 1000).toFixed(2)} s before the data was ready, processes began after ${(launchMs / 1000).toFixed(2)} s; the search waited ${((Date.now() - dataAt) / 1000).toFixed(2)} s for them)`,
    );
  }

  /** Sends a connected worker the data, or lets a worker the search does not use go. */
  private greet(slot: RemoteSlot): void {
    if (!slot.socket || !this.dataFile || slot.greeted) return;
    slot.greeted = true;
    if (slot.rank >= this.active) {
      slot.socket.end();
      return;
    }
    this.send(slot, { type: 'init', dataFile: this.dataFile });
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    let slot: RemoteSlot | undefined;
    onFrames<ToCoordinator>(socket, (m) => {
      if (!slot) {
        // The first frame must be a hello with this search's token and a rank not yet taken.
        const wanted = m.type === 'hello' && m.token === this.token ? this.slots[m.rank] : undefined;
        if (!wanted || wanted.socket || m.type !== 'hello') {
          socket.destroy();
          return;
        }
        slot = wanted;
        slot.socket = socket;
        slot.node = m.node;
        slot.startedAt = m.startedAt;
        this.greet(slot);
        return;
      }
      this.onMessage(slot, m);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!slot) return;
      slot.alive = false;
      slot.ready = true;
      const c = slot.current;
      if (c) c.finish(c.done ?? { status: 'Failed', error: `the trial worker on ${slot.node ?? 'its node'} was lost`, durationMs: 0, ...(slot.node ? { node: slot.node } : {}) });
    });
  }

  private onMessage(slot: RemoteSlot, m: ToCoordinator): void {
    if (m.type === 'ready') {
      slot.ready = true;
      return;
    }
    const c = slot.current;
    if (!c || m.type === 'hello' || m.iteration !== c.iteration) return;
    const node = slot.node ? { node: slot.node } : {};
    if (m.type === 'states') {
      if (c.done) c.finish({ ...c.done, ...(m.states ? { states: m.states } : {}) });
      return;
    }
    const reply = m.reply;
    if (reply.status === 'Completed' && c.keep?.(reply.reply)) {
      c.done = { ...reply, ...node };
      this.send(slot, { type: 'states', iteration: c.iteration });
      return;
    }
    c.finish({ ...reply, ...node });
  }

  private send(slot: RemoteSlot, message: ToWorker): void {
    if (slot.socket && slot.alive) sendFrame(slot.socket, message);
  }

  /** As `TrialPool.run`, on one remote worker: `_spread` and `_projectLimitMs` are not used here. */
  run(
    request: TrialRequest,
    timeoutMs?: number,
    keep?: (reply: Extract<WorkerReply, { type: 'done' }>) => boolean,
    _spread?: number,
    _projectLimitMs?: number,
    why?: LimitReasons,
  ): Promise<TrialReply> {
    const slot = this.slots.slice(0, this.active).find((s) => !s.busy);
    if (!slot || this.closed) throw new Error('ClusterTrialPool.run called with no free worker');
    slot.busy = true;
    return new Promise<TrialReply>((resolve) => {
      const finish = (result: TrialReply) => {
        if (slot.current?.iteration !== request.iteration) return;
        slot.current = undefined;
        slot.busy = false;
        resolve(result);
      };
      slot.current = { iteration: request.iteration, ...(keep ? { keep } : {}), finish };
      if (!slot.alive || !slot.socket) {
        finish({ status: 'Failed', error: `the trial worker on ${slot.node ?? 'its node'} was lost`, durationMs: 0, ...(slot.node ? { node: slot.node } : {}) });
        return;
      }
      this.send(slot, { type: 'run', request, ...(timeoutMs !== undefined && Number.isFinite(timeoutMs) ? { timeoutMs } : {}), ...(why ? { why } : {}) });
    });
  }

  /** Stops one running trial on its worker (its result becomes Canceled). */
  cancel(iteration: number, reason: string): void {
    const slot = this.slots.find((s) => s.current?.iteration === iteration);
    if (!slot) return;
    if (slot.current?.done) slot.current.finish(slot.current.done);
    else this.send(slot, { type: 'cancel', iteration, reason });
  }

  cancelAll(reason: string): void {
    for (const s of this.slots) if (s.current) this.cancel(s.current.iteration, reason);
  }

  /** Closes every connection (workers exit when theirs closes) and waits briefly for the launcher to end. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.slots) {
      const c = s.current;
      if (c) c.finish(c.done ?? { status: 'Canceled', error: 'the search ended', durationMs: 0 });
      s.socket?.end();
    }
    this.server?.close();
    const child = this.launched;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const timer = setTimeout(() => child.kill('SIGTERM'), 5_000);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      clearTimeout(timer);
    }
  }
}
