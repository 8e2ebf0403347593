import { WeirError } from '../errors';
import type { GbdtEvalMetric, GbdtObjective, GbdtParams } from './api';

/** Every parameter with XGBoost 1.7's default filled in and checked. */
export interface ResolvedParams {
  objective: GbdtObjective;
  /** Trees per round: num_class for multi:softprob, otherwise 1. */
  numGroups: number;
  numClass: number;
  numBoostRound: number;
  eta: number;
  maxDepth: number;
  maxLeaves: number;
  growPolicy: 'depthwise' | 'lossguide';
  maxBin: number;
  gamma: number;
  lambda: number;
  alpha: number;
  minChildWeight: number;
  subsample: number;
  colsampleBytree: number;
  colsampleBynode: number;
  scalePosWeight: number;
  /** Undefined means "XGBoost's default for the objective" (0.5, or the label median for reg:absoluteerror). */
  baseScore: number | undefined;
  /** The tree's max_delta_step (0.7 for count:poisson unless set). */
  maxDeltaStep: number;
  huberSlope: number;
  /** reg:tweedie's variance power ρ in [1, 2) (1.5 unless set). */
  tweedieVariancePower: number;
  seed: number;
  evalMetrics: GbdtEvalMetric[];
  earlyStoppingRounds: number | undefined;
}

export const OBJECTIVES: readonly GbdtObjective[] = [
  'binary:logistic',
  'multi:softprob',
  'reg:squarederror',
  'reg:absoluteerror',
  'reg:pseudohubererror',
  'count:poisson',
  'reg:tweedie',
];

export const EVAL_METRICS: readonly GbdtEvalMetric[] = ['logloss', 'auc', 'error', 'mlogloss', 'merror', 'rmse', 'mae', 'mphe', 'poisson-nloglik', 'tweedie-nloglik'];

/** XGBoost's default evaluation metric per objective. */
export function defaultMetric(objective: GbdtObjective): GbdtEvalMetric {
  switch (objective) {
    case 'binary:logistic':
      return 'logloss';
    case 'multi:softprob':
      return 'mlogloss';
    case 'reg:squarederror':
      return 'rmse';
    case 'reg:absoluteerror':
      return 'mae';
    case 'reg:pseudohubererror':
      return 'mphe';
    case 'count:poisson':
      return 'poisson-nloglik';
    case 'reg:tweedie':
      return 'tweedie-nloglik';
  }
}

/** XGBoost's other spellings of the same parameters (the sklearn wrapper's names). */
const ALIASES: Record<string, keyof GbdtParams> = {
  learning_rate: 'eta',
  reg_lambda: 'lambda',
  reg_alpha: 'alpha',
  min_split_loss: 'gamma',
  random_state: 'seed',
  n_estimators: 'num_boost_round',
  num_round: 'num_boost_round',
};

/** Parameters XGBoost accepts that change nothing here (Weir is always single-threaded hist). */
const IGNORED = new Set(['nthread', 'n_jobs', 'verbosity', 'silent', 'tree_method', 'booster', 'validate_parameters', 'disable_default_eval_metric']);

const KNOWN = new Set<string>([
  'objective',
  'num_class',
  'num_boost_round',
  'eta',
  'max_depth',
  'max_leaves',
  'grow_policy',
  'max_bin',
  'gamma',
  'lambda',
  'alpha',
  'min_child_weight',
  'subsample',
  'colsample_bytree',
  'colsample_bynode',
  'scale_pos_weight',
  'base_score',
  'max_delta_step',
  'huber_slope',
  'tweedie_variance_power',
  'seed',
  'eval_metric',
  'early_stopping_rounds',
]);

/**
 * Turns `k=v` strings (the CLI's `--param`) or a loose record into GbdtParams: XGBoost's
 * names and aliases, numbers parsed, unknown names rejected with the name at fault.
 */
export function parseParamRecord(raw: Record<string, unknown>): GbdtParams {
  const out: Record<string, unknown> = {};
  for (const [key0, value] of Object.entries(raw)) {
    const key: string = ALIASES[key0] ?? key0;
    if (IGNORED.has(key)) {
      if (key === 'tree_method' && !['hist', 'auto', 'approx', 'exact'].includes(String(value))) {
        throw new WeirError('BAD_INPUT', `tree_method '${String(value)}' is not supported (Weir always uses hist)`);
      }
      continue;
    }
    if (!KNOWN.has(key)) throw new WeirError('BAD_INPUT', `unknown boosting parameter '${key0}'`, { hint: `Known: ${[...KNOWN].join(', ')}` });
    if (key === 'objective' || key === 'grow_policy') out[key] = String(value);
    else if (key === 'eval_metric') {
      const list = Array.isArray(value) ? value.map(String) : String(value).split(',').map((s) => s.trim()).filter(Boolean);
      out[key] = list.length === 1 ? list[0] : list;
    } else {
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      if (!Number.isFinite(n)) throw new WeirError('BAD_INPUT', `boosting parameter ${key0}=${String(value)} is not a number`);
      out[key] = n;
    }
  }
  return out as GbdtParams;
}

