import type { MetricValues } from '../types';
import type { Config } from './space';

/**
 * The low-signal rule: after a family's portfolio has run, one shallow, heavily regularised
 * configuration (the family's `lowSignal`, for the booster 4 leaves, learning rate 0.05,
 * `reg_lambda` 30) is proposed next — only when the portfolio's own scores say the table is
 * noisy and overfitting-prone:
 *
 * - **low signal**: the best entry's skill is below `LOW_SKILL` — r2 for regression, the Gini
 *   coefficient 2 × AUC − 1 for classification (from the trial's metrics, whatever the primary
 *   metric is); and
 * - **smaller trees win**: the best entry's trees are smaller (its `capacity` parameter,
 *   `max_leaves`) than the portfolio's median entry's.
 *
 * Cross-validation then decides: the configuration is one more trial, and the local search
 * goes on from whichever is best. Why: on fair_affairs (r2 0.05, 68% zeros) the portfolio's
 * best is its 15-leaf entry (r2 0.048, 5-fold CV, whole table) and the 4-leaf one reaches 0.060;
 * on diabetes 0.450 (7 leaves) → 0.483; on fair_any AUC 0.7454 → 0.7485. The same configuration
 * is the worst one on randhie (r2 0.16, but 127 leaves win there: 0.089 against 0.162), Life
 * expectancy, boston, churn, modechoice, Titanic and breast_cancer (0.81–0.97 AUC on the small
 * classification tables), so as an unconditional portfolio entry it cost those tables a trial and
 * sometimes the model (docs/automl.md, "The statsmodels misses at 1 minute"); none of them meets
 * both conditions.
 */
export const LOW_SKILL = 0.6;

export interface PortfolioEntry {
  /** The search's iteration of the entry. */
  iteration: number;
  params: Config;
  /** Lower is better; Infinity when it did not complete. */
  loss: number;
  /** The trial's metrics (empty when it did not complete). */
  metrics: MetricValues;
}

export interface LowSignalVerdict {
  fires: boolean;
  /** The evidence, for the log: why it fires or why not. */
  why: string;
}

/** Skill of a trial from its metrics: r2 for regression, 2 × AUC_weighted − 1 for classification; undefined when neither is there. */
export function skillOf(metrics: MetricValues): { skill: number; what: string } | undefined {
  const r2 = metrics.r2_score;
  if (typeof r2 === 'number' && Number.isFinite(r2)) return { skill: r2, what: `r2 ${r2.toFixed(4)}` };
  const auc = metrics.AUC_weighted;
  if (typeof auc === 'number' && Number.isFinite(auc)) return { skill: 2 * auc - 1, what: `AUC_weighted ${auc.toFixed(4)}, Gini ${(2 * auc - 1).toFixed(4)}` };
  return undefined;
}

/**
 * Whether the low-signal rule fires for a family whose portfolio entries scored `entries`
 * (see the file's comment), with the evidence either way. `capacity` names the parameter that
 * sizes its trees (`max_leaves`).
 */
export function lowSignalVerdict(entries: PortfolioEntry[], capacity: string): LowSignalVerdict {
  const done = entries.filter((e) => Number.isFinite(e.loss) && Number.isFinite(Number(e.params[capacity])));
  if (done.length < 3) return { fires: false, why: `only ${done.length} portfolio entries completed` };
  const best = done.reduce((a, b) => (b.loss < a.loss ? b : a));
  const skill = skillOf(best.metrics);
  if (!skill) return { fires: false, why: 'no r2 or AUC to judge the signal by' };
  const sizes = done.map((e) => Number(e.params[capacity])).sort((a, b) => a - b);
  const median = sizes[(sizes.length - 1) >> 1];
  const size = Number(best.params[capacity]);
  const larger = done.filter((e) => Number(e.params[capacity]) >= median);
  const bestLarger = larger.reduce((a, b) => (b.loss < a.loss ? b : a));
  const largerSkill = skillOf(bestLarger.metrics);
  const evidence =
    `the portfolio's best (iteration ${best.iteration}, ${size} ${capacity}) has ${skill.what}, skill ${skill.skill < LOW_SKILL ? 'below' : 'not below'} ${LOW_SKILL}; ` +
    `its ${capacity} ${size < median ? 'below' : 'not below'} the portfolio's median ${median} (the best entry with ${median} or more: ${largerSkill?.what ?? 'n/a'})`;
  return { fires: skill.skill < LOW_SKILL && size < median, why: evidence };
}
