import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { WeirError } from '../errors';
import { readRegularFile, readRegularFileSync } from '../store/fileKinds';
import { findExpressions, substituteDeep } from '../util/expressions';
import { substituteSqlParameters } from './sqlParameters';
import type { StepKind } from './stepKind';
import { sqlIdentifier, sqlString, withPrivateDuckDB } from '../data/duckdb';
import { tableReader } from '../data/formats';
import { notUtf8Failure } from '../data/inspectDelimited';

const sqlConfigSchema = z
  .string()
  .min(1)
  .describe('A `.sql` file relative to the pipeline file, or the SQL itself. Each step input is a view of its name; the last statement\'s result becomes the output table. `${{ parameters.NAME }}` is replaced by the parameter\'s value as data: quoted for the string literal or quoted name it stands in, else a literal (text as a quoted string).');

export type SqlConfig = z.infer<typeof sqlConfigSchema>;

/** A config naming a file (one line ending in `.sql`) rather than holding SQL. */
export function isSqlFile(config: string): boolean {
  const t = config.trim();
  return /\.sql$/i.test(t) && !/\s/.test(t);
}

interface SqlSource {
  text: string;
  /** The file, for error locations; undefined for inline SQL. */
  file?: string;
}

async function readSqlSource(config: SqlConfig, pipelineDir: string): Promise<SqlSource> {
  if (!isSqlFile(config)) return { text: config };
  const file = path.resolve(pipelineDir, config.trim());
  try {
    return { text: await readRegularFile(file, 'a SQL file'), file };
  } catch (e) {
    if (e instanceof WeirError) throw e;
    throw new WeirError('NOT_FOUND', `SQL file not found: ${file}`, { hint: 'The `sql:` path is relative to the pipeline file.' });
  }
}

export const sqlStep: StepKind<SqlConfig> = {
  kind: 'sql',
  summary: 'DuckDB SQL over the step inputs; the result is written as a Parquet table.',
  docs: [
    '**sql** — runs DuckDB SQL (the article\'s pandas data prep, as a query).',
    '',
    '`sql:` is a `.sql` file relative to the pipeline file, or inline SQL. Every entry of the',
    'step\'s `inputs:` is a view with that name. The result of the last statement is written',
    'as Parquet to the step\'s one output (declare it as `outputs: { NAME: parquet }`).',
    '`${{ parameters.NAME }}` in the SQL is replaced by the parameter value as data, never as',
    'SQL: inside `\'…\'` it is quoted for the string, inside `"…"` for the name, elsewhere it is',
    'a literal (a number, TRUE/FALSE, or text as a quoted string).',
  ].join('\n'),
  configSchema: sqlConfigSchema,
  substituteParameters(config, params) {
    if (typeof config !== 'string') return config;
    // A file name may be built from parameters; the SQL in the file is substituted when it runs.
    const asName = substituteDeep(config, (ref, text) => (ref.scope === 'parameters' ? (params[ref.name] ?? text) : text));
    if (typeof asName === 'string' && isSqlFile(asName)) return asName;
    return substituteSqlParameters(config, params, { label: 'inline SQL', unknown: 'throw' });
  },
  outputs(_config, declared) {
    const names = Object.keys(declared);
    if (names.length > 1) throw new WeirError('BAD_INPUT', `a sql step writes one table, but ${names.length} outputs are declared (${names.join(', ')})`);
    if (names.length === 1 && declared[names[0]!] !== 'parquet') {
      throw new WeirError('BAD_INPUT', `a sql step writes a parquet table; declare the output as \`${names[0]}: parquet\``);
    }
    return { [names[0] ?? 'result']: 'parquet' };
  },
  check(config, ctx) {
    if (isSqlFile(config) && !existsSync(path.resolve(ctx.pipelineDir, config.trim()))) {
      return [{ path: [], message: `SQL file not found: ${path.resolve(ctx.pipelineDir, config.trim())}` }];
    }
    if (isSqlFile(config)) {
      let text: string;
      try {
        text = readRegularFileSync(path.resolve(ctx.pipelineDir, config.trim()), 'a SQL file');
      } catch (e) {
        return [{ path: [], message: e instanceof WeirError ? e.message : `${config.trim()}: cannot be read: ${(e as Error).message}` }];
      }
      const bad = findExpressions(text).filter((e) => e.ref?.scope !== 'parameters');
      if (bad.length) return [{ path: [], message: `${config.trim()} uses ${bad[0]!.text}; a SQL file may only use \${{ parameters.NAME }} (inputs are views by name)` }];
    }
    return [];
  },
  async codeFingerprint(config, ctx) {
    const source = await readSqlSource(config, ctx.pipelineDir);
    return source.text;
  },
  async run(config, ctx) {
    const source = await readSqlSource(config, ctx.pipelineDir);
    const label = source.file ? path.relative(ctx.pipelineDir, source.file) || source.file : 'inline SQL';
    // Inline SQL had its parameters substituted (quoted) by substituteParameters before parsing.
    const text = source.file ? substituteSqlParameters(source.text, ctx.params, { label, unknown: 'throw' }) : source.text;
    const statements = splitStatements(text);
    if (!statements.length) throw new WeirError('RUN_FAILED', `${label} holds no SQL statement`);
    const [outputName] = Object.keys(ctx.outputNames);
    const outPath = path.join(ctx.outDir, `${outputName ?? 'result'}.parquet`);
    await withPrivateDuckDB(
      async (connection) => {
        const onAbort = () => connection.interrupt();
        ctx.signal.addEventListener('abort', onAbort);
        try {
          for (const [name, input] of Object.entries(ctx.inputs)) {
            // Data referenced from the settings (`steps.x.outputs.y`) is reachable by path, not as a view.
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
            // Parquet is scanned in place; text formats are parsed once into a table, so SQL
            // that reads an input several times (statistics, then rows) does not re-parse it.
            const reader = tableReader(input.path, `input '${name}'`);
            const relation = reader.startsWith('read_parquet(') ? 'VIEW' : 'TEMP TABLE';
            await connection.run(`CREATE ${relation} ${sqlIdentifier(name)} AS SELECT * FROM ${reader}`).catch((e: unknown) => {
              throw notUtf8Failure(e, `input '${name}'`) ?? e;
            });
          }
          const last = statements[statements.length - 1]!;
          for (const statement of statements) {
            if (ctx.signal.aborted) throw new WeirError('CANCELED', 'canceled');
            const started = Date.now();
            try {
              if (statement === last) {
                await connection.run(`COPY (${statement.text}\n) TO ${sqlString(outPath)} (FORMAT parquet)`);
              } else {
                await connection.run(statement.text);
              }
            } catch (e) {
              if (ctx.signal.aborted) throw new WeirError('CANCELED', 'canceled');
              throw sqlError(e, statement, source, label);
            }
            ctx.log(`${label}: statement at line ${statement.line} ran in ${Date.now() - started} ms`);
          }
        } finally {
          ctx.signal.removeEventListener('abort', onAbort);
        }
      },
      { threads: ctx.concurrency },
    );
    return { outputs: { [outputName ?? 'result']: outPath } };
  },
};

