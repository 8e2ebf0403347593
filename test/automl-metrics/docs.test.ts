import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allFamilies } from '../../engine/src/automl/families';
import { classificationMetricNames, regressionMetricNames } from '../../engine/src/automl/metrics';
import { repoRoot } from '../helpers/paths';

/** docs/automl-parts.md must keep up with the code: every metric and family is documented. */
describe('docs/automl-parts.md', () => {
  const doc = readFileSync(path.join(repoRoot, 'docs', 'automl-parts.md'), 'utf8');

  it('documents every metric', () => {
    const expanded = doc.replace(/`(\w+)_\*`/g, (_, stem: string) => ['macro', 'micro', 'weighted'].map((s) => `\`${stem}_${s}\``).join(' '));
    const missing = [...classificationMetricNames, ...regressionMetricNames].filter((m) => !expanded.includes(m) && !doc.includes(m.replace(/_(macro|micro|weighted)$/, '')));
    expect(missing).toEqual([]);
  });

  it('documents every model family', () => {
    expect(allFamilies().map((f) => f.name).filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });
});
