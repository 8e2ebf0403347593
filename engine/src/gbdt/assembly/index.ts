// Weir's gradient boosting kernels, compiled by AssemblyScript to dist/gbdt.wasm.
//
// Only the loops whose cost grows with the number of rows live here: quantile binning,
// histogram building, split search over a histogram, row partitioning, gradients and
// batch prediction. Tree growth policy, parameters and model bookkeeping stay in
// TypeScript (engine/src/gbdt/), which calls these functions a few hundred times per tree.
//
// Memory is managed by hand: the module is built with the stub runtime and this file never
// allocates managed objects, so linear memory above __heap_base belongs to one bump
// allocator (`alloc`, `heapMark`, `heapRelease`). All pointers are byte offsets into the
// exported memory and every load/store is unchecked, which is what makes the loops fast.

// ---------------------------------------------------------------------------------------
// Allocation

let heapTop: usize = 0;

function heapStart(): usize {
  if (heapTop == 0) heapTop = (__heap_base + 15) & ~(<usize>15);
  return heapTop;
}

/** Reserves `bytes` (16-byte aligned) and grows the memory when needed; returns the pointer. */
export function alloc(bytes: usize): usize {
  const ptr = heapStart();
  const end = (ptr + bytes + 15) & ~(<usize>15);
  const pagesNeeded = <i32>((end + 0xffff) >>> 16);
  const pagesHave = memory.size();
  if (pagesNeeded > pagesHave) {
    if (memory.grow(pagesNeeded - pagesHave) < 0) unreachable();
  }
  heapTop = end;
  return ptr;
}

/** The current top of the heap, to be handed back to `heapRelease` later. */
export function heapMark(): usize {
  return heapStart();
}

/** Frees everything allocated since `mark` was taken. */
export function heapRelease(mark: usize): void {
  heapTop = mark;
}

// ---------------------------------------------------------------------------------------
// The training dataset: a row-major matrix of per-feature bin codes (one byte each) plus
// the per-feature layout of a histogram. Feature f owns histogram slots
// [slotOffset[f], slotOffset[f] + nbins[f]]; the last of those is the missing-value slot,
// and a row whose code equals nbins[f] is missing for f.

let nRows: i32 = 0;
let nFeat: i32 = 0;
let binsPtr: usize = 0;
/** The same codes column-major (feature f at colBins + f·rows): partitioning reads one feature. */
let colBinsPtr: usize = 0;
/** Byte offset of each feature's first slot in a histogram (slot index × 16). */
let slotBytePtr: usize = 0;
let nbinsPtr: usize = 0;
let totalSlots: i32 = 0;
let rowIdxPtr: usize = 0;
let tmpIdxPtr: usize = 0;

export function setDataset(rows: i32, feats: i32, bins: usize, colBins: usize, slotBytes: usize, nbins: usize, slots: i32, rowIdx: usize, tmpIdx: usize): void {
  nRows = rows;
  nFeat = feats;
  binsPtr = bins;
  colBinsPtr = colBins;
  slotBytePtr = slotBytes;
  nbinsPtr = nbins;
  totalSlots = slots;
  rowIdxPtr = rowIdx;
  tmpIdxPtr = tmpIdx;
}

/** Fills the row index with 0..rows-1 (every tree starts with all rows in the root). */
export function resetRowIndex(): void {
  for (let i = 0; i < nRows; i++) store<u32>(rowIdxPtr + (<usize>i << 2), i);
}

// ---------------------------------------------------------------------------------------
// Quantile binning

// Maps float bits to an unsigned key that sorts in the same order as the floats.
// @ts-ignore: decorator
@inline
function sortableKey(bits: u32): u32 {
  return (bits & 0x80000000) != 0 ? ~bits : bits | 0x80000000;
}

// @ts-ignore: decorator
@inline
function keyToFloat(key: u32): f32 {
  return reinterpret<f32>((key & 0x80000000) != 0 ? key & 0x7fffffff : ~key);
}

/**
 * XGBoost's WQSummary::SetPrune over summary entries listed in `src` (indices into
 * `summary`, whose entries are [value, rmin, rmax, wmin] f32): keeps at most `maxSize`
 * entries spread evenly by rank, always the first and the last. Writes the kept indices to
 * `dst` and returns how many. Arithmetic in f32, as XGBoost's RType is float.
 */
