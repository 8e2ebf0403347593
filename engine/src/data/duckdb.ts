import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * One in-memory DuckDB instance per process, shared by every part of the engine (ingest,
 * previews, the `sql` step, columnar reads). Connections are cheap; callers take one with
 * `withConnection` so it is always released, even when the query throws.
 */
let instance: Promise<DuckDBInstance> | undefined;

export function sharedDuckDB(): Promise<DuckDBInstance> {
  instance ??= DuckDBInstance.create(':memory:', {
    // Files we write must be reproducible byte for byte (dataset hashes depend on it), and
    // nothing here should ever reach the network for an extension.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  }).catch((e: unknown) => {
    instance = undefined;
    throw e;
  });
  return instance;
}

export async function withConnection<T>(use: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const connection = await (await sharedDuckDB()).connect();
  try {
    return await use(connection);
  } finally {
    connection.closeSync();
  }
}

/** Quotes a string as a SQL literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Quotes a name as a SQL identifier. */
export function sqlIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
