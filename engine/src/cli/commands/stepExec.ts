import type { CliCommand } from '../command';
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

export const stepExecCommands: CliCommand[] = [stepExecCommand];
