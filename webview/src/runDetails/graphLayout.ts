/**
 * A deterministic layered layout for pipeline graphs (Sugiyama-style, small): nodes go in
 * layers by longest path from the sources, then each layer is ordered by the barycentre of
 * its neighbours for a few sweeps, ties broken by the order the pipeline file lists them.
 * Layers run left to right: pipelines are mostly chains, and a chain laid out across the
 * tab leaves the screen below for the step details.
 * The same graph always gives the same picture, so a live-updating run never jumps around.
 * Pipelines have tens of steps, so the simple O(sweeps × edges) passes are plenty.
 */
export interface LayoutInput {
  nodes: { id: string }[];
  edges: { from: string; to: string }[];
}

export interface NodePosition {
  id: string;
  layer: number;
  /** Position within its layer, top to bottom. */
  order: number;
  /** Centre of the node box. */
  x: number;
  y: number;
}

export interface GraphLayout {
  nodes: Map<string, NodePosition>;
  edges: { from: string; to: string; path: string }[];
  width: number;
  height: number;
}

export const nodeWidth = 190;
export const nodeHeight = 44;
const gapX = 56;
const gapY = 18;
const margin = 12;

export function layoutGraph(input: LayoutInput): GraphLayout {
  const ids = input.nodes.map((n) => n.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const edges = input.edges.filter((e) => index.has(e.from) && index.has(e.to) && e.from !== e.to);
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  const succs = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) {
    preds.get(e.to)!.push(e.from);
    succs.get(e.from)!.push(e.to);
  }

  // Longest-path layering over a topological order (Kahn, smallest file index first). Nodes
  // left over belong to a cycle, which validation rejects; they keep layer 0 rather than hang.
  const layer = new Map<string, number>(ids.map((id) => [id, 0]));
  const indegree = new Map(ids.map((id) => [id, preds.get(id)!.length]));
  const ready = ids.filter((id) => indegree.get(id) === 0);
  while (ready.length) {
    ready.sort((a, b) => index.get(a)! - index.get(b)!);
    const id = ready.shift()!;
    for (const next of succs.get(id)!) {
      layer.set(next, Math.max(layer.get(next)!, layer.get(id)! + 1));
      indegree.set(next, indegree.get(next)! - 1);
      if (indegree.get(next) === 0) ready.push(next);
    }
  }

  // Inputs (sources) sit right above their first consumer rather than all on top.
  for (const id of ids) {
    if (preds.get(id)!.length === 0 && succs.get(id)!.length > 0) {
      const firstConsumer = Math.min(...succs.get(id)!.map((n) => layer.get(n)!));
      layer.set(id, Math.max(0, firstConsumer - 1));
    }
  }

  const layerCount = Math.max(0, ...layer.values()) + 1;
  const layers: string[][] = Array.from({ length: layerCount }, () => []);
  for (const id of ids) layers[layer.get(id)!].push(id);

  const orderOf = new Map<string, number>();
  const renumber = (): void => layers.forEach((l) => l.forEach((id, i) => orderOf.set(id, i)));
  renumber();
  const sweep = (neighbours: Map<string, string[]>, from: number, to: number, step: number): void => {
    for (let li = from; li !== to; li += step) {
      const keyed = layers[li].map((id) => {
        const ns = neighbours.get(id)!;
        const bary = ns.length ? ns.reduce((sum, n) => sum + orderOf.get(n)!, 0) / ns.length : orderOf.get(id)!;
        return { id, bary };
      });
      keyed.sort((a, b) => a.bary - b.bary || index.get(a.id)! - index.get(b.id)!);
      layers[li] = keyed.map((k) => k.id);
      renumber();
    }
  };
  for (let i = 0; i < 4; i++) {
    sweep(preds, 1, layerCount, 1);
    sweep(succs, layerCount - 2, -1, -1);
  }

  const tallest = Math.max(1, ...layers.map((l) => l.length));
  const width = margin * 2 + layerCount * nodeWidth + Math.max(0, layerCount - 1) * gapX;
  const height = margin * 2 + tallest * nodeHeight + (tallest - 1) * gapY;
  const nodes = new Map<string, NodePosition>();
  layers.forEach((ids, li) => {
    const columnHeight = ids.length * nodeHeight + (ids.length - 1) * gapY;
    const top = (height - columnHeight) / 2;
    ids.forEach((id, order) => {
      nodes.set(id, {
        id,
        layer: li,
        order,
        x: margin + li * (nodeWidth + gapX) + nodeWidth / 2,
        y: top + order * (nodeHeight + gapY) + nodeHeight / 2,
      });
    });
  });

  const laidEdges = edges.map((e) => {
    const a = nodes.get(e.from)!;
    const b = nodes.get(e.to)!;
    const x0 = a.x + nodeWidth / 2;
    const x1 = b.x - nodeWidth / 2;
    const mid = (x0 + x1) / 2;
    return { from: e.from, to: e.to, path: `M${x0},${a.y} C${mid},${a.y} ${mid},${b.y} ${x1},${b.y}` };
  });
  return { nodes, edges: laidEdges, width, height };
}
