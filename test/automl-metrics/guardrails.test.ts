import { describe, expect, it } from 'vitest';
import { fitFeaturizer } from '../../engine/src/automl/featurize';
import { classBalancingGuardrail, dataGuardrails, targetLeakageGuardrail, validationSplitGuardrail } from '../../engine/src/automl/guardrails';
import type { Guardrail } from '../../engine/src/automl/types';
import { titanicCsv } from '../helpers/paths';
import { makeTable, readTableFile } from './tables';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

const status = (guardrails: Guardrail[], name: string) => guardrails.find((g) => g.name === name)?.status;

/** 400 rows: noise features, a category and a label; options make each guardrail fire. */
function crafted(options: { imbalance?: boolean; leak?: boolean; missing?: boolean; ids?: boolean; task?: 'classification' | 'regression' | 'multiclass' }) {
  const rand = lcg(42);
  const n = 400;
  const task = options.task ?? 'classification';
  const label: (string | number)[] = [];
  const noise: (number | null)[] = [];
  const color: string[] = [];
  const leak: number[] = [];
  const id: string[] = [];
  for (let i = 0; i < n; i++) {
    const y = task === 'regression' ? rand() * 100 : task === 'multiclass' ? i % 4 : options.imbalance ? (i % 50 === 0 ? 1 : 0) : i % 2;
    label.push(task === 'regression' ? y : `class${y}`);
    noise.push(options.missing && i % 7 === 0 ? null : rand());
    color.push(['red', 'green', 'blue'][Math.floor(rand() * 3)]);
    leak.push(options.leak ? y * 3 + rand() * 0.1 : rand());
    id.push(options.ids ? `id-${i}` : ['a', 'b'][Math.floor(rand() * 2)]);
  }
  return makeTable({ label, noise, color, leak, id });
}

function guardrailsOf(table: ReturnType<typeof crafted>, task: 'classification' | 'regression', automatic = true) {
  const f = fitFeaturizer(table, 'label', { mode: 'auto' }, { task });
  return dataGuardrails({
    task,
    X: f.X,
    y: f.y,
    featurization: f.guardrails,
    validation: { method: 'cross_validation', automatic, trainingRows: f.X.rows, folds: 10, validationRows: Array(10).fill(f.X.rows / 10), smallestClassRows: 40 },
  });
}

describe('guardrails', () => {
  it('pass on clean data, in Azure order', () => {
    const g = guardrailsOf(crafted({}), 'classification');
    expect(g.map((x) => [x.name, x.status])).toEqual([
      ['Validation split handling', 'Done'],
      ['Class balancing detection', 'Passed'],
      ['Missing feature values imputation', 'Passed'],
      ['High cardinality feature detection', 'Passed'],
      ['Target leakage detection', 'Passed'],
    ]);
  });

  it('fire each on a crafted table', () => {
    expect(status(guardrailsOf(crafted({ imbalance: true }), 'classification'), 'Class balancing detection')).toBe('Alerted');
    expect(status(guardrailsOf(crafted({ missing: true }), 'classification'), 'Missing feature values imputation')).toBe('Done');
    expect(status(guardrailsOf(crafted({ ids: true }), 'classification'), 'High cardinality feature detection')).toBe('Done');
    const leak = guardrailsOf(crafted({ leak: true }), 'classification').find((x) => x.name === 'Target leakage detection')!;
    expect(leak.status).toBe('Alerted');
    expect(leak.details!.map((d) => d.feature)).toEqual(['leak']);
    expect(status(guardrailsOf(crafted({ leak: true, task: 'regression' }), 'regression'), 'Target leakage detection')).toBe('Alerted');
    expect(status(guardrailsOf(crafted({ task: 'regression' }), 'regression'), 'Target leakage detection')).toBe('Passed');
    expect(status(guardrailsOf(crafted({ leak: true, task: 'multiclass' }), 'classification'), 'Target leakage detection')).toBe('Alerted');
    expect(status(guardrailsOf(crafted({ task: 'multiclass' }), 'classification'), 'Target leakage detection')).toBe('Passed');
  });

  it('report the validation split as chosen, configured or too small', () => {
    const base = { method: 'cross_validation' as const, trainingRows: 1000, folds: 5, validationRows: [200, 200, 200, 200, 200] };
    expect(validationSplitGuardrail({ ...base, automatic: true }).status).toBe('Done');
    expect(validationSplitGuardrail({ ...base, automatic: false }).status).toBe('Passed');
    expect(validationSplitGuardrail({ ...base, automatic: false, validationRows: [12, 12, 12, 12, 12] }).status).toBe('Alerted');
    expect(validationSplitGuardrail({ ...base, automatic: false, smallestClassRows: 3 }).description).toMatch(/smallest class has 3 rows, fewer than the 5 folds/);
  });

  it('count classes with sample weights', () => {
    const y = { values: Float32Array.from([0, 0, 0, 1]), classes: ['a', 'b'] };
    expect(classBalancingGuardrail(y).status).toBe('Passed');
    expect(classBalancingGuardrail(y, Float32Array.from([10, 10, 10, 1])).status).toBe('Alerted');
    const X = { rows: 4, cols: 1, values: Float32Array.from([1, 2, 3, 4]), featureNames: ['x'] };
    // Too few rows to judge leakage: never alert on a handful of points.
    expect(targetLeakageGuardrail(X, y, 'classification').status).toBe('Passed');
  });

  it('stay quiet on Titanic, which has no leak', async () => {
    const table = await readTableFile(titanicCsv);
    const f = fitFeaturizer(table, 'Survived', { mode: 'auto' }, { task: 'classification' });
    expect(targetLeakageGuardrail(f.X, f.y, 'classification').status).toBe('Passed');
    expect(classBalancingGuardrail(f.y).status).toBe('Passed');
  });
});
