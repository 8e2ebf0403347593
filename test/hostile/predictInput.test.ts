import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadModel } from '../../engine/src/automl/model/loadModel';
import { decodeJsonRequest, ScoringInputError } from '../../engine/src/serve/scoringInput';
import { openWorkspace } from '../../engine/src/store/workspace';
import { titanicCsv } from '../helpers/paths';
import { titanicModelWorkspace } from '../serve/trainedModel';
import { expectUserError, sandbox, unchanged, weir, type Sandbox } from './helpers';

/**
 * The stack-trace list's model cases: a model.json with `classes: []` and text in a numeric
 * column at predict time are clear errors (exit 2) naming the file, the column, the row and
 * the value, never predictions made of nothing or of silently missing values; the scoring
 * server reads the same cell with the same words.
 */

let box: Sandbox;
let modelDir = '';

beforeAll(async () => {
  box = sandbox();
  cpSync(await titanicModelWorkspace(), box.ws, { recursive: true });
  const store = await openWorkspace(box.ws);
  try {
    modelDir = store.artifactPath((await store.resolveModel({ name: 'Titanic' })).artifact);
  } finally {
    await store.dispose();
  }
}, 180_000);

/** A registered copy of the model whose model.json is changed by `edit`. */
function registeredCopy(name: string, edit: (model: Record<string, unknown>) => void): string {
  const dir = path.join(box.ws, name);
  cpSync(modelDir, dir, { recursive: true });
  const file = path.join(dir, 'model.json');
  const model = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(model);
  writeFileSync(file, JSON.stringify(model));
  const r = weir(box.ws, ['model', 'register', name, dir]);
  expect(r.code, r.err).toBe(0);
  return file;
}

describe('a model.json with `classes: []`', () => {
  test('predict, serve and loadModel refuse it naming the file, exit 2, nothing written', () => {
    registeredCopy('NoClasses', (m) => (m.classes = []));
    const out = path.join(box.ws, 'p.csv');
    const same = unchanged(box);
    const reason = /model\.json: not a model Weir can load: a classification model needs at least two `classes`, this one has 0$/;
    const predict = weir(box.ws, ['model', 'predict', 'NoClasses', titanicCsv, '--out', out]);
    expectUserError(predict, /^error: .*\.weir\/artifacts\/.*model\.json: not a model Weir can load/);
    expect(predict.first).toMatch(reason);
    const serve = weir(box.ws, ['model', 'serve', 'NoClasses', '--port', '0'], { timeoutMs: 30_000 });
    expectUserError(serve, reason);
    expect(existsSync(out)).toBe(false);
    same();
    // The JS API says the same.
    const file = path.join(box.ws, 'NoClasses', 'model.json');
    expect(() => loadModel(file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a model Weir can load: a classification model needs at least two`));
  });

  test('one class, duplicate classes, a featurizer that is not one: the same kind of error', () => {
    const cases: [string, (m: Record<string, unknown>) => void, RegExp][] = [
      ['OneClass', (m) => (m.classes = ['0']), /this one has 1$/],
      ['TwiceClass', (m) => (m.classes = ['0', '0']), /`classes` lists a class twice/],
      ['NoFeaturizer', (m) => (m.featurizer = { inputSchema: 'x' }), /`featurizer` must be an object with `inputSchema` and `columns` lists/],
    ];
    for (const [name, edit, reason] of cases) {
      registeredCopy(name, edit);
      const same = unchanged(box);
      const r = weir(box.ws, ['model', 'predict', name, titanicCsv, '--out', path.join(box.ws, 'q.csv')]);
      expectUserError(r, reason);
      expect(r.first).toMatch(/model\.json: not a model Weir can load: /);
      same();
    }
  });
});

describe('text in a numeric column at predict', () => {
  /** The Titanic CSV with the Age of data row `row` (0-based) replaced by `value`. */
  function titanicWithAge(name: string, row: number, value: string): string {
    const lines = readFileSync(titanicCsv, 'utf8').split('\n');
    const cells = lines[row + 1]!.split(',');
    // Name holds one comma inside quotes, so Age is the 7th field of the split line.
    cells[6] = value;
    lines[row + 1] = cells.join(',');
    const file = path.join(box.ws, name);
    writeFileSync(file, lines.join('\n'));
    return file;
  }

  test('`weir model predict` names the file, the column, the row and the value, exit 2, no output', () => {
    titanicWithAge('bad-age.csv', 4, 'thirty');
    const out = path.join(box.ws, 'bad-age-predictions.csv');
    const same = unchanged(box);
    const r = weir(box.ws, ['model', 'predict', 'Titanic', 'bad-age.csv', '--out', out]);
    expectUserError(r, /^error: bad-age\.csv: column 'Age' expects a number \(DOUBLE\); row 4 has "thirty"$/);
    expect(existsSync(out)).toBe(false);
    same();
  });

  test('empty cells and NA are missing values, as in training, and score', () => {
    titanicWithAge('na-age.csv', 4, 'NA');
    const out = path.join(box.ws, 'na-age-predictions.csv');
    const r = weir(box.ws, ['model', 'predict', 'Titanic', 'na-age.csv', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n').length).toBe(893);
  });

  test('loadModel().predict and the scoring server report the same cell in the same words', () => {
    const model = loadModel(modelDir);
    try {
      const row = { Pclass: 3, Sex: 'male', Age: 'thirty', SibSp: 0, Parch: 0, Fare: 7.25, Embarked: 'S', PassengerId: 1, Name: 'x', Ticket: 't', Cabin: null };
      let fromApi = '';
      try {
        model.predict([row]);
      } catch (e) {
        fromApi = (e as Error).message;
      }
      expect(fromApi).toBe(`column 'Age' expects a number (DOUBLE); row 0 has "thirty"`);
      let fromServer = '';
      try {
        decodeJsonRequest(JSON.stringify({ dataframe_records: [row] }), model.inputSchema);
      } catch (e) {
        expect(e).toBeInstanceOf(ScoringInputError);
        fromServer = (e as Error).message;
      }
      expect(fromServer).toBe(fromApi);
      // A number given as text is a number.
      expect(model.predict([{ ...row, Age: ' 30 ' }]).rows).toBe(1);
    } finally {
      model.dispose();
    }
  });
});
