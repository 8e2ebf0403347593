import type { HyperparameterSpace } from '../types';
import { Random } from './random';
import { type Config, type UnitSpace, configCost, configKey, fromUnit, toUnit, unitSpace } from './space';

/**
 * Cost-frugal hyperparameter search in the manner of FLAML's CFO (Wu, Wang, Huang 2021):
 *
 * 1. Every family first runs its starting configuration: the first of its portfolio of
 *    known-strong configurations when it has one (the booster), else its low-cost
 *    configuration (few, shallow trees; strong regularisation). Families with a portfolio
 *    go first, then the others cheapest first. The rest of the portfolios run next, before
 *    any local search, each family's line in order, the first family's first — unless the
 *    caller says that family's entries wait for another's (`CostFrugalOptions.waitsFor`:
 *    each a large share of a time budget, and the other family close to it): then one entry
 *    of each such family's line in turn (breadth-first). The family's local search then
 *    starts from its best configuration.
 * 2. Then each family does a randomized directional local search (FLOW2) from its
 *    incumbent in the unit cube: try `x + step·u` for a random unit direction `u`; if that
 *    is not better, try `x − step·u`; after enough failures in a row the step halves; a
 *    converged family restarts from its incumbent with the initial step. Because the start
 *    is cheap and steps are small, cost grows only while it buys accuracy.
 * 3. Which family gets the next trial: half the time the leading family (the one with the
 *    best loss), so the family that is winning gets the time; otherwise sampled with
 *    probability ∝ 1 / ECI, FLAML's estimated cost for improvement: the cost a family spent
 *    since its last improvement, or between its last two, stretched when it trails the
 *    global best by more than its recent rate of improvement would close. Once the caller
 *    says the best has stalled (`diversify`), only ECI sampling, without the stretch for
 *    the families close enough to the best to contend.
 *
 * Costs are relative config costs (see `configCost`) unless the caller feeds back what a
 * trial really cost (`observe`'s `spent`, seconds when the run has a time budget): without
 * a time limit the sequence of proposals depends only on the seed and the losses fed back,
 * so the search is deterministic. The caller feeds losses in iteration order, never in
 * completion order.
 */
export interface SearchFamily {
  name: string;
  initialCost: number;
  space: HyperparameterSpace;
  lowCost: Config;
  /** Known-strong configurations tried first, in order (the first is the family's start). */
  portfolio?: Config[];
  /**
   * A shallow, heavily regularised configuration proposed right after the portfolio when the
   * caller's rule says the portfolio's scores show a low-signal, overfitting-prone table
   * (`CostFrugalOptions.afterPortfolio`; see lowSignal.ts); `capacity` names the parameter that
   * sizes the family's trees.
   */
  lowSignal?: { config: Config; capacity: string };
}

export interface Proposal {
  iteration: number;
  family: string;
  params: Config;
  /** Relative cost of this configuration. */
  cost: number;
}

interface FamilyState {
  def: SearchFamily;
  us: UnitSpace;
  dims: number;
  started: boolean;
  incumbent: number[];
  bestLoss: number;
  prevBestLoss: number;
  step: number;
  initialStep: number;
  failures: number;
  mirrors: number[][];
  spent: number;
  costAtLastImprovement: number;
  costAtPrevImprovement: number;
  minCost: number;
  /** Portfolio configurations still to run, in order. */
  queue: Config[];
  /** Configurations taken from `queue` so far, shrunk ones included (run or dropped; a discarded one is given back). */
  taken: number;
  /** The head of `queue` is a shrunk configuration (see `shrink`): it goes before every other proposal. */
  shrunk: boolean;
  tried: Set<string>;
  /** Its best loss when its local search last converged (its step fell below the bound and restarted). */
  lossAtRestart: number;
  /** Set once its local search converged twice in a row without a gain (see `converged`). */
  converged: boolean;
  /** Its portfolio entries fed back so far (the start included), for `CostFrugalOptions.afterPortfolio`. */
  entries: { iteration: number; params: Config; loss: number }[];
  /** Portfolio proposals not yet fed back. */
  entriesPending: number;
  /** Whether `afterPortfolio` was asked (once per family). */
  asked: boolean;
}

