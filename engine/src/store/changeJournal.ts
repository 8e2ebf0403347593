import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { StoreChange } from './storeApi';
import { appendLineSync, readJsonLinesSync } from './durableFiles';

/**
 * Cross-process change notification. Every change a store makes is appended as one short line
 * to `.weir/events/changes.jsonl`; watchers `fs.watch` the `events/` folder (which survives the
 * file being rotated), read only the new bytes and call listeners, debounced. Changes made by
 * this store instance are delivered directly and skipped when read back from the file.
 * A slow poll backs up `fs.watch`, which can miss events on network file systems.
 */
interface JournalLine {
  /** The store instance that wrote it. */
  i: string;
  c: StoreChange;
}

const ROTATE_BYTES = 4 * 1024 * 1024;
const DEBOUNCE_MS = 30;
const POLL_MS = 1000;

export class ChangeJournal {
  private readonly instance = randomBytes(6).toString('hex');
  private readonly file: string;
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private watcher: fs.FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private offset = 0;
  private ino = 0;

  constructor(private readonly dir: string) {
    this.file = path.join(dir, 'changes.jsonl');
  }

  init(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    try {
      // Rotation is only a size bound: a watcher that sees a new inode rereads from the start.
      if (fs.statSync(this.file).size > ROTATE_BYTES) fs.renameSync(this.file, path.join(this.dir, 'changes.old.jsonl'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  record(change: StoreChange): void {
    try {
      appendLineSync(this.file, JSON.stringify({ i: this.instance, c: change } satisfies JournalLine));
    } catch {
      // Notification is best effort: the change itself is already durable in its own file.
    }
    for (const l of this.listeners) l(change);
  }

  watch(listener: (change: StoreChange) => void): { dispose(): void } {
    if (this.listeners.size === 0) this.start();
    this.listeners.add(listener);
    return {
      dispose: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) this.stop();
      },
    };
  }

  private start(): void {
    try {
      const stat = fs.statSync(this.file);
      this.offset = stat.size;
      this.ino = stat.ino;
    } catch {
      this.offset = 0;
      this.ino = 0;
    }
    try {
      this.watcher = fs.watch(this.dir, { persistent: false }, () => this.schedule());
      this.watcher.on('error', () => undefined);
    } catch {
      this.watcher = undefined;
    }
    this.poll = setInterval(() => this.schedule(), POLL_MS);
    this.poll.unref();
  }

  private stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.poll) clearInterval(this.poll);
    if (this.debounce) clearTimeout(this.debounce);
    this.poll = undefined;
    this.debounce = undefined;
  }

  private schedule(): void {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.readNew();
    }, DEBOUNCE_MS);
  }

  private readNew(): void {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file);
    } catch {
      return;
    }
    if (stat.ino !== this.ino || stat.size < this.offset) {
      this.ino = stat.ino;
      this.offset = 0;
    }
    if (stat.size === this.offset) return;
    const { records, end } = readJsonLinesSync<JournalLine>(this.file, this.offset);
    this.offset = end;
    const seen = new Set<string>();
    for (const line of records) {
      if (line.i === this.instance || !line.c) continue;
      const key = JSON.stringify(line.c);
      if (seen.has(key)) continue;
      seen.add(key);
      for (const l of this.listeners) l(line.c);
    }
  }

  dispose(): void {
    this.listeners.clear();
    this.stop();
  }
}
