import { WeirError } from '../errors';
import type { Booster, FeatureMatrix, GbdtObjective, GbdtParams } from './api';
import { baseMargin, transformMargins } from './objectives';
import { addTreeOutputs, hasCategoricalSplits, packTrees, type TreeModel } from './treeModel';
import { instantiateKernels, WasmHeap, type GbdtKernels } from './wasmKernels';

/** Everything a trained or loaded model is. */
export interface BoosterModel {
  objective: GbdtObjective;
  numFeature: number;
  /** Outputs per row: num_class for multi:softprob, otherwise 1. */
  numGroups: number;
  /** XGBoost's base_score (a probability for binary:logistic). */
  baseScore: number;
  trees: TreeModel[];
  /** The output group (class) of each tree. */
  treeInfo: number[];
  params: GbdtParams;
  featureNames?: string[];
  featureTypes?: string[];
  /** XGBoost's learner attributes (best_iteration, best_score, best_ntree_limit). */
  attributes: Record<string, string>;
}

/** A kernel instance that stays alive above this size is dropped after a prediction. */
const KEEP_INSTANCE_BYTES = 64 << 20;
/** Feature values per prediction chunk (1M cells = 4 MB). */
const PREDICT_CHUNK_CELLS = 1 << 20;

export class GbdtBooster implements Booster {
  private kernels: GbdtKernels | undefined;
  private heap: WasmHeap | undefined;
  private treesPtr = 0;
  private rootsPtr = 0;
  private groupsPtr = 0;
  private depthsPtr = 0;
  private disposed = false;
  private hasCategorical: boolean | undefined;

  constructor(readonly model: BoosterModel) {}

  get numFeatures(): number {
    return this.model.numFeature;
  }
  get numClass(): number {
    return this.model.numGroups;
  }
  get numTrees(): number {
    return this.model.trees.length;
  }
  get params(): Readonly<GbdtParams> {
    return this.model.params;
  }

  predict(data: FeatureMatrix, options?: { outputMargin?: boolean; iterationEnd?: number }): Float32Array {
    if (this.disposed) throw new WeirError('INTERNAL', 'predict on a disposed booster');
    checkMatrix(data, 'prediction data');
    if (data.cols !== this.model.numFeature) {
      throw new WeirError('BAD_INPUT', `prediction data has ${data.cols} feature columns; the model was trained on ${this.model.numFeature}`);
    }
    const K = this.model.numGroups;
    const roundsAvailable = Math.floor(this.model.trees.length / K);
    const rounds = options?.iterationEnd === undefined || options.iterationEnd <= 0 ? roundsAvailable : Math.min(options.iterationEnd, roundsAvailable);
    if (this.categorical) return this.predictWalking(data, rounds, options?.outputMargin === true);
    const { k, heap } = this.ensureKernels();
    const mark = k.heapMark();
    try {
      // Rows go through the kernel in chunks, so the instance's memory stays a few MB however
      // large the batch (the caller's column-major array is never copied whole).
      const chunkRows = Math.max(64, Math.min(data.rows, Math.floor(PREDICT_CHUNK_CELLS / Math.max(1, data.cols))));
      const dataPtr = heap.alloc(chunkRows * Math.max(1, data.cols) * 4);
      const outPtr = heap.alloc(chunkRows * K * 4);
      const bufPtr = heap.alloc(64 * Math.max(1, data.cols) * 4);
      const base = Math.fround(baseMargin(this.model.objective, this.model.baseScore));
      const out = new Float32Array(data.rows * K);
      const sigmoid = !options?.outputMargin && this.model.objective === 'binary:logistic';
      for (let r0 = 0; r0 < data.rows; r0 += chunkRows) {
        const rows = Math.min(chunkRows, data.rows - r0);
        const f32 = heap.f32;
        for (let f = 0; f < data.cols; f++) {
          f32.set(data.values.subarray(f * data.rows + r0, f * data.rows + r0 + rows), (dataPtr >>> 2) + f * rows);
        }
        f32.fill(base, outPtr >>> 2, (outPtr >>> 2) + rows * K);
        k.predictTrees(dataPtr, rows, data.cols, this.treesPtr, this.rootsPtr, this.groupsPtr, this.depthsPtr, 0, rounds * K, K, outPtr, bufPtr);
        if (sigmoid) k.sigmoidInPlace(outPtr, rows);
        out.set(heap.f32.subarray(outPtr >>> 2, (outPtr >>> 2) + rows * K), r0 * K);
      }
      if (!options?.outputMargin && this.model.objective !== 'binary:logistic') transformMargins(this.model.objective, out, K);
      return out;
    } finally {
      k.heapRelease(mark);
      if (k.memory.buffer.byteLength > KEEP_INSTANCE_BYTES) this.releaseKernels();
    }
  }

