import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { expressionInterpreter } from 'vega-interpreter';

/**
 * Draws a Vega-Lite spec into a container. Views take this as a parameter so tests can
 * record specs instead of drawing them.
 */
export type ChartRenderer = (container: HTMLElement, spec: TopLevelSpec) => Promise<void>;

/**
 * Renders with Vega's AST interpreter instead of its default code generation, which builds
 * functions with `new Function` and would need `unsafe-eval` in the CSP. SVG output keeps
 * charts crisp at any zoom and lets tests find the marks.
 */
export const renderVegaLite: ChartRenderer = async (container, spec) => {
  const vegaSpec = compile(spec, { config: themeConfig() }).spec;
  const view = new View(parse(vegaSpec, undefined, { ast: true }), {
    expr: expressionInterpreter,
    renderer: 'svg',
    container,
    hover: true,
  });
  await view.runAsync();
  container.dataset.rendered = 'true';
};

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

/** Chart colours from the VS Code theme, read when each chart is drawn (themes can change). */
export function themeConfig(): NonNullable<Parameters<typeof compile>[1]>['config'] {
  const foreground = cssVar('--vscode-foreground', '#333');
  const muted = cssVar('--vscode-descriptionForeground', '#888');
  const grid = cssVar('--vscode-editorWidget-border', cssVar('--vscode-panel-border', 'rgba(128,128,128,0.3)'));
  const font = cssVar('--vscode-font-family', 'sans-serif');
  const palette = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'].map((c, i) =>
    cssVar(`--vscode-charts-${c}`, ['#1a85ff', '#d18616', '#388a34', '#a074c4', '#e51400', '#cca700'][i]),
  );
  return {
    background: 'transparent',
    font,
    view: { stroke: grid },
    axis: { labelColor: muted, titleColor: foreground, domainColor: grid, tickColor: grid, gridColor: grid, gridOpacity: 0.5 },
    legend: { labelColor: foreground, titleColor: foreground },
    title: { color: foreground },
    // Sequential colour (the Explanations dot plot: a feature's low values blue, high red, as SHAP plots colour them).
    range: { category: palette, ramp: [palette[0], palette[4]] },
    mark: { color: palette[0] },
  };
}
