import type { FeatureMatrix } from '../../gbdt/api';

/**
 * CART trees on histogram bins, shared by the DecisionTree, RandomForest and ExtraTrees
 * families. `ml-cart` was measured first (depth 6, 20 features: 6 s at 2,000 rows, 22 s
 * at 5,000 — it tries every distinct value and re-partitions the rows for each), which
 * rules it out beyond toy sizes; this builder bins each feature once into at most 64
 * quantile bins and grows nodes from per-bin sums, O(rows × features) per tree level.
 *
 * Missing values (NaN) get their own bin; each split learns whether they go left or
 * right (as XGBoost does), so featurization `off` data works without imputation.
 */

export const MAX_BINS = 64;

export interface BinnedMatrix {
  rows: number;
  cols: number;
  /**
   * Row-major bin per cell (row i, feature j at i·cols + j): 0 = missing, 1.. = value bins.
   * Row-major because a node reads all features of its rows: one cache line per row
   * instead of one per feature once the rows of a node are scattered.
   */
  codes: Uint8Array;
  /** Per feature, ascending cut values: bin b (≥ 1) holds cuts[b−2] ≤ x < cuts[b−1]. */
  cuts: Float64Array[];
}

/** Quantile bins from (a sample of) each column; the same bins serve every tree of a forest. */
export function binMatrix(X: FeatureMatrix, rand: () => number): BinnedMatrix {
  const { rows: n, cols: p, values } = X;
  const codes = new Uint8Array(n * p);
  const cuts: Float64Array[] = [];
  const sampleSize = Math.min(n, 200_000);
  const sampleRows = new Uint32Array(sampleSize);
  for (let s = 0; s < sampleSize; s++) sampleRows[s] = sampleSize === n ? s : Math.floor(rand() * n);
  for (let j = 0; j < p; j++) {
    const base = j * n;
    const gathered = new Float64Array(sampleSize);
    let m = 0;
    for (const i of sampleRows) {
      const v = values[base + i];
      if (v === v) gathered[m++] = v;
    }
    const sample = gathered.subarray(0, m).sort();
    const distinct: number[] = [];
    for (const v of sample) if (distinct.length === 0 || distinct[distinct.length - 1] !== v) distinct.push(v);
    let c: number[];
    if (distinct.length <= MAX_BINS) {
      c = [];
      for (let t = 1; t < distinct.length; t++) c.push((distinct[t - 1] + distinct[t]) / 2);
    } else {
      const set = new Set<number>();
      for (let b = 1; b < MAX_BINS; b++) set.add(sample[Math.floor((b * sample.length) / MAX_BINS)]);
      c = [...set].sort((a, b) => a - b);
    }
    cuts.push(Float64Array.from(c));
    // A branch-free binary search over the cuts padded to 64 with +∞: six compares per
    // cell, no mispredicted jumps, about twice as fast on millions of rows.
    const padded = new Float64Array(MAX_BINS).fill(Infinity);
    padded.set(c);
    for (let i = 0; i < n; i++) {
      const x = values[base + i];
      let b = 0;
      b += padded[b + 31] <= x ? 32 : 0;
      b += padded[b + 15] <= x ? 16 : 0;
      b += padded[b + 7] <= x ? 8 : 0;
      b += padded[b + 3] <= x ? 4 : 0;
      b += padded[b + 1] <= x ? 2 : 0;
      b += padded[b] <= x ? 1 : 0;
      codes[i * p + j] = x === x ? 1 + b : 0;
    }
  }
  return { rows: n, cols: p, codes, cuts };
}

export interface TreeOptions {
  /** 0 = regression (leaf = weighted mean), k ≥ 2 = classification (leaf = class shares). */
  numClasses: number;
  criterion: 'gini' | 'entropy' | 'squared_error';
  maxDepth: number;
  minSamplesLeaf: number;
  /** Features considered per split (all for a single tree). */
  maxFeatures: number;
  /** ExtraTrees: one random cut per considered feature instead of the best one. */
  randomSplits: boolean;
  rand: () => number;
  /** When given, each split adds its impurity decrease to its feature's entry. */
  importance?: Float64Array;
  /**
   * Classification: leaf shares become (w_c + m·prior_c) / (W + m), the m-estimate, so a
   * pure leaf of a single tree does not claim probability 0 for the other classes (which
   * log loss punishes without limit). Forests average many trees and use 0.
   */
  leafPseudoCount?: number;
  /** Derive the larger child's histograms by subtraction (default on when all features are considered). */
  histogramSubtraction?: boolean;
  /** Nodes of at most this many rows search from sorted rows (default `SMALL_NODE_ROWS`; tests compare the paths). */
  smallNodeRows?: number;
}

