import type { ChartRenderer } from './charts';

export interface ChartsModule {
  renderVegaLite: ChartRenderer;
}

export const chartsGlobal = '__weirCharts';

/**
 * A chart renderer that loads the chart bundle on first use. The bundle sits next to the
 * view's own (`…/runDetails.js` → `…/charts.js`) and is loaded with the page's nonce, the only
 * way the CSP lets a script in. Call this while the view's bundle runs its top level:
 * `document.currentScript` is only set then.
 */
export function lazyChartRenderer(): ChartRenderer {
  const script = document.currentScript as HTMLScriptElement | null;
  const src = script?.src ?? '';
  const nonce = script?.nonce || script?.getAttribute('nonce') || '';
  let loading: Promise<ChartsModule> | undefined;
  const load = (): Promise<ChartsModule> => {
    loading ??= new Promise<ChartsModule>((resolve, reject) => {
      const existing = (window as unknown as Record<string, ChartsModule | undefined>)[chartsGlobal];
      if (existing) return resolve(existing);
      const tag = document.createElement('script');
      tag.nonce = nonce;
      tag.src = src.replace(/[^/]+\.js(\?.*)?$/, 'charts.js');
      tag.onload = () => {
        const loaded = (window as unknown as Record<string, ChartsModule | undefined>)[chartsGlobal];
        if (loaded) resolve(loaded);
        else reject(new Error('the chart bundle loaded but did not register'));
      };
      tag.onerror = () => reject(new Error(`could not load the chart bundle from ${tag.src}`));
      document.head.appendChild(tag);
    });
    return loading;
  };
  return async (container, spec) => (await load()).renderVegaLite(container, spec);
}
