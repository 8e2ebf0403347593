import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliBundle, tempDir, titanicCsv } from '../helpers/paths';

/**
 * Issue 10, "labels keep their values": DuckDB's CSV sniffer types a yes/no column as BOOLEAN;
 * registration keeps the user's text, so predictions come back as yes/no, not true/false.
 */
describe('a yes/no label', () => {
  it('goes through dataset register, AutoML and weir model predict as yes/no', () => {
    const ws = tempDir('weir-yesno-');
    const weir = (...args: string[]) => spawnSync(process.execPath, [cliBundle, ...args, '--workspace', ws], { cwd: ws, encoding: 'utf8' });
    // Survived and Pclass lead each line; Name holds quoted commas, so SibSp, Parch and Fare
    // are taken from the end (…, SibSp, Parch, Ticket, Fare, Cabin, Embarked).
    const rows = readFileSync(titanicCsv, 'utf8').trim().split('\n').slice(1).map((r) => r.split(','));
    const lines = rows.map((f) => [f[1] === '1' ? 'yes' : 'no', f[2], f[f.length - 6], f[f.length - 5], f[f.length - 3]].join(','));
    const csv = path.join(ws, 'survival.csv');
    writeFileSync(csv, `Survived,Pclass,SibSp,Parch,Fare\n${lines.join('\n')}\n`);

    const reg = weir('dataset', 'register', 'survival', csv, '--json');
    expect(reg.status, reg.stderr).toBe(0);
    const show = weir('dataset', 'show', 'survival', '--json');
    expect(JSON.parse(show.stdout).schema).toContainEqual({ name: 'Survived', type: 'VARCHAR' });

    writeFileSync(
      path.join(ws, 'p.pipeline.yaml'),
      [
        'name: yesno',
        'inputs:',
        '  data: dataset:survival',
        'steps:',
        '  train:',
        '    automl: { task: classification, label_column_name: Survived, iterations: 2, n_cross_validations: 2, enable_voting_ensemble: false, enable_stack_ensemble: false, seed: 1 }',
        '    inputs: { training_data: ${{ inputs.data }} }',
        '  register:',
        '    register_model: { model: ${{ steps.train.outputs.model }}, name: YesNo }',
        '',
      ].join('\n'),
    );
    const run = weir('run', 'p.pipeline.yaml');
    expect(run.status, run.stderr).toBe(0);

    const newRows = path.join(ws, 'new.csv');
    writeFileSync(newRows, 'Pclass,SibSp,Parch,Fare\n1,0,0,80\n3,1,0,7.25\n2,0,2,20\n');
    const out = path.join(ws, 'pred.csv');
    const predict = weir('model', 'predict', 'YesNo', newRows, '--out', out);
    expect(predict.status, predict.stderr).toBe(0);
    const [head, ...predicted] = readFileSync(out, 'utf8').trim().split('\n');
    const at = head!.split(',').indexOf('prediction');
    expect(at).toBeGreaterThan(0);
    expect(head).toMatch(/probability_no,probability_yes|probability_yes,probability_no/);
    for (const line of predicted) expect(['yes', 'no']).toContain(line.split(',')[at]);
  });
});