  private get categorical(): boolean {
    this.hasCategorical ??= hasCategoricalSplits(this.model.trees);
    return this.hasCategorical;
  }

  /** predict for models with categorical splits: each tree walked in TypeScript (set membership). */
  private predictWalking(data: FeatureMatrix, rounds: number, outputMargin: boolean): Float32Array {
    const K = this.model.numGroups;
    const out = new Float32Array(data.rows * K).fill(Math.fround(baseMargin(this.model.objective, this.model.baseScore)));
    for (let t = 0; t < rounds * K; t++) addTreeOutputs(this.model.trees[t], data.values, data.rows, this.model.treeInfo[t], K, out);
    if (!outputMargin) transformMargins(this.model.objective, out, K);
    return out;
  }

  featureImportance(type: 'weight' | 'gain' | 'total_gain' | 'cover' | 'total_cover'): Record<string, number> {
    const count = new Map<number, number>();
    const gain = new Map<number, number>();
    const cover = new Map<number, number>();
    for (const t of this.model.trees) {
      for (let i = 0; i < t.left.length; i++) {
        if (t.left[i] < 0) continue;
        const f = t.splitIndex[i];
        count.set(f, (count.get(f) ?? 0) + 1);
        gain.set(f, (gain.get(f) ?? 0) + t.lossChange[i]);
        cover.set(f, (cover.get(f) ?? 0) + t.sumHessian[i]);
      }
    }
    const out: Record<string, number> = {};
    for (const f of [...count.keys()].sort((a, b) => a - b)) {
      const name = this.model.featureNames?.[f] ?? `f${f}`;
      const n = count.get(f) ?? 0;
      switch (type) {
        case 'weight':
          out[name] = n;
          break;
        case 'gain':
          out[name] = (gain.get(f) ?? 0) / n;
          break;
        case 'total_gain':
          out[name] = gain.get(f) ?? 0;
          break;
        case 'cover':
          out[name] = (cover.get(f) ?? 0) / n;
          break;
        case 'total_cover':
          out[name] = cover.get(f) ?? 0;
          break;
        default:
          throw new WeirError('BAD_INPUT', `unknown importance type '${String(type)}'`, { hint: 'Use weight, gain, total_gain, cover or total_cover.' });
      }
    }
    return out;
  }

  toXGBoostJSON(): unknown {
    return boosterToXGBoostJSON(this.model);
  }

  toXGBoostJSONText(): string {
    // toXGBoostJSON's floats are already f32Number's shortest form (which it leaves as is).
    return stringifyXGBoostJSON(this.toXGBoostJSON(), '', true);
  }

  dispose(): void {
    this.disposed = true;
    this.releaseKernels();
  }

  private ensureKernels(): { k: GbdtKernels; heap: WasmHeap } {
    if (this.kernels && this.heap) return { k: this.kernels, heap: this.heap };
    const k = instantiateKernels();
    const heap = new WasmHeap(k);
    const { nodes, roots, depths } = packTrees(this.model.trees);
    this.treesPtr = heap.put(new Uint8Array(nodes));
    this.rootsPtr = heap.put(roots);
    this.groupsPtr = heap.put(Int32Array.from(this.model.treeInfo));
    this.depthsPtr = heap.put(depths);
    this.kernels = k;
    this.heap = heap;
    return { k, heap };
  }

  private releaseKernels(): void {
    this.kernels = undefined;
    this.heap = undefined;
  }
}

