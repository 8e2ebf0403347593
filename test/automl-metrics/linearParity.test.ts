import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getFamily } from '../../engine/src/automl/families';
import type { FeatureMatrix } from '../../engine/src/gbdt/api';
import { python } from '../helpers/paths';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** Correlated features on different scales, so standardization and the penalty both matter. */
function makeData(seed: number, n: number, p: number, kind: 'binary' | 'multiclass' | 'regression') {
  const rand = lcg(seed);
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const base = rand() * 2 - 1;
    const row = Array.from({ length: p }, (_, j) => (base * (j % 2 ? 1 : -0.5) + (rand() - 0.5)) * 10 ** (j % 3));
    rows.push(row);
    const signal = row.reduce((s, v, j) => s + v / 10 ** (j % 3) * (j + 1) * (j % 2 ? 1 : -1), 0) + (rand() - 0.5) * 2;
    y.push(kind === 'regression' ? signal * 3 + 7 : kind === 'binary' ? (signal > 0 ? 1 : 0) : signal < -1 ? 0 : signal < 1 ? 1 : 2);
  }
  const X: FeatureMatrix = { rows: n, cols: p, values: new Float32Array(n * p) };
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) X.values[j * n + i] = rows[i][j];
  // scikit-learn gets the same float32-rounded values Weir fits on.
  const rounded = rows.map((r, i) => r.map((_, j) => X.values[j * n + i]));
  return { X, rows: rounded, y };
}

const cases: { model: string; kind: 'binary' | 'multiclass' | 'regression'; params: Record<string, number>; tolerance: number }[] = [
  { model: 'LogisticRegression', kind: 'binary', params: { C: 0.3, l1_ratio: 0 }, tolerance: 1e-5 },
  { model: 'LogisticRegression', kind: 'multiclass', params: { C: 2, l1_ratio: 0 }, tolerance: 1e-5 },
  { model: 'LogisticRegression', kind: 'binary', params: { C: 0.05, l1_ratio: 0.7 }, tolerance: 2e-3 },
  { model: 'ElasticNet', kind: 'regression', params: { alpha: 0.05, l1_ratio: 0.5 }, tolerance: 1e-6 },
  { model: 'ElasticNet', kind: 'regression', params: { alpha: 0.5, l1_ratio: 1 }, tolerance: 1e-6 },
];
const withData = cases.map((c, i) => ({ ...c, data: makeData(100 + i, 240, 6, c.kind) }));

const haveSklearn = existsSync(python) && spawnSync(python, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;
if (!haveSklearn) console.warn(`linear model parity test SKIPPED: ${python} with scikit-learn is missing (apt-get install python3-sklearn).`);

describe.skipIf(!haveSklearn)('linear families match scikit-learn on the same penalized problem', () => {
  const input = withData.map((c) => ({ model: c.model, X: c.data.rows, y: c.data.y, params: c.params }));
  const run = spawnSync(python, [path.join(__dirname, 'sklearnLinear.py')], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
  const reference: number[][] = run.status === 0 ? JSON.parse(run.stdout) : [];

  it('runs the scikit-learn reference', () => {
    expect(run.status, run.stderr).toBe(0);
  });

  withData.forEach((c, index) => {
    it(`${c.model} ${c.kind} ${JSON.stringify(c.params)}`, () => {
      const task = c.kind === 'regression' ? 'regression' : 'classification';
      const numClasses = c.kind === 'multiclass' ? 3 : c.kind === 'binary' ? 2 : undefined;
      const model = getFamily(c.model).fit({
        task,
        X: c.data.X,
        y: Float32Array.from(c.data.y),
        numClasses,
        params: { ...c.params, max_iter: 5000 },
        seed: 0,
      });
      const ours = model.predict(c.data.X);
      const want = reference[index];
      expect(ours.length).toBe(want.length);
      const scale = c.kind === 'regression' ? Math.max(...want.map(Math.abs)) : 1;
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(ours[i] - want[i]) / scale);
      expect(worst).toBeLessThanOrEqual(c.tolerance);
    });
  });
});

describe('ElasticNet solvers', () => {
  it('give the same model from the Gram matrix and from residual updates', () => {
    const { X, y } = makeData(7, 300, 8, 'regression');
    const fit = (solver: string) =>
      getFamily('ElasticNet')
        .fit({ task: 'regression', X, y: Float32Array.from(y), params: { alpha: 0.02, l1_ratio: 0.6, max_iter: 5000, solver }, seed: 0 })
        .predict(X);
    const gram = fit('gram');
    const residual = fit('residual');
    for (let i = 0; i < gram.length; i++) expect(Math.abs(gram[i] - residual[i])).toBeLessThan(1e-6 * Math.max(1, Math.abs(gram[i])));
  });
});