interface ProposalMeta {
  family: FamilyState;
  /** The proposal was the family's start. */
  first: boolean;
  /** The proposal came from the family's portfolio queue (put back on discard). */
  queued?: Config;
  /** The queued configuration was a shrunk one (it is put back as such on discard). */
  shrunk?: boolean;
  /** The proposal was one of the family's portfolio entries (its start or a queued one). */
  entry?: boolean;
  params: Config;
  point: number[];
  /** The opposite point, tried next when this one does not improve. */
  mirror?: number[];
  cost: number;
}

const STEP_LOWER_BOUND = 0.003;
/** A family's gain in loss between two convergences of its local search that counts (the search's improvement tolerance). */
export const CONVERGENCE_TOLERANCE = 1e-4;
/** Probability that the next trial goes to the leading family outright (else ECI sampling, which may pick it too). */
const LEADER_SHARE = 0.5;

export interface CostFrugalOptions {
  /**
   * Whether `family`'s next portfolio entry waits for `other`'s next one (see
   * `nextInPortfolio`); runSearch says yes when the family's trials are each a large share of a
   * time budget and `other` contends with it (see its `waitsFor`). Undefined: never.
   */
  waitsFor?: (family: string, other: string) => boolean;
  /**
   * Called once per family with a `lowSignal` configuration, when every entry of its portfolio
   * taken so far has been fed back and its line is empty; returns whether that configuration
   * runs next (see lowSignal.ts; runSearch decides from the entries' metrics and logs why).
   * Called in `observe`, so in iteration order: deterministic without a time limit.
   */
  afterPortfolio?: (family: string, entries: { iteration: number; params: Config; loss: number }[]) => boolean;
}

export class CostFrugalSearch {
  private readonly families: FamilyState[];
  private readonly rng: Random;
  private readonly pending = new Map<number, ProposalMeta>();
  private globalBest = Infinity;
  private globalFirst = Infinity;
  private totalSpent = 0;
  /** Once the best has stalled (see `diversify`): how far behind the best a family may be and still contend. */
  private contentionMargin: number | undefined;

  constructor(
    families: SearchFamily[],
    seed: number,
    private readonly options: CostFrugalOptions = {},
  ) {
    if (families.length === 0) throw new Error('the search needs at least one model family');
    this.rng = new Random(seed * 7919 + 17);
    this.families = [...families]
      .sort((a, b) => Number(!a.portfolio?.length) - Number(!b.portfolio?.length) || a.initialCost - b.initialCost || a.name.localeCompare(b.name))
      .map((def) => {
        const us = unitSpace(def.space);
        const dims = Math.max(1, us.names.length);
        const initialStep = Math.min(0.5, 0.1 * Math.sqrt(dims));
        return {
          def,
          us,
          dims,
          started: false,
          incumbent: toUnit(us, def.portfolio?.[0] ?? def.lowCost),
          bestLoss: Infinity,
          prevBestLoss: Infinity,
          step: initialStep,
          initialStep,
          failures: 0,
          mirrors: [],
          spent: 0,
          costAtLastImprovement: 0,
          costAtPrevImprovement: 0,
          minCost: def.initialCost,
          queue: (def.portfolio ?? []).slice(1),
          taken: 0,
          shrunk: false,
          tried: new Set<string>(),
          lossAtRestart: Infinity,
          converged: false,
          entries: [],
          entriesPending: 0,
          asked: false,
        };
      });
  }

  /** The next configuration to try. */
  propose(iteration: number, exclude: ReadonlySet<string> = new Set()): Proposal {
    const open = this.families.filter((f) => !exclude.has(f.def.name));
    // Starts first, then the rest of the portfolios (known-strong configurations are the
    // likeliest gains), then the family choice.
    // A shrunk configuration of a family whose trial did not fit goes first: on a slow
    // machine the booster's start can pass its share before any model exists, and the other
    // families' starts must not take the rest of the budget before its smaller retry runs.
    const family =
      open.find((f) => f.shrunk && f.queue.length > 0) ??
      open.find((f) => !f.started) ??
      this.nextInPortfolio(open) ??
      this.chooseFamily(open.length ? open : this.families);
    const shrunk = family.shrunk && family.queue.length > 0;
    const first = !family.started;
    let point: number[];
    let mirror: number[] | undefined;
    let params: Config;
    let queued: Config | undefined;
    if (!family.started) {
      family.started = true;
      point = family.incumbent.slice();
      params = { ...(family.def.portfolio?.[0] ?? family.def.lowCost) };
    } else if (family.queue.length > 0) {
      family.shrunk = false;
      // A shrunk configuration counts as an entry too: it stands in for the one it replaces
      // (taken back before it ran) or retries one that did not fit.
      family.taken += 1;
      queued = family.queue.shift()!;
      params = { ...queued };
      point = toUnit(family.us, params);
    } else if (family.mirrors.length > 0) {
      point = family.mirrors.shift()!;
      params = fromUnit(family.us, point);
    } else {
      ({ point, mirror, params } = this.localMove(family));
    }
    family.tried.add(configKey(params));
    const cost = configCost(family.def.initialCost, family.def.space, family.def.lowCost, params);
    const entry = queued !== undefined || (first && Boolean(family.def.portfolio?.length));
    if (entry) family.entriesPending += 1;
    this.pending.set(iteration, { family, first, queued, shrunk: shrunk && queued !== undefined, entry, params, point, mirror, cost });
    return { iteration, family: family.def.name, params, cost };
  }