/** Rejects a matrix whose arrays do not match its declared shape. */
export function checkMatrix(data: FeatureMatrix, what: string): void {
  if (!Number.isInteger(data.rows) || data.rows < 0 || !Number.isInteger(data.cols) || data.cols < 0) {
    throw new WeirError('BAD_INPUT', `${what}: rows (${data.rows}) and cols (${data.cols}) must be integers ≥ 0`);
  }
  if (!(data.values instanceof Float32Array)) throw new WeirError('BAD_INPUT', `${what}: values must be a Float32Array (column-major)`);
  if (data.values.length !== data.rows * data.cols) {
    throw new WeirError('BAD_INPUT', `${what}: values has ${data.values.length} entries, expected rows × cols = ${data.rows * data.cols}`);
  }
}

/** 10^0 … 10^22: every one an exact double, so a product or quotient with one is correctly rounded. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** m × 10^k as the nearest double, as Number(`${m}e${k}`) reads it (m an integer below 2^53). */
function scaled(m: number, k: number): number {
  if (k >= 0 && k <= 22) {
    const v = m * POW10[k];
    if (v <= Number.MAX_SAFE_INTEGER) return v;
  } else if (k < 0 && k >= -22) {
    return m / POW10[-k];
  }
  return Number(`${m}e${k}`);
}

/**
 * The shortest decimal that reads back as the same float32, as a number: JSON then prints
 * 0.57551026 where the float64 view would print 0.5755102634429932, like XGBoost does.
 * That is Number(f.toPrecision(p)) for the smallest p in 1..9 that reads back as f.
 *
 * A model has hundreds of thousands of these numbers (and an AutoML trial's kept models are
 * serialised with them), so this avoids calling toPrecision once per p: whole numbers below
 * 2^24 are their own shortest form (every integer there is a float32, so a shorter decimal —
 * another integer — reads back as another float32); otherwise the 9 significant digits of
 * toPrecision(9) are rounded to p digits in integer arithmetic, which is toPrecision(p)'s
 * rounding except when the dropped digits are exactly one half (toPrecision(9) may have
 * rounded the true tail up to that), where toPrecision(p) itself decides; the candidate's
 * value is m × 10^k, correctly rounded as Number() reads the string.
 */
export function f32Number(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f) || f === 0) return f;
  const a = Math.abs(f);
  if (a < 16777216 && Number.isInteger(a)) return f;
  // a ≈ m × 10^e with m the 9 significant digits of toPrecision(9) as an integer.
  const s = a.toPrecision(9);
  const ei = s.indexOf('e');
  const mant = ei < 0 ? s : s.slice(0, ei);
  const dot = mant.indexOf('.');
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  const m = Number(digits);
  const e = (dot < 0 ? mant.length : dot) - digits.length + (ei < 0 ? 0 : Number(s.slice(ei + 1)));
  for (let p = 1; p < 9; p++) {
    const q = POW10[9 - p];
    const r = m % q;
    let v: number;
    if (2 * r === q) {
      v = Number(a.toPrecision(p));
    } else {
      const base = (m - r) / q;
      v = scaled(2 * r > q ? base + 1 : base, e + 9 - p);
    }
    if (Math.fround(v) === a) return f < 0 ? -v : v;
  }
  const v = scaled(m, e);
  return f < 0 ? -v : v;
}

function f32List(a: Float32Array): number[] {
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = f32Number(a[i]);
  return out;
}

/** The objective block as XGBoost 1.7 writes it. */
function objectiveJSON(model: BoosterModel): Record<string, unknown> {
  const p = model.params;
  switch (model.objective) {
    case 'binary:logistic':
    case 'reg:squarederror':
      return { name: model.objective, reg_loss_param: { scale_pos_weight: String(p.scale_pos_weight ?? 1) } };
    case 'multi:softprob':
      return { name: model.objective, softmax_multiclass_param: { num_class: String(model.numGroups) } };
    case 'reg:pseudohubererror':
      return { name: model.objective, pseudo_huber_param: { huber_slope: String(p.huber_slope ?? 1) } };
    case 'count:poisson':
      return { name: model.objective, poisson_regression_param: { max_delta_step: String(f32Number(p.max_delta_step ?? 0.7)) } };
    case 'reg:tweedie':
      return { name: model.objective, tweedie_regression_param: { tweedie_variance_power: String(f32Number(p.tweedie_variance_power ?? 1.5)) } };
    case 'reg:absoluteerror':
      return { name: model.objective };
  }
}

