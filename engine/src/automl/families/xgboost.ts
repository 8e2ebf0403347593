import { loadXGBoostJSON, train } from '../../gbdt';
import type { Booster, FeatureMatrix, GbdtParams, TrainData } from '../../gbdt/api';
import { logLink } from '../../gbdt/objectives';
import type { FamilyData, FitArgs, FittedModel, HyperparameterSpace, ModelFamily, Task } from '../types';
import { mulberry32 } from '../../util/mulberry32';
import { checkColumns, classCount, gatherRows, gatherValues, numParam } from './familyUtils';

/**
 * XGBoost-style gradient boosting over Weir's WASM GBDT, with leaf-wise trees (`max_leaves`,
 * `grow_policy: lossguide`) as FLAML's XGBoost estimator.
 *
 * The search starts from a small portfolio of configurations known to be strong on tabular
 * data (see `portfolio`) rather than from 4 trees of 4 leaves, and every fit with enough
 * rounds picks its number of rounds itself: it holds out a share of its training rows and
 * stops when the held-out loss has not improved for `early_stopping_rounds` rounds
 * (XGBoost's semantics, keeping the best round), so `n_estimators` is a cap, not a guess.
 */
interface XGBoostState {
  task: Task;
  numClasses: number;
  /** Trees used for prediction (early stopping keeps the best round). */
  iterationEnd?: number;
  model: unknown;
}

/**
 * A label the search also tries count:poisson on: regression, every value ≥ 0 and skewness at
 * least 2 (counts and amounts with a long right tail: doctor visits, time spent, shares near
 * zero). docs/automl.md, "Poisson for count-like labels", has the measurement and why the line is there.
 */
export function countLike(data: FamilyData): boolean {
  return data.label !== undefined && data.label.min >= 0 && data.label.skew >= COUNT_LIKE_SKEW;
}
const COUNT_LIKE_SKEW = 2;
/** reg:tweedie's variance power when a configuration (`objective: 'tweedie'`) does not set `tweedie_variance_power`. */
const TWEEDIE_POWER = 1.5;
/** Whether the search offers count:poisson here: a count-like label, unless `WEIR_XGB_POISSON=off` (for A/B runs). */
const poissonSearched = (data: FamilyData): boolean => countLike(data) && process.env.WEIR_XGB_POISSON !== 'off';
/** Whether it also offers reg:tweedie (variance power 1.5) there, unless `WEIR_XGB_TWEEDIE=off` (for A/B runs). */
const tweedieSearched = (data: FamilyData): boolean => poissonSearched(data) && process.env.WEIR_XGB_TWEEDIE !== 'off';

function space(task: Task, data: FamilyData): HyperparameterSpace {
  void task;
  return {
    ...(poissonSearched(data) ? { objective: { type: 'choice' as const, values: ['squarederror', 'poisson', ...(tweedieSearched(data) ? ['tweedie'] : [])] } } : {}),
    n_estimators: { type: 'int', low: 4, high: Math.min(4096, Math.max(64, data.rows)), log: true },
    max_leaves: { type: 'int', low: 4, high: Math.min(1024, Math.max(8, Math.floor(data.rows / 4))), log: true },
    min_child_weight: { type: 'float', low: 0.001, high: 128, log: true },
    // Below 0.005 a fit needs thousands of rounds to converge: time the budget never has.
    learning_rate: { type: 'float', low: 0.005, high: 1, log: true },
    subsample: { type: 'float', low: 0.1, high: 1 },
    colsample_bytree: { type: 'float', low: 0.1, high: 1 },
    reg_alpha: { type: 'float', low: 1 / 1024, high: 1024, log: true },
    reg_lambda: { type: 'float', low: 1 / 1024, high: 1024, log: true },
  };
}

function lowCostConfig(): Record<string, number> {
  return { n_estimators: 4, max_leaves: 4, min_child_weight: 1, learning_rate: 0.1, subsample: 1, colsample_bytree: 1, reg_alpha: 1 / 1024, reg_lambda: 1 };
}

