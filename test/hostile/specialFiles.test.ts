import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { expectUserError, sandbox, treeHashes, unchanged, weir, write } from './helpers';

/** Issue 11 item 7: devices, FIFOs and sockets are refused as inputs, promptly and clearly. */

describe('special files as inputs', () => {
  test('`weir model register M /dev/zero` is refused at once, exit 2', () => {
    const box = sandbox();
    weir(box.ws, ['runs']);
    const same = unchanged(box);
    const r = weir(box.ws, ['model', 'register', 'M', '/dev/zero'], { timeoutMs: 20_000 });
    expectUserError(r, /^error: \/dev\/zero: is a character device/);
    same();
  });

  test('`weir dataset register D /dev/zero` is refused at once, exit 2', () => {
    const box = sandbox();
    weir(box.ws, ['runs']);
    const same = unchanged(box);
    const r = weir(box.ws, ['dataset', 'register', 'D', '/dev/zero'], { timeoutMs: 20_000 });
    expectUserError(r, /^error: \/dev\/zero: is a character device/);
    same();
  });

  test('`weir validate` on a FIFO does not block, exit 2', () => {
    const box = sandbox();
    expect(spawnSync('mkfifo', [path.join(box.ws, 'f.pipeline.yaml')]).status).toBe(0);
    const same = unchanged(box);
    const r = weir(box.ws, ['validate', 'f.pipeline.yaml'], { timeoutMs: 20_000 });
    expectUserError(r, /^error: f\.pipeline\.yaml: is a FIFO \(named pipe\), not a regular file/);
    same();
  });

  test('a `file:` input that is a FIFO fails before the run is created, exit 2', () => {
    const box = sandbox();
    expect(spawnSync('mkfifo', [path.join(box.ws, 'data.csv')]).status).toBe(0);
    write(box.ws, { 'p.pipeline.yaml': 'inputs: { d: "file:data.csv" }\nsteps:\n  s:\n    script: cat ${{ inputs.d }}\n' });
    weir(box.ws, ['runs']);
    const r = weir(box.ws, ['run', 'p.pipeline.yaml'], { timeoutMs: 30_000 });
    // The snapshot is taken when the step needs it, so the run exists and fails with the reason.
    expect(r.code).toBe(1);
    expect(r.out + r.err).toMatch(/data\.csv: is a FIFO \(named pipe\)/);
  });
});

describe('symbolic links in step outputs (item 4)', () => {
  test('a link to a file is stored as a copy of the file; a link to a folder is refused', () => {
    const box = sandbox();
    writeFileSync(path.join(box.outside, 'secret.txt'), 'outside\n');
    mkdirSync(path.join(box.outside, 'dir'));
    write(box.ws, {
      'p.pipeline.yaml': [
        'steps:',
        '  filelink:',
        `    script: mkdir -p \${{ outputs.o }} && echo in > \${{ outputs.o }}/a && ln -s ${path.join(box.outside, 'secret.txt')} \${{ outputs.o }}/b`,
        '    outputs: { o: dir }',
        '  dirlink:',
        `    script: mkdir -p \${{ outputs.o }} && ln -s ${path.join(box.outside, 'dir')} \${{ outputs.o }}/d`,
        '    outputs: { o: dir }',
        '',
      ].join('\n'),
    });
    const outsideBefore = treeHashes(box.outside);
    const r = weir(box.ws, ['run', 'p.pipeline.yaml']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/dirlink .*Failed.*is a symbolic link to a folder/);
    const links = spawnSync('find', [path.join(box.ws, '.weir', 'artifacts'), '-type', 'l'], { encoding: 'utf8' }).stdout;
    expect(links).toBe('');
    const copied = spawnSync('find', [path.join(box.ws, '.weir', 'artifacts'), '-name', 'b', '-type', 'f'], { encoding: 'utf8' }).stdout.trim();
    expect(copied).not.toBe('');
    expect(treeHashes(box.outside)).toEqual(outsideBefore);
  });
});