/** What XGBoost 1.7's `Booster.save_model('m.json')` writes for this model. */
export function boosterToXGBoostJSON(model: BoosterModel): unknown {
  const trees = model.trees.map((t, id) => {
    const n = t.left.length;
    const splitType = new Array<number>(n).fill(0);
    const categories: number[] = [];
    const categoriesNodes: number[] = [];
    const categoriesSegments: number[] = [];
    const categoriesSizes: number[] = [];
    if (t.categories) {
      for (const node of [...t.categories.keys()].sort((a, b) => a - b)) {
        const set = t.categories.get(node) as Int32Array;
        splitType[node] = 1;
        categoriesNodes.push(node);
        categoriesSegments.push(categories.length);
        categoriesSizes.push(set.length);
        categories.push(...set);
      }
    }
    return {
      base_weights: f32List(t.baseWeight),
      categories,
      categories_nodes: categoriesNodes,
      categories_segments: categoriesSegments,
      categories_sizes: categoriesSizes,
      default_left: Array.from(t.defaultLeft),
      id,
      left_children: Array.from(t.left),
      loss_changes: f32List(t.lossChange),
      parents: Array.from(t.parent),
      right_children: Array.from(t.right),
      split_conditions: f32List(t.splitCondition),
      split_indices: Array.from(t.splitIndex),
      split_type: splitType,
      sum_hessian: f32List(t.sumHessian),
      tree_param: { num_deleted: '0', num_feature: String(model.numFeature), num_nodes: String(n), size_leaf_vector: '0' },
    };
  });
  return {
    learner: {
      attributes: { ...model.attributes },
      feature_names: model.featureNames ? [...model.featureNames] : [],
      feature_types: model.featureNames ? (model.featureTypes ? [...model.featureTypes] : model.featureNames.map(() => 'float')) : [],
      gradient_booster: {
        model: {
          gbtree_model_param: { num_parallel_tree: '1', num_trees: String(trees.length), size_leaf_vector: '0' },
          tree_info: [...model.treeInfo],
          trees,
        },
        name: 'gbtree',
      },
      learner_model_param: {
        base_score: String(f32Number(model.baseScore)),
        boost_from_average: '1',
        num_class: model.objective === 'multi:softprob' ? String(model.numGroups) : '0',
        num_feature: String(model.numFeature),
        num_target: '1',
      },
      objective: objectiveJSON(model),
    },
    version: [1, 7, 4],
  };
}

/** The tree arrays XGBoost's JSON reader insists are floats, not integers. */
const FLOAT_ARRAYS = new Set(['base_weights', 'loss_changes', 'split_conditions', 'sum_hessian']);

function floatText(x: number, shortest: boolean): string {
  const s = String(shortest ? x : f32Number(x));
  return /[.eE]/.test(s) || !Number.isFinite(x) ? s : `${s}.0`;
}

/**
 * Serialises a model object as XGBoost's reader needs it: its typed JSON parser rejects
 * an integer where a float is expected, so float arrays always carry a decimal point
 * (0.0, 250.0), which plain JSON.stringify cannot do. Compact, like XGBoost's own files.
 * `floatsShortest`: the float arrays already hold f32Number's output (as toXGBoostJSON's do),
 * so they are printed as they are.
 */
export function stringifyXGBoostJSON(value: unknown, key = '', floatsShortest = false): string {
  if (Array.isArray(value)) {
    if (FLOAT_ARRAYS.has(key)) return `[${value.map((v) => floatText(v as number, floatsShortest)).join(',')}]`;
    return `[${value.map((v) => stringifyXGBoostJSON(v, '', floatsShortest)).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${JSON.stringify(k)}:${stringifyXGBoostJSON(v, k, floatsShortest)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