/**
 * Configurations tried first, best-known first, in the spirit of FLAML's zero-shot defaults
 * and AutoGluon's and Azure's portfolios (written for Weir, not copied). The first is a fast
 * one (HistGradientBoosting's trees at learning rate 0.3, at most 100 rounds): about a third
 * of the next one's rounds, so on a table where every round is expensive (many rows times many
 * classes: 26 trees a round) a strong model finishes early in the budget, and its measured time
 * sizes the configurations after it. The second is HistGradientBoosting's defaults (learning
 * rate 0.1, 31 leaves), the others vary what most
 * often matters on tabular data — tree size, row and column sampling, regularisation and a
 * slower learning rate. Round counts are caps (about 30 / learning rate, three times
 * HistGradientBoosting's 100 at 0.1): early stopping picks the rounds within them, and the
 * local search grows them when that pays. Leaves are
 * capped by the data so a small table does not get trees with more leaves than it can fill.
 */
function portfolio(task: Task, data: FamilyData): Record<string, number | string>[] {
  void task;
  const leaves = (n: number) => Math.max(4, Math.min(n, Math.floor(data.rows / 8)));
  const base = { reg_alpha: 1 / 1024 };
  const second = { ...base, n_estimators: 300, learning_rate: 0.1, max_leaves: leaves(31), min_child_weight: 1, subsample: 1, colsample_bytree: 1, reg_lambda: 1 };
  const third = { ...base, n_estimators: 500, learning_rate: 0.05, max_leaves: leaves(63), min_child_weight: 3, subsample: 0.8, colsample_bytree: 0.7, reg_lambda: 3 };
  return [
    { ...base, n_estimators: 100, learning_rate: 0.3, max_leaves: leaves(31), min_child_weight: 1, subsample: 1, colsample_bytree: 1, reg_lambda: 1 },
    second,
    third,
    // On a count-like label (see `countLike`) the third entry again with count:poisson, and the second with reg:tweedie.
    ...(poissonSearched(data) ? [{ ...third, objective: 'poisson' }] : []),
    ...(tweedieSearched(data) ? [{ ...second, objective: 'tweedie' }] : []),
    { ...base, n_estimators: 300, learning_rate: 0.1, max_leaves: leaves(15), min_child_weight: 1, subsample: 0.9, colsample_bytree: 0.5, reg_lambda: 10 },
    { ...base, n_estimators: 800, learning_rate: 0.03, max_leaves: leaves(127), min_child_weight: 8, subsample: 0.7, colsample_bytree: 0.5, reg_lambda: 1 },
    { n_estimators: 300, learning_rate: 0.08, max_leaves: leaves(7), min_child_weight: 0.5, subsample: 0.8, colsample_bytree: 0.8, reg_alpha: 0.5, reg_lambda: 0.1 },
  ];
}

/**
 * The configuration the search tries right after the portfolio when the portfolio's scores show
 * a low-signal, overfitting-prone table (the best entry's r2 or Gini below 0.6, from trees
 * smaller than the portfolio's median; search/lowSignal.ts): 4 leaves (about depth 2, the
 * Python XGBoost search's winners on fair_affairs), learning rate 0.05, `reg_lambda` 30,
 * `min_child_weight` 6, row and column sampling. Measured (5-fold CV on the whole table, CPU-bound,
 * `npm run bench -- gbdt-trial --extra-configs=…`): r2 0.060 against the portfolio's best 0.048
 * on fair_affairs, 0.483 against 0.450 on diabetes, AUC 0.7485 against 0.7454 on fair_any;
 * `min_child_weight` 2–32 and learning rate 0.02 within ±0.002 of it.
 */
function lowSignal(): { config: Record<string, number>; capacity: string } {
  return {
    config: { n_estimators: 300, learning_rate: 0.05, max_leaves: 4, min_child_weight: 6, subsample: 0.7, colsample_bytree: 0.8, reg_alpha: 1 / 1024, reg_lambda: 30 },
    capacity: 'max_leaves',
  };
}

