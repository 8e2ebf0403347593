/**
 * Indices that sort `values` ascending (stable; NaN last). Metrics on millions of
 * out-of-fold predictions sort several times per trial, and a comparator sort of indices
 * (or binary searches into a sorted copy) costs seconds there through cache misses. An
 * LSD radix sort on the IEEE-754 bits takes a fraction.
 */
export function argsort(values: ArrayLike<number>): Uint32Array {
  const n = values.length;
  if (n < 4096) {
    const order = Uint32Array.from({ length: n }, (_, i) => i);
    return order.sort((a, b) => compare(values[a], values[b]) || a - b);
  }
  // Sortable keys: flip all bits of negatives, only the sign bit of positives.
  const bits = new Float64Array(n);
  for (let i = 0; i < n; i++) bits[i] = values[i];
  const words = new Uint32Array(bits.buffer);
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let h = words[2 * i + 1];
    let l = words[2 * i];
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else {
      h = (h | 0x80000000) >>> 0;
    }
    hi[i] = h;
    lo[i] = l;
  }
  // The keys travel with their indices, so every pass reads sequentially and writes to
  // 2,048 streams (11-bit digits keep the bucket table in L1 cache). A pass whose digit
  // is the same for every key is skipped, which is common in the high bits (sign and
  // exponent) of probabilities.
  let keyLo = lo;
  let keyHi = hi;
  let order = Uint32Array.from({ length: n }, (_, i) => i);
  let nextLo = new Uint32Array(n);
  let nextHi = new Uint32Array(n);
  let next = new Uint32Array(n);
  const counts = new Uint32Array(2048);
  for (let pass = 0; pass < 6; pass++) {
    const shift = (pass % 3) * 11;
    const digits = pass < 3 ? keyLo : keyHi;
    counts.fill(0);
    for (let r = 0; r < n; r++) counts[(digits[r] >>> shift) & 0x7ff]++;
    let constant = false;
    let sum = 0;
    for (let d = 0; d < 2048; d++) {
      const c = counts[d];
      if (c === n) constant = true;
      counts[d] = sum;
      sum += c;
    }
    if (constant) continue;
    for (let r = 0; r < n; r++) {
      const at = counts[(digits[r] >>> shift) & 0x7ff]++;
      nextLo[at] = keyLo[r];
      nextHi[at] = keyHi[r];
      next[at] = order[r];
    }
    [keyLo, nextLo] = [nextLo, keyLo];
    [keyHi, nextHi] = [nextHi, keyHi];
    [order, next] = [next, order];
  }
  return order;
}

function compare(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
}
