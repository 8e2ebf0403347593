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

describe('CostFrugalSearch convergence', () => {
  it('gives no more trials to a family whose local search converged twice without a gain, while another has not', () => {
    // Linear leads at a flat loss (its local search can only converge); Boost trails but keeps improving.
    const s = new CostFrugalSearch(families, 2);
    let boostTrials = 0;
    const out = [];
    for (let i = 0; i < 300; i++) {
      const p = s.propose(i);
      out.push({ ...p, converged: s.converged() });
      const l = p.family === 'Linear' ? 0.05 : 0.3 - 0.0005 * boostTrials++;
      s.observe(i, l);
    }
    const at = out.findIndex((p) => p.converged.includes('Linear'));
    expect(at).toBeGreaterThan(10);
    expect(out.slice(at).every((p) => p.family === 'Boost')).toBe(true);
    expect(out.slice(0, at).filter((p) => p.family === 'Linear').length).toBeGreaterThan(10);
    expect(s.converged()).toEqual(['Linear']);
    // When every family has converged, they go on as before (nothing else is left to run).
    const flat = new CostFrugalSearch(families, 2);
    const families2 = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const p = flat.propose(i);
      if (i >= 300) families2.add(p.family);
      flat.observe(i, p.family === 'Linear' ? 0.05 : 0.3);
    }
    expect(flat.converged().sort()).toEqual(['Boost', 'Linear']);
    expect(families2.size).toBe(2);
  });
});

describe('CostFrugalSearch after the best stalled', () => {
  it('gives a family within the margin a fair share once told to diversify, deterministically', () => {
    const go = (diversifyAt: number, margin = 0.25) => {
      const s = new CostFrugalSearch(families, 5);
      const out = [];
      for (let i = 0; i < 120; i++) {
        if (i === diversifyAt) s.diversify(margin);
        const p = s.propose(i);
        out.push(p.family);
        // Equal costs, so the choice depends on the losses alone.
        s.observe(i, loss(p.family, p.params), 1);
      }
      return out.slice(60);
    };
    const linear = (xs: string[]) => xs.filter((f) => f === 'Linear').length;
    // Linear trails by about 0.2: without diversifying it gets few trials; after, within a
    // margin of 0.25, close to half; outside a margin of 0.05 it stays behind.
    expect(linear(go(Infinity))).toBeLessThan(15);
    expect(linear(go(60))).toBeGreaterThan(20);
    expect(linear(go(60, 0.05))).toBeLessThan(20);
    expect(go(60)).toEqual(go(60));
  });
});