/** A fitted tree as flat arrays (plain JSON in a model's state). Leaves have feature −1. */
export interface TreeArrays {
  feature: number[];
  threshold: number[];
  /** 1 when missing values go left. */
  missingLeft: number[];
  left: number[];
  right: number[];
  /** Per node, its prediction: k class shares or one mean (leaves only are read). */
  value: number[][];
  /**
   * Per node, the training weight that reached it (bootstrap counts included). TreeSHAP
   * (engine/src/explain) needs it; models saved before it was added lack it.
   */
  cover?: number[];
}

/**
 * Nodes with at most this many rows find their split from their rows sorted by bin instead of
 * from 64-bin histograms: a full-depth tree has mostly such nodes, and scanning (and clearing)
 * every feature's 64 bins for a handful of rows was most of a deep forest's time.
 */
export const SMALL_NODE_ROWS = 48;

/**
 * Grows one tree on the rows with positive weight. `weight` combines sample weights and,
 * for forests, bootstrap counts.
 *
 * A node's split is searched one of three ways, all over the same candidate cuts (after bin t
 * for each bin t present in the node but its last): ExtraTrees draw one cut per feature and
 * sum the node's rows once for it (no histograms); other nodes with at most `SMALL_NODE_ROWS`
 * rows sort their rows by bin per feature; larger ones build per-bin histograms (derived by
 * subtraction when every feature is considered).
 */
