import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPrimaryMetric } from '../../engine/src/automl/metrics/metricCatalog';
import { runDetails } from '../../engine/src/lsp/webviewData';
import type { RunRecord } from '../../engine/src/store/records';
import type { WorkspaceStore } from '../../engine/src/store/storeApi';
import { tempDir } from '../helpers/paths';

/** Issue 9: the run-details panel named spearman_correlation while a regression step ran. */
describe('run details of a running AutoML step', () => {
  it('names the default primary metric of the metric catalog for each task', async () => {
    const root = tempDir('weir-default-metric-');
    for (const task of ['classification', 'regression', 'forecasting'] as const) {
      writeFileSync(path.join(root, `${task}.pipeline.yaml`), `steps:\n  train:\n    automl: { task: ${task}, label_column_name: y }\n`);
      const run = { id: `r-${task}`, pipelineFile: `${task}.pipeline.yaml`, steps: [{ name: 'train', kind: 'automl', status: 'Running', outputs: {}, metrics: {} }] } as unknown as RunRecord;
      const store = { root, getRun: async () => run, listTrials: async () => [], artifactPath: () => root } as unknown as WorkspaceStore;
      const details = await runDetails(store, run.id);
      expect(details.automl[0]!.primaryMetric).toBe(defaultPrimaryMetric[task]);
    }
    expect(defaultPrimaryMetric.regression).toBe('normalized_root_mean_squared_error');
  });
});