  /**
   * Takes back a proposal that was not run (it did not fit in the remaining budget). A
   * family's low-cost start stays due; a local move is simply forgotten.
   */
  discard(iteration: number): void {
    const meta = this.pending.get(iteration);
    if (!meta) return;
    this.pending.delete(iteration);
    if (meta.entry) meta.family.entriesPending -= 1;
    if (meta.first) meta.family.started = false;
    if (meta.queued) {
      meta.family.queue.unshift(meta.queued);
      meta.family.taken -= 1;
    }
    if (meta.shrunk) meta.family.shrunk = true;
  }

  /**
   * Takes back a proposal that was estimated too slow to ever run in this budget (past the
   * family's share, or past the deadline): as `discard`, except that a portfolio
   * configuration is not put back in line. Otherwise a family whose next portfolio entry is
   * too large would propose it again at every turn and never reach the rest of its line or
   * its local search. Returns the configuration dropped, if it was a queued one.
   */
  drop(iteration: number): Config | undefined {
    const meta = this.pending.get(iteration);
    if (!meta?.queued || meta.shrunk) {
      this.discard(iteration);
      return undefined;
    }
    this.pending.delete(iteration);
    meta.family.entriesPending -= 1;
    this.askAfterPortfolio(meta.family);
    return meta.queued;
  }

  /**
   * Replaces the parameters of a proposal not yet run (a smaller forest that fits the time
   * left, see runSearch's `fitTrees`): it runs in the place of the proposal, and what it
   * scores is fed back at its own point. Returns the proposal as it now stands.
   */
  resize(iteration: number, params: Config): Proposal {
    const meta = this.pending.get(iteration);
    if (!meta) throw new Error(`no pending proposal for iteration ${iteration}`);
    const f = meta.family;
    meta.point = toUnit(f.us, params);
    meta.mirror = undefined;
    meta.cost = configCost(f.def.initialCost, f.def.space, f.def.lowCost, params);
    meta.params = { ...params };
    f.tried.add(configKey(params));
    return { iteration, family: f.def.name, params: { ...params }, cost: meta.cost };
  }

  /**
   * Puts a smaller version of a configuration first in its family's line: a quarter of the
   * rounds at twice the learning rate (at most 0.3), half the leaves. Used when a trial of
   * the booster does not fit the time it may take (a large table with many classes), so the
   * booster still gets a trial that finishes. Returns false when it cannot shrink further.
   */
  shrink(familyName: string, params: Config): boolean {
    const f = this.families.find((x) => x.def.name === familyName);
    const rounds = Number(params.n_estimators);
    if (!f || !(rounds > 8)) return false;
    const smaller: Config = { ...params, n_estimators: Math.max(4, Math.floor(rounds / 4)) };
    if (typeof params.learning_rate === 'number') smaller.learning_rate = Math.min(0.3, Math.max(params.learning_rate, params.learning_rate * 2));
    if (typeof params.max_leaves === 'number') smaller.max_leaves = Math.max(4, Math.floor(params.max_leaves / 2));
    f.started = true;
    // A configuration taken back (discarded) is first in line again: the smaller one replaces it.
    if (f.queue.length > 0 && configKey(f.queue[0]) === configKey(params)) f.queue[0] = smaller;
    else f.queue.unshift(smaller);
    f.shrunk = true;
    return true;
  }

