import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ColumnSchema } from '../store/records';

/**
 * The one place the engine opens DuckDB. Every instance it hands out has the offline settings:
 * Weir works without a network, so DuckDB must never try to download (or quietly load) an
 * extension behind the user's back, e.g. when SQL names an https URL or a spatial function.
 *
 * - `withConnection`: a connection to the one in-memory instance shared by the process
 *   (ingest, previews, columnar reads, the booster's reader). Connections are cheap.
 * - `withPrivateDuckDB`: a fresh instance of its own, for work that runs the user's SQL (the
 *   `sql` step) or must not see the shared one's state (checking a step's SQL, with external
 *   access off). It is closed when the callback ends.
 *
 * The native module is loaded on first use, so commands that never touch data (a fully reused
 * rerun, `weir runs`, `weir --help`) do not pay for loading it.
 */
const OFFLINE_SETTINGS: Record<string, string> = {
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
};

let instance: Promise<DuckDBInstance> | undefined;

export function sharedDuckDB(): Promise<DuckDBInstance> {
  instance ??= createInstance(OFFLINE_SETTINGS).catch((e: unknown) => {
    instance = undefined;
    throw e;
  });
  return instance;
}

async function createInstance(settings: Record<string, string>): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  return DuckDBInstance.create(':memory:', settings);
}

/** Runs `use` on a connection to the shared instance and always releases it, even when the query throws. */
export async function withConnection<T>(use: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const connection = await (await sharedDuckDB()).connect();
  try {
    return await use(connection);
  } finally {
    connection.closeSync();
  }
}

export interface PrivateDuckDBOptions {
  /** Worker threads DuckDB may use (default: DuckDB's, the number of cores). */
  threads?: number;
  /**
   * False: no file system or network access at all (no reading or writing files, no ATTACH,
   * no extension loading), for checking SQL without side effects. Default true.
   */
  externalAccess?: boolean;
  /** Memory limit, e.g. `256MB` (default: DuckDB's). */
  memoryLimit?: string;
}

/** Runs `use` on a fresh in-memory instance with the offline settings, closed afterwards. */
export async function withPrivateDuckDB<T>(use: (connection: DuckDBConnection) => Promise<T>, options: PrivateDuckDBOptions = {}): Promise<T> {
  const settings: Record<string, string> = { ...OFFLINE_SETTINGS };
  if (options.threads) settings.threads = String(Math.max(1, Math.floor(options.threads)));
  if (options.externalAccess === false) settings.enable_external_access = 'false';
  if (options.memoryLimit) settings.memory_limit = options.memoryLimit;
  const db = await createInstance(settings);
  try {
    const connection = await db.connect();
    try {
      return await use(connection);
    } finally {
      connection.closeSync();
    }
  } finally {
    db.closeSync();
  }
}

/**
 * The columns `query` (any statement DuckDB can DESCRIBE: a SELECT, `SELECT * FROM reader`)
 * would return, without running it. The one DESCRIBE → column schema mapping of the engine.
 */
export async function describe(connection: DuckDBConnection, query: string): Promise<ColumnSchema[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE ${query}`);
  return reader.getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/** The columns of a relation: a table or view name, or a reader such as `read_parquet('…')`. */
export function describeRelation(connection: DuckDBConnection, relation: string): Promise<ColumnSchema[]> {
  return describe(connection, `SELECT * FROM ${relation}`);
}

/** Row count of a relation. For Parquet the count comes from the footer, without reading the data. */
export async function countRows(connection: DuckDBConnection, relation: string): Promise<number> {
  const reader = await connection.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM ${relation}`);
  return Number(reader.getRowObjectsJS()[0]?.n ?? 0);
}

/** Row count and columns of a relation. */
export async function describeTable(connection: DuckDBConnection, relation: string): Promise<{ rows: number; schema: ColumnSchema[] }> {
  const schema = await describeRelation(connection, relation);
  return { rows: await countRows(connection, relation), schema };
}

/** Quotes a string as a SQL literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Quotes a name as a SQL identifier. */
export function sqlIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
