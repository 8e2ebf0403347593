// @vitest-environment jsdom
import '../testing/noCanvas';
import { describe, expect, it } from 'vitest';
import { chartsFor } from '../runDetails/chartSpecs';
import { classificationChartsFixture } from '../testing/fixtures';
import { renderVegaLite } from './charts';

describe('renderVegaLite', () => {
  it('draws a ROC curve as SVG with the AST interpreter (no generated code)', async () => {
    const container = document.createElement('div');
    document.body.appendChild(container);
    const roc = chartsFor(classificationChartsFixture()).find((c) => c.id === 'roc')!;
    await renderVegaLite(container, roc.spec);
    const svg = container.querySelector('svg');
    expect(svg).not.toBeNull();
    // One line per class plus the dashed diagonal.
    expect(container.querySelectorAll('path.mark-line, g.mark-line path').length).toBeGreaterThanOrEqual(3);
    expect(container.textContent).toContain('False positive rate');
    expect(container.dataset.rendered).toBe('true');
  });
});
