import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { checkPipeline, parsePipelineText } from '../../engine/src/pipeline';
import { registerStepKind } from '../../engine/src/steps/registry';
import { splitStatements } from '../../engine/src/steps/sqlStep';
import { openWorkspace } from '../../engine/src/store/workspace';
import type { WorkspaceStore } from '../../engine/src/store/storeApi';
import { tempDir, vegaData } from '../helpers/paths';
import { registerDataset } from '../../engine/src/data/registerDataset';

// A kind that needs a column, as `automl` needs its label column: it proves that input
// schemas reach `check()` from datasets, from `file:` inputs and through `sql` steps.
registerStepKind({
  kind: 'needs_column_test',
  summary: 'test kind',
  docs: 'test kind',
  configSchema: z.strictObject({ column: z.string() }),
  outputs: () => ({}),
  check(config, ctx) {
    const schema = ctx.inputSchemas.data;
    if (!schema) return [{ path: [], message: 'no schema known for input data', severity: 'warning' }];
    return schema.some((c) => c.name === config.column) ? [] : [{ path: ['column'], message: `column '${config.column}' is not in the input (${schema.map((c) => c.name).join(', ')})` }];
  },
  run: async () => ({ outputs: {} }),
});

const stores: WorkspaceStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.dispose();
});

async function check(files: Record<string, string>, withStore = true) {
  const root = tempDir('weir-check-');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text);
  const store = withStore ? await openWorkspace(root) : undefined;
  if (store) stores.push(store);
  const file = path.join(root, 'p.pipeline.yaml');
  const parsed = parsePipelineText(files['p.pipeline.yaml']!, file);
  expect(parsed.diagnostics).toEqual([]);
  return { root, store, parsed, diagnostics: () => checkPipeline(parsed, { pipelineDir: root, store }) };
}

const penguins = path.join(vegaData, 'penguins.json');

describe('checkPipeline', () => {
  test('column checks see file inputs and the schema a sql step will produce', async () => {
    const yaml = (column: string) => `inputs: { p: "file:${penguins}" }
steps:
  prep:
    sql: SELECT Species AS species, "Body Mass (g)" AS mass FROM p
    inputs: { p: \${{ inputs.p }} }
    outputs: { t: parquet }
  use_raw:
    needs_column_test: { column: Island }
    inputs: { data: \${{ inputs.p }} }
  use_prep:
    needs_column_test: { column: ${column} }
    inputs: { data: \${{ steps.prep.outputs.t }} }
`;
    expect(await (await check({ 'p.pipeline.yaml': yaml('mass') })).diagnostics()).toEqual([]);
    const { parsed, diagnostics } = await check({ 'p.pipeline.yaml': yaml('Species') });
    const [d] = await diagnostics();
    expect(d!.message).toBe("column 'Species' is not in the input (species, mass)");
    expect(d!.range.start.line).toBe(parsed.text.split('\n').findIndex((l) => l.includes('column: Species')));
  });

  test('datasets: schemas from the store, unknown names and versions', async () => {
    const files = {
      'p.pipeline.yaml': `inputs: { d: dataset:peng, e: dataset:peng:9, f: dataset:nope, m: model:nope }
steps:
  use:
    needs_column_test: { column: Sex }
    inputs: { data: \${{ inputs.d }} }
`,
    };
    const { store, diagnostics } = await check(files);
    await registerDataset(store!, 'peng', [penguins]);
    const messages = (await diagnostics()).map((d) => `${d.code}: ${d.message}`);
    expect(messages).toEqual(["unknown-dataset: dataset 'peng' has no version 9 (versions: 1)", "unknown-dataset: unknown dataset 'nope'", "unknown-model: unknown model 'nope'"]);
  });

  test('missing SQL and script files, file inputs matching nothing, unknown parameters in SQL files', async () => {
    const { diagnostics } = await check(
      {
        'p.pipeline.yaml': `inputs: { x: "file:data/*.csv" }
parameters: { n: 1 }
steps:
  a: { sql: gone.sql, outputs: { t: parquet } }
  b: { script: { file: gone.py } }
  c: { sql: uses.sql, outputs: { t: parquet } }
`,
        'uses.sql': 'SELECT ${{ parameters.n }} + ${{ parameters.m }}\n',
      },
      false,
    );
    const got = (await diagnostics()).map((d) => [d.code, d.message.replace(/\/tmp\/weir-check-\w+\/?/, '…/')]);
    expect(got).toEqual([
      ['missing-file', 'input \'x\': no file matches data/*.csv (relative to …/)'],
      ['missing-file', 'SQL file not found: …/gone.sql'],
      ['missing-file', 'script file not found: …/gone.py'],
      ['unknown-parameter', "uses.sql uses ${{ parameters.m }}, but the pipeline has no parameter 'm'"],
    ]);
  });
});

describe('helpers', () => {
  test('SQL statements split outside quotes and comments, keeping start lines', () => {
    const sql = "-- lead\nCREATE TABLE a AS SELECT 'x;y' AS s;\n\n/* ; */ SELECT \"a;b\" FROM a;\n-- trailing\n";
    expect(splitStatements(sql).map((s) => [s.line, s.text])).toEqual([
      [1, "-- lead\nCREATE TABLE a AS SELECT 'x;y' AS s"],
      [4, '/* ; */ SELECT "a;b" FROM a'],
    ]);
  });
});
