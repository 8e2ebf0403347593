import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAutoML } from '../../engine/src/automl/runAutoML';
import { parseAutoMLConfig } from '../../engine/src/automl/settings';
import { readTableFile } from '../../engine/src/automl/model/tableFiles';
import { EXPLANATIONS_FILE, type ExplanationsFile } from '../../engine/src/explain/explanationsFile';
import { tempDir, vegaData } from '../helpers/paths';

describe('explanations of a forecasting model', () => {
  it('explain its own lag and window features, which are their own raw columns', async () => {
    const co2 = await readTableFile(path.join(vegaData, 'co2-concentration.csv'));
    const training = { rows: co2.rows, columns: co2.columns.filter((c) => c.name !== 'adjusted CO2') };
    const logs: string[] = [];
    const result = await runAutoML({
      config: parseAutoMLConfig({ task: 'forecasting', label_column_name: 'CO2', time_column_name: 'Date', forecast_horizon: 3, target_lags: [1, 12], iterations: 3, seed: 2, max_concurrent_iterations: 2 }),
      training,
      outDir: tempDir('weir-explain-forecast-'),
      log: (t) => logs.push(t),
      reportTrial: async () => undefined,
      signal: new AbortController().signal,
    });
    expect(logs.join('\n')).toMatch(/explanations: \d+ rows/);
    const file = JSON.parse(readFileSync(path.join(result.modelDir, EXPLANATIONS_FILE), 'utf8')) as ExplanationsFile;
    expect(file.space).toBe('value');
    expect(file.outputs).toEqual(['prediction']);
    expect(file.global.raw.map((g) => g.name).sort()).toEqual(file.global.engineered.map((g) => g.name).sort());
    expect(file.sample.raw.shap.length).toBeGreaterThan(0);
    expect(file.sample.raw.values[0].every((v) => v === null || typeof v === 'number')).toBe(true);
  }, 120_000);
});
