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
// The training dataset: a row-major matrix of per-feature bin codes (one byte each, or two
// when a feature needs all 256 bins and a missing code, see `binWidth`) plus
// the per-feature layout of a histogram. Feature f owns histogram slots
// [slotOffset[f], slotOffset[f] + nbins[f]]; the last of those is the missing-value slot,
// and a row whose code equals nbins[f] is missing for f.

let nRows: i32 = 0;
let nFeat: i32 = 0;
let binsPtr: usize = 0;
/** Bytes per column-major bin code: 1, or 2 when some feature may need 256 bins plus a missing-value code. */
let binWidth: i32 = 1;
/**
 * Bytes per row-major code: 2 whenever every histogram slot index fits in 16 bits (so the
 * codes can be globalized, see `rowCodesGlobal`), otherwise `binWidth`.
 */
let rowWidth: i32 = 1;
/** The same codes column-major (feature f at colBins + f·rows): partitioning reads one feature. */
let colBinsPtr: usize = 0;
/** Byte offset of each feature's first slot in a histogram (slot index × 16). */
let slotBytePtr: usize = 0;
let nbinsPtr: usize = 0;
let totalSlots: i32 = 0;
let rowIdxPtr: usize = 0;
let tmpIdxPtr: usize = 0;

/**
 * With two-byte codes the row-major matrix can hold each cell's histogram slot index
 * (feature offset + bin) instead of its bin, which saves a load and an add per cell in the
 * histogram loop; set by `globalizeRowCodes`. The column-major copy keeps plain bins.
 * This is why the row-major codes are two bytes even when the bins fit in one.
 */
let rowCodesGlobal = false;

