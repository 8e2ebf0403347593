import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { RunRecord } from '../../engine/src/store/records';
import { cliBundle, tempDir, vegaData } from '../helpers/paths';

/** `weir run delete` and `weir gc` through the bundled CLI on a real store. */

function weir(cwd: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cliBundle, ...args], { cwd, encoding: 'utf8', env: { ...process.env, WEIR_CLI_MAIN: '1' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const pipeline = `inputs:
  penguins: dataset:penguins_ds
steps:
  prep:
    sql: 'SELECT Species AS species, "Beak Length (mm)" AS beak_length_mm, "Flipper Length (mm)" AS flipper_length_mm FROM penguins WHERE "Beak Length (mm)" IS NOT NULL'
    inputs: { penguins: \${{ inputs.penguins }} }
    outputs: { clean: parquet }
  train:
    automl:
      task: classification
      label_column_name: species
      primary_metric: accuracy
      iterations: 2
      n_cross_validations: 2
    inputs: { training_data: \${{ steps.prep.outputs.clean }} }
  register:
    register_model:
      model: \${{ steps.train.outputs.model }}
      name: Penguins
outputs:
  clean: \${{ steps.prep.outputs.clean }}
`;

describe('weir run delete and weir gc', () => {
  test('deleting a run then collecting garbage frees its outputs but keeps the dataset and the registered model', () => {
    const root = tempDir('weir-gc-');
    writeFileSync(path.join(root, 'p.pipeline.yaml'), pipeline);
    expect(weir(root, 'dataset', 'register', 'penguins_ds', path.join(vegaData, 'penguins.json')).code).toBe(0);
    const ran = weir(root, 'run', 'p.pipeline.yaml', '--json');
    expect(ran.code, ran.err).toBe(0);
    const run = JSON.parse(ran.out) as RunRecord;
    const cleanPath = path.join(root, run.outputs.clean!.path);
    const metricsPath = path.join(root, run.steps.find((s) => s.name === 'train')!.outputs.metrics!.path);
    expect(existsSync(cleanPath) && existsSync(metricsPath)).toBe(true);

    // Nothing is garbage while the run exists, even with no minimum age.
    const before = JSON.parse(weir(root, 'gc', '--dry-run', '--min-age', '0', '--json').out) as { removed: string[] };
    expect(before.removed).toEqual([]);

    const deleted = weir(root, 'run', 'delete', 'latest');
    expect(deleted.code, deleted.err).toBe(0);
    expect(deleted.out).toContain(`Deleted run ${run.id} (Completed)`);
    expect(JSON.parse(weir(root, 'runs', '--json').out)).toEqual([]);
    expect(weir(root, 'run', 'show', run.id).code).toBe(2);

    // The default minimum age (an hour) protects fresh artifacts a live run may not have recorded yet.
    expect(JSON.parse(weir(root, 'gc', '--dry-run', '--json').out).removed).toEqual([]);
    const dry = weir(root, 'gc', '--dry-run', '--min-age', '0');
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toMatch(/^Would remove \d+ unreferenced artifacts? \(/);
    expect(existsSync(cleanPath)).toBe(true);

    const gc = JSON.parse(weir(root, 'gc', '--min-age', '0', '--json').out) as { removed: string[]; bytes: number; kept: number };
    expect(gc.removed.length).toBeGreaterThan(0);
    expect(gc.bytes).toBeGreaterThan(0);
    expect(existsSync(cleanPath)).toBe(false);
    expect(existsSync(metricsPath)).toBe(false);
    expect(weir(root, 'gc', '--min-age', '0').out).toMatch(/^Removed 0 unreferenced artifacts \(0 B\); kept \d+\./);

    // What datasets and models refer to is still there and usable.
    const preview = weir(root, 'dataset', 'preview', 'penguins_ds', '--rows', '3', '--json');
    expect(preview.code, preview.err).toBe(0);
    const dataCsv = path.join(root, 'data.csv');
    writeFileSync(dataCsv, 'beak_length_mm,flipper_length_mm\n39.1,181\n46.5,192\n');
    const predicted = weir(root, 'model', 'predict', 'Penguins', dataCsv, '--out', path.join(root, 'pred.csv'));
    expect(predicted.code, predicted.err).toBe(0);
    expect(existsSync(path.join(root, 'pred.csv'))).toBe(true);
  });

  test('a running run is not deleted: exit 2 and a message to cancel it first', async () => {
    const root = tempDir('weir-gc-');
    writeFileSync(path.join(root, 'slow.pipeline.yaml'), 'steps:\n  slow:\n    script: "echo started; exec sleep 30"\n');
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [cliBundle, 'run', 'slow.pipeline.yaml'], { cwd: root, env: { ...process.env, WEIR_CLI_MAIN: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 15_000;
    while (!out.includes('started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 30));
    const runId = /^Run (run_\S+)/.exec(out)![1]!;
    const refused = weir(root, 'run', 'delete', runId);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`run ${runId} is Running; cancel it first: weir run cancel ${runId}`);
    expect(weir(root, 'run', 'cancel', runId).code).toBe(0);
    await exited;
    expect(weir(root, 'run', 'delete', runId).code).toBe(0);
    expect(weir(root, 'run', 'delete', 'run_nope').code).toBe(2);
    expect(weir(root, 'gc', 'extra').code).toBe(2);
  });
});
