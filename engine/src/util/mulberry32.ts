/**
 * mulberry32: a small, fast, seeded 32-bit generator. Every random choice in Weir (boosting
 * subsamples, tree families, the search, folds, ensembles) draws from one of these so that a
 * seed fixes the result; each caller mixes its seed its own way so their streams differ.
 * Returns a function giving uniform numbers in [0, 1).
 */
export function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
