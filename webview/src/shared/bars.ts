import { h, type Child } from './dom';
import { formatNumber } from './format';

/** Horizontal bars as plain elements (a dozen rows do not need a chart library). */
export function renderBars(items: { feature: string; importance: number }[], limit = 25): Child {
  if (!items.length) return h('div', { class: 'empty' }, 'No feature importances recorded.');
  const top = items.slice(0, limit);
  const max = Math.max(...top.map((i) => Math.abs(i.importance)), 1e-12);
  return h(
    'div',
    { class: 'bars importances' },
    top.map((i) => [
      h('span', { class: 'bar-label' }, i.feature),
      h('div', { class: 'bar-track' }, h('div', { class: 'bar-fill', style: { width: `${((100 * Math.abs(i.importance)) / max).toFixed(1)}%` } })),
      h('span', { class: 'num muted' }, formatNumber(i.importance, 3)),
    ]),
  );
}
