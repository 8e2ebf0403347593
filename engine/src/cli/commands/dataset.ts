import path from 'node:path';
import type { CliArgs, CliCommand } from '../command';
import { WeirError } from '../../errors';
import { openWorkspace } from '../../store/workspace';
import type { WorkspaceStore } from '../../store/storeApi';
import type { DatasetVersion } from '../../store/records';
import { parseNameVersion } from '../../store/versionedRegistry';
import { registerDataset } from '../../data/registerDataset';
import { TEXT_ENCODINGS, type TextEncoding } from '../../data/inspectDelimited';

/** `weir dataset register | list | show | preview | profile | delete`. */

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_c, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

export async function withStore<T>(args: CliArgs, use: (store: WorkspaceStore) => Promise<T>): Promise<T> {
  const store = await openWorkspace(args.workspace);
  try {
    return await use(store);
  } finally {
    await store.dispose();
  }
}

export function localTime(iso: string): string {
  return iso.replace('T', ' ').slice(0, 19);
}

function oneArg(args: CliArgs, what: string, usage: string): string {
  if (args.positionals.length !== 1) throw new WeirError('BAD_INPUT', `expected ${what}, got ${args.positionals.length === 0 ? 'nothing' : args.positionals.join(' ')}`, { hint: `Usage: ${usage}` });
  return args.positionals[0];
}

function positiveInt(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new WeirError('BAD_INPUT', `${flag} must be a whole number ≥ 0, got '${String(value)}'`);
  return n;
}

function summaryLine(d: DatasetVersion): string {
  return `${d.name}:${d.version}  ${d.rows} rows × ${d.schema.length} columns  sha256 ${d.hash.slice(0, 12)}`;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

const register: CliCommand = {
  path: ['dataset', 'register'],
  usage: 'NAME PATH|GLOB|URL… [--description D] [--encoding utf-8|latin-1]',
  summary: 'Snapshots CSV/TSV, Parquet, JSON/NDJSON or Arrow files (paths, globs, http(s) URLs; several files are unioned) as a new version.',
  options: { description: { type: 'string' }, encoding: { type: 'string' } },
  async run(args, io) {
    const [name, ...sources] = args.positionals;
    if (!name || sources.length === 0) throw new WeirError('BAD_INPUT', 'give a dataset name and at least one path, glob or URL', { hint: `Usage: weir dataset register ${this.usage}` });
    const description = typeof args.values.description === 'string' ? args.values.description : undefined;
    const encoding = textEncoding(args.values.encoding);
    return withStore(args, async (store) => {
      // Paths on the command line are relative to where the user is, not to the workspace.
      const resolved = sources.map((s) => (/^https?:\/\//i.test(s) ? s : path.resolve(s)));
      const { version, created } = await registerDataset(store, name, resolved, { description, encoding, onProgress: (m) => io.err(m), signal: io.signal });
      if (args.json) io.json({ created, dataset: version });
      else if (created) io.out(`Registered ${summaryLine(version)}`);
      else io.out(`Unchanged: the content equals ${version.name}:${version.version} (sha256 ${version.hash.slice(0, 12)}); no new version was made.`);
      return 0;
    });
  },
};

/** `--encoding` of CSV/TSV sources: utf-8 (the default) or latin-1, with spellings people use. */
function textEncoding(value: unknown): TextEncoding | undefined {
  if (value === undefined) return undefined;
  const v = String(value).toLowerCase().replace(/_/g, '-');
  if (['utf-8', 'utf8'].includes(v)) return 'utf-8';
  if (['latin-1', 'latin1', 'iso-8859-1', 'iso8859-1'].includes(v)) return 'latin-1';
  throw new WeirError('BAD_INPUT', `--encoding ${String(value)}: Weir reads CSV/TSV as ${TEXT_ENCODINGS.join(' or ')}`, { hint: 'Convert other encodings to UTF-8 first (e.g. iconv -f WINDOWS-1252 -t UTF-8).' });
}

const list: CliCommand = {
  path: ['dataset', 'list'],
  usage: '',
  summary: 'Lists datasets with their latest version.',
  async run(args, io) {
    return withStore(args, async (store) => {
      const datasets = await store.listDatasets();
      if (args.json) io.json(datasets);
      else if (datasets.length === 0) io.out('No datasets yet. Register one with `weir dataset register NAME FILE`.');
      else {
        io.out(formatTable([
          ['NAME', 'VERSION', 'ROWS', 'COLUMNS', 'CREATED', 'DESCRIPTION'],
          ...datasets.map((d) => [d.name, String(d.version), String(d.rows), String(d.schema.length), localTime(d.createdAt), d.description ?? '']),
        ]));
      }
      return 0;
    });
  },
};

const show: CliCommand = {
  path: ['dataset', 'show'],
  usage: 'NAME[:VERSION]',
  summary: 'Shows a dataset version: sources, hash, schema, and the other versions.',
  async run(args, io) {
    const ref = parseNameVersion('dataset', oneArg(args, 'NAME[:VERSION]', `weir dataset show ${this.usage}`));
    return withStore(args, async (store) => {
      const d = await store.getDataset(ref.name, ref.version);
      const versions = await store.listDatasetVersions(ref.name);
      if (args.json) {
        io.json({ ...d, versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt, rows: v.rows, hash: v.hash })) });
        return 0;
      }
      io.out([
        `${d.name}:${d.version}${d.description ? `  ${d.description}` : ''}`,
        `  created   ${localTime(d.createdAt)}`,
        `  rows      ${d.rows}`,
        `  sha256    ${d.hash}`,
        `  snapshot  ${d.artifact.path}`,
        `  sources   ${d.sources.join('\n            ')}`,
        ...(d.files ? [`  files     ${d.files.join('\n            ')}`] : []),
        '',
        formatTable([['COLUMN', 'TYPE'], ...d.schema.map((c) => [c.name, c.type])]),
        '',
        formatTable([['VERSION', 'CREATED', 'ROWS', 'SHA256'], ...versions.map((v) => [String(v.version), localTime(v.createdAt), String(v.rows), v.hash.slice(0, 12)])]),
      ].join('\n'));
      return 0;
    });
  },
};

