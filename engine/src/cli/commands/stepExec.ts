import os from 'node:os';
import type { CliCommand } from '../command';
import { serveClusterTrials } from '../../automl/trials/clusterWorker';
import { WeirError } from '../../errors';
import { execStepJob } from '../../scheduler/executors/stepExec';
import { withStore } from './dataset';

/**
 * `weir step-exec RUN STEP`: what a step's Slurm job runs on its node (see
 * scheduler/executors/stepExec.ts). Hidden from `weir --help`, since `weir run --executor
 * slurm` submits it; exit 0 when the step completed or was reused, so `afterok` dependants start.
 */
const stepExecCommand: CliCommand = {
  path: ['step-exec'],
  usage: 'RUN STEP',
  summary: 'Runs one step of a run inside a Slurm job (started by weir run --executor slurm).',
  hidden: true,
  async run(args, io) {
    const [runId, step, ...extra] = args.positionals;
    if (!runId || !step || extra.length) throw new WeirError('BAD_INPUT', 'usage: weir step-exec RUN STEP');
    return withStore(args, (store) => execStepJob(store, runId, step, io.signal));
  },
};

/**
 * `weir trial-worker --port P`: one AutoML trial worker on a cluster node, started
 * by the AutoML step's job with `srun` (see scheduler/executors/trialWorkers.ts). It connects
 * to the search at `--host` (default: the address of the node srun ran on, which Slurm gives
 * as SLURM_LAUNCH_NODE_IPADDR) with the token in WEIR_TRIAL_TOKEN, is told where the trial data
 * is in the shared store, and runs trials until the search closes the connection.
 */
const trialWorkerCommand: CliCommand = {
  path: ['trial-worker'],
  usage: '--port P [--host H] [--rank N]',
  summary: 'Runs AutoML trials for a search on another node (started by an AutoML step on Slurm).',
  hidden: true,
  options: { host: { type: 'string' }, port: { type: 'string' }, rank: { type: 'string' } },
  async run(args, io) {
    const text = (name: string) => (typeof args.values[name] === 'string' ? (args.values[name] as string) : undefined);
    const port = Number(text('port'));
    const rank = Number(text('rank') ?? process.env.SLURM_PROCID ?? '0');
    const token = process.env.WEIR_TRIAL_TOKEN;
    if (!Number.isInteger(port) || port <= 0 || !Number.isInteger(rank) || rank < 0) throw new WeirError('BAD_INPUT', 'usage: weir trial-worker --port P [--host H] [--rank N]');
    if (!token) throw new WeirError('BAD_INPUT', 'weir trial-worker needs WEIR_TRIAL_TOKEN (it is started by an AutoML step on Slurm, not by hand)');
    const host = text('host') ?? process.env.SLURM_LAUNCH_NODE_IPADDR ?? '127.0.0.1';
    const node = process.env.SLURMD_NODENAME ?? os.hostname();
    await serveClusterTrials({ host, port, token, rank, node, log: (line) => io.err(`trial worker ${rank} on ${node}: ${line}`) });
    return 0;
  },
};

export const stepExecCommands: CliCommand[] = [stepExecCommand, trialWorkerCommand];