/** Fits with fewer rounds than this run them all; longer ones stop early on a held-out share. */
const EARLY_STOPPING_MIN_ROUNDS = 20;
/**
 * Below this many training rows a fit that early-stopped on held-out rows is refitted on all
 * of its rows with the chosen number of rounds: small tables need every row, and their fits
 * are cheap. From here on the held-out share is a small loss and the refit would double the
 * time (HistGradientBoosting draws the same line: its automatic early stopping starts at
 * 10,000 rows).
 */
const REFIT_BELOW_ROWS = 10_000;
/** Fewer training rows than this leave too few to hold out: all rounds run. */
const EARLY_STOPPING_MIN_ROWS = 60;

/** Patience in rounds: slower learning rates improve in smaller steps, so they get more rounds to improve. */
function patienceRounds(eta: number): number {
  return Math.max(10, Math.min(50, Math.round(2 / Math.max(eta, 1e-3))));
}

/**
 * Rows held out for early stopping, a seeded share of the training rows (per class for
 * classification, so every class with two or more rows is in both parts): 15% of small
 * tables, 10% from 2,000 rows.
 */
export function earlyStoppingSplit(y: Float32Array, classification: boolean, seed: number): { fit: Uint32Array; hold: Uint32Array } {
  const share = y.length >= 2000 ? 0.1 : 0.15;
  const rand = mulberry32(seed * 2654435761 + 97);
  // Typed arrays throughout (a 2.7M-row fold's plain arrays of row numbers took ~100 MB of heap).
  const sizes = new Map<number, number>();
  for (let i = 0; i < y.length; i++) {
    const key = classification ? y[i] : 0;
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  const groups = new Map<number, { rows: Uint32Array; filled: number }>();
  for (const [key, size] of sizes) groups.set(key, { rows: new Uint32Array(size), filled: 0 });
  for (let i = 0; i < y.length; i++) {
    const g = groups.get(classification ? y[i] : 0)!;
    g.rows[g.filled++] = i;
  }
  let holdCount = 0;
  const held = new Map<number, number>();
  for (const [key, { rows }] of groups) {
    const n = rows.length < 2 ? 0 : Math.max(1, Math.round(rows.length * share));
    held.set(key, n);
    holdCount += n;
  }
  const fit = new Uint32Array(y.length - holdCount);
  const hold = new Uint32Array(holdCount);
  let f = 0;
  let h = 0;
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const g = groups.get(key)!.rows;
    for (let i = g.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = g[i];
      g[i] = g[j];
      g[j] = t;
    }
    const n = held.get(key)!;
    for (let k = 0; k < g.length; k++) {
      if (k < n) hold[h++] = g[k];
      else fit[f++] = g[k];
    }
  }
  return { fit: fit.sort(), hold: hold.sort() };
}

function gbdtParams(args: FitArgs, numClasses: number): GbdtParams {
  const p = args.params;
  const classification = args.task === 'classification';
  const params: GbdtParams = {
    objective: classification ? (numClasses > 2 ? 'multi:softprob' : 'binary:logistic') : regressionObjective(p, args.y),
    num_boost_round: Math.max(1, Math.round(numParam(p, 'n_estimators', 4))),
    eta: numParam(p, 'learning_rate', 0.1),
    grow_policy: 'lossguide',
    max_depth: 0,
    max_leaves: Math.max(2, Math.round(numParam(p, 'max_leaves', 4))),
    // Not searched: a configuration may ask for depthwise trees of a given depth (`npm run bench -- gbdt-trial --extra-configs=…`).
    ...(numParam(p, 'max_depth', 0) > 0 ? { grow_policy: 'depthwise' as const, max_depth: Math.round(numParam(p, 'max_depth', 0)), max_leaves: 0 } : {}),
    min_child_weight: numParam(p, 'min_child_weight', 1),
    subsample: numParam(p, 'subsample', 1),
    colsample_bytree: numParam(p, 'colsample_bytree', 1),
    alpha: numParam(p, 'reg_alpha', 0),
    lambda: numParam(p, 'reg_lambda', 1),
    seed: args.seed,
  };
  if (numClasses > 2) params.num_class = numClasses;
  // Start from the label mean (as XGBoost 2 does) instead of 0.5: with the few trees of
  // the cheap configurations, a bad base score would dominate the fit.
  if (args.task !== 'classification' || numClasses === 2) params.base_score = baseScore(args.y, args.weight, classification);
  // count:poisson and reg:tweedie start from log(mean): the mean must be > 0 (a fold of all zeros predicts ~0).
  if (params.objective && logLink(params.objective)) params.base_score = Math.max(params.base_score ?? 0, 1e-6);
  if (params.objective === 'reg:tweedie') params.tweedie_variance_power = numParam(p, 'tweedie_variance_power', TWEEDIE_POWER);
  return params;
}

