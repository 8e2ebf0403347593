import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot } from '../helpers/paths';

/**
 * A bare clone must pass its tests: no test may read a file outside the repository (the
 * project's `../shared/` folder exists on developers' machines, never in a user's clone).
 * Benches may read `../shared/data`; tests may not.
 */
const OUTSIDE = [
  /\.\.\/(?:\.\.\/)*shared\b/, // '../shared/…' in a string or a path
  /['"]\.\.['"]\s*,\s*['"]shared['"]/, // path.join(x, dot-dot, then shared) as separate segments
  /repoRoot\s*,\s*['"]\.\.['"]/, // path.join(repoRoot, '..', …)
];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : files(p);
    return /\.(ts|mjs|js|py|sh)$/.test(e.name) ? [p] : [];
  });
}

test('no test or test helper reads outside the repository', () => {
  const offenders: string[] = [];
  for (const file of files(path.join(repoRoot, 'test'))) {
    if (file === __filename) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (OUTSIDE.some((re) => re.test(line))) offenders.push(`${path.relative(repoRoot, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  expect(offenders).toEqual([]);
});

test('the shipped Titanic table is the article\'s 891-row train.csv', () => {
  const text = readFileSync(path.join(repoRoot, 'examples/titanic/data/titanic.csv'), 'utf8');
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toBe('PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked');
  expect(lines.length - 1).toBe(891);
});
