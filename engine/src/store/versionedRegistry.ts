import fsp from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../errors';
import { createFileExclusive, readJsonFile, writeFileAtomic } from './durableFiles';
import { checkRegistryName } from './fileNames';
import { checkAliasName } from './modelAliases';

/**
 * Named things with immutable numbered versions (datasets, models):
 * `<dir>/<name>/<version>.json`, one file per version.
 *
 * A new version number is claimed by hard-linking a complete, synced record file to
 * `<version>.json`, which fails when the file exists: two processes registering at once get
 * distinct numbers and neither record can be half-written. A deleted version keeps its file as
 * a tombstone (`{"deleted": true}`), so its number is never handed out again and lineage that
 * names it stays unambiguous.
 */
export class VersionedRegistry<T extends { name: string; version: number }> {
  constructor(
    private readonly kind: 'dataset' | 'model',
    private readonly dir: string,
    private readonly tmpDir: string,
  ) {}

  /** Version numbers in use (including deleted ones), ascending. */
  private async versionNumbers(name: string): Promise<number[]> {
    let files: string[];
    try {
      files = await fsp.readdir(path.join(this.dir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return files
      .map((f) => /^(\d+)\.json$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  private async readVersion(name: string, version: number): Promise<T | undefined> {
    const record = await readJsonFile<T & { deleted?: boolean }>(path.join(this.dir, name, `${version}.json`));
    return record && !record.deleted ? record : undefined;
  }

  /**
   * As readVersion, but a corrupted record file counts as absent: listings, `latest` and new
   * versions go on without it, and only asking for that very version reports the file.
   */
  private async readVersionOrSkip(name: string, version: number): Promise<T | undefined> {
    try {
      return await this.readVersion(name, version);
    } catch (e) {
      if (e instanceof WeirError && e.code === 'BAD_INPUT') return undefined;
      throw e;
    }
  }

  async names(): Promise<string[]> {
    try {
      return (await fsp.readdir(this.dir)).filter((n) => !n.startsWith('.')).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  async versions(name: string): Promise<T[]> {
    const numbers = await this.versionNumbers(name);
    const records: (T | undefined)[] = await Promise.all(numbers.map((v) => this.readVersionOrSkip(name, v)));
    return records.filter((r): r is T => r !== undefined);
  }

  async latest(name: string): Promise<T | undefined> {
    const numbers = await this.versionNumbers(name);
    for (let i = numbers.length - 1; i >= 0; i--) {
      const record = await this.readVersionOrSkip(name, numbers[i]);
      if (record) return record;
    }
    return undefined;
  }

  async listLatest(): Promise<T[]> {
    const all: (T | undefined)[] = await Promise.all((await this.names()).map((n) => this.latest(n)));
    return all.filter((r): r is T => r !== undefined);
  }

  /** The version, or the latest when `version` is undefined; NOT_FOUND says what exists. */
  async get(name: string, version?: number): Promise<T> {
    if (version === undefined) {
      const record = await this.latest(name);
      if (record) return record;
      throw await this.notFound(name);
    }
    const record = await this.readVersion(name, version);
    if (record) return record;
    const existing = await this.versions(name);
    if (existing.length === 0) throw await this.notFound(name);
    throw new WeirError('NOT_FOUND', `${this.kind} '${name}' has no version ${version}; versions: ${existing.map((r) => r.version).join(', ')}`);
  }

  private async notFound(name: string): Promise<WeirError> {
    const known = (await this.listLatest()).map((r) => r.name);
    const list = known.length > 0 ? `${this.kind}s: ${known.join(', ')}` : `no ${this.kind}s are registered`;
    return new WeirError('NOT_FOUND', `no ${this.kind} '${name}' (${list})`, {
      hint: this.kind === 'dataset' ? 'Register one with `weir dataset register NAME FILE`.' : 'Register one with `weir model register NAME FILE`.',
    });
  }

  /**
   * Records the next version. `build` makes the record for a candidate version number; it may
   * be called again with a higher number when another process claimed that one first. When
   * `reuseIfLatest` accepts the latest version (same content), nothing is added.
   */
  async add(name: string, build: (version: number) => T, options: { reuseIfLatest?: (latest: T) => boolean } = {}): Promise<{ record: T; created: boolean }> {
    checkRegistryName(this.kind, name);
    const folder = path.join(this.dir, name);
    await fsp.mkdir(folder, { recursive: true });
    for (;;) {
      if (options.reuseIfLatest) {
        const latest = await this.latest(name);
        if (latest && options.reuseIfLatest(latest)) return { record: latest, created: false };
      }
      const numbers = await this.versionNumbers(name);
      const version = (numbers.at(-1) ?? 0) + 1;
      const record = build(version);
      if (await createFileExclusive(this.tmpDir, path.join(folder, `${version}.json`), `${JSON.stringify(record, null, 2)}\n`)) return { record, created: true };
      // Another process claimed that number first; look again, since it may have registered this very content.
    }
  }

  /** Tombstones one version, or every version when `version` is undefined. */
  async delete(name: string, version?: number): Promise<T[]> {
    const targets = version === undefined ? await this.versions(name) : [await this.get(name, version)];
    if (targets.length === 0) throw await this.notFound(name);
    for (const record of targets) {
      const tombstone = { name: record.name, version: record.version, deleted: true, deletedAt: new Date().toISOString() };
      await writeFileAtomic(this.tmpDir, path.join(this.dir, name, `${record.version}.json`), `${JSON.stringify(tombstone)}\n`);
    }
    return targets;
  }
}

/** Parses `NAME` or `NAME:VERSION` as the CLI and pipeline files write them. */
export function parseNameVersion(kind: 'dataset' | 'model', text: string): { name: string; version?: number } {
  const m = /^(.+?)(?::(\d+|latest))?$/.exec(text);
  if (!m) throw new WeirError('BAD_INPUT', `invalid ${kind} reference '${text}'`, { hint: 'Write NAME or NAME:VERSION.' });
  const name = m[1];
  checkRegistryName(kind, name);
  return { name, version: m[2] === undefined || m[2] === 'latest' ? undefined : Number(m[2]) };
}

/** A model reference as users write it: `NAME`, `NAME:VERSION` (or `:latest`) or `NAME@ALIAS`. */
export interface ModelRef {
  name: string;
  version?: number;
  alias?: string;
}

/** Parses `NAME`, `NAME:VERSION` or `NAME@ALIAS` (model references on the command line and in pipeline inputs). */
export function parseModelRef(text: string): ModelRef {
  const at = text.lastIndexOf('@');
  if (at < 0) return parseNameVersion('model', text);
  const name = text.slice(0, at);
  const alias = text.slice(at + 1);
  checkRegistryName('model', name);
  checkAliasName(alias);
  return { name, alias };
}

/** `NAME:VERSION` or `NAME@ALIAS` or `NAME`, the way references are printed back. */
export function formatModelRef(ref: ModelRef): string {
  return ref.alias !== undefined ? `${ref.name}@${ref.alias}` : ref.version !== undefined ? `${ref.name}:${ref.version}` : ref.name;
}
