import { WeirError } from '../errors';
import type { EvalSet, GbdtParams, TrainData, TrainOptions, TrainResult } from './api';
import { checkMatrix, GbdtBooster, type BoosterModel } from './booster';
import { evalMetric, metricMaximizes } from './metrics';
import { baseMargin, checkLabels, transformMargins, xgbQuantile } from './objectives';
import { defaultMetric, resolveParams, type ResolvedParams } from './params';
import { addTreeOutputs, MAX_CATEGORY, packTrees, TreeBuilder, type TreeModel } from './treeModel';
import { instantiateKernels, WasmHeap, type GbdtKernels } from './wasmKernels';
import { mulberry32 } from '../util/mulberry32';

/** XGBoost's kRtEps: a split must improve the loss by more than this to be kept. */
const RT_EPS = 1e-6;

/** `count` distinct items of `from`, in ascending order, chosen by a partial Fisher–Yates shuffle. */
function sampleSorted(from: readonly number[], count: number, rand: () => number): number[] {
  const a = [...from];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a.slice(0, count).sort((x, y) => x - y);
}

/** Rows per column of `data.values`: more than `data.rows` when `rowIndex` picks some of them. */
function sourceRows(data: TrainData): number {
  return data.rowIndex ? (data.cols > 0 ? data.values.length / data.cols : 0) : data.rows;
}

/** Where feature f of training row i is in `data.values`. */
function cellIndex(data: TrainData, f: number, i: number): number {
  return f * sourceRows(data) + (data.rowIndex ? data.rowIndex[i] : i);
}

function hasNaN(data: TrainData): boolean {
  const { values, rowIndex } = data;
  if (!rowIndex) {
    for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) return true;
    return false;
  }
  const source = sourceRows(data);
  for (let f = 0; f < data.cols; f++) {
    const base = f * source;
    for (let i = 0; i < rowIndex.length; i++) if (values[base + rowIndex[i]] !== values[base + rowIndex[i]]) return true;
  }
  return false;
}

/** Feature f of the training rows, copied into `out` at `offset`. */
function copyColumn(data: TrainData, f: number, out: Float32Array, offset: number): void {
  const { values, rowIndex } = data;
  const n = data.rows;
  if (!rowIndex) {
    out.set(values.subarray(f * n, (f + 1) * n), offset);
    return;
  }
  const base = f * sourceRows(data);
  for (let i = 0; i < n; i++) out[offset + i] = values[base + rowIndex[i]];
}

interface Split {
  lossChange: number;
  gradLeft: number;
  hessLeft: number;
  feature: number;
  /** Rows with bin ≤ splitBin go left; −1 sends only missing values left. */
  splitBin: number;
  defaultLeft: boolean;
  /** A categorical split: per bin of the feature, 1 when its rows go left (missing: defaultLeft). */
  leftBins?: Uint8Array;
  /** A categorical split: the category values that go right, ascending. */
  rightSet?: Int32Array;
}

interface GrowNode {
  id: number;
  depth: number;
  begin: number;
  end: number;
  grad: number;
  hess: number;
  /** Pointer to this node's histogram, or −1 when it has none. */
  hist: number;
  split: Split | undefined;
  /** The split's loss change, −Infinity without one: lossguide's queue order. */
  priority: number;
}

export interface GrownLeaf {
  id: number;
  begin: number;
  end: number;
}

/**
 * The category values whose rows fall in each bin of categorical feature f. With at most
 * max_bin categories every category has a bin of its own (the sketch keeps each distinct
 * value as a cut); with more, neighbouring categories share a bin and move together.
 */
function categoriesOfBins(data: TrainData, f: number, cuts: Float32Array): number[][] {
  const seen = new Set<number>();
  for (let i = 0; i < data.rows; i++) {
    const v = data.values[cellIndex(data, f, i)];
    if (v === v) seen.add(v);
  }
  const out: number[][] = Array.from({ length: cuts.length }, () => []);
  // bin(x) = the number of cuts ≤ x, as the kernel bins it: one walk over both sorted lists.
  let bin = 0;
  for (const v of [...seen].sort((a, b) => a - b)) {
    while (bin < cuts.length - 1 && v >= cuts[bin]) bin++;
    out[bin].push(v);
  }
  return out;
}

/**
 * The WASM-side training state: the binned matrix and the buffers every tree reuses.
 * One instance per `train` call, dropped at the end so its memory goes with it. The row-sized
 * buffers the trees use (margins, gradient pairs, row partition, subsample mask) are allocated
 * after the binning has released its scratch (a column and two sort buffers, 20 bytes a row),
 * so they reuse those pages instead of growing the memory past them: the memory's peak is the
 * larger of the two, not their sum (−54 MB at 2.7M rows).
 */