/** Turns a DuckDB error into RUN_FAILED at the file and line it names. */
function sqlError(e: unknown, statement: Statement, source: SqlSource, label: string): WeirError {
  const message = (e as Error)?.message ?? String(e);
  const line = errorLine(message, statement);
  const firstLine = message.split('\n')[0]!;
  const detail = message.split('\n').slice(1).join('\n').trim();
  return new WeirError('RUN_FAILED', `SQL error in ${label} at line ${line}: ${firstLine}${detail ? `\n${detail}` : ''}`, {
    location: source.file ? { file: source.file, line, column: 1 } : undefined,
    cause: e,
  });
}

/** The source line a DuckDB error points at: its `LINE n:` (within the statement) from the statement's first line. */
export function errorLine(message: string, statement: Statement): number {
  const lineMatch = /LINE (\d+):/.exec(message);
  return statement.line + (lineMatch ? Number(lineMatch[1]) - 1 : 0);
}

export interface Statement {
  text: string;
  /** 1-based line in the source where the statement starts. */
  line: number;
}

/**
 * Splits SQL text into statements at semicolons outside quotes and comments, keeping each
 * statement's starting line so DuckDB's `LINE n` can be mapped back to the file. Empty and
 * comment-only pieces are dropped.
 */
export function splitStatements(text: string): Statement[] {
  const statements: Statement[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    const piece = text.slice(start, end);
    const meaningful = piece.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '').trim();
    if (meaningful) {
      // Start the statement at its first non-blank line so line numbers stay exact.
      const lead = piece.length - piece.trimStart().length;
      const leadingNewlines = (piece.slice(0, lead).match(/\n/g) ?? []).length;
      const line = (text.slice(0, start).match(/\n/g) ?? []).length + 1 + leadingNewlines;
      statements.push({ text: piece.trim(), line });
    }
    start = end + 1;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      i = j + 1;
    } else if (c === ';') {
      push(i);
      i++;
    } else {
      i++;
    }
  }
  push(text.length);
  return statements;
}