export function setDataset(rows: i32, feats: i32, width: i32, rowCodeWidth: i32, bins: usize, colBins: usize, slotBytes: usize, nbins: usize, slots: i32, rowIdx: usize, tmpIdx: usize): void {
  binWidth = width;
  rowWidth = rowCodeWidth;
  rowCodesGlobal = false;
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
// ---------------------------------------------------------------------------------------
// XGBoost's weighted quantile sketch (WQuantileSketch / WQSummary, float ranks), one feature
// at a time. A summary is an array of 16-byte entries [value, rmin, rmax, wmin] (f32).

let sketchLimit: i32 = 0;
let sketchLevels: i32 = 0;
/** Level l's entries live at levelData + l·limit·16; its size at levelSizes + l·4. */
let levelData: usize = 0;
let levelSizes: usize = 0;
let levelCount: i32 = 0;
/** The input queue: (value, weight) f32 pairs; capacity 1 until a second value arrives. */
let queuePtr: usize = 0;
let queueTail: i32 = 0;
let queueCap: i32 = 0;
let sortScratch: usize = 0;
let sortCounts: usize = 0;
let tempPtr: usize = 0;

function sketchInit(maxn: i32, eps: f64): void {
  let nlevel = 1;
  let limit: i64 = 0;
  while (true) {
    limit = <i64>Math.ceil(<f64>nlevel / eps) + 1;
    limit = min(<i64>maxn, limit);
    const nn: i64 = (<i64>1) << nlevel;
    if (nn * limit >= <i64>maxn) break;
    nlevel++;
  }
  sketchLimit = <i32>limit;
  sketchLevels = nlevel;
  // PushTemp climbs one level per carry; 2·nlevel + 4 levels is far beyond what the sizing
  // above lets it reach, and each level is only limit entries.
  const maxLevels = 2 * nlevel + 4;
  levelData = alloc(<usize>maxLevels * <usize>sketchLimit << 4);
  levelSizes = alloc(<usize>maxLevels << 2);
  memory.fill(levelSizes, 0, <usize>maxLevels << 2);
  levelCount = 0;
  queuePtr = alloc(<usize>sketchLimit * 2 << 3);
  sortScratch = alloc(<usize>sketchLimit * 2 << 4);
  sortCounts = alloc(1024);
  tempPtr = alloc(<usize>sketchLimit * 2 << 4);
  queueTail = 0;
  queueCap = 1;
}

// @ts-ignore: decorator
@inline
function levelAt(l: i32): usize {
  return levelData + ((<usize>l * <usize>sketchLimit) << 4);
}

// @ts-ignore: decorator
@inline
function levelSize(l: i32): i32 {
  return load<i32>(levelSizes + (<usize>l << 2));
}

// @ts-ignore: decorator
@inline
function setLevelSize(l: i32, size: i32): void {
  store<i32>(levelSizes + (<usize>l << 2), size);
}

// @ts-ignore: decorator
@inline
function putEntry(at: usize, value: f32, rmin: f32, rmax: f32, wmin: f32): void {
  store<f32>(at, value);
  store<f32>(at, rmin, 4);
  store<f32>(at, rmax, 8);
  store<f32>(at, wmin, 12);
}

function sketchPush(x: f32, w: f32): void {
  if (queueTail == queueCap && load<f32>(queuePtr + (<usize>(queueTail - 1) << 3)) != x) {
    if (queueCap == 1) {
      queueCap = sketchLimit * 2;
    } else {
      const size = makeSummary(tempPtr);
      queueTail = 0;
      pushTemp(size);
    }
  }
  if (queueTail == 0 || load<f32>(queuePtr + (<usize>(queueTail - 1) << 3)) != x) {
    store<f32>(queuePtr + (<usize>queueTail << 3), x);
    store<f32>(queuePtr + (<usize>queueTail << 3), w, 4);
    queueTail++;
  } else {
    const at = queuePtr + (<usize>(queueTail - 1) << 3) + 4;
    store<f32>(at, load<f32>(at) + w);
  }
}

/** Sorts the queue by value and writes its exact summary to `out`; returns its size. */
function makeSummary(out: usize): i32 {
  const n = queueTail;
  // Radix sort of (value key << 32 | weight bits); equal values merge below, so order among them is moot.
  const a = sortScratch;
  const b = sortScratch + (<usize>n << 3);
  for (let i = 0; i < n; i++) {
    const q = queuePtr + (<usize>i << 3);
    store<u64>(a + (<usize>i << 3), (<u64>sortableKey(reinterpret<u32>(load<f32>(q))) << 32) | <u64>load<u32>(q, 4));
  }
  let src = a;
  let dst = b;
  for (let pass = 0; pass < 4; pass++) {
    const shift = <u64>(32 + pass * 8);
    const counts = sortCounts;
    memory.fill(counts, 0, 1024);
    for (let i = 0; i < n; i++) {
      const c = counts + (<usize>((load<u64>(src + (<usize>i << 3)) >>> shift) & 0xff) << 2);
      store<u32>(c, load<u32>(c) + 1);
    }
    let sum: u32 = 0;
    for (let k = 0; k < 256; k++) {
      const c = load<u32>(counts + (<usize>k << 2));
      store<u32>(counts + (<usize>k << 2), sum);
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const e = load<u64>(src + (<usize>i << 3));
      const c = counts + (<usize>((e >>> shift) & 0xff) << 2);
      const pos = load<u32>(c);
      store<u32>(c, pos + 1);
      store<u64>(dst + (<usize>pos << 3), e);
    }
    const t = src;
    src = dst;
    dst = t;
  }
  let size = 0;
  let wsum: f32 = 0;
  let i = 0;
  while (i < n) {
    const e = load<u64>(src + (<usize>i << 3));
    const key = <u32>(e >>> 32);
    let w = reinterpret<f32>(<u32>e);
    let j = i + 1;
    while (j < n) {
      const e2 = load<u64>(src + (<usize>j << 3));
      if (<u32>(e2 >>> 32) != key) break;
      w += reinterpret<f32>(<u32>e2);
      j++;
    }
    putEntry(out + (<usize>size << 4), keyToFloat(key), wsum, wsum + w, w);
    size++;
    wsum += w;
    i = j;
  }
  return size;
}

function pushTemp(tempSize0: i32): void {
  let tempSize = tempSize0;
  for (let l = 1; ; l++) {
    if (levelCount < l + 1) levelCount = l + 1;
    if (levelSize(l) == 0) {
      setLevelSize(l, pruneEntries(tempPtr, tempSize, levelAt(l), sketchLimit));
      break;
    } else {
      setLevelSize(0, pruneEntries(tempPtr, tempSize, levelAt(0), sketchLimit));
      tempSize = combineEntries(levelAt(0), levelSize(0), levelAt(l), levelSize(l), tempPtr);
      if (tempSize > sketchLimit) {
        setLevelSize(l, 0);
      } else {
        memory.copy(levelAt(l), tempPtr, <usize>tempSize << 4);
        setLevelSize(l, tempSize);
        break;
      }
    }
  }
}

/** The final summary of everything pushed, written to `out`; returns its size. */
function sketchGetSummary(out: usize): i32 {
  let size = makeSummary(out);
  if (levelCount != 0) {
    setLevelSize(0, pruneEntries(out, size, levelAt(0), sketchLimit));
    for (let l = 1; l < levelCount; l++) {
      if (levelSize(l) == 0) continue;
      if (levelSize(0) == 0) {
        memory.copy(levelAt(0), levelAt(l), <usize>levelSize(l) << 4);
        setLevelSize(0, levelSize(l));
      } else {
        size = combineEntries(levelAt(0), levelSize(0), levelAt(l), levelSize(l), out);
        setLevelSize(0, pruneEntries(out, size, levelAt(0), sketchLimit));
      }
    }
    size = levelSize(0);
    memory.copy(out, levelAt(0), <usize>size << 4);
  } else if (size > sketchLimit) {
    const pruned = pruneEntries(out, size, tempPtr, sketchLimit);
    memory.copy(out, tempPtr, <usize>pruned << 4);
    size = pruned;
  }
  return size;
}

/** WQSummary::SetCombine: merges two summaries into `dst` and fixes rounding errors. */
function combineEntries(a: usize, aSize: i32, b: usize, bSize: i32, dst: usize): i32 {
  if (aSize == 0) {
    memory.copy(dst, b, <usize>bSize << 4);
    return bSize;
  }
  if (bSize == 0) {
    memory.copy(dst, a, <usize>aSize << 4);
    return aSize;
  }
  let ia = 0;
  let ib = 0;
  let size = 0;
  let aPrevRmin: f32 = 0;
  let bPrevRmin: f32 = 0;
  while (ia < aSize && ib < bSize) {
    const ea = a + (<usize>ia << 4);
    const eb = b + (<usize>ib << 4);
    const va = load<f32>(ea);
    const vb = load<f32>(eb);
    const at = dst + (<usize>size << 4);
    if (va == vb) {
      putEntry(at, va, load<f32>(ea, 4) + load<f32>(eb, 4), load<f32>(ea, 8) + load<f32>(eb, 8), load<f32>(ea, 12) + load<f32>(eb, 12));
      aPrevRmin = load<f32>(ea, 4) + load<f32>(ea, 12);
      bPrevRmin = load<f32>(eb, 4) + load<f32>(eb, 12);
      ia++;
      ib++;
    } else if (va < vb) {
      putEntry(at, va, load<f32>(ea, 4) + bPrevRmin, load<f32>(ea, 8) + (load<f32>(eb, 8) - load<f32>(eb, 12)), load<f32>(ea, 12));
      aPrevRmin = load<f32>(ea, 4) + load<f32>(ea, 12);
      ia++;
    } else {
      putEntry(at, vb, load<f32>(eb, 4) + aPrevRmin, load<f32>(eb, 8) + (load<f32>(ea, 8) - load<f32>(ea, 12)), load<f32>(eb, 12));
      bPrevRmin = load<f32>(eb, 4) + load<f32>(eb, 12);
      ib++;
    }
    size++;
  }
  if (ia < aSize) {
    const bRmax = load<f32>(b + (<usize>(bSize - 1) << 4), 8);
    for (; ia < aSize; ia++) {
      const ea = a + (<usize>ia << 4);
      putEntry(dst + (<usize>size << 4), load<f32>(ea), load<f32>(ea, 4) + bPrevRmin, load<f32>(ea, 8) + bRmax, load<f32>(ea, 12));
      size++;
    }
  }
  if (ib < bSize) {
    const aRmax = load<f32>(a + (<usize>(aSize - 1) << 4), 8);
    for (; ib < bSize; ib++) {
      const eb = b + (<usize>ib << 4);
      putEntry(dst + (<usize>size << 4), load<f32>(eb), load<f32>(eb, 4) + aPrevRmin, load<f32>(eb, 8) + aRmax, load<f32>(eb, 12));
      size++;
    }
  }
  // FixError: rmin and rmax must not decrease, and rmax ≥ rmin + wmin.
  let prevRmin: f32 = 0;
  let prevRmax: f32 = 0;
  for (let i = 0; i < size; i++) {
    const e = dst + (<usize>i << 4);
    if (load<f32>(e, 4) < prevRmin) store<f32>(e, prevRmin, 4);
    else prevRmin = load<f32>(e, 4);
    if (load<f32>(e, 8) < prevRmax) store<f32>(e, prevRmax, 8);
    const rminNext = load<f32>(e, 4) + load<f32>(e, 12);
    if (load<f32>(e, 8) < rminNext) store<f32>(e, rminNext, 8);
    prevRmax = load<f32>(e, 8);
  }
  return size;
}

/**
 * WQSummary::SetPrune: keeps at most `maxSize` entries of `src` spread evenly by rank,
 * always the first and the last, in `dst`; returns how many. Arithmetic in f32, as
 * XGBoost's RType is float.
 */
function pruneEntries(src: usize, srcSize: i32, dst: usize, maxSize: i32): i32 {
  if (srcSize <= maxSize) {
    memory.copy(dst, src, <usize>srcSize << 4);
    return srcSize;
  }
  const begin = load<f32>(src, 8);
  const range = load<f32>(src + (<usize>(srcSize - 1) << 4), 4) - begin;
  const n = maxSize - 1;
  memory.copy(dst, src, 16);
  let size = 1;
  let i = 1;
  let lastIdx = 0;
  for (let k = 1; k < n; k++) {
    const dx2: f32 = <f32>2 * ((<f32>k * range) / <f32>n + begin);
    while (i < srcSize - 1) {
      const e = src + (<usize>(i + 1) << 4);
      if (!(dx2 >= load<f32>(e, 8) + load<f32>(e, 4))) break;
      i++;
    }
    if (i == srcSize - 1) break;
    const a = src + (<usize>i << 4);
    const b = src + (<usize>(i + 1) << 4);
    // RMinNext(a) + RMaxPrev(b) = (rmin + wmin)(a) + (rmax − wmin)(b)
    if (dx2 < (load<f32>(a, 4) + load<f32>(a, 12)) + (load<f32>(b, 8) - load<f32>(b, 12))) {
      if (i != lastIdx) {
        memory.copy(dst + (<usize>size << 4), a, 16);
        size++;
        lastIdx = i;
      }
    } else if (i + 1 != lastIdx) {
      memory.copy(dst + (<usize>size << 4), b, 16);
      size++;
      lastIdx = i + 1;
    }
  }
  if (lastIdx != srcSize - 1) {
    memory.copy(dst + (<usize>size << 4), src + (<usize>(srcSize - 1) << 4), 16);
    size++;
  }
  return size;
}

// @ts-ignore: decorator
@inline
function storeCode(row: usize, f: i32, code: i32): void {
  if (rowWidth == 2) store<u16>(binsPtr + ((row * <usize>nFeat + <usize>f) << 1), <u16>code);
  else store<u8>(binsPtr + row * <usize>nFeat + <usize>f, <u8>code);
  if (binWidth == 2) store<u16>(colBinsPtr + ((<usize>f * <usize>nRows + row) << 1), <u16>code);
  else store<u8>(colBinsPtr + <usize>f * <usize>nRows + row, <u8>code);
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
 * for XGBoost's sketch to be exact the cuts are identical to XGBoost's.
 *
 * `scratchA`/`scratchB` hold n u64 each and `counts` 4×256 u32; the sketch allocates its own
 * (small) buffers above the heap top and frees them before returning. Writes the cuts to
 * `cutsOut` followed by the "below minimum" value XGBoost stores for splits that send only
 * missing values left; returns the number of cuts.
 */
export function sketchFeature(col: usize, weights: usize, n: i32, f: i32, maxBin: i32, cutsOut: usize, scratchA: usize, scratchB: usize, counts: usize): i32 {
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
    // XGBoost's own weighted quantile sketch, fed the column in row order, so the summary
    // (and the cuts) are the ones XGBoost 1.7 computes with one thread.
    const heapBefore = heapStart();
    sketchInit(m, 1.0 / <f64>(maxBin * 8));
    for (let i = 0; i < n; i++) {
      let v = load<f32>(col + (<usize>i << 2));
      if (v != v) continue;
      if (v == 0) v = 0;
      const w: f32 = weights != 0 ? load<f32>(weights + (<usize>i << 2)) : <f32>1;
      if (w == 0) continue;
      sketchPush(v, w);
    }
    const summary = alloc(<usize>sketchLimit * 2 << 4);
    let size = sketchGetSummary(summary);
    // XGBoost prunes the summary twice: to min(count, 8 × max_bin) entries when the sketches
    // are reduced, then to max_bin + 1 entries when the cuts are made.
    const intermediate = min(m, maxBin * 8);
    const reduced = alloc(<usize>(size + 1) << 4);
    size = pruneEntries(summary, size, reduced, intermediate);
    const maxNumBins = min(intermediate, maxBins);
    size = pruneEntries(reduced, size, summary, maxNumBins + 1);
    const required = min(size, maxNumBins);
    let lastCut: f32 = 0;
    for (let j = 1; j < required; j++) {
      const v = load<f32>(summary + (<usize>j << 4));
      if (j == 1 || v > lastCut) {
        store<f32>(cutsOut + (<usize>nCuts << 2), v);
        nCuts++;
        lastCut = v;
      }
    }
    // A feature present only on zero-weight rows has an empty sketch: one bin then.
    const maxV = size > 0 ? load<f32>(summary + (<usize>(size - 1) << 4)) : keyToFloat(<u32>(load<u64>(src + (<usize>(m - 1) << 3)) >>> 32));
    const minV = size > 0 ? load<f32>(summary) : keyToFloat(<u32>(load<u64>(src) >>> 32));
    store<f32>(cutsOut + (<usize>nCuts << 2), maxV + (Mathf.abs(maxV) + <f32>1e-5));
    nCuts++;
    store<f32>(cutsOut + (<usize>nCuts << 2), minV - (Mathf.abs(minV) + <f32>1e-5));
    heapTop = heapBefore;

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
      storeCode(<usize>(<u32>e), f, b);
    }
  } else {
    store<f32>(cutsOut, 0);
  }
  if (hasMissing) {
    for (let i = 0; i < n; i++) {
      const v = load<f32>(col + (<usize>i << 2));
      if (v != v) {
        storeCode(<usize>i, f, nCuts);
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
  if (rowCodesGlobal) buildHistGlobal(hist, gh, begin, end, direct);
  else if (rowWidth == 2) buildHistOf<u16>(hist, gh, begin, end, direct);
  else buildHistOf<u8>(hist, gh, begin, end, direct);
}

/**
 * Rewrites the two-byte row-major codes as histogram slot indices (needs every slot index
 * below 65536, which the caller checks).
 */
export function globalizeRowCodes(): void {
  const nf = <usize>nFeat;
  for (let f: usize = 0; f < nf; f++) {
    const offset = <u16>(load<u32>(slotBytePtr + (f << 2)) >>> 4);
    if (offset == 0) continue;
    for (let r: usize = 0; r < <usize>nRows; r++) {
      const p = binsPtr + ((r * nf + f) << 1);
      store<u16>(p, load<u16>(p) + offset);
    }
  }
  rowCodesGlobal = true;
}

function buildHistGlobal(hist: usize, gh: usize, begin: i32, end: i32, direct: bool): void {
  memory.fill(hist, 0, <usize>totalSlots << 4);
  const nf = nFeat;
  const nf4 = nf & ~3;
  for (let i = begin; i < end; i++) {
    const r: usize = direct ? <usize>i : <usize>load<u32>(rowIdxPtr + (<usize>i << 2));
    const g = f64x2.promote_low_f32x4(v128.load64_zero(gh + (r << 3)));
    const bp = binsPtr + ((r * <usize>nf) << 1);
    let f = 0;
    for (; f < nf4; f += 4) {
      const c = bp + (<usize>f << 1);
      const p0 = hist + (<usize>load<u16>(c) << 4);
      const p1 = hist + (<usize>load<u16>(c, 2) << 4);
      const p2 = hist + (<usize>load<u16>(c, 4) << 4);
      const p3 = hist + (<usize>load<u16>(c, 6) << 4);
      v128.store(p0, f64x2.add(v128.load(p0), g));
      v128.store(p1, f64x2.add(v128.load(p1), g));
      v128.store(p2, f64x2.add(v128.load(p2), g));
      v128.store(p3, f64x2.add(v128.load(p3), g));
    }
    for (; f < nf; f++) {
      const p = hist + (<usize>load<u16>(bp + (<usize>f << 1)) << 4);
      v128.store(p, f64x2.add(v128.load(p), g));
    }
  }
}

function buildHistOf<T>(hist: usize, gh: usize, begin: i32, end: i32, direct: bool): void {
  memory.fill(hist, 0, <usize>totalSlots << 4);
  const nf = nFeat;
  const offs = slotBytePtr;
  const nf4 = nf & ~3;
  const w = <usize>sizeof<T>();
  for (let i = begin; i < end; i++) {
    const r: usize = direct ? <usize>i : <usize>load<u32>(rowIdxPtr + (<usize>i << 2));
    const g = f64x2.promote_low_f32x4(v128.load64_zero(gh + (r << 3)));
    const bp = binsPtr + r * <usize>nf * w;
    let f = 0;
    for (; f < nf4; f += 4) {
      const o = offs + (<usize>f << 2);
      const c = bp + <usize>f * w;
      const p0 = hist + <usize>load<u32>(o) + (<usize>load<T>(c) << 4);
      const p1 = hist + <usize>load<u32>(o, 4) + (<usize>load<T>(c + w) << 4);
      const p2 = hist + <usize>load<u32>(o, 8) + (<usize>load<T>(c + 2 * w) << 4);
      const p3 = hist + <usize>load<u32>(o, 12) + (<usize>load<T>(c + 3 * w) << 4);
      v128.store(p0, f64x2.add(v128.load(p0), g));
      v128.store(p1, f64x2.add(v128.load(p1), g));
      v128.store(p2, f64x2.add(v128.load(p2), g));
      v128.store(p3, f64x2.add(v128.load(p3), g));
    }
    for (; f < nf; f++) {
      const p = hist + <usize>load<u32>(offs + (<usize>f << 2)) + (<usize>load<T>(bp + <usize>f * w) << 4);
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
    acc = f64x2.add(acc, f64x2.promote_low_f32x4(v128.load64_zero(gh + (r << 3))));
  }
  v128.store(out, acc);
}

// ---------------------------------------------------------------------------------------
// Split search with XGBoost's regularised gain (CalcWeight / CalcGainGivenWeight).

let lambda: f64 = 1;
let alpha: f64 = 0;
let minChildWeight: f64 = 1;
let maxDeltaStep: f64 = 0;

/**
 * Split-search scratch, one feature's candidates (its non-empty bins, see packBins): running
 * sums (f64), gains (f32) and the bin each candidate splits after (i32).
 */
let scanG: usize = 0;
let scanH: usize = 0;
let scanChg: usize = 0;
let scanBin: usize = 0;
/** Room for a feature's 256 bins plus a spare lane for the two-at-a-time loops. */
const SCAN_BINS: usize = 260;

export function setSplitParams(lambda_: f64, alpha_: f64, minChildWeight_: f64, maxDeltaStep_: f64): void {
  lambda = lambda_;
  alpha = alpha_;
  minChildWeight = minChildWeight_;
  maxDeltaStep = maxDeltaStep_;
  if (scanG == 0) {
    scanG = alloc(SCAN_BINS << 3);
    scanH = alloc(SCAN_BINS << 3);
    scanChg = alloc(SCAN_BINS << 2);
    scanBin = alloc(SCAN_BINS << 2);
  }
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
 * Two gains at once: gainInline for each lane of (g, h) when max_delta_step is 0, with the
 * same operations in the same order (so the same bits): t = g − clamp(g, −α, α) is L1's
 * soft threshold, and h ≤ 0 gives 0.
 */
// @ts-ignore: decorator
@inline
function gainX2(g: v128, h: v128, alphaV: v128, negAlphaV: v128, lambdaV: v128): v128 {
  const t = f64x2.sub(g, f64x2.min(f64x2.max(g, negAlphaV), alphaV));
  const q = f64x2.div(f64x2.mul(t, t), f64x2.add(h, lambdaV));
  return v128.and(q, f64x2.gt(h, f64x2.splat(0)));
}

/**
 * Loss changes of two candidate splits, as f32 in lanes 0 and 1 (XGBoost's
 * <f32>(<f32>gain(left) + <f32>gain(right)) − parent gain); 0 where a side's hessian is below
 * min_child_weight, which can never beat the running best (it starts at 0 and only grows).
 */
// @ts-ignore: decorator
@inline
function lossChangeX2(gl: v128, hl: v128, gr: v128, hr: v128, alphaV: v128, negAlphaV: v128, lambdaV: v128, mcwV: v128, parentV: v128): v128 {
  const valid = v128.and(f64x2.ge(hl, mcwV), f64x2.ge(hr, mcwV));
  const left = f32x4.demote_f64x2_zero(gainX2(gl, hl, alphaV, negAlphaV, lambdaV));
  const right = f32x4.demote_f64x2_zero(gainX2(gr, hr, alphaV, negAlphaV, lambdaV));
  const chg = f32x4.sub(f32x4.add(left, right), parentV);
  // The two 64-bit masks narrowed to 32-bit lanes 0 and 1.
  return v128.and(chg, i8x16.shuffle(valid, valid, 0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11));
}

// The best split found so far by a split search; the first strictly better candidate wins.
let best: f32 = 0;
let bestGL: f64 = 0;
let bestHL: f64 = 0;
let bestF = -1;
let bestBin = 0;
let bestDefaultLeft = 0;

// @ts-ignore: decorator
@inline
function resetBest(): void {
  best = 0;
  bestGL = 0;
  bestHL = 0;
  bestF = -1;
  bestBin = 0;
  bestDefaultLeft = 0;
}

// @ts-ignore: decorator
@inline
function offerSplit(chg: f32, gl: f64, hl: f64, f: i32, bin: i32, defaultLeft: i32): void {
  if (chg > best) {
    best = chg;
    bestGL = gl;
    bestHL = hl;
    bestF = f;
    bestBin = bin;
    bestDefaultLeft = defaultLeft;
  }
}

/** The layout findBestSplit documents. */
function writeBest(out: usize): void {
  store<f64>(out, <f64>best);
  store<f64>(out, bestGL, 8);
  store<f64>(out, bestHL, 16);
  store<i32>(out, bestF, 24);
  store<i32>(out, bestBin, 28);
  store<i32>(out, bestDefaultLeft, 32);
}

/**
 * Lists the non-empty bins of one feature (gradient or hessian sum not 0) in scanBin, in
 * bin order; returns how many. Its histogram starts at `base`.
 *
 * An empty bin adds nothing, so its candidate has the same sums, hence the same gain, as the
 * candidate just before it in scan order (forward or backward) and can never win the strict
 * comparison in offerSplit; before the first non-empty bin a side is empty, which is invalid
 * (hessian 0 < min_child_weight) or, with min_child_weight 0, has loss change 0, which cannot
 * beat the running best either. Dropping them leaves the chosen split unchanged
 * (findBestSplitScalar, the reference, skips them the same way), while small nodes, whose
 * few rows fill a handful of a feature's up to 256 bins, pay for their gains (two divisions
 * each) and running sums only where they have rows. Branch-free: every bin is written at the
 * cursor, which moves past it only when the bin is non-empty.
 */
// @ts-ignore: decorator
@inline
function packBins(base: usize, nb: i32): i32 {
  let k: usize = 0;
  for (let b = 0; b < nb; b++) {
    const p = base + (<usize>b << 4);
    store<i32>(scanBin + (k << 2), b);
    // Either sum non-zero (−0 counts as 0): the bits without the sign are not all zero.
    k += <usize>(((load<u64>(p) | load<u64>(p, 8)) << 1) != 0);
  }
  return <i32>k;
}

/** scanG/scanH[j] = the sums of listed bins 0..j (forward) or j..n−1 (backward), for j in 0..n−1. */
// @ts-ignore: decorator
@inline
function packedSums(base: usize, n: i32, forward: bool): void {
  let gs: f64 = 0;
  let hs: f64 = 0;
  if (forward) {
    for (let j = 0; j < n; j++) {
      const p = base + (<usize>load<i32>(scanBin + (<usize>j << 2)) << 4);
      gs += load<f64>(p);
      hs += load<f64>(p, 8);
      store<f64>(scanG + (<usize>j << 3), gs);
      store<f64>(scanH + (<usize>j << 3), hs);
    }
  } else {
    for (let j = n - 1; j >= 0; j--) {
      const p = base + (<usize>load<i32>(scanBin + (<usize>j << 2)) << 4);
      gs += load<f64>(p);
      hs += load<f64>(p, 8);
      store<f64>(scanG + (<usize>j << 3), gs);
      store<f64>(scanH + (<usize>j << 3), hs);
    }
  }
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
  if (maxDeltaStep != 0) {
    findBestSplitScalar(hist, g, h, featMask, out);
    return;
  }
  // The same candidates, gains and order as findBestSplitScalar (the reference), in passes
  // per feature: the non-empty bins listed (packBins), then per direction their running sums,
  // two candidates' gains at a time with SIMD (the divisions dominate), and a scan in
  // XGBoost's order keeping the first strictly best.
  const parentGain = <f32>gainInline(g, h);
  const gV = f64x2.splat(g);
  const hV = f64x2.splat(h);
  const mcwV = f64x2.splat(minChildWeight);
  const alphaV = f64x2.splat(alpha);
  const negAlphaV = f64x2.splat(-alpha);
  const lambdaV = f64x2.splat(lambda);
  const parentV = f32x4.splat(parentGain);
  resetBest();
  for (let f = 0; f < nFeat; f++) {
    if (load<u8>(featMask + f) == 0) continue;
    const base = hist + <usize>load<u32>(slotBytePtr + (<usize>f << 2));
    const nb = load<i32>(nbinsPtr + (<usize>f << 2));
    const n = packBins(base, nb);
    // Forward: missing values go right; a split after bin b has bins 0..b on the left.
    packedSums(base, n, true);
    for (let j = 0; j < n; j += 2) {
      const gl = v128.load(scanG + (<usize>j << 3));
      const hl = v128.load(scanH + (<usize>j << 3));
      v128.store(scanChg + (<usize>j << 2), lossChangeX2(gl, hl, f64x2.sub(gV, gl), f64x2.sub(hV, hl), alphaV, negAlphaV, lambdaV, mcwV, parentV));
    }
    for (let j = 0; j < n; j++) {
      offerSplit(load<f32>(scanChg + (<usize>j << 2)), load<f64>(scanG + (<usize>j << 3)), load<f64>(scanH + (<usize>j << 3)), f, load<i32>(scanBin + (<usize>j << 2)), 0);
    }
    const mp = base + (<usize>nb << 4);
    if (load<f64>(mp) == 0 && load<f64>(mp, 8) == 0) continue;
    // Backward: missing values go left; the candidate at b has bins b..nb−1 on the right.
    packedSums(base, n, false);
    for (let j = 0; j < n; j += 2) {
      const gr = v128.load(scanG + (<usize>j << 3));
      const hr = v128.load(scanH + (<usize>j << 3));
      v128.store(scanChg + (<usize>j << 2), lossChangeX2(f64x2.sub(gV, gr), f64x2.sub(hV, hr), gr, hr, alphaV, negAlphaV, lambdaV, mcwV, parentV));
    }
    for (let j = n - 1; j >= 0; j--) {
      offerSplit(load<f32>(scanChg + (<usize>j << 2)), g - load<f64>(scanG + (<usize>j << 3)), h - load<f64>(scanH + (<usize>j << 3)), f, load<i32>(scanBin + (<usize>j << 2)) - 1, 1);
    }
  }
  writeBest(out);
}

/**
 * The reference split search (findBestSplitScalar) whatever max_delta_step is: tests check
 * findBestSplit against it.
 */
export function findBestSplitReference(hist: usize, g: f64, h: f64, featMask: usize, out: usize): void {
  findBestSplitScalar(hist, g, h, featMask, out);
}

/** The reference split search, one candidate at a time; used when max_delta_step is set. */
function findBestSplitScalar(hist: usize, g: f64, h: f64, featMask: usize, out: usize): void {
  // Gains are compared as f32, as XGBoost's evaluator returns them: equal splits then tie
  // exactly and the first in feature/bin order wins, in both implementations.
  const parentGain = <f32>gainInline(g, h);
  const mcw = minChildWeight;
  resetBest();
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
          offerSplit(<f32>(<f32>gainInline(gl, hl) + <f32>gainInline(gr, hr)) - parentGain, gl, hl, f, b, 0);
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
            offerSplit(<f32>(<f32>gainInline(gl2, hl2) + <f32>gainInline(gr, hr)) - parentGain, gl2, hl2, f, b - 1, 1);
          }
        }
      }
    }
  }
  writeBest(out);
}

