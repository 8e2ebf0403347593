/**
 * The article's data prep on 10,000,000 Titanic-like rows: examples/titanic/dataprep.sql
 * through Weir's `sql` step (DuckDB) against the article's pandas code
 * (bench/dataprep_pandas.py), on the same generated CSV, in the same run.
 *
 *   npm run bench -- dataprep            (ROWS=1000000 npm run bench -- dataprep for a quick look)
 *
 * Both read the CSV, prepare it and write the result: DuckDB writes Parquet as the article
 * does; pandas writes CSV because Debian's python3 has no pyarrow. DuckDB is also timed from
 * the Parquet snapshot that `weir dataset register` makes of the same table, which is what a
 * run reads. Each side also reports the prep alone, without reading and writing.
 * Bar (DESIGN §7): DuckDB ≥ 10× faster.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sqlString, withPrivateDuckDB } from '../engine/src/data/duckdb';
import { splitStatements, sqlStep } from '../engine/src/steps/sqlStep';
import type { StepContext } from '../engine/src/steps/stepKind';
import { python } from '../test/helpers/paths';

const root = path.resolve(__dirname, '..', '..');
const cache = path.join(root, 'bench', '.cache');
const rows = Number(process.env.ROWS ?? 10_000_000);
const csv = path.join(cache, `titanic-like-${rows}.csv`);
const parquet = path.join(cache, `titanic-like-${rows}.parquet`);
const exampleDir = path.join(root, 'examples', 'titanic');

/** A table with Titanic's columns, types and rough distributions (20% missing ages, a few missing ports). */
async function generate(): Promise<void> {
  if (existsSync(csv) && existsSync(parquet)) return;
  mkdirSync(cache, { recursive: true });
  const started = Date.now();
  const partial = `${csv}.partial`;
  await withPrivateDuckDB(async (c) => {
    await c.run('SELECT setseed(0.42)');
    await c.run(`COPY (
      SELECT
        i + 1 AS PassengerId,
        (random() < 0.38)::INT AS Survived,
        CASE WHEN random() < 0.24 THEN 1 WHEN random() < 0.27 THEN 2 ELSE 3 END AS Pclass,
        'Passenger, Mr. No ' || i AS Name,
        CASE WHEN random() < 0.647 THEN 'male' ELSE 'female' END AS Sex,
        CASE WHEN random() < 0.199 THEN NULL ELSE round(greatest(0.42, least(80, 29.7 + 14.5 * sqrt(-2 * ln(random() + 1e-12)) * cos(2 * pi() * random()))), 1) END AS Age,
        floor(random() * random() * 5)::INT AS SibSp,
        floor(random() * random() * 4)::INT AS Parch,
        'T' || (i % 100000) AS Ticket,
        CASE WHEN random() < 0.001 THEN NULL ELSE round(least(512.3292, -ln(random() + 1e-9) * 32), 4) END AS Fare,
        CASE WHEN random() < 0.77 THEN NULL ELSE 'C' || (i % 150) END AS Cabin,
        CASE WHEN random() < 0.002 THEN NULL WHEN random() < 0.72 THEN 'S' WHEN random() < 0.68 THEN 'C' ELSE 'Q' END AS Embarked
      FROM range(${rows}) t(i)
    ) TO ${sqlString(partial)} (HEADER, DELIMITER ',')`);
  });
  renameSync(partial, csv);
  await withPrivateDuckDB((c) => c.run(`COPY (SELECT * FROM read_csv(${sqlString(csv)})) TO ${sqlString(parquet)} (FORMAT parquet)`));
  console.log(`generated ${rows.toLocaleString()} rows (${(statSync(csv).size / 1e6).toFixed(0)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s → ${path.relative(root, csv)}`);
}

