import fsp from 'node:fs/promises';
import path from 'node:path';
import type { CliArgs, CliCommand } from '../command';
import { WeirError } from '../../errors';
import { loadXGBoostJSON, train } from '../../gbdt';
import type { EvalSet } from '../../gbdt/api';
import { parseParamRecord } from '../../gbdt/params';
import { f32Number } from '../../gbdt/booster';
import { readFeatureTable } from '../../gbdt/readFeatureTable';
import { withConnection, sqlString } from '../../data/duckdb';
import { writeFileAtomic } from '../../store/durableFiles';

/**
 * `weir gbdt train` and `weir gbdt predict`: the WebAssembly booster on its own, with
 * XGBoost's parameter names, for people who want just the booster and for checking it from
 * outside (the model file is XGBoost's JSON, so Python's xgboost can load it).
 */

function list(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

function paramRecord(values: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list(values)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new WeirError('BAD_INPUT', `--param '${item}' is not KEY=VALUE`, { hint: 'For example --param max_depth=4 --param eta=0.1' });
    const key = item.slice(0, eq).trim();
    if (key in out) throw new WeirError('BAD_INPUT', `--param ${key} is given twice`);
    out[key] = item.slice(eq + 1).trim();
  }
  return out;
}

function requiredString(args: CliArgs, name: string, usage: string): string {
  const v = args.values[name];
  if (typeof v !== 'string' || v === '') throw new WeirError('BAD_INPUT', `--${name} is required`, { hint: `Usage: weir ${usage}` });
  return v;
}

/** Writes beside the target and renames, so an existing file is never left half-written. */
function writeAtomically(file: string, text: string): Promise<void> {
  return writeFileAtomic(path.dirname(path.resolve(file)), file, text);
}

const TRAIN_USAGE = 'gbdt train DATA --label COL [--param k=v]… [--weight COL] [--ignore COL]… [--eval DATA] --out MODEL.json';

const trainCommand: CliCommand = {
  path: ['gbdt', 'train'],
  usage: 'DATA --label COL [--param k=v]… [--weight COL] [--ignore COL]… [--eval DATA] --out MODEL.json',
  summary: 'Trains gradient-boosted trees (XGBoost parameters, plus num_boost_round) on a CSV or Parquet file; writes XGBoost JSON.',
  options: {
    label: { type: 'string' },
    param: { type: 'string', multiple: true },
    weight: { type: 'string' },
    ignore: { type: 'string', multiple: true },
    eval: { type: 'string' },
    out: { type: 'string' },
  },
  async run(args, io) {
    if (args.positionals.length !== 1) throw new WeirError('BAD_INPUT', 'expected one DATA file', { hint: `Usage: weir ${TRAIN_USAGE}` });
    const labelName = requiredString(args, 'label', TRAIN_USAGE);
    const out = path.resolve(requiredString(args, 'out', TRAIN_USAGE));
    const params = parseParamRecord(paramRecord(args.values.param));
    const dataFile = path.resolve(args.positionals[0]);
    const weightName = typeof args.values.weight === 'string' ? args.values.weight : undefined;
    const t0 = performance.now();
    const data = await readFeatureTable(dataFile, { label: labelName, weight: weightName, ignore: list(args.values.ignore) });
    const evals: EvalSet[] = [];
    if (typeof args.values.eval === 'string') {
      const evalFile = path.resolve(args.values.eval);
      const e = await readFeatureTable(evalFile, { label: labelName, weight: weightName, features: data.featureNames });
      evals.push({ name: 'eval', data: { ...e, label: e.label as Float32Array } });
    }
    const t1 = performance.now();
    const result = train({ ...data, label: data.label as Float32Array }, params, evals);
    const t2 = performance.now();
    await writeAtomically(out, result.booster.toXGBoostJSONText());
    const summary = {
      model: out,
      rows: data.rows,
      features: data.cols,
      trees: result.booster.numTrees,
      readSeconds: Number(((t1 - t0) / 1000).toFixed(3)),
      trainSeconds: Number(((t2 - t1) / 1000).toFixed(3)),
      bestIteration: result.bestIteration,
      bestScore: result.bestScore,
      evalHistory: result.evalHistory,
    };
    if (args.json) io.json(summary);
    else {
      io.out(`Trained ${summary.trees} trees on ${data.rows} rows × ${data.cols} features in ${summary.trainSeconds} s (read ${summary.readSeconds} s).`);
      for (const [metric, values] of Object.entries(result.evalHistory.eval ?? {})) {
        io.out(`  eval ${metric}: ${values[values.length - 1]?.toFixed(6)} (last), best round ${result.bestIteration ?? '-'}`);
      }
      io.out(`Model: ${out}`);
    }
    result.booster.dispose();
    return 0;
  },
};