// @ts-ignore: decorator
@inline
function summaryEntry(summary: usize, list: usize, j: i32): usize {
  return summary + (<usize>load<u32>(list + (<usize>j << 2)) << 4);
}

function prune(summary: usize, src: usize, srcSize: i32, dst: usize, maxSize: i32): i32 {
  if (srcSize <= maxSize) {
    memory.copy(dst, src, <usize>srcSize << 2);
    return srcSize;
  }
  const begin = load<f32>(summaryEntry(summary, src, 0), 8);
  const range = load<f32>(summaryEntry(summary, src, srcSize - 1), 4) - begin;
  const n = maxSize - 1;
  store<u32>(dst, load<u32>(src));
  let size = 1;
  let i = 1;
  let lastIdx = 0;
  for (let k = 1; k < n; k++) {
    const dx2: f32 = <f32>2 * ((<f32>k * range) / <f32>n + begin);
    while (i < srcSize - 1) {
      const e = summaryEntry(summary, src, i + 1);
      if (!(dx2 >= load<f32>(e, 8) + load<f32>(e, 4))) break;
      i++;
    }
    if (i == srcSize - 1) break;
    const a = summaryEntry(summary, src, i);
    const b = summaryEntry(summary, src, i + 1);
    // RMinNext(a) + RMaxPrev(b) = (rmin + wmin)(a) + (rmax − wmin)(b)
    if (dx2 < (load<f32>(a, 4) + load<f32>(a, 12)) + (load<f32>(b, 8) - load<f32>(b, 12))) {
      if (i != lastIdx) {
        store<u32>(dst + (<usize>size << 2), load<u32>(src + (<usize>i << 2)));
        size++;
        lastIdx = i;
      }
    } else if (i + 1 != lastIdx) {
      store<u32>(dst + (<usize>size << 2), load<u32>(src + (<usize>(i + 1) << 2)));
      size++;
      lastIdx = i + 1;
    }
  }
  if (lastIdx != srcSize - 1) {
    store<u32>(dst + (<usize>size << 2), load<u32>(src + (<usize>(srcSize - 1) << 2)));
    size++;
  }
  return size;
}

/**
 * Computes the cut points of feature `f` from its column (n float32 values, NaN missing)
 * and writes its bin codes into the dataset's bin matrix.
 *
 * Cuts follow XGBoost's hist convention: bin(x) is the number of cuts ≤ x, the last cut
 * lies above the maximum, and a split after bin b sends x left when x < cuts[b]. The cut
 * values are chosen as XGBoost 1.7 chooses them from its quantile summary (WQSummary
 * SetPrune, then AddCutPoint), here applied to the exact summary: with at most `maxBin`
 * distinct values every distinct value but the smallest is a cut, and on data small enough
 * for XGBoost's sketch to be exact the cuts are identical to XGBoost's. A feature with
 * missing values keeps one code free for them, so it gets at most 255 bins (XGBoost's cuts
 * less one, see below).
 *
 * `scratchA`/`scratchB` hold n u64 each, `counts` 4×256 u32, `summary` n × 16 bytes and
 * `selA`/`selB` n u32 each. Writes the cuts to
 * `cutsOut` followed by the "below minimum" value XGBoost stores for splits that send only
 * missing values left; returns the number of cuts.
 */
