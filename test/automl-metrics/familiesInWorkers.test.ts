import { build } from 'esbuild';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { allFamilies } from '../../engine/src/automl/families';
import { fitFeaturizer } from '../../engine/src/automl/featurize';
import { repoRoot, titanicCsv, tempDir } from '../helpers/paths';
import { readTableFile } from './tables';

/**
 * The trial workers fit families in worker_threads, several at once. Every family must
 * give there exactly what it gives on the main thread: no module state shared between
 * fits, WASM instantiated per thread.
 */
describe('families in worker threads', async () => {
  const bundle = path.join(tempDir('weir-family-worker-'), 'familyWorker.js');
  await build({ entryPoints: [path.join(__dirname, 'familyWorker.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent' });
  const env = { ...process.env, WEIR_GBDT_WASM: path.join(repoRoot, 'dist', 'gbdt.wasm') };
  const workers = [new Worker(bundle, { env }), new Worker(bundle, { env })];
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  });

  const table = await readTableFile(titanicCsv);
  const f = fitFeaturizer(table, 'Survived', { mode: 'auto' }, { task: 'classification' });

  it('give the main thread predictions, two workers at a time', async () => {
    const families = allFamilies('classification');
    const jobs = families.map((family, index) => {
      const params = family.lowCostConfig('classification', { rows: f.X.rows, features: f.X.cols, classes: 2 });
      const message = { family: family.name, task: 'classification', rows: f.X.rows, cols: f.X.cols, values: f.X.values, y: f.y.values, numClasses: 2, params, seed: 5 };
      const worker = workers[index % workers.length];
      return {
        family,
        params,
        reply: new Promise<Float64Array>((resolve, reject) => {
          const onMessage = (m: { family: string; pred: Float64Array }) => {
            if (m.family !== family.name) return;
            worker.off('message', onMessage);
            resolve(m.pred);
          };
          worker.on('message', onMessage);
          worker.once('error', reject);
          worker.postMessage(message);
        }),
      };
    });
    for (const job of jobs) {
      const fromWorker = await job.reply;
      const local = job.family.fit({ task: 'classification', X: f.X, y: f.y.values, numClasses: 2, params: job.params, seed: 5 }).predict(f.X);
      expect(Array.from(fromWorker), job.family.name).toEqual(Array.from(local));
    }
  });
});
