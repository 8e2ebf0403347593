import type { HyperparameterSpace } from '../types';

/**
 * Maps a family's hyperparameter space to the unit cube and back. The local search moves in
 * the cube, where one step means the same relative change for every dimension (log-scaled
 * dimensions move by ratios, linear ones by differences).
 */
export interface UnitSpace {
  names: string[];
  space: HyperparameterSpace;
}

export type Config = Record<string, number | string>;

export function unitSpace(space: HyperparameterSpace): UnitSpace {
  return { names: Object.keys(space).sort(), space };
}

export function toUnit(us: UnitSpace, config: Config): number[] {
  return us.names.map((name) => {
    const dim = us.space[name];
    const v = config[name];
    if (dim.type === 'choice') {
      const i = Math.max(0, dim.values.indexOf(v as never));
      return dim.values.length <= 1 ? 0.5 : (i + 0.5) / dim.values.length;
    }
    const x = typeof v === 'number' ? v : dim.low;
    if (dim.log) return clamp01((Math.log(Math.max(x, dim.low)) - Math.log(dim.low)) / (Math.log(dim.high) - Math.log(dim.low) || 1));
    return clamp01((x - dim.low) / (dim.high - dim.low || 1));
  });
}

export function fromUnit(us: UnitSpace, u: number[]): Config {
  const config: Config = {};
  us.names.forEach((name, k) => {
    const dim = us.space[name];
    const x = clamp01(u[k]);
    if (dim.type === 'choice') {
      config[name] = dim.values[Math.min(dim.values.length - 1, Math.floor(x * dim.values.length))];
      return;
    }
    let v = dim.log ? Math.exp(Math.log(dim.low) + x * (Math.log(dim.high) - Math.log(dim.low))) : dim.low + x * (dim.high - dim.low);
    if (dim.type === 'int') v = Math.round(v);
    else v = Number(v.toPrecision(6));
    config[name] = Math.min(dim.high, Math.max(dim.low, v));
  });
  return config;
}

/** Parameters whose growth makes a fit slower: tree counts, depths, leaves, iteration caps. */
const COST_PARAM = /n_estimators|num_boost_round|num_round|max_leaves|num_leaves|max_depth|max_iter|iterations|epochs/;

/**
 * A relative cost of a configuration: the family's initial cost times, for every
 * cost-related dimension, how far the value grew from the low-cost starting point. It is a
 * deterministic stand-in for time (used to pick the next family) that measured times
 * later calibrate (used for the budget).
 */
export function configCost(initialCost: number, space: HyperparameterSpace, lowCost: Config, config: Config): number {
  let cost = Math.max(initialCost, 1e-6);
  for (const [name, dim] of Object.entries(space)) {
    if (dim.type === 'choice' || !COST_PARAM.test(name)) continue;
    const base = Number(lowCost[name] ?? dim.low);
    const v = Number(config[name] ?? base);
    if (!(base > 0) || !(v > 0)) continue;
    const ratio = v / base;
    // Depth doubles the nodes per level; the data caps that, so count it as linear growth plus one.
    cost *= /depth/.test(name) ? Math.max(1, ratio) ** 1.5 : Math.max(1, ratio);
  }
  return cost;
}

export function configKey(config: Config): string {
  return JSON.stringify(Object.keys(config).sort().map((k) => [k, config[k]]));
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : Number.isFinite(x) ? x : 0;
}
