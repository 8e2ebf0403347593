import fsp from 'node:fs/promises';
import path from 'node:path';
import type { CliCommand } from '../command';
import { WeirError } from '../../errors';
import type { ModelAlias, ModelAliasEvent, ModelVersion } from '../../store/records';
import { parseModelRef, parseNameVersion } from '../../store/versionedRegistry';
import { checkAliasName } from '../../store/modelAliases';
import { formatTable, localTime, withStore } from './dataset';

/** `weir model list | show | register | delete | alias` (`model predict` lives with the AutoML commands, `model serve` with the server). */

function tagList(v: unknown): Record<string, string> {
  const items = v === undefined ? [] : Array.isArray(v) ? v : [v];
  const tags: Record<string, string> = {};
  for (const item of items) {
    const text = String(item);
    const eq = text.indexOf('=');
    if (eq <= 0) throw new WeirError('BAD_INPUT', `--tag '${text}' is not KEY=VALUE`);
    tags[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return tags;
}

function formatTags(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function lineageText(m: ModelVersion): string {
  if (!m.lineage) return '';
  const datasets = m.lineage.datasets.map((d) => `${d.name}:${d.version}`).join(', ');
  return `run ${m.lineage.runId} (${m.lineage.experiment}), step ${m.lineage.step}${datasets ? `, datasets ${datasets}` : ''}`;
}

function oneRef(positionals: string[], usage: string): { name: string; version?: number } {
  if (positionals.length !== 1) throw new WeirError('BAD_INPUT', 'expected NAME[:VERSION]', { hint: `Usage: ${usage}` });
  return parseNameVersion('model', positionals[0]);
}

const list: CliCommand = {
  path: ['model', 'list'],
  usage: '',
  summary: 'Lists registered models with their latest version.',
  async run(args, io) {
    return withStore(args, async (store) => {
      const models = await store.listModels();
      if (args.json) io.json(models);
      else if (models.length === 0) io.out('No models yet. A pipeline\'s register_model step or `weir model register NAME FILE` adds one.');
      else {
        io.out(formatTable([
          ['NAME', 'VERSION', 'FRAMEWORK', 'CREATED', 'RUN', 'TAGS'],
          ...models.map((m) => [m.name, String(m.version), m.framework ?? '', localTime(m.createdAt), m.lineage?.runId ?? '', formatTags(m.tags)]),
        ]));
      }
      return 0;
    });
  },
};

function aliasEventText(e: ModelAliasEvent): string {
  if (e.action === 'delete') return `deleted (was ${e.from})`;
  return e.from === undefined ? `set to ${e.to}` : `moved ${e.from} → ${e.to}`;
}

function aliasesOf(aliases: ModelAlias[], version: number): string {
  return aliases.filter((a) => a.version === version).map((a) => `@${a.alias}`).join(' ');
}

const show: CliCommand = {
  path: ['model', 'show'],
  usage: 'NAME[:VERSION|@ALIAS]',
  summary: 'Shows a model version: artifact, tags, metrics, lineage, aliases with their history, and the other versions.',
  async run(args, io) {
    if (args.positionals.length !== 1) throw new WeirError('BAD_INPUT', 'expected NAME[:VERSION|@ALIAS]', { hint: `Usage: weir model show ${this.usage}` });
    const ref = parseModelRef(args.positionals[0]);
    return withStore(args, async (store) => {
      const m = await store.resolveModel(ref);
      const versions = await store.listModelVersions(ref.name);
      const aliases = await store.listModelAliases(ref.name);
      const aliasHistory = await store.modelAliasHistory(ref.name);
      if (args.json) {
        io.json({
          ...m,
          aliases,
          aliasHistory,
          versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt, tags: v.tags, aliases: aliases.filter((a) => a.version === v.version).map((a) => a.alias) })),
        });
        return 0;
      }
      const lines = [
        `${m.name}:${m.version}${m.description ? `  ${m.description}` : ''}`,
        `  created    ${localTime(m.createdAt)}`,
        `  artifact   ${m.artifact.path} (${m.artifact.bytes} bytes, sha256 ${m.artifact.hash.slice(0, 12)})`,
      ];
      if (m.framework) lines.push(`  framework  ${m.framework}`);
      if (Object.keys(m.tags).length) lines.push(`  tags       ${formatTags(m.tags)}`);
      if (m.lineage) lines.push(`  lineage    ${lineageText(m)}`);
      if (aliases.length) lines.push(`  aliases    ${aliases.map((a) => `@${a.alias} → ${a.version}${a.dangling ? ' (deleted)' : ''}`).join(', ')}`);
      const metrics = Object.entries(m.metrics ?? {});
      if (metrics.length) {
        lines.push('', formatTable([['METRIC', 'VALUE'], ...metrics.map(([k, v]) => [k, String(Number(v.toPrecision(6)))])]));
      }
      lines.push('', formatTable([['VERSION', 'CREATED', 'ALIASES', 'TAGS'], ...versions.map((v) => [String(v.version), localTime(v.createdAt), aliasesOf(aliases, v.version), formatTags(v.tags)])]));
      if (aliasHistory.length) {
        lines.push('', formatTable([['ALIAS', 'CHANGE', 'WHEN', 'BY'], ...aliasHistory.map((e) => [`@${e.alias}`, aliasEventText(e), localTime(e.at), e.by])]));
      }
      io.out(lines.join('\n'));
      return 0;
    });
  },
};