class TrainingContext {
  readonly k: GbdtKernels;
  readonly heap: WasmHeap;
  readonly rows: number;
  readonly cols: number;
  /** Per feature: the cut values (split conditions) and XGBoost's below-minimum value. */
  readonly cuts: Float32Array[] = [];
  readonly minValues: Float32Array;
  readonly totalSlots: number;
  readonly labelPtr: number;
  readonly weightPtr: number;
  readonly marginPtr: number;
  readonly ghPtr: number;
  /** The row partition: each node owns a contiguous range of row ids. */
  readonly rowIdxPtr: number;
  readonly maskPtr: number;
  readonly featMaskPtr: number;
  readonly splitOutPtr: number;
  readonly sumOutPtr: number;
  readonly probsPtr: number;
  /** Per feature: whether it is categorical (feature type 'c') and split by partitions. */
  readonly categorical: boolean[];
  /** Per categorical feature and bin: the category values whose rows fall in that bin. */
  readonly binCategories: (number[][] | undefined)[] = [];
  /** Per feature: the first histogram slot (slot = 16 bytes: gradient, hessian f64). */
  readonly slotStart: Uint32Array;
  readonly nbins: Int32Array;
  /** One byte per bin: a categorical split's left-going bins, for partitionRowsByBins. */
  readonly leftBinsPtr: number;
  /** findCategoricalSplit's sorted bins and result. */
  readonly catOrderPtr: number;
  readonly catOutPtr: number;
  /** One byte per feature: the categorical features the current node may split on. */
  readonly catMaskPtr: number;
  private readonly freeHists: number[] = [];

  constructor(
    data: TrainData,
    readonly p: ResolvedParams,
  ) {
    this.k = instantiateKernels();
    this.heap = new WasmHeap(this.k);
    const { k, heap } = this;
    const n = data.rows;
    const nf = data.cols;
    const K = p.numGroups;
    this.rows = n;
    this.cols = nf;
    // Codes are one byte unless a feature can need all 256 bins plus a code for missing
    // values (NaN present, max_bin 256, and enough rows for 256 distinct values).
    const width = p.maxBin >= 256 && n > 256 && hasNaN(data) ? 2 : 1;
    // Row-major codes (histograms only) are two bytes whenever every slot index fits in 16
    // bits: they then hold the slot index itself (globalizeRowCodes).
    const rowWidth = nf * (Math.min(p.maxBin, 256) + 1) <= 65536 ? 2 : width;
    const binsPtr = heap.alloc(n * nf * rowWidth);
    const colBinsPtr = heap.alloc(n * nf * width);
    this.labelPtr = heap.put(data.label);
    this.weightPtr = data.weight ? heap.put(data.weight) : 0;
    const nbinsPtr = heap.alloc(nf * 4);
    const slotBytesPtr = heap.alloc(nf * 4);
    this.featMaskPtr = heap.alloc(nf);
    this.splitOutPtr = heap.alloc(48);
    this.sumOutPtr = heap.alloc(16);
    this.probsPtr = heap.alloc(k.softmaxScratchBytes(K));
    this.leftBinsPtr = heap.alloc(264);
    this.catOrderPtr = heap.alloc(264 * 4);
    this.catOutPtr = heap.alloc(40);
    this.catMaskPtr = heap.alloc(nf);
    this.categorical = Array.from({ length: nf }, (_, f) => data.featureTypes?.[f] === 'c');
    k.setDataset(n, nf, width, rowWidth, binsPtr, colBinsPtr, slotBytesPtr, nbinsPtr, 0, 0, 0);

    // Binning scratch lives above a mark and is released once every feature is binned.
    const mark = k.heapMark();
    const colPtr = heap.alloc(n * 4);
    const scratchA = heap.alloc(n * 8);
    const scratchB = heap.alloc(n * 8);
    const counts = heap.alloc(4 * 256 * 4);
    const cutsOut = heap.alloc((p.maxBin + 2) * 4);
    this.minValues = new Float32Array(nf);
    const nbins = new Int32Array(nf);
    for (let f = 0; f < nf; f++) {
      copyColumn(data, f, heap.f32, colPtr >>> 2);
      const nb = k.sketchFeature(colPtr, this.weightPtr, n, f, p.maxBin, cutsOut, scratchA, scratchB, counts);
      const f32 = heap.f32;
      this.cuts.push(f32.slice(cutsOut >>> 2, (cutsOut >>> 2) + nb));
      this.minValues[f] = f32[(cutsOut >>> 2) + nb];
      nbins[f] = nb;
      if (this.categorical[f]) this.binCategories[f] = categoriesOfBins(data, f, this.cuts[f]);
    }
    k.heapRelease(mark);
    // Every one of these is written before it is read (margins filled by train, gradients
    // each round, the row partition reset by each tree, the mask drawn each round), so the
    // binning scratch's leftovers under them do not matter.
    // Margins as f32, class-major ([k][row], like the gradient pairs), as XGBoost's float cache.
    this.marginPtr = heap.alloc(n * K * 4);
    // (gradient, hessian) as two f32 per row and class, as XGBoost's GradientPair.
    this.ghPtr = heap.alloc(n * K * 8);
    const rowIdxPtr = heap.alloc(n * 4);
    this.rowIdxPtr = rowIdxPtr;
    const tmpPtr = heap.alloc(n * 4);
    this.maskPtr = p.subsample < 1 ? heap.alloc(n) : 0;

    let slots = 0;
    const slotBytes = new Uint32Array(nf);
    for (let f = 0; f < nf; f++) {
      slotBytes[f] = slots * 16;
      slots += nbins[f] + 1;
    }
    this.totalSlots = slots;
    this.slotStart = Uint32Array.from(slotBytes, (b) => b / 16);
    this.nbins = nbins;
    heap.i32.set(nbins, nbinsPtr >>> 2);
    heap.i32.set(new Int32Array(slotBytes.buffer), slotBytesPtr >>> 2);
    k.setDataset(n, nf, width, rowWidth, binsPtr, colBinsPtr, slotBytesPtr, nbinsPtr, slots, rowIdxPtr, tmpPtr);
    if (rowWidth === 2 && slots <= 65536) k.globalizeRowCodes();
    k.setSplitParams(p.lambda, p.alpha, p.minChildWeight, p.maxDeltaStep);
  }

