import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../engine/src/cli/main';
import type { CliIO } from '../../engine/src/cli/command';
import { cliBundle, titanicCsv, tempDir } from '../helpers/paths';
import { titanicModelWorkspace } from './trainedModel';

/** `weir model serve` and `weir model predict` as a user runs them, with NAME@ALIAS. */
let ws = '';

async function weir(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = {
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
    json: (v) => (out += `${JSON.stringify(v)}\n`),
    isTTY: false,
    signal: new AbortController().signal,
  };
  const code = await main([...argv, '--workspace', ws], io);
  return { code, out, err };
}

beforeAll(async () => {
  ws = await titanicModelWorkspace();
  expect((await weir('model', 'alias', 'set', 'Titanic', 'champion', '2')).code).toBe(0);
}, 120_000);

describe('weir model serve and predict with an alias', () => {
  it('predict scores with NAME@ALIAS', async () => {
    const out = path.join(tempDir(), 'p.csv');
    const r = await weir('model', 'predict', 'Titanic@champion', titanicCsv, '--out', out, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ model: 'Titanic', version: 2, rows: 891 });
    expect(fs.readFileSync(out, 'utf8').split('\n')[0]).toMatch(/,prediction,probability_0,probability_1$/);
  });

  it('serves NAME@ALIAS from the CLI, prints its URL, answers, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [cliBundle, 'model', 'serve', 'Titanic@champion', '--port', '0', '--workspace', ws], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!/Listening on (http:\/\/\S+)/.test(out)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start: ${out}${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).toMatch(/^Serving Titanic@champion → Titanic:2 \(/);
      const url = /Listening on (http:\/\/\S+)/.exec(out)![1]!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const version = (await (await fetch(`${url}/version`)).json()) as Record<string, unknown>;
      expect(version).toMatchObject({ model: 'Titanic', version: 2, alias: 'champion' });
      const res = await fetch(`${url}/invocations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ dataframe_records: [{ Pclass: 3, Sex: 'male', Age: 22, SibSp: 1, Parch: 0, Fare: 7.25, Embarked: 'S' }, { Pclass: 1, Sex: 'female', Age: 38, SibSp: 1, Parch: 0, Fare: 71.28, Embarked: 'C' }] }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { predictions: number[] };
      expect(body.predictions).toHaveLength(2);
      await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/POST \/invocations 200 \S+ms 2 rows/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('Stopped.');
    expect(err).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('exits 2 for an unknown alias or a bad port, before listening', async () => {
    const unknown = await weir('model', 'serve', 'Titanic@nope', '--port', '0');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/model 'Titanic' has no alias 'nope' \(aliases: champion → 2\)/);
    const port = await weir('model', 'serve', 'Titanic', '--port', '99999');
    expect(port.code).toBe(2);
    expect(port.err).toMatch(/--port must be a whole number from 0 to 65535/);
  });
});
