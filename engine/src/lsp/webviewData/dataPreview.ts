import { sqlString, withConnection } from '../../data/duckdb';
import { profileTable, readSchema } from '../../data/tables';
import { WeirError } from '../../errors';
import type { ColumnProfile, PreviewCell, PreviewInfo, PreviewPage, PreviewProfile, PreviewTarget } from '../../protocol';
import type { ArtifactRef } from '../../store/records';
import type { WorkspaceStore } from '../../store/storeApi';

/** Data preview: a dataset version or a run's table output, its schema, pages on demand and its profile. */

interface ResolvedTable {
  file: string;
  title: string;
  ref: ArtifactRef;
}

async function resolveTarget(store: WorkspaceStore, target: PreviewTarget): Promise<ResolvedTable> {
  let ref: ArtifactRef;
  let title: string;
  if ('dataset' in target) {
    const version = await store.getDataset(target.dataset, target.version);
    ref = version.artifact;
    title = `${version.name}:${version.version}`;
  } else {
    const run = await store.getRun(target.runId);
    const step = run.steps.find((s) => s.name === target.step);
    if (!step) throw new WeirError('NOT_FOUND', `run ${target.runId} has no step '${target.step}'`);
    const output = step.outputs[target.output];
    if (!output) throw new WeirError('NOT_FOUND', `step '${target.step}' of run ${target.runId} has no output '${target.output}' (it has: ${Object.keys(step.outputs).join(', ') || 'none yet'})`);
    ref = output;
    title = `${target.step}.${target.output} · ${run.pipelineName} run ${run.id}`;
  }
  if (ref.kind !== 'parquet') throw new WeirError('BAD_INPUT', `${title} is a ${ref.kind} artifact, not a table; only Parquet outputs can be previewed`);
  return { file: store.artifactPath(ref), title, ref };
}

export async function previewInfo(store: WorkspaceStore, target: PreviewTarget): Promise<PreviewInfo> {
  const t = await resolveTarget(store, target);
  // The store records rows and schema with each table artifact; read the file only when it did not.
  const known = t.ref.rows !== undefined && t.ref.schema ? { rows: t.ref.rows, schema: t.ref.schema } : await readSchema(t.file);
  return { title: t.title, rows: known.rows, schema: known.schema, path: t.ref.path, bytes: t.ref.bytes };
}

/** Largest page a request may ask for: a page must cross the pipe in a few milliseconds. */
export const maxPageRows = 5000;

export async function previewPage(store: WorkspaceStore, target: PreviewTarget, offset: number, limit: number): Promise<PreviewPage> {
  if (!Number.isInteger(offset) || offset < 0) throw new WeirError('BAD_INPUT', `page offset must be a whole number ≥ 0, got ${offset}`);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageRows) throw new WeirError('BAD_INPUT', `page size must be 1 to ${maxPageRows} rows, got ${limit}`);
  const t = await resolveTarget(store, target);
  // One query per page: DuckDB skips whole row groups to reach a deep OFFSET, and the
  // schema comes with the result, so a page costs a few milliseconds even at row 3,000,000.
  return withConnection(async (c) => {
    const reader = await c.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(t.file)}) LIMIT ${limit} OFFSET ${offset}`);
    const columns = reader.columnNames();
    const types = reader.columnTypes().map(String);
    const values = reader.getColumnsJson().map((column, i) => column.map((v) => toCell(v, types[i])));
    return { offset, count: values[0]?.length ?? 0, columns, values };
  });
}

const numericType = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

/** A DuckDB JSON value as a cell: integers and decimals (which DuckDB prints as text to keep precision) back to numbers when exact, nested values as JSON. */
function toCell(value: unknown, type: string): PreviewCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    if (numericType.test(type)) {
      const n = Number(value);
      if (Number.isFinite(n) && (!Number.isInteger(n) || Number.isSafeInteger(n))) return n;
    }
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

export async function previewProfile(store: WorkspaceStore, target: PreviewTarget): Promise<PreviewProfile> {
  const t = await resolveTarget(store, target);
  const started = performance.now();
  const profile = await profileTable(t.file);
  const columns: ColumnProfile[] = profile.columns.map((c) => {
    const numeric = c.kind === 'number' || c.kind === 'datetime';
    return {
      name: c.name,
      type: c.type,
      nulls: c.nulls,
      distinct: c.distinct,
      min: typeof c.min === 'boolean' ? String(c.min) : (c.min ?? null),
      max: typeof c.max === 'boolean' ? String(c.max) : (c.max ?? null),
      mean: c.mean ?? null,
      histogram: numeric ? c.histogram.map((b) => ({ x0: b.low ?? 0, x1: b.high ?? 0, count: b.count })) : undefined,
      top: numeric ? undefined : c.histogram.map((b) => ({ value: b.label, count: b.count })),
    };
  });
  return { rows: profile.rows, columns, elapsedMs: performance.now() - started };
}
