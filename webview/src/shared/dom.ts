/**
 * A tiny element builder. Views build DOM with it instead of `innerHTML` so that no data
 * from a run (a step name, a log line, a cell) is ever parsed as markup, and so that no
 * `style="…"` attribute is produced: the CSP allows styles only from nonce'd sheets, and
 * element styles are set through the CSSOM (`el.style.x = …`), which CSP does not block.
 */
export type Child = Node | string | number | null | undefined | false | Child[];

export interface Props {
  class?: string;
  title?: string;
  /** Set through `el.style`, never as an attribute. */
  style?: Partial<Record<'width' | 'height' | 'left' | 'top' | 'transform' | 'background' | 'color' | 'gridTemplateColumns' | 'minWidth' | 'maxWidth', string>>;
  dataset?: Record<string, string>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }> & Record<string, (event: Event) => void>;
  [attribute: string]: unknown;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, props?: Props | null, ...children: Child[]): HTMLElement;
export function h(tag: string, props?: Props | null, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  applyProps(el, props);
  append(el, children);
  return el;
}

const svgNs = 'http://www.w3.org/2000/svg';

/** An SVG element; attributes are set with `setAttribute` (geometry, classes), never `style`. */
export function s(tag: string, attributes?: Record<string, string | number | undefined> | null, ...children: Child[]): SVGElement {
  const el = document.createElementNS(svgNs, tag);
  if (attributes) {
    for (const [name, value] of Object.entries(attributes)) {
      if (value !== undefined) el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function applyProps(el: HTMLElement, props: Props | null | undefined): void {
  if (!props) return;
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = String(value);
    else if (name === 'style') Object.assign(el.style, value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'on') {
      for (const [event, handler] of Object.entries(value as Record<string, (event: Event) => void>)) el.addEventListener(event, handler);
    } else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
}

export function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (typeof child === 'string' || typeof child === 'number') el.appendChild(document.createTextNode(String(child)));
    else el.appendChild(child);
  }
}

/** Replaces an element's children. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.textContent = '';
  append(el, children);
}
