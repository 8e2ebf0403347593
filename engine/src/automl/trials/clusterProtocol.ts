import type { Socket } from 'node:net';
import { deserialize, serialize } from 'node:v8';
import type { SharedTrialData, TrialRequest } from './protocol';
import type { LimitReasons, TrialReply } from './trialPool';

/**
 * What the search (the coordinator, in the AutoML step's Slurm job) and a trial worker host
 * (one `srun` task on some node of the job's allocation) say to each other over the TCP
 * connection the worker opens to the coordinator. The trial data does not travel this way:
 * the coordinator writes it once into the run's folder in the shared store and sends its
 * path (`init`), and every worker reads it from there.
 *
 * Frames are a 4-byte big-endian length and a V8-serialized value (structured clone, as
 * between threads: typed arrays and model states pass unchanged). Both ends run the same
 * engine bundle, so the V8 format is the same.
 */
export type ToCoordinator =
  /** `startedAt`: when the worker's process began (epoch ms), to tell the launcher's latency from the engine's start-up. */
  | { type: 'hello'; token: string; node: string; rank: number; startedAt: number }
  | { type: 'ready' }
  /** A trial's result; `states` never travels here (see `states`). */
  | { type: 'result'; iteration: number; reply: TrialReply }
  | { type: 'states'; iteration: number; states?: unknown[] };

export type ToWorker =
  /** The trial data is ready in the shared store (workers are launched before it exists). */
  | { type: 'init'; dataFile: string }
  | { type: 'run'; request: TrialRequest; timeoutMs?: number; why?: LimitReasons }
  /** Asks for the fold models of the worker's last trial (only trials that rank among the best). */
  | { type: 'states'; iteration: number }
  | { type: 'cancel'; iteration: number; reason: string };

/** The trial data as it is stored for remote workers: plain typed arrays instead of shared buffers. */
export function encodeTrialData(d: SharedTrialData): Buffer {
  const copy = (sab: SharedArrayBuffer) => new Uint8Array(sab).slice();
  return serialize({
    ...d,
    X: copy(d.X),
    y: copy(d.y),
    weight: d.weight ? copy(d.weight) : undefined,
    folds: d.folds.map((f) => ({ train: copy(f.train), valid: copy(f.valid) })),
  });
}

export function decodeTrialData(bytes: Buffer): SharedTrialData {
  type Stored = Omit<SharedTrialData, 'X' | 'y' | 'weight' | 'folds'> & { X: Uint8Array; y: Uint8Array; weight?: Uint8Array; folds: { train: Uint8Array; valid: Uint8Array }[] };
  const d = deserialize(bytes) as Stored;
  const share = (a: Uint8Array) => {
    const sab = new SharedArrayBuffer(a.byteLength);
    new Uint8Array(sab).set(a);
    return sab;
  };
  return { ...d, X: share(d.X), y: share(d.y), weight: d.weight ? share(d.weight) : undefined, folds: d.folds.map((f) => ({ train: share(f.train), valid: share(f.valid) })) };
}

export function sendFrame(socket: Socket, message: ToCoordinator | ToWorker): void {
  const body = serialize(message);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  socket.write(Buffer.concat([head, body]));
}

/** Calls `onMessage` for every whole frame that arrives on the socket. */
export function onFrames<T>(socket: Socket, onMessage: (message: T) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const size = pending.readUInt32BE(0);
      if (pending.length < 4 + size) break;
      const body = pending.subarray(4, 4 + size);
      pending = pending.subarray(4 + size);
      onMessage(deserialize(body) as T);
    }
  });
}
