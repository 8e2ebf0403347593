import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parsePipelineText } from '../../engine/src/pipeline';
import { repoRoot } from '../helpers/paths';

/** The penguins example's Slurm variant (docs/executors.md) stays the local pipeline plus its two Slurm settings. */
describe('examples/penguins/penguins.slurm.pipeline.yaml', () => {
  const dir = path.join(repoRoot, 'examples/penguins');
  const file = path.join(dir, 'penguins.slurm.pipeline.yaml');
  const text = readFileSync(file, 'utf8');

  test('is penguins.pipeline.yaml with the Slurm executor and two trial workers, nothing else', () => {
    const tree = (file: string, text: string) => parsePipelineText(text, file).doc.toJS() as unknown;
    const localFile = path.join(dir, 'penguins.pipeline.yaml');
    const local = tree(localFile, readFileSync(localFile, 'utf8'));
    const slurm = tree(file, text) as { executor?: unknown; steps: { train: { automl: Record<string, unknown> } } };
    expect(slurm.executor).toEqual({ kind: 'slurm', partition: 'debug' });
    // Without it the job would run its trials in threads, as many as its cpus_per_task (default 1).
    expect(slurm.steps.train.automl.max_concurrent_iterations).toBe(2);
    delete slurm.executor;
    delete slurm.steps.train.automl.max_concurrent_iterations;
    expect(slurm).toEqual(local);
  });

  test('parses without errors (automl aside, which the parser alone does not know)', () => {
    const parsed = parsePipelineText(text, file);
    expect(parsed.diagnostics.filter((d) => !(d.code === 'unknown-step-kind' && d.message.includes("'automl'")))).toEqual([]);
  });
});