  /** A leaf's output: eta × weight in f32, as XGBoost multiplies two floats. */
  leafValue(g: number, h: number): number {
    return Math.fround(Math.fround(this.leafWeight(g, h)) * Math.fround(this.p.eta));
  }

  allocHist(): number {
    return this.freeHists.pop() ?? this.heap.alloc(this.totalSlots * 16);
  }

  releaseHist(ptr: number): void {
    if (ptr >= 0) this.freeHists.push(ptr);
  }

  /** The structure score of a node, identical to the kernel's gainInline. */
  gain(g: number, h: number): number {
    const p = this.p;
    if (h <= 0) return 0;
    if (p.maxDeltaStep === 0) {
      const t = g > p.alpha ? g - p.alpha : g < -p.alpha ? g + p.alpha : 0;
      return (t * t) / (h + p.lambda);
    }
    const w = Math.fround(this.leafWeight(g, h));
    return -(2 * g * w + (h + p.lambda) * w * w);
  }

  /** The unscaled optimal weight, identical to the kernel's leafWeight. */
  leafWeight(g: number, h: number): number {
    const p = this.p;
    if (h < p.minChildWeight || h <= 0) return 0;
    const t = g > p.alpha ? g - p.alpha : g < -p.alpha ? g + p.alpha : 0;
    let w = -t / (h + p.lambda);
    if (p.maxDeltaStep !== 0 && Math.abs(w) > p.maxDeltaStep) w = w < 0 ? -p.maxDeltaStep : p.maxDeltaStep;
    return w;
  }

  computeGradients(): void {
    const { k, p } = this;
    const n = this.rows;
    switch (p.objective) {
      case 'binary:logistic':
        k.gradLogistic(n, this.marginPtr, this.labelPtr, this.weightPtr, p.scalePosWeight, this.ghPtr);
        break;
      case 'reg:squarederror':
        k.gradSquared(n, this.marginPtr, this.labelPtr, this.weightPtr, this.ghPtr);
        break;
      case 'reg:absoluteerror':
        k.gradAbsolute(n, this.marginPtr, this.labelPtr, this.weightPtr, this.ghPtr);
        break;
      case 'reg:pseudohubererror':
        k.gradPseudoHuber(n, this.marginPtr, this.labelPtr, this.weightPtr, p.huberSlope, this.ghPtr);
        break;
      case 'count:poisson':
        k.gradPoisson(n, this.marginPtr, this.labelPtr, this.weightPtr, p.maxDeltaStep, this.ghPtr);
        break;
      case 'reg:tweedie':
        k.gradTweedie(n, this.marginPtr, this.labelPtr, this.weightPtr, p.tweedieVariancePower, this.ghPtr);
        break;
      case 'multi:softprob':
        k.gradSoftmax(n, p.numGroups, this.marginPtr, this.labelPtr, this.weightPtr, this.ghPtr, this.probsPtr);
        break;
    }
  }
}

/** Grows one tree on the gradient pairs at `gh` with XGBoost's hist algorithm. */
class TreeGrower {
  readonly builder = new TreeBuilder();
  readonly leaves: GrownLeaf[] = [];
  private numLeaves = 1;
  /** Whether the current node may split on a categorical feature (catMaskPtr has them; featMaskPtr leaves them out). */
  private anyCategorical = false;

