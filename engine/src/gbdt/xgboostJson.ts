import { WeirError } from '../errors';
import type { GbdtObjective, GbdtParams } from './api';
import { GbdtBooster, type BoosterModel } from './booster';
import { OBJECTIVES } from './params';
import type { TreeModel } from './treeModel';

function bad(message: string): WeirError {
  return new WeirError('BAD_INPUT', `not an XGBoost JSON model: ${message}`);
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${where} is not an object`);
  return v as Record<string, unknown>;
}

function numArray(v: unknown, where: string, n?: number): number[] {
  if (!Array.isArray(v)) throw bad(`${where} is not an array`);
  if (n !== undefined && v.length !== n) throw bad(`${where} has ${v.length} entries, expected ${n}`);
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'number') throw bad(`${where}[${i}] is not a number`);
  }
  return v as number[];
}

/** A tree's categorical splits (split_type 1): node → the ascending category values that go right. */
function readCategories(t: Record<string, unknown>, where: string, splitType: number[], n: number): Map<number, Int32Array> | undefined {
  if (!splitType.some((s) => s !== 0)) return undefined;
  const cats = numArray(t.categories, `${where}.categories`);
  const nodes = numArray(t.categories_nodes, `${where}.categories_nodes`);
  const segments = numArray(t.categories_segments, `${where}.categories_segments`, nodes.length);
  const sizes = numArray(t.categories_sizes, `${where}.categories_sizes`, nodes.length);
  const out = new Map<number, Int32Array>();
  nodes.forEach((node, i) => {
    if (!(Number.isInteger(node) && node >= 0 && node < n) || splitType[node] !== 1) throw bad(`${where}.categories_nodes[${i}] is ${node}, not a categorical split node`);
    if (!(segments[i] >= 0 && sizes[i] >= 0 && segments[i] + sizes[i] <= cats.length)) throw bad(`${where}: categories of node ${node} run past the categories array`);
    out.set(node, Int32Array.from(cats.slice(segments[i], segments[i] + sizes[i])).sort());
  });
  splitType.forEach((s, node) => {
    if (s !== 0 && s !== 1) throw bad(`${where}.split_type[${node}] is ${s}`);
    if (s === 1 && !out.has(node)) out.set(node, new Int32Array(0));
  });
  return out;
}

function numField(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw bad(`${where} is ${JSON.stringify(v)}, not a number`);
  return n;
}

/**
 * Loads what XGBoost's `Booster.save_model('m.json')` writes (1.x and 2.x gbtree models
 * with numerical splits), or what `toXGBoostJSON()` wrote. Accepts the parsed object or
 * the JSON text.
 */
export function loadXGBoostJSON(json: unknown): GbdtBooster {
  let root = json;
  if (typeof root === 'string') {
    try {
      // XGBoost writes NaN (a categorical node's split_condition), which JSON.parse rejects.
      root = JSON.parse(root.includes('NaN') ? root.replace(/([[,:])\s*NaN(?=\s*[\],}])/g, '$1null') : root);
    } catch (e) {
      throw bad(`invalid JSON (${(e as Error).message})`);
    }
  }
  const learner = obj(obj(root, 'the document').learner, 'learner');
  const objective = obj(learner.objective, 'learner.objective');
  const name = objective.name as GbdtObjective;
  if (!OBJECTIVES.includes(name)) throw new WeirError('BAD_INPUT', `XGBoost model objective '${String(objective.name)}' is not supported by Weir`);
  const mp = obj(learner.learner_model_param, 'learner.learner_model_param');
  const numFeature = numField(mp.num_feature, 'learner_model_param.num_feature');
  const numClassRaw = numField(mp.num_class ?? '0', 'learner_model_param.num_class');
  let baseScoreText = mp.base_score;
  // XGBoost 2 writes base_score as "[5E-1]" (a vector for multi-target models).
  if (typeof baseScoreText === 'string' && baseScoreText.startsWith('[')) baseScoreText = baseScoreText.slice(1, -1).split(',')[0];
  const baseScore = numField(baseScoreText, 'learner_model_param.base_score');
  const gb = obj(learner.gradient_booster, 'learner.gradient_booster');
  if (gb.name !== 'gbtree') throw new WeirError('BAD_INPUT', `XGBoost booster '${String(gb.name)}' is not supported by Weir (only gbtree)`);
  const model = obj(gb.model, 'gradient_booster.model');
  const treesRaw = model.trees;
  if (!Array.isArray(treesRaw)) throw bad('gradient_booster.model.trees is not an array');
  const treeInfo = numArray(model.tree_info, 'gradient_booster.model.tree_info', treesRaw.length);
  const numGroups = name === 'multi:softprob' ? numClassRaw : 1;
  if (name === 'multi:softprob' && numGroups < 2) throw bad('multi:softprob model without num_class');
  const trees: TreeModel[] = treesRaw.map((t0, ti) => {
    const t = obj(t0, `trees[${ti}]`);
    const where = `trees[${ti}]`;
    const left = numArray(t.left_children, `${where}.left_children`);
    const n = left.length;
    const splitType = t.split_type === undefined ? [] : numArray(t.split_type, `${where}.split_type`, n);
    const categories = readCategories(t, where, splitType, n);
    const right = numArray(t.right_children, `${where}.right_children`, n);
    const splitIndex = numArray(t.split_indices, `${where}.split_indices`, n);
    const tree: TreeModel = {
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      parent: Int32Array.from(numArray(t.parents, `${where}.parents`, n)),
      splitIndex: Int32Array.from(splitIndex),
      splitCondition: Float32Array.from(numArray(Array.isArray(t.split_conditions) ? t.split_conditions.map((v: unknown) => (v === null ? NaN : v)) : t.split_conditions, `${where}.split_conditions`, n)),
      defaultLeft: Uint8Array.from(numArray(t.default_left, `${where}.default_left`, n)),
      baseWeight: Float32Array.from(numArray(t.base_weights, `${where}.base_weights`, n)),
      lossChange: Float32Array.from(numArray(t.loss_changes, `${where}.loss_changes`, n)),
      sumHessian: Float32Array.from(numArray(t.sum_hessian, `${where}.sum_hessian`, n)),
      ...(categories ? { categories } : {}),
    };
    for (let i = 0; i < n; i++) {
      const isLeaf = left[i] === -1;
      if (isLeaf !== (right[i] === -1)) throw bad(`${where} node ${i} has only one child`);
      if (!isLeaf) {
        if (!(left[i] > i && left[i] < n && right[i] > i && right[i] < n)) throw bad(`${where} node ${i} has children out of range`);
        if (splitIndex[i] < 0 || splitIndex[i] >= numFeature) throw bad(`${where} node ${i} splits on feature ${splitIndex[i]} of ${numFeature}`);
      }
    }
    return tree;
  });
  for (const g of treeInfo) if (!(g >= 0 && g < numGroups)) throw bad(`tree_info holds group ${g} for a model with ${numGroups} outputs`);
  const params: GbdtParams = { objective: name, base_score: baseScore };
  if (name === 'multi:softprob') params.num_class = numGroups;
  const objParams = Object.values(objective).find((v) => typeof v === 'object' && v !== null) as Record<string, unknown> | undefined;
  if (objParams?.scale_pos_weight !== undefined) params.scale_pos_weight = numField(objParams.scale_pos_weight, 'scale_pos_weight');
  if (objParams?.huber_slope !== undefined) params.huber_slope = numField(objParams.huber_slope, 'huber_slope');
  if (objParams?.max_delta_step !== undefined) params.max_delta_step = numField(objParams.max_delta_step, 'max_delta_step');
  if (objParams?.tweedie_variance_power !== undefined) params.tweedie_variance_power = numField(objParams.tweedie_variance_power, 'tweedie_variance_power');
  const attributes: Record<string, string> = {};
  if (learner.attributes && typeof learner.attributes === 'object') {
    for (const [k, v] of Object.entries(learner.attributes as Record<string, unknown>)) attributes[k] = String(v);
  }
  const featureNames = Array.isArray(learner.feature_names) && learner.feature_names.length === numFeature ? learner.feature_names.map(String) : undefined;
  const featureTypes = Array.isArray(learner.feature_types) && learner.feature_types.length === numFeature ? learner.feature_types.map(String) : undefined;
  const boosterModel: BoosterModel = {
    objective: name,
    numFeature,
    numGroups,
    baseScore,
    trees,
    treeInfo: [...treeInfo],
    params,
    featureNames,
    featureTypes,
    attributes,
  };
  return new GbdtBooster(boosterModel);
}
