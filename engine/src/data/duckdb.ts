import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/**
 * One in-memory DuckDB instance per process, shared by every part of the engine (ingest,
 * previews, the `sql` step, columnar reads). Connections are cheap; callers take one with
 * `withConnection` so it is always released, even when the query throws. The native module
 * is loaded on first use, so commands that never touch data (a fully reused rerun, `weir runs`)
 * do not pay for loading it.
 */
let instance: Promise<DuckDBInstance> | undefined;

export function sharedDuckDB(): Promise<DuckDBInstance> {
  instance ??= createInstance().catch((e: unknown) => {
    instance = undefined;
    throw e;
  });
  return instance;
}

async function createInstance(): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  return DuckDBInstance.create(':memory:', {
    // Weir works offline: DuckDB must never try to download an extension behind our back.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
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
