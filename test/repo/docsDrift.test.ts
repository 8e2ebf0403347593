import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths';

/**
 * Docs that stay true (issue 9): every repository path a doc under docs/ names exists, and
 * docs/ARCHITECTURE.md's layout lists exactly the folders of engine/src. The messages say what
 * to change, because the helper who adds a folder is rarely the one who wrote the doc.
 */

const engineSrc = path.join(repoRoot, 'engine', 'src');
const topLevel = new Set(readdirSync(repoRoot).filter((n) => n !== 'node_modules' && n !== '.git'));
const engineFolders = readdirSync(engineSrc).filter((n) => statSync(path.join(engineSrc, n)).isDirectory()).sort();

/** First-level folders under `engine/src/` in ARCHITECTURE.md's layout block. */
function listedEngineFolders(doc: string): string[] {
  const block = /```\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  const lines = block.split('\n');
  const start = lines.findIndex((l) => l.startsWith('engine/src/'));
  const listed: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const m = /^ {2}([A-Za-z0-9_.-]+)\//.exec(line);
    if (m) listed.push(m[1]!);
  }
  return [...new Set(listed)].sort();
}

/** Paths in backticks or links that look like repository paths (they hold a slash). */
function namedPaths(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/`([^`\s]+)`|\]\(([^)\s#]+)\)/g)) {
    const raw = (m[1] ?? m[2]!).replace(/[:,.]+$/, '').replace(/:\d+(:\d+)?$/, '');
    if (!/^(\.\/)?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+\/?$/.test(raw)) continue;
    // Not repository files: URLs, the store, build output, git-ignored caches, absolute and
    // home paths; and placeholders such as test/e2e/NAME.e2e.test.ts.
    if (/^https?:|^\.weir\/|^dist\/|^bench\/\.cache|node_modules|^~|^\/|\.\.\//.test(raw)) continue;
    if (raw.split('/').some((seg) => /^[A-Z][A-Z_]+(\.|$)/.test(seg))) continue;
    found.add(raw.replace(/^\.\//, ''));
  }
  return [...found];
}

function resolves(p: string, docDir: string): boolean {
  const first = p.split('/')[0]!;
  const candidates = [path.join(docDir, p)];
  if (topLevel.has(first)) candidates.push(path.join(repoRoot, p));
  // `data/duckdb.ts` in a doc about the engine means engine/src/data/duckdb.ts; other paths
  // that start like an engine folder (`data/x` in an exported job folder) are not the repo's.
  const engineRelative = engineFolders.includes(first) && /\.ts$/.test(p);
  if (engineRelative) candidates.push(path.join(engineSrc, p));
  if (!topLevel.has(first) && !engineRelative) return true;
  return candidates.some((c) => existsSync(c.replace(/\/$/, '')));
}

describe('docs drift', () => {
  it('docs/ARCHITECTURE.md lists exactly the folders of engine/src', () => {
    const listed = listedEngineFolders(readFileSync(path.join(repoRoot, 'docs', 'ARCHITECTURE.md'), 'utf8'));
    const problems = [
      ...engineFolders.filter((f) => !listed.includes(f)).map((f) => `engine/src/${f}/ exists but docs/ARCHITECTURE.md does not list it: add a line "  ${f}/   <what it holds>" under "engine/src/" in the layout block`),
      ...listed.filter((f) => !engineFolders.includes(f)).map((f) => `docs/ARCHITECTURE.md lists engine/src/${f}/, which does not exist: remove or rename that line`),
    ];
    expect(problems).toEqual([]);
  });

  it('every repository path a doc under docs/ names exists', () => {
    const problems: string[] = [];
    for (const name of readdirSync(path.join(repoRoot, 'docs')).filter((n) => n.endsWith('.md'))) {
      const file = path.join(repoRoot, 'docs', name);
      for (const p of namedPaths(readFileSync(file, 'utf8'))) {
        if (!resolves(p, path.dirname(file))) problems.push(`docs/${name} names ${p}, which does not exist (paths are read from the repository root, engine/src or docs/): fix the path or the doc`);
      }
    }
    expect(problems).toEqual([]);
  });
});
