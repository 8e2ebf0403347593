import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../engine/src/cli/main';
import type { CliIO } from '../../engine/src/cli/command';
import { openWorkspace } from '../../engine/src/store/workspace';
import type { ModelAliasEvent } from '../../engine/src/store/records';
import { parseModelRef } from '../../engine/src/store/versionedRegistry';
import { parsePipelineText } from '../../engine/src/pipeline';
import { checkPipeline } from '../../engine/src/pipeline/check';
import { snapshotPipelineInput } from '../../engine/src/scheduler/pipelineInputs';
import { repoRoot, tempDir } from '../helpers/paths';

/** Model aliases: the CLI, references with @ALIAS, and the history under kill -9. */
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

/** A workspace with model `Model` at versions 1–3 (distinct one-line files). */
async function workspaceWithModel(): Promise<string> {
  const ws = tempDir('weir-alias-');
  const store = await openWorkspace(ws);
  try {
    for (let v = 1; v <= 3; v++) {
      const file = path.join(ws, `m${v}.txt`);
      fs.writeFileSync(file, `model ${v}\n`);
      await store.registerModel('Model', file, { framework: 'file' });
    }
  } finally {
    await store.dispose();
  }
  return ws;
}

describe('weir model alias', () => {
  it('sets, moves and deletes an alias, and show prints it with its history', async () => {
    const ws = await workspaceWithModel();
    expect((await weir(ws, 'model', 'alias', 'set', 'Model', 'champion', '1')).out).toBe('Model@champion → 1\n');
    expect((await weir(ws, 'model', 'alias', 'set', 'Model', 'champion', '3')).out).toBe('Model@champion → 3 (was 1)\n');
    expect((await weir(ws, 'model', 'alias', 'set', 'Model', 'staging', '2')).code).toBe(0);

    const show = await weir(ws, 'model', 'show', 'Model@champion');
    expect(show.code).toBe(0);
    expect(show.out.split('\n')[0]).toBe('Model:3');
    expect(show.out).toContain('aliases    @champion → 3, @staging → 2');
    expect(show.out).toMatch(/\n3 +\S+ \S+ +@champion/);
    expect(show.out).toMatch(/@champion +moved 1 → 3 +\d{4}-/);

    const json = JSON.parse((await weir(ws, 'model', 'show', 'Model:1', '--json')).out);
    expect(json.version).toBe(1);
    expect(json.aliases.map((a: { alias: string; version: number }) => [a.alias, a.version])).toEqual([['champion', 3], ['staging', 2]]);
    const history = json.aliasHistory as ModelAliasEvent[];
    expect(history.map((e) => [e.alias, e.action, e.from, e.to])).toEqual([
      ['champion', 'set', undefined, 1],
      ['champion', 'set', 1, 3],
      ['staging', 'set', undefined, 2],
    ]);
    for (const e of history) {
      expect(e.by.length).toBeGreaterThan(0);
      expect(Number.isNaN(Date.parse(e.at))).toBe(false);
    }
    expect(json.versions.find((v: { version: number }) => v.version === 3).aliases).toEqual(['champion']);

    expect((await weir(ws, 'model', 'alias', 'delete', 'Model', 'staging')).out).toBe('Deleted Model@staging (was 2)\n');
    const list = JSON.parse((await weir(ws, 'model', 'alias', 'list', 'Model', '--json')).out);
    expect(list.map((a: { alias: string }) => a.alias)).toEqual(['champion']);
    const after = JSON.parse((await weir(ws, 'model', 'show', 'Model', '--json')).out).aliasHistory as ModelAliasEvent[];
    expect(after.at(-1)).toMatchObject({ alias: 'staging', action: 'delete', from: 2 });
  });

  it('exits 2 with a clear message for bad names, unknown versions, models and aliases', async () => {
    const ws = await workspaceWithModel();
    const cases: [string[], RegExp][] = [
      [['model', 'alias', 'set', 'Model', 'champion', '9'], /model 'Model' has no version 9; versions: 1, 2, 3/],
      [['model', 'alias', 'set', 'Model', 'champion', 'two'], /expected a version number for model 'Model', got 'two'/],
      [['model', 'alias', 'set', 'Model', '1st', '1'], /invalid alias '1st'/],
      [['model', 'alias', 'set', 'Model', 'latest', '1'], /invalid alias 'latest'/],
      [['model', 'alias', 'set', 'Model', 'a/b', '1'], /invalid alias 'a\/b'/],
      [['model', 'alias', 'set', 'No/pe', 'champion', '1'], /invalid model name 'No\/pe'/],
      [['model', 'alias', 'set', 'Nope', 'champion', '1'], /no model 'Nope' \(models: Model\)/],
      [['model', 'alias', 'delete', 'Model', 'champion'], /model 'Model' has no alias 'champion' \(it has no aliases\)/],
      [['model', 'show', 'Model@champion'], /model 'Model' has no alias 'champion'/],
      [['model', 'predict', 'Model@champion', 'x.csv', '--out', 'y.csv'], /model 'Model' has no alias 'champion'/],
    ];
    for (const [argv, message] of cases) {
      const r = await weir(ws, ...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    // Nothing was written by the failed commands.
    expect(fs.existsSync(path.join(ws, '.weir', 'models', 'Model', 'aliases.jsonl'))).toBe(false);
  });

  it('says so when an alias points at a deleted version', async () => {
    const ws = await workspaceWithModel();
    await weir(ws, 'model', 'alias', 'set', 'Model', 'champion', '2');
    await weir(ws, 'model', 'delete', 'Model:2');
    const r = await weir(ws, 'model', 'show', 'Model@champion');
    expect(r.code).toBe(2);
    expect(r.err).toContain("alias 'champion' of model 'Model' points at version 2, which was deleted");
    expect((await weir(ws, 'model', 'alias', 'list', 'Model')).out).toMatch(/@champion +2 \(deleted\)/);
  });

  it('parses NAME, NAME:VERSION and NAME@ALIAS', () => {
    expect(parseModelRef('Model')).toEqual({ name: 'Model', version: undefined });
    expect(parseModelRef('Model:4')).toEqual({ name: 'Model', version: 4 });
    expect(parseModelRef('Model@champion')).toEqual({ name: 'Model', alias: 'champion' });
    expect(() => parseModelRef('Model@')).toThrow(/invalid alias ''/);
    expect(() => parseModelRef('Model:2@x')).toThrow(/invalid model name 'Model:2'/);
  });

  it('resolves model:NAME@ALIAS in a pipeline input, and the check reports an unknown alias', async () => {
    const ws = await workspaceWithModel();
    const store = await openWorkspace(ws);
    try {
      await store.setModelAlias('Model', 'champion', 2);
      const text = (input: string) => `name: p\ninputs:\n  m: ${input}\nsteps:\n  s:\n    script: run.sh\n    inputs: { m: \${{ inputs.m }} }\n`;
      const parsed = parsePipelineText(text('model:Model@champion'), path.join(ws, 'p.pipeline.yaml'));
      expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(parsed.spec!.inputs.m!.source).toEqual({ type: 'model', name: 'Model', alias: 'champion' });
      expect(await checkPipeline(parsed, { store, pipelineDir: ws, inferSchemas: false })).toEqual([]);
      const resolved = await snapshotPipelineInput(store, parsed.spec!, 'm');
      expect(resolved.model).toEqual({ name: 'Model', version: 2 });
      expect(fs.readFileSync(resolved.path, 'utf8')).toBe('model 2\n');

      const bad = parsePipelineText(text('model:Model@nope'), path.join(ws, 'p.pipeline.yaml'));
      const diagnostics = await checkPipeline(bad, { store, pipelineDir: ws, inferSchemas: false });
      expect(diagnostics.map((d) => [d.code, d.message])).toEqual([['unknown-model-alias', "model 'Model' has no alias 'nope' (aliases: champion → 2)"]]);
      const malformed = parsePipelineText(text('model:Model@1x'), path.join(ws, 'p.pipeline.yaml'));
      expect(malformed.diagnostics.some((d) => d.severity === 'error' && /model:NAME\[:VERSION\|@ALIAS\]/.test(d.message))).toBe(true);
    } finally {
      await store.dispose();
    }
  });

  it('restores a history line the writer did not get to append, and skips a torn line', async () => {
    const ws = await workspaceWithModel();
    const store = await openWorkspace(ws);
    try {
      await store.setModelAlias('Model', 'champion', 1);
      const history = path.join(ws, '.weir', 'models', 'Model', 'aliases.jsonl');
      // A writer killed after renaming the alias file but before (or while) appending its line.
      const moved = { id: 'crash-1', alias: 'champion', action: 'set', from: 1, to: 3, at: new Date().toISOString(), by: 'someone' };
      fs.writeFileSync(path.join(ws, '.weir', 'models', 'Model', 'aliases', 'champion.json'), JSON.stringify(moved));
      fs.appendFileSync(history, JSON.stringify(moved).slice(0, 40));
      expect((await store.resolveModel({ name: 'Model', alias: 'champion' })).version).toBe(3);
      const events = await store.modelAliasHistory('Model');
      expect(events.map((e) => [e.from, e.to])).toEqual([[undefined, 1], [1, 3]]);
      // Repaired once: the line is now in the file, after the torn fragment.
      const lines = fs.readFileSync(history, 'utf8').split('\n').filter(Boolean);
      expect(lines).toHaveLength(3);
      expect(JSON.parse(lines[2]!).id).toBe('crash-1');
      expect((await store.modelAliasHistory('Model')).length).toBe(2);
      await store.setModelAlias('Model', 'champion', 2);
      expect((await store.modelAliasHistory('Model')).map((e) => e.to)).toEqual([1, 3, 2]);
    } finally {
      await store.dispose();
    }
  });
});

describe('alias history under kill -9', () => {
  let worker = '';
  beforeAll(async () => {
    worker = path.join(repoRoot, 'node_modules', '.cache', 'weir-test', `aliasWorker-${process.pid}.js`);
    await build({ entryPoints: [path.join(__dirname, 'fixtures', 'aliasWorker.ts')], outfile: worker, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning', external: ['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-*'] });
  });
  afterAll(() => fs.rmSync(worker, { force: true }));

  it('keeps aliases and their history readable and consistent when the writer is killed mid-write', async () => {
    const ws = await workspaceWithModel();
    let totalSets = 0;
    for (let round = 0; round < 6; round++) {
      const child = spawn(process.execPath, [worker, ws], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      // Wait for some changes, then kill at a random instant within the next few.
      const target = 5 + Math.floor(Math.random() * 20);
      while ((stdout.match(/^set /gm) ?? []).length < target) {
        if (child.exitCode !== null) throw new Error(`worker exited: ${stderr}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, Math.random() * 15));
      child.kill('SIGKILL');
      await exited;
      totalSets += (stdout.match(/^set /gm) ?? []).length;

      const store = await openWorkspace(ws);
      try {
        const history = await store.modelAliasHistory('Model');
        const aliases = await store.listModelAliases('Model');
        // Every alias points at an existing version, and that version is the `to` of its last change.
        for (const a of aliases) {
          expect([1, 2, 3]).toContain(a.version);
          expect(a.dangling).toBeUndefined();
          const last = history.filter((e) => e.alias === a.alias).at(-1)!;
          expect(last).toMatchObject({ action: 'set', to: a.version });
          expect((await store.resolveModel({ name: 'Model', alias: a.alias })).version).toBe(a.version);
        }
        // An alias without a current file state of `set` ends its history with a delete (or has none).
        for (const alias of ['champion', 'staging']) {
          const last = history.filter((e) => e.alias === alias).at(-1);
          if (!aliases.some((a) => a.alias === alias)) expect(last === undefined || last.action === 'delete').toBe(true);
        }
        // The history is a chain: each change starts where the previous change of that alias ended.
        for (const alias of ['champion', 'staging']) {
          let current: number | undefined;
          for (const e of history.filter((x) => x.alias === alias)) {
            expect(e.from).toBe(current);
            current = e.action === 'set' ? e.to : undefined;
          }
        }
        // No change was lost: at least every change the child reported is in the history.
        expect(history.length).toBeGreaterThanOrEqual(totalSets);
        // Every complete line parses; at most a torn fragment without its newline is skipped.
        const text = fs.readFileSync(path.join(ws, '.weir', 'models', 'Model', 'aliases.jsonl'), 'utf8');
        const unparsable = text.split('\n').filter((l) => l.length > 0).filter((l) => {
          try {
            JSON.parse(l);
            return false;
          } catch {
            return true;
          }
        });
        expect(unparsable.length).toBeLessThanOrEqual(round + 1);
      } finally {
        await store.dispose();
      }
    }
  }, 120_000);
});
