import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import { WeirError } from '../errors';
import { countRows, describeRelation, sqlIdentifier, sqlString, withConnection } from '../data/duckdb';
import type { ColumnSchema } from '../store/records';
import type { FeatureMatrix } from './api';
import { copyDoubles } from '../data/tables';

/** A feature matrix read from a file, with the label column when one was asked for. */
export interface FeatureTable extends FeatureMatrix {
  featureNames: string[];
  label?: Float32Array;
  weight?: Float32Array;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL.*|BOOLEAN)$/i;

function isParquet(file: string): boolean {
  const ext = path.extname(file).toLowerCase();
  return ext === '.parquet' || ext === '.pq';
}

/**
 * The relation the reader selects from. Parquet is scanned in place (schema and row count come
 * from its footer). A CSV is parsed once, into a temporary table: describing, counting and
 * selecting from `read_csv` would each parse the file again (and `sample_size=-1` sniffs it in
 * full first). Types come from DuckDB's sample; only when a later value does not fit a sampled
 * type is the file read again with types from every row.
 */
async function loadSource(c: DuckDBConnection, file: string): Promise<{ relation: string; drop?: string }> {
  if (isParquet(file)) return { relation: `read_parquet(${sqlString(file)})` };
  const table = sqlIdentifier(`weir_features_${randomBytes(4).toString('hex')}`);
  try {
    await c.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM read_csv(${sqlString(file)}, header=true)`);
  } catch (e) {
    if (!/Conversion Error|Could not convert|CSV Error/i.test((e as Error).message)) throw e;
    await c.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT * FROM read_csv(${sqlString(file)}, header=true, sample_size=-1)`);
  }
  return { relation: table, drop: `DROP TABLE IF EXISTS ${table}` };
}

/**
 * Reads a CSV or Parquet file with DuckDB into the column-major float32 matrix the booster
 * takes: numbers and booleans as values, NULL as NaN. `features` fixes the columns and their
 * order (a model's feature names); otherwise every column but the label, weight and ignored
 * ones is a feature and must be numeric.
 */
export async function readFeatureTable(
  file: string,
  options: { label?: string; weight?: string; features?: string[]; ignore?: string[] } = {},
): Promise<FeatureTable> {
  try {
    await fsp.access(file);
  } catch {
    throw new WeirError('NOT_FOUND', `no such data file: ${file}`);
  }
  return withConnection(async (c) => {
    let loaded: { relation: string; drop?: string };
    let schema: ColumnSchema[];
    try {
      loaded = await loadSource(c, file);
      schema = await describeRelation(c, loaded.relation);
    } catch (e) {
      throw new WeirError('BAD_INPUT', `${file}: could not read it as ${isParquet(file) ? 'Parquet' : 'CSV'}: ${(e as Error).message.split('\n')[0]}`, { cause: e });
    }
    try {
      return await readLoaded(c, file, loaded.relation, schema, options);
    } finally {
      if (loaded.drop) await c.run(loaded.drop).catch(() => undefined);
    }
  });
}

async function readLoaded(
  c: DuckDBConnection,
  file: string,
  source: string,
  schema: ColumnSchema[],
  options: { label?: string; weight?: string; features?: string[]; ignore?: string[] },
): Promise<FeatureTable> {
  const byName = new Map(schema.map((s) => [s.name, s]));
  const need = (name: string, role: string) => {
    const col = byName.get(name);
    if (!col) throw new WeirError('NOT_FOUND', `${file}: no ${role} column '${name}'; columns: ${schema.map((s) => s.name).join(', ')}`);
    if (!NUMERIC.test(col.type)) {
      throw new WeirError('BAD_INPUT', `${file}: ${role} column '${name}' is ${col.type}; Weir's booster needs numbers`, {
        hint: role === 'feature' ? `Encode it first, or leave it out with --ignore ${name}.` : 'Encode it as numbers (0/1 or class codes) first.',
      });
    }
    return col;
  };
  const ignored = new Set([...(options.ignore ?? []), ...(options.label ? [options.label] : []), ...(options.weight ? [options.weight] : [])]);
  for (const name of options.ignore ?? []) {
    if (!byName.has(name)) throw new WeirError('NOT_FOUND', `${file}: no column '${name}' to ignore; columns: ${schema.map((s) => s.name).join(', ')}`);
  }
  const featureCols = options.features ? options.features.map((n) => need(n, 'feature')) : schema.filter((s) => !ignored.has(s.name)).map((s) => need(s.name, 'feature'));
  const labelCol = options.label ? need(options.label, 'label') : undefined;
  const weightCol = options.weight ? need(options.weight, 'weight') : undefined;
  const all = [...featureCols, ...(labelCol ? [labelCol] : []), ...(weightCol ? [weightCol] : [])];
  const rows = await countRows(c, source);
  const cols = featureCols.length;
  const values = new Float32Array(rows * cols);
  const label = labelCol ? new Float32Array(rows) : undefined;
  const weight = weightCol ? new Float32Array(rows) : undefined;
  if (all.length > 0 && rows > 0) {
    const select = all.map((col, i) => `coalesce(${sqlIdentifier(col.name)}::DOUBLE, 'NaN'::DOUBLE) AS c${i}`).join(', ');
    const result = await c.stream(`SELECT ${select} FROM ${source}`);
    let offset = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const n = chunk.rowCount;
      for (let j = 0; j < cols; j++) copyDoubles(chunk.getColumnVector(j), n, values, j * rows + offset);
      if (label) copyDoubles(chunk.getColumnVector(cols), n, label, offset);
      if (weight) copyDoubles(chunk.getColumnVector(cols + 1), n, weight, offset);
      offset += n;
    }
  }
  return { rows, cols, values, featureNames: featureCols.map((col) => col.name), label, weight };
}