export function growTree(data: BinnedMatrix, y: Float32Array, weight: Float64Array, options: TreeOptions): TreeArrays {
  const n = data.rows;
  const p = data.cols;
  const k = options.numClasses;
  const width = k > 0 ? k : 2; // regression keeps (Σw·y, Σw·y²)
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (weight[i] > 0) idx.push(i);
  const rows = Uint32Array.from(idx);
  const tree: TreeArrays = { feature: [], threshold: [], missingLeft: [], left: [], right: [], value: [], cover: [] };
  const features = Array.from({ length: p }, (_, j) => j);
  // Histograms of every feature for one node: per bin, weight, row count and label sums.
  const slots = MAX_BINS + 1;
  interface Hist {
    W: Float64Array;
    N: Float64Array;
    S: Float64Array;
  }
  // Histograms are reused: a deep tree would otherwise allocate one per node.
  const pool: Hist[] = [];
  const acquire = (): Hist => pool.pop() ?? { W: new Float64Array(p * slots), N: new Float64Array(p * slots), S: new Float64Array(p * slots * width) };
  const release = (h: Hist | undefined): void => {
    if (h) pool.push(h);
  };
  const codes = data.codes;
  const minLeaf = options.minSamplesLeaf;
  const fillHist = (h: Hist, begin: number, end: number, considered: number[]): void => {
    const { W, N, S } = h;
    for (const j of considered) {
      W.fill(0, j * slots, (j + 1) * slots);
      N.fill(0, j * slots, (j + 1) * slots);
      S.fill(0, j * slots * width, (j + 1) * slots * width);
    }
    for (let r = begin; r < end; r++) {
      const i = rows[r];
      const wi = weight[i];
      const yi = y[i];
      const rowBase = i * p;
      for (let f = 0; f < considered.length; f++) {
        const j = considered[f];
        const b = j * slots + codes[rowBase + j];
        W[b] += wi;
        N[b] += 1;
        if (k > 0) S[b * width + yi] += wi;
        else {
          S[b * 2] += wi * yi;
          S[b * 2 + 1] += wi * yi * yi;
        }
      }
    }
  };
  // Without feature sampling every node needs every feature's histogram, so a child's can
  // be derived: scan the smaller child, subtract it from the parent for the larger one (the
  // subtraction trick), which at least halves the row scans. Kept for modest histograms:
  // each pending node holds one.
  const subtract = (options.histogramSubtraction ?? true) && !options.randomSplits && options.maxFeatures >= p && p * slots * (2 + width) <= 400_000;
  /** Whether a node of this many rows searches its split from histograms. */
  const smallNode = Math.min(SMALL_NODE_ROWS, options.smallNodeRows ?? SMALL_NODE_ROWS);
  const usesHist = (count: number): boolean => !options.randomSplits && count > smallNode;

  interface Pending {
    node: number;
    begin: number;
    end: number;
    depth: number;
    hist?: Hist;
  }
  const newNode = (begin: number, end: number): number => {
    const node = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.missingLeft.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(nodeValue(rows, begin, end, y, weight, k, prior, options.leafPseudoCount ?? 0));
    let cover = 0;
    for (let r = begin; r < end; r++) cover += weight[rows[r]];
    tree.cover!.push(cover);
    return node;
  };
  const prior = k > 0 ? nodeValue(rows, 0, rows.length, y, weight, k, [], 0) : [];
  const stack: Pending[] = [{ node: newNode(0, rows.length), begin: 0, end: rows.length, depth: 0 }];

  const totals = new Float64Array(width);
  const leftS = new Float64Array(width);
  const rightS = new Float64Array(width);
  /** Label sums, weight and rows of the node's rows missing the feature at hand. */
  const missS = new Float64Array(width);
  let missW = 0;
  let missN = 0;
  // Small nodes: the rows' bins and row numbers, sorted by bin.
  const sortBins = new Uint8Array(SMALL_NODE_ROWS);
  const sortRows = new Uint32Array(SMALL_NODE_ROWS);

  // The node being split and the best cut found so far.
  let count = 0;
  let totalW = 0;
  let parentImpurity = 0;
  let bestGain = 0;
  let bestFeature = -1;
  let bestBin = 0;
  let bestMissingLeft = false;
  /**
   * Scores the cut after bin t of feature j, given the non-missing rows left of it in
   * (leftS, lw, ln) and the node's missing rows in (missS, missW, missN): missing values
   * right, then left.
   */
  const consider = (j: number, t: number, lw: number, ln: number): void => {
    for (let side = 0; side < 2; side++) {
      const missingLeft = side === 1;
      if (missingLeft && missN === 0) continue;
      const lwAll = lw + (missingLeft ? missW : 0);
      const lnAll = ln + (missingLeft ? missN : 0);
      if (lnAll < minLeaf || count - lnAll < minLeaf) continue;
      const rw = totalW - lwAll;
      if (lwAll <= 0 || rw <= 0) continue;
      let leftImp: number;
      if (missingLeft) {
        for (let c = 0; c < width; c++) rightS[c] = leftS[c] + missS[c];
        leftImp = impurity(rightS, lwAll, options.criterion);
        for (let c = 0; c < width; c++) rightS[c] = totals[c] - leftS[c] - missS[c];
      } else {
        leftImp = impurity(leftS, lwAll, options.criterion);
        for (let c = 0; c < width; c++) rightS[c] = totals[c] - leftS[c];
      }
      const gain = parentImpurity - leftImp - impurity(rightS, rw, options.criterion);
      if (gain > bestGain) {
        bestGain = gain;
        bestFeature = j;
        bestBin = t;
        bestMissingLeft = missingLeft;
      }
    }
  };

  /** Histogram path: cumulative sums over the feature's bins. */
  const searchHist = (h: Hist, j: number): void => {
    const histW = h.W;
    const histN = h.N;
    const histS = h.S;
    const hb = j * slots;
    let minBin = slots;
    let maxBin = 0;
    for (let b = 1; b < slots; b++) {
      if (histN[hb + b] > 0) {
        if (b < minBin) minBin = b;
        maxBin = b;
      }
    }
    if (maxBin <= minBin) return;
    missW = histW[hb];
    missN = histN[hb];
    for (let c = 0; c < width; c++) missS[c] = histS[hb * width + c];
    leftS.fill(0);
    let leftW = 0;
    let leftN = 0;
    for (let t = minBin; t < maxBin; t++) {
      leftW += histW[hb + t];
      leftN += histN[hb + t];
      for (let c = 0; c < width; c++) leftS[c] += histS[(hb + t) * width + c];
      consider(j, t, leftW, leftN);
    }
  };

  const addRow = (target: Float64Array, i: number): void => {
    const wi = weight[i];
    if (k > 0) target[y[i]] += wi;
    else {
      const yi = y[i];
      target[0] += wi * yi;
      target[1] += wi * yi * yi;
    }
  };

  const clearMissing = (): void => {
    missS.fill(0);
    missW = 0;
    missN = 0;
  };
  const addMissing = (i: number): void => {
    missW += weight[i];
    missN++;
    addRow(missS, i);
  };

  /** Small-node path: the node's rows sorted by the feature's bin, cuts between distinct bins. */
  const searchSorted = (begin: number, end: number, j: number): void => {
    clearMissing();
    let m = 0;
    for (let r = begin; r < end; r++) {
      const i = rows[r];
      const b = codes[i * p + j];
      if (b === 0) {
        addMissing(i);
        continue;
      }
      // Insertion sort as the rows arrive (stable: equal bins keep row order).
      let q = m++;
      while (q > 0 && sortBins[q - 1] > b) {
        sortBins[q] = sortBins[q - 1];
        sortRows[q] = sortRows[q - 1];
        q--;
      }
      sortBins[q] = b;
      sortRows[q] = i;
    }
    if (m < 2 || sortBins[0] === sortBins[m - 1]) return;
    leftS.fill(0);
    let leftW = 0;
    for (let q = 0; q < m - 1; q++) {
      const i = sortRows[q];
      leftW += weight[i];
      addRow(leftS, i);
      if (sortBins[q + 1] !== sortBins[q]) consider(j, sortBins[q], leftW, q + 1);
    }
  };

  /** ExtraTrees: one random cut between the node's lowest and highest bin, its sums from one pass. */
  const searchRandom = (begin: number, end: number, j: number): void => {
    let minBin = slots;
    let maxBin = 0;
    for (let r = begin; r < end; r++) {
      const b = codes[rows[r] * p + j];
      if (b === 0) continue;
      if (b < minBin) minBin = b;
      if (b > maxBin) maxBin = b;
    }
    if (maxBin <= minBin) return;
    const t = minBin + Math.floor(options.rand() * (maxBin - minBin));
    clearMissing();
    leftS.fill(0);
    let leftW = 0;
    let leftN = 0;
    for (let r = begin; r < end; r++) {
      const i = rows[r];
      const b = codes[i * p + j];
      if (b === 0) addMissing(i);
      else if (b <= t) {
        leftW += weight[i];
        leftN++;
        addRow(leftS, i);
      }
    }
    consider(j, t, leftW, leftN);
  };

  while (stack.length > 0) {
    const { node, begin, end, depth, hist } = stack.pop()!;
    count = end - begin;
    if (depth >= options.maxDepth || count < 2 * minLeaf) {
      release(hist);
      continue;
    }
    totals.fill(0);
    totalW = 0;
    for (let r = begin; r < end; r++) {
      const i = rows[r];
      totalW += weight[i];
      addLabel(totals, 0, y[i], weight[i], k);
    }
    parentImpurity = impurity(totals, totalW, options.criterion);
    if (parentImpurity <= 1e-12 * Math.max(1, totalW)) {
      release(hist);
      continue;
    }

    bestGain = 1e-9 * Math.max(1, Math.abs(parentImpurity));
    bestFeature = -1;
    bestBin = 0;
    bestMissingLeft = false;
    const considered = options.maxFeatures >= p ? features : sampleFeatures(features, options.maxFeatures, options.rand);
    let h = hist;
    if (options.randomSplits) {
      for (const j of considered) searchRandom(begin, end, j);
    } else if (!usesHist(count)) {
      for (const j of considered) searchSorted(begin, end, j);
    } else {
      if (!h) {
        h = acquire();
        fillHist(h, begin, end, considered);
      }
      for (const j of considered) searchHist(h, j);
    }
    if (bestFeature < 0) {
      release(h);
      continue;
    }
    if (options.importance) options.importance[bestFeature] += bestGain;

    // Partition rows in place: left part first.
    let mid = begin;
    for (let r = begin; r < end; r++) {
      const i = rows[r];
      const b = data.codes[i * p + bestFeature];
      const goesLeft = b === 0 ? bestMissingLeft : b <= bestBin;
      if (goesLeft) {
        rows[r] = rows[mid];
        rows[mid] = i;
        mid++;
      }
    }
    tree.feature[node] = bestFeature;
    tree.threshold[node] = data.cuts[bestFeature][bestBin - 1];
    tree.missingLeft[node] = bestMissingLeft ? 1 : 0;
    const leftNode = newNode(begin, mid);
    const rightNode = newNode(mid, end);
    tree.left[node] = leftNode;
    tree.right[node] = rightNode;
    let leftHist: Hist | undefined;
    let rightHist: Hist | undefined;
    // A child gets a histogram when it will search from one (it may still split).
    const wantsHist = (rowsInChild: number): boolean => depth + 1 < options.maxDepth && rowsInChild >= 2 * minLeaf && usesHist(rowsInChild);
    if (subtract && h && (wantsHist(mid - begin) || wantsHist(end - mid))) {
      const leftSmaller = mid - begin <= end - mid;
      const small = acquire();
      fillHist(small, leftSmaller ? begin : mid, leftSmaller ? mid : end, features);
      const { W: histW, N: histN, S: histS } = h;
      for (let t = 0; t < histW.length; t++) {
        histW[t] -= small.W[t];
        histN[t] -= small.N[t];
      }
      for (let t = 0; t < histS.length; t++) histS[t] -= small.S[t];
      leftHist = leftSmaller ? small : h;
      rightHist = leftSmaller ? h : small;
      if (!wantsHist(mid - begin)) {
        release(leftHist);
        leftHist = undefined;
      }
      if (!wantsHist(end - mid)) {
        release(rightHist);
        rightHist = undefined;
      }
    } else release(h);
    stack.push({ node: rightNode, begin: mid, end, depth: depth + 1, hist: rightHist });
    stack.push({ node: leftNode, begin, end: mid, depth: depth + 1, hist: leftHist });
  }
  // Internal nodes never predict; dropping their values keeps the state small.
  for (let node = 0; node < tree.feature.length; node++) if (tree.feature[node] >= 0) tree.value[node] = [];
  return tree;
}

