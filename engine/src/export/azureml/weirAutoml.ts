import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { WeirError } from '../../errors';
import { PARQUET_MLTABLE as PARQUET_MLTABLE_TEXT } from './runners';

/**
 * `--automl weir`: the automl step runs as a command job with Weir's own engine, so the
 * cloud run searches exactly as `weir run` does. The export folder's `weir/` gets a copy of
 * the engine bundles (`dist/cli.js`, `dist/worker.js`, `dist/gbdt.wasm`) and DuckDB's Node
 * packages, plus `weir_automl.mjs`, which wraps the step's settings in a one-step pipeline
 * around the job's input and copies the model folder and metrics into the job's outputs.
 */

/** Files of the running engine to copy, as [path under weir/, absolute source]. */
export function copyWeirEngine(): [string, string][] {
  const dist = findDist();
  const files: [string, string][] = [];
  for (const name of ['cli.js', 'worker.js', 'gbdt.wasm']) {
    const file = path.join(dist, name);
    if (!existsSync(file)) throw new WeirError('BAD_INPUT', `--automl weir copies Weir's engine, but ${file} is missing`, { hint: 'Run `npm run build` first.' });
    files.push([`dist/${name}`, file]);
  }
  const require = createRequire(path.join(dist, 'cli.js'));
  // The job runs in a Linux x64 image, so it needs DuckDB's linux-x64 binding whatever this machine is.
  for (const pkg of ['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-linux-x64']) {
    let manifest: string;
    try {
      manifest = require.resolve(`${pkg}/package.json`);
    } catch {
      throw new WeirError('BAD_INPUT', `--automl weir needs the package ${pkg} to copy into the job, and it is not installed here`, { hint: 'Install Weir on Linux x64 (npm ci), or export with --automl azure.' });
    }
    const root = path.dirname(manifest);
    for (const file of walk(root)) files.push([`dist/node_modules/${pkg}/${path.relative(root, file).split(path.sep).join('/')}`, file]);
  }
  return files;
}