/**
 * The regression objective a configuration asks for: `objective: 'poisson'` is count:poisson
 * (a log link, so predictions stay > 0 and trees fit relative effects), offered by the search
 * only on count-like labels (see `countLike`); anything else, or a label with a negative value
 * in this fit's rows, is reg:squarederror.
 */
function regressionObjective(p: FitArgs['params'], y: Float32Array): GbdtParams['objective'] {
  if (p.objective !== 'poisson' && p.objective !== 'tweedie') return 'reg:squarederror';
  for (let i = 0; i < y.length; i++) if (!(y[i] >= 0)) return 'reg:squarederror';
  return p.objective === 'poisson' ? 'count:poisson' : 'reg:tweedie';
}

function baseScore(y: Float32Array, weight: Float32Array | undefined, probability: boolean): number {
  let s = 0;
  let w = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = weight ? weight[i] : 1;
    s += wi * y[i];
    w += wi;
  }
  const mean = w > 0 ? s / w : 0.5;
  return probability ? Math.min(1 - 1e-6, Math.max(1e-6, mean)) : mean;
}


/**
 * How the booster splits the categorical code columns (feature type 'c', the `NAME_code` of a
 * 3–16-value categorical): 'native' — partitions of the categories (XGBoost's categorical
 * splits, docs/gbdt.md); 'codes' — thresholds on the codes as numbers. The environment
 * variable WEIR_XGB_CATEGORICAL overrides the default (for `npm run bench -- automl-quality`
 * A/B runs; docs/automl.md has the measurement).
 */
export function categoricalMode(): 'native' | 'codes' {
  const v = process.env.WEIR_XGB_CATEGORICAL;
  return v === 'native' || v === 'codes' ? v : 'codes';
}

/**
 * The feature types the booster is given: 'c' columns stay categorical in native mode when
 * every value is a whole number ≥ 0 (or missing), otherwise they are split as integers.
 */
export function boosterFeatureTypes(X: FeatureMatrix, mode = categoricalMode()): string[] | undefined {
  if (!X.featureTypes) return undefined;
  return X.featureTypes.map((t, f) => {
    if (t !== 'c') return t;
    if (mode !== 'native') return 'int';
    for (let i = f * X.rows; i < (f + 1) * X.rows; i++) {
      const v = X.values[i];
      if (v === v && !(Number.isInteger(v) && v >= 0 && v < 1 << 24)) return 'int';
    }
    return 'c';
  });
}

/** The booster's training data: all of X's rows, or the rows `rowIndex` picks from it (not copied). */
function trainData(X: FeatureMatrix, y: Float32Array, weight: Float32Array | undefined, featureTypes: string[] | undefined, rowIndex?: Uint32Array): TrainData {
  return {
    rows: rowIndex ? rowIndex.length : X.rows,
    cols: X.cols,
    values: X.values,
    featureNames: X.featureNames,
    featureTypes,
    label: y,
    ...(weight ? { weight } : {}),
    ...(rowIndex ? { rowIndex } : {}),
  };
}

function fit(args: FitArgs): FittedModel {
  return fitBooster(args);
}

/**
 * The family's fit: the held-out stage, then (below REFIT_BELOW_ROWS) the refit on all rows
 * with the rounds it chose. `refit: false` skips the refit and keeps the held-out fit's best
 * rounds instead (`npm run bench -- gbdt-trial --compare-refit` measures what the refit buys).
 */
