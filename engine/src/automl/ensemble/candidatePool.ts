import { compareScores } from '../metrics';

/** What a trial needs for ranking: its family, primary-metric score and iteration. */
export interface Ranked {
  algorithm: string;
  score: number;
  iteration: number;
}

/**
 * Which trials keep their predictions and models for the ensembles: the `top` best overall
 * and, beside them, the `perFamily` best of each family. The best trials of a table are
 * nearly always boosters of near-identical configurations; the best forests and linear
 * models are what gives greedy selection and the stack something different to mix.
 */
export interface KeepPolicy {
  top: number;
  perFamily: number;
}

/** Best first; ties by iteration, so the order does not depend on when trials finished. */
export function byScore<T extends Pick<Ranked, 'score' | 'iteration'>>(metric: string, trials: readonly T[]): T[] {
  return [...trials].sort((a, b) => compareScores(metric, a.score, b.score) || a.iteration - b.iteration);
}

/** The trials the policy keeps (a subset of `trials`, best first). */
export function keptTrials<T extends Ranked>(metric: string, trials: readonly T[], policy: KeepPolicy): T[] {
  const ranked = byScore(
    metric,
    trials.filter((t) => Number.isFinite(t.score)),
  );
  const perFamily = new Map<string, number>();
  return ranked.filter((t, i) => {
    const k = (perFamily.get(t.algorithm) ?? 0) + 1;
    perFamily.set(t.algorithm, k);
    return i < policy.top || k <= policy.perFamily;
  });
}

/** Whether a new trial would be kept beside `kept` (the trials keeping models now). */
export function wouldKeep(metric: string, kept: readonly Ranked[], candidate: Ranked, policy: KeepPolicy): boolean {
  if (!Number.isFinite(candidate.score)) return false;
  return keptTrials<Ranked>(metric, [...kept, candidate], policy).includes(candidate);
}

/**
 * The ensembles' candidates, at most `max`: first the best of each family (best family
 * first), then the next best of each family in turn up to `perFamily`, then the rest by
 * score, so that a cap (memory) cuts the near-duplicates of the leading family before the
 * other families' best.
 */
export function diversePool<T extends Ranked>(metric: string, trials: readonly T[], perFamily: number, max: number): T[] {
  const ranked = byScore(metric, trials);
  const families = new Map<string, T[]>();
  for (const t of ranked) {
    const list = families.get(t.algorithm) ?? [];
    list.push(t);
    families.set(t.algorithm, list);
  }
  const out: T[] = [];
  for (let k = 0; k < perFamily; k++) for (const list of families.values()) if (list[k]) out.push(list[k]);
  for (const t of ranked) if (!out.includes(t)) out.push(t);
  return out.slice(0, max);
}

/** Trials that keep their out-of-fold predictions and models during the search (Azure's 15, and each family's 3 best). */
export const KEEP_TOP = 15;
export const KEEP_PER_FAMILY = 3;
