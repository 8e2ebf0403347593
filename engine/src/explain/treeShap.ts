import type { FeatureMatrix } from '../gbdt/api';
import { categoryGoesLeft } from '../gbdt/treeModel';

/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee, "Consistent Individualized Feature
 * Attribution for Tree Ensembles", Algorithm 2) over one flat tree format that Weir's GBDT
 * trees and its CART trees both convert into. The algorithm walks every path of the tree
 * once per row while keeping, for the distinct features met on the way down, the share of
 * feature subsets of each size that reach the current node; at a leaf it "unwinds" each
 * feature out of that record to get its Shapley weight. Cost: O(leaves × depth²) per tree
 * and row, with no allocation inside the walk.
 */
export interface ShapTree {
  /** Children of each node; −1 on both sides of a leaf. */
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  /** x goes left when x < threshold (both Weir's GBDT and its CART use this rule). */
  threshold: Float64Array;
  /**
   * GBDT categorical splits (XGBoost's split_type 1): node → the category values that go right;
   * at these nodes `threshold` is not read and any other value goes left (categoryGoesLeft).
   */
  categories?: Map<number, Int32Array>;
  /** 1 when a missing value (NaN) goes left. */
  missingLeft: Uint8Array;
  /** Training weight (GBDT: hessian sum) that reached each node: the path-dependent "background". */
  cover: Float64Array;
  /** Per node, `width` output values (only leaves are read). */
  value: Float64Array;
  width: number;
  /** The first output column this tree adds to (the class of a multiclass GBDT tree). */
  output: number;
  /** Depth of the deepest leaf (root = 0). */
  depth: number;
}

/** The tree's mean prediction under its covers: what the row's contributions start from. */
export function treeExpectedValue(tree: ShapTree): Float64Array {
  const out = new Float64Array(tree.width);
  const mean = (node: number, c: number): number => {
    if (tree.left[node] < 0) return tree.value[node * tree.width + c];
    const l = tree.left[node];
    const r = tree.right[node];
    // XGBoost's FillNodeMeanValue: children weighted by their covers over the node's own.
    return (mean(l, c) * tree.cover[l] + mean(r, c) * tree.cover[r]) / tree.cover[node];
  };
  for (let c = 0; c < tree.width; c++) out[c] = mean(0, c);
  return out;
}

/** Depth of the deepest leaf, for sizing the path scratch. */
export function treeDepth(left: ArrayLike<number>, right: ArrayLike<number>): number {
  let max = 0;
  const stack: number[] = [0, 0];
  while (stack.length > 0) {
    const d = stack.pop()!;
    const node = stack.pop()!;
    if (left[node] < 0) {
      if (d > max) max = d;
      continue;
    }
    stack.push(left[node], d + 1, right[node], d + 1);
  }
  return max;
}

/**
 * Scratch for the unique paths of one walk: the path at each recursion level is a copy of
 * its parent's with one more element, laid out one after the other as in the paper.
 */
class PathScratch {
  feature: Int32Array;
  zero: Float64Array;
  one: Float64Array;
  weight: Float64Array;
  constructor(maxDepth: number) {
    const d = maxDepth + 2;
    const size = (d * (d + 1)) / 2 + d;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }
}

/**
 * Adds the SHAP values of every row of X under `trees` into `phi` (rows × outputs ×
 * features, row-major: row i, output c, feature j at (i·outputs + c)·features + j).
 * Rows are read one at a time into a dense buffer so the walk reads features directly.
 */
export function addTreeShap(trees: readonly ShapTree[], X: FeatureMatrix, phi: Float64Array, outputs: number, scale = 1): void {
  const n = X.rows;
  const p = X.cols;
  let maxDepth = 0;
  for (const t of trees) maxDepth = Math.max(maxDepth, t.depth);
  const s = new PathScratch(maxDepth);
  const x = new Float64Array(p);
  const rowPhi = new Float64Array(outputs * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) x[j] = X.values[j * n + i];
    rowPhi.fill(0);
    for (const t of trees) {
      if (t.left[0] < 0) continue; // a lone leaf moves no feature
      recurse(t, 0, x, rowPhi, p, s, 0, 0, 1, 1, -1);
    }
    const base = i * outputs * p;
    for (let k = 0; k < rowPhi.length; k++) phi[base + k] += scale * rowPhi[k];
  }
}

