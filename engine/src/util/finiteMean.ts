/**
 * The mean of the finite values, NaN when none is. A metric undefined somewhere (a class's AUC
 * with no positives, a fold's r2 of a constant label) is left out rather than poisoning the
 * mean: AUC_macro over classes and the folds' mean CV score both use it.
 */
export function finiteMean(values: Iterable<number>): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}