const preview: CliCommand = {
  path: ['dataset', 'preview'],
  usage: 'NAME[:VERSION] [--rows N] [--offset N]',
  summary: 'Prints the first rows of a dataset version.',
  options: { rows: { type: 'string' }, offset: { type: 'string' } },
  async run(args, io) {
    const ref = parseNameVersion('dataset', oneArg(args, 'NAME[:VERSION]', `weir dataset preview ${this.usage}`));
    const limit = positiveInt(args.values.rows, '--rows') ?? 10;
    const offset = positiveInt(args.values.offset, '--offset') ?? 0;
    return withStore(args, async (store) => {
      const d = await store.getDataset(ref.name, ref.version);
      const { previewRows } = await import('../../data/tables');
      const page = await previewRows(store.artifactPath(d.artifact), { limit, offset });
      if (args.json) {
        io.json({ dataset: `${d.name}:${d.version}`, ...page });
        return 0;
      }
      io.out(formatTable([page.schema.map((c) => c.name), ...page.rows.map((r) => r.map(cell))]));
      io.out(`(${page.rows.length} of ${page.totalRows} rows${offset ? ` from row ${offset + 1}` : ''} of ${d.name}:${d.version})`);
      return 0;
    });
  },
};

const profile: CliCommand = {
  path: ['dataset', 'profile'],
  usage: 'NAME[:VERSION]',
  summary: 'Per column: type, nulls, distinct values, min, max, mean.',
  async run(args, io) {
    const ref = parseNameVersion('dataset', oneArg(args, 'NAME[:VERSION]', `weir dataset profile ${this.usage}`));
    return withStore(args, async (store) => {
      const d = await store.getDataset(ref.name, ref.version);
      const { profileTable } = await import('../../data/tables');
      const p = await profileTable(store.artifactPath(d.artifact));
      if (args.json) {
        io.json({ dataset: `${d.name}:${d.version}`, ...p });
        return 0;
      }
      const num = (v: number | undefined) => (v === undefined ? '' : Number(v.toPrecision(6)).toString());
      io.out(formatTable([
        ['COLUMN', 'TYPE', 'NULLS', 'DISTINCT', 'MIN', 'MAX', 'MEAN'],
        ...p.columns.map((c) => [c.name, c.type, String(c.nulls), String(c.distinct), cell(c.min), cell(c.max), num(c.mean)]),
      ]));
      return 0;
    });
  },
};

const remove: CliCommand = {
  path: ['dataset', 'delete'],
  usage: 'NAME[:VERSION]',
  summary: 'Deletes one version, or every version of a dataset. Version numbers are never reused.',
  async run(args, io) {
    const ref = parseNameVersion('dataset', oneArg(args, 'NAME[:VERSION]', `weir dataset delete ${this.usage}`));
    return withStore(args, async (store) => {
      const before = ref.version === undefined ? await store.listDatasetVersions(ref.name) : [await store.getDataset(ref.name, ref.version)];
      const deleting = new Set(before.map((d) => `${d.name}:${d.version}`));
      const dependents: string[] = [];
      for (const latest of await store.listModels()) {
        for (const m of await store.listModelVersions(latest.name).catch(() => [])) {
          const used = (m.lineage?.datasets ?? []).map((d) => `${d.name}:${d.version}`).filter((d) => deleting.has(d));
          if (used.length) dependents.push(`${m.name}:${m.version} (trained on ${used.join(', ')})`);
        }
      }
      await store.deleteDataset(ref.name, ref.version);
      if (dependents.length) {
        io.err(`warning: model ${dependents.join(', ')} names the deleted version in its lineage; the model still works, but what it was trained on can no longer be read by name`);
      }
      if (args.json) io.json({ deleted: before.map((d) => ({ name: d.name, version: d.version })) });
      else io.out(`Deleted ${before.map((d) => `${d.name}:${d.version}`).join(', ')}`);
      return 0;
    });
  },
};

export const datasetCommands: CliCommand[] = [register, list, show, preview, profile, remove];
