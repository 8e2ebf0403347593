/**
 * Where the cursor is, for completion, read from the text's indentation rather than from the
 * YAML parse: while someone types, the file is often not valid YAML (`prim` with no colon yet),
 * but its indentation still says which mapping the cursor is in.
 */
export type CompletionContext =
  /** Typing a key of the mapping at `path`; `prefix` is what is typed of it so far. */
  | { type: 'key'; path: (string | number)[]; prefix: string; indent: number }
  /** Typing the value of the key at `path` (the path ends with that key). */
  | { type: 'value'; path: (string | number)[]; prefix: string }
  /** Inside `${{ … }}`; `prefix` is the expression typed so far, `path` the key holding it. */
  | { type: 'expression'; path: (string | number)[]; prefix: string; closed: boolean };

const keyLine = /^(\s*)(- )?((?:"[^"]*"|'[^']*'|[^\s:#'"{}[\],][^:#{}[\],]*?)):(?:\s+|$)(.*)$/;

function unquote(key: string): string {
  return /^(["']).*\1$/.test(key) ? key.slice(1, -1) : key;
}

/** Keys of the mappings enclosing a line whose content starts at column `indent`. */
export function parentPath(lines: readonly string[], lineIndex: number, indent: number): (string | number)[] {
  const path: (string | number)[] = [];
  let threshold = indent;
  for (let j = lineIndex - 1; j >= 0 && threshold > 0; j--) {
    const line = lines[j];
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const lineIndent = /^\s*/.exec(line)![0].length;
    if (lineIndent >= threshold) continue;
    const m = keyLine.exec(line);
    if (m) {
      // A `- key: …` item sits inside a sequence: the key belongs to item 0's mapping.
      if (m[2] && lineIndent + 2 < threshold) path.unshift(0, unquote(m[3]));
      else if (m[2]) path.unshift(0);
      else path.unshift(unquote(m[3]));
    } else if (/^\s*- /.test(line)) {
      path.unshift(0);
    }
    threshold = lineIndent;
  }
  return path;
}

export function completionContextAt(text: string, line: number, character: number): CompletionContext {
  const lines = text.split(/\r?\n/);
  const full = lines[line] ?? '';
  const before = full.slice(0, character);

  const open = before.lastIndexOf('${{');
  if (open >= 0 && before.indexOf('}}', open) < 0) {
    const holder = valuePathOf(lines, line, before.slice(0, open));
    return { type: 'expression', path: holder ?? [], prefix: before.slice(open + 3).trimStart(), closed: full.indexOf('}}', character) >= 0 };
  }

  const m = keyLine.exec(before);
  if (m) {
    const indent = m[1].length + (m[2] ? 2 : 0);
    const base = [...parentPath(lines, line, indent), ...(m[2] ? [0] : [])];
    const key = unquote(m[3]);
    const rest = m[4];
    // A flow mapping on the line: `inputs: { training_data: ${{ … }}, other: `.
    const brace = rest.lastIndexOf('{');
    if (brace >= 0 && rest.indexOf('}', brace) < 0) {
      const inside = rest.slice(brace + 1);
      const segment = inside.slice(inside.lastIndexOf(',') + 1);
      const flowKey = /^\s*([^\s:,]+):\s*(.*)$/.exec(segment);
      if (flowKey) return { type: 'value', path: [...base, key, flowKey[1]], prefix: flowKey[2] };
      return { type: 'key', path: [...base, key], prefix: segment.trim(), indent: indent + 2 };
    }
    if (/^\[/.test(rest)) {
      const item = rest.slice(rest.lastIndexOf(',') + 1).replace(/^\[/, '').trim();
      return { type: 'value', path: [...base, key, 0], prefix: unquote(item) };
    }
    return { type: 'value', path: [...base, key], prefix: rest.replace(/^["']/, '') };
  }

  const item = /^(\s*)- (.*)$/.exec(before);
  if (item) {
    const indent = item[1].length;
    return { type: 'value', path: [...parentPath(lines, line, indent + 1), 0], prefix: item[2] };
  }

  const typed = /^(\s*)(\S*)$/.exec(before);
  const indent = typed ? typed[1].length : before.length;
  return { type: 'key', path: parentPath(lines, line, indent), prefix: typed?.[2] ?? '', indent };
}

/** The path of the key whose value starts in `before` (the text before a `${{`), if any. */
function valuePathOf(lines: readonly string[], line: number, before: string): (string | number)[] | undefined {
  const m = keyLine.exec(before);
  if (!m) return undefined;
  const indent = m[1].length + (m[2] ? 2 : 0);
  const base = [...parentPath(lines, line, indent), ...(m[2] ? [0] : [])];
  const rest = m[4];
  const brace = rest.lastIndexOf('{');
  if (brace >= 0) {
    const segment = rest.slice(brace + 1);
    const flowKey = /([^\s:,{]+):\s*$/.exec(segment.slice(segment.lastIndexOf(',') + 1));
    if (flowKey) return [...base, unquote(m[3]), flowKey[1]];
  }
  return [...base, unquote(m[3])];
}