/** Examples/titanic/dataprep.sql through the real `sql` step: views, the query, Parquet out. */
async function duckdbEndToEnd(input: string): Promise<{ seconds: number; outRows: number }> {
  const outDir = path.join(cache, 'dataprep-duckdb');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const ctx = {
    runId: 'bench',
    experiment: 'bench',
    stepName: 'dataprep',
    pipelineDir: exampleDir,
    inputs: { titanic: { path: input, ref: { hash: '', kind: 'file', path: csv, bytes: 0 } } },
    params: {},
    outDir,
    outputNames: { prepped: 'parquet' },
    log: () => undefined,
    signal: new AbortController().signal,
    concurrency: os.availableParallelism(),
  } as unknown as StepContext;
  const started = performance.now();
  const result = await sqlStep.run('dataprep.sql', ctx);
  const seconds = (performance.now() - started) / 1000;
  const outRows = await withPrivateDuckDB(async (c) => Number((await c.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM read_parquet(${sqlString(result.outputs.prepped!)})`)).getRowObjectsJson()[0]!.n));
  return { seconds, outRows };
}

/** The prep alone: the table already in memory, the result kept in memory. */
async function duckdbPrepOnly(): Promise<number> {
  const sql = readFileSync(path.join(exampleDir, 'dataprep.sql'), 'utf8');
  return withPrivateDuckDB(async (c) => {
    await c.run(`CREATE TABLE titanic AS SELECT * FROM read_csv(${sqlString(csv)})`);
    const statements = splitStatements(sql);
    const started = performance.now();
    for (const s of statements.slice(0, -1)) await c.run(s.text);
    await c.run(`CREATE TABLE prepped AS ${statements[statements.length - 1]!.text}`);
    return (performance.now() - started) / 1000;
  });
}

function pandasAvailable(): boolean {
  try {
    execFileSync(python, ['-c', 'import pandas, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  console.log(`dataprep: ${rows.toLocaleString()} rows, ${os.availableParallelism()} cores, DuckDB vs pandas (${python})`);
  await generate();
  const duck = await duckdbEndToEnd(csv);
  console.log(`duckdb  end to end (read CSV, prep, write Parquet): ${duck.seconds.toFixed(2)} s, ${duck.outRows.toLocaleString()} rows out`);
  // A registered dataset is a Parquet snapshot, so this is what `weir run` does with titanic_ds.
  const duckParquet = await duckdbEndToEnd(parquet);
  console.log(`duckdb  from the Parquet snapshot (as weir run):    ${duckParquet.seconds.toFixed(2)} s`);
  const duckPrep = await duckdbPrepOnly();
  console.log(`duckdb  prep only:                                  ${duckPrep.toFixed(2)} s`);
  if (!pandasAvailable()) {
    console.log(`pandas: skipped — ${python} cannot import pandas (install python3-pandas, or set WEIR_PYTHON)`);
    return;
  }
  const out = path.join(cache, 'dataprep-pandas.csv');
  const started = performance.now();
  const r = spawnSync(python, [path.join(root, 'bench', 'dataprep_pandas.py'), csv, out], { encoding: 'utf8' });
  const pandasSeconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`pandas prep failed: ${r.stderr}`);
  const times = Object.fromEntries([...r.stdout.matchAll(/(\w+)_s=([\d.]+)/g)].map((m) => [m[1], Number(m[2])]));
  console.log(`pandas  end to end (read CSV, prep, write CSV):     ${pandasSeconds.toFixed(2)} s (read ${times.read} s, prep ${times.prep} s, write ${times.write} s)`);
  console.log(`pandas  prep only:                                  ${times.prep!.toFixed(2)} s`);
  const ratio = pandasSeconds / duck.seconds;
  const parquetRatio = pandasSeconds / duckParquet.seconds;
  const prepRatio = times.prep! / duckPrep;
  const verdict = (r: number) => `${r.toFixed(1)}× (bar ≥ 10×: ${r >= 10 ? 'met' : 'NOT met'})`;
  console.log(`ratio   end to end, both from CSV: ${verdict(ratio)}; as weir run (Parquet snapshot): ${verdict(parquetRatio)}; prep only: ${prepRatio.toFixed(1)}×`);
  rmSync(out, { force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