/** Algorithm 2's RECURSE; `start` is where the parent's path begins in the scratch. */
function recurse(t: ShapTree, node: number, x: Float64Array, phi: Float64Array, p: number, s: PathScratch, parentStart: number, depth: number, zeroFraction: number, oneFraction: number, feature: number): void {
  const start = parentStart + depth;
  const fe = s.feature;
  const ze = s.zero;
  const on = s.one;
  const pw = s.weight;
  // Copy the parent's path (depth elements) and extend it by this node's incoming edge.
  for (let k = 0; k < depth; k++) {
    fe[start + k] = fe[parentStart + k];
    ze[start + k] = ze[parentStart + k];
    on[start + k] = on[parentStart + k];
    pw[start + k] = pw[parentStart + k];
  }
  extend(s, start, depth, zeroFraction, oneFraction, feature);

  const left = t.left[node];
  if (left < 0) {
    const w = t.width;
    const vBase = node * w;
    const at = t.output * p;
    // For an element the row did not follow (one fraction 0), UNWOUND-SUM reduces to
    // Σᵢ wᵢ(d+1)/(d−i) divided by its zero fraction: that sum is the same for all of them.
    let coldSum = -1;
    for (let k = 1; k <= depth; k++) {
      const one = on[start + k];
      const zero = ze[start + k];
      let total: number;
      if (one !== 0) total = unwoundSum(s, start, depth, k);
      else {
        if (coldSum < 0) {
          coldSum = 0;
          for (let i = depth - 1; i >= 0; i--) coldSum += pw[start + i] * RECIPROCAL[depth - i];
          coldSum *= depth + 1;
        }
        total = zero !== 0 ? coldSum / zero : 0;
      }
      const weight = total * (one - zero);
      const f = fe[start + k];
      if (w === 1) phi[at + f] += weight * t.value[vBase];
      else for (let c = 0; c < w; c++) phi[at + c * p + f] += weight * t.value[vBase + c];
    }
    return;
  }
  const right = t.right[node];
  const split = t.feature[node];
  const v = x[split];
  const set = t.categories?.get(node);
  const goesLeft = v !== v ? t.missingLeft[node] === 1 : set ? categoryGoesLeft(set, v) : v < t.threshold[node];
  const hot = goesLeft ? left : right;
  const cold = goesLeft ? right : left;
  const cover = t.cover[node];
  const hotZero = cover > 0 ? t.cover[hot] / cover : 0;
  const coldZero = cover > 0 ? t.cover[cold] / cover : 0;
  let incomingZero = 1;
  let incomingOne = 1;
  let childDepth = depth + 1;
  // A feature already on the path: undo its earlier edge and fold its fractions into this one.
  for (let k = 1; k <= depth; k++) {
    if (fe[start + k] === split) {
      incomingZero = ze[start + k];
      incomingOne = on[start + k];
      unwind(s, start, depth, k);
      childDepth = depth;
      break;
    }
  }
  recurse(t, hot, x, phi, p, s, start, childDepth, hotZero * incomingZero, incomingOne, split);
  recurse(t, cold, x, phi, p, s, start, childDepth, coldZero * incomingZero, 0, split);
}

/** 1/k for the path lengths the walk meets: multiplications instead of divisions in the inner loops. */
const RECIPROCAL = Float64Array.from({ length: 258 }, (_, k) => (k === 0 ? 0 : 1 / k));

/** EXTEND: adds an element, updating the subset-size weights. */
function extend(s: PathScratch, start: number, depth: number, zeroFraction: number, oneFraction: number, feature: number): void {
  const pw = s.weight;
  s.feature[start + depth] = feature;
  s.zero[start + depth] = zeroFraction;
  s.one[start + depth] = oneFraction;
  pw[start + depth] = depth === 0 ? 1 : 0;
  const inv = RECIPROCAL[depth + 1];
  if (oneFraction === 0) {
    // The cold branch: only the zero-fraction term remains.
    const z = zeroFraction * inv;
    for (let i = depth - 1; i >= 0; i--) pw[start + i] *= z * (depth - i);
    return;
  }
  const o = oneFraction * inv;
  const z = zeroFraction * inv;
  for (let i = depth - 1; i >= 0; i--) {
    const w = pw[start + i];
    pw[start + i + 1] += o * w * (i + 1);
    pw[start + i] = z * w * (depth - i);
  }
}

/** UNWIND: removes element `index`, inverting EXTEND. */
function unwind(s: PathScratch, start: number, depth: number, index: number): void {
  const pw = s.weight;
  const one = s.one[start + index];
  const zero = s.zero[start + index];
  const d1 = depth + 1;
  const invD1 = RECIPROCAL[d1];
  let next = pw[start + depth];
  if (one !== 0) {
    const invOne = 1 / one;
    for (let i = depth - 1; i >= 0; i--) {
      const tmp = pw[start + i];
      const w = next * d1 * RECIPROCAL[i + 1] * invOne;
      pw[start + i] = w;
      next = tmp - w * zero * (depth - i) * invD1;
    }
  } else {
    const invZero = 1 / zero;
    for (let i = depth - 1; i >= 0; i--) pw[start + i] = pw[start + i] * d1 * invZero * RECIPROCAL[depth - i];
  }
  for (let i = index; i < depth; i++) {
    s.feature[start + i] = s.feature[start + i + 1];
    s.zero[start + i] = s.zero[start + i + 1];
    s.one[start + i] = s.one[start + i + 1];
  }
}

/** The total weight element `index` would leave after UNWIND, without changing the path. */
function unwoundSum(s: PathScratch, start: number, depth: number, index: number): number {
  const pw = s.weight;
  const one = s.one[start + index];
  const zero = s.zero[start + index];
  const d1 = depth + 1;
  let total = 0;
  if (one !== 0) {
    // The walk's one-fractions are 1 or 0, so this branch needs no division at all.
    const scale = d1 / one;
    const zeroScale = zero * RECIPROCAL[d1];
    let next = pw[start + depth];
    for (let i = depth - 1; i >= 0; i--) {
      const tmp = next * scale * RECIPROCAL[i + 1];
      total += tmp;
      next = pw[start + i] - tmp * zeroScale * (depth - i);
    }
  } else if (zero !== 0) {
    const scale = d1 / zero;
    for (let i = depth - 1; i >= 0; i--) total += pw[start + i] * scale * RECIPROCAL[depth - i];
  }
  return total;
}
