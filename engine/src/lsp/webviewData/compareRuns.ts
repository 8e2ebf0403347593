import { WeirError } from '../../errors';
import type { CompareRunData } from '../../protocol';
import type { WorkspaceStore } from '../../store/storeApi';
import { automlDetails, readPipelineFile } from './runDetails';

export async function compareRuns(store: WorkspaceStore, runIds: string[]): Promise<CompareRunData[]> {
  if (runIds.length < 2 || runIds.length > 7) throw new WeirError('BAD_INPUT', `compare needs 2 to 7 runs, got ${runIds.length}`);
  return Promise.all(
    runIds.map(async (id) => {
      const run = await store.getRun(id);
      const pipeline = await readPipelineFile(store, run);
      const trials: CompareRunData['trials'] = [];
      for (const step of run.steps) {
        if (step.kind !== 'automl') continue;
        const details = await automlDetails(store, run, step, pipeline);
        trials.push({ step: step.name, primaryMetric: details.primaryMetric, trials: details.trials });
      }
      return { run, trials };
    }),
  );
}