export function sketchFeature(col: usize, weights: usize, n: i32, f: i32, maxBin: i32, cutsOut: usize, scratchA: usize, scratchB: usize, counts: usize, summary: usize, selA: usize, selB: usize): i32 {
  let m = 0;
  let hasMissing = false;
  for (let i = 0; i < n; i++) {
    let v = load<f32>(col + (<usize>i << 2));
    if (v != v) {
      hasMissing = true;
      continue;
    }
    // -0 and +0 compare equal, so they must share a key (and therefore a bin).
    if (v == 0) v = 0;
    const key = sortableKey(reinterpret<u32>(v));
    store<u64>(scratchA + (<usize>m << 3), (<u64>key << 32) | <u64>i);
    m++;
  }

  // LSD radix sort on the 32-bit key (upper half of each u64); stable, so ties keep row order.
  memory.fill(counts, 0, 4 * 256 * 4);
  for (let i = 0; i < m; i++) {
    const key = <u32>(load<u64>(scratchA + (<usize>i << 3)) >>> 32);
    for (let pass = 0; pass < 4; pass++) {
      const c = counts + ((<usize>pass * 256 + ((key >>> (pass * 8)) & 0xff)) << 2);
      store<u32>(c, load<u32>(c) + 1);
    }
  }
  let src = scratchA;
  let dst = scratchB;
  for (let pass = 0; pass < 4; pass++) {
    const base = counts + (<usize>pass * 256 << 2);
    let skip = false;
    for (let b = 0; b < 256; b++) {
      if (load<u32>(base + (<usize>b << 2)) == <u32>m) {
        skip = true;
        break;
      }
    }
    if (skip) continue;
    let sum: u32 = 0;
    for (let b = 0; b < 256; b++) {
      const c = load<u32>(base + (<usize>b << 2));
      store<u32>(base + (<usize>b << 2), sum);
      sum += c;
    }
    const shift = <u64>(32 + pass * 8);
    for (let i = 0; i < m; i++) {
      const e = load<u64>(src + (<usize>i << 3));
      const c = base + ((<usize>((e >>> shift) & 0xff)) << 2);
      const pos = load<u32>(c);
      store<u32>(c, pos + 1);
      store<u64>(dst + (<usize>pos << 3), e);
    }
    const t = src;
    src = dst;
    dst = t;
  }

  const maxBins = min(maxBin, 256);
  let nCuts = 0;
  if (m > 0) {
    // The exact weighted summary: one entry per distinct value with XGBoost's rank bounds
    // (rmin = weight before it, rmax = rmin + its weight, wmin = its weight), in f32 as
    // XGBoost's hist sketch keeps them.
    let k = 0;
    let wsum: f32 = 0;
    let i = 0;
    while (i < m) {
      const key = <u32>(load<u64>(src + (<usize>i << 3)) >>> 32);
      let w: f32 = 0;
      while (i < m) {
        const e = load<u64>(src + (<usize>i << 3));
        if (<u32>(e >>> 32) != key) break;
        w += weights != 0 ? load<f32>(weights + (<usize>(<u32>e) << 2)) : <f32>1;
        i++;
      }
      const at = summary + (<usize>k << 4);
      store<f32>(at, keyToFloat(key));
      store<f32>(at, wsum, 4);
      store<f32>(at, wsum + w, 8);
      store<f32>(at, w, 12);
      wsum += w;
      k++;
    }
    // XGBoost prunes the summary twice: to min(count, 8 × 256) entries when the sketches
    // are reduced, then to max_bin + 1 entries when the cuts are made.
    for (let j = 0; j < k; j++) store<u32>(selA + (<usize>j << 2), j);
    const intermediate = min(m, 2048);
    let size = prune(summary, selA, k, selB, intermediate);
    const maxNumBins = min(intermediate, maxBins);
    size = prune(summary, selB, size, selA, maxNumBins + 1);
    const required = min(size, maxNumBins);
    let lastCut: f32 = 0;
    for (let j = 1; j < required; j++) {
      const v = load<f32>(summary + (<usize>load<u32>(selA + (<usize>j << 2)) << 4));
      if (j == 1 || v > lastCut) {
        store<f32>(cutsOut + (<usize>nCuts << 2), v);
        nCuts++;
        lastCut = v;
      }
    }
    const maxV = load<f32>(summary + (<usize>load<u32>(selA + (<usize>(size - 1) << 2)) << 4));
    const minV = load<f32>(summary + (<usize>load<u32>(selA) << 4));
    store<f32>(cutsOut + (<usize>nCuts << 2), maxV + (Mathf.abs(maxV) + <f32>1e-5));
    nCuts++;
    store<f32>(cutsOut + (<usize>nCuts << 2), minV - (Mathf.abs(minV) + <f32>1e-5));

    // With missing values one byte code must stay free, so a feature with XGBoost's full 256
    // bins gives up one cut: the one between the two adjacent bins of least total weight.
    // The other 255 cuts stay exactly XGBoost's.
    if (hasMissing && nCuts > 255) {
      const binWeight = counts;
      memory.fill(binWeight, 0, <usize>nCuts << 3);
      let bw = 0;
      let bcut = load<f32>(cutsOut);
      for (let i = 0; i < m; i++) {
        const e = load<u64>(src + (<usize>i << 3));
        const v = keyToFloat(<u32>(e >>> 32));
        while (v >= bcut) {
          bw++;
          bcut = load<f32>(cutsOut + (<usize>bw << 2));
        }
        const at = binWeight + (<usize>bw << 3);
        store<f64>(at, load<f64>(at) + (weights != 0 ? <f64>load<f32>(weights + (<usize>(<u32>e) << 2)) : 1.0));
      }
      let drop = 0;
      let least = Infinity;
      for (let j = 0; j < nCuts - 1; j++) {
        const pair = load<f64>(binWeight + (<usize>j << 3)) + load<f64>(binWeight + (<usize>(j + 1) << 3));
        if (pair < least) {
          least = pair;
          drop = j;
        }
      }
      // Shift the later cuts and the below-minimum value down over the dropped cut.
      memory.copy(cutsOut + (<usize>drop << 2), cutsOut + (<usize>(drop + 1) << 2), <usize>(nCuts - drop) << 2);
      nCuts--;
    }

    // Bin codes, walking the values in sorted order.
    let b = 0;
    let cut = load<f32>(cutsOut);
    for (let i = 0; i < m; i++) {
      const e = load<u64>(src + (<usize>i << 3));
      const v = keyToFloat(<u32>(e >>> 32));
      while (v >= cut) {
        b++;
        cut = load<f32>(cutsOut + (<usize>b << 2));
      }
      store<u8>(binsPtr + <usize>(<u32>e) * <usize>nFeat + <usize>f, <u8>b);
      store<u8>(colBinsPtr + <usize>f * <usize>nRows + <usize>(<u32>e), <u8>b);
    }
  } else {
    store<f32>(cutsOut, 0);
  }
  if (hasMissing) {
    for (let i = 0; i < n; i++) {
      const v = load<f32>(col + (<usize>i << 2));
      if (v != v) {
        store<u8>(binsPtr + <usize>i * <usize>nFeat + <usize>f, <u8>nCuts);
        store<u8>(colBinsPtr + <usize>f * <usize>nRows + <usize>i, <u8>nCuts);
      }
    }
  }
  return nCuts;
}

