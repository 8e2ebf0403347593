import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { WeirError } from '../errors';
import type { ArtifactRef } from './records';
import { tempName } from './durableFiles';
import { checkArtifactTree } from './fileKinds';

/**
 * The content-addressed artifact store: `.weir/artifacts/<2 hex>/<sha256>/<file or folder>`.
 *
 * An artifact is assembled in `.weir/tmp/` and its `<sha256>` folder is renamed into place in
 * one step, so an artifact folder that exists is always complete; when two processes store the
 * same content, one rename wins and the other copy is dropped. Artifacts are never modified.
 */

export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('error', reject);
    stream.on('end', () => resolve());
  });
  return hash.digest('hex');
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await fsp.readdir(path.join(dir, prefix), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    // Symlinks to files count as the file (checkArtifactTree refused every other kind).
    else if (e.isFile() || e.isSymbolicLink()) out.push(rel);
  }
  return out;
}

/** A folder's hash: sha256 of its sorted relative paths with each file's sha256. */
export async function hashPath(src: string): Promise<{ hash: string; bytes: number; isDir: boolean }> {
  const stat = await fsp.stat(src);
  if (!stat.isDirectory()) return { hash: await hashFile(src), bytes: stat.size, isDir: false };
  const files = (await listFiles(src)).sort();
  const hash = createHash('sha256');
  let bytes = 0;
  for (const rel of files) {
    const full = path.join(src, rel);
    bytes += (await fsp.stat(full)).size;
    hash.update(`${rel}\0${await hashFile(full)}\n`);
  }
  return { hash: hash.digest('hex'), bytes, isDir: true };
}

async function hashPathSize(folder: string): Promise<number | undefined> {
  try {
    let total = 0;
    for (const rel of await listFiles(folder)) total += (await fsp.stat(path.join(folder, rel))).size;
    return total;
  } catch {
    return undefined;
  }
}

async function syncFiles(p: string): Promise<void> {
  const stat = await fsp.stat(p);
  if (stat.isDirectory()) {
    for (const e of await fsp.readdir(p)) await syncFiles(path.join(p, e));
    return;
  }
  const handle = await fsp.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class ArtifactStore {
  constructor(
    private readonly root: string,
    private readonly artifactsDir: string,
    private readonly tmpDir: string,
  ) {}

  private folderFor(hash: string): string {
    return path.join(this.artifactsDir, hash.slice(0, 2), hash);
  }

  private refFor(hash: string, entry: string, kind: ArtifactRef['kind'], bytes: number, extra: { rows?: number; schema?: ArtifactRef['schema'] }): ArtifactRef {
    const rel = path.relative(this.root, path.join(this.folderFor(hash), entry)).split(path.sep).join('/');
    const ref: ArtifactRef = { hash, kind, path: rel, bytes };
    if (extra.rows !== undefined) ref.rows = extra.rows;
    if (extra.schema !== undefined) ref.schema = extra.schema;
    return ref;
  }

  async put(srcPath: string, kind: ArtifactRef['kind'], options: { copy?: boolean; rows?: number; schema?: ArtifactRef['schema'] } = {}): Promise<ArtifactRef> {
    const src = path.resolve(srcPath);
    let info;
    let hasLinks;
    try {
      ({ hasLinks } = await checkArtifactTree(src));
      info = await hashPath(src);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new WeirError('NOT_FOUND', `no such file or folder: ${srcPath}`);
      throw e;
    }
    const folder = this.folderFor(info.hash);
    const existing = await this.existingEntry(folder);
    if (existing !== undefined) {
      // Fresh again: garbage collection spares young artifacts, and this one is about to be referenced.
      const now = new Date();
      await fsp.utimes(folder, now, now).catch(() => undefined);
      // A garbage collection that decided before the touch may have taken it meanwhile; then
      // store the content again below.
      if ((await this.existingEntry(folder)) === existing) {
        if (!options.copy) await fsp.rm(src, { recursive: true, force: true });
        return this.refFor(info.hash, existing, kind, info.bytes, options);
      }
    }
    const entry = path.basename(src);
    const staging = path.join(this.tmpDir, tempName('art'));
    await fsp.mkdir(staging);
    try {
      const target = path.join(staging, entry);
      if (options.copy || hasLinks) {
        // Links are copied as their targets, so an artifact never points out of the store.
        await fsp.cp(src, target, { recursive: true, dereference: true });
        if (!options.copy) await fsp.rm(src, { recursive: true, force: true });
      } else {
        try {
          await fsp.rename(src, target);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
          await fsp.cp(src, target, { recursive: true });
          await fsp.rm(src, { recursive: true, force: true });
        }
      }
      await syncFiles(target);
      await fsp.mkdir(path.dirname(folder), { recursive: true });
      try {
        await fsp.rename(staging, folder);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'EPERM') throw e;
        // Another process stored the same content first; theirs is complete, use it.
        const theirs = await this.existingEntry(folder);
        if (theirs === undefined) throw e;
        return this.refFor(info.hash, theirs, kind, info.bytes, options);
      }
      return this.refFor(info.hash, entry, kind, info.bytes, options);
    } finally {
      await fsp.rm(staging, { recursive: true, force: true });
    }
  }

  private async existingEntry(folder: string): Promise<string | undefined> {
    try {
      const entries = await fsp.readdir(folder);
      return entries[0];
    } catch {
      return undefined;
    }
  }

  /**
   * Removes artifacts that no record mentions. `referenced` holds the sha256 of every artifact
   * named anywhere in the store's records; artifacts younger than `minAgeMs` are kept because
   * a live process may have stored one and not yet recorded it, and so are those stored or
   * touched since `keepSinceMs` (the oldest live run's start). Each folder is renamed out of
   * `artifacts/` before it is deleted, so nobody sees half of one.
   */
  async collectGarbage(referenced: Set<string>, options: { minAgeMs: number; dryRun: boolean; keepSinceMs?: number }): Promise<{ removed: string[]; bytes: number; kept: number }> {
    const removed: string[] = [];
    let bytes = 0;
    let kept = 0;
    const now = Date.now();
    for (const prefix of await fsp.readdir(this.artifactsDir).catch(() => [] as string[])) {
      const prefixDir = path.join(this.artifactsDir, prefix);
      for (const hash of await fsp.readdir(prefixDir).catch(() => [] as string[])) {
        const folder = path.join(prefixDir, hash);
        const stat = await fsp.stat(folder).catch(() => undefined);
        if (!stat) continue;
        // Two seconds of slack for file systems with coarse timestamps.
        const live = options.keepSinceMs !== undefined && stat.mtimeMs >= options.keepSinceMs - 2000;
        if (referenced.has(hash) || live || now - stat.mtimeMs < options.minAgeMs) {
          kept += 1;
          continue;
        }
        const size = (await hashPathSize(folder)) ?? 0;
        if (!options.dryRun) {
          const trash = path.join(this.tmpDir, tempName('gc'));
          try {
            await fsp.rename(folder, trash);
          } catch {
            continue;
          }
          await fsp.rm(trash, { recursive: true, force: true });
        }
        removed.push(path.relative(this.root, folder).split(path.sep).join('/'));
        bytes += size;
      }
    }
    return { removed, bytes, kept };
  }

  absolutePath(ref: ArtifactRef): string {
    return path.resolve(this.root, ref.path);
  }

  async exists(ref: ArtifactRef): Promise<boolean> {
    try {
      await fsp.access(this.absolutePath(ref));
      return true;
    } catch {
      return false;
    }
  }
}
