import { chmod, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../errors';
import type { DatasetVersion } from '../store/records';
import type { WorkspaceStore } from '../store/storeApi';
import { assertNotSpecial } from '../store/fileKinds';
import { checkRegistryName } from '../store/fileNames';
import { ingestSources } from './ingest';
import type { TextEncoding } from './inspectDelimited';

export interface RegisterDatasetOptions {
  description?: string;
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
  /** The text encoding of CSV/TSV sources (`--encoding`; default UTF-8). */
  encoding?: TextEncoding;
}

/**
 * Registers a dataset version: snapshots the sources (paths, globs, http(s) URLs; CSV/TSV,
 * Parquet, JSON/NDJSON, Arrow IPC) into one Parquet file with `ingestSources` and hands it to
 * the store (`addDatasetVersion`), which records a new version unless the content equals the
 * latest one (`created: false`). The store itself never reads tables: the DuckDB work is here.
 */
/**
 * A snapshot is never readable by more people than its sources: it is created with the umask's
 * mode for a new file (DuckDB writes it), then loses every permission bit that some local
 * source file lacks, so a private (0600) CSV gives a private snapshot. Downloads do not narrow.
 */
async function narrowToSources(snapshot: string, files: string[]): Promise<void> {
  let mode = (await stat(snapshot)).mode & 0o777;
  for (const file of files) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) continue;
    mode &= (await stat(file)).mode | 0o111;
  }
  await chmod(snapshot, mode);
}

export async function registerDataset(store: WorkspaceStore, name: string, sources: string[], options: RegisterDatasetOptions = {}): Promise<{ version: DatasetVersion; created: boolean }> {
  checkRegistryName('dataset', name);
  if (sources.length === 0) throw new WeirError('BAD_INPUT', `dataset '${name}': no sources given`, { hint: 'Give one or more paths, globs or URLs.' });
  // Plain paths are checked here; a glob's matches are read by DuckDB, which skips none.
  for (const source of sources) if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) assertNotSpecial(path.resolve(store.root, source));
  const work = await store.makeTempDir('ingest');
  try {
    const parquet = path.join(work, 'data.parquet');
    const ingested = await ingestSources(sources, parquet, { tmpDir: work, cwd: store.root, onProgress: options.onProgress, signal: options.signal, encoding: options.encoding });
    await narrowToSources(parquet, ingested.files);
    return await store.addDatasetVersion(name, { parquet, ...ingested }, { description: options.description });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