// ---------------------------------------------------------------------------------------
// Histograms. A histogram is `totalSlots` (gradient, hessian) f64 pairs.

/**
 * Sums gradient pairs per (feature, bin) over rows rowIdx[begin..end) (or rows begin..end
 * directly when `direct`). Rows are read in index order, which the stable partition keeps
 * ascending, so the row-major bin matrix streams through the cache.
 */
export function buildHist(hist: usize, gh: usize, begin: i32, end: i32, direct: bool): void {
  memory.fill(hist, 0, <usize>totalSlots << 4);
  const nf = nFeat;
  const offs = slotBytePtr;
  const nf4 = nf & ~3;
  for (let i = begin; i < end; i++) {
    const r: usize = direct ? <usize>i : <usize>load<u32>(rowIdxPtr + (<usize>i << 2));
    const g = v128.load(gh + (r << 4));
    const bp = binsPtr + r * <usize>nf;
    let f = 0;
    for (; f < nf4; f += 4) {
      const o = offs + (<usize>f << 2);
      const p0 = hist + <usize>load<u32>(o) + (<usize>load<u8>(bp + f) << 4);
      const p1 = hist + <usize>load<u32>(o, 4) + (<usize>load<u8>(bp + f, 1) << 4);
      const p2 = hist + <usize>load<u32>(o, 8) + (<usize>load<u8>(bp + f, 2) << 4);
      const p3 = hist + <usize>load<u32>(o, 12) + (<usize>load<u8>(bp + f, 3) << 4);
      v128.store(p0, f64x2.add(v128.load(p0), g));
      v128.store(p1, f64x2.add(v128.load(p1), g));
      v128.store(p2, f64x2.add(v128.load(p2), g));
      v128.store(p3, f64x2.add(v128.load(p3), g));
    }
    for (; f < nf; f++) {
      const p = hist + <usize>load<u32>(offs + (<usize>f << 2)) + (<usize>load<u8>(bp + f) << 4);
      v128.store(p, f64x2.add(v128.load(p), g));
    }
  }
}

