import { WeirError } from '../errors';
import { findExpressions, type ParamValue } from '../util/expressions';

/**
 * Substitutes `${{ parameters.NAME }}` into SQL as data, never as code. Each expression is
 * quoted for where it stands in the SQL text:
 *
 * - inside a string literal `'…'`: the value's text with `'` doubled (and `\` doubled too in
 *   an `E'…'` literal, where backslash escapes);
 * - inside a quoted identifier `"…"`: the value's text with `"` doubled;
 * - inside a dollar-quoted string `$tag$…$tag$`: the value's text, refused when it holds the
 *   closing `$tag$` (there is no escape in such a string);
 * - anywhere else: a literal — a number as a number, a boolean as TRUE/FALSE, text as a
 *   quoted string literal (so a value can never become a keyword, a name or a new statement);
 * - inside a comment: left as written (it means nothing there).
 *
 * `unknown` says what to do with a parameter that has no value: throw (a run), or leave the
 * expression as it is (checking, where a parameter may lack a default).
 */
export function substituteSqlParameters(sql: string, params: Record<string, ParamValue | undefined>, options: { label: string; unknown: 'throw' | 'keep' }): string {
  const found = findExpressions(sql).filter((e) => e.ref?.scope === 'parameters');
  if (!found.length) return sql;
  const contexts = contextsAt(sql, found.map((e) => e.index));
  let out = '';
  let at = 0;
  found.forEach((expr, i) => {
    const name = (expr.ref as { name: string }).name;
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    out += sql.slice(at, expr.index);
    at = expr.index + expr.text.length;
    const context = contexts[i]!;
    if (value === undefined || context.kind === 'comment') {
      if (value === undefined && options.unknown === 'throw' && context.kind !== 'comment') {
        throw new WeirError('BAD_INPUT', `${options.label} uses ${expr.text}, which is not a parameter of this pipeline`, { hint: 'Declare it under `parameters:` or pass --param NAME=VALUE.' });
      }
      out += expr.text;
      return;
    }
    out += quoteFor(context, value, expr.text, options.label);
  });
  return out + sql.slice(at);
}

type Context = { kind: 'code' } | { kind: 'string'; escapes: boolean } | { kind: 'identifier' } | { kind: 'dollar'; tag: string } | { kind: 'comment' };

function quoteFor(context: Context, value: ParamValue, exprText: string, label: string): string {
  const text = String(value);
  switch (context.kind) {
    case 'string':
      return context.escapes ? text.replace(/\\/g, '\\\\').replace(/'/g, "''") : text.replace(/'/g, "''");
    case 'identifier':
      return text.replace(/"/g, '""');
    case 'dollar':
      if (text.includes(context.tag)) {
        throw new WeirError('BAD_INPUT', `${label}: the value of ${exprText} holds ${context.tag}, which would end the dollar-quoted string it stands in`, {
          hint: "Use a '…' string literal there instead; values are quoted for it.",
        });
      }
      return text;
    case 'code':
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) throw new WeirError('BAD_INPUT', `${label}: ${exprText} is ${value}, which is not a SQL number`);
        return String(value);
      }
      if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
      return `'${text.replace(/'/g, "''")}'`;
    case 'comment':
      return exprText;
  }
}

/**
 * The lexical context at each offset (ascending) of DuckDB SQL text: code, a string literal,
 * a quoted identifier, a dollar-quoted string or a comment.
 */
function contextsAt(sql: string, offsets: number[]): Context[] {
  const result: Context[] = [];
  let next = 0;
  let context: Context = { kind: 'code' };
  let i = 0;
  const record = (upTo: number) => {
    while (next < offsets.length && offsets[next]! < upTo) {
      result.push(context);
      next++;
    }
  };
  while (i < sql.length && next < offsets.length) {
    const c = sql[i]!;
    // An expression is opaque: its braces and dots are not SQL.
    if (sql.startsWith('${{', i)) {
      const close = sql.indexOf('}}', i);
      record(i + 1);
      i = close < 0 ? sql.length : close + 2;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl < 0 ? sql.length : nl;
      context = { kind: 'comment' };
      record(end);
      context = { kind: 'code' };
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      const end = close < 0 ? sql.length : close + 2;
      context = { kind: 'comment' };
      record(end);
      context = { kind: 'code' };
      i = end;
    } else if (c === "'") {
      const escapes = /[eE]$/.test(sql.slice(0, i)) && !/[A-Za-z0-9_][eE]$/.test(sql.slice(Math.max(0, i - 2), i));
      let j = i + 1;
      for (;;) {
        const expr = sql.startsWith('${{', j) ? sql.indexOf('}}', j) : -1;
        if (expr >= 0) j = expr + 2;
        else if (j >= sql.length) break;
        else if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      context = { kind: 'string', escapes };
      record(j);
      context = { kind: 'code' };
      i = j + 1;
    } else if (c === '"') {
      let j = i + 1;
      for (;;) {
        const expr = sql.startsWith('${{', j) ? sql.indexOf('}}', j) : -1;
        if (expr >= 0) j = expr + 2;
        else if (j >= sql.length) break;
        else if (sql[j] === '"' && sql[j + 1] === '"') j += 2;
        else if (sql[j] === '"') break;
        else j++;
      }
      context = { kind: 'identifier' };
      record(j);
      context = { kind: 'code' };
      i = j + 1;
    } else if (c === '$' && /^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.test(sql.slice(i)) && !/[A-Za-z0-9_]$/.test(sql.slice(0, i))) {
      const tag = /^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.exec(sql.slice(i))![0];
      const close = sql.indexOf(tag, i + tag.length);
      const end = close < 0 ? sql.length : close;
      context = { kind: 'dollar', tag };
      record(end);
      context = { kind: 'code' };
      i = close < 0 ? sql.length : close + tag.length;
    } else {
      i++;
    }
    record(i);
  }
  record(Number.POSITIVE_INFINITY);
  return result;
}