  constructor(
    private readonly ctx: TrainingContext,
    private readonly gh: number,
    private readonly treeFeatures: number[],
    private readonly rand: () => number,
  ) {}

  grow(): void {
    const { ctx } = this;
    const { k, p } = ctx;
    const n = ctx.rows;
    k.resetRowIndex();
    k.sumGradients(this.gh, 0, n, 1, ctx.sumOutPtr);
    const f64 = ctx.heap.f64;
    const root: GrowNode = { id: 0, depth: 0, begin: 0, end: n, grad: f64[ctx.sumOutPtr >>> 3], hess: f64[(ctx.sumOutPtr >>> 3) + 1], hist: -1, split: undefined, priority: -Infinity };
    this.builder.addLeaf(-1, ctx.leafValue(root.grad, root.hess), root.hess);
    this.writeFeatureMask(this.treeFeatures);
    if (this.mayHaveChildren(0)) {
      root.hist = ctx.allocHist();
      k.buildHist(root.hist, this.gh, 0, n, 1);
      this.evaluate(root);
    }
    if (p.growPolicy === 'lossguide') this.growLossguide(root);
    else this.growDepthwise(root);
  }

  private mayHaveChildren(depth: number): boolean {
    return this.ctx.p.maxDepth === 0 || depth < this.ctx.p.maxDepth;
  }

  private growDepthwise(root: GrowNode): void {
    let frontier = [root];
    while (frontier.length > 0) {
      const next: GrowNode[] = [];
      for (const node of frontier) {
        if (!this.isValid(node)) {
          this.makeLeaf(node);
          continue;
        }
        const [left, right] = this.applySplit(node);
        if (this.withChildHistograms(node, left, right)) next.push(left, right);
      }
      frontier = next;
    }
  }

  private growLossguide(root: GrowNode): void {
    const open = [root];
    while (open.length > 0) {
      // Highest loss change first; ties go to the older node, as in XGBoost's queue.
      let best = 0;
      let bestPriority = open[0].priority;
      for (let i = 1; i < open.length; i++) {
        const a = open[i].priority;
        if (a > bestPriority || (a === bestPriority && open[i].id < open[best].id)) {
          best = i;
          bestPriority = a;
        }
      }
      const node = open.splice(best, 1)[0];
      if (!this.isValid(node)) {
        this.makeLeaf(node);
        continue;
      }
      const [left, right] = this.applySplit(node);
      if (this.withChildHistograms(node, left, right)) open.push(left, right);
    }
  }

  private isValid(node: GrowNode): boolean {
    const s = node.split;
    const p = this.ctx.p;
    if (!s) return false;
    if (s.lossChange <= RT_EPS) return false;
    if (s.hessLeft === 0 || node.hess - s.hessLeft === 0) return false;
    if (s.lossChange < p.gamma) return false;
    if (p.maxDepth > 0 && node.depth >= p.maxDepth) return false;
    if (p.maxLeaves > 0 && this.numLeaves >= p.maxLeaves) return false;
    return true;
  }

  private makeLeaf(node: GrowNode): void {
    this.ctx.releaseHist(node.hist);
    node.hist = -1;
    this.leaves.push({ id: node.id, begin: node.begin, end: node.end });
  }

  private applySplit(node: GrowNode): [GrowNode, GrowNode] {
    const { ctx } = this;
    const s = node.split as Split;
    let nLeft: number;
    if (s.leftBins) {
      ctx.heap.u8.set(s.leftBins, ctx.leftBinsPtr);
      nLeft = ctx.k.partitionRowsByBins(node.begin, node.end, s.feature, ctx.leftBinsPtr, s.defaultLeft ? 1 : 0);
    } else {
      nLeft = ctx.k.partitionRows(node.begin, node.end, s.feature, s.splitBin, s.defaultLeft ? 1 : 0);
    }
    const gl = s.gradLeft;
    const hl = s.hessLeft;
    const gr = node.grad - gl;
    const hr = node.hess - hl;
    const condition = s.splitBin >= 0 ? ctx.cuts[s.feature][s.splitBin] : ctx.minValues[s.feature];
    const leftOut = { value: ctx.leafValue(gl, hl), hess: hl };
    const rightOut = { value: ctx.leafValue(gr, hr), hess: hr };
    const weight = Math.fround(ctx.leafWeight(node.grad, node.hess));
    const leftId = s.rightSet
      ? this.builder.splitCategorical(node.id, s.feature, s.rightSet, s.defaultLeft, weight, Math.fround(s.lossChange), leftOut, rightOut)
      : this.builder.split(node.id, s.feature, condition, s.defaultLeft, weight, Math.fround(s.lossChange), leftOut, rightOut);
    this.numLeaves += 1;
    const mid = node.begin + nLeft;
    const left: GrowNode = { id: leftId, depth: node.depth + 1, begin: node.begin, end: mid, grad: gl, hess: hl, hist: -1, split: undefined, priority: -Infinity };
    const right: GrowNode = { id: leftId + 1, depth: node.depth + 1, begin: mid, end: node.end, grad: gr, hess: hr, hist: -1, split: undefined, priority: -Infinity };
    return [left, right];
  }

