import { describe, expect, it } from 'vitest';
import { layoutGraph } from './graphLayout';

describe('layoutGraph', () => {
  it('puts each node right of everything it depends on', () => {
    const layout = layoutGraph({
      nodes: [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'a', to: 'c' },
        { from: 'b', to: 'd' },
        { from: 'c', to: 'd' },
      ],
    });
    const x = (id: string) => layout.nodes.get(id)!.x;
    expect(x('a')).toBeLessThan(x('b'));
    expect(x('b')).toBe(x('c'));
    expect(x('c')).toBeLessThan(x('d'));
    expect(layout.nodes.get('b')!.y).toBeLessThan(layout.nodes.get('c')!.y);
    expect(layout.edges).toHaveLength(4);
  });

  it('is deterministic: the same graph gives the same positions', () => {
    const graph = {
      nodes: ['in', 'p1', 'p2', 'train', 'score', 'reg'].map((id) => ({ id })),
      edges: [
        { from: 'in', to: 'p1' },
        { from: 'in', to: 'p2' },
        { from: 'p2', to: 'train' },
        { from: 'p1', to: 'train' },
        { from: 'train', to: 'reg' },
        { from: 'train', to: 'score' },
        { from: 'p2', to: 'score' },
      ],
    };
    const a = layoutGraph(graph);
    const b = layoutGraph(graph);
    expect([...a.nodes.values()]).toEqual([...b.nodes.values()]);
    expect(a.edges.map((e) => e.path)).toEqual(b.edges.map((e) => e.path));
  });

  it('places a source right above its first consumer and survives cycles', () => {
    const layout = layoutGraph({
      nodes: [{ id: 's1' }, { id: 's2' }, { id: 'late-input' }, { id: 's3' }],
      edges: [
        { from: 's1', to: 's2' },
        { from: 's2', to: 's3' },
        { from: 'late-input', to: 's3' },
      ],
    });
    expect(layout.nodes.get('late-input')!.layer).toBe(layout.nodes.get('s3')!.layer - 1);
    const cyclic = layoutGraph({ nodes: [{ id: 'x' }, { id: 'y' }], edges: [{ from: 'x', to: 'y' }, { from: 'y', to: 'x' }] });
    expect(cyclic.nodes.size).toBe(2);
  });
});
