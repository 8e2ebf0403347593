import { describe, expect, it } from 'vitest';
import { CostFrugalSearch, type SearchFamily } from '../../engine/src/automl/search/costFrugalSearch';

const families: SearchFamily[] = [
  {
    name: 'Boost',
    initialCost: 4,
    space: { n_estimators: { type: 'int', low: 4, high: 1000, log: true }, eta: { type: 'float', low: 0.01, high: 1, log: true } },
    lowCost: { n_estimators: 4, eta: 0.1 },
  },
  { name: 'Linear', initialCost: 1, space: { C: { type: 'float', low: 0.001, high: 100, log: true } }, lowCost: { C: 1 } },
];

/** A synthetic objective: Boost is best near n_estimators=200, eta=0.05; Linear is flat-ish. */
function loss(family: string, p: Record<string, number | string>): number {
  if (family === 'Linear') return 0.3 + 0.01 * Math.abs(Math.log10(Number(p.C)));
  return 0.1 + 0.05 * Math.abs(Math.log(Number(p.n_estimators) / 200)) + 0.05 * Math.abs(Math.log(Number(p.eta) / 0.05));
}

function run(seed: number, n: number) {
  const s = new CostFrugalSearch(families, seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const p = s.propose(i);
    out.push(p);
    s.observe(i, loss(p.family, p.params));
  }
  return out;
}

describe('CostFrugalSearch', () => {
  it('starts with every family at its low-cost config, cheapest first', () => {
    const [a, b] = run(0, 2);
    expect(a.family).toBe('Linear');
    expect(a.params).toEqual({ C: 1 });
    expect(b.params).toEqual({ n_estimators: 4, eta: 0.1 });
  });

  it('is deterministic for a seed', () => {
    expect(run(3, 40)).toEqual(run(3, 40));
    expect(run(3, 40)).not.toEqual(run(4, 40));
  });

  it('improves from the cheap start and spends most trials on the better family', () => {
    const trials = run(1, 60);
    const best = Math.min(...trials.map((t) => loss(t.family, t.params)));
    expect(best).toBeLessThan(loss('Boost', families[0].lowCost) - 0.1);
    expect(trials.filter((t) => t.family === 'Boost').length).toBeGreaterThan(40);
    // Cost grows only as it pays: early Boost trials stay cheap.
    const firstBoost = trials.filter((t) => t.family === 'Boost').slice(0, 5);
    expect(Math.max(...firstBoost.map((t) => Number(t.params.n_estimators)))).toBeLessThan(100);
  });
});