function findDist(): string {
  if (path.basename(__dirname) === 'dist' && existsSync(path.join(__dirname, 'cli.js'))) return __dirname;
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'dist');
    if (existsSync(path.join(candidate, 'cli.js'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new WeirError('BAD_INPUT', `--automl weir copies Weir's engine (dist/cli.js), which was not found from ${__dirname}`, { hint: 'Run `npm run build` first.' });
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
}

/** Both runners read a folder input (an MLTable folder) through its data files, as weir run reads a file: input. */
const TABLE_SOURCE = String.raw`function tableSource(p) {
  const abs = path.resolve(p);
  if (!statSync(abs).isDirectory()) return abs;
  const data = readdirSync(abs).filter((n) => /\.(parquet|csv|tsv|json|jsonl|ndjson)$/i.test(n)).sort();
  if (data.length === 0) fail('no data files in input folder ' + abs);
  return data.length === 1 ? path.join(abs, data[0]) : path.join(abs, '*' + path.extname(data[0]));
}`;

export const WEIR_AUTOML_RUNNER = String.raw`// Runs one Weir automl step on Azure Machine Learning (written by weir export azureml --automl weir).
//
// The step's settings (automl/<step>.json) go into a one-step pipeline whose inputs are the
// job's inputs, that pipeline runs with the Weir engine copied beside this file (dist/), and
// the model folder and the metrics JSON are copied to the job's outputs.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, 'dist', 'cli.js');

function fail(message) {
  console.error('weir_automl: ' + message);
  process.exit(2);
}

const args = { inputs: {} };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const [flag, value] = [argv[i], argv[i + 1]];
  if (value === undefined) fail(flag + ' needs a value');
  if (flag === '--input') {
    const eq = value.indexOf('=');
    if (eq < 1) fail('--input takes NAME=PATH, got ' + value);
    args.inputs[value.slice(0, eq)] = value.slice(eq + 1);
  } else if (flag === '--settings' || flag === '--model' || flag === '--metrics') {
    args[flag.slice(2)] = value;
  } else {
    fail('unknown argument ' + flag);
  }
}
if (!args.settings || !args.model || !args.metrics) fail('usage: weir_automl.mjs --settings FILE --input NAME=PATH… --model DIR --metrics FILE');

// A folder input (an MLTable folder) is read through its data files, as weir run reads a file: input.
${TABLE_SOURCE}

const work = mkdtempSync(path.join(os.tmpdir(), 'weir-automl-'));
const settings = JSON.parse(readFileSync(path.resolve(here, args.settings), 'utf8'));
const pipeline = {
  name: 'azureml-automl',
  experiment: 'azureml',
  inputs: Object.fromEntries(Object.entries(args.inputs).map(([name, p]) => [name, 'file:' + tableSource(p)])),
  steps: {
    train: {
      automl: settings,
      inputs: Object.fromEntries(Object.keys(args.inputs).map((name) => [name, '$' + '{{ inputs.' + name + ' }}'])),
    },
  },
};
const pipelineFile = path.join(work, 'automl.pipeline.yaml');
// JSON is YAML, and double-quoted strings keep the expressions intact.
writeFileSync(pipelineFile, JSON.stringify(pipeline, null, 2));

function weir(...rest) {
  const result = spawnSync(process.execPath, [cli, ...rest, '--workspace', work], { stdio: 'inherit' });
  if (result.error) fail(String(result.error));
  if (result.status !== 0) process.exit(result.status ?? 1);
}
weir('run', pipelineFile);
const downloads = path.join(work, 'downloads');
weir('run', 'download', 'latest', 'train.model', '--to', downloads);
weir('run', 'download', 'latest', 'train.metrics', '--to', downloads);
mkdirSync(args.model, { recursive: true });
cpSync(path.join(downloads, 'train.model'), args.model, { recursive: true });
mkdirSync(path.dirname(path.resolve(args.metrics)), { recursive: true });
cpSync(path.join(downloads, 'train.metrics.json'), args.metrics);
rmSync(work, { recursive: true, force: true });
console.log('weir_automl: model in ' + args.model + ', metrics in ' + args.metrics);
`;

/**
 * The score step under `--automl weir`: the model is a Weir model folder, so it is scored with
 * the same copied engine (a one-step pipeline with a `score` step), and the predictions are
 * written as data.parquet plus an MLTable file, as weir_score.py does for MLflow models.
 */
export const WEIR_SCORE_RUNNER = String.raw`// Runs one Weir score step on Azure Machine Learning (written by weir export azureml --automl weir).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, 'dist', 'cli.js');
const MLTABLE = ${JSON.stringify(PARQUET_MLTABLE_TEXT)};

function fail(message) {
  console.error('weir_score: ' + message);
  process.exit(2);
}

const args = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const flag = argv[i];
  if (flag === '--prediction-only') args.predictionOnly = true;
  else if (flag === '--model' || flag === '--data' || flag === '--output') args[flag.slice(2)] = argv[++i];
  else fail('unknown argument ' + flag);
}
if (!args.model || !args.data || !args.output) fail('usage: weir_score.mjs --model DIR --data PATH --output DIR [--prediction-only]');

${TABLE_SOURCE}

const work = mkdtempSync(path.join(os.tmpdir(), 'weir-score-'));
const pipeline = {
  name: 'azureml-score',
  experiment: 'azureml',
  inputs: { model: 'file:' + path.resolve(args.model), data: 'file:' + tableSource(args.data) },
  steps: {
    score: {
      score: args.predictionOnly ? { keep_columns: false } : {},
      inputs: { model: '$' + '{{ inputs.model }}', data: '$' + '{{ inputs.data }}' },
    },
  },
};
const pipelineFile = path.join(work, 'score.pipeline.yaml');
writeFileSync(pipelineFile, JSON.stringify(pipeline, null, 2));

function weir(...rest) {
  const result = spawnSync(process.execPath, [cli, ...rest, '--workspace', work], { stdio: 'inherit' });
  if (result.error) fail(String(result.error));
  if (result.status !== 0) process.exit(result.status ?? 1);
}
weir('run', pipelineFile);
const downloads = path.join(work, 'downloads');
weir('run', 'download', 'latest', 'score.predictions', '--to', downloads);
mkdirSync(args.output, { recursive: true });
cpSync(path.join(downloads, 'score.predictions.parquet'), path.join(args.output, 'data.parquet'));
writeFileSync(path.join(args.output, 'MLTable'), MLTABLE);
rmSync(work, { recursive: true, force: true });
console.log('weir_score: predictions in ' + args.output);
`;
