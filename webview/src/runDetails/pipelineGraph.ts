import type { PipelineGraph, StepRunRecord } from '../protocol';
import { s } from '../shared/dom';
import { formatDuration, durationBetween } from '../shared/format';
import { layoutGraph, nodeHeight, nodeWidth } from './graphLayout';

/**
 * The pipeline graph as SVG: one box per step coloured by its status (CSS classes, so the
 * theme decides the colours), one box per pipeline input, edges as curves.
 */
export function renderPipelineGraph(graph: PipelineGraph, steps: StepRunRecord[], selected: string | undefined, onSelect: (step: string) => void): SVGElement {
  const layout = layoutGraph(graph);
  const byName = new Map(steps.map((st) => [st.name, st]));
  const svg = s('svg', {
    class: 'pipeline-graph',
    width: layout.width,
    height: layout.height,
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    role: 'img',
    'aria-label': 'Pipeline graph',
  });
  svg.appendChild(
    s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'graph-arrow' }))),
  );
  for (const e of layout.edges) svg.appendChild(s('path', { d: e.path, class: 'graph-edge', 'marker-end': 'url(#arrow)', 'data-from': e.from, 'data-to': e.to }));
  for (const node of graph.nodes) {
    const pos = layout.nodes.get(node.id)!;
    const step = node.kind === 'step' ? byName.get(node.id) : undefined;
    const status = node.kind === 'input' ? 'Input' : step?.status ?? 'Queued';
    const duration = step ? durationBetween(step.startedAt, step.endedAt) : undefined;
    const sub = node.kind === 'input' ? node.detail ?? 'input' : `${node.detail ?? step?.kind ?? ''} · ${status}${duration !== undefined && status !== 'Reused' ? ` · ${formatDuration(duration)}` : ''}`;
    const g = s(
      'g',
      {
        class: `graph-node kind-${node.kind} node-${status}${selected === node.id ? ' selected' : ''}`,
        transform: `translate(${pos.x - nodeWidth / 2},${pos.y - nodeHeight / 2})`,
        'data-node': node.id,
        'data-status': status,
        tabindex: node.kind === 'step' ? 0 : undefined,
        role: node.kind === 'step' ? 'button' : undefined,
        'aria-label': `${node.label}: ${status}`,
      },
      s('rect', { width: nodeWidth, height: nodeHeight, rx: 6, class: 'node-box' }),
      s('rect', { width: 5, height: nodeHeight, rx: 2, class: 'node-status-bar' }),
      s('text', { x: 14, y: 18, class: 'node-label' }, truncate(node.label, 24)),
      s('text', { x: 14, y: 34, class: 'node-sub' }, truncate(sub, 32)),
      s('title', null, `${node.label}\n${sub}`),
    );
    if (node.kind === 'step') {
      g.addEventListener('click', () => onSelect(node.id));
      g.addEventListener('keydown', (ev) => {
        if ((ev as KeyboardEvent).key === 'Enter' || (ev as KeyboardEvent).key === ' ') onSelect(node.id);
      });
    }
    svg.appendChild(g);
  }
  return svg;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