  /**
   * Switches the family choice to diversity: called when the best has stalled with budget
   * left. From then on no family gets trials for leading outright, and a family whose best is
   * within `margin` (in loss units) of the best is no longer penalised for trailing (its ECI
   * is its own cost for improving its own best), so the budget goes to the contending
   * families by how cheaply each still improves itself — members for the ensembles rather
   * than more near-ties of the leader. Families further behind keep the trailing penalty.
   */
  diversify(margin: number): void {
    this.contentionMargin = margin;
  }

  /** The family the search starts with when it has a portfolio (the booster), else undefined. */
  portfolioFamily(): string | undefined {
    return this.families[0].def.portfolio?.length ? this.families[0].def.name : undefined;
  }

  /** The family with the best loss so far (undefined before any trial completed). */
  leader(): string | undefined {
    let best: FamilyState | undefined;
    for (const f of this.families) if (Number.isFinite(f.bestLoss) && (!best || f.bestLoss < best.bestLoss)) best = f;
    return best?.def.name;
  }

  /**
   * Feeds back a trial's loss (lower is better; Infinity for a failed trial) and, when the
   * caller measures it, what the trial cost (`spent`, in one unit for the whole search).
   * Call in iteration order.
   */
  observe(iteration: number, loss: number, spent?: number): void {
    const meta = this.pending.get(iteration);
    if (!meta) return;
    this.pending.delete(iteration);
    const f = meta.family;
    const cost = spent ?? meta.cost;
    if (spent !== undefined) f.minCost = f.spent === 0 ? cost : Math.min(f.minCost, cost);
    f.spent += cost;
    if (loss < f.bestLoss) {
      f.prevBestLoss = f.bestLoss;
      f.bestLoss = loss;
      f.incumbent = meta.point;
      f.costAtPrevImprovement = f.costAtLastImprovement;
      f.costAtLastImprovement = f.spent;
      f.failures = 0;
      // Mirrors were relative to the old incumbent; from the new one they mean nothing.
      f.mirrors = [];
    } else {
      if (meta.mirror) f.mirrors.push(meta.mirror);
      f.failures += 1;
      // FLOW2 shrinks the step after 2^(d-1) unsuccessful directions; capped so wide spaces still adapt.
      if (f.failures >= Math.min(2 ** (f.dims - 1), 8)) {
        f.step /= 2;
        f.failures = 0;
        if (f.step < STEP_LOWER_BOUND) {
          f.step = f.initialStep;
          // Converged again without improving on its best at the last convergence: further
          // restarts from the same incumbent are near-repeats (FLAML retires a converged local search).
          if (Number.isFinite(f.bestLoss) && f.lossAtRestart - f.bestLoss <= CONVERGENCE_TOLERANCE) f.converged = true;
          f.lossAtRestart = f.bestLoss;
        }
      }
    }
    this.totalSpent += cost;
    if (Number.isFinite(loss) && !Number.isFinite(this.globalFirst)) this.globalFirst = loss;
    if (loss < this.globalBest) this.globalBest = loss;
    if (meta.entry) {
      f.entriesPending -= 1;
      f.entries.push({ iteration, params: meta.params, loss });
    }
    this.askAfterPortfolio(f);
  }

  /**
   * Once a family's portfolio has run (its line empty, every entry fed back), asks the caller
   * whether its `lowSignal` configuration runs next; if so it goes first in the family's line.
   */
  private askAfterPortfolio(f: FamilyState): void {
    const ask = this.options.afterPortfolio;
    if (!ask || f.asked || !f.def.lowSignal || f.queue.length > 0 || f.entriesPending > 0 || f.entries.length === 0) return;
    f.asked = true;
    if (!ask(f.def.name, f.entries.map((e) => ({ ...e, params: { ...e.params } })))) return;
    const config = { ...f.def.lowSignal.config };
    if (f.tried.has(configKey(config))) return;
    f.queue.push(config);
  }

  private localMove(f: FamilyState): { point: number[]; mirror: number[]; params: Config } {
    let fallback: { point: number[]; mirror: number[]; params: Config } | undefined;
    for (let attempt = 0; attempt < 12; attempt++) {
      const direction = this.randomDirection(f.dims);
      // A direction whose move rounds to an already tried configuration (int and choice
      // dimensions) is redrawn, with a wider step each time, so trials are not wasted on repeats.
      const scale = f.step * (1 + attempt * 0.5);
      const point = f.incumbent.map((x, k) => clamp01(x + scale * direction[k]));
      const mirror = f.incumbent.map((x, k) => clamp01(x - scale * direction[k]));
      const params = fromUnit(f.us, point);
      fallback ??= { point, mirror, params };
      if (!f.tried.has(configKey(params))) return { point, mirror, params };
    }
    return fallback!;
  }