/** dst = a − b, slot by slot (dst may be a): the sibling histogram without a pass over rows. */
export function subtractHist(dst: usize, a: usize, b: usize): void {
  const bytes = <usize>totalSlots << 4;
  for (let o: usize = 0; o < bytes; o += 16) {
    v128.store(dst + o, f64x2.sub(v128.load(a + o), v128.load(b + o)));
  }
}

/** Writes the (gradient, hessian) sums of rowIdx[begin..end) to out[0], out[1]. */
export function sumGradients(gh: usize, begin: i32, end: i32, direct: bool, out: usize): void {
  let acc = f64x2.splat(0);
  for (let i = begin; i < end; i++) {
    const r: usize = direct ? <usize>i : <usize>load<u32>(rowIdxPtr + (<usize>i << 2));
    acc = f64x2.add(acc, v128.load(gh + (r << 4)));
  }
  v128.store(out, acc);
}

// ---------------------------------------------------------------------------------------
// Split search with XGBoost's regularised gain (CalcWeight / CalcGainGivenWeight).

let lambda: f64 = 1;
let alpha: f64 = 0;
let minChildWeight: f64 = 1;
let maxDeltaStep: f64 = 0;

export function setSplitParams(lambda_: f64, alpha_: f64, minChildWeight_: f64, maxDeltaStep_: f64): void {
  lambda = lambda_;
  alpha = alpha_;
  minChildWeight = minChildWeight_;
  maxDeltaStep = maxDeltaStep_;
}

// @ts-ignore: decorator
@inline
function thresholdL1(g: f64): f64 {
  if (g > alpha) return g - alpha;
  if (g < -alpha) return g + alpha;
  return 0;
}

// @ts-ignore: decorator
@inline
function leafWeightInline(g: f64, h: f64): f64 {
  if (h < minChildWeight || h <= 0) return 0;
  let w = -thresholdL1(g) / (h + lambda);
  if (maxDeltaStep != 0 && Math.abs(w) > maxDeltaStep) w = w < 0 ? -maxDeltaStep : maxDeltaStep;
  return w;
}

// @ts-ignore: decorator
@inline
function gainInline(g: f64, h: f64): f64 {
  if (h <= 0) return 0;
  if (maxDeltaStep == 0) {
    const t = thresholdL1(g);
    return (t * t) / (h + lambda);
  }
  const w = <f64><f32>leafWeightInline(g, h);
  return -(2.0 * g * w + (h + lambda) * w * w);
}

/** The optimal (unscaled) leaf weight of a node with gradient sum g and hessian sum h. */
export function leafWeight(g: f64, h: f64): f64 {
  return leafWeightInline(g, h);
}

/** The structure score of a node, as XGBoost's split evaluator computes it. */
export function nodeGain(g: f64, h: f64): f64 {
  return gainInline(g, h);
}

/**
 * Finds the best split of a node from its histogram over the features whose byte in
 * `featMask` is non-zero. Each feature is scanned forward with missing values going right
 * and, when the node has missing values for it, backward with them going left (XGBoost's
 * order, so ties resolve the same way). Writes to `out`: [0] loss change (0 when nothing
 * improves), [8] left gradient sum, [16] left hessian sum, [24] feature (i32), [28] split
 * bin (i32; left = bins ≤ it, −1 = only missing values left), [32] default-left (i32).
 */