/**
 * The best partition of a categorical feature's categories at a node, over the features whose
 * byte in `catMask` is non-zero (XGBoost's and LightGBM's partition search): per feature, the
 * node's non-empty bins sorted by their optimal weight −G/(H+λ) (insertion sort, ties by bin),
 * then every prefix of that order tried as the right-going set, missing values first on the
 * right, then (when the node has any) on the left. Only a loss change above `minChg` (the best
 * numerical split's) counts. Writes the winner's right-going bins to `order` (i32 each) and to
 * `out`: [0] loss change f64, [8] left gradient sum, [16] left hessian sum, [24] i32 number of
 * right-going bins (0 = nothing beat minChg), [28] i32 1 when missing values go left, [32] i32
 * feature.
 */
export function findCategoricalSplit(hist: usize, g: f64, h: f64, catMask: usize, minChg: f64, order: usize, out: usize): void {
  let bestChg = <f32>minChg;
  let bestCount = 0;
  let bestMissingLeft = 0;
  let bestF = -1;
  let bestGL: f64 = 0;
  let bestHL: f64 = 0;
  const parentGain = <f32>gainInline(g, h);
  for (let f = 0; f < nFeat; f++) {
    if (load<u8>(catMask + f) == 0) continue;
    const base = hist + <usize>load<u32>(slotBytePtr + (<usize>f << 2));
    const nb = load<i32>(nbinsPtr + (<usize>f << 2));
    let m = 0;
    for (let b = 0; b < nb; b++) {
      const p = base + (<usize>b << 4);
      const gb = load<f64>(p);
      const hb = load<f64>(p, 8);
      if (gb == 0 && hb == 0) continue;
      const key = -gb / (hb + lambda);
      let j = m;
      while (j > 0 && load<f64>(scanG + (<usize>(j - 1) << 3)) > key) {
        store<f64>(scanG + (<usize>j << 3), load<f64>(scanG + (<usize>(j - 1) << 3)));
        store<i32>(scanBin + (<usize>j << 2), load<i32>(scanBin + (<usize>(j - 1) << 2)));
        j--;
      }
      store<f64>(scanG + (<usize>j << 3), key);
      store<i32>(scanBin + (<usize>j << 2), b);
      m++;
    }
    const pm = base + (<usize>nb << 4);
    const gm = load<f64>(pm);
    const hm = load<f64>(pm, 8);
    const hasMissing = gm != 0 || hm != 0;
    if (m + (hasMissing ? 1 : 0) < 2) continue;
    let improved = false;
    const passes = hasMissing ? 2 : 1;
    for (let pass = 0; pass < passes; pass++) {
      let gr: f64 = pass == 0 ? gm : 0;
      let hr: f64 = pass == 0 ? hm : 0;
      for (let j = 0; j < m; j++) {
        const p = base + (<usize>load<i32>(scanBin + (<usize>j << 2)) << 4);
        gr += load<f64>(p);
        hr += load<f64>(p, 8);
        const gl = g - gr;
        const hl = h - hr;
        if (!(hl >= minChildWeight && hr >= minChildWeight)) continue;
        const chg: f32 = <f32>(<f32>gainInline(gl, hl) + <f32>gainInline(gr, hr)) - parentGain;
        if (chg > bestChg) {
          bestChg = chg;
          bestCount = j + 1;
          bestMissingLeft = pass;
          bestF = f;
          bestGL = gl;
          bestHL = hl;
          improved = true;
        }
      }
    }
    if (improved) memory.copy(order, scanBin, <usize>bestCount << 2);
  }
  store<f64>(out, <f64>bestChg);
  store<f64>(out, bestGL, 8);
  store<f64>(out, bestHL, 16);
  store<i32>(out, bestF < 0 ? 0 : bestCount, 24);
  store<i32>(out, bestMissingLeft, 28);
  store<i32>(out, bestF, 32);
}

