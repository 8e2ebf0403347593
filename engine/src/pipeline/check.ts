import { statSync } from 'node:fs';
import path from 'node:path';
import { isWeirError, type WeirError } from '../errors';
import { findExpressions, substituteDeep } from '../util/expressions';
import { matchFiles } from './fileGlob';
import { getStepKind } from '../steps/registry';
import { isSqlFile } from '../steps/sqlStep';
import { findSqlSyntaxError, inferSqlSchema, type SqlSchemaResult, type SqlSyntaxError } from '../steps/sqlCheck';
import { substituteSqlParameters } from '../steps/sqlParameters';
import { describeRelation, withPrivateDuckDB } from '../data/duckdb';
import { tableReader } from '../data/formats';
import { notUtf8Failure } from '../data/inspectDelimited';
import { readRegularFileSync, specialKind } from '../store/fileKinds';
import type { WorkspaceStore } from '../store/storeApi';
import type { ColumnSchema } from '../store/records';
import type { ParsedPipeline, PipelineDiagnostic, PipelineInputSource, PipelineSpec } from './types';
import { rangeOfPath } from './yamlSource';

export interface CheckOptions {
  pipelineDir: string;
  store?: WorkspaceStore;
  /**
   * Read the schemas of `file:` inputs and work out `sql` steps' output schemas with DuckDB,
   * so step kinds can check columns (e.g. a label column the input lacks). Default true; a
   * run turns it off because loading DuckDB costs more than a fully reused rerun may take.
   */
  inferSchemas?: boolean;
  /** Called with each step's input schemas as worked out here (the editor completes column names from them). */
  onStepInputSchemas?(step: string, schemas: Record<string, ColumnSchema[] | undefined>): void;
}

/**
 * Checks that need the disk or the workspace store: missing SQL and script files, unknown
 * datasets, models and versions, `file:` inputs that match nothing, and each step kind's own
 * `check()` with its inputs' schemas. Returns only these new diagnostics.
 */
export async function checkPipeline(parsed: ParsedPipeline, ctx: CheckOptions): Promise<PipelineDiagnostic[]> {
  const spec = parsed.spec;
  if (!spec) return [];
  const diagnostics: PipelineDiagnostic[] = [];
  const report: Report = (code, message, at, hint, severity = 'error') => {
    diagnostics.push({ severity, code, message, range: rangeOfPath(parsed, at), ...(hint ? { hint } : {}) });
  };
  const check: CheckRun = { spec, ctx, report, inferSchemas: ctx.inferSchemas !== false };

  // Schemas of data flowing along references: `inputs.X` and `steps.S.outputs.O`.
  const { inputSchemas, fileInputs } = await checkPipelineInputs(check);
  if (check.inferSchemas) await describeFileInputs(check, fileInputs, inputSchemas);
  const outputSchemas: Record<string, ColumnSchema[] | undefined> = {};
  for (const stepName of spec.stepOrder) await checkStep(check, stepName, inputSchemas, outputSchemas);
  return diagnostics;
}

type Report = (code: string, message: string, at: (string | number)[], hint?: string, severity?: PipelineDiagnostic['severity']) => void;

/** What the parts of one `checkPipeline` share. */
interface CheckRun {
  spec: PipelineSpec;
  ctx: CheckOptions;
  report: Report;
  inferSchemas: boolean;
}

/**
 * The pipeline's inputs: `file:` inputs matched on disk (special files refused), datasets and
 * models looked up in the store. Returns the datasets' schemas and the files each `file:`
 * input matched.
 */
async function checkPipelineInputs({ spec, ctx, report }: CheckRun): Promise<{ inputSchemas: Record<string, ColumnSchema[] | undefined>; fileInputs: Record<string, string[]> }> {
  const inputSchemas: Record<string, ColumnSchema[] | undefined> = {};
  const fileInputs: Record<string, string[]> = {};
  for (const input of Object.values(spec.inputs)) {
    const at = ['inputs', input.name];
    const source = input.source;
    if (source.type === 'file') {
      const files = matchFiles(ctx.pipelineDir, source.path);
      if (!files.length) report('missing-file', `input '${input.name}': no file matches ${source.path} (relative to ${ctx.pipelineDir})`, at, 'Paths in `file:` inputs are relative to the pipeline file.');
      // A FIFO, device or socket would block (or never end) the schema read below, and the run.
      const special = files.map((f) => ({ f, kind: specialKindOf(f) })).find((x) => x.kind);
      if (special) {
        report('special-file', `input '${input.name}': ${special.f}: is ${special.kind}, not a regular file or folder`, at, 'Copy the data into a regular file first.');
        continue;
      }
      fileInputs[input.name] = files;
      continue;
    }
    if (!ctx.store) continue;
    try {
      if (source.type === 'dataset') {
        const ds = await ctx.store.getDataset(source.name, source.version);
        inputSchemas[input.name] = ds.schema;
      } else {
        await ctx.store.resolveModel(source);
      }
    } catch (e) {
      if (!isWeirError(e) || e.code !== 'NOT_FOUND') throw e;
      await reportUnknownStoreInput(ctx.store, source, e, at, report);
    }
  }
  return { inputSchemas, fileInputs };
}