export function findBestSplit(hist: usize, g: f64, h: f64, featMask: usize, out: usize): void {
  // Gains are compared as f32, as XGBoost's evaluator returns them: equal splits then tie
  // exactly and the first in feature/bin order wins, in both implementations.
  const parentGain = <f32>gainInline(g, h);
  const mcw = minChildWeight;
  let best: f32 = 0;
  let bestGL: f64 = 0;
  let bestHL: f64 = 0;
  let bestF = -1;
  let bestBin = 0;
  let bestDefaultLeft = 0;
  for (let f = 0; f < nFeat; f++) {
    if (load<u8>(featMask + f) == 0) continue;
    const base = hist + <usize>load<u32>(slotBytePtr + (<usize>f << 2));
    const nb = load<i32>(nbinsPtr + (<usize>f << 2));
    let gl: f64 = 0;
    let hl: f64 = 0;
    for (let b = 0; b < nb; b++) {
      const p = base + (<usize>b << 4);
      const bg = load<f64>(p);
      const bh = load<f64>(p, 8);
      // An empty bin repeats the previous candidate, which cannot win a strict comparison.
      if (bg == 0 && bh == 0) continue;
      gl += bg;
      hl += bh;
      if (hl >= mcw) {
        const hr = h - hl;
        if (hr >= mcw) {
          const gr = g - gl;
          const chg = <f32>(<f32>gainInline(gl, hl) + <f32>gainInline(gr, hr)) - parentGain;
          if (chg > best) {
            best = chg;
            bestGL = gl;
            bestHL = hl;
            bestF = f;
            bestBin = b;
            bestDefaultLeft = 0;
          }
        }
      }
    }
    const mp = base + (<usize>nb << 4);
    const missG = load<f64>(mp);
    const missH = load<f64>(mp, 8);
    if (missG != 0 || missH != 0) {
      let gr: f64 = 0;
      let hr: f64 = 0;
      for (let b = nb - 1; b >= 0; b--) {
        const p = base + (<usize>b << 4);
        const bg = load<f64>(p);
        const bh = load<f64>(p, 8);
        if (bg == 0 && bh == 0) continue;
        gr += bg;
        hr += bh;
        if (hr >= mcw) {
          const hl2 = h - hr;
          if (hl2 >= mcw) {
            const gl2 = g - gr;
            const chg = <f32>(<f32>gainInline(gl2, hl2) + <f32>gainInline(gr, hr)) - parentGain;
            if (chg > best) {
              best = chg;
              bestGL = gl2;
              bestHL = hl2;
              bestF = f;
              bestBin = b - 1;
              bestDefaultLeft = 1;
            }
          }
        }
      }
    }
  }
  store<f64>(out, <f64>best);
  store<f64>(out, bestGL, 8);
  store<f64>(out, bestHL, 16);
  store<i32>(out, bestF, 24);
  store<i32>(out, bestBin, 28);
  store<i32>(out, bestDefaultLeft, 32);
}

/**
 * Stable partition of rowIdx[begin..end) by a split; returns the number of rows that go
 * left (they end up first). Branch-free: each row is written to both sides and only the
 * matching cursor advances.
 */
export function partitionRows(begin: i32, end: i32, f: i32, splitBin: i32, defaultLeft: bool): i32 {
  const nb = load<i32>(nbinsPtr + (<usize>f << 2));
  const col = colBinsPtr + <usize>f * <usize>nRows;
  let left = <usize>begin;
  let right: usize = 0;
  const idx = rowIdxPtr;
  const tmp = tmpIdxPtr;
  for (let i = begin; i < end; i++) {
    const r = load<u32>(idx + (<usize>i << 2));
    const b = <i32>load<u8>(col + <usize>r);
    const goLeft: usize = b == nb ? <usize>defaultLeft : <usize>(b <= splitBin);
    store<u32>(idx + (left << 2), r);
    store<u32>(tmp + (right << 2), r);
    left += goLeft;
    right += 1 - goLeft;
  }
  memory.copy(idx + (left << 2), tmp, right << 2);
  return <i32>(left - <usize>begin);
}

/** margin[rowIdx[i]·K + k] += value for i in [begin, end): a leaf's output on its rows. */
export function addLeafValue(margin: usize, numClass: i32, k: i32, begin: i32, end: i32, value: f64): void {
  const K = <usize>numClass;
  for (let i = begin; i < end; i++) {
    const r = <usize>load<u32>(rowIdxPtr + (<usize>i << 2));
    const p = margin + ((r * K + <usize>k) << 3);
    // XGBoost's prediction cache is float: accumulate in f32 so gradients match its own.
    store<f64>(p, <f64>(<f32>load<f64>(p) + <f32>value));
  }
}

/** Zeroes the gradient pairs of rows whose mask byte is 0 (row subsampling). */
export function maskGradients(gh: usize, mask: usize, n: i32): void {
  const zero = f64x2.splat(0);
  for (let i = 0; i < n; i++) {
    if (load<u8>(mask + <usize>i) == 0) v128.store(gh + (<usize>i << 4), zero);
  }
}