/**
 * Stable partition of rowIdx[begin..end) by a split; returns the number of rows that go
 * left (they end up first). Branch-free: each row is written to both sides and only the
 * matching cursor advances.
 */
export function partitionRows(begin: i32, end: i32, f: i32, splitBin: i32, defaultLeft: bool): i32 {
  return binWidth == 2 ? partitionRowsOf<u16, i32>(begin, end, f, splitBin, 0, defaultLeft) : partitionRowsOf<u8, i32>(begin, end, f, splitBin, 0, defaultLeft);
}

/**
 * partitionRows for a categorical split: a row goes left when the byte of its bin in
 * `leftBins` (one per bin of feature f) is non-zero; a missing value (bin nb) follows
 * `defaultLeft`. Stable, like partitionRows. Returns the number of rows sent left.
 */
export function partitionRowsByBins(begin: i32, end: i32, f: i32, leftBins: usize, defaultLeft: bool): i32 {
  return binWidth == 2 ? partitionRowsOf<u16, u8>(begin, end, f, 0, leftBins, defaultLeft) : partitionRowsOf<u8, u8>(begin, end, f, 0, leftBins, defaultLeft);
}

/**
 * T: the column-major code width. R: the rule, chosen at compile time — i32 for a threshold
 * (bin ≤ splitBin goes left), u8 for a per-bin byte table at `leftBins`.
 */
