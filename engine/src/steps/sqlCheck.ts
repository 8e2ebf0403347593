import { describe, sqlIdentifier, withPrivateDuckDB } from '../data/duckdb';
import type { ColumnSchema } from '../store/records';
import { errorLine, splitStatements } from './sqlStep';

/**
 * Works out the columns a sql step will produce without side effects, for `weir validate` and
 * the language server (which checks on every edit). The inputs become empty tables with their
 * known columns in a private DuckDB that has no file system or network access and cannot
 * install or load extensions. Statements before the last run there only when they change
 * nothing but that empty in-memory database (CREATE, INSERT, …: cheap on empty tables); a
 * statement that would write, attach, install, load, export or change settings is skipped and
 * reported. The last statement is only described, never run. Everything is interrupted after
 * `timeoutMs`, so a check cannot hang on a statement that computes forever.
 */

type StatementTypes = (typeof import('@duckdb/node-api'))['StatementType'];

/** Statement kinds that only change the private in-memory database. */
function runnableKinds(t: StatementTypes): Set<number> {
  return new Set<number>([t.SELECT, t.CREATE, t.INSERT, t.UPDATE, t.DELETE, t.ALTER, t.DROP, t.CREATE_FUNC, t.MERGE_INTO]);
}

/** Kinds whose effect reaches outside the database: reported, since the run will do it. */
function externalKinds(t: StatementTypes): Map<number, string> {
  return new Map<number, string>([
    [t.COPY, 'COPY'],
    [t.COPY_DATABASE, 'COPY DATABASE'],
    [t.EXPORT, 'EXPORT'],
    [t.ATTACH, 'ATTACH'],
    [t.DETACH, 'DETACH'],
    [t.LOAD, 'LOAD'],
    [t.EXTENSION, 'INSTALL'],
    [t.UPDATE_EXTENSIONS, 'UPDATE EXTENSIONS'],
  ]);
}

/**
 * What a statement does outside the database, by its leading keywords. Checked before DuckDB
 * sees the statement, because DuckDB refuses even to prepare a COPY to a file once external
 * access is off, and every such statement must still be reported.
 */
function externalEffect(text: string): string | undefined {
  const words = text.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ').trim().split(/\s+/, 3).map((w) => w.toUpperCase().replace(/[^A-Z]/g, ''));
  const [first, second, third] = words;
  if (first === 'COPY') return third === 'DATABASE' || second === 'FROM' ? 'COPY DATABASE' : 'COPY';
  if (first === 'FORCE' && second === 'INSTALL') return 'INSTALL';
  if (first === 'UPDATE' && second === 'EXTENSIONS') return 'UPDATE EXTENSIONS';
  return ['ATTACH', 'DETACH', 'LOAD', 'INSTALL', 'EXPORT', 'IMPORT', 'USE'].includes(first ?? '') ? first : undefined;
}

export interface SkippedStatement {
  /** 1-based line in the SQL where the statement starts. */
  line: number;
  /** What it does, e.g. `COPY`. */
  what: string;
}

export interface SqlSchemaResult {
  /** The output's columns, or undefined when they could not be worked out safely. */
  schema?: ColumnSchema[];
  /** Statements with effects outside the database that were not run. */
  skipped: SkippedStatement[];
}

export async function inferSqlSchema(sql: string, inputs: Record<string, ColumnSchema[]>, options: { timeoutMs?: number } = {}): Promise<SqlSchemaResult> {
  const statements = splitStatements(sql);
  const skipped: SkippedStatement[] = [];
  if (!statements.length) return { skipped };
  // Loaded here, not at the top, so commands that never check SQL do not load DuckDB.
  const { StatementType } = await import('@duckdb/node-api');
  const runnable = runnableKinds(StatementType);
  const external = externalKinds(StatementType);
  const note = (line: number, type: number) => {
    const what = external.get(type);
    if (what && !skipped.some((s) => s.line === line)) skipped.push({ line, what });
  };
  return withPrivateDuckDB(
    async (connection) => {
      const timer = setTimeout(() => connection.interrupt(), options.timeoutMs ?? 5000);
      try {
        for (const [name, columns] of Object.entries(inputs)) {
          const cols = columns.map((c) => `${sqlIdentifier(c.name)} ${c.type}`).join(', ');
          await connection.run(`CREATE TABLE ${sqlIdentifier(name)} (${cols})`);
        }
        // From here on no statement may change a setting (e.g. turn a limit off).
        await connection.run('SET lock_configuration = true');
        const last = statements[statements.length - 1]!;
        const effects = statements.map((st) => externalEffect(st.text));
        statements.forEach((st, i) => {
          if (effects[i]) skipped.push({ line: st.line, what: effects[i]! });
        });
        if (effects[effects.length - 1]) return { skipped };
        for (const statement of statements.slice(0, -1)) {
          if (externalEffect(statement.text)) continue;
          const prepared = await connection.prepare(statement.text);
          try {
            const type = prepared.statementType;
            if (runnable.has(type)) await prepared.run();
            else note(statement.line, type);
          } finally {
            prepared.destroySync();
          }
        }
        const prepared = await connection.prepare(last.text);
        const type = prepared.statementType;
        prepared.destroySync();
        if (type !== StatementType.SELECT) {
          note(last.line, type);
          return { skipped };
        }
        return { schema: await describe(connection, last.text), skipped };
      } catch {
        // SQL that does not bind here (a syntax error, a file it reads) leaves the schema
        // unknown; the run reports such errors with their line.
        return { skipped };
      } finally {
        clearTimeout(timer);
      }
    },
    { threads: 1, externalAccess: false, memoryLimit: '256MB' },
  );
}

export interface SqlSyntaxError {
  /** 1-based line in the SQL the parser points at. */
  line: number;
  /** DuckDB's message, first line (e.g. `Parser Error: syntax error at or near "FROMM"`). */
  message: string;
}

/**
 * The first statement DuckDB's parser rejects, if any. Parsing needs no tables, so this runs
 * even when the inputs' columns are unknown (a dataset input with no store to read it from),
 * and anything it reports the run would fail on too.
 */
export async function findSqlSyntaxError(sql: string, options: { timeoutMs?: number } = {}): Promise<SqlSyntaxError | undefined> {
  const statements = splitStatements(sql);
  if (!statements.length) return undefined;
  return withPrivateDuckDB(
    async (connection) => {
      const timer = setTimeout(() => connection.interrupt(), options.timeoutMs ?? 5000);
      try {
        for (const statement of statements) {
          try {
            await connection.extractStatements(statement.text);
          } catch (e) {
            const message = (e as Error)?.message ?? String(e);
            const parser = message.indexOf('Parser Error');
            if (parser < 0) continue;
            return { line: errorLine(message, statement), message: message.slice(parser).split('\n')[0]! };
          }
        }
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    },
    { threads: 1, externalAccess: false, memoryLimit: '64MB' },
  );
}
