/**
 * One regression tree in XGBoost's own array layout (what its JSON stores), so saving and
 * loading are copies. Node 0 is the root; a leaf has left = right = −1 and keeps its output
 * in `splitCondition`; an internal node sends x left when x < splitCondition and a missing
 * x left when defaultLeft is 1.
 */
export interface TreeModel {
  left: Int32Array;
  right: Int32Array;
  parent: Int32Array;
  splitIndex: Int32Array;
  splitCondition: Float32Array;
  defaultLeft: Uint8Array;
  /** Internal nodes: the unscaled optimal weight; leaves: the leaf value (eta applied), as XGBoost stores them. */
  baseWeight: Float32Array;
  lossChange: Float32Array;
  sumHessian: Float32Array;
  /**
   * Categorical (partition) splits, XGBoost's `split_type` 1: node id → the category values,
   * ascending, that go RIGHT. Any other value (unseen, negative, ≥ 2^24) goes left, a missing
   * one follows defaultLeft; the value is truncated to an integer first (XGBoost's rule).
   * Absent when the tree has only numerical splits.
   */
  categories?: Map<number, Int32Array>;
}

/** XGBoost's largest category value + 1 (kMaxCat): larger and negative values are "not in the set". */
export const MAX_CATEGORY = 1 << 24;

/** Whether a categorical node sends feature value x left (x not NaN): not in its right-going set. */
export function categoryGoesLeft(set: Int32Array, x: number): boolean {
  if (!(x >= 0 && x < MAX_CATEGORY)) return true;
  const c = Math.trunc(x);
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = set[mid];
    if (v === c) return false;
    if (v < c) lo = mid + 1;
    else hi = mid - 1;
  }
  return true;
}

/** Whether any tree has a categorical split (then prediction walks the trees in TypeScript). */
export function hasCategoricalSplits(trees: readonly TreeModel[]): boolean {
  return trees.some((t) => t.categories !== undefined && t.categories.size > 0);
}

/**
 * out[r·K + group] += the tree's leaf value for each row of a column-major matrix: the walk
 * for trees with categorical splits, which the packed WASM kernel (numerical only) cannot take.
 */
export function addTreeOutputs(tree: TreeModel, values: Float32Array, rows: number, group: number, K: number, out: Float32Array): void {
  const { left, right, splitIndex, splitCondition, defaultLeft } = tree;
  const { setOf, bits } = categoryBits(tree);
  for (let r = 0; r < rows; r++) {
    let node = 0;
    while (left[node] >= 0) {
      const x = values[splitIndex[node] * rows + r];
      let goLeft: boolean;
      if (x !== x) goLeft = defaultLeft[node] === 1;
      else {
        const s = setOf[node];
        if (s < 0) goLeft = x < splitCondition[node];
        else {
          // In the set (go right) when 0 ≤ x < 2^24 and bit trunc(x) is on; XGBoost's rule.
          const set = bits[s];
          const c = x >= 0 && x < MAX_CATEGORY ? Math.trunc(x) : -1;
          goLeft = c < 0 || c >= set.length * 32 || (set[c >>> 5] & (1 << (c & 31))) === 0;
        }
      }
      node = goLeft ? left[node] : right[node];
    }
    out[r * K + group] += splitCondition[node];
  }
}

const bitsCache = new WeakMap<TreeModel, { setOf: Int32Array; bits: Uint32Array[] }>();

/** A tree's categorical sets as bit fields (one per categorical node; setOf[node] = −1 for the others), made once per tree. */
function categoryBits(tree: TreeModel): { setOf: Int32Array; bits: Uint32Array[] } {
  let c = bitsCache.get(tree);
  if (!c) {
    const setOf = new Int32Array(tree.left.length).fill(-1);
    const bits: Uint32Array[] = [];
    for (const [node, set] of tree.categories ?? []) {
      const b = new Uint32Array(set.length ? (set[set.length - 1] >>> 5) + 1 : 0);
      for (const v of set) b[v >>> 5] |= 1 << (v & 31);
      setOf[node] = bits.length;
      bits.push(b);
    }
    c = { setOf, bits };
    bitsCache.set(tree, c);
  }
  return c;
}

/** XGBoost's parent id of the root. */
export const ROOT_PARENT = 2147483647;

/** Collects nodes while a tree grows, then freezes them into a TreeModel. */
export class TreeBuilder {
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly parent: number[] = [];
  readonly splitIndex: number[] = [];
  readonly splitCondition: number[] = [];
  readonly defaultLeft: number[] = [];
  readonly baseWeight: number[] = [];
  readonly lossChange: number[] = [];
  readonly sumHessian: number[] = [];
  readonly categories = new Map<number, Int32Array>();

