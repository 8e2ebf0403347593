import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classificationMetricNames,
  computeMetrics,
  regressionMetricNames,
} from '../../engine/src/automl/metrics';
import { mulberry32 } from '../../engine/src/util/mulberry32';
import { python } from '../helpers/paths';

interface ClassificationCase {
  task: 'classification';
  name: string;
  yTrue: number[];
  proba: number[];
  numClasses: number;
  weight?: number[];
}
interface RegressionCase {
  task: 'regression';
  name: string;
  yTrue: number[];
  pred: number[];
  weight?: number[];
}
type Case = ClassificationCase | RegressionCase;

/**
 * Probabilities that lean towards the true class with noise; rounding to two decimals makes
 * ties in the scores, which is where ROC and average-precision implementations disagree.
 */
function classificationCase(name: string, seed: number, n: number, k: number, weighted: boolean, skill: number): ClassificationCase {
  const rand = mulberry32(seed);
  const yTrue: number[] = [];
  const proba: number[] = [];
  for (let i = 0; i < n; i++) {
    // Skewed class frequencies, so weighted and macro averages differ.
    const u = rand();
    const y = Math.min(k - 1, Math.floor(u * u * k));
    yTrue.push(y);
    const raw = Array.from({ length: k }, (_, c) => rand() + (c === y ? skill * rand() : 0));
    const sum = raw.reduce((s, v) => s + v, 0);
    const rounded = raw.map((v) => Math.round((v / sum) * 100) / 100);
    const rsum = rounded.reduce((s, v) => s + v, 0);
    proba.push(...rounded.map((v) => v / rsum));
  }
  const weight = weighted ? Array.from({ length: n }, () => 0.5 + Math.round(rand() * 30) / 10) : undefined;
  return { task: 'classification', name, yTrue, proba, numClasses: k, weight };
}

function regressionCase(name: string, seed: number, n: number, weighted: boolean, noise: number): RegressionCase {
  const rand = mulberry32(seed);
  const yTrue: number[] = [];
  const pred: number[] = [];
  for (let i = 0; i < n; i++) {
    // Some exact zeros (MAPE skips them) and repeated values (Spearman ties).
    const y = i % 17 === 0 ? 0 : Math.round(rand() * 50) / 2;
    yTrue.push(y);
    pred.push(Math.max(0, y + (rand() - 0.5) * noise));
  }
  const weight = weighted ? Array.from({ length: n }, () => 0.25 + rand() * 3) : undefined;
  return { task: 'regression', name, yTrue, pred, weight };
}

const cases: Case[] = [
  classificationCase('binary', 1, 300, 2, false, 0.8),
  classificationCase('binary weighted', 2, 257, 2, true, 0.6),
  classificationCase('multiclass', 3, 400, 4, false, 1.0),
  classificationCase('multiclass weighted', 4, 333, 3, true, 0.4),
  // A weak model that never predicts some classes: zero precision denominators.
  classificationCase('multiclass weak', 5, 120, 5, false, 0.05),
  regressionCase('regression', 6, 250, false, 8),
  regressionCase('regression weighted', 7, 199, true, 12),
  // Predictions so poor that r2 falls below −1 and Azure's clip applies.
  regressionCase('regression clipped r2', 8, 101, false, 200),
];

const haveSklearn = existsSync(python) && spawnSync(python, ['-c', 'import sklearn, scipy'], { encoding: 'utf8' }).status === 0;
if (!haveSklearn) {
  // Said loudly: a skipped parity test must never read as a passed one.
  console.warn(`metrics parity test SKIPPED: ${python} with scikit-learn and scipy is missing (apt-get install python3-sklearn).`);
}

describe.skipIf(!haveSklearn)('metrics match scikit-learn', () => {
  const script = path.join(__dirname, 'sklearnMetrics.py');
  const run = spawnSync(python, [script], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 << 20 });
  const reference: Record<string, number>[] = run.status === 0 ? JSON.parse(run.stdout) : [];

  it('runs the scikit-learn reference', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(reference).toHaveLength(cases.length);
  });

  cases.forEach((c, index) => {
    it(c.name, () => {
      const ours =
        c.task === 'classification'
          ? computeMetrics({ task: 'classification', yTrue: c.yTrue, pred: c.proba, numClasses: c.numClasses, weight: c.weight })
          : computeMetrics({ task: 'regression', yTrue: c.yTrue, pred: c.pred, weight: c.weight });
      const names = c.task === 'classification' ? classificationMetricNames : regressionMetricNames;
      const expected = reference[index];
      expect(Object.keys(ours).sort()).toEqual([...names].sort());
      for (const name of names) {
        const want = expected[name];
        const got = ours[name];
        expect(Number.isFinite(got), `${c.name}: ${name} = ${got}`).toBe(true);
        expect(Math.abs(got - want), `${c.name}: ${name} ours ${got} sklearn ${want}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
      }
    });
  });

  it('exercises the r2 clip', () => {
    const ours = computeMetrics({ task: 'regression', yTrue: (cases[7] as RegressionCase).yTrue, pred: (cases[7] as RegressionCase).pred });
    expect(ours.r2_score).toBe(-1);
  });
});
