import type { ViewState } from '../protocol';

/** What a view needs from its surroundings; in VS Code it is `acquireVsCodeApi()`, in tests a recorder. */
export interface HostChannel<Out, State extends ViewState> {
  post(message: Out): void;
  getState(): State | undefined;
  setState(state: State): void;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/**
 * Connects a view to VS Code: listens for host messages, then sends `ready` — in that order,
 * so no answer can arrive before the listener exists.
 */
export function connectToHost<In, Out extends { type: string }, State extends ViewState>(
  handle: (message: In) => void,
): HostChannel<Out, State> {
  const api = acquireVsCodeApi();
  const channel: HostChannel<Out, State> = {
    post: (message) => api.postMessage(message),
    getState: () => (api.getState() as State | undefined) ?? undefined,
    setState: (state) => api.setState(state),
  };
  window.addEventListener('message', (event: MessageEvent) => handle(event.data as In));
  activateWithKeyboard();
  return channel;
}

/**
 * Adds the view's stylesheet. The CSP admits styles only with the page's nonce, which the
 * host put on our script tag; `document.currentScript` is only set while the bundle's top
 * level runs, so `main.ts` calls this first thing.
 */
export function installStyles(cssText: string): void {
  const script = document.currentScript as HTMLScriptElement | null;
  const style = document.createElement('style');
  const nonce = script?.nonce || script?.getAttribute('nonce') || '';
  if (nonce) style.nonce = nonce;
  style.textContent = cssText;
  document.head.appendChild(style);
}

/** The state the host put in the page (`data-state`), used when the webview has none of its own yet. */
export function initialStateFromPage<State extends ViewState>(): State {
  const raw = document.body.dataset.state;
  if (!raw) throw new Error('The page has no data-state: it was not made by the Weir extension.');
  return JSON.parse(raw) as State;
}

/**
 * Links that act as buttons (`role="button"`) and clickable table rows answer Enter and
 * Space as a click does, so every action in the views can be reached from the keyboard.
 */
let keyboardActivation = false;

export function activateWithKeyboard(): void {
  if (keyboardActivation) return;
  keyboardActivation = true;
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    const target = event.target as HTMLElement | null;
    if (!target || !(target.getAttribute('role') === 'button' || target.matches('tr.clickable'))) return;
    if (target instanceof SVGElement) return; // graph nodes handle their own keys
    event.preventDefault();
    target.click();
  });
}
