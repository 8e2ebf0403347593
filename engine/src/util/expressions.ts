/**
 * The `${{ … }}` expressions of pipeline files: finding, parsing and substituting them. A leaf
 * with no engine imports, since the pipeline parser, the step kinds and the scheduler all
 * read expressions.
 */

/** A pipeline parameter's value: what `--param k=v` overrides. */
export type ParamValue = string | number | boolean;

/** A `${{ … }}` expression after parsing. */
export type Reference =
  | { scope: 'inputs'; name: string }
  | { scope: 'parameters'; name: string }
  | { scope: 'steps'; step: string; output: string }
  /** `${{ outputs.NAME }}`: inside a step's own settings, the path the step writes output NAME to. */
  | { scope: 'outputs'; name: string };

/** Matches one `${{ … }}` expression; group 1 is its inside. */
const EXPRESSION = /\$\{\{([^}]*)\}\}/g;

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const REFERENCE_FORMS: [RegExp, (m: RegExpMatchArray) => Reference][] = [
  [new RegExp(`^inputs\\.(${NAME})$`), (m) => ({ scope: 'inputs', name: m[1]! })],
  [new RegExp(`^parameters\\.(${NAME})$`), (m) => ({ scope: 'parameters', name: m[1]! })],
  [new RegExp(`^steps\\.(${NAME})\\.outputs\\.(${NAME})$`), (m) => ({ scope: 'steps', step: m[1]!, output: m[2]! })],
  [new RegExp(`^outputs\\.(${NAME})$`), (m) => ({ scope: 'outputs', name: m[1]! })],
];

export interface FoundExpression {
  /** The whole `${{ … }}` text. */
  text: string;
  /** Offset of `$` in the string that was searched. */
  index: number;
  /** The parsed reference, or undefined when the expression has no known form. */
  ref?: Reference;
  /** The trimmed inside, e.g. `steps.prep.outputs.train`. */
  body: string;
}

/** Every `${{ … }}` expression in a string, parsed. */
export function findExpressions(value: string): FoundExpression[] {
  const found: FoundExpression[] = [];
  for (const m of value.matchAll(EXPRESSION)) {
    const body = m[1]!.trim();
    found.push({ text: m[0], index: m.index ?? 0, body, ref: parseReference(body) });
  }
  return found;
}

export function parseReference(body: string): Reference | undefined {
  for (const [re, make] of REFERENCE_FORMS) {
    const m = body.match(re);
    if (m) return make(m);
  }
  return undefined;
}

/** The canonical text of a reference, e.g. `steps.prep.outputs.train`. */
export function referenceText(ref: Reference): string {
  switch (ref.scope) {
    case 'inputs':
      return `inputs.${ref.name}`;
    case 'parameters':
      return `parameters.${ref.name}`;
    case 'steps':
      return `steps.${ref.step}.outputs.${ref.output}`;
    case 'outputs':
      return `outputs.${ref.name}`;
  }
}

/** True when the whole string is one expression (so its value may keep a non-string type). */
export function wholeExpression(value: string): FoundExpression | undefined {
  const trimmed = value.trim();
  const found = findExpressions(trimmed);
  return found.length === 1 && found[0]!.text === trimmed ? found[0] : undefined;
}

/**
 * Replaces every expression in `value` with what `resolve` returns. A string that is one
 * whole expression takes the resolved value as is (a number parameter stays a number);
 * otherwise the results are joined as text.
 */
export function substituteString(value: string, resolve: (ref: Reference, text: string) => unknown): unknown {
  const whole = wholeExpression(value);
  if (whole?.ref) return resolve(whole.ref, whole.text);
  return value.replace(EXPRESSION, (text: string, body: string) => {
    const ref = parseReference(body.trim());
    return ref ? String(resolve(ref, text)) : text;
  });
}

/** Applies `substituteString` to every string inside a JSON-like value. */
export function substituteDeep(value: unknown, resolve: (ref: Reference, text: string) => unknown): unknown {
  if (typeof value === 'string') return substituteString(value, resolve);
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v, resolve));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteDeep(v, resolve);
    return out;
  }
  return value;
}
