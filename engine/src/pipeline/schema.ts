import { z } from 'zod';
import { allStepKinds } from '../steps/registry';

/**
 * The zod schemas of the pipeline file. Validation uses the pieces (so each problem gets
 * its own range and a message about the part at fault); `pipelineFileSchema()` assembles
 * the whole file, with every registered step kind, for the generated JSON Schema.
 */

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const identifier = z
  .string()
  .regex(IDENTIFIER, { error: 'names must start with a letter or _ and hold only letters, digits and _' })
  // Step names become log and record file names, which file systems cap at 255 bytes.
  .max(100, { error: 'names are at most 100 characters' });

export const scalarValue = z.union([z.string(), z.number(), z.boolean()]);

export const parameterSchema = z
  .union([
    scalarValue,
    z.strictObject({
      default: scalarValue.describe('The value used when the run does not override it with `--param NAME=VALUE`.'),
      description: z.string().optional().describe('Shown when the editor asks for the value.'),
    }),
  ], { error: 'a parameter is a default value (text, number or true/false) or { default, description }' })
  .describe('A pipeline parameter (Azure `PipelineParameter`): a default value, or `{ default, description }`. Use it as `${{ parameters.NAME }}`.');

export const INPUT_SOURCE = /^(dataset:[A-Za-z0-9_.-]+(:[0-9]+)?|model:[A-Za-z0-9_.-]+(:[0-9]+|@[A-Za-z][A-Za-z0-9_-]*)?|file:.+)$/;

export const inputSourceSchema = z
  .string()
  .regex(INPUT_SOURCE, { error: 'an input is `dataset:NAME[:VERSION]`, `model:NAME[:VERSION|@ALIAS]` or `file:RELATIVE/PATH` (a file or glob)' })
  .describe('Where a pipeline input comes from: `dataset:NAME` (latest version) or `dataset:NAME:VERSION`, `model:NAME[:VERSION]` or `model:NAME@ALIAS` (the version an alias points at when the run starts), or `file:PATH` (a file or glob relative to the pipeline file, snapshotted when the run starts).');

export const referenceSchema = z
  .string()
  .regex(/^\s*\$\{\{[^}]*\}\}\s*$/, { error: 'expected one reference such as `${{ inputs.NAME }}` or `${{ steps.STEP.outputs.NAME }}`' })
  .describe('A reference: `${{ inputs.NAME }}` or `${{ steps.STEP.outputs.NAME }}`.');

export const OUTPUT_KINDS = ['parquet', 'json', 'model', 'file', 'dir'] as const;

export const outputKindSchema = z
  .enum(OUTPUT_KINDS, { error: `an output kind is one of ${OUTPUT_KINDS.join(', ')}` })
  .describe('What the output holds: `parquet` (a table), `json`, `model`, `file` or `dir`.');

export const environmentSchema = z
  .strictObject({
    interpreter: z.string().optional().describe('Program that runs the script file, e.g. `/usr/bin/python3`. Default: by extension (`python3` or $WEIR_PYTHON for .py, Node for .js, bash for .sh).'),
    variables: z.record(z.string(), scalarValue).optional().describe('Extra environment variables for the process; values may use `${{ parameters.NAME }}`.'),
  })
  .describe('The process environment of a script step (Azure `RunConfiguration`).');

