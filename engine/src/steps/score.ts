import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { WeirError } from '../errors';
import { loadModel } from '../automl/model/loadModel';
import { appendColumns, readTableFile, writeTableFile } from '../automl/model/tableFiles';
import type { StepKind } from './stepKind';

const scoreConfigSchema = z
  .strictObject({
    model: z.string().min(1).optional().describe('The AutoML model folder: `${{ steps.train.outputs.model }}`. Default: the step input named `model` (e.g. `model:TitanicSurvivalInitial:2`).'),
    data: z.string().min(1).optional().describe('The table to score. Default: the step input named `data`.'),
    keep_columns: z.boolean().optional().describe('Keep the input columns next to the predictions (default true).'),
  })
  .describe('Scores a table with an AutoML model.');

export type ScoreConfig = z.infer<typeof scoreConfigSchema>;

/**
 * The `score` step kind: an AutoML model plus a table in, a Parquet table of predictions
 * out (`prediction`, and `probability_<class>` per class for classification, after the
 * input columns). The model and the data come from the config's references or from the
 * step's `model` and `data` inputs.
 */
export const scoreStep: StepKind<ScoreConfig> = {
  kind: 'score',
  summary: 'Scores a table with an AutoML model; writes predictions as Parquet.',
  docs: [
    '**score** — batch inference with a model from an `automl` step or the model registry.',
    '',
    '```yaml',
    'score: {}',
    'inputs:',
    '  model: ${{ steps.train.outputs.model }}   # or model:NAME:VERSION',
    '  data: ${{ steps.dataprep.outputs.prepped }}',
    '```',
    'Output `predictions`: the input columns plus `prediction` and, for classification, `probability_<class>`.',
  ].join('\n'),
  configSchema: scoreConfigSchema,
  outputs() {
    return { predictions: 'parquet' };
  },
  async run(config, ctx) {
    const modelPath = config.model ?? ctx.inputs.model?.path;
    const dataPath = config.data ?? ctx.inputs.data?.path;
    if (!modelPath) throw new WeirError('BAD_INPUT', `score step '${ctx.stepName}' needs a model: set \`model:\` or an input named model`);
    if (!dataPath) throw new WeirError('BAD_INPUT', `score step '${ctx.stepName}' needs data: set \`data:\` or an input named data`);
    const resolvedData = path.resolve(ctx.pipelineDir, dataPath);
    if (!existsSync(resolvedData)) throw new WeirError('NOT_FOUND', `data to score not found: ${dataPath}`);
    const model = loadModel(path.resolve(ctx.pipelineDir, modelPath));
    try {
      const table = await readTableFile(resolvedData);
      const predictions = model.predict(table).toTable();
      const out = path.join(ctx.outDir, 'predictions.parquet');
      await writeTableFile(config.keep_columns === false ? predictions : appendColumns(table, predictions), out);
      ctx.log(`scored ${table.rows} rows with ${model.algorithm} (${model.task})`);
      return { outputs: { predictions: out } };
    } finally {
      model.dispose();
    }
  },
};