export function fitBooster(args: FitArgs, options: { refit: boolean } = { refit: true }): XGBoostModel {
  const stage = pickRounds(args, options);
  if ('model' in stage) return stage.model;
  return refitBooster(args, stage.rounds, stage.info);
}

/**
 * A trial's booster folds in two stages (ModelFamily.staged): every fold's held-out fit picks
 * its rounds, then each fold is refitted on all of its rows with the median of the folds'
 * picks (runTrial). On a small noisy target one fold's held-out share (a few hundred rows)
 * decides its rounds by a handful of large values; the median of five such picks is steadier
 * (docs/automl.md, "Boosting picks its own rounds"). Classification and forecasting (rolling
 * origins of different sizes) keep each fold's own pick, as does every fold when the environment
 * variable WEIR_XGB_REFIT_ROUNDS is `own` (for `npm run bench -- automl-quality` A/B runs).
 */
const staged: NonNullable<ModelFamily['staged']> = {
  pick(args) {
    const stage = pickRounds(args, { refit: true });
    if ('model' in stage) return stage;
    if (args.task !== 'regression' || process.env.WEIR_XGB_REFIT_ROUNDS === 'own') return { model: refitBooster(args, stage.rounds, stage.info) };
    return { rounds: stage.rounds };
  },
  refit(args, rounds) {
    return refitBooster(args, rounds);
  },
};

/**
 * The held-out stage: fits with early stopping on a held-out share (or on `args.valid`) and
 * returns the model when no refit follows (no rows held out, no early stop, 10,000 rows or
 * more, `refit: false`), else the rounds a refit on all rows should run: the best round scaled
 * by the larger sample (more rows support more rounds).
 */
function pickRounds(args: FitArgs, options: { refit: boolean }): { model: XGBoostModel } | { rounds: number; info: FitInfo } {
  const numClasses = args.task === 'classification' ? classCount(args.numClasses, args.y) : 1;
  const params = gbdtParams(args, numClasses);
  const types = boosterFeatureTypes(args.X);
  let fitData = trainData(args.X, args.y, args.weight, types);
  let evals = args.valid ? [{ name: 'valid', data: trainData(args.valid.X, args.valid.y, args.valid.weight, types) }] : undefined;
  const rounds = params.num_boost_round ?? 10;
  let heldOut = false;
  if (!evals && rounds >= EARLY_STOPPING_MIN_ROUNDS && args.X.rows >= EARLY_STOPPING_MIN_ROWS) {
    // No validation set given: hold out a share of the training rows to pick the rounds.
    const { fit: fitRows, hold } = earlyStoppingSplit(args.y, args.task === 'classification', args.seed);
    if (hold.length > 0 && fitRows.length > 0) {
      // The fit rows are read from the fold's matrix by index: no second copy of ~90% of it.
      fitData = trainData(args.X, gatherValues(args.y, fitRows), args.weight ? gatherValues(args.weight, fitRows) : undefined, types, fitRows);
      evals = [{ name: 'valid', data: trainData(gatherRows(args.X, hold), gatherValues(args.y, hold), args.weight ? gatherValues(args.weight, hold) : undefined, types) }];
      heldOut = true;
    }
  }
  if (evals) params.early_stopping_rounds = patienceRounds(params.eta ?? 0.3);
  const result = train(fitData, params, evals, { signal: args.signal });
  const info: FitInfo = { rounds: result.booster.numTrees / Math.max(1, numClasses > 2 ? numClasses : 1), bestIteration: result.bestIteration, fitRows: fitData.rows };
  if (options.refit && heldOut && result.bestIteration !== undefined && args.X.rows < REFIT_BELOW_ROWS) {
    // A small table cannot spare the held-out rows: the refit uses all of them.
    result.booster.dispose();
    return { rounds: Math.max(1, Math.round(((result.bestIteration + 1) * args.X.rows) / fitData.rows)), info };
  }
  const iterationEnd = result.bestIteration !== undefined && evals ? result.bestIteration + 1 : undefined;
  const model = new XGBoostModel(args.task === 'classification' ? 'XGBoostClassifier' : 'XGBoostRegressor', args.task, numClasses, result.booster, iterationEnd, args.X.featureNames);
  model.fitInfo = info;
  return { model };
}