// ---------------------------------------------------------------------------------------
// Gradients. `margin` is f64 (n·K, row-major) holding f32 values, labels and weights f32
// (weights 0 = none), `gh` receives (gradient, hessian) pairs, class-major for multi-class:
// [k][row]. The arithmetic is f32, as XGBoost's objectives compute it (its GradientPair is
// two floats), so both see the same gradients to the last bit in most cases and break
// ties between equally good splits the same way.

// @ts-ignore: decorator
@inline
function rowWeight(weights: usize, i: i32): f32 {
  return weights != 0 ? load<f32>(weights + (<usize>i << 2)) : <f32>1.0;
}

// @ts-ignore: decorator
@inline
function marginAt(margin: usize, i: usize): f32 {
  return <f32>load<f64>(margin + (i << 3));
}

// @ts-ignore: decorator
@inline
function labelAt(label: usize, i: i32): f32 {
  return load<f32>(label + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline
function storeGH(gh: usize, i: usize, g: f32, h: f32): void {
  store<f64>(gh + (i << 4), <f64>g);
  store<f64>(gh + (i << 4), <f64>h, 8);
}

export function gradLogistic(n: i32, margin: usize, label: usize, weights: usize, scalePosWeight: f32, gh: usize): void {
  for (let i = 0; i < n; i++) {
    const p: f32 = <f32>1.0 / (<f32>1.0 + Mathf.exp(-marginAt(margin, i)));
    const y = labelAt(label, i);
    let w = rowWeight(weights, i);
    if (y == 1.0) w *= scalePosWeight;
    storeGH(gh, i, (p - y) * w, max(p * (<f32>1.0 - p), <f32>1e-16) * w);
  }
}

export function gradSquared(n: i32, margin: usize, label: usize, weights: usize, gh: usize): void {
  for (let i = 0; i < n; i++) {
    const w = rowWeight(weights, i);
    storeGH(gh, i, (marginAt(margin, i) - labelAt(label, i)) * w, w);
  }
}

export function gradAbsolute(n: i32, margin: usize, label: usize, weights: usize, gh: usize): void {
  for (let i = 0; i < n; i++) {
    const w = rowWeight(weights, i);
    const d = marginAt(margin, i) - labelAt(label, i);
    storeGH(gh, i, (d > 0 ? <f32>1.0 : d < 0 ? <f32>-1.0 : <f32>0.0) * w, w);
  }
}

export function gradPseudoHuber(n: i32, margin: usize, label: usize, weights: usize, slope: f32, gh: usize): void {
  const s2 = slope * slope;
  for (let i = 0; i < n; i++) {
    const w = rowWeight(weights, i);
    const z = marginAt(margin, i) - labelAt(label, i);
    const scaleSqrt = Mathf.sqrt(<f32>1.0 + (z / slope) * (z / slope));
    storeGH(gh, i, (z / scaleSqrt) * w, (s2 / ((s2 + z * z) * scaleSqrt)) * w);
  }
}

export function gradPoisson(n: i32, margin: usize, label: usize, weights: usize, maxDelta: f32, gh: usize): void {
  for (let i = 0; i < n; i++) {
    const w = rowWeight(weights, i);
    const m = marginAt(margin, i);
    storeGH(gh, i, (Mathf.exp(m) - labelAt(label, i)) * w, Mathf.exp(m + maxDelta) * w);
  }
}

/** Softmax gradients; `probs` is scratch for numClass f32. */
export function gradSoftmax(n: i32, numClass: i32, margin: usize, label: usize, weights: usize, gh: usize, probs: usize): void {
  const K = <usize>numClass;
  const classStride = <usize>n;
  for (let i = 0; i < n; i++) {
    const row = <usize>i * K;
    let mx = marginAt(margin, row);
    for (let k: usize = 1; k < K; k++) mx = max(mx, marginAt(margin, row + k));
    let sum: f32 = 0;
    for (let k: usize = 0; k < K; k++) {
      const e = Mathf.exp(marginAt(margin, row + k) - mx);
      store<f32>(probs + (k << 2), e);
      sum += e;
    }
    const y = <usize>(<i32>labelAt(label, i));
    const w = rowWeight(weights, i);
    for (let k: usize = 0; k < K; k++) {
      const p = load<f32>(probs + (k << 2)) / sum;
      storeGH(gh, k * classStride + <usize>i, (k == y ? p - <f32>1.0 : p) * w, max(<f32>2.0 * p * (<f32>1.0 - p) * w, <f32>1e-16));
    }
  }
}

// ---------------------------------------------------------------------------------------
// Prediction over raw float features.
//
// Trees are packed as 16-byte nodes: [0] i32 index of the left child (the right child is
// always left+1), [4] f32 split condition, [8] u32 feature with the default-left flag in
// the top bit, [12] f32 leaf value. XGBoost's rule: x < condition goes left, NaN follows
// the default direction. A leaf points at itself (left = own index − 1, condition NaN,
// default right), so every row can take exactly `depth` steps with no leaf test, and
// four rows can walk a tree in lockstep, which hides the latency of each dependent load.

const BLOCK: i32 = 64;

// @ts-ignore: decorator
@inline
function step(nodes: usize, p: usize, rowBuf: usize): usize {
  const fw = load<u32>(p, 8);
  const x = load<f32>(rowBuf + (<usize>(fw & 0x7fffffff) << 2));
  const goRight = select<i32>(<i32>((fw >>> 31) == 0), <i32>!(x < load<f32>(p, 4)), x != x);
  return nodes + (<usize>(load<i32>(p) + goRight) << 4);
}

/**
 * out[r·K + group[t]] += tree t's leaf value for row r, for trees [tBegin, tEnd), rows of a
 * column-major f32 matrix. Rows are processed in blocks of 64, transposed into `buf`
 * (64·nf f32) so one row's features sit together while every tree visits it.
 */
export function predictTrees(data: usize, rows: i32, nf: i32, nodes: usize, roots: usize, groups: usize, depths: usize, tBegin: i32, tEnd: i32, numClass: i32, out: usize, buf: usize): void {
  const K = <usize>numClass;
  const nfu = <usize>nf;
  const rowBytes = nfu << 2;
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const blk = min(BLOCK, rows - r0);
    for (let f = 0; f < nf; f++) {
      const colp = data + ((<usize>f * <usize>rows + <usize>r0) << 2);
      for (let j = 0; j < blk; j++) {
        store<f32>(buf + ((<usize>j * nfu + <usize>f) << 2), load<f32>(colp + (<usize>j << 2)));
      }
    }
    const outBlock = out + ((<usize>r0 * K) << 2);
    for (let t = tBegin; t < tEnd; t++) {
      const rootP = nodes + (<usize>load<i32>(roots + (<usize>t << 2)) << 4);
      const grp = <usize>load<i32>(groups + (<usize>t << 2));
      const depth = load<i32>(depths + (<usize>t << 2));
      let j = 0;
      for (; j + 4 <= blk; j += 4) {
        const b0 = buf + <usize>j * rowBytes;
        const b1 = b0 + rowBytes;
        const b2 = b1 + rowBytes;
        const b3 = b2 + rowBytes;
        let p0 = rootP;
        let p1 = rootP;
        let p2 = rootP;
        let p3 = rootP;
        for (let d = 0; d < depth; d++) {
          p0 = step(nodes, p0, b0);
          p1 = step(nodes, p1, b1);
          p2 = step(nodes, p2, b2);
          p3 = step(nodes, p3, b3);
        }
        const o = outBlock + ((<usize>j * K + grp) << 2);
        const kb = K << 2;
        store<f32>(o, load<f32>(o) + load<f32>(p0, 12));
        store<f32>(o + kb, load<f32>(o + kb) + load<f32>(p1, 12));
        store<f32>(o + 2 * kb, load<f32>(o + 2 * kb) + load<f32>(p2, 12));
        store<f32>(o + 3 * kb, load<f32>(o + 3 * kb) + load<f32>(p3, 12));
      }
      for (; j < blk; j++) {
        const b0 = buf + <usize>j * rowBytes;
        let p0 = rootP;
        for (let d = 0; d < depth; d++) p0 = step(nodes, p0, b0);
        const o = outBlock + ((<usize>j * K + grp) << 2);
        store<f32>(o, load<f32>(o) + load<f32>(p0, 12));
      }
    }
  }
}

/** In place: out[i] = 1 / (1 + exp(−out[i])), in f32 as XGBoost does. */
export function sigmoidInPlace(out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const p = out + (<usize>i << 2);
    store<f32>(p, <f32>1.0 / (<f32>1.0 + Mathf.exp(-load<f32>(p))));
  }
}