const register: CliCommand = {
  path: ['model', 'register'],
  usage: 'NAME FILE|FOLDER [--tag k=v]… [--description D] [--framework F]',
  summary: 'Registers a model file or folder as a new version (copied into the artifact store).',
  options: { tag: { type: 'string', multiple: true }, description: { type: 'string' }, framework: { type: 'string' } },
  async run(args, io) {
    const [name, file, ...rest] = args.positionals;
    if (!name || !file || rest.length > 0) throw new WeirError('BAD_INPUT', 'give a model name and one file or folder', { hint: `Usage: weir model register ${this.usage}` });
    parseNameVersion('model', name);
    const tags = tagList(args.values.tag);
    const source = path.resolve(file);
    try {
      await fsp.access(source);
    } catch {
      throw new WeirError('NOT_FOUND', `no such file or folder: ${file}`);
    }
    return withStore(args, async (store) => {
      const m = await store.registerModel(name, source, {
        tags,
        description: typeof args.values.description === 'string' ? args.values.description : undefined,
        framework: typeof args.values.framework === 'string' ? args.values.framework : 'file',
      });
      if (args.json) io.json(m);
      else io.out(`Registered ${m.name}:${m.version}  ${m.artifact.path}`);
      return 0;
    });
  },
};

const remove: CliCommand = {
  path: ['model', 'delete'],
  usage: 'NAME[:VERSION]',
  summary: 'Deletes one version, or every version of a model. Version numbers are never reused.',
  async run(args, io) {
    const ref = oneRef(args.positionals, `weir model delete ${this.usage}`);
    return withStore(args, async (store) => {
      const before = ref.version === undefined ? await store.listModelVersions(ref.name) : [await store.getModel(ref.name, ref.version)];
      await store.deleteModel(ref.name, ref.version);
      if (args.json) io.json({ deleted: before.map((m) => ({ name: m.name, version: m.version })) });
      else io.out(`Deleted ${before.map((m) => `${m.name}:${m.version}`).join(', ')}`);
      return 0;
    });
  },
};

function versionArg(text: string | undefined, name: string): number {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) < 1) {
    throw new WeirError('BAD_INPUT', `expected a version number for model '${name}', got '${text ?? ''}'`, { hint: 'Usage: weir model alias set NAME ALIAS VERSION' });
  }
  return Number(text);
}

const aliasSet: CliCommand = {
  path: ['model', 'alias', 'set'],
  usage: 'NAME ALIAS VERSION',
  summary: 'Points an alias (e.g. champion) at a version, so `model:NAME@ALIAS` names it; the change is kept in the alias history.',
  async run(args, io) {
    const [name, alias, versionText, ...rest] = args.positionals;
    if (!name || !alias || rest.length > 0) throw new WeirError('BAD_INPUT', 'give a model name, an alias and a version', { hint: `Usage: weir model alias set ${this.usage}` });
    parseNameVersion('model', name);
    checkAliasName(alias);
    const version = versionArg(versionText, name);
    return withStore(args, async (store) => {
      const event = await store.setModelAlias(name, alias, version);
      if (args.json) io.json(event);
      else io.out(event.from === undefined ? `${name}@${alias} → ${version}` : event.from === version ? `${name}@${alias} → ${version} (unchanged)` : `${name}@${alias} → ${version} (was ${event.from})`);
      return 0;
    });
  },
};

const aliasDelete: CliCommand = {
  path: ['model', 'alias', 'delete'],
  usage: 'NAME ALIAS',
  summary: 'Removes an alias (the version stays; the removal is kept in the alias history).',
  async run(args, io) {
    const [name, alias, ...rest] = args.positionals;
    if (!name || !alias || rest.length > 0) throw new WeirError('BAD_INPUT', 'give a model name and an alias', { hint: `Usage: weir model alias delete ${this.usage}` });
    parseNameVersion('model', name);
    checkAliasName(alias);
    return withStore(args, async (store) => {
      const event = await store.deleteModelAlias(name, alias);
      if (args.json) io.json(event);
      else io.out(`Deleted ${name}@${alias} (was ${event.from})`);
      return 0;
    });
  },
};

const aliasList: CliCommand = {
  path: ['model', 'alias', 'list'],
  usage: 'NAME',
  summary: 'Lists a model\'s aliases and the versions they point at.',
  async run(args, io) {
    const [name, ...rest] = args.positionals;
    if (!name || rest.length > 0) throw new WeirError('BAD_INPUT', 'give a model name', { hint: `Usage: weir model alias list ${this.usage}` });
    parseNameVersion('model', name);
    return withStore(args, async (store) => {
      await store.getModel(name);
      const aliases = await store.listModelAliases(name);
      if (args.json) io.json(aliases);
      else if (aliases.length === 0) io.out(`Model '${name}' has no aliases. Set one with \`weir model alias set ${name} ALIAS VERSION\`.`);
      else io.out(formatTable([['ALIAS', 'VERSION', 'SET', 'BY'], ...aliases.map((a) => [`@${a.alias}`, `${a.version}${a.dangling ? ' (deleted)' : ''}`, localTime(a.setAt), a.setBy])]));
      return 0;
    });
  },
};

export const modelCommands: CliCommand[] = [list, show, register, remove, aliasSet, aliasDelete, aliasList];
