import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { pipelineJsonSchema } from '../../engine/src/pipeline';
import { repoRoot } from '../helpers/paths';

/**
 * schemas/pipeline.schema.json is generated from the zod schemas and the registered step
 * kinds. This test fails when the committed file drifts; regenerate it with
 *   UPDATE_SCHEMA=1 npx vitest run test/pipeline/jsonSchema.test.ts
 */
const file = path.join(repoRoot, 'schemas', 'pipeline.schema.json');

test('schemas/pipeline.schema.json matches the engine', () => {
  const generated = `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
  if (process.env.UPDATE_SCHEMA === '1') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, generated);
  }
  expect(existsSync(file), 'schemas/pipeline.schema.json is missing; run with UPDATE_SCHEMA=1').toBe(true);
  expect(readFileSync(file, 'utf8'), 'the pipeline schema changed; regenerate with UPDATE_SCHEMA=1 npx vitest run test/pipeline/jsonSchema.test.ts').toBe(generated);
});

test('the schema describes every step kind and the DESIGN §2 keys', () => {
  const schema = pipelineJsonSchema() as { properties: Record<string, unknown> };
  expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'experiment', 'parameters', 'inputs', 'steps', 'outputs']));
  const text = JSON.stringify(schema);
  for (const kind of ['"sql"', '"script"', '"register_model"', '"allow_reuse"']) expect(text).toContain(kind);
});