/** A dataset or model input the store does not have: which versions it does have, or how to register it. */
async function reportUnknownStoreInput(store: WorkspaceStore, source: Exclude<PipelineInputSource, { type: 'file' }>, e: WeirError, at: (string | number)[], report: Report): Promise<void> {
  if (source.type === 'model' && source.alias !== undefined && (await store.listModelVersions(source.name).catch(() => [])).length > 0) {
    // The model exists; the store's message says which aliases it has (or that the alias's version was deleted).
    report('unknown-model-alias', e.message, at, e.hint);
    return;
  }
  const versions = source.type === 'dataset' ? await store.listDatasetVersions(source.name).catch(() => []) : await store.listModelVersions(source.name).catch(() => []);
  const what = source.type === 'dataset' ? 'dataset' : 'model';
  const message = versions.length
    ? `${what} '${source.name}' has no version ${source.version} (versions: ${versions.map((v) => v.version).join(', ')})`
    : `unknown ${what} '${source.name}'`;
  const hint = versions.length
    ? `Use ${source.type}:${source.name} for the latest version.`
    : source.type === 'dataset'
      ? `Register it first: weir dataset register ${source.name} FILE_OR_URL…`
      : `Register it first (weir model list shows what exists).`;
  report(`unknown-${what}`, message, at, hint);
}

/** The schema of each `file:` input that matched one file. */
async function describeFileInputs({ report }: CheckRun, fileInputs: Record<string, string[]>, inputSchemas: Record<string, ColumnSchema[] | undefined>): Promise<void> {
  for (const [name, files] of Object.entries(fileInputs)) {
    if (files.length !== 1) continue;
    inputSchemas[name] = await describeFile(files[0]!).catch((e: unknown) => {
      // Other read failures are the run's to report; text that is not UTF-8 has a known way out.
      const notUtf8 = notUtf8Failure(e, `input '${name}': ${files[0]}`);
      if (notUtf8) report('not-utf8', notUtf8.message, ['inputs', name], notUtf8.hint);
      return undefined;
    });
  }
}

/**
 * One step, in order: its settings with the parameters' defaults, its kind's `check()` with
 * its inputs' schemas, unknown parameters in its SQL file, and (for sql) its output's schema
 * for the steps after it.
 */
async function checkStep({ spec, ctx, report, inferSchemas }: CheckRun, stepName: string, inputSchemas: Record<string, ColumnSchema[] | undefined>, outputSchemas: Record<string, ColumnSchema[] | undefined>): Promise<void> {
  const step = spec.steps[stepName]!;
  const kind = getStepKind(step.kind);
  if (!kind) return;
  const defaults = Object.fromEntries(Object.entries(spec.parameters).map(([n, p]) => [n, p.default]));
  let withDefaults: unknown;
  try {
    withDefaults = kind.substituteParameters ? kind.substituteParameters(step.config, defaults) : substituteDeep(step.config, (ref, text) => (ref.scope === 'parameters' ? spec.parameters[ref.name]?.default : text));
  } catch {
    // A default that cannot stand where it is used (or a parameter without one) is the run's to report.
    return;
  }
  const parsedConfig = kind.configSchema.safeParse(withDefaults);
  if (!parsedConfig.success) return;
  const schemas: Record<string, ColumnSchema[] | undefined> = {};
  for (const [inputName, ref] of Object.entries(step.inputs)) {
    schemas[inputName] = ref.scope === 'inputs' ? inputSchemas[ref.name] : ref.scope === 'steps' ? outputSchemas[`${ref.step}.${ref.output}`] : undefined;
  }
  ctx.onStepInputSchemas?.(stepName, schemas);
  const kindPath = ['steps', stepName, step.kind];
  const parameterProblems = step.kind === 'sql' && typeof parsedConfig.data === 'string' ? sqlParameterProblems(parsedConfig.data, spec) : [];
  for (const problem of parameterProblems) report('unknown-parameter', problem, kindPath, 'Declare it under `parameters:`.');
  let problems;
  try {
    problems = kind.check?.(parsedConfig.data, { pipelineDir: ctx.pipelineDir, inputSchemas: schemas }) ?? [];
  } catch (e) {
    problems = [{ path: [], message: `could not check step '${stepName}': ${(e as Error).message}`, severity: 'warning' as const }];
  }
  for (const problem of problems) {
    const code = /not found/.test(problem.message) ? 'missing-file' : 'step-check';
    report(code, problem.message, [...kindPath, ...problem.path], undefined, problem.severity ?? 'error');
  }
  if (inferSchemas && step.kind === 'sql' && typeof parsedConfig.data === 'string' && !problems.length) {
    // Read once for both checks; a file that cannot be read is the step kind's check to report.
    let text: string | undefined;
    try {
      text = sqlText(parsedConfig.data, spec);
    } catch {
      return;
    }
    // An unknown parameter stays as `${{ … }}` text, which cannot parse: reported above already.
    const syntax = parameterProblems.length ? undefined : await sqlSyntax(text).catch(() => undefined);
    if (syntax) {
      const where = isSqlFile(parsedConfig.data) ? parsedConfig.data.trim() : 'the SQL';
      report('sql-syntax', `${where} line ${syntax.line}: ${syntax.message}`, kindPath, 'DuckDB could not parse this statement; `weir run` would stop here.');
      return;
    }
    const [outputName] = Object.keys(step.outputs);
    if (outputName && Object.values(schemas).every((s) => s !== undefined)) {
      const inferred = await sqlOutputSchema(text, schemas as Record<string, ColumnSchema[]>).catch(() => undefined);
      outputSchemas[`${stepName}.${outputName}`] = inferred?.schema;
      for (const s of inferred?.skipped ?? []) {
        report(
          'sql-not-checked',
          `${isSqlFile(parsedConfig.data) ? parsedConfig.data.trim() : 'the SQL'} line ${s.line}: ${s.what} statement not run while checking (checks never write, attach, install or load); \`weir run\` runs it`,
          kindPath,
          'Checking describes the last statement over empty tables shaped like the inputs and runs only statements that stay inside that database.',
          'warning',
        );
      }
    }
  }
}

