import { describe, expect, it } from 'vitest';
import { addTreeShap, treeExpectedValue, type ShapTree } from '../../engine/src/explain';
import { mulberry32 } from '../../engine/src/util/mulberry32';

/**
 * TreeSHAP against the Shapley formula itself, by brute force over every feature subset:
 * v(S) is the path-dependent expectation (a node splitting on a feature in S follows x, any
 * other node averages its children by cover), φᵢ = Σ_S |S|!(M−|S|−1)!/M! (v(S∪i) − v(S)).
 */
function randomTree(rand: () => number, features: number, depth: number, width: number): ShapTree {
  const left: number[] = [];
  const right: number[] = [];
  const feature: number[] = [];
  const threshold: number[] = [];
  const missingLeft: number[] = [];
  const cover: number[] = [];
  const value: number[] = [];
  const grow = (d: number, weight: number): number => {
    const id = left.length;
    left.push(-1);
    right.push(-1);
    feature.push(0);
    threshold.push(0);
    missingLeft.push(0);
    cover.push(weight);
    for (let c = 0; c < width; c++) value.push(rand() * 4 - 2);
    if (d < depth && rand() < 0.85) {
      feature[id] = Math.floor(rand() * features); // repeats along a path are likely: the unwind case
      threshold[id] = rand() * 2 - 1;
      missingLeft[id] = rand() < 0.5 ? 1 : 0;
      const share = 0.1 + 0.8 * rand();
      const l = grow(d + 1, weight * share);
      const r = grow(d + 1, weight * (1 - share));
      left[id] = l;
      right[id] = r;
    }
    return id;
  };
  grow(0, 100);
  let maxDepth = 0;
  const depthOf = (node: number, d: number): void => {
    if (left[node] < 0) maxDepth = Math.max(maxDepth, d);
    else {
      depthOf(left[node], d + 1);
      depthOf(right[node], d + 1);
    }
  };
  depthOf(0, 0);
  return {
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    missingLeft: Uint8Array.from(missingLeft),
    cover: Float64Array.from(cover),
    value: Float64Array.from(value),
    width,
    output: 0,
    depth: maxDepth,
  };
}

function expectation(t: ShapTree, x: Float64Array, known: Set<number>, node: number, c: number): number {
  if (t.left[node] < 0) return t.value[node * t.width + c];
  const f = t.feature[node];
  if (known.has(f)) {
    const v = x[f];
    const goLeft = Number.isNaN(v) ? t.missingLeft[node] === 1 : v < t.threshold[node];
    return expectation(t, x, known, goLeft ? t.left[node] : t.right[node], c);
  }
  const l = t.left[node];
  const r = t.right[node];
  return (expectation(t, x, known, l, c) * t.cover[l] + expectation(t, x, known, r, c) * t.cover[r]) / t.cover[node];
}

function bruteForce(t: ShapTree, x: Float64Array, M: number, c: number): number[] {
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const phi = new Array<number>(M).fill(0);
  for (let i = 0; i < M; i++) {
    for (let mask = 0; mask < 1 << M; mask++) {
      if (mask & (1 << i)) continue;
      const S = new Set<number>();
      for (let j = 0; j < M; j++) if (mask & (1 << j)) S.add(j);
      const w = (fact(S.size) * fact(M - S.size - 1)) / fact(M);
      const without = expectation(t, x, S, 0, c);
      S.add(i);
      phi[i] += w * (expectation(t, x, S, 0, c) - without);
    }
  }
  return phi;
}

describe('TreeSHAP equals the brute-force Shapley values', () => {
  it('on random trees with repeated features, missing values and two outputs', () => {
    const rand = mulberry32(42);
    const M = 5;
    let checked = 0;
    for (let trial = 0; trial < 20; trial++) {
      const tree = randomTree(rand, M, 2 + (trial % 5), 2);
      const rows = 4;
      const values = new Float32Array(rows * M);
      for (let k = 0; k < values.length; k++) values[k] = rand() < 0.1 ? NaN : rand() * 2 - 1;
      const phi = new Float64Array(rows * 2 * M);
      addTreeShap([tree], { rows, cols: M, values }, phi, 2);
      for (let i = 0; i < rows; i++) {
        const x = Float64Array.from({ length: M }, (_, j) => values[j * rows + i]);
        for (let c = 0; c < 2; c++) {
          const want = bruteForce(tree, x, M, c);
          for (let j = 0; j < M; j++) expect(phi[(i * 2 + c) * M + j]).toBeCloseTo(want[j], 9);
          // Efficiency: the values add up to f(x) − E[f].
          const total = want.reduce((s, v) => s + v, 0);
          expect(total).toBeCloseTo(expectation(tree, x, new Set(Array.from({ length: M }, (_, j) => j)), 0, c) - treeExpectedValue(tree)[c], 9);
          checked++;
        }
      }
    }
    expect(checked).toBe(160);
  });
});