/** The refit stage: `rounds` rounds on all of the fold's rows, no early stopping. */
function refitBooster(args: FitArgs, rounds: number, info?: FitInfo): XGBoostModel {
  const numClasses = args.task === 'classification' ? classCount(args.numClasses, args.y) : 1;
  const params = gbdtParams(args, numClasses);
  const types = boosterFeatureTypes(args.X);
  const full = train(trainData(args.X, args.y, args.weight, types), { ...params, num_boost_round: rounds }, [], { signal: args.signal });
  const model = new XGBoostModel(args.task === 'classification' ? 'XGBoostClassifier' : 'XGBoostRegressor', args.task, numClasses, full.booster, undefined, args.X.featureNames);
  model.fitInfo = { ...(info ?? { rounds, fitRows: args.X.rows }), refitRounds: rounds };
  return model;
}

/** How a fit went (not saved with the model): for benches and tests. */
export interface FitInfo {
  /** Rounds the first (or only) fit ran. */
  rounds: number;
  /** The round early stopping kept, when it watched held-out rows. */
  bestIteration?: number;
  /** Rows that fit trained on (fewer than the fold's when a share was held out). */
  fitRows: number;
  /** Rounds of the refit on all rows, when there was one. */
  refitRounds?: number;
}

export class XGBoostModel implements FittedModel {
  fitInfo?: FitInfo;

  constructor(
    readonly family: string,
    private readonly task: Task,
    private readonly numClasses: number,
    private readonly booster: Booster,
    private readonly iterationEnd: number | undefined,
    private readonly featureNames?: string[],
  ) {}

  predict(X: FeatureMatrix): Float64Array {
    checkColumns(this.family, X, this.booster.numFeatures);
    const raw = this.booster.predict(X, this.iterationEnd !== undefined ? { iterationEnd: this.iterationEnd } : undefined);
    if (this.task !== 'classification') return Float64Array.from(raw);
    if (this.numClasses > 2) return Float64Array.from(raw);
    const out = new Float64Array(X.rows * 2);
    for (let i = 0; i < X.rows; i++) {
      out[2 * i] = 1 - raw[i];
      out[2 * i + 1] = raw[i];
    }
    return out;
  }

  importances(): Record<string, number> {
    const gain = this.booster.featureImportance('total_gain');
    const out: Record<string, number> = {};
    for (const [key, value] of Object.entries(gain)) {
      // Without names the booster reports f0, f1, …; map them back when the fit had names.
      const m = /^f(\d+)$/.exec(key);
      const name = m && this.featureNames && !this.featureNames.includes(key) ? (this.featureNames[Number(m[1])] ?? key) : key;
      out[name] = value;
    }
    return out;
  }

  state(): XGBoostState {
    return { task: this.task, numClasses: this.numClasses, ...(this.iterationEnd !== undefined ? { iterationEnd: this.iterationEnd } : {}), model: this.booster.toXGBoostJSON() };
  }

  dispose(): void {
    this.booster.dispose();
  }
}

export function restoreXGBoost(family: string, state: unknown): FittedModel {
  const s = state as XGBoostState;
  const booster = loadXGBoostJSON(s.model);
  return new XGBoostModel(family, s.task, s.numClasses, booster, s.iterationEnd);
}

export const xgboostClassifier: ModelFamily = {
  name: 'XGBoostClassifier',
  tasks: ['classification'],
  initialCost: 2,
  space,
  lowCostConfig,
  portfolio,
  lowSignal,
  fit,
};

export const xgboostRegressor: ModelFamily = {
  name: 'XGBoostRegressor',
  tasks: ['regression', 'forecasting'],
  initialCost: 2,
  space,
  lowCostConfig,
  portfolio,
  lowSignal,
  fit,
  staged,
};