function partitionRowsOf<T, R>(begin: i32, end: i32, f: i32, splitBin: i32, leftBins: usize, defaultLeft: bool): i32 {
  const nb = load<i32>(nbinsPtr + (<usize>f << 2));
  const w = <usize>sizeof<T>();
  const col = colBinsPtr + <usize>f * <usize>nRows * w;
  let left = <usize>begin;
  let right: usize = 0;
  const idx = rowIdxPtr;
  const tmp = tmpIdxPtr;
  for (let i = begin; i < end; i++) {
    const r = load<u32>(idx + (<usize>i << 2));
    const b = <i32>load<T>(col + <usize>r * w);
    const inRule: usize = sizeof<R>() == 1 ? <usize>(load<u8>(leftBins + <usize>b) != 0) : <usize>(b <= splitBin);
    const goLeft: usize = b == nb ? <usize>defaultLeft : inRule;
    store<u32>(idx + (left << 2), r);
    store<u32>(tmp + (right << 2), r);
    left += goLeft;
    right += 1 - goLeft;
  }
  memory.copy(idx + (left << 2), tmp, right << 2);
  return <i32>(left - <usize>begin);
}

/** margin[k·rows + rowIdx[i]] += value for i in [begin, end): a leaf's output on its rows. */
export function addLeafValue(margin: usize, k: i32, begin: i32, end: i32, value: f32): void {
  // Margins are class-major f32 (XGBoost's prediction cache is float, so its gradients see
  // the same values): a leaf's rows are ascending, so this walks one class's run in order.
  const m = margin + ((<usize>k * <usize>nRows) << 2);
  for (let i = begin; i < end; i++) {
    const p = m + (<usize>load<u32>(rowIdxPtr + (<usize>i << 2)) << 2);
    store<f32>(p, load<f32>(p) + value);
  }
}