function sqlParameterProblems(config: string, spec: PipelineSpec): string[] {
  if (!isSqlFile(config)) return [];
  let text: string;
  try {
    text = readRegularFileSync(path.resolve(spec.dir, config.trim()), 'a SQL file');
  } catch {
    // A missing or special file is the step kind's check to report.
    return [];
  }
  return findExpressions(text)
    .filter((e) => e.ref?.scope === 'parameters' && !(e.ref.name in spec.parameters))
    .map((e) => `${config.trim()} uses ${e.text}, but the pipeline has no parameter '${(e.ref as { name: string }).name}'`);
}

/**
 * Schemas already worked out, by file identity or by SQL and input shapes. The language
 * server checks on every edit; without this each check would start DuckDB again.
 */
const schemaCache = new Map<string, Promise<ColumnSchema[]>>();
const SCHEMA_CACHE_LIMIT = 200;

/** `compute()`'s promise kept in `cache` under `key` (oldest dropped past the limit; a failure is not kept). */
function cachedIn<T>(cache: Map<string, Promise<T>>, key: string, compute: () => Promise<T>): Promise<T> {
  let hit = cache.get(key);
  if (!hit) {
    if (cache.size >= SCHEMA_CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    hit = compute();
    cache.set(key, hit);
    hit.catch(() => cache.delete(key));
  }
  return hit;
}

function specialKindOf(file: string): string | undefined {
  try {
    return specialKind(statSync(file));
  } catch {
    return undefined;
  }
}

function describeFile(file: string): Promise<ColumnSchema[]> {
  const stat = statSync(file);
  return cachedIn(schemaCache, `file\0${file}\0${stat.size}\0${stat.mtimeMs}`, () => describeFileNow(file));
}

async function describeFileNow(file: string): Promise<ColumnSchema[]> {
  return withPrivateDuckDB((connection) => describeRelation(connection, tableReader(file, 'input')), { threads: 1 });
}

/**
 * The columns a sql step will produce, worked out without side effects (steps/sqlCheck.ts),
 * and the statements it did not run.
 */
function sqlOutputSchema(text: string, inputs: Record<string, ColumnSchema[]>): Promise<SqlSchemaResult> {
  return cachedIn(sqlCache, `sql\0${text}\0${JSON.stringify(inputs)}`, () => inferSqlSchema(text, inputs));
}

const sqlCache = new Map<string, Promise<SqlSchemaResult>>();

/** A sql step's SQL as it will run: read from its file, parameters at their defaults. */
function sqlText(config: string, spec: PipelineSpec): string {
  const text = isSqlFile(config) ? readRegularFileSync(path.resolve(spec.dir, config.trim()), 'a SQL file') : config;
  // Inline SQL arrives with its parameters substituted already; a file's are substituted here.
  const defaults = Object.fromEntries(Object.entries(spec.parameters).map(([n, p]) => [n, p.default]));
  return isSqlFile(config) ? substituteSqlParameters(text, defaults, { label: config.trim(), unknown: 'keep' }) : text;
}

/** The statement DuckDB's parser rejects, if any; needs no input schemas (cached like the schemas). */
function sqlSyntax(text: string): Promise<SqlSyntaxError | undefined> {
  return cachedIn(syntaxCache, text, () => findSqlSyntaxError(text));
}

const syntaxCache = new Map<string, Promise<SqlSyntaxError | undefined>>();
