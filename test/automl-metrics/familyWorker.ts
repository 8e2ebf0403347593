import { parentPort } from 'node:worker_threads';
import { getFamily } from '../../engine/src/automl/families';
import type { Task } from '../../engine/src/automl/types';

/** Fits one family per message and sends back its predictions on the training matrix. */
interface FitMessage {
  family: string;
  task: Task;
  rows: number;
  cols: number;
  values: Float32Array;
  y: Float32Array;
  numClasses?: number;
  params: Record<string, number | string>;
  seed: number;
}

parentPort!.on('message', (m: FitMessage) => {
  const X = { rows: m.rows, cols: m.cols, values: m.values };
  const model = getFamily(m.family).fit({ task: m.task, X, y: m.y, numClasses: m.numClasses, params: m.params, seed: m.seed });
  const pred = model.predict(X);
  model.dispose?.();
  parentPort!.postMessage({ family: m.family, pred });
});
