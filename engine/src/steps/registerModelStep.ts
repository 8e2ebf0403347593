import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { WeirError } from '../errors';
import type { ResolvedInput, StepKind } from './stepKind';

const registerModelConfigSchema = z
  .strictObject({
    model: z.string().min(1).describe('The model to register: `${{ steps.STEP.outputs.NAME }}` (or `${{ inputs.NAME }}`).'),
    name: z
      .string()
      .min(1)
      // Checked once parameters are substituted; an expression left in place is checked then.
      .refine((n) => n.includes('${{') || /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(n), { error: 'a model name holds letters, digits, ".", "_" and "-", starts with a letter or digit, at most 128 characters' })
      .describe('The registered model\'s name, often `${{ parameters.model_name }}`.'),
    description: z.string().optional(),
    tags: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('Free-form tags stored with the version.'),
    framework: z.string().optional().describe('What made the model, e.g. `xgboost-json`. Default: `weir-automl` for an AutoML model, else `file`.'),
  })
  .describe('Registers a model version with lineage to this run (Azure `Model.register`).');

export type RegisterModelConfig = z.infer<typeof registerModelConfigSchema>;

export const registerModelStep: StepKind<RegisterModelConfig> = {
  kind: 'register_model',
  summary: 'Registers a model artifact as a new model version, with lineage to the run.',
  docs: [
    '**register_model** — adds a version to the model registry (Azure `Model.register`).',
    '',
    '```yaml',
    'register_model:',
    '  model: ${{ steps.train.outputs.model }}',
    '  name: ${{ parameters.model_name }}',
    '  tags: { source: pipeline }',
    '```',
    'The version records the run, the step that produced the model, and the dataset versions the run read.',
  ].join('\n'),
  configSchema: registerModelConfigSchema,
  outputs() {
    return {};
  },
  async run(config, ctx) {
    const modelPath = path.resolve(config.model);
    const input: ResolvedInput | undefined = Object.values(ctx.inputs).find((i) => path.resolve(i.path) === modelPath);
    if (!input && !existsSync(modelPath)) throw new WeirError('NOT_FOUND', `model to register not found: ${config.model}`);
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(config.tags ?? {})) tags[k] = String(v);
    const framework =
      config.framework ?? (existsSync(modelPath) && statSync(modelPath).isDirectory() && existsSync(path.join(modelPath, 'model.json')) ? 'weir-automl' : 'file');
    const version = await ctx.store.registerModel(config.name, input?.ref ?? modelPath, {
      description: config.description,
      tags,
      framework,
      metrics: input?.fromStep?.metrics && Object.keys(input.fromStep.metrics).length ? input.fromStep.metrics : undefined,
      lineage: {
        runId: ctx.runId,
        experiment: ctx.experiment,
        step: input?.fromStep?.step ?? ctx.stepName,
        datasets: ctx.lineage().datasets,
      },
    });
    ctx.log(`registered model ${version.name} version ${version.version}`);
    return { outputs: {} };
  },
};
