import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import type { ParsedPipeline, Position, Range } from './types';

/**
 * A `${{ … }}` expression inside `[ ]` or `{ }`, as in DESIGN §2's
 * `inputs: { titanic: ${{ inputs.titanic }} }`: strict YAML rejects it, because `{` and `}`
 * are flow indicators and may not appear in a plain scalar there. It is the contract users
 * copy, so before parsing, such a plain scalar (`${{ x }}`, or text around expressions
 * such as `${{ outputs.m }}/model.pkl`) is rewritten as a double-quoted string of the same
 * length — the first `${{ … }}` gives up one brace on each side to make room for the quotes —
 * so every range stays exact; afterwards the scalar gets its original text back. Scalars
 * holding a quote or a backslash are left alone (YAML reports them, with a hint to quote).
 */
interface Rewrite {
  start: number;
  end: number;
  original: string;
  rewritten: string;
}

const EXPRESSION_IN_TEXT = /\$\{\{([\w.\s-]*)\}\}/g;

function rewriteExpressions(text: string): { text: string; rewrites: Rewrite[] } {
  const rewrites: Rewrite[] = [];
  let out = '';
  let last = 0;
  for (const m of text.matchAll(EXPRESSION_IN_TEXT)) {
    const exprStart = m.index ?? 0;
    if (exprStart < last) continue; // part of a scalar already rewritten
    const scalar = flowScalarAround(text, exprStart, exprStart + m[0].length);
    if (!scalar) continue;
    const original = text.slice(scalar.start, scalar.end);
    if (/["\\\r\n]/.test(original) || original.startsWith("'")) continue;
    const at = exprStart - scalar.start;
    const rewritten = `"${original.slice(0, at)}\${${m[1]}}${original.slice(at + m[0].length)}"`;
    rewrites.push({ start: scalar.start, end: scalar.end, original, rewritten });
    out += text.slice(last, scalar.start) + rewritten;
    last = scalar.end;
  }
  return { text: out + text.slice(last), rewrites };
}

/**
 * The plain scalar around an expression when it sits inside a flow collection on its line
 * (an unclosed `[` or `{` before it), from the indicator before it to the `,`, `]`, `}`,
 * comment or line end after it. Undefined in block context, where YAML reads it as is.
 */
function flowScalarAround(text: string, exprStart: number, exprEnd: number): { start: number; end: number } | undefined {
  const lineStart = text.lastIndexOf('\n', exprStart - 1) + 1;
  let depth = 0;
  let valueStart = -1;
  for (let i = lineStart; i < exprStart; i++) {
    const c = text[i]!;
    if (text.startsWith('${{', i)) {
      const close = text.indexOf('}}', i);
      if (close < 0 || close >= exprStart) return undefined;
      i = close + 1;
    } else if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close < 0 || close >= exprStart) return undefined;
      i = close;
    } else if (c === '#' && (i === lineStart || /\s/.test(text[i - 1]!))) {
      return undefined;
    } else if (c === '[' || c === '{') {
      depth++;
      valueStart = i + 1;
    } else if (c === ']' || c === '}') {
      depth--;
      valueStart = i + 1;
    } else if (c === ',' || (c === ':' && /[ \t]/.test(text[i + 1] ?? ''))) {
      valueStart = i + 1;
    }
  }
  if (depth <= 0 || valueStart < 0) return undefined;
  let start = valueStart;
  while (start < exprStart && (text[start] === ' ' || text[start] === '\t')) start++;
  let end = exprEnd;
  while (end < text.length) {
    const c = text[end]!;
    if (text.startsWith('${{', end)) {
      const close = text.indexOf('}}', end);
      if (close < 0) break;
      end = close + 2;
      continue;
    }
    if (c === ',' || c === ']' || c === '}' || c === '\n' || c === '\r' || (c === '#' && /\s/.test(text[end - 1]!))) break;
    end++;
  }
  while (end > exprEnd && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return { start, end };
}

export function parseYaml(text: string): { doc: Document.Parsed; lineCounter: LineCounter } {
  const { text: rewrittenText, rewrites } = rewriteExpressions(text);
  const lineCounter = new LineCounter();
  const doc = parseDocument(rewrittenText, { lineCounter, keepSourceTokens: false, prettyErrors: false, uniqueKeys: true });
  if (rewrites.length) {
    visit(doc, {
      Scalar(_key, node) {
        if (typeof node.value !== 'string' || !node.range) return;
        const [start, end] = node.range;
        const inside = rewrites.filter((r) => r.start >= start && r.end <= end);
        if (!inside.length) return;
        if (inside.length === 1 && inside[0]!.start === start && inside[0]!.end === end) {
          node.value = inside[0]!.original;
          node.type = 'PLAIN';
          return;
        }
        let value = node.value;
        for (const r of inside) value = value.split(r.rewritten).join(r.original);
        node.value = value;
      },
    });
  }
  return { doc, lineCounter };
}

export function positionAt(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line: line - 1, character: col - 1 };
}