  /**
   * Whether a node may still be split, judged before its histogram is built: it has two
   * rows or more, the tree has room for another leaf, and its hessian sum can give both
   * children min_child_weight. A node that fails this would find no valid split anyway
   * (every candidate needs hl ≥ mcw and h − hl ≥ mcw, so h ≥ 2·mcw less rounding), so
   * skipping its histogram and search leaves the tree unchanged.
   */
  private maySplit(node: GrowNode): boolean {
    const p = this.ctx.p;
    if (node.end - node.begin < 2) return false;
    if (p.maxLeaves > 0 && this.numLeaves >= p.maxLeaves) return false;
    return node.hess >= 2 * p.minChildWeight * (1 - 1e-9);
  }

  /**
   * Gives the children that may split histograms — the smaller one built from its rows, the
   * larger one as parent − smaller in the parent's buffer — and evaluates them. Returns false
   * (and records two leaves) when the children are at the depth limit.
   */
  private withChildHistograms(parent: GrowNode, left: GrowNode, right: GrowNode): boolean {
    const { ctx } = this;
    if (!this.mayHaveChildren(left.depth)) {
      ctx.releaseHist(parent.hist);
      parent.hist = -1;
      this.leaves.push({ id: left.id, begin: left.begin, end: left.end }, { id: right.id, begin: right.begin, end: right.end });
      return false;
    }
    const [small, large] = left.end - left.begin <= right.end - right.begin ? [left, right] : [right, left];
    const smallSplits = this.maySplit(small);
    const largeSplits = this.maySplit(large);
    if (smallSplits || largeSplits) {
      // The smaller child's histogram is needed for itself or to derive the larger one's.
      small.hist = ctx.allocHist();
      ctx.k.buildHist(small.hist, this.gh, small.begin, small.end, 0);
    }
    if (largeSplits) {
      large.hist = parent.hist;
      parent.hist = -1;
      ctx.k.subtractHist(large.hist, large.hist, small.hist);
    }
    ctx.releaseHist(parent.hist);
    parent.hist = -1;
    if (!smallSplits) {
      ctx.releaseHist(small.hist);
      small.hist = -1;
    }
    // Left first, as always: colsample_bynode draws from one stream, and a skipped child
    // still takes its draw so the nodes after it sample the same features as before.
    for (const child of [left, right]) {
      if (child.hist >= 0) this.evaluate(child);
      else if (child.end - child.begin >= 2) this.nodeFeatures();
    }
    return true;
  }

  private writeFeatureMask(features: number[]): void {
    const u8 = this.ctx.heap.u8;
    const at = this.ctx.featMaskPtr;
    const cat = this.ctx.catMaskPtr;
    const categorical = this.ctx.categorical;
    u8.fill(0, at, at + this.ctx.cols);
    u8.fill(0, cat, cat + this.ctx.cols);
    this.anyCategorical = false;
    for (const f of features) {
      if (categorical[f]) {
        u8[cat + f] = 1;
        this.anyCategorical = true;
      } else u8[at + f] = 1;
    }
  }

  /** With colsample_bynode < 1, the features a node may split on (one draw per node with two rows or more). */
  private nodeFeatures(): number[] | undefined {
    const p = this.ctx.p;
    if (p.colsampleBynode >= 1) return undefined;
    const count = Math.max(1, Math.floor(p.colsampleBynode * this.treeFeatures.length));
    return sampleSorted(this.treeFeatures, count, this.rand);
  }

  private evaluate(node: GrowNode): void {
    const { ctx } = this;
    if (node.end - node.begin < 2) return;
    const features = this.nodeFeatures();
    if (features) this.writeFeatureMask(features);
    ctx.k.findBestSplit(node.hist, node.grad, node.hess, ctx.featMaskPtr, ctx.splitOutPtr);
    const f64 = ctx.heap.f64;
    const i32 = ctx.heap.i32;
    const o = ctx.splitOutPtr;
    const feature = i32[(o + 24) >>> 2];
    if (feature >= 0) {
      node.split = {
        lossChange: f64[o >>> 3],
        gradLeft: f64[(o + 8) >>> 3],
        hessLeft: f64[(o + 16) >>> 3],
        feature,
        splitBin: i32[(o + 28) >>> 2],
        defaultLeft: i32[(o + 32) >>> 2] !== 0,
      };
    }
    if (this.anyCategorical) this.evaluateCategorical(node);
    if (node.split) node.priority = node.split.lossChange;
  }

