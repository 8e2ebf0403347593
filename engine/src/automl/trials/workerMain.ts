import { parentPort } from 'node:worker_threads';
import { COLLECT_AFTER_BYTES, collectGarbage } from '../../util/collectGarbage';
import { explainClaimed } from '../../explain/explainBatches';
import type { FittedModel } from '../types';
import type { SharedTrialData, WorkerReply, WorkerRequest } from './protocol';
import { type TrialData, runTrial } from './runTrial';

/**
 * The body of a trial worker thread: receives the shared data once, then runs trials one at
 * a time and posts each result back. The main thread stops a trial by writing the run's token
 * into the shared `cancel` cell; the fits read it between their units of work and throw
 * CANCELED, and the worker answers `canceled` with its fold matrices and compiled code kept
 * for the next trial. (A fit that does not reach a check in time is terminated by the pool.)
 */
export function serveTrials(): void {
  const port = parentPort;
  if (!port) throw new Error('the AutoML trial worker must run in a worker thread');
  let data: TrialData | undefined;
  let cancel: Int32Array | undefined;
  const cache = new Map<number, Parameters<typeof runTrial>[2] extends Map<number, infer V> ? V : never>();
  let last: { iteration: number; models: FittedModel[] } | undefined;
  const releaseLast = () => {
    for (const m of last?.models ?? []) m.dispose?.();
    last = undefined;
  };
  port.on('message', (message: WorkerRequest) => {
    if (message.type === 'explain') {
      // A helper thread of explanations (explain/explanationsFile.ts): its share of the batches.
      const deadline = message.deadlineEpoch === undefined ? undefined : message.deadlineEpoch - performance.timeOrigin;
      const parts = explainClaimed({ artifact: message.artifact, X: message.X, batches: message.batches, next: message.next, deadline }, () => performance.now());
      port.postMessage({ type: 'explained', iteration: -1, parts } satisfies WorkerReply);
      return;
    }
    if (message.type === 'states') {
      let reply: WorkerReply;
      try {
        if (!last || last.iteration !== message.iteration) throw new Error(`the models of iteration ${message.iteration} are no longer kept`);
        reply = { type: 'states', iteration: message.iteration, states: last.models.map((m) => m.state()) };
      } catch (e) {
        reply = { type: 'failed', iteration: message.iteration, error: (e as Error)?.message ?? String(e) };
      }
      releaseLast();
      port.postMessage(reply);
      return;
    }
    if (message.type === 'init') {
      data = fromShared(message.data);
      cancel = message.cancel ? new Int32Array(message.cancel) : undefined;
      cache.clear();
      // Loading the model families (and compiling the WASM boosting) happens before this
      // point, so the first trial's time measures the trial, not the worker's start-up.
      port.postMessage({ type: 'ready', iteration: -1 } satisfies WorkerReply);
      return;
    }
    releaseLast();
    let reply: WorkerReply;
    const { token } = message;
    const flag = cancel;
    const signal = flag && token !== undefined ? { get aborted() { return Atomics.load(flag, 0) === token; } } : undefined;
    try {
      if (!data) throw new Error('trial worker got a trial before its data');
      const iteration = message.request.iteration;
      const result = runTrial(data, message.request, cache, (ms) => port.postMessage({ type: 'fold', iteration, ms } satisfies WorkerReply), signal);
      last = { iteration: message.request.iteration, models: result.models };
      reply = result.reply;
    } catch (e) {
      reply =
        signal?.aborted && (e as { code?: string })?.code === 'CANCELED'
          ? { type: 'canceled', iteration: message.request.iteration }
          : { type: 'failed', iteration: message.request.iteration, error: (e as Error)?.message ?? String(e) };
    }
    const transfer = reply.type === 'done' ? [reply.oof.buffer as ArrayBuffer] : [];
    port.postMessage(reply, transfer);
    // A trial on a large table leaves its fits' memory (a booster's WebAssembly memory, a
    // forest's row buffers) as garbage: collected now, before the next trial allocates its own.
    if (data && data.X.values.byteLength >= COLLECT_AFTER_BYTES) collectGarbage();
  });
}

export function fromShared(d: SharedTrialData): TrialData {
  return {
    task: d.task,
    numClasses: d.numClasses,
    X: { rows: d.rows, cols: d.cols, values: new Float32Array(d.X), featureNames: d.featureNames, featureTypes: d.featureTypes },
    y: new Float32Array(d.y),
    weight: d.weight ? new Float32Array(d.weight) : undefined,
    folds: d.folds.map((f) => ({ train: new Uint32Array(f.train), valid: new Uint32Array(f.valid) })),
    ...(d.foldMatrices
      ? {
          foldMatrices: d.foldMatrices.map((m, f) => {
            const train = d.folds[f].train.byteLength / 4;
            const valid = d.folds[f].valid.byteLength / 4;
            return {
              train: { rows: train, cols: d.cols, values: new Float32Array(m.train), featureNames: d.featureNames, featureTypes: d.featureTypes },
              yTrain: new Float32Array(m.yTrain),
              wTrain: m.wTrain ? new Float32Array(m.wTrain) : undefined,
              valid: { rows: valid, cols: d.cols, values: new Float32Array(m.valid), featureNames: d.featureNames, featureTypes: d.featureTypes },
            };
          }),
        }
      : {}),
  };
}
