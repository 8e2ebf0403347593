import { selectRows } from '../engine/src/automl/evaluation/testSet';
import type { ColumnarTable } from '../engine/src/automl/types';
import { mulberry32 } from '../engine/src/util/mulberry32';

export { selectRows };

/**
 * The automl-quality bench's held-out split, shared with the benches that replay it
 * (gbdt-trial's `--test-split`): the same seed gives the same rows in every bench. Row
 * indices of a seeded 80/20 split of the labelled rows; per class for classification, every
 * class keeping a training row.
 */
export function benchSplit(table: ColumnarTable, label: string, task: string, seed: number): { train: Uint32Array; test: Uint32Array } {
  const rand = mulberry32(seed * 7 + 12345);
  const col = table.columns.find((c) => c.name === label);
  if (!col) throw new Error(`no label column '${label}' (columns: ${table.columns.map((c) => c.name).join(', ')})`);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < table.rows; i++) {
    const v = col.values[i];
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) continue;
    const key = task === 'classification' ? String(v) : 'all';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key)!;
    for (let i = g.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [g[i], g[j]] = [g[j], g[i]];
    }
    const nTest = Math.min(g.length - 1, Math.round(g.length * 0.2));
    test.push(...g.slice(0, nTest));
    train.push(...g.slice(nTest));
  }
  return { train: Uint32Array.from(train.sort((a, b) => a - b)), test: Uint32Array.from(test.sort((a, b) => a - b)) };
}

