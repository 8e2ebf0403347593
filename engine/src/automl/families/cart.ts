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
/**
 * Bins of a feature in a matrix of at most `FEW_FEATURES` columns: as many as one byte holds
 * (bin 0 is missing). 64 quantile bins merge about four neighbouring values of a column of a few
 * hundred distinct ones, and when it is the only feature that merge is most of the error:
 * statsmodels' sunspots (`SUNACTIVITY` from `YEAR` alone, 309 years of an 11-year cycle) reached a
 * 5-fold CV r2 of 0.24 with Weir's RandomForest where scikit-learn's reaches 0.73 (its 64-bin
 * copy 0.51). A node's histograms cost features × bins, so few features can pay for more bins.
 */
export const FEW_FEATURES_BINS = 255;
/** Matrices of at most this many feature columns get `FEW_FEATURES_BINS` bins a feature. */
export const FEW_FEATURES = 4;

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
  /** Histogram slots a feature: its most bins (`MAX_BINS`, or `FEW_FEATURES_BINS` for few features) and the missing bin. */
  slots: number;
}

/** Quantile bins from (a sample of) each column; the same bins serve every tree of a forest. */
export function binMatrix(X: FeatureMatrix, rand: () => number): BinnedMatrix {
  const { rows: n, cols: p, values } = X;
  const maxBins = p <= FEW_FEATURES ? FEW_FEATURES_BINS : MAX_BINS;
  // The binary search runs over the cuts padded with +∞ to a power of two.
  const width = maxBins > MAX_BINS ? 256 : MAX_BINS;
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
    if (distinct.length <= maxBins) {
      c = [];
      for (let t = 1; t < distinct.length; t++) c.push((distinct[t - 1] + distinct[t]) / 2);
    } else {
      const set = new Set<number>();
      for (let b = 1; b < maxBins; b++) set.add(sample[Math.floor((b * sample.length) / maxBins)]);
      c = [...set].sort((a, b) => a - b);
    }
    cuts.push(Float64Array.from(c));
    // A branch-free binary search over the cuts padded to 64 (or 256) with +∞: six (eight)
    // compares per cell, no mispredicted jumps, about twice as fast on millions of rows.
    const padded = new Float64Array(width).fill(Infinity);
    padded.set(c);
    const wide = width > MAX_BINS;
    for (let i = 0; i < n; i++) {
      const x = values[base + i];
      let b = 0;
      if (wide) {
        b += padded[b + 127] <= x ? 128 : 0;
        b += padded[b + 63] <= x ? 64 : 0;
      }
      b += padded[b + 31] <= x ? 32 : 0;
      b += padded[b + 15] <= x ? 16 : 0;
      b += padded[b + 7] <= x ? 8 : 0;
      b += padded[b + 3] <= x ? 4 : 0;
      b += padded[b + 1] <= x ? 2 : 0;
      b += padded[b] <= x ? 1 : 0;
      codes[i * p + j] = x === x ? 1 + b : 0;
    }
  }
  return { rows: n, cols: p, codes, cuts, slots: maxBins + 1 };
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
  /**
   * Buffers kept from one tree to the next of a forest (`treeWorkspace()`): a forest on a table
   * with many features and classes otherwise allocates its histograms again for every tree.
   */
  workspace?: TreeWorkspace;
}

/** Per-bin histograms of a node (weight, row count, label sums per feature and bin). */
interface Hist {
  W: Float64Array;
  N: Float64Array;
  S: Float64Array;
}

/** Histograms free for the next node or tree, for one shape (features × label width). */
export interface TreeWorkspace {
  size: number;
  width: number;
  hists: Hist[];
}