  private randomDirection(dims: number): number[] {
    const v = Array.from({ length: dims }, () => this.rng.normal());
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  }

  /**
   * Families whose local search has converged twice in a row without improving its best by
   * more than `CONVERGENCE_TOLERANCE` in between: they get no more trials while another family
   * has not converged (a cheap converged family would otherwise take trial after trial of
   * near-repeats — 750 ElasticNet trials of 8 ms used up `iterations: 1000` at 23 s of 60).
   */
  converged(): string[] {
    return this.families.filter((f) => f.converged).map((f) => f.def.name);
  }

  /**
   * The family whose portfolio entry runs next: the first family's (in the search's order, the
   * booster first) with entries left — unless, among the families that have taken fewer
   * entries from their lines, there are some it waits for (`CostFrugalOptions.waitsFor`);
   * then the one of those that has taken the fewest (ties in family order). So where the
   * booster's entries each take a large share of a short budget and a forest's probe is already
   * close to its best (Soybean at 0.2 minutes: 19 classes, the booster's five further entries
   * took 10.9 of 21 worker-seconds, two of them at CV 0.9942 and 0.9861, while the forests'
   * full-size configurations ran cut down to what was left), the portfolios run breadth-first;
   * where the entries are cheap (Titanic: 0.1–0.5 s of 12 s) or the others far behind (Spam,
   * Churn) each family's line runs in order as before (plain breadth-first everywhere had cost
   * Titanic 0.004 AUC, docs/automl.md).
   */
  private nextInPortfolio(open: FamilyState[]): FamilyState | undefined {
    const lined = open.filter((f) => f.queue.length > 0);
    const first = lined[0];
    const waitsFor = this.options.waitsFor;
    if (!first || !waitsFor) return first;
    let next = first;
    for (const f of lined) if (f.taken < next.taken && waitsFor(first.def.name, f.def.name)) next = f;
    return next;
  }

  private chooseFamily(all: FamilyState[]): FamilyState {
    const live = all.filter((f) => !f.converged);
    const candidates = live.length > 0 ? live : all;
    // The leading family gets every other trial on average: it is where gains are likeliest.
    const leaderName = this.leader();
    const leader = candidates.find((f) => f.def.name === leaderName);
    if (leader && this.contentionMargin === undefined && this.rng.next() < LEADER_SHARE) return leader;
    const weights = candidates.map((f) => 1 / Math.max(this.estimatedCostForImprovement(f), 1e-9));
    const total = weights.reduce((a, b) => a + b, 0);
    let r = this.rng.next() * total;
    for (let i = 0; i < candidates.length; i++) {
      r -= weights[i];
      if (r <= 0) return candidates[i];
    }
    return candidates[candidates.length - 1];
  }

  private estimatedCostForImprovement(f: FamilyState): number {
    const sinceImprovement = f.spent - f.costAtLastImprovement;
    const betweenImprovements = f.costAtLastImprovement - f.costAtPrevImprovement;
    let eci = Math.max(sinceImprovement, betweenImprovements, f.minCost);
    if (!Number.isFinite(f.bestLoss)) return eci * 4;
    const contends = this.contentionMargin !== undefined && f.bestLoss - this.globalBest <= this.contentionMargin;
    if (f.bestLoss > this.globalBest && !contends) {
      const gain = Number.isFinite(f.prevBestLoss) ? f.prevBestLoss - f.bestLoss : 0;
      // A family that has not improved measurably is judged by the search's overall rate of improvement.
      const globalRate = this.totalSpent > 0 && this.globalFirst > this.globalBest ? (this.globalFirst - this.globalBest) / this.totalSpent : 0;
      const rate = gain > 0 && betweenImprovements > 0 ? gain / betweenImprovements : globalRate;
      const gap = f.bestLoss - this.globalBest;
      eci = rate > 0 ? Math.max(eci, gap / rate) : eci * 2;
    }
    return eci;
  }
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