/** Slurm's time limit forms: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
export const SLURM_TIME = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}(:\d{1,2}(:\d{1,2})?)?|UNLIMITED|INFINITE)$/;

export const EXECUTOR_KINDS = ['local', 'slurm'] as const;

export const executorSchema = z
  .union([
    z.enum(EXECUTOR_KINDS),
    z.strictObject({
      kind: z.enum(EXECUTOR_KINDS).describe('`local`: on this machine (the default). `slurm`: each step is one `sbatch` job on a Slurm cluster.'),
      partition: z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'a partition name holds only letters, digits, _, . and -' }).optional().describe('Slurm partition (`sbatch --partition`). Default: the cluster\'s default partition.'),
      cpus_per_task: z.int().min(1).optional().describe('CPUs for the step\'s job (`sbatch --cpus-per-task`); also how many AutoML trial workers it runs at once.'),
      mem: z.string().regex(/^\d+[KMGT]?$/, { error: 'mem is a number with an optional unit K, M, G or T, e.g. 2G' }).optional().describe('Memory for the step\'s job (`sbatch --mem`), e.g. `2G`.'),
      time: z.string().regex(SLURM_TIME, { error: 'time is a Slurm time limit: minutes, MM:SS, HH:MM:SS or D-HH:MM:SS' }).optional().describe('Time limit of the step\'s job (`sbatch --time`), e.g. `"00:30:00"`; Slurm ends the job when it is reached.'),
      options: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'an sbatch option name is lower case, e.g. account or qos' }), scalarValue).optional().describe('Further `sbatch` options by long name without dashes, e.g. `{ account: ml, qos: short }`.'),
    }),
  ], { error: 'executor is `local`, `slurm` or { kind: slurm, partition, cpus_per_task, mem, time, options }' })
  .describe('Where steps run: `local` (this machine) or `slurm` (one Slurm job per step). `weir run --executor` overrides the pipeline\'s; a step\'s own `executor:` wins over both.');

/** Keys every step may have besides its one kind key. */
export const stepCommonShape = {
  inputs: z.record(identifier, referenceSchema).optional().describe('The step\'s inputs by name: `${{ inputs.NAME }}` or `${{ steps.STEP.outputs.NAME }}`. In a `sql` step each input is a view of that name.'),
  outputs: z.record(identifier, outputKindSchema).optional().describe('The step\'s outputs by name and kind, e.g. `{ prepped: parquet }`.'),
  allow_reuse: z.boolean().optional().describe('Reuse the outputs of an earlier identical step run (same kind, settings, code, parameters and input contents). Default true, as in Azure.'),
  environment: environmentSchema.optional(),
  description: z.string().optional().describe('What the step does, for people.'),
  executor: executorSchema.optional(),
};
export const COMMON_STEP_KEYS = Object.keys(stepCommonShape);

export const stepCommonSchema = z.strictObject(stepCommonShape);

export const computeSchema = z
  .union([
    z.literal('local'),
    z.strictObject({
      target: z.literal('local').optional(),
      max_concurrent_steps: z.int().min(1).optional().describe('How many independent steps may run at once (Azure `max_nodes`). Default: the number of CPU cores.'),
    }),
  ], { error: 'compute is `local` or { target: local, max_concurrent_steps: N }' })
  .describe('Where steps run. Only `local` (this machine) for now.');

/** Top-level keys; `steps` is checked step by step, so here it is only a map of maps. */
export const pipelineTopShape = {
  $schema: z.string().optional(),
  name: z.string().min(1).optional().describe('The pipeline\'s name. Default: the file name without `.pipeline.yaml`.'),
  experiment: z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'an experiment name holds only letters, digits, _, . and -' }).optional().describe('Runs are grouped by experiment (Azure `Experiment`). Default: the pipeline name; `weir run --experiment X` overrides it.'),
  description: z.string().optional(),
  compute: computeSchema.optional(),
  executor: executorSchema.optional(),
  parameters: z.record(identifier, parameterSchema).optional().describe('Pipeline parameters with their defaults, overridden per run with `--param NAME=VALUE`.'),
  inputs: z.record(identifier, inputSourceSchema).optional().describe('Pipeline inputs by name: registered datasets, models or files.'),
  steps: z.record(identifier, z.record(z.string(), z.unknown()), { error: 'steps is a map from step names to steps' }).describe('The steps by name. Each has exactly one kind key (`sql`, `script`, `register_model`, …).'),
  outputs: z.record(identifier, referenceSchema).optional().describe('Pipeline-level named outputs (Azure `pipeline_output_name`), e.g. `${{ steps.train.outputs.model }}`. `weir run download RUN NAME` fetches one.'),
};
export const pipelineTopSchema = z.strictObject(pipelineTopShape);

/** The whole file with every registered kind, for the JSON Schema (and editors). */
export function pipelineFileSchema() {
  const stepVariants = allStepKinds().map((kind) =>
    z.strictObject({ ...stepCommonShape, [kind.kind]: kind.configSchema.describe(kind.summary) }).describe(`A \`${kind.kind}\` step: ${kind.summary}`),
  );
  const step = stepVariants.length === 1 ? stepVariants[0]! : z.union(stepVariants as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  return z
    .strictObject({ ...pipelineTopShape, steps: z.record(identifier, step).describe(pipelineTopShape.steps.description ?? '') })
    .describe('A Weir pipeline (`*.pipeline.yaml`).');
}

/** The JSON Schema of the pipeline file, generated from the zod schemas and the registered step kinds. */
export function pipelineJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(pipelineFileSchema(), { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as Record<string, unknown>;
  return { ...schema, title: 'Weir pipeline', $id: 'https://weir.dev/schemas/pipeline.schema.json' };
}