const PREDICT_USAGE = 'gbdt predict MODEL.json DATA --out FILE [--margin] [--iteration-end N]';

const predictCommand: CliCommand = {
  path: ['gbdt', 'predict'],
  usage: 'MODEL.json DATA --out FILE [--margin] [--iteration-end N]',
  summary: 'Predicts with an XGBoost JSON model (Weir’s or XGBoost’s) on a CSV or Parquet file; writes CSV or Parquet.',
  options: {
    out: { type: 'string' },
    margin: { type: 'boolean' },
    'iteration-end': { type: 'string' },
  },
  async run(args, io) {
    if (args.positionals.length !== 2) throw new WeirError('BAD_INPUT', 'expected MODEL.json and DATA', { hint: `Usage: weir ${PREDICT_USAGE}` });
    const out = path.resolve(requiredString(args, 'out', PREDICT_USAGE));
    const modelFile = path.resolve(args.positionals[0]);
    let text: string;
    try {
      text = await fsp.readFile(modelFile, 'utf8');
    } catch {
      throw new WeirError('NOT_FOUND', `no such model file: ${modelFile}`);
    }
    let booster;
    try {
      booster = loadXGBoostJSON(text);
    } catch (e) {
      if (e instanceof WeirError) throw new WeirError(e.code, `${modelFile}: ${e.message}`, { hint: e.hint });
      throw e;
    }
    let iterationEnd: number | undefined;
    if (args.values['iteration-end'] !== undefined) {
      iterationEnd = Number(args.values['iteration-end']);
      if (!Number.isInteger(iterationEnd) || iterationEnd < 1) throw new WeirError('BAD_INPUT', `--iteration-end ${String(args.values['iteration-end'])} is not a positive integer`);
    }
    const names = booster.model.featureNames;
    const data = await readFeatureTable(path.resolve(args.positionals[1]), names ? { features: names } : {});
    const pred = booster.predict(data, { outputMargin: args.values.margin === true, iterationEnd });
    const K = booster.numClass;
    const header = K === 1 ? ['prediction'] : Array.from({ length: K }, (_, k) => `class_${k}`);
    const lines = [header.join(',')];
    for (let r = 0; r < data.rows; r++) {
      const row: string[] = [];
      for (let k = 0; k < K; k++) row.push(String(f32Number(pred[r * K + k])));
      lines.push(row.join(','));
    }
    const csv = `${lines.join('\n')}\n`;
    const ext = path.extname(out).toLowerCase();
    if (ext === '.parquet' || ext === '.pq') {
      const tmpCsv = `${out}.${process.pid}.csv`;
      const tmpParquet = `${out}.${process.pid}.tmp`;
      try {
        await fsp.writeFile(tmpCsv, csv);
        await withConnection((c) => c.run(`COPY (SELECT * FROM read_csv(${sqlString(tmpCsv)}, header=true, columns={${header.map((h) => `'${h}': 'FLOAT'`).join(', ')}})) TO ${sqlString(tmpParquet)} (FORMAT parquet)`));
        await fsp.rename(tmpParquet, out);
      } finally {
        await fsp.rm(tmpCsv, { force: true });
        await fsp.rm(tmpParquet, { force: true });
      }
    } else {
      await writeAtomically(out, csv);
    }
    if (args.json) io.json({ out, rows: data.rows, columns: header });
    else io.out(`Wrote ${data.rows} predictions (${header.join(', ')}) to ${out}`);
    booster.dispose();
    return 0;
  },
};

export const gbdtCommands: CliCommand[] = [trainCommand, predictCommand];
