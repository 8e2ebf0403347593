import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../errors';

/**
 * What Weir accepts as input data: regular files and folders. Devices, FIFOs and sockets are
 * refused before anything reads them, because reading one never ends (`/dev/zero`), blocks
 * until a writer comes (a FIFO) or fails in ways that name nothing useful.
 */

/** "a FIFO (named pipe)", "a character device", … for a special file; undefined for a file or folder. */
export function specialKind(stat: fs.Stats): string | undefined {
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return undefined;
}

function refuse(file: string, kind: string, what: string): WeirError {
  const folderToo = what === 'a data input' || what === 'an artifact';
  return new WeirError('BAD_INPUT', `${file}: is ${kind}, not a regular file${folderToo ? ' or folder' : ''}; ${what} must be one`, { hint: 'Copy the data into a regular file first.' });
}

/** Opening without O_NONBLOCK would wait for a FIFO's writer; it changes nothing for regular files. */
const OPEN_NO_WAIT = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;

/**
 * Reads a text file that must be a regular file (a pipeline's SQL file, …). It is opened
 * without waiting and checked with `fstat` on the open descriptor, so a FIFO, device or socket
 * is refused at once (BAD_INPUT naming the file) instead of blocking the checker, the language
 * server or a run. Other failures (ENOENT, EISDIR, …) are thrown as they are.
 */
export function readRegularFileSync(file: string, what: string): string {
  const fd = fs.openSync(file, OPEN_NO_WAIT);
  try {
    const kind = specialKind(fs.fstatSync(fd));
    if (kind) throw refuse(file, kind, what);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** readRegularFileSync without blocking the event loop. */
export async function readRegularFile(file: string, what: string): Promise<string> {
  const handle = await fsp.open(file, OPEN_NO_WAIT);
  try {
    const kind = specialKind(await handle.stat());
    if (kind) throw refuse(file, kind, what);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Throws BAD_INPUT when `file` exists and is a device, FIFO or socket (following symlinks).
 * A missing file passes: the caller reports that in its own words.
 */
export function assertNotSpecial(file: string, what = 'a data input'): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return;
  }
  const kind = specialKind(stat);
  if (kind) throw refuse(file, kind, what);
}

/**
 * Checks a file or folder about to become an artifact, and says whether it holds symbolic
 * links. The rule: an artifact holds only regular files and folders. A symlink inside a
 * folder that points at a regular file is stored as a copy of that file (so the artifact
 * never points out of the store); a symlink to a folder, a dangling symlink and any special
 * file are refused with the path that broke the rule. The top-level path itself may be a
 * symlink to a file or folder (it is what the user named).
 */
export async function checkArtifactTree(src: string): Promise<{ hasLinks: boolean }> {
  const top = await fsp.stat(src);
  const kind = specialKind(top);
  if (kind) throw refuse(src, kind, 'an artifact');
  let hasLinks = (await fsp.lstat(src)).isSymbolicLink();
  if (!top.isDirectory()) return { hasLinks };
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        await walk(full);
      } else if (e.isSymbolicLink()) {
        const target = await fsp.stat(full).catch(() => undefined);
        if (!target) throw new WeirError('BAD_INPUT', `${full}: is a symbolic link to nothing (${fs.readlinkSync(full)}); outputs and inputs hold only regular files and folders`);
        if (target.isDirectory()) {
          throw new WeirError('BAD_INPUT', `${full}: is a symbolic link to a folder; outputs and inputs hold only regular files and folders`, { hint: 'Copy the folder instead of linking it.' });
        }
        const targetKind = specialKind(target);
        if (targetKind) throw refuse(full, targetKind, 'an artifact');
        hasLinks = true;
      } else if (!e.isFile()) {
        throw refuse(full, specialKind(await fsp.lstat(full)) ?? 'not a regular file', 'an artifact');
      }
    }
  };
  await walk(src);
  return { hasLinks };
}