/** Zeroes the gradient pairs of rows whose mask byte is 0 (row subsampling). */
export function maskGradients(gh: usize, mask: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    if (load<u8>(mask + <usize>i) == 0) store<u64>(gh + (<usize>i << 3), 0);
  }
}

// ---------------------------------------------------------------------------------------
// Gradients. `margin` is f32, class-major for multi-class ([k][row], like `gh`), labels and weights f32
// (weights 0 = none), `gh` receives (gradient, hessian) f32 pairs (8 bytes a row; the
// histograms widen them to f64), class-major for multi-class: [k][row]. The arithmetic is f32, as XGBoost's objectives compute it (its GradientPair is
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
  return load<f32>(margin + (i << 2));
}

// @ts-ignore: decorator
@inline
function labelAt(label: usize, i: i32): f32 {
  return load<f32>(label + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline
function storeGH(gh: usize, i: usize, g: f32, h: f32): void {
  store<f32>(gh + (i << 3), g);
  store<f32>(gh + (i << 3), h, 4);
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

// reg:tweedie (variance power rho in [1, 2), log link), in XGBoost 1.7's f32 operation order:
// g = −y·e^((1−rho)m) + e^((2−rho)m), h = −y·(1−rho)·e^((1−rho)m) + (2−rho)·e^((2−rho)m).
export function gradTweedie(n: i32, margin: usize, label: usize, weights: usize, rho: f32, gh: usize): void {
  const a: f32 = <f32>1.0 - rho;
  const b: f32 = <f32>2.0 - rho;
  for (let i = 0; i < n; i++) {
    const w = rowWeight(weights, i);
    const m = marginAt(margin, i);
    const y = labelAt(label, i);
    const ea = Mathf.exp(a * m);
    const eb = Mathf.exp(b * m);
    storeGH(gh, i, (-y * ea + eb) * w, (-y * a * ea + b * eb) * w);
  }
}

// exp(x) for four f32 lanes, the same bits as Mathf.exp (checked for every f32 in [−128, 1)): AssemblyScript's Mathf.exp is the
// table-driven expf of ARM's optimized-routines (as glibc's expf, which XGBoost calls), so
// this evaluates that algorithm — its polynomial, its 2^(i/32) table (below, computed from
// the definition, tab[i] = bits(2^(i/32)) − (i << 47)) and its operation order — two lanes
// at a time in f64x2. Only for x ≤ 0 and finite (softmax's m − max): large positive x,
// infinities and NaN take no special path.
const EXP_N: f64 = 32;
const EXP_SHIFT = reinterpret<f64>(0x4338000000000000);
const EXP_INV_LN2_N = reinterpret<f64>(0x3ff71547652b82fe) * EXP_N;
const EXP_C0 = reinterpret<f64>(0x3fac6af84b912394) / EXP_N / EXP_N / EXP_N;
const EXP_C1 = reinterpret<f64>(0x3fcebfce50fac4f3) / EXP_N / EXP_N;
const EXP_C2 = reinterpret<f64>(0x3fe62e42ff0c52d6) / EXP_N;
/** Below log(2^−150) the result is 0. */
const EXP_UNDERFLOW = reinterpret<f32>(0xc2cff1b4);
const EXP_TAB = memory.data<u64>([
  0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51, 0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
  0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d, 0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
  0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13, 0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
  0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069, 0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
]);

// @ts-ignore: decorator
@inline
function expLanes(xd: v128): v128 {
  const z = f64x2.mul(f64x2.splat(EXP_INV_LN2_N), xd);
  const kd = f64x2.add(z, f64x2.splat(EXP_SHIFT));
  const r = f64x2.sub(z, f64x2.sub(kd, f64x2.splat(EXP_SHIFT)));
  let t = i64x2.splat(load<u64>(EXP_TAB + ((<usize>i64x2.extract_lane(kd, 0) & 31) << 3)));
  t = i64x2.replace_lane(t, 1, load<u64>(EXP_TAB + ((<usize>i64x2.extract_lane(kd, 1) & 31) << 3)));
  t = i64x2.add(t, i64x2.shl(kd, 47));
  const c = f64x2.add(f64x2.mul(f64x2.splat(EXP_C0), r), f64x2.splat(EXP_C1));
  let y = f64x2.add(f64x2.mul(f64x2.splat(EXP_C2), r), f64x2.splat(1));
  y = f64x2.add(y, f64x2.mul(c, f64x2.mul(r, r)));
  return f64x2.mul(y, t);
}

// @ts-ignore: decorator
@inline
function exp4(x: v128): v128 {
  const lo = f32x4.demote_f64x2_zero(expLanes(f64x2.promote_low_f32x4(x)));
  const hi = f32x4.demote_f64x2_zero(expLanes(f64x2.promote_low_f32x4(i8x16.shuffle(x, x, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))));
  const e = i8x16.shuffle(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
  return v128.andnot(e, f32x4.lt(x, f32x4.splat(EXP_UNDERFLOW)));
}

/** Rows per block of gradSoftmax (a multiple of 4). */
const SOFTMAX_BLOCK: i32 = 64;

/** Bytes of scratch gradSoftmax needs for `numClass` classes. */
export function softmaxScratchBytes(numClass: i32): i32 {
  return (numClass + 2) * SOFTMAX_BLOCK * 4;
}

/**
 * Softmax gradients; `scratch` holds softmaxScratchBytes(numClass). Rows go in blocks of 64,
 * class by class, so every load and store walks one class's run in row order and four rows
 * share each SIMD operation; the arithmetic per row is the reference's (softmaxRow) in the
 * same order, so the gradients are the same bits. Rows past the last multiple of 4 go one
 * at a time.
 */
export function gradSoftmax(n: i32, numClass: i32, margin: usize, label: usize, weights: usize, gh: usize, scratch: usize): void {
  const K = <usize>numClass;
  const N = <usize>n;
  const mx = scratch;
  const sum = scratch + (<usize>SOFTMAX_BLOCK << 2);
  const ex = sum + (<usize>SOFTMAX_BLOCK << 2);
  const full = n & ~3;
  for (let r0 = 0; r0 < full; r0 += SOFTMAX_BLOCK) {
    const B = <usize>min(SOFTMAX_BLOCK, full - r0);
    const row0 = <usize>r0;
    for (let j: usize = 0; j < B; j += 4) v128.store(mx + (j << 2), v128.load(margin + ((row0 + j) << 2)));
    for (let k: usize = 1; k < K; k++) {
      const mk = margin + ((k * N + row0) << 2);
      for (let j: usize = 0; j < B; j += 4) v128.store(mx + (j << 2), f32x4.max(v128.load(mx + (j << 2)), v128.load(mk + (j << 2))));
    }
    for (let j: usize = 0; j < B; j += 4) v128.store(sum + (j << 2), f32x4.splat(0));
    for (let k: usize = 0; k < K; k++) {
      const mk = margin + ((k * N + row0) << 2);
      const ek = ex + ((k * <usize>SOFTMAX_BLOCK) << 2);
      for (let j: usize = 0; j < B; j += 4) {
        const e = exp4(f32x4.sub(v128.load(mk + (j << 2)), v128.load(mx + (j << 2))));
        v128.store(ek + (j << 2), e);
        v128.store(sum + (j << 2), f32x4.add(v128.load(sum + (j << 2)), e));
      }
    }
    const one = f32x4.splat(1);
    const two = f32x4.splat(2);
    const tiny = f32x4.splat(1e-16);
    for (let k: usize = 0; k < K; k++) {
      const ek = ex + ((k * <usize>SOFTMAX_BLOCK) << 2);
      const ghk = gh + ((k * N + row0) << 3);
      const kv = i32x4.splat(<i32>k);
      for (let j: usize = 0; j < B; j += 4) {
        const p = f32x4.div(v128.load(ek + (j << 2)), v128.load(sum + (j << 2)));
        const y = i32x4.trunc_sat_f32x4_s(v128.load(label + ((row0 + j) << 2)));
        const w = weights != 0 ? v128.load(weights + ((row0 + j) << 2)) : one;
        const g = f32x4.mul(f32x4.sub(p, v128.and(i32x4.eq(y, kv), one)), w);
        const h = f32x4.max(f32x4.mul(f32x4.mul(f32x4.mul(two, p), f32x4.sub(one, p)), w), tiny);
        // Interleave to (g, h) pairs: rows j, j+1 then j+2, j+3.
        v128.store(ghk + (j << 3), i8x16.shuffle(g, h, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23));
        v128.store(ghk + (j << 3), i8x16.shuffle(g, h, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31), 16);
      }
    }
  }
  for (let i = full; i < n; i++) softmaxRow(i, K, N, margin, label, weights, gh, ex);
}

/** One row's softmax gradients, the reference arithmetic; `probs` is scratch for numClass f32. */
function softmaxRow(i: i32, K: usize, classStride: usize, margin: usize, label: usize, weights: usize, gh: usize, probs: usize): void {
  let mx = marginAt(margin, <usize>i);
  for (let k: usize = 1; k < K; k++) mx = max(mx, marginAt(margin, k * classStride + <usize>i));
  let sum: f32 = 0;
  for (let k: usize = 0; k < K; k++) {
    const e = Mathf.exp(marginAt(margin, k * classStride + <usize>i) - mx);
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
