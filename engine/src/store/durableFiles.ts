import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import { WeirError } from '../errors';

/**
 * The few file operations the store is built from. Every record file is written whole to a
 * temp file, flushed and then renamed (or hard-linked) into place, so a reader — or a process
 * opening the store after `kill -9` — sees the old file or the new one, never half of one.
 * Append-only files tolerate a torn last line: readers skip it and writers start a fresh line.
 */

/**
 * Which machine made a temp file: 8 hex digits of its host name's hash. A store on a shared
 * folder is opened from several machines (the nodes of a Slurm cluster), and a pid says
 * whether its process lives only on the machine that made it.
 */
export const HOST_TAG = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

/** A temp-file name that is unique across processes and says which process on which host made it: `<prefix>-<pid>@<host tag>-<12 hex>`. */
export function tempName(prefix: string): string {
  return `${prefix}-${process.pid}@${HOST_TAG}-${randomBytes(6).toString('hex')}`;
}

async function writeAndSync(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fsp.open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * `rename`, retried briefly on Windows, where replacing a file that another process has open
 * (a reader in the editor's engine, a virus scanner) fails with EPERM/EACCES/EBUSY for a moment.
 */
export async function renameReplacing(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fsp.rename(from, to);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const transient = process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES' || code === 'EBUSY');
      if (!transient || attempt >= 20) throw e;
      await new Promise((resolve) => setTimeout(resolve, 5 * (attempt + 1)));
    }
  }
}

/** Replaces `dest` with `data` atomically (temp file in `tmpDir`, fsync, rename). */
export async function writeFileAtomic(tmpDir: string, dest: string, data: string | Uint8Array): Promise<void> {
  const temp = path.join(tmpDir, tempName('w'));
  try {
    await writeAndSync(temp, data);
  } catch (e) {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    // A write through a file handle names no file: name the record that could not be written.
    if (e && typeof e === 'object' && (e as NodeJS.ErrnoException).path === undefined) (e as NodeJS.ErrnoException).path = dest;
    throw e;
  }
  try {
    await renameReplacing(temp, dest);
  } catch (e) {
    await fsp.rm(temp, { force: true });
    throw e;
  }
}

/**
 * Creates `dest` holding `data` only if no file of that name exists, atomically: the content is
 * complete before the name appears (hard link of a synced temp file). Returns false when `dest`
 * exists. This is how version numbers are claimed by concurrent processes.
 */
export async function createFileExclusive(tmpDir: string, dest: string, data: string | Uint8Array): Promise<boolean> {
  const temp = path.join(tmpDir, tempName('x'));
  await writeAndSync(temp, data);
  try {
    await fsp.link(temp, dest);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await fsp.rm(temp, { force: true });
  }
}

/**
 * Appends one line to a shared append-only file. A process killed mid-append can leave a line
 * without its newline; the next writer then starts on a fresh line so only the torn line is lost
 * (readers skip lines that do not parse). One `write` on an O_APPEND descriptor per line keeps
 * lines from concurrent processes whole.
 */
export function appendLineSync(file: string, line: string): void {
  const fd = fs.openSync(file, 'a+');
  try {
    const size = fs.fstatSync(fd).size;
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    fs.writeSync(fd, `${prefix}${line}\n`);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads the complete lines of an append-only JSONL file from byte `offset`. The torn or
 * still-being-written tail (no newline yet) is left for the next read; lines that do not parse
 * (a torn line followed by a newer one) are skipped.
 */
export function readJsonLinesSync<T>(file: string, offset: number): { records: T[]; end: number; size: number; ino: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], end: 0, size: 0, ino: 0 };
    throw e;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.size <= offset) return { records: [], end: offset, size: stat.size, ino: stat.ino };
    const buffer = Buffer.allocUnsafe(stat.size - offset);
    let read = 0;
    while (read < buffer.length) {
      const n = fs.readSync(fd, buffer, read, buffer.length - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    const lastNewline = buffer.lastIndexOf(0x0a, read - 1);
    if (lastNewline < 0) return { records: [], end: offset, size: stat.size, ino: stat.ino };
    const text = buffer.toString('utf8', 0, lastNewline);
    const records: T[] = [];
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      try {
        records.push(JSON.parse(line) as T);
      } catch {
        // A torn line from a killed writer: the rest of the file is intact, so skip it.
      }
    }
    return { records, end: offset + lastNewline + 1, size: stat.size, ino: stat.ino };
  } finally {
    fs.closeSync(fd);
  }
}

/** Parses a JSON record file, or undefined when it does not exist. */
export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new WeirError('BAD_INPUT', `${file}: corrupted record (${(e as Error).message})`, {
      hint: 'Restore the file from a backup or delete it; the store\'s other records are not affected.',
      cause: e,
    });
  }
}

export async function pathExists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}
