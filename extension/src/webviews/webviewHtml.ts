import { randomBytes } from 'node:crypto';

/**
 * The HTML every Weir webview starts from. It holds no content of its own: one nonce'd
 * script (the view's bundle) builds the page, and the view's starting state rides in a
 * `data-state` attribute so the first paint needs no round trip to the host.
 *
 * The Content-Security-Policy allows:
 * - scripts: only with this page's nonce (no `unsafe-eval`: charts use vega-interpreter),
 * - styles: the webview's own resource origin and the nonce (the bundle adds its stylesheet
 *   with the nonce; component libraries use constructable stylesheets, which CSP permits),
 * - images and fonts: the webview's resource origin and `data:` images (chart exports),
 * - nothing else: no network, no frames, no remote resources.
 */
export interface WebviewHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** `webview.asWebviewUri(dist/webview/<kind>.js)`, as a string. */
  scriptUri: string;
  nonce: string;
  title: string;
  /** The view's starting state (a `ViewState`), used until the webview has its own. */
  state: unknown;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function webviewHtml(o: WebviewHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeText(o.title)}</title>
</head>
<body data-state="${escapeAttribute(JSON.stringify(o.state))}">
<div id="root"></div>
<script nonce="${o.nonce}" src="${escapeAttribute(o.scriptUri)}"></script>
</body>
</html>`;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