function num(params: GbdtParams, name: keyof GbdtParams, fallback: number, check: (v: number) => boolean, rule: string): number {
  const v = params[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) {
    throw new WeirError('BAD_INPUT', `boosting parameter ${name}=${String(v)} is invalid: it must be ${rule}`);
  }
  return v;
}

export function resolveParams(params: GbdtParams): ResolvedParams {
  const objective = params.objective ?? 'reg:squarederror';
  if (!OBJECTIVES.includes(objective)) {
    throw new WeirError('BAD_INPUT', `unknown objective '${String(objective)}'`, { hint: `Supported: ${OBJECTIVES.join(', ')}` });
  }
  let numClass = 1;
  if (objective === 'multi:softprob') {
    numClass = num(params, 'num_class', 0, (v) => Number.isInteger(v) && v >= 2, 'an integer ≥ 2');
    if (numClass === 0) throw new WeirError('BAD_INPUT', 'objective multi:softprob needs num_class (an integer ≥ 2)');
  }
  const growPolicy = params.grow_policy ?? 'depthwise';
  if (growPolicy !== 'depthwise' && growPolicy !== 'lossguide') {
    throw new WeirError('BAD_INPUT', `grow_policy '${String(growPolicy)}' is invalid: use depthwise or lossguide`);
  }
  const maxDepth = num(params, 'max_depth', 6, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0');
  const maxLeaves = num(params, 'max_leaves', 0, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0');
  if (maxDepth === 0 && maxLeaves === 0) {
    throw new WeirError('BAD_INPUT', 'max_depth=0 (unlimited) needs max_leaves > 0 to bound the tree');
  }
  const poisson = objective === 'count:poisson';
  const metrics = params.eval_metric === undefined ? [] : Array.isArray(params.eval_metric) ? params.eval_metric : [params.eval_metric];
  for (const m of metrics) {
    if (!EVAL_METRICS.includes(m)) throw new WeirError('BAD_INPUT', `unknown eval_metric '${String(m)}'`, { hint: `Supported: ${EVAL_METRICS.join(', ')}` });
    if ((m === 'mlogloss' || m === 'merror') && objective !== 'multi:softprob') {
      throw new WeirError('BAD_INPUT', `eval_metric ${m} needs objective multi:softprob`);
    }
  }
  const earlyStoppingRounds = params.early_stopping_rounds === undefined ? undefined : num(params, 'early_stopping_rounds', 0, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
  const baseScore = params.base_score === undefined ? undefined : num(params, 'base_score', 0.5, Number.isFinite, 'a number');
  if (baseScore !== undefined) {
    if (objective === 'binary:logistic' && !(baseScore > 0 && baseScore < 1)) {
      throw new WeirError('BAD_INPUT', `base_score=${baseScore} is invalid for binary:logistic: it must be in (0, 1)`);
    }
    if ((poisson || objective === 'reg:tweedie') && !(baseScore > 0)) throw new WeirError('BAD_INPUT', `base_score=${baseScore} is invalid for ${objective}: it must be > 0`);
  }
  return {
    objective,
    numClass,
    numGroups: numClass,
    numBoostRound: num(params, 'num_boost_round', 10, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0'),
    eta: num(params, 'eta', 0.3, (v) => v >= 0, '≥ 0'),
    maxDepth,
    maxLeaves,
    growPolicy,
    maxBin: num(params, 'max_bin', 256, (v) => Number.isInteger(v) && v >= 2 && v <= 256, 'an integer in [2, 256]'),
    gamma: num(params, 'gamma', 0, (v) => v >= 0, '≥ 0'),
    lambda: num(params, 'lambda', 1, (v) => v >= 0, '≥ 0'),
    alpha: num(params, 'alpha', 0, (v) => v >= 0, '≥ 0'),
    minChildWeight: num(params, 'min_child_weight', 1, (v) => v >= 0, '≥ 0'),
    subsample: num(params, 'subsample', 1, (v) => v > 0 && v <= 1, 'in (0, 1]'),
    colsampleBytree: num(params, 'colsample_bytree', 1, (v) => v > 0 && v <= 1, 'in (0, 1]'),
    colsampleBynode: num(params, 'colsample_bynode', 1, (v) => v > 0 && v <= 1, 'in (0, 1]'),
    scalePosWeight: num(params, 'scale_pos_weight', 1, (v) => v > 0, '> 0'),
    baseScore,
    maxDeltaStep: num(params, 'max_delta_step', poisson ? 0.7 : 0, (v) => v >= 0, '≥ 0'),
    huberSlope: num(params, 'huber_slope', 1, (v) => v > 0, '> 0'),
    tweedieVariancePower: num(params, 'tweedie_variance_power', 1.5, (v) => v >= 1 && v < 2, 'in [1, 2)'),
    seed: num(params, 'seed', 0, Number.isInteger, 'an integer'),
    evalMetrics: metrics,
    earlyStoppingRounds,
  };
}
