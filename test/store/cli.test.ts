import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../engine/src/cli/main';
import type { CliIO } from '../../engine/src/cli/command';
import { titanicCsv, tempDir } from '../helpers/paths';

/** The dataset and model commands through the real CLI router, in process. */
async function weir(workspace: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = {
    out: (t) => (out += t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => (err += t.endsWith('\n') ? t : `${t}\n`),
    json: (v) => (out += `${JSON.stringify(v, null, 2)}\n`),
    isTTY: false,
    signal: new AbortController().signal,
  };
  const code = await main([...argv, '--workspace', workspace], io);
  return { code, out, err };
}

const titanic = titanicCsv;

describe('weir dataset', () => {
  it('registers, says when nothing changed, lists, shows, previews and deletes', async () => {
    const ws = tempDir();
    const reg = await weir(ws, 'dataset', 'register', 'titanic_ds', titanic, '--description', 'the article');
    expect(reg.code).toBe(0);
    expect(reg.out).toMatch(/^Registered titanic_ds:1 {2}891 rows × 12 columns {2}sha256 [0-9a-f]{12}\n$/);
    expect(reg.err).toContain(`reading ${titanic}`);
    const again = await weir(ws, 'dataset', 'register', 'titanic_ds', titanic);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^Unchanged: the content equals titanic_ds:1 .*no new version was made\.\n$/);

    const list = await weir(ws, 'dataset', 'list');
    expect(list.out.split('\n')[0]).toBe('NAME        VERSION  ROWS  COLUMNS  CREATED              DESCRIPTION');
    expect(list.out.split('\n')[1]).toMatch(/^titanic_ds {2}1 {8}891 {3}12 {7}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}the article$/);
    const listJson = JSON.parse((await weir(ws, 'dataset', 'list', '--json')).out);
    expect(listJson).toHaveLength(1);
    expect(listJson[0]).toMatchObject({ name: 'titanic_ds', version: 1, rows: 891 });

    const show = await weir(ws, 'dataset', 'show', 'titanic_ds:1');
    expect(show.out).toContain('Age          DOUBLE');
    expect(JSON.parse((await weir(ws, 'dataset', 'show', 'titanic_ds', '--json')).out).versions).toHaveLength(1);

    const preview = await weir(ws, 'dataset', 'preview', 'titanic_ds', '--rows', '2');
    expect(preview.out.split('\n')[0]).toMatch(/^PassengerId {2}Survived/);
    expect(preview.out).toContain('(2 of 891 rows of titanic_ds:1)');
    const previewJson = JSON.parse((await weir(ws, 'dataset', 'preview', 'titanic_ds', '--rows', '1', '--json')).out);
    expect(previewJson.rows[0][3]).toBe('Braund, Mr. Owen Harris');

    const del = await weir(ws, 'dataset', 'delete', 'titanic_ds:1');
    expect(del.out).toBe('Deleted titanic_ds:1\n');
    // A deleted version's number is not reused.
    const reg2 = await weir(ws, 'dataset', 'register', 'titanic_ds', titanic);
    expect(reg2.out).toContain('Registered titanic_ds:2');
  });

  it('exits 2 naming what exists for an unknown dataset or version', async () => {
    const ws = tempDir();
    await weir(ws, 'dataset', 'register', 'titanic_ds', titanic);
    const unknownVersion = await weir(ws, 'dataset', 'show', 'titanic_ds:9');
    expect(unknownVersion.code).toBe(2);
    expect(unknownVersion.err).toBe("error: dataset 'titanic_ds' has no version 9; versions: 1\n");
    const unknownName = await weir(ws, 'dataset', 'preview', 'titanic');
    expect(unknownName.code).toBe(2);
    expect(unknownName.err).toContain("no dataset 'titanic' (datasets: titanic_ds)");
  });

  it('exits 2 on bad input and leaves the store as it was', async () => {
    const ws = tempDir();
    const ragged = path.join(ws, 'ragged.csv');
    fs.writeFileSync(ragged, 'a,b\n1,2\n3\n');
    const r = await weir(ws, 'dataset', 'register', 'd', ragged);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${ragged}:3:1: row has 1 field, the header has 2`);
    const empty = path.join(ws, 'empty.csv');
    fs.writeFileSync(empty, '');
    expect((await weir(ws, 'dataset', 'register', 'd', empty)).err).toContain(`${empty}: the file is empty`);
    expect((await weir(ws, 'dataset', 'register', 'bad name!', titanic)).code).toBe(2);
    expect((await weir(ws, 'dataset', 'register', 'd')).code).toBe(2);
    expect(JSON.parse((await weir(ws, 'dataset', 'list', '--json')).out)).toEqual([]);
    expect(fs.readdirSync(path.join(ws, '.weir', 'artifacts'))).toEqual([]);
    expect(fs.readdirSync(path.join(ws, '.weir', 'tmp'))).toEqual([]);
  });
});

describe('weir model', () => {
  it('registers versions with tags, lists, shows and deletes', async () => {
    const ws = tempDir();
    const file = path.join(ws, 'model.json');
    fs.writeFileSync(file, '{"learner": {}}');
    const r1 = await weir(ws, 'model', 'register', 'TitanicSurvival', file, '--tag', 'stage=dev', '--tag', 'owner=me');
    expect(r1.code).toBe(0);
    expect(r1.out).toMatch(/^Registered TitanicSurvival:1 {2}\.weir\/artifacts\/[0-9a-f]{2}\/[0-9a-f]{64}\/model\.json\n$/);
    await weir(ws, 'model', 'register', 'TitanicSurvival', file);
    const list = await weir(ws, 'model', 'list');
    expect(list.out.split('\n')[1]).toMatch(/^TitanicSurvival {2}2 {8}file/);
    const show = JSON.parse((await weir(ws, 'model', 'show', 'TitanicSurvival:1', '--json')).out);
    expect(show.tags).toEqual({ stage: 'dev', owner: 'me' });
    expect(show.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect((await weir(ws, 'model', 'show', 'TitanicSurvival:1')).out).toContain('tags       stage=dev owner=me');
    expect((await weir(ws, 'model', 'register', 'X', file, '--tag', 'novalue')).code).toBe(2);
    expect((await weir(ws, 'model', 'register', 'X', path.join(ws, 'missing.json'))).code).toBe(2);
    const missing = await weir(ws, 'model', 'show', 'Nope');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("no model 'Nope' (models: TitanicSurvival)");
    expect((await weir(ws, 'model', 'delete', 'TitanicSurvival')).out).toBe('Deleted TitanicSurvival:1, TitanicSurvival:2\n');
    expect((await weir(ws, 'model', 'list')).out).toContain('No models yet');
  });
});
