// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { activateWithKeyboard, connectToHost, initialStateFromPage, installStyles } from './host';

describe('host glue', () => {
  it('listens before it can be answered and reads the starting state from the page', () => {
    const posted: unknown[] = [];
    let state: unknown;
    vi.stubGlobal('acquireVsCodeApi', () => ({ postMessage: (m: unknown) => posted.push(m), getState: () => state, setState: (s: unknown) => (state = s) }));
    const received: unknown[] = [];
    const channel = connectToHost<{ type: string }, { type: 'ready' }, { kind: 'modelCard'; name: string }>((m) => received.push(m));
    channel.post({ type: 'ready' });
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'modelCard' } }));
    expect(posted).toEqual([{ type: 'ready' }]);
    expect(received).toEqual([{ type: 'modelCard' }]);
    channel.setState({ kind: 'modelCard', name: 'm' });
    expect(channel.getState()).toEqual({ kind: 'modelCard', name: 'm' });
    document.body.dataset.state = JSON.stringify({ kind: 'runDetails', runId: 'r1' });
    expect(initialStateFromPage()).toEqual({ kind: 'runDetails', runId: 'r1' });
    vi.unstubAllGlobals();
  });

  it('adds the stylesheet with the script’s nonce', () => {
    const script = document.createElement('script');
    script.nonce = 'n0nce';
    document.head.appendChild(script);
    Object.defineProperty(document, 'currentScript', { value: script, configurable: true });
    installStyles('body { color: red; }');
    const style = document.head.querySelector('style')!;
    expect(style.nonce).toBe('n0nce');
    expect(style.textContent).toBe('body { color: red; }');
  });

  it('activates button-like links and clickable rows with Enter and Space', () => {
    activateWithKeyboard();
    const clicks: string[] = [];
    document.body.innerHTML = '<a role="button" tabindex="0" id="a">x</a><table><tbody><tr class="clickable" tabindex="0" id="r"><td>1</td></tr></tbody></table><span id="s">no</span>';
    for (const id of ['a', 'r', 's']) document.getElementById(id)!.addEventListener('click', () => clicks.push(id));
    for (const [id, key] of [['a', 'Enter'], ['r', ' '], ['s', 'Enter'], ['a', 'x']]) {
      document.getElementById(id)!.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
    }
    expect(clicks).toEqual(['a', 'r']);
  });
});
