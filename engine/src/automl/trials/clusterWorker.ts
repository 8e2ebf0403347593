import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { decodeTrialData, onFrames, sendFrame, type ToCoordinator, type ToWorker } from './clusterProtocol';
import { TrialPool, type TrialReply } from './trialPool';

export interface ClusterWorkerOptions {
  host: string;
  port: number;
  token: string;
  /** This worker's slot in the coordinator's pool (the srun task's rank). */
  rank: number;
  /** The node this worker runs on, recorded with each of its trials. */
  node: string;
  log(text: string): void;
}

/**
 * A trial worker host on a cluster node (`weir trial-worker`, one per `srun` task): connects to
 * the coordinator, loads the trial data from the shared store once it is told where (the
 * workers start before the data exists), and runs the trials it is
 * sent one at a time in a worker thread of its own (the same worker as local runs, so a
 * timeout or cancel stops the trial without ending this process). It keeps its last trial's
 * fold models until the coordinator asks for them or sends the next trial. Resolves when the
 * coordinator closes the connection (the search ended), which is this process's end.
 */
export async function serveClusterTrials(o: ClusterWorkerOptions): Promise<void> {
  const socket = connect({ host: o.host, port: o.port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const send = (m: ToCoordinator) => {
    if (!socket.destroyed) sendFrame(socket, m);
  };
  send({ type: 'hello', token: o.token, node: o.node, rank: o.rank, startedAt: Math.round(performance.timeOrigin) });
  let pool: TrialPool | undefined;
  let last: { iteration: number; states?: unknown[] } | undefined;
  const closed = new Promise<void>((resolve) => {
    socket.on('close', () => resolve());
    socket.on('error', (e) => {
      o.log(`connection to the coordinator failed: ${e.message}`);
      resolve();
    });
  });
  const report = (reply: TrialReply, iteration: number) => {
    if (reply.status === 'Completed') {
      last = { iteration, ...(reply.states ? { states: reply.states } : {}) };
      const { states: _kept, ...rest } = reply;
      send({ type: 'result', iteration, reply: rest });
    } else {
      send({ type: 'result', iteration, reply });
    }
  };
  onFrames<ToWorker>(socket, (m) => {
    if (m.type === 'init') {
      void (async () => {
        pool = new TrialPool(decodeTrialData(await readFile(m.dataFile)), 1);
        await pool.warmUp();
        send({ type: 'ready' });
      })().catch((e: Error) => {
        o.log(`could not load the trial data: ${e.message}`);
        socket.destroy();
      });
    } else if (!pool) {
      return;
    } else if (m.type === 'cancel') {
      pool.cancel(m.iteration, m.reason);
    } else if (m.type === 'states') {
      send({ type: 'states', iteration: m.iteration, ...(last?.iteration === m.iteration && last.states ? { states: last.states } : {}) });
      last = undefined;
    } else if (m.type === 'run') {
      last = undefined;
      // The models are always fetched from the thread here; they cross the network only when asked for.
      void pool.run(m.request, m.timeoutMs, () => true, 1, undefined, m.why).then((reply) => report(reply, m.request.iteration));
    }
  });
  await closed;
  await pool?.close();
}
