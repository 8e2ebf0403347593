import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, makeNonce, webviewHtml } from './webviewHtml';

const cspSource = 'https://file+.vscode-resource.vscode-cdn.net';

function page(state: unknown = { kind: 'runDetails', runId: 'r1' }) {
  const nonce = makeNonce();
  const html = webviewHtml({ cspSource, scriptUri: `${cspSource}/ext/dist/webview/runDetails.js`, nonce, title: 'Run <r1>', state });
  return { nonce, html };
}

describe('webviewHtml', () => {
  it('has a strict CSP: nothing by default, scripts only by nonce, no eval, no inline', () => {
    const { html, nonce } = page();
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1].replace(/&#39;/g, "'");
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual([`'nonce-${nonce}'`]);
    expect(directives['style-src']).toEqual([cspSource, `'nonce-${nonce}'`]);
    expect(directives['img-src']).toEqual([cspSource, 'data:']);
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline|https?:\/\/(?!file\+)|\*/);
    expect(contentSecurityPolicy(cspSource, nonce)).toBe(csp);
  });

  it('gives every script the nonce and loads code only from the extension', () => {
    const { html, nonce } = page();
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
    expect(scripts.length).toBe(1);
    for (const attributes of scripts) {
      expect(attributes).toContain(`nonce="${nonce}"`);
      expect(attributes).toMatch(new RegExp(`src="${cspSource.replace(/[.+]/g, '\\$&')}/`));
    }
    expect(html).not.toMatch(/\son\w+=/i);
    expect(html).not.toMatch(/style="/);
  });

  it('uses a fresh nonce each time and escapes the title and state', () => {
    expect(page().nonce).not.toBe(page().nonce);
    expect(makeNonce()).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const { html } = page({ kind: 'runDetails', runId: '"><script>alert(1)</script>' });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('<title>Run &lt;r1&gt;</title>');
    const state = /data-state="([^"]*)"/.exec(html)![1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    expect(JSON.parse(state)).toEqual({ kind: 'runDetails', runId: '"><script>alert(1)</script>' });
  });
});