  get size(): number {
    return this.left.length;
  }

  /** Adds a leaf and returns its id. */
  addLeaf(parent: number, value: number, sumHessian: number): number {
    this.left.push(-1);
    this.right.push(-1);
    this.parent.push(parent);
    this.splitIndex.push(0);
    this.splitCondition.push(value);
    this.defaultLeft.push(0);
    this.baseWeight.push(value);
    this.lossChange.push(0);
    this.sumHessian.push(sumHessian);
    return this.left.length - 1;
  }

  /** Turns leaf `id` into a split node with two new leaf children; returns the left child's id. */
  split(id: number, feature: number, condition: number, defaultLeft: boolean, baseWeight: number, lossChange: number, left: { value: number; hess: number }, right: { value: number; hess: number }): number {
    const l = this.addLeaf(id, left.value, left.hess);
    const r = this.addLeaf(id, right.value, right.hess);
    this.left[id] = l;
    this.right[id] = r;
    this.splitIndex[id] = feature;
    this.splitCondition[id] = condition;
    this.defaultLeft[id] = defaultLeft ? 1 : 0;
    this.baseWeight[id] = baseWeight;
    this.lossChange[id] = lossChange;
    return l;
  }

  /** Like split, for a categorical split: `rightSet` (ascending category values) goes right. */
  splitCategorical(id: number, feature: number, rightSet: Int32Array, defaultLeft: boolean, baseWeight: number, lossChange: number, left: { value: number; hess: number }, right: { value: number; hess: number }): number {
    // XGBoost writes NaN as a categorical node's split_condition; 0 keeps the JSON standard (it is never read).
    const l = this.split(id, feature, 0, defaultLeft, baseWeight, lossChange, left, right);
    this.categories.set(id, rightSet);
    return l;
  }

  setLeafValue(id: number, value: number): void {
    this.splitCondition[id] = value;
  }

  build(): TreeModel {
    const parent = Int32Array.from(this.parent);
    if (parent.length > 0) parent[0] = ROOT_PARENT;
    return {
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      parent,
      splitIndex: Int32Array.from(this.splitIndex),
      splitCondition: Float32Array.from(this.splitCondition),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      baseWeight: Float32Array.from(this.baseWeight),
      lossChange: Float32Array.from(this.lossChange),
      sumHessian: Float32Array.from(this.sumHessian),
      ...(this.categories.size > 0 ? { categories: new Map(this.categories) } : {}),
    };
  }
}

/**
 * Packs trees into the kernels' 16-byte node format (left child index, condition,
 * feature | default-left << 31, leaf value), re-laid out so each node's right child sits
 * right after its left child, which lets the traversal compute the next node without a
 * second load. A leaf points at itself (left = own index − 1, condition NaN, default right:
 * every x, NaN or not, then "goes right" to the leaf again), so traversal needs no leaf
 * test and runs exactly `depths[t]` steps. Returns the bytes, each tree's root index and depth.
 */
export function packTrees(trees: readonly TreeModel[]): { nodes: ArrayBuffer; roots: Int32Array; depths: Int32Array } {
  let total = 0;
  for (const t of trees) total += t.left.length;
  const nodes = new ArrayBuffer(Math.max(16, total * 16));
  const i32 = new Int32Array(nodes);
  const u32 = new Uint32Array(nodes);
  const f32 = new Float32Array(nodes);
  const roots = new Int32Array(trees.length);
  const depths = new Int32Array(trees.length);
  let next = 0;
  const queue: number[] = [];
  const placed: number[] = [];
  const level: number[] = [];
  trees.forEach((t, ti) => {
    roots[ti] = next;
    queue.length = 0;
    placed.length = 0;
    level.length = 0;
    queue.push(0);
    placed.push(next);
    level.push(0);
    next += 1;
    let depth = 0;
    for (let qi = 0; qi < queue.length; qi++) {
      const id = queue[qi];
      const self = placed[qi];
      const at = self * 4;
      if (t.left[id] < 0) {
        i32[at] = self - 1;
        f32[at + 1] = NaN;
        u32[at + 2] = 0;
        f32[at + 3] = t.splitCondition[id];
        depth = Math.max(depth, level[qi]);
      } else {
        i32[at] = next;
        f32[at + 1] = t.splitCondition[id];
        u32[at + 2] = (t.splitIndex[id] | (t.defaultLeft[id] ? 0x80000000 : 0)) >>> 0;
        f32[at + 3] = 0;
        queue.push(t.left[id], t.right[id]);
        placed.push(next, next + 1);
        level.push(level[qi] + 1, level[qi] + 1);
        next += 2;
      }
    }
    depths[ti] = depth;
  });
  return { nodes, roots, depths };
}
