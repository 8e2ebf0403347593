import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRun } from '../../engine/src/scheduler';
import { openWorkspace } from '../../engine/src/store/workspace';
import { loadModel } from '../../engine/src/automl/model/loadModel';
import {
  buildExplanations,
  buildExplanationsInThreads,
  explainModelFolder,
  EXPLANATIONS_FILE,
  pickTableRows,
  plannedExplainRows,
  type ExplanationsFile,
  type ThreadsReport,
} from '../../engine/src/explain/explanationsFile';
import { registerDataset } from '../../engine/src/data/registerDataset';
import { readTableFile } from '../../engine/src/automl/model/tableFiles';
import { explainRows, modelCard, runDetails } from '../../engine/src/lsp/webviewData';
import { explanationsOf } from '../../engine/src/lsp/webviewData/modelFolder';
import { cliBundle, titanicCsv, tempDir } from '../helpers/paths';

/**
 * The outputs end to end: the AutoML step writes explanations.json for its best model, the
 * JS API explains rows, and `weir model explain` writes CSV and JSON from the CLI bundle.
 */
describe('explanations of a registered AutoML model', () => {
  it('are written by the step, returned by loadModel().explain and by weir model explain', async () => {
    const ws = tempDir('weir-explain-');
    writeFileSync(
      path.join(ws, 'titanic.pipeline.yaml'),
      [
        'name: titanic-explain',
        'experiment: explain',
        'inputs:',
        `  titanic: file:${titanicCsv}`,
        'steps:',
        '  train:',
        '    automl: { task: classification, label_column_name: Survived, primary_metric: AUC_weighted, iterations: 4, n_cross_validations: 2, max_concurrent_iterations: 2 }',
        '    inputs: { training_data: ${{ inputs.titanic }} }',
        '  register:',
        '    register_model: { model: ${{ steps.train.outputs.model }}, name: Titanic }',
        '',
      ].join('\n'),
    );
    const store = await openWorkspace(ws);
    let modelDir: string;
    try {
      const handle = await startRun(store, path.join(ws, 'titanic.pipeline.yaml'));
      const logs: string[] = [];
      handle.onEvent((e) => {
        if (e.type === 'log') logs.push(e.text);
      });
      const run = await handle.done;
      expect(run.status, JSON.stringify(run.error)).toBe('Completed');
      expect(logs.join('\n')).toMatch(/explanations: \d+ rows/);
      const [model] = await store.listModels();
      modelDir = store.artifactPath(model.artifact);
      // The editor's data path: run details and the model card both carry the explanations.
      const card = await modelCard(store, 'Titanic');
      expect(card.explanations?.global.raw.map((g) => g.name)).toContain('Sex');
      expect(card.explanations?.sample.raw.shap.length).toBeLessThanOrEqual(100);
      const details = await runDetails(store, run.id);
      expect(details.automl[0].explanations?.outputs).toEqual(['0', '1']);

      // Rows picked in a data preview (here of a registered dataset) are explained by the model:
      // the same values as the JS API on those rows, each adding up to the model's prediction.
      await registerDataset(store, 'titanic', [titanicCsv]);
      const picked = await explainRows(store, { name: 'Titanic', target: { dataset: 'titanic' }, rows: [5, 0] });
      expect(picked).toMatchObject({ model: { name: 'Titanic', version: 1 }, source: 'titanic:1', rows: [5, 0], outputs: ['0', '1'] });
      const all = await readTableFile(titanicCsv);
      const own = loadModel(store.artifactPath(model.artifact));
      const rowsOf = pickTableRows(all, Uint32Array.from([5, 0]));
      const e = own.explain(rowsOf);
      const probabilities = own.predict(rowsOf).probabilities!['1']!;
      const p = e.rawColumns.length;
      [5, 0].forEach((_, i) => {
        const shap = picked.sample.raw.shap[i]![1]!;
        picked.sample.raw.columns.forEach((c, j) => expect(shap[j]).toBeCloseTo(e.raw[(i * 2 + 1) * p + e.rawColumns.indexOf(c)]!, 5));
        expect(picked.base[1]! + shap.reduce((a, b) => a + b, 0)).toBeCloseTo(probabilities[i]!, 4);
      });
      expect(picked.sample.raw.values[0]![picked.sample.raw.columns.indexOf('Sex')]).toBe(rowsOf.columns.find((c) => c.name === 'Sex')!.values[0]);
      own.dispose();
      await expect(explainRows(store, { name: 'Titanic', target: { dataset: 'titanic' }, rows: [100_000] })).rejects.toThrow(/has rows 1 to 891; there is no row 100001/);
    } finally {
      await store.dispose();
    }

    const file = JSON.parse(readFileSync(path.join(modelDir, EXPLANATIONS_FILE), 'utf8')) as ExplanationsFile;
    expect(file.format).toBe('weir-explanations');
    expect(file.outputs).toEqual(['0', '1']);
    expect(file.sampleRows).toBeGreaterThanOrEqual(50);
    const rawNames = file.global.raw.map((g) => g.name);
    expect(rawNames).toEqual(expect.arrayContaining(['Sex', 'Pclass', 'Age']));
    expect(file.global.engineered.map((g) => g.name)).toEqual(expect.arrayContaining(['Age_missing']));
    // Sex decides Titanic survival more than anything else, whichever model wins.
    expect(rawNames.slice(0, 3)).toContain('Sex');
    // Stored sample: raw values sum to the engineered values row by row, and to the prediction.
    const { raw, engineered } = file.sample;
    expect(raw.shap.length).toBe(file.sampleRowIndex.length);
    for (let i = 0; i < raw.shap.length; i++) {
      const rawSum = raw.shap[i][1].reduce((s, v) => s + v, 0);
      const engSum = engineered.shap[i][1].reduce((s, v) => s + v, 0);
      expect(rawSum).toBeCloseTo(engSum, 4);
      expect(file.base[1] + rawSum).toBeGreaterThanOrEqual(-1e-4);
      expect(file.base[1] + rawSum).toBeLessThanOrEqual(1 + 1e-4);
    }
    // Deterministic: the same model and table give the same bytes (cached and Slurm-run steps compare outputs by hash).
    const again = buildExplanations(loadModel(modelDir).artifact, { table: await readTableFile(titanicCsv) });
    expect(JSON.stringify(again)).toBe(readFileSync(path.join(modelDir, EXPLANATIONS_FILE), 'utf8'));
    // With the experiment's end as a deadline: rows go in interleaved batches; not cut short, the same bytes.
    const artifact = loadModel(modelDir).artifact;
    const titanic = await readTableFile(titanicCsv);
    expect(JSON.stringify(buildExplanations(artifact, { table: titanic }, { deadline: Infinity, batchRows: 7 }))).toBe(JSON.stringify(again));
    // Cut short (a clock that passes the deadline after two batches): the file covers those rows and says so.
    let tick = 0;
    const cut = buildExplanations(artifact, { table: titanic }, { deadline: 3, now: () => ++tick, batchRows: 10 });
    const batches = Math.ceil(again.sampleRows / 10);
    expect(cut.plannedRows).toBe(again.sampleRows);
    expect(cut.sampleRows).toBe(Math.ceil(again.sampleRows / batches) + Math.ceil((again.sampleRows - 1) / batches));
    expect(again.plannedRows).toBeUndefined();
    // Each covered row's values are those of the full sample (rows are explained independently).
    const fullAt = new Map(again.sampleRowIndex.map((row, i) => [row, i]));
    const shared = cut.sampleRowIndex.filter((row) => fullAt.has(row));
    expect(shared.length).toBeGreaterThan(0);
    for (const row of shared) expect(cut.sample.raw.shap[cut.sampleRowIndex.indexOf(row)]).toEqual(again.sample.raw.shap[fullAt.get(row)!]);
    // On two threads (this one and a trial worker from dist/worker.js, claiming batches of 3
    // rows from one counter): the same bytes, whoever explained which rows.
    let report: ThreadsReport | undefined;
    const threaded = await buildExplanationsInThreads(artifact, { table: titanic }, { threads: 2, until: { deadline: Infinity, batchRows: 3 }, parallelMinUnits: 0, report: (r) => (report = r) });
    expect(report).toMatchObject({ threads: 2, batches: Math.ceil(again.sampleRows / 3) });
    console.log(`explanations on 2 threads: the helper thread explained ${report!.helperBatches} of ${report!.batches} batches`);
    expect(JSON.stringify(threaded)).toBe(JSON.stringify(again));
    // Past the deadline before the first row: no file, and the log says it was skipped.
    const late = tempDir('weir-explain-late-');
    const lateLines: string[] = [];
    await explainModelFolder(late, artifact, { table: titanic, runMs: 1, log: (t) => lateLines.push(t), until: { deadline: performance.now() - 1 } });
    expect(existsSync(path.join(late, EXPLANATIONS_FILE))).toBe(false);
    expect(lateLines).toEqual([expect.stringMatching(/^explanations skipped: the experiment timeout was reached before any of the \d+ rows was explained/)]);
    // Cut short through the step's call: the log says how many of the planned rows.
    tick = 0;
    await explainModelFolder(late, artifact, { table: titanic, runMs: 1, log: (t) => lateLines.push(t), until: { deadline: 2, now: () => ++tick, batchRows: 10 } });
    expect(lateLines[1]).toMatch(new RegExp(`^explanations: \\d+ of ${again.sampleRows} planned rows \\(stopped at the experiment timeout\\)`));
    expect((JSON.parse(readFileSync(path.join(late, EXPLANATIONS_FILE), 'utf8')) as ExplanationsFile).plannedRows).toBe(again.sampleRows);
    // The views get it too (they say the sample was cut short).
    expect((await explanationsOf(late))?.plannedRows).toBe(again.sampleRows);
    const sexAt = raw.columns.indexOf('Sex');
    expect(raw.values.map((v) => v[sexAt])).toEqual(expect.arrayContaining(['male', 'female']));

    // The JS API: base + Σ raw values = the predicted probability of each class.
    const model = loadModel(modelDir);
    try {
      const rows = [
        { PassengerId: 1, Pclass: 3, Name: 'A', Sex: 'male', Age: 22, SibSp: 1, Parch: 0, Ticket: 'x', Fare: 7.25, Cabin: null, Embarked: 'S' },
        { PassengerId: 2, Pclass: 1, Name: 'B', Sex: 'female', Age: null, SibSp: 0, Parch: 0, Ticket: 'y', Fare: 71.3, Cabin: 'C85', Embarked: 'C' },
      ];
      const e = model.explain(rows);
      const p = model.predict(rows).probabilities!;
      for (let i = 0; i < 2; i++) {
        for (let k = 0; k < 2; k++) {
          let s = e.base[k];
          for (let r = 0; r < e.rawColumns.length; r++) s += e.raw[(i * 2 + k) * e.rawColumns.length + r];
          expect(s).toBeCloseTo(p[e.outputs[k]][i], 5);
        }
      }
      const sex = e.rawColumns.indexOf('Sex');
      // Being male lowers the survival probability, being female raises it.
      expect(e.raw[(0 * 2 + 1) * e.rawColumns.length + sex]).toBeLessThan(0);
      expect(e.raw[(1 * 2 + 1) * e.rawColumns.length + sex]).toBeGreaterThan(0);
    } finally {
      model.dispose();
    }

    // The CLI: CSV with the positive class by default, JSON with engineered features.
    const csvOut = path.join(ws, 'why.csv');
    const r = spawnSync(process.execPath, [cliBundle, 'model', 'explain', 'Titanic', titanicCsv, '--rows', '5', '--out', csvOut, '--workspace', ws], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(csvOut, 'utf8').trim().split('\n');
    expect(lines.length).toBe(6);
    const header = lines[0].split(',');
    expect(header.slice(0, 4)).toEqual(['row', 'class', 'base_value', 'prediction']);
    expect(header).toContain('Sex');
    for (const line of lines.slice(1)) {
      const cells = line.split(',').map(Number);
      const sum = cells.slice(4).reduce((s, v) => s + v, 0);
      expect(cells[2] + sum).toBeCloseTo(cells[3], 9);
      expect(cells[1]).toBe(1);
    }
    const jsonOut = path.join(ws, 'why.json');
    const j = spawnSync(process.execPath, [cliBundle, 'model', 'explain', 'Titanic:1', titanicCsv, '--rows', '3', '--engineered', '--class', '0', '--out', jsonOut, '--workspace', ws], { encoding: 'utf8' });
    expect(j.status, j.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(jsonOut, 'utf8')) as { rows: { class: string; raw: Record<string, number>; engineered: Record<string, number> }[] };
    expect(doc.rows.length).toBe(3);
    expect(doc.rows[0].class).toBe('0');
    const rawTotal = Object.values(doc.rows[0].raw).reduce((s, v) => s + v, 0);
    const engTotal = Object.values(doc.rows[0].engineered).reduce((s, v) => s + v, 0);
    expect(rawTotal).toBeCloseTo(engTotal, 9);

    const bad = spawnSync(process.execPath, [cliBundle, 'model', 'explain', 'Titanic', titanicCsv, '--out', path.join(ws, 'x.txt'), '--workspace', ws], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/\.csv or \.json/);
    const badClass = spawnSync(process.execPath, [cliBundle, 'model', 'explain', 'Titanic', titanicCsv, '--class', 'maybe', '--out', path.join(ws, 'y.csv'), '--workspace', ws], { encoding: 'utf8' });
    expect(badClass.status).toBe(2);
    expect(badClass.stderr).toMatch(/the model's classes are 0, 1/);
    expect(existsSync(path.join(ws, 'y.csv'))).toBe(false);
  }, 240_000);
});

describe('the explanation sample size', () => {
  it('follows the model: up to 2,000 rows when cheap, 50 when affordable, never fewer than 10', () => {
    expect(plannedExplainRows(891, 100)).toBe(891);
    expect(plannedExplainRows(100_000, 100)).toBe(2_000);
    expect(plannedExplainRows(100_000, 1e6)).toBe(200);
    expect(plannedExplainRows(100_000, 5e6)).toBe(50);
    // 50 rows of a bagged deep forest would cost more than 4·10⁸ units: as many as that allows.
    expect(plannedExplainRows(100_000, 1.1e7)).toBe(36);
    expect(plannedExplainRows(100_000, 7e7)).toBe(10);
    expect(plannedExplainRows(5, 7e7)).toBe(5);
  });
});
