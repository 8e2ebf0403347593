import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { automlConfigSchema } from '../../engine/src/automl/settings';
import { AUTOML_SETTING_MAP, exportAzureML } from '../../engine/src/export/azureml';
import { tempDir, titanicCsv } from '../helpers/paths';
import { pipelineProblems, readAsAzure } from './azureml';

/**
 * Every automl setting Weir accepts either lands in Azure's automl job (at the key path the
 * mapping table names) or gives a warning on the setting's own line: nothing is dropped
 * silently. The settings come from the zod schema itself, so a setting added there fails
 * this test until it has a mapping row and an example value below.
 */
const shape = (automlConfigSchema as unknown as { shape: Record<string, unknown> }).shape;

/** An example value per setting, and the task it needs. */
const EXAMPLES: Record<string, { value: unknown; task?: 'classification' | 'forecasting' }> = {
  task: { value: 'regression' },
  primary_metric: { value: 'AUC_weighted' },
  label_column_name: { value: 'Survived' },
  iterations: { value: 7 },
  iteration_timeout_minutes: { value: 2 },
  experiment_timeout_minutes: { value: 30 },
  experiment_timeout_hours: { value: 1 },
  experiment_exit_score: { value: 0.9 },
  enable_early_stopping: { value: false },
  max_concurrent_iterations: { value: 3 },
  n_cross_validations: { value: 4 },
  validation_size: { value: 0.2 },
  validation_data: { value: 'validation_data' },
  cv_split_column_names: { value: ['SibSp'] },
  weight_column_name: { value: 'Fare' },
  test_data: { value: 'test_data' },
  test_data_size: { value: 0.2 },
  featurization: { value: 'off' },
  allowed_models: { value: ['XGBoostClassifier'] },
  blocked_models: { value: ['DecisionTree'] },
  enable_voting_ensemble: { value: false },
  enable_stack_ensemble: { value: false },
  seed: { value: 7 },
  time_column_name: { value: 'Age', task: 'forecasting' },
  time_series_id_column_names: { value: ['Pclass'], task: 'forecasting' },
  forecast_horizon: { value: 6, task: 'forecasting' },
  target_lags: { value: [1, 12], task: 'forecasting' },
  target_rolling_window_size: { value: 4, task: 'forecasting' },
  seasonality: { value: 12, task: 'forecasting' },
};

function get(value: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
}

describe('every automl setting maps or warns', () => {
  it('the mapping table and the examples cover exactly the settings of the schema', () => {
    expect(Object.keys(shape).length).toBeGreaterThan(20);
    expect(Object.keys(AUTOML_SETTING_MAP).sort()).toEqual(Object.keys(shape).sort());
    expect(Object.keys(EXAMPLES).sort()).toEqual(Object.keys(shape).sort());
  });

  for (const key of Object.keys(EXAMPLES)) {
    it(key, async () => {
      const example = EXAMPLES[key]!;
      const task = key === 'task' ? example.value : (example.task ?? 'classification');
      const settings: Record<string, unknown> = { task, label_column_name: 'Survived', ...(task === 'forecasting' ? { time_column_name: 'Age' } : {}) };
      settings[key] = example.value;
      const dir = tempDir('weir-setting-');
      const file = path.join(dir, 's.pipeline.yaml');
      const step = { automl: settings, inputs: { training_data: '${{ inputs.table }}', ...(key === 'validation_data' || key === 'test_data' ? { [key]: '${{ inputs.table }}' } : {}) } };
      const text = stringify({ name: 's', inputs: { table: `file:${titanicCsv}` }, steps: { train: step } });
      writeFileSync(file, text);
      const settingLine = text.split('\n').findIndex((l) => l.trimStart().startsWith(`${key}:`)) + 1;
      expect(settingLine).toBeGreaterThan(0);

      const out = path.join(dir, 'out');
      const { yaml, warnings } = await exportAzureML(file, { outDir: out, compute: 'c' });
      expect(pipelineProblems(yaml, out)).toEqual([]);
      const node = (readAsAzure(yaml).jobs as Record<string, unknown>).train;
      const mapping = AUTOML_SETTING_MAP[key as keyof typeof AUTOML_SETTING_MAP];
      if (mapping.azure === null) {
        expect(warnings.map((w) => w.line)).toContain(settingLine);
      } else {
        expect(get(node, mapping.azure), `${key} → ${mapping.azure}`).toBeDefined();
      }
    });
  }
});
