import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Files matching a path or glob relative to `baseDir` (`*` and `?` within a name, `**` for
 * any depth), sorted. A plain path to an existing file or folder matches itself. Node 20
 * has no `fs.glob`, and a `file:` input needs nothing more than this.
 */
export function matchFiles(baseDir: string, pattern: string): string[] {
  const absolute = path.resolve(baseDir, pattern);
  if (!/[*?]/.test(pattern)) return existsSync(absolute) ? [absolute] : [];
  const root = path.parse(absolute).root;
  const segments = path.relative(root, absolute).split(path.sep);
  const out: string[] = [];
  const walk = (dir: string, i: number) => {
    if (i === segments.length) {
      out.push(dir);
      return;
    }
    const seg = segments[i]!;
    if (seg === '**') {
      walk(dir, i + 1);
      for (const entry of safeReaddir(dir)) if (entry.isDirectory()) walk(path.join(dir, entry.name), i);
      return;
    }
    if (!/[*?]/.test(seg)) {
      const next = path.join(dir, seg);
      if (existsSync(next)) walk(next, i + 1);
      return;
    }
    const re = new RegExp(`^${seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
    for (const entry of safeReaddir(dir)) if (re.test(entry.name)) walk(path.join(dir, entry.name), i + 1);
  };
  walk(root, 0);
  return [...new Set(out)].filter((f) => statSync(f).isFile()).sort();
}

function safeReaddir(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
