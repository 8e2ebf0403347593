/**
 * The median of the values (a partial sort of a copy, O(n)); NaN when empty. Featurization's
 * median imputation and the unweighted median absolute error both use it.
 */
export function medianOf(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return NaN;
  const copy = Float64Array.from(values);
  const mid = n >> 1;
  const upper = selectKth(copy, mid);
  if (n % 2 === 1) return upper;
  // After selecting `mid`, everything left of it is ≤ it: the lower middle is their max.
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) if (copy[i] > lower) lower = copy[i];
  return (lower + upper) / 2;
}

/** Hoare's quickselect: the k-th smallest value (0-based), partially reordering `a`. */
function selectKth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const pivot = median3(a[lo], a[(lo + hi) >> 1], a[hi]);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

function median3(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
}