export function rangeOf(lineCounter: LineCounter, start: number, end: number): Range {
  return { start: positionAt(lineCounter, start), end: positionAt(lineCounter, Math.max(start, end)) };
}

/** The offset of a 0-based position in `text`. */
export function offsetAt(text: string, position: Position): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return Math.min(text.length, offset + position.character);
}

function pairFor(map: Node, key: string | number): Pair<unknown, unknown> | undefined {
  if (!isMap(map)) return undefined;
  return map.items.find((p) => (isScalar(p.key) ? p.key.value === key || String(p.key.value) === String(key) : p.key === key));
}

function nodeRange(node: unknown): [number, number] | undefined {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  return r ? [r[0], r[1]] : undefined;
}

/**
 * The range of the value at `path` (or of its key with `target: 'key'`). When the path is
 * only partly present, the range of the deepest part that exists, so a diagnostic about a
 * missing key lands on its parent.
 */
export function rangeOfPath(parsed: Pick<ParsedPipeline, 'doc' | 'lineCounter'>, path: readonly (string | number)[], target: 'value' | 'key' = 'value'): Range {
  let node: unknown = parsed.doc.contents;
  let best: [number, number] = nodeRange(node) ?? [0, 0];
  let parentKey: [number, number] | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = pairFor(node, seg);
      // A missing key is blamed on its parent's key, where the user would add it.
      if (!pair) {
        if (parentKey) best = parentKey;
        break;
      }
      const keyRange = nodeRange(pair.key);
      if (keyRange) parentKey = keyRange;
      if (keyRange) best = keyRange;
      if (last && target === 'key') break;
      const valueRange = nodeRange(pair.value);
      if (!pair.value || !valueRange) break;
      node = pair.value;
      best = valueRange;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      const r = nodeRange(item);
      if (!item || !r) break;
      node = item;
      best = r;
    } else {
      break;
    }
  }
  return rangeOf(parsed.lineCounter, best[0], best[1]);
}

/**
 * The YAML path at an offset: the keys and indices leading to the deepest node that
 * contains it. On a key the path ends with that key; in the blank part of a mapping it ends
 * at the mapping (for completing a new key).
 */
export function pathAtOffset(parsed: Pick<ParsedPipeline, 'doc' | 'text'>, offset: number): (string | number)[] {
  const path: (string | number)[] = [];
  let node: unknown = parsed.doc.contents;
  for (;;) {
    if (isMap(node)) {
      let next: unknown;
      let found = false;
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? (pair.key.value as string | number) : String(pair.key);
        const kr = nodeRange(pair.key);
        if (kr && offset >= kr[0] && offset <= kr[1]) {
          path.push(key);
          return path;
        }
        const vr = nodeRange(pair.value);
        if (vr && offset >= vr[0] && offset <= vr[1]) {
          path.push(key);
          next = pair.value;
          found = true;
          break;
        }
      }
      if (!found) {
        // `key: ` with nothing after it yet: the cursor later on that line belongs to the key.
        const emptyPair = node.items.find((p) => {
          const kr = nodeRange(p.key);
          return !p.value && kr && offset > kr[1] && !parsed.text.slice(kr[1], offset).includes('\n');
        });
        if (emptyPair && isScalar(emptyPair.key)) path.push(emptyPair.key.value as string);
        return path;
      }
      node = next;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => {
        const r = nodeRange(item);
        return r && offset >= r[0] && offset <= r[1];
      });
      if (index < 0) return path;
      path.push(index);
      node = node.items[index];
    } else if (isPair(node)) {
      node = node.value;
    } else {
      return path;
    }
  }
}
