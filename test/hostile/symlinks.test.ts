import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { expectUserError, outsideState, sandbox, weir, write } from './helpers';

/** Issue 11 item 4: the store never leaves the workspace. */

describe('store folders that are symbolic links', () => {
  for (const folder of ['tmp', 'artifacts', 'runs']) {
    test(`.weir/${folder} linked to another folder: refused, and nothing there is deleted`, () => {
      const box = sandbox();
      expect(weir(box.ws, ['runs']).code).toBe(0);
      const victim = path.join(box.outside, 'victim');
      mkdirSync(victim);
      // Names like the store's own temp files, of a pid that is surely dead.
      writeFileSync(path.join(victim, 'ingest-4194999-0123456789ab'), 'not yours\n');
      mkdirSync(path.join(victim, 'aa'));
      const real = path.join(box.ws, '.weir', folder);
      rmSync(real, { recursive: true });
      symlinkSync(victim, real);
      const before = outsideState(box);
      for (const args of [['runs'], ['gc', '--min-age', '0'], ['dataset', 'list']]) {
        const r = weir(box.ws, args);
        expectUserError(r, new RegExp(`^error: .*\\.weir/${folder}: is a symbolic link; the store's folders must be real folders`));
      }
      expect(outsideState(box)).toEqual(before);
      expect(lstatSync(real).isSymbolicLink()).toBe(true);
    });
  }

  test('cleanup on open deletes only temp files it could have made', () => {
    const box = sandbox();
    expect(weir(box.ws, ['runs']).code).toBe(0);
    const tmp = path.join(box.ws, '.weir', 'tmp');
    writeFileSync(path.join(tmp, 'ingest-4194999-0123456789ab'), 'a dead process left this\n');
    writeFileSync(path.join(tmp, 'notes-4194999-by-hand.txt'), 'someone put this here\n');
    expect(weir(box.ws, ['runs']).code).toBe(0);
    expect(readdirSync(tmp)).toEqual(['notes-4194999-by-hand.txt']);
  });
});

describe('run download of links', () => {
  test('an artifact stored with a relative link (older stores) downloads as the file it points at', () => {
    const box = sandbox();
    write(box.ws, {
      'p.pipeline.yaml': 'steps:\n  s:\n    script: mkdir -p ${{ outputs.o }}/sub && echo x > ${{ outputs.o }}/sub/a\n    outputs: { o: dir }\noutputs: { o: "${{ steps.s.outputs.o }}" }\n',
    });
    expect(weir(box.ws, ['run', 'p.pipeline.yaml']).code).toBe(0);
    const run = JSON.parse(weir(box.ws, ['run', 'show', 'latest', '--json']).out) as { outputs: { o: { path: string } } };
    // Make it look like an artifact from before links were copied: sub/b -> a.
    const stored = path.join(box.ws, run.outputs.o.path);
    symlinkSync('a', path.join(stored, 'sub', 'b'));
    const to = path.join(box.ws, 'got');
    expect(weir(box.ws, ['run', 'download', 'latest', 'o', '--to', to]).code).toBe(0);
    const b = path.join(to, 'o', 'sub', 'b');
    expect(lstatSync(b).isFile()).toBe(true);
    expect(readFileSync(b, 'utf8')).toBe('x\n');
  });
});
