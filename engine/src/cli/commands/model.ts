import fsp from 'node:fs/promises';
import path from 'node:path';
import type { CliCommand } from '../command';
import { WeirError } from '../../errors';
import type { ModelVersion } from '../../store/records';
import { parseNameVersion } from '../../store/versionedRegistry';
import { formatTable, localTime, withStore } from './dataset';

/** `weir model list | show | register | delete` (`model predict` lives with the AutoML commands). */

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

const show: CliCommand = {
  path: ['model', 'show'],
  usage: 'NAME[:VERSION]',
  summary: 'Shows a model version: artifact, tags, metrics, lineage and the other versions.',
  async run(args, io) {
    const ref = oneRef(args.positionals, `weir model show ${this.usage}`);
    return withStore(args, async (store) => {
      const m = await store.getModel(ref.name, ref.version);
      const versions = await store.listModelVersions(ref.name);
      if (args.json) {
        io.json({ ...m, versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt, tags: v.tags })) });
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
      const metrics = Object.entries(m.metrics ?? {});
      if (metrics.length) {
        lines.push('', formatTable([['METRIC', 'VALUE'], ...metrics.map(([k, v]) => [k, String(Number(v.toPrecision(6)))])]));
      }
      lines.push('', formatTable([['VERSION', 'CREATED', 'TAGS'], ...versions.map((v) => [String(v.version), localTime(v.createdAt), formatTags(v.tags)])]));
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

export const modelCommands: CliCommand[] = [list, show, register, remove];