describe('CostFrugalSearch with a portfolio', () => {
  const strong = [
    { n_estimators: 300, eta: 0.1 },
    { n_estimators: 200, eta: 0.05 },
    { n_estimators: 500, eta: 0.03 },
  ];
  const withPortfolio: SearchFamily[] = [{ ...families[0], portfolio: strong }, families[1]];

  function runWith(seed: number, n: number) {
    const s = new CostFrugalSearch(withPortfolio, seed);
    const out = [];
    for (let i = 0; i < n; i++) {
      const p = s.propose(i);
      out.push(p);
      s.observe(i, loss(p.family, p.params));
    }
    return out;
  }

  it('starts with the portfolio family at its first strong configuration, then runs the rest of the portfolio before local moves', () => {
    const trials = runWith(0, 30);
    expect(trials[0].family).toBe('Boost');
    expect(trials[0].params).toEqual(strong[0]);
    expect(trials[1].family).toBe('Linear');
    const boost = trials.filter((t) => t.family === 'Boost');
    expect(boost.slice(0, 3).map((t) => t.params)).toEqual(strong);
    // The local search then moves from the best of the portfolio (200 trees at 0.05), not from 4 trees.
    expect(Math.min(...boost.slice(3).map((t) => Number(t.params.n_estimators)))).toBeGreaterThan(20);
  });

  it('gives the leading family most of the trials', () => {
    const trials = runWith(2, 60);
    expect(trials.filter((t) => t.family === 'Boost').length).toBeGreaterThan(45);
  });

  it("runs a shrunk configuration before other families' starts, and keeps it first when discarded", () => {
    const s = new CostFrugalSearch(withPortfolio, 0);
    const start = s.propose(0);
    expect(start.family).toBe('Boost');
    // The start passed its share of the budget before Linear had started.
    s.observe(0, Infinity);
    expect(s.shrink('Boost', start.params)).toBe(true);
    const retry = s.propose(1);
    expect(retry.family).toBe('Boost');
    expect(retry.params).toEqual({ n_estimators: 75, eta: 0.1 });
    s.discard(1);
    expect(s.propose(1).params).toEqual({ n_estimators: 75, eta: 0.1 });
    s.observe(1, loss('Boost', retry.params));
    // Then the starts and the rest of the portfolio as usual.
    expect(s.propose(2).family).toBe('Linear');
  });

  /** Both starts observed, then proposals taken back until the booster's second portfolio entry is due (iteration 2). */
  function atSecondPortfolioEntry(): CostFrugalSearch {
    const s = new CostFrugalSearch(withPortfolio, 0);
    s.observe(0, loss('Boost', s.propose(0).params));
    s.observe(1, loss('Linear', s.propose(1).params));
    let p = s.propose(2);
    while (p.family !== 'Boost') {
      s.discard(2);
      p = s.propose(2);
    }
    expect(p.params).toEqual(strong[1]);
    return s;
  }

  it('drops a portfolio configuration estimated too slow, and goes on with the rest of the line', () => {
    const s = atSecondPortfolioEntry();
    expect(s.drop(2)).toEqual(strong[1]);
    expect(s.propose(2, new Set(['Linear'])).params).toEqual(strong[2]);
    expect(s.drop(2)).toEqual(strong[2]);
    // The line is empty: the family goes on with its local search, whose moves are only forgotten.
    const move = s.propose(2, new Set(['Linear']));
    expect(move.family).toBe('Boost');
    expect(strong).not.toContainEqual(move.params);
    expect(s.drop(2)).toBeUndefined();
  });

  it('puts a discarded portfolio configuration back in line', () => {
    const s = atSecondPortfolioEntry();
    s.discard(2);
    expect(s.propose(2, new Set(['Linear'])).params).toEqual(strong[1]);
  });

  describe('portfolio entries that wait for another family', () => {
    const forestLine = [{ trees: 8 }, { trees: 300 }, { trees: 301 }];
    const twoLines: SearchFamily[] = [
      { ...families[0], portfolio: strong },
      { name: 'Forest', initialCost: 8, space: { trees: { type: 'int', low: 8, high: 1000, log: true } }, lowCost: { trees: 8 }, portfolio: forestLine },
      families[1],
    ];
    function order(waitsFor?: (family: string, other: string) => boolean): string[] {
      const s = new CostFrugalSearch(twoLines, 0, { waitsFor });
      const out: string[] = [];
      for (let i = 0; i < 7; i++) {
        const p = s.propose(i);
        out.push(`${p.family}:${String(p.params.n_estimators ?? p.params.trees ?? p.params.C)}`);
        s.observe(i, p.family === 'Linear' ? 0.5 : loss('Boost', { n_estimators: 200, eta: 0.05 }));
      }
      return out;
    }
    const starts = ['Boost:300', 'Forest:8', 'Linear:1'];

    it("runs each family's line in order when none waits", () => {
      expect(order()).toEqual([...starts, 'Boost:200', 'Boost:500', 'Forest:300', 'Forest:301']);
      expect(order(() => false)).toEqual(order());
    });

    it("lets an entry wait while a family it waits for has run fewer of its line's entries (breadth-first)", () => {
      const asked: string[] = [];
      const waitsFor = (family: string, other: string) => {
        asked.push(`${family}→${other}`);
        return family === 'Boost' && other === 'Forest';
      };
      expect(order(waitsFor)).toEqual([...starts, 'Boost:200', 'Forest:300', 'Boost:500', 'Forest:301']);
      // Only the first family in line asks, and only about families that have run fewer entries (Linear has no line).
      expect(new Set(asked)).toEqual(new Set(['Boost→Forest']));
    });

    it('gives an entry that was discarded its turn back, ahead of the line behind it', () => {
      const s = new CostFrugalSearch(twoLines, 0, { waitsFor: (family) => family === 'Boost' });
      for (let i = 0; i < 3; i++) s.observe(i, 0.2 + 0.01 * i + (s.propose(i).family === 'Linear' ? 0.3 : 0));
      const second = s.propose(3);
      expect(second.params).toEqual(strong[1]);
      // Not run (it did not fit yet): the booster has again taken no more entries than the forest.
      s.discard(3);
      expect(s.propose(3).params).toEqual(strong[1]);
      s.observe(3, 0.2);
      expect(s.propose(4).params).toEqual(forestLine[1]);
    });
  });
});