/** A workspace for the trees of one forest (held by the fit, dropped with it). */
export function treeWorkspace(): TreeWorkspace {
  return { size: 0, width: 0, hists: [] };
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
 * sum the node's rows once for all of them (no histograms); other nodes with at most
 * `SMALL_NODE_ROWS` rows sort their rows by bin per feature; larger ones build per-bin
 * histograms (derived by subtraction when every feature is considered).
 *
 * Per node, one pass over its rows gives its label totals, its cover and (for a leaf) its
 * value; the rows' weights and labels move with them when a node is partitioned, so the passes
 * read them in order; nothing is allocated per node but the node's entries and a leaf's value,
 * and pure classification leaves share one array per class. The same seed grows the same trees
 * as before these were added (the sums are taken in the same order).
 */
export function growTree(data: BinnedMatrix, y: Float32Array, weight: Float64Array, options: TreeOptions): TreeArrays {
  const n = data.rows;
  const p = data.cols;
  const k = options.numClasses;
  const width = k > 0 ? k : 2; // regression keeps (Σw·y, Σw·y²)
  let used = 0;
  for (let i = 0; i < n; i++) if (weight[i] > 0) used++;
  // The rows with positive weight, and beside them (moved with them when a node's rows are
  // partitioned) their weight and label, so that a node's passes read those in order.
  const rows = new Uint32Array(used);
  const rowW = new Float64Array(used);
  const rowY = new Float64Array(k > 0 ? 0 : used);
  const rowL = new Int32Array(k > 0 ? used : 0);
  for (let i = 0, r = 0; i < n; i++) {
    if (weight[i] > 0) {
      rows[r] = i;
      rowW[r] = weight[i];
      if (k > 0) rowL[r] = y[i];
      else rowY[r] = y[i];
      r++;
    }
  }
  const tree: TreeArrays = { feature: [], threshold: [], missingLeft: [], left: [], right: [], value: [], cover: [] };
  const features = Int32Array.from({ length: p }, (_, j) => j);
  // The features a node considers: a partial shuffle of 0..p−1 (restarted from that order at each node).
  const featureBuf = new Int32Array(p);
  // Histograms of every feature for one node: per bin, weight, row count and label sums.
  const slots = data.slots;
  // Histograms are reused: a deep tree would otherwise allocate one per node (and a forest
  // one per tree, given a workspace). Only a feature's first `binsUsed[j]` bins are ever written
  // (bin 0 missing, then one more than its cuts), so only those are cleared and scanned.
  const ws = options.workspace;
  if (ws && (ws.size !== p * slots || ws.width !== width)) {
    ws.size = p * slots;
    ws.width = width;
    ws.hists = [];
  }
  const pool: Hist[] = ws ? ws.hists : [];
  const binsUsed = Int32Array.from(data.cuts, (c) => c.length + 2);
  const acquire = (): Hist => pool.pop() ?? { W: new Float64Array(p * slots), N: new Float64Array(p * slots), S: new Float64Array(p * slots * width) };
  const release = (h: Hist | undefined): void => {
    if (h) pool.push(h);
  };
  const codes = data.codes;
  const minLeaf = options.minSamplesLeaf;
  const fillHist = (h: Hist, begin: number, end: number, considered: Int32Array, m: number): void => {
    const { W, N, S } = h;
    for (let f = 0; f < m; f++) {
      const j = considered[f];
      const top = j * slots + binsUsed[j];
      W.fill(0, j * slots, top);
      N.fill(0, j * slots, top);
      S.fill(0, j * slots * width, top * width);
    }
    for (let r = begin; r < end; r++) {
      const wi = rowW[r];
      const rowBase = rows[r] * p;
      if (k > 0) {
        const li = rowL[r];
        for (let f = 0; f < m; f++) {
          const j = considered[f];
          const b = j * slots + codes[rowBase + j];
          W[b] += wi;
          N[b] += 1;
          S[b * width + li] += wi;
        }
      } else {
        const yi = rowY[r];
        for (let f = 0; f < m; f++) {
          const j = considered[f];
          const b = j * slots + codes[rowBase + j];
          W[b] += wi;
          N[b] += 1;
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
  // A node's value and cover are set when it is popped, from the one pass over its rows that
  // also gives the split search its label totals (its rows are in the same order then).
  const newNode = (): number => {
    const node = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.missingLeft.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(NO_VALUE);
    tree.cover!.push(0);
    return node;
  };
  const prior = k > 0 ? classShares(rowL, rowW, k) : [];
  const pseudo = options.leafPseudoCount ?? 0;
  // Pure leaves (most of a full-depth forest's) share one read-only array per class.
  const oneHot: number[][] = [];
  const totals = new Float64Array(width);
  let totalW = 0;
  /** The leaf's prediction from the node's label totals: class shares (shrunk towards `prior` by `pseudo` rows) or the mean. */
  const leafValue = (): number[] => {
    if (k > 0) {
      if (pseudo > 0 && prior.length === k) {
        const v = new Array<number>(k);
        for (let c = 0; c < k; c++) v[c] = (totals[c] + pseudo * prior[c]) / (totalW + pseudo);
        return v;
      }
      if (totalW > 0) {
        let pure = -1;
        for (let c = 0; c < k; c++) {
          if (totals[c] === totalW) pure = c;
          else if (totals[c] !== 0) {
            pure = -2;
            break;
          }
        }
        if (pure >= 0) return (oneHot[pure] ??= Array.from({ length: k }, (_, c) => (c === pure ? 1 : 0)));
      }
      const v = new Array<number>(k);
      for (let c = 0; c < k; c++) v[c] = totalW > 0 ? totals[c] / totalW : 1 / k;
      return v;
    }
    return [totalW > 0 ? totals[0] / totalW : 0];
  };
  const stack: Pending[] = [{ node: newNode(), begin: 0, end: rows.length, depth: 0 }];

  const leftS = new Float64Array(width);
  /** 0 gini, 1 entropy, 2 squared error. */
  const criterion = options.criterion === 'gini' ? 0 : options.criterion === 'entropy' ? 1 : 2;
  /** Label sums, weight and rows of the node's rows missing the feature at hand. */
  const missS = new Float64Array(width);
  let missW = 0;
  let missN = 0;
  // Small nodes: the rows' bins and positions (in `rows`), sorted by bin.
  const sortBins = new Uint8Array(SMALL_NODE_ROWS);
  const sortPos = new Uint32Array(SMALL_NODE_ROWS);
  // ExtraTrees: per considered feature, the node's lowest and highest bin, the drawn cut, and
  // the sums of the rows left of it and of the rows missing it.
  const minBin = new Int32Array(p);
  const maxBin = new Int32Array(p);
  const cutBin = new Int32Array(p);
  const drawnFeature = new Int32Array(p);
  const featLeftW = new Float64Array(p);
  const featLeftN = new Float64Array(p);
  const featLeftS = new Float64Array(p * width);
  const featMissW = new Float64Array(p);
  const featMissN = new Float64Array(p);
  const featMissS = new Float64Array(p * width);

  // The node being split and the best cut found so far.
  let count = 0;
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
      // Both sides' impurities in one pass over the label sums, each summed in class order
      // (the same arithmetic as `impurity` on each side's sums).
      let leftImp: number;
      let rightImp: number;
      if (criterion === 0) {
        let sl = 0;
        let sr = 0;
        if (missingLeft) {
          for (let c = 0; c < width; c++) {
            const l = leftS[c] + missS[c];
            const r = totals[c] - leftS[c] - missS[c];
            sl += l * l;
            sr += r * r;
          }
        } else {
          for (let c = 0; c < width; c++) {
            const l = leftS[c];
            const r = totals[c] - l;
            sl += l * l;
            sr += r * r;
          }
        }
        leftImp = lwAll - sl / lwAll;
        rightImp = rw - sr / rw;
      } else if (criterion === 2) {
        const l0 = missingLeft ? leftS[0] + missS[0] : leftS[0];
        const l1 = missingLeft ? leftS[1] + missS[1] : leftS[1];
        const r0 = missingLeft ? totals[0] - leftS[0] - missS[0] : totals[0] - leftS[0];
        const r1 = missingLeft ? totals[1] - leftS[1] - missS[1] : totals[1] - leftS[1];
        leftImp = l1 - (l0 * l0) / lwAll;
        rightImp = r1 - (r0 * r0) / rw;
      } else {
        let hl = 0;
        let hr = 0;
        for (let c = 0; c < width; c++) {
          const l = missingLeft ? leftS[c] + missS[c] : leftS[c];
          const r = missingLeft ? totals[c] - leftS[c] - missS[c] : totals[c] - leftS[c];
          if (l > 0) hl -= l * Math.log(l / lwAll);
          if (r > 0) hr -= r * Math.log(r / rw);
        }
        leftImp = hl;
        rightImp = hr;
      }
      const gain = parentImpurity - leftImp - rightImp;
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
    let lo = slots;
    let hi = 0;
    const top = binsUsed[j];
    for (let b = 1; b < top; b++) {
      if (histN[hb + b] > 0) {
        if (b < lo) lo = b;
        hi = b;
      }
    }
    if (hi <= lo) return;
    missW = histW[hb];
    missN = histN[hb];
    for (let c = 0; c < width; c++) missS[c] = histS[hb * width + c];
    leftS.fill(0);
    let leftW = 0;
    let leftN = 0;
    for (let t = lo; t < hi; t++) {
      leftW += histW[hb + t];
      leftN += histN[hb + t];
      for (let c = 0; c < width; c++) leftS[c] += histS[(hb + t) * width + c];
      consider(j, t, leftW, leftN);
    }
  };

  /** Adds the row at position r of `rows` to label sums. */
  const addRow = (target: Float64Array, offset: number, r: number): void => {
    const wi = rowW[r];
    if (k > 0) target[offset + rowL[r]] += wi;
    else {
      const yi = rowY[r];
      target[offset] += wi * yi;
      target[offset + 1] += wi * yi * yi;
    }
  };

  /** Small-node path: the node's rows sorted by the feature's bin, cuts between distinct bins. */
  const searchSorted = (begin: number, end: number, j: number): void => {
    missS.fill(0);
    missW = 0;
    missN = 0;
    let m = 0;
    for (let r = begin; r < end; r++) {
      const b = codes[rows[r] * p + j];
      if (b === 0) {
        missW += rowW[r];
        missN++;
        addRow(missS, 0, r);
        continue;
      }
      // Insertion sort as the rows arrive (stable: equal bins keep row order).
      let q = m++;
      while (q > 0 && sortBins[q - 1] > b) {
        sortBins[q] = sortBins[q - 1];
        sortPos[q] = sortPos[q - 1];
        q--;
      }
      sortBins[q] = b;
      sortPos[q] = r;
    }
    if (m < 2 || sortBins[0] === sortBins[m - 1]) return;
    leftS.fill(0);
    let leftW = 0;
    for (let q = 0; q < m - 1; q++) {
      const r = sortPos[q];
      leftW += rowW[r];
      addRow(leftS, 0, r);
      if (sortBins[q + 1] !== sortBins[q]) consider(j, sortBins[q], leftW, q + 1);
    }
  };

  /**
   * ExtraTrees: per considered feature, one random cut between the node's lowest and highest
   * bin (drawn in feature order), then the sums of its sides from one more pass; both passes
   * read each row's considered features together.
   */
  const searchRandom = (begin: number, end: number, considered: Int32Array, m: number): void => {
    minBin.fill(slots, 0, m);
    maxBin.fill(0, 0, m);
    for (let r = begin; r < end; r++) {
      const rowBase = rows[r] * p;
      for (let f = 0; f < m; f++) {
        const b = codes[rowBase + considered[f]];
        if (b === 0) continue;
        if (b < minBin[f]) minBin[f] = b;
        if (b > maxBin[f]) maxBin[f] = b;
      }
    }
    // The features with a cut, in order.
    let drawn = 0;
    for (let f = 0; f < m; f++) {
      if (maxBin[f] > minBin[f]) {
        cutBin[drawn] = minBin[f] + Math.floor(options.rand() * (maxBin[f] - minBin[f]));
        drawnFeature[drawn] = considered[f];
        drawn++;
      }
    }
    if (drawn === 0) return;
    featLeftW.fill(0, 0, drawn);
    featLeftN.fill(0, 0, drawn);
    featMissW.fill(0, 0, drawn);
    featMissN.fill(0, 0, drawn);
    featLeftS.fill(0, 0, drawn * width);
    featMissS.fill(0, 0, drawn * width);
    // Whether a row goes left is a coin toss, so it is added as a 0/1 factor rather than
    // branched on (adding w·0 leaves a sum exactly as it was).
    for (let r = begin; r < end; r++) {
      const rowBase = rows[r] * p;
      const wi = rowW[r];
      if (k > 0) {
        const li = rowL[r];
        for (let d = 0; d < drawn; d++) {
          const b = codes[rowBase + drawnFeature[d]];
          if (b === 0) {
            featMissW[d] += wi;
            featMissN[d]++;
            featMissS[d * width + li] += wi;
            continue;
          }
          const isLeft = (b - 1 - cutBin[d]) >>> 31;
          featLeftW[d] += wi * isLeft;
          featLeftN[d] += isLeft;
          featLeftS[d * width + li] += wi * isLeft;
        }
      } else {
        const yi = rowY[r];
        for (let d = 0; d < drawn; d++) {
          const b = codes[rowBase + drawnFeature[d]];
          if (b === 0) {
            featMissW[d] += wi;
            featMissN[d]++;
            featMissS[d * 2] += wi * yi;
            featMissS[d * 2 + 1] += wi * yi * yi;
            continue;
          }
          const isLeft = (b - 1 - cutBin[d]) >>> 31;
          featLeftW[d] += wi * isLeft;
          featLeftN[d] += isLeft;
          featLeftS[d * 2] += wi * yi * isLeft;
          featLeftS[d * 2 + 1] += wi * yi * yi * isLeft;
        }
      }
    }
    for (let d = 0; d < drawn; d++) {
      missW = featMissW[d];
      missN = featMissN[d];
      for (let c = 0; c < width; c++) {
        missS[c] = featMissS[d * width + c];
        leftS[c] = featLeftS[d * width + c];
      }
      consider(drawnFeature[d], cutBin[d], featLeftW[d], featLeftN[d]);
    }
  };

  while (stack.length > 0) {
    const { node, begin, end, depth, hist } = stack.pop()!;
    count = end - begin;
    totals.fill(0);
    totalW = 0;
    for (let r = begin; r < end; r++) {
      totalW += rowW[r];
      addRow(totals, 0, r);
    }
    tree.cover![node] = totalW;
    if (depth >= options.maxDepth || count < 2 * minLeaf) {
      tree.value[node] = leafValue();
      release(hist);
      continue;
    }
    parentImpurity = impurity(totals, totalW, options.criterion);
    if (parentImpurity <= 1e-12 * Math.max(1, totalW)) {
      tree.value[node] = leafValue();
      release(hist);
      continue;
    }

    bestGain = 1e-9 * Math.max(1, Math.abs(parentImpurity));
    bestFeature = -1;
    bestBin = 0;
    bestMissingLeft = false;
    let considered = features;
    let m = p;
    if (options.maxFeatures < p) {
      m = sampleFeatures(featureBuf, options.maxFeatures, options.rand);
      considered = featureBuf;
    }
    let h = hist;
    if (options.randomSplits) {
      searchRandom(begin, end, considered, m);
    } else if (!usesHist(count)) {
      for (let f = 0; f < m; f++) searchSorted(begin, end, considered[f]);
    } else {
      if (!h) {
        h = acquire();
        fillHist(h, begin, end, considered, m);
      }
      for (let f = 0; f < m; f++) searchHist(h, considered[f]);
    }
    if (bestFeature < 0) {
      tree.value[node] = leafValue();
      release(h);
      continue;
    }
    if (options.importance) options.importance[bestFeature] += bestGain;

    // Partition rows in place (with their weights and labels): left part first.
    let mid = begin;
    for (let r = begin; r < end; r++) {
      const i = rows[r];
      const b = codes[i * p + bestFeature];
      const goesLeft = b === 0 ? bestMissingLeft : b <= bestBin;
      if (goesLeft) {
        rows[r] = rows[mid];
        rows[mid] = i;
        const w = rowW[r];
        rowW[r] = rowW[mid];
        rowW[mid] = w;
        if (k > 0) {
          const l = rowL[r];
          rowL[r] = rowL[mid];
          rowL[mid] = l;
        } else {
          const v = rowY[r];
          rowY[r] = rowY[mid];
          rowY[mid] = v;
        }
        mid++;
      }
    }
    tree.feature[node] = bestFeature;
    tree.threshold[node] = data.cuts[bestFeature][bestBin - 1];
    tree.missingLeft[node] = bestMissingLeft ? 1 : 0;
    const leftNode = newNode();
    const rightNode = newNode();
    tree.left[node] = leftNode;
    tree.right[node] = rightNode;
    let leftHist: Hist | undefined;
    let rightHist: Hist | undefined;
    // A child gets a histogram when it will search from one (it may still split).
    const wantsHist = (rowsInChild: number): boolean => depth + 1 < options.maxDepth && rowsInChild >= 2 * minLeaf && usesHist(rowsInChild);
    if (subtract && h && (wantsHist(mid - begin) || wantsHist(end - mid))) {
      const leftSmaller = mid - begin <= end - mid;
      const small = acquire();
      fillHist(small, leftSmaller ? begin : mid, leftSmaller ? mid : end, features, p);
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
  // Internal nodes never predict and keep an empty value, which keeps the state small.
  for (let node = 0; node < tree.feature.length; node++) if (tree.feature[node] >= 0) tree.value[node] = [];
  return tree;
}

const NO_VALUE: number[] = [];

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

/** Each class's share of the rows' weight (1/k each when there is none): a tree's class prior. */
function classShares(rowL: Int32Array, rowW: Float64Array, k: number): number[] {
  const sums = new Array<number>(k).fill(0);
  let total = 0;
  for (let r = 0; r < rowL.length; r++) {
    sums[rowL[r]] += rowW[r];
    total += rowW[r];
  }
  return sums.map((v) => (total > 0 ? v / total : 1 / k));
}

/** The first `count` entries of a partial shuffle of 0..a.length−1, written into `a`; returns `count`. */
function sampleFeatures(a: Int32Array, count: number, rand: () => number): number {
  for (let j = 0; j < a.length; j++) a[j] = j;
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return count;
}

/**
 * Adds each tree's prediction × scale for every row of X into `out` (rows × width, row-major).
 * X is read row by row (copied row-major once): a row's path through a tree then reads one or two
 * cache lines instead of one per feature column it visits.
 */
export function addForestPredictions(trees: TreeArrays[], X: FeatureMatrix, out: Float64Array, width: number, scale: number): void {
  const n = X.rows;
  const p = X.cols;
  const rowMajor = new Float32Array(n * p);
  for (let j = 0; j < p; j++) {
    const base = j * n;
    for (let i = 0; i < n; i++) rowMajor[i * p + j] = X.values[base + i];
  }
  for (const tree of trees) {
    const { feature, threshold, missingLeft, left, right } = tree;
    for (let i = 0; i < n; i++) {
      const rowBase = i * p;
      let node = 0;
      let f = feature[0];
      while (f >= 0) {
        const v = rowMajor[rowBase + f];
        const goesLeft = v !== v ? missingLeft[node] === 1 : v < threshold[node];
        node = goesLeft ? left[node] : right[node];
        f = feature[node];
      }
      const value = tree.value[node];
      for (let c = 0; c < width; c++) out[i * width + c] += scale * value[c];
    }
  }
}
