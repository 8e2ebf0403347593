/**
 * jsdom has no canvas; Vega probes one for text measurement when it loads and falls back to
 * estimates without it. Answering the probe with "no context" keeps jsdom from printing a
 * "not implemented" stack for every test file that imports Vega. Import this first.
 */
HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;
