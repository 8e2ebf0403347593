/**
 * The one typed message protocol between the extension host and the webviews.
 * (Filled in by the webview work; see docs/ARCHITECTURE.md.)
 */
export {};
