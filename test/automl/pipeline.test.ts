import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRun } from '../../engine/src/scheduler';
import { openWorkspace } from '../../engine/src/store/workspace';
import { loadModel } from '../../engine/src/automl/model/loadModel';
import { readColumnar } from '../../engine/src/data/tables';
import { automlStep } from '../../engine/src/steps/automlStep';
import { cliBundle, repoRoot, titanicCsv, tempDir } from '../helpers/paths';
import { registerDataset } from '../../engine/src/data/registerDataset';

/**
 * The article's pipeline through the real scheduler and store: data prep (DuckDB) →
 * AutoML (worker threads) → register model, then `weir model predict` from the CLI bundle.
 */
describe('automl in a pipeline', () => {
  it('runs the Titanic pipeline, records trials, registers the model and predicts with it', async () => {
    const ws = tempDir('weir-automl-pipeline-');
    cpSync(path.join(repoRoot, 'examples', 'titanic'), ws, { recursive: true });
    const file = path.join(ws, 'titanic.pipeline.yaml');
    const scoreStep = ['  score:', '    score: {}', '    inputs: { model: ${{ steps.train.outputs.model }}, data: ${{ steps.dataprep.outputs.prepped }} }', 'outputs:'].join('\n');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('iterations: 20', 'iterations: 3')
        .replace('n_cross_validations: 5', 'n_cross_validations: 3\n      max_concurrent_iterations: 2')
        .replace(/^outputs:/m, scoreStep),
    );
    const store = await openWorkspace(ws);
    try {
      await registerDataset(store, 'titanic_ds', [titanicCsv]);
      const handle = await startRun(store, file);
      const logs: string[] = [];
      handle.onEvent((e) => {
        if (e.type === 'log') logs.push(e.text);
      });
      const run = await handle.done;
      expect(run.status, JSON.stringify(run.error)).toBe('Completed');
      const train = run.steps.find((s) => s.name === 'train')!;
      expect(train.metrics.AUC_weighted).toBeGreaterThan(0.8);
      const trials = await store.listTrials(run.id, 'train');
      expect(trials.map((t) => t.algorithm)).toEqual(expect.arrayContaining(['VotingEnsemble', 'StackEnsemble']));
      expect(trials.length).toBe(5);
      expect(logs.join('\n')).toMatch(/leaderboard \(AUC_weighted/);

      const metrics = JSON.parse(readFileSync(store.artifactPath(run.outputs.metrics_output), 'utf8')) as Record<string, Record<string, number>>;
      expect(Object.keys(metrics.AUC_weighted).sort()).toEqual(['0', '1', '2', '3', '4']);

      const scored = await readColumnar(store.artifactPath(run.steps.find((st) => st.name === 'score')!.outputs.predictions));
      expect(scored.rows).toBe(891);
      expect(scored.columns.map((c) => c.name).slice(-3)).toEqual(['prediction', 'probability_0', 'probability_1']);

      const [model] = await store.listModels();
      expect(model.name).toBe('TitanicSurvivalInitial');
      const loaded = loadModel(store.artifactPath(model.artifact));
      expect(loaded.inputSchema.map((c) => c.name)).toContain('Sex');
      loaded.dispose();
    } finally {
      await store.dispose();
    }

    // The prepped columns are what the model reads: score a few rows of them from the CLI.
    const csv = path.join(ws, 'new.csv');
    writeFileSync(csv, 'Pclass,Sex,SibSp,Parch,Embarked,Age_Group,Fare_Group,Extra\n1,1,0,0,1,2,4,x\n3,0,0,0,0,2,0,y\n');
    const out = path.join(ws, 'pred.csv');
    const r = spawnSync(process.execPath, [cliBundle, 'model', 'predict', 'TitanicSurvivalInitial', csv, '--out', out, '--workspace', ws], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('Pclass,Sex,SibSp,Parch,Embarked,Age_Group,Fare_Group,Extra,prediction,probability_0,probability_1');
    expect(lines[1].split(',')[8]).toBe('1');
    expect(lines[2].split(',')[8]).toBe('0');

    const missing = path.join(ws, 'missing.csv');
    writeFileSync(missing, 'Pclass,SibSp\n1,0\n');
    const bad = spawnSync(process.execPath, [cliBundle, 'model', 'predict', 'TitanicSurvivalInitial:1', missing, '--out', path.join(ws, 'x.parquet'), '--workspace', ws], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/lacks columns the model needs: .*Sex/);
    expect(existsSync(path.join(ws, 'x.parquet'))).toBe(false);
  });

  it('fails a run on a 2-row table with a clear error and registers nothing', async () => {
    const ws = tempDir('weir-automl-tiny-');
    writeFileSync(path.join(ws, 'tiny.csv'), 'x,label\n1,0\n2,1\n');
    writeFileSync(
      path.join(ws, 'tiny.pipeline.yaml'),
      [
        'name: tiny',
        'experiment: tiny',
        'inputs:',
        '  tiny: file:tiny.csv',
        'steps:',
        '  train:',
        '    automl: { task: classification, label_column_name: label }',
        '    inputs: { training_data: ${{ inputs.tiny }} }',
        '  register:',
        '    register_model: { model: ${{ steps.train.outputs.model }}, name: Tiny }',
        '',
      ].join('\n'),
    );
    const store = await openWorkspace(ws);
    try {
      const run = await (await startRun(store, path.join(ws, 'tiny.pipeline.yaml'))).done;
      expect(run.status).toBe('Failed');
      const train = run.steps.find((s) => s.name === 'train')!;
      expect(train.error?.message).toMatch(/2 rows with a label; AutoML needs at least 10/);
      expect(await store.listModels()).toEqual([]);
      expect(await store.listTrials(run.id, 'train')).toEqual([]);
    } finally {
      await store.dispose();
    }
  });

  it('check() reports a label column the input lacks, at the setting', () => {
    const problems = automlStep.check!(
      { task: 'classification', label_column_name: 'Survivd', weight_column_name: 'w' },
      { pipelineDir: '.', inputSchemas: { training_data: [{ name: 'Survived', type: 'BIGINT' }, { name: 'w', type: 'DOUBLE' }] } },
    );
    expect(problems).toEqual([{ path: ['label_column_name'], message: "column 'Survivd' is not in the training data (columns: Survived, w)" }]);
    expect(automlStep.check!({ task: 'classification', label_column_name: 'x' }, { pipelineDir: '.', inputSchemas: {} })).toEqual([]);
  });

  it('check() flags a regression label that is not numbers: a date is an error, text a warning', () => {
    const schema = [
      { name: 'price', type: 'DOUBLE' },
      { name: 'grade', type: 'VARCHAR' },
      { name: 'sold', type: 'TIMESTAMP' },
    ];
    const check = (label: string) => automlStep.check!({ task: 'regression', label_column_name: label }, { pipelineDir: '.', inputSchemas: { training_data: schema } });
    expect(check('price')).toEqual([]);
    expect(check('sold')).toEqual([{ path: ['label_column_name'], message: "label column 'sold' is TIMESTAMP; regression needs a numeric label" }]);
    const [text] = check('grade');
    expect(text).toMatchObject({ path: ['label_column_name'], severity: 'warning' });
    expect(text!.message).toMatch(/label column 'grade' is VARCHAR; regression needs numbers.*Use task: classification/);
    // A text label is what classification expects.
    expect(automlStep.check!({ task: 'classification', label_column_name: 'grade' }, { pipelineDir: '.', inputSchemas: { training_data: schema } })).toEqual([]);
  });
});
