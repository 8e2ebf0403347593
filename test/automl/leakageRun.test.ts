import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAutoML } from '../../engine/src/automl/runAutoML';
import { parseAutoMLConfig } from '../../engine/src/automl/settings';
import type { Guardrail } from '../../engine/src/automl/types';
import { tempDir } from '../helpers/paths';
import { str, syntheticClassification } from './tables';

/**
 * The AutoML step judges the raw input columns for leakage: a text column that is known
 * (a code) for almost every positive row and empty otherwise is Alerted in the step log and
 * in guardrails.json, and dropping it with featurization.drop_columns clears the alert.
 */
describe('target leakage in an AutoML run', () => {
  const training = syntheticClassification(300);
  const label = training.columns.find((c) => c.name === 'label')!.values as Float64Array;
  const boat = str('boat', Array.from(label, (y, i) => ((y === 1) !== (i % 60 === 0) ? `b${i % 13}` : null)));
  const leaky = { rows: training.rows, columns: [...training.columns, boat] };

  async function guardrailsOf(featurization: unknown) {
    const logs: string[] = [];
    const config = parseAutoMLConfig({ task: 'classification', label_column_name: 'label', iterations: 2, n_cross_validations: 3, max_concurrent_iterations: 1, enable_voting_ensemble: false, enable_stack_ensemble: false, featurization });
    const result = await runAutoML({ config, training: leaky, outDir: tempDir('weir-leak-'), log: (t) => logs.push(t), signal: new AbortController().signal });
    const stored = JSON.parse(readFileSync(path.join(result.modelDir, 'guardrails.json'), 'utf8')) as Guardrail[];
    return { stored, logs, leak: stored.find((g) => g.name === 'Target leakage detection')! };
  }

  it('alerts on the leaking column by name, and passes once it is dropped', async () => {
    const { leak, logs } = await guardrailsOf('auto');
    expect(leak.status).toBe('Alerted');
    expect(leak.details!.map((d) => [d.feature, d.signal])).toEqual([['boat', 'missingness']]);
    expect(logs.some((l) => l.startsWith('guardrail Alerted Target leakage detection:') && l.includes('drop_columns: [boat]'))).toBe(true);
    const dropped = await guardrailsOf({ drop_columns: ['boat'] });
    expect(dropped.leak.status).toBe('Passed');
  });
});
