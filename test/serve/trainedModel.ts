import { runAutoML } from '../../engine/src/automl/runAutoML';
import { parseAutoMLConfig } from '../../engine/src/automl/settings';
import { readTableFile } from '../../engine/src/automl/model/tableFiles';
import { openWorkspace } from '../../engine/src/store/workspace';
import { tempDir, titanicCsv } from '../helpers/paths';

/**
 * A workspace with a small real AutoML model on the Titanic table registered as
 * `Titanic` versions 1 and 2 (the same model), for the serving tests.
 */
export async function titanicModelWorkspace(): Promise<string> {
  const ws = tempDir('weir-serve-');
  const training = await readTableFile(titanicCsv);
  const result = await runAutoML({
    config: parseAutoMLConfig({ task: 'classification', label_column_name: 'Survived', primary_metric: 'AUC_weighted', iterations: 2, n_cross_validations: 2, max_concurrent_iterations: 1, enable_voting_ensemble: false, enable_stack_ensemble: false, seed: 1, featurization: { drop_columns: ['PassengerId', 'Name', 'Ticket', 'Cabin'] } }),
    training,
    outDir: tempDir('weir-serve-automl-'),
    log: () => undefined,
    signal: new AbortController().signal,
    concurrency: 1,
  });
  const store = await openWorkspace(ws);
  try {
    await store.registerModel('Titanic', result.modelDir, { framework: 'weir-automl' });
    await store.registerModel('Titanic', result.modelDir, { framework: 'weir-automl' });
  } finally {
    await store.dispose();
  }
  return ws;
}
