import { WeirError } from '../../errors';
import { runPreparedStep } from '../stepRunner';
import type { ExecutorJob, ExecutorOutcome, StepExecutor } from './executor';

/**
 * The default executor: the step runs in this process (sql, automl, register_model) or in
 * child processes it starts (script), with the run's abort signal as its cancel.
 */
export class LocalExecutor implements StepExecutor {
  readonly kind = 'local' as const;
  readonly ordersDependencies = false;

  async run(job: ExecutorJob): Promise<ExecutorOutcome> {
    if (!job.prepared) throw new WeirError('INTERNAL', `step '${job.step.name}' reached the local executor before its inputs were ready`);
    const { outputs, metrics } = await runPreparedStep(job.step, job.prepared.prepared, job.prepared.inputs, job.hooks);
    return { status: 'Completed', outputs, metrics };
  }

  async cancelAll(): Promise<void> {
    // The run's abort signal, which every running step holds, already stops them.
  }

  dispose(): void {}
}
