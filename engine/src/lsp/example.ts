import { existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../errors';
import { getStepKind } from '../steps/registry';

/**
 * "Weir: Create Example Pipeline": the Palmer penguins table (as shipped in the vega-datasets
 * package; the .vsix carries a copy in dist/examples/) with a SQL prep step, a summary step
 * and, when this engine has the AutoML step, a classifier of the species and its registration.
 */
export const examplePipelineName = 'penguins.pipeline.yaml';

/** Where the penguins table is: beside the bundle in a packaged extension, in node_modules in the repo. */
export function findPenguinsData(from: string = __dirname): string | undefined {
  const packaged = path.join(from, 'examples', 'penguins.json');
  if (existsSync(packaged)) return packaged;
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', 'vega-datasets', 'data', 'penguins.json');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export const prepSql = `-- Palmer penguins: keep the measured birds and give the columns SQL-friendly names.
-- The step input \`penguins\` is a view of the pipeline input of that name.
SELECT
  Species AS species,
  Island AS island,
  "Beak Length (mm)" AS beak_length_mm,
  "Beak Depth (mm)" AS beak_depth_mm,
  "Flipper Length (mm)" AS flipper_length_mm,
  "Body Mass (g)" AS body_mass_g,
  Sex AS sex
FROM penguins
WHERE "Body Mass (g)" IS NOT NULL
`;

export function examplePipelineText(withAutoML: boolean): string {
  const lines = [
    '# A small Weir pipeline: DuckDB prep of the Palmer penguins table' + (withAutoML ? ', then AutoML picks a species classifier.' : '.'),
    '# Click "▶ Run pipeline" above, or run `weir run penguins.pipeline.yaml` in a terminal.',
    'name: penguins',
    'experiment: penguins',
  ];
  if (withAutoML) lines.push('parameters:', '  model_name: penguin-species');
  lines.push(
    'inputs:',
    '  penguins: file:data/penguins.json   # or register it: weir dataset register penguins data/penguins.json',
    'steps:',
    '  prep:',
    '    sql: prep.sql',
    '    inputs: { penguins: ${{ inputs.penguins }} }',
    '    outputs: { clean: parquet }',
    '  summary:',
    '    sql: |',
    '      SELECT species, count(*) AS birds, round(avg(body_mass_g)) AS mean_body_mass_g',
    '      FROM clean GROUP BY species ORDER BY species',
    '    inputs: { clean: ${{ steps.prep.outputs.clean }} }',
    '    outputs: { by_species: parquet }',
  );
  if (withAutoML) {
    lines.push(
      '  train:',
      '    automl:',
      '      task: classification',
      '      label_column_name: species',
      '      primary_metric: AUC_weighted',
      '      iterations: 6',
      '      experiment_timeout_minutes: 2',
      '      n_cross_validations: 3',
      '    inputs: { training_data: ${{ steps.prep.outputs.clean }} }',
      '  register:',
      '    register_model:',
      '      model: ${{ steps.train.outputs.model }}',
      '      name: ${{ parameters.model_name }}',
      'outputs:',
      '  by_species: ${{ steps.summary.outputs.by_species }}',
      '  metrics: ${{ steps.train.outputs.metrics }}',
    );
  } else {
    lines.push('outputs:', '  by_species: ${{ steps.summary.outputs.by_species }}');
  }
  return `${lines.join('\n')}\n`;
}

/** Writes the example into `folder`; refuses to overwrite an existing pipeline file. */
export async function createExample(folder: string, options: { withAutoML?: boolean; dataFile?: string } = {}): Promise<{ pipelineFile: string; files: string[] }> {
  const pipelineFile = path.join(folder, examplePipelineName);
  if (existsSync(pipelineFile)) {
    throw new WeirError('BAD_INPUT', `${pipelineFile} already exists`, { hint: 'Open it, or delete it to write the example again.' });
  }
  const data = options.dataFile ?? findPenguinsData();
  if (!data) throw new WeirError('NOT_FOUND', 'the example data (penguins.json) is not shipped with this build', { hint: 'Reinstall the extension.' });
  const withAutoML = options.withAutoML ?? getStepKind('automl') !== undefined;
  await mkdir(path.join(folder, 'data'), { recursive: true });
  const dataTarget = path.join(folder, 'data', 'penguins.json');
  if (!existsSync(dataTarget)) await copyFile(data, dataTarget);
  const sqlFile = path.join(folder, 'prep.sql');
  if (!existsSync(sqlFile)) await writeFile(sqlFile, prepSql);
  await writeFile(pipelineFile, examplePipelineText(withAutoML), { flag: 'wx' });
  return { pipelineFile, files: [pipelineFile, sqlFile, dataTarget] };
}
