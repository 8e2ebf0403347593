import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { WeirError } from '../errors';
import { appendLineSync, readJsonFile, readJsonLinesSync, writeFileAtomic } from './durableFiles';
import type { ModelAlias, ModelAliasEvent } from './records';

/**
 * Model aliases (`champion`, `staging`…) and their append-only history, per model:
 *
 * ```
 * models/<name>/aliases/<alias>.json   the change that last set or deleted the alias (a ModelAliasEvent)
 * models/<name>/aliases.jsonl          every change, one ModelAliasEvent a line
 * ```
 *
 * A change is written in two steps: the alias file is replaced atomically (temp file, fsync,
 * rename), then the history line is appended. The alias file is the truth about where an alias
 * points, so a process killed at any instant leaves every alias at its old or its new version.
 * A kill between the two steps, or in the middle of the append, leaves the history without
 * that change's line; since the alias file is the whole change (with its id, `from`, `to`, who
 * and when), whoever reads the history next appends the missing line. Readers skip torn lines
 * and drop duplicate ids, so two readers repairing at once do no harm.
 *
 * Each alias has its own file, so changes to different aliases never overwrite each other.
 * Two processes moving the same alias at the same instant both succeed; the later rename wins,
 * and both changes are in the history.
 */

/** Alias names start with a letter (so they never look like a version number) and are safe file names. */
const ALIAS_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export function checkAliasName(alias: string): void {
  if (!ALIAS_NAME.test(alias) || alias.toLowerCase() === 'latest') {
    throw new WeirError('BAD_INPUT', `invalid alias '${alias}'`, {
      hint: alias.toLowerCase() === 'latest'
        ? '`latest` always means the newest version; choose another alias name.'
        : 'An alias starts with a letter and holds letters, digits, "_" and "-" (at most 64 characters), e.g. champion.',
    });
  }
}

/** The OS user making a change, for the audit trail. */
export function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    // userInfo throws when the uid has no passwd entry (some containers).
    return process.env.USER ?? process.env.USERNAME ?? `uid ${process.getuid?.() ?? '?'}`;
  }
}

export class ModelAliases {
  constructor(
    private readonly modelsDir: string,
    private readonly tmpDir: string,
  ) {}

  private aliasDir(name: string): string {
    return path.join(this.modelsDir, name, 'aliases');
  }

  private aliasFile(name: string, alias: string): string {
    return path.join(this.aliasDir(name), `${alias}.json`);
  }

  private historyFile(name: string): string {
    return path.join(this.modelsDir, name, 'aliases.jsonl');
  }

  /** The last change of one alias, or undefined when it was never set. */
  private async lastChange(name: string, alias: string): Promise<ModelAliasEvent | undefined> {
    return readJsonFile<ModelAliasEvent>(this.aliasFile(name, alias));
  }

  private async write(name: string, event: ModelAliasEvent): Promise<void> {
    await fsp.mkdir(this.aliasDir(name), { recursive: true });
    await writeFileAtomic(this.tmpDir, this.aliasFile(name, event.alias), `${JSON.stringify(event)}\n`);
    appendLineSync(this.historyFile(name), JSON.stringify(event));
  }

  /** Points `alias` at `version` (which the caller checked exists). */
  async set(name: string, alias: string, version: number): Promise<ModelAliasEvent> {
    checkAliasName(alias);
    const before = await this.lastChange(name, alias);
    const event: ModelAliasEvent = { id: newEventId(), alias, action: 'set', ...(before?.action === 'set' ? { from: before.to } : {}), to: version, at: new Date().toISOString(), by: currentUser() };
    await this.write(name, event);
    return event;
  }

  /** Removes an alias; NOT_FOUND names the aliases that exist. */
  async delete(name: string, alias: string): Promise<ModelAliasEvent> {
    checkAliasName(alias);
    const before = await this.lastChange(name, alias);
    if (before?.action !== 'set') throw await this.unknownAlias(name, alias);
    const event: ModelAliasEvent = { id: newEventId(), alias, action: 'delete', from: before.to, at: new Date().toISOString(), by: currentUser() };
    await this.write(name, event);
    return event;
  }

  /** The version an alias points at; NOT_FOUND names the aliases that exist. */
  async resolve(name: string, alias: string): Promise<number> {
    checkAliasName(alias);
    const last = await this.lastChange(name, alias);
    if (last?.action !== 'set' || last.to === undefined) throw await this.unknownAlias(name, alias);
    return last.to;
  }

  /** Current aliases, by name. `isLive(version)` marks aliases whose version was deleted since. */
  async list(name: string, isLive?: (version: number) => boolean): Promise<ModelAlias[]> {
    const aliases: ModelAlias[] = [];
    for (const event of await this.lastChanges(name)) {
      if (event.action !== 'set' || event.to === undefined) continue;
      const alias: ModelAlias = { alias: event.alias, version: event.to, setAt: event.at, setBy: event.by };
      if (isLive && !isLive(event.to)) alias.dangling = true;
      aliases.push(alias);
    }
    return aliases.sort((a, b) => a.alias.localeCompare(b.alias));
  }

  /** Every change, oldest first, with the lines a killed writer did not get to append restored. */
  async history(name: string): Promise<ModelAliasEvent[]> {
    const file = this.historyFile(name);
    const seen = new Set<string>();
    const events: ModelAliasEvent[] = [];
    const take = (records: ModelAliasEvent[]) => {
      for (const e of records) {
        if (!e || typeof e.id !== 'string' || seen.has(e.id)) continue;
        seen.add(e.id);
        events.push(e);
      }
    };
    take(readJsonLinesSync<ModelAliasEvent>(file, 0).records);
    const missing = (await this.lastChanges(name)).filter((e) => !seen.has(e.id));
    if (missing.length > 0) {
      // The alias file of a change is written before its history line, so these changes took
      // effect but their writer died before recording them: record them now.
      for (const e of missing) appendLineSync(file, JSON.stringify(e));
      take(missing);
    }
    // File order is the order the changes took effect (a restored line is its alias's latest
    // change, so appending it last keeps each alias's chain in order). Clocks are not consulted:
    // two machines sharing a folder may disagree about the time.
    return events;
  }

  private async lastChanges(name: string): Promise<ModelAliasEvent[]> {
    let files: string[];
    try {
      files = await fsp.readdir(this.aliasDir(name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw e;
    }
    const events = await Promise.all(
      files.filter((f) => f.endsWith('.json') && ALIAS_NAME.test(f.slice(0, -5))).map((f) => readJsonFile<ModelAliasEvent>(path.join(this.aliasDir(name), f))),
    );
    return events.filter((e): e is ModelAliasEvent => e !== undefined);
  }

  private async unknownAlias(name: string, alias: string): Promise<WeirError> {
    const known = (await this.list(name)).map((a) => `${a.alias} → ${a.version}`);
    return new WeirError('NOT_FOUND', `model '${name}' has no alias '${alias}' (${known.length ? `aliases: ${known.join(', ')}` : 'it has no aliases'})`, {
      hint: `Set one with \`weir model alias set ${name} ${alias} VERSION\`.`,
    });
  }
}

function newEventId(): string {
  return `${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}`;
}