function addLabel(target: Float64Array, offset: number, label: number, w: number, k: number): void {
  if (k > 0) target[offset + label] += w;
  else {
    target[offset] += w * label;
    target[offset + 1] += w * label * label;
  }
}

/** Weighted impurity × weight (so children's values add up): gini, entropy or squared error. */
function impurity(sums: Float64Array, w: number, criterion: TreeOptions['criterion']): number {
  if (w <= 0) return 0;
  if (criterion === 'squared_error') return sums[1] - (sums[0] * sums[0]) / w;
  if (criterion === 'gini') {
    let s = 0;
    for (const v of sums) s += v * v;
    return w - s / w;
  }
  let h = 0;
  for (const v of sums) if (v > 0) h -= v * Math.log(v / w);
  return h;
}

function nodeValue(rows: Uint32Array, begin: number, end: number, y: Float32Array, weight: Float64Array, k: number, prior: number[], m: number): number[] {
  if (k > 0) {
    const sums = new Array<number>(k).fill(0);
    let total = 0;
    for (let r = begin; r < end; r++) {
      sums[y[rows[r]]] += weight[rows[r]];
      total += weight[rows[r]];
    }
    if (m > 0 && prior.length === k) return sums.map((v, c) => (v + m * prior[c]) / (total + m));
    return sums.map((v) => (total > 0 ? v / total : 1 / k));
  }
  let s = 0;
  let w = 0;
  for (let r = begin; r < end; r++) {
    s += weight[rows[r]] * y[rows[r]];
    w += weight[rows[r]];
  }
  return [w > 0 ? s / w : 0];
}

function sampleFeatures(features: number[], count: number, rand: () => number): number[] {
  const a = [...features];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a.slice(0, count);
}

/** Adds the tree's prediction for every row of X into `out` (rows × width, row-major). */
export function addTreePredictions(tree: TreeArrays, X: FeatureMatrix, out: Float64Array, width: number, scale: number): void {
  const n = X.rows;
  for (let i = 0; i < n; i++) {
    let node = 0;
    while (tree.feature[node] >= 0) {
      const v = X.values[tree.feature[node] * n + i];
      const left = Number.isNaN(v) ? tree.missingLeft[node] === 1 : v < tree.threshold[node];
      node = left ? tree.left[node] : tree.right[node];
    }
    const value = tree.value[node];
    for (let c = 0; c < width; c++) out[i * width + c] += scale * value[c];
  }
}

