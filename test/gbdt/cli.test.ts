import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadXGBoostJSON } from '../../engine/src/gbdt';
import { cliBundle, titanicCsv, tempDir } from '../helpers/paths';

const titanic = titanicCsv;
const textColumns = ['Name', 'Sex', 'Ticket', 'Cabin', 'Embarked'].flatMap((c) => ['--ignore', c]);

function weir(args: string[]) {
  return spawnSync(process.execPath, [cliBundle, ...args], { encoding: 'utf8' });
}

describe('weir gbdt (CLI, real DuckDB and WASM)', () => {
  it('trains on a CSV, writes XGBoost JSON, and predicts to CSV and Parquet', () => {
    const dir = tempDir('weir-gbdt-cli-');
    const model = path.join(dir, 'm.json');
    const train = weir(['gbdt', 'train', titanic, '--label', 'Survived', ...textColumns, '--param', 'objective=binary:logistic', '--param', 'num_boost_round=15', '--param', 'max_depth=3', '--eval', titanic, '--param', 'eval_metric=auc', '--out', model, '--json']);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    const summary = JSON.parse(train.stdout) as { rows: number; features: number; trees: number; evalHistory: { eval: { auc: number[] } } };
    expect(summary).toMatchObject({ rows: 891, features: 6, trees: 15 });
    expect(summary.evalHistory.eval.auc[14]).toBeGreaterThan(0.8);
    const booster = loadXGBoostJSON(readFileSync(model, 'utf8'));
    expect(booster.model.featureNames).toEqual(['PassengerId', 'Pclass', 'Age', 'SibSp', 'Parch', 'Fare']);

    const csvOut = path.join(dir, 'p.csv');
    const predict = weir(['gbdt', 'predict', model, titanic, '--out', csvOut]);
    expect(predict.status).toBe(0);
    const lines = readFileSync(csvOut, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('prediction');
    expect(lines.length).toBe(892);
    const probs = lines.slice(1).map(Number);
    expect(probs.every((p) => p > 0 && p < 1)).toBe(true);

    const parquetOut = path.join(dir, 'p.parquet');
    expect(weir(['gbdt', 'predict', model, titanic, '--out', parquetOut, '--margin']).status).toBe(0);
    const margins = execFileSync(process.execPath, ['-e', `
      const { DuckDBInstance } = require('@duckdb/node-api');
      DuckDBInstance.create(':memory:').then(async (db) => {
        const r = await (await db.connect()).runAndReadAll("SELECT prediction FROM read_parquet('${parquetOut}')");
        process.stdout.write(JSON.stringify(r.getColumnsJS()[0]));
      });`], { encoding: 'utf8', cwd: path.dirname(cliBundle) });
    const m = JSON.parse(margins) as number[];
    expect(m.length).toBe(891);
    // Margins are logits of the probabilities written above.
    expect(1 / (1 + Math.exp(-m[0]))).toBeCloseTo(probs[0], 5);
  });

  it('exits 2 naming the column or parameter at fault', () => {
    const dir = tempDir('weir-gbdt-cli-');
    const out = path.join(dir, 'm.json');
    let r = weir(['gbdt', 'train', titanic, '--label', 'Survived', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/feature column 'Name' is VARCHAR/);
    r = weir(['gbdt', 'train', titanic, '--label', 'Nope', ...textColumns, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no label column 'Nope'/);
    r = weir(['gbdt', 'train', titanic, '--label', 'Survived', ...textColumns, '--param', 'max_depht=3', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown boosting parameter 'max_depht'/);
    r = weir(['gbdt', 'predict', path.join(dir, 'missing.json'), titanic, '--out', path.join(dir, 'p.csv')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no such model file/);
  });
});
