import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { cliBundle, tempDir } from '../helpers/paths';

/**
 * Shared pieces of the hostile-input tests: a workspace inside a sandbox folder whose other
 * contents stand for "the file system outside the workspace", the bundled CLI as a user runs
 * it, a hash of every store record, and a look for processes that outlived a run.
 */

export interface Sandbox {
  /** The folder that holds the workspace and everything "outside" it. */
  root: string;
  /** The workspace (`--workspace`, the pipeline files' folder). */
  ws: string;
  /** A folder outside the workspace that hostile input tries to write into. */
  outside: string;
}

/** A fresh sandbox; `name` may hold spaces to exercise quoting of paths. */
export function sandbox(name = 'ws'): Sandbox {
  const root = tempDir('weir-hostile-');
  const ws = path.join(root, name);
  const outside = path.join(root, 'outside');
  mkdirSync(ws);
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'keep.txt'), 'a file that must stay as it is\n');
  return { root, ws, outside };
}

export function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
  /** The first line of stderr. */
  first: string;
}

/** Runs the bundled CLI to the end (with a timeout, so a hang fails the test instead of stalling it). */
export function weir(cwd: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [cliBundle, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    input: options.input,
    env: { ...process.env, WEIR_CLI_MAIN: '1', ...options.env },
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, first: r.stderr.split('\n')[0] ?? '' };
}

/** Starts the bundled CLI and returns a handle to wait for it or watch its output. */
export function startWeir(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [cliBundle, ...args], { cwd, env: { ...process.env, WEIR_CLI_MAIN: '1', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  return { child, exited, output: () => out, errors: () => err };
}

export async function waitFor(check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 30));
  }
}

/** Every file below `dir` (relative path → sha256 of its bytes), skipping `skip` (relative paths). */
export function treeHashes(dir: string, skip: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (skip.some((s) => rel === s || rel.startsWith(`${s}${path.sep}`))) continue;
      if (e.isDirectory()) walk(p);
      else if (e.isSymbolicLink()) out[rel] = `link:${readlinkSafe(p)}`;
      else if (e.isFile()) out[rel] = createHash('sha256').update(readFileSync(p)).digest('hex');
      else out[rel] = 'special';
    }
  };
  walk(dir);
  return out;
}

function readlinkSafe(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return '?';
  }
}

/**
 * One hash over every record file of the store (runs, datasets, models, the run index, the
 * reuse index, artifacts): equal before and after means the store is as it was. Scratch
 * space (`tmp/`) and the change journal (`events/`, notifications only) do not count.
 */
export function storeHash(ws: string): string {
  const files = treeHashes(path.join(ws, '.weir'), ['tmp', 'events']);
  return createHash('sha256').update(JSON.stringify(Object.entries(files).sort())).digest('hex');
}

/** Everything in the sandbox outside the workspace, to compare before and after. */
export function outsideState(box: Sandbox): Record<string, string> {
  return treeHashes(box.root, [path.relative(box.root, box.ws)]);
}

/**
 * Captures the store and the outside of the workspace, and later asserts both unchanged.
 * Use around a command that must fail without side effects.
 */
export function unchanged(box: Sandbox): () => void {
  const store = storeHash(box.ws);
  const outside = outsideState(box);
  return () => {
    expect(outsideState(box)).toEqual(outside);
    expect(storeHash(box.ws)).toBe(store);
  };
}

/** Pids of live processes whose command line contains `marker` (Linux /proc). */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = /\)\s+(\S)/.exec(readFileSync(`/proc/${name}/stat`, 'utf8'))?.[1];
      if (cmd.includes(marker) && state !== 'Z') found.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** A number unlikely to appear in any other process's command line, for `sleep N` markers. */
export function uniqueSeconds(): string {
  return `${9000 + Math.floor(Math.random() * 900)}.${process.pid % 1000}${Math.floor(Math.random() * 1000)}`;
}

/** Asserts a user-caused failure: exit 2, first line `error: …` matching `first`, no stack trace. */
export function expectUserError(r: CliResult, first: RegExp, code = 2): void {
  expect(r.first).toMatch(/^error: /);
  expect(r.first).toMatch(first);
  expect(r.err).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
  expect(r.err).not.toMatch(/internal error/);
  expect(r.code).toBe(code);
}

/** The result without the progress lines `dataset register` prints on stderr (`reading FILE`, `writing snapshot`). */
export function withoutProgress(r: CliResult): CliResult {
  const err = r.err.replace(/^(reading .*|writing snapshot)\n/gm, '');
  return { ...r, err, first: err.split('\n')[0] ?? '' };
}

/** Runs `spawnSync` for a shell one-liner (test set-up only). */
export function sh(line: string, cwd: string): string {
  return spawnSync('/bin/sh', ['-c', line], { cwd, encoding: 'utf8' }).stdout;
}
