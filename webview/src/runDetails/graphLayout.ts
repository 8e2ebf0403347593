/**
 * A deterministic layered layout for pipeline graphs (Sugiyama-style, small): nodes go in
 * layers by longest path from the sources, then each layer is ordered by the barycentre of
 * its neighbours for a few sweeps, ties broken by the order the pipeline file lists them.
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
  /** Position within its layer, left to right. */
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

export const nodeWidth = 180;
export const nodeHeight = 44;
const gapX = 36;
const gapY = 48;
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

  const widest = Math.max(1, ...layers.map((l) => l.length));
  const width = margin * 2 + widest * nodeWidth + (widest - 1) * gapX;
  const height = margin * 2 + layerCount * nodeHeight + Math.max(0, layerCount - 1) * gapY;
  const nodes = new Map<string, NodePosition>();
  layers.forEach((ids, li) => {
    const rowWidth = ids.length * nodeWidth + (ids.length - 1) * gapX;
    const left = (width - rowWidth) / 2;
    ids.forEach((id, order) => {
      nodes.set(id, {
        id,
        layer: li,
        order,
        x: left + order * (nodeWidth + gapX) + nodeWidth / 2,
        y: margin + li * (nodeHeight + gapY) + nodeHeight / 2,
      });
    });
  });

  const laidEdges = edges.map((e) => {
    const a = nodes.get(e.from)!;
    const b = nodes.get(e.to)!;
    const y0 = a.y + nodeHeight / 2;
    const y1 = b.y - nodeHeight / 2;
    const mid = (y0 + y1) / 2;
    return { from: e.from, to: e.to, path: `M${a.x},${y0} C${a.x},${mid} ${b.x},${mid} ${b.x},${y1}` };
  });
  return { nodes, edges: laidEdges, width, height };
}