  /**
   * The best partition of categorical feature f's categories at this node, kept when it beats
   * node.split: XGBoost's and LightGBM's partition search — the node's non-empty categories
   * sorted by their optimal leaf weight −G/(H+λ), then every prefix of that order tried as the
   * right-going set, with missing values once on each side (right first) when the node has any.
   */
  private evaluateCategorical(node: GrowNode): void {
    const { ctx } = this;
    const o = ctx.catOutPtr;
    ctx.k.findCategoricalSplit(node.hist, node.grad, node.hess, ctx.catMaskPtr, node.split?.lossChange ?? 0, ctx.catOrderPtr, o);
    const i32 = ctx.heap.i32;
    const count = i32[(o + 24) >>> 2];
    if (count <= 0) return;
    const f = i32[(o + 32) >>> 2];
    const f64 = ctx.heap.f64;
    const leftBins = new Uint8Array(ctx.nbins[f]).fill(1);
    const right: number[] = [];
    const cats = ctx.binCategories[f] as number[][];
    for (let j = 0; j < count; j++) {
      const bin = i32[(ctx.catOrderPtr >>> 2) + j];
      leftBins[bin] = 0;
      right.push(...cats[bin]);
    }
    node.split = {
      lossChange: f64[o >>> 3],
      gradLeft: f64[(o + 8) >>> 3],
      hessLeft: f64[(o + 16) >>> 3],
      feature: f,
      splitBin: -1,
      defaultLeft: i32[(o + 28) >>> 2] !== 0,
      leftBins,
      rightSet: Int32Array.from(right.sort((a, b) => a - b)),
    };
  }

}

/** `rowIndex` data: whole source columns, one index per training row, each inside them. */
function checkRowIndex(data: TrainData, what: string): void {
  const idx = data.rowIndex!;
  if (!(idx instanceof Uint32Array) || idx.length !== data.rows) {
    throw new WeirError('BAD_INPUT', `${what}: rowIndex must be a Uint32Array with one index per training row (${data.rows})`);
  }
  if (!(data.values instanceof Float32Array)) throw new WeirError('BAD_INPUT', `${what}: values must be a Float32Array (column-major)`);
  if (!Number.isInteger(data.cols) || data.cols <= 0 || data.values.length % data.cols !== 0) {
    throw new WeirError('BAD_INPUT', `${what}: values has ${data.values.length} entries, not a whole number of rows of ${data.cols} columns`);
  }
  const source = sourceRows(data);
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] >= source) throw new WeirError('BAD_INPUT', `${what}: rowIndex[${i}] is ${idx[i]}, past the ${source} rows of values`);
  }
}

/** An evaluation set uploaded next to the training data, with its running margins. */
interface EvalState {
  name: string;
  set: EvalSet;
  dataPtr: number;
  marginPtr: number;
}

function checkTrainData(data: TrainData, p: ResolvedParams, what: string): void {
  if (data.rowIndex) checkRowIndex(data, what);
  else checkMatrix(data, what);
  if (!(data.label instanceof Float32Array) || data.label.length !== data.rows) {
    throw new WeirError('BAD_INPUT', `${what}: label must be a Float32Array with one value per row (${data.rows})`);
  }
  if (data.weight !== undefined) {
    if (!(data.weight instanceof Float32Array) || data.weight.length !== data.rows) {
      throw new WeirError('BAD_INPUT', `${what}: weight must be a Float32Array with one value per row (${data.rows})`);
    }
    for (let i = 0; i < data.rows; i++) {
      if (!(data.weight[i] >= 0) || !Number.isFinite(data.weight[i])) throw new WeirError('BAD_INPUT', `${what}: weight at row ${i} is ${data.weight[i]}; weights must be finite and ≥ 0`);
    }
  }
  const v = data.values;
  const source = sourceRows(data);
  if (data.featureTypes !== undefined && data.featureTypes.length !== data.cols) {
    throw new WeirError('BAD_INPUT', `${what}: ${data.featureTypes.length} feature types for ${data.cols} columns`);
  }
  data.featureTypes?.forEach((type, f) => {
    if (type !== 'c') return;
    for (let i = 0; i < data.rows; i++) {
      const x = v[cellIndex(data, f, i)];
      if (x === x && !(Number.isInteger(x) && x >= 0 && x < MAX_CATEGORY)) {
        const name = data.featureNames?.[f] ?? `f${f}`;
        throw new WeirError('BAD_INPUT', `${what}: categorical feature ${name} at row ${i} is ${x}; categories must be whole numbers in [0, ${MAX_CATEGORY}) (NaN = missing)`);
      }
    }
  });
  const infinite = (f: number, i: number) => {
    const name = data.featureNames?.[f] ?? `f${f}`;
    return new WeirError('BAD_INPUT', `${what}: feature ${name} at row ${i} is infinite; use NaN for missing values`);
  };
  if (data.rowIndex) {
    const idx = data.rowIndex;
    for (let f = 0; f < data.cols; f++) {
      const base = f * source;
      for (let i = 0; i < idx.length; i++) {
        const x = v[base + idx[i]];
        if (x === Infinity || x === -Infinity) throw infinite(f, i);
      }
    }
  } else {
    for (let i = 0; i < v.length; i++) {
      if (v[i] === Infinity || v[i] === -Infinity) throw infinite(Math.floor(i / data.rows), i % data.rows);
    }
  }
  checkLabels(p.objective, data.label, p.numClass, `${what}: label`);
}

