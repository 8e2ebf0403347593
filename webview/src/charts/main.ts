import { renderVegaLite } from '../shared/charts';
import { chartsGlobal, type ChartsModule } from '../shared/lazyCharts';

/**
 * The chart bundle (`dist/webview/charts.js`): Vega, Vega-Lite and the CSP-safe expression
 * interpreter, about 1.7 MB. Views load it only when they first draw a chart, so their first
 * paint does not wait for it; it announces itself on `window`.
 */
const module: ChartsModule = { renderVegaLite };
(window as unknown as Record<string, ChartsModule>)[chartsGlobal] = module;
window.dispatchEvent(new Event(`${chartsGlobal}:loaded`));