/** Trains a booster; see api.ts for the contract. */
export function train(data: TrainData, params: GbdtParams, evals: EvalSet[] = [], options: TrainOptions = {}): TrainResult {
  const p = resolveParams(params);
  checkTrainData(data, p, 'training data');
  if (data.rows === 0) throw new WeirError('BAD_INPUT', 'training data has no rows');
  if (data.featureNames && data.featureNames.length !== data.cols) {
    throw new WeirError('BAD_INPUT', `training data: ${data.featureNames.length} feature names for ${data.cols} columns`);
  }
  for (const e of evals) {
    if (e.data.rowIndex) throw new WeirError('BAD_INPUT', `eval set '${e.name}': rowIndex is for the training data only; gather the eval rows`);
    checkTrainData(e.data, p, `eval set '${e.name}'`);
    if (e.data.cols !== data.cols) throw new WeirError('BAD_INPUT', `eval set '${e.name}' has ${e.data.cols} columns; the training data has ${data.cols}`);
  }
  if (p.earlyStoppingRounds !== undefined && evals.length === 0) {
    throw new WeirError('BAD_INPUT', `early_stopping_rounds=${p.earlyStoppingRounds} needs at least one eval set to watch`);
  }
  const K = p.numGroups;
  const n = data.rows;
  let baseScore = p.baseScore;
  if (baseScore === undefined) {
    baseScore = 0.5;
    if (p.objective === 'reg:absoluteerror') {
      baseScore = xgbQuantile(0.5, Float64Array.from(data.label), data.weight ? Float64Array.from(data.weight) : undefined);
    }
  }
  baseScore = Math.fround(baseScore);
  const margin0 = Math.fround(baseMargin(p.objective, baseScore));

  const ctx = new TrainingContext(data, p);
  const { k, heap } = ctx;
  heap.f32.fill(margin0, ctx.marginPtr >>> 2, (ctx.marginPtr >>> 2) + n * K);

  const evalStates: EvalState[] = evals.map((set) => {
    const dataPtr = heap.put(set.data.values);
    const marginPtr = heap.alloc(set.data.rows * K * 4);
    heap.f32.fill(margin0, marginPtr >>> 2, (marginPtr >>> 2) + set.data.rows * K);
    return { name: set.name, set, dataPtr, marginPtr };
  });
  const evalBufPtr = evals.length ? heap.alloc(64 * Math.max(1, data.cols) * 4) : 0;
  // One tree's root, group and depth, for adding each new tree to the eval margins.
  const evalRootGroupPtr = heap.alloc(12);
  let evalNodesPtr = 0;
  let evalNodesBytes = 0;
  const metrics = evals.length ? (p.evalMetrics.length ? p.evalMetrics : [defaultMetric(p.objective)]) : [];
  const history: Record<string, Record<string, number[]>> = {};
  for (const e of evals) history[e.name] = Object.fromEntries(metrics.map((m) => [m, [] as number[]]));

  const rand = mulberry32(p.seed);
  const allFeatures = Array.from({ length: data.cols }, (_, i) => i);
  const trees: TreeModel[] = [];
  const treeInfo: number[] = [];
  let bestIteration: number | undefined;
  let bestScore: number | undefined;

  for (let round = 0; round < p.numBoostRound; round++) {
    ctx.computeGradients();
    for (let group = 0; group < K; group++) {
      if (options.signal?.aborted) throw new WeirError('CANCELED', `boosting canceled after ${trees.length} trees`);
      const gh = ctx.ghPtr + group * n * 8;
      if (p.subsample < 1) {
        const u8 = heap.u8;
        for (let i = 0; i < n; i++) u8[ctx.maskPtr + i] = rand() < p.subsample ? 1 : 0;
        k.maskGradients(gh, ctx.maskPtr, n);
      }
      const treeFeatures = p.colsampleBytree < 1 ? sampleSorted(allFeatures, Math.max(1, Math.floor(p.colsampleBytree * data.cols)), rand) : allFeatures;
      const grower = new TreeGrower(ctx, gh, treeFeatures, rand);
      grower.grow();
      if (p.objective === 'reg:absoluteerror') refitAbsoluteLeaves(ctx, grower, data);
      const tree = grower.builder.build();
      for (const leaf of grower.leaves) {
        k.addLeafValue(ctx.marginPtr, group, leaf.begin, leaf.end, tree.splitCondition[leaf.id]);
      }
      trees.push(tree);
      treeInfo.push(group);
      if (evalStates.length && tree.categories) {
        for (const e of evalStates) {
          const rows = e.set.data.rows;
          addTreeOutputs(tree, e.set.data.values, rows, group, K, heap.f32.subarray(e.marginPtr >>> 2, (e.marginPtr >>> 2) + rows * K));
        }
      } else if (evalStates.length) {
        const { nodes, roots, depths } = packTrees([tree]);
        if (nodes.byteLength > evalNodesBytes) {
          evalNodesBytes = nodes.byteLength;
          evalNodesPtr = heap.alloc(evalNodesBytes);
        }
        heap.u8.set(new Uint8Array(nodes), evalNodesPtr);
        heap.i32[evalRootGroupPtr >>> 2] = roots[0];
        heap.i32[(evalRootGroupPtr >>> 2) + 1] = group;
        heap.i32[(evalRootGroupPtr >>> 2) + 2] = depths[0];
        for (const e of evalStates) {
          if (e.set.data.rows === 0) continue;
          k.predictTrees(e.dataPtr, e.set.data.rows, data.cols, evalNodesPtr, evalRootGroupPtr, evalRootGroupPtr + 4, evalRootGroupPtr + 8, 0, 1, K, e.marginPtr, evalBufPtr);
        }
      }
    }

    if (evalStates.length) {
      for (const e of evalStates) {
        const rows = e.set.data.rows;
        const out = heap.f32.slice(e.marginPtr >>> 2, (e.marginPtr >>> 2) + rows * K);
        transformMargins(p.objective, out, K);
        for (const m of metrics) history[e.name][m].push(evalMetric(m, out, e.set.data.label, e.set.data.weight, K, p.huberSlope, p.tweedieVariancePower));
      }
      // XGBoost watches the last metric on the last eval set.
      const watched = metrics[metrics.length - 1];
      const score = history[evalStates[evalStates.length - 1].name][watched][round];
      const improved = bestScore === undefined || (metricMaximizes(watched) ? score > bestScore : score < bestScore);
      if (improved && !Number.isNaN(score)) {
        bestScore = score;
        bestIteration = round;
      }
      if (p.earlyStoppingRounds !== undefined && bestIteration !== undefined && round - bestIteration >= p.earlyStoppingRounds) break;
    }
  }

  const attributes: Record<string, string> = {};
  if (p.earlyStoppingRounds !== undefined && bestIteration !== undefined && bestScore !== undefined) {
    attributes.best_iteration = String(bestIteration);
    attributes.best_ntree_limit = String(bestIteration + 1);
    attributes.best_score = String(bestScore);
  }
  const model: BoosterModel = {
    objective: p.objective,
    numFeature: data.cols,
    numGroups: K,
    baseScore,
    trees,
    treeInfo,
    params: {
      ...params,
      base_score: baseScore,
      ...(p.objective === 'count:poisson' ? { max_delta_step: p.maxDeltaStep } : {}),
      ...(p.objective === 'reg:tweedie' ? { tweedie_variance_power: p.tweedieVariancePower } : {}),
    },
    featureNames: data.featureNames ? [...data.featureNames] : undefined,
    featureTypes: data.featureTypes ? [...data.featureTypes] : undefined,
    attributes,
  };
  return { booster: new GbdtBooster(model), evalHistory: history, bestIteration, bestScore };
}

/**
 * reg:absoluteerror leaves, as XGBoost 1.7 sets them: eta × the (weighted) median of the
 * residuals label − margin of the rows in each leaf, instead of the Newton step.
 */
function refitAbsoluteLeaves(ctx: TrainingContext, grower: TreeGrower, data: TrainData): void {
  const { heap, p } = ctx;
  const { label, weight } = data;
  const margin = heap.f32;
  const rowIdx = heap.i32;
  const rowIdxBase = ctx.rowIdxPtr >>> 2;
  for (const leaf of grower.leaves) {
    const m = leaf.end - leaf.begin;
    if (m === 0) continue;
    const residual = new Float64Array(m);
    const w = weight ? new Float64Array(m) : undefined;
    for (let i = 0; i < m; i++) {
      const r = rowIdx[rowIdxBase + leaf.begin + i];
      residual[i] = label[r] - margin[(ctx.marginPtr >>> 2) + r];
      if (w && weight) w[i] = weight[r];
    }
    grower.builder.setLeafValue(leaf.id, Math.fround(p.eta * xgbQuantile(0.5, residual, w)));
  }
}
