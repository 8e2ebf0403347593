// `npm run bench -- gbdt`: Weir's WebAssembly boosting against native XGBoost (Python,
// tree_method=hist, nthread=1) on the same data in the same run.
//
// Data: 1,000,000 training rows × 20 float features plus a 200,000-row holdout, generated
// deterministically (about 5% NaN, a non-linear binary target), written once as raw float32
// files under bench/.cache/gbdt/ so Python reads them with numpy.fromfile.
// Work: 100 trees (max_depth 6, eta 0.3, max_bin 256, binary:logistic) on the training
// rows, then prediction of all 1,000,000 training rows; holdout AUC for quality.
// Each side runs in its own fresh process so its peak RSS is its own.
// Bars (issue 3): train and predict time ≤ 1.5× native, |ΔAUC| ≤ 0.002.
//
// Then a small-data table like AutoML's trials: 10,000 rows × 20 features, lossguide trees of
// 4 to 256 leaves, CPU time of Weir and XGBoost training the same configuration.
//
// Options: --rows=N (training rows, default 1,000,000), --trees=N (default 100).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { train } from '../engine/src/gbdt';
import { binaryAuc } from '../engine/src/gbdt/metrics';
import { mulberry32 } from '../engine/src/util/mulberry32';
import type { GbdtParams } from '../engine/src/gbdt/api';
import { runReferences, writeF32 } from '../test/gbdt/reference';
import { python } from '../test/helpers/paths';

const root = process.cwd();
const arg = (name: string, fallback: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : fallback;
};
const ROWS = arg('rows', 1_000_000);
const HOLDOUT = Math.round(ROWS / 5);
const COLS = 20;
const TREES = arg('trees', 100);
const params = { objective: 'binary:logistic', max_depth: 6, eta: 0.3, max_bin: 256 } as const;
const dir = path.join(root, 'bench', '.cache', `gbdt-${ROWS}`);

/** A view over the file's buffer, not reference.ts's copy, so Weir's measured peak RSS holds the data once. */
function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

/** Column-major features and labels; the signal is the same one the parity test uses. */
function generate(rows: number, seed: number, cols = COLS): { x: Float32Array; y: Float32Array } {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = rand() < 0.05 ? NaN : gauss();
  const y = new Float32Array(rows);
  const v = (f: number, i: number) => {
    const a = x[f * rows + i];
    return Number.isNaN(a) ? 0 : a;
  };
  for (let i = 0; i < rows; i++) {
    const s = v(0, i) + 0.5 * v(1, i) * v(1, i) - v(2, i) * v(3, i) + 0.3 * Math.sin(3 * v(4, i)) + 0.2 * v(5, i) * v(6, i);
    y[i] = s + gauss() > 0.5 ? 1 : 0;
  }
  return { x, y };
}

function ensureData(): void {
  if (existsSync(path.join(dir, 'holdout_y.bin'))) return;
  mkdirSync(dir, { recursive: true });
  const t = generate(ROWS, 1);
  writeF32(path.join(dir, 'train_x.bin'), t.x);
  writeF32(path.join(dir, 'train_y.bin'), t.y);
  const h = generate(HOLDOUT, 2);
  writeF32(path.join(dir, 'holdout_x.bin'), h.x);
  writeF32(path.join(dir, 'holdout_y.bin'), h.y);
}

/** The Weir side, in a child process: load, train, predict, report JSON on stdout. */
function weirChild(): void {
  const x = readF32(path.join(dir, 'train_x.bin'));
  const y = readF32(path.join(dir, 'train_y.bin'));
  const hx = readF32(path.join(dir, 'holdout_x.bin'));
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const t0 = performance.now();
  const c0 = cpu();
  const { booster } = train({ rows: ROWS, cols: COLS, values: x, label: y }, { ...params, num_boost_round: TREES });
  const t1 = performance.now();
  const c1 = cpu();
  const pred = booster.predict({ rows: ROWS, cols: COLS, values: x });
  const t2 = performance.now();
  const c2 = cpu();
  const holdoutPred = booster.predict({ rows: HOLDOUT, cols: COLS, values: hx });
  writeF32(path.join(dir, 'weir_holdout_pred.bin'), holdoutPred);
  writeFileSync(path.join(dir, 'weir_model.json'), booster.toXGBoostJSONText());
  process.stdout.write(
    JSON.stringify({
      trainSeconds: (t1 - t0) / 1000,
      trainCpuSeconds: c1 - c0,
      predictSeconds: (t2 - t1) / 1000,
      predictCpuSeconds: c2 - c1,
      predCheck: pred[0],
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

function main(): void {
  if (process.argv.includes('--weir-child')) return weirChild();
  const t0 = performance.now();
  ensureData();
  console.log(`data: ${ROWS.toLocaleString('en')} train + ${HOLDOUT.toLocaleString('en')} holdout rows × ${COLS} features in ${path.relative(root, dir)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(`work: ${TREES} trees, max_depth 6, eta 0.3, max_bin 256, binary:logistic; predict ${ROWS.toLocaleString('en')} rows; one thread each`);

  const child = spawnSync(process.execPath, [process.argv[1], '--weir-child', ...process.argv.slice(2)], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`Weir run failed:\n${child.stderr}`);
  const weir = JSON.parse(child.stdout) as { trainSeconds: number; trainCpuSeconds: number; predictSeconds: number; predictCpuSeconds: number; maxRssMb: number };

  const job = {
    dir,
    cols: COLS,
    train: { x: 'train_x.bin', y: 'train_y.bin', rows: ROWS },
    test: { x: 'train_x.bin', rows: ROWS },
    holdout: { x: 'holdout_x.bin', rows: HOLDOUT },
    params: { ...params },
    num_boost_round: TREES,
    out: path.join(dir, 'native_result.json'),
  };
  writeFileSync(path.join(dir, 'job.json'), JSON.stringify(job));
  execFileSync(python, [path.join(root, 'test', 'gbdt', 'xgboostReference.py'), path.join(dir, 'job.json')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const native = JSON.parse(readFileSync(job.out, 'utf8')) as {
    train_seconds: number;
    train_cpu_seconds: number;
    predict_seconds: number;
    predict_cpu_seconds: number;
    max_rss_mb: number;
  };

  const holdoutY = readF32(path.join(dir, 'holdout_y.bin'));
  const weirHoldout = readF32(path.join(dir, 'weir_holdout_pred.bin'));
  const nativeHoldout = readF32(path.join(dir, 'native_holdout_pred.bin'));
  const aucWeir = binaryAuc(weirHoldout, holdoutY);
  const aucNative = binaryAuc(nativeHoldout, holdoutY);
  let maxDiff = 0;
  for (let i = 0; i < weirHoldout.length; i++) maxDiff = Math.max(maxDiff, Math.abs(weirHoldout[i] - nativeHoldout[i]));
  // The bars are judged on CPU time (user + system of each single-threaded process): on a
  // shared machine wall time mostly measures the neighbours. Wall time is printed too.
  const trainRatio = weir.trainCpuSeconds / native.train_cpu_seconds;
  const predictRatio = weir.predictCpuSeconds / native.predict_cpu_seconds;
  const dAuc = aucWeir - aucNative;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  const rows = [
    ['', 'Weir (WASM)', 'XGBoost (native)', 'ratio', 'bar'],
    ['train CPU (s)', weir.trainCpuSeconds.toFixed(2), native.train_cpu_seconds.toFixed(2), `${trainRatio.toFixed(2)}×`, `≤ 1.5× ${verdict(trainRatio <= 1.5)}`],
    ['predict CPU (s)', weir.predictCpuSeconds.toFixed(2), native.predict_cpu_seconds.toFixed(2), `${predictRatio.toFixed(2)}×`, `≤ 1.5× ${verdict(predictRatio <= 1.5)}`],
    ['train wall (s)', weir.trainSeconds.toFixed(2), native.train_seconds.toFixed(2), `${(weir.trainSeconds / native.train_seconds).toFixed(2)}×`, ''],
    ['predict wall (s)', weir.predictSeconds.toFixed(2), native.predict_seconds.toFixed(2), `${(weir.predictSeconds / native.predict_seconds).toFixed(2)}×`, ''],
    ['peak RSS (MB)', weir.maxRssMb.toFixed(0), native.max_rss_mb.toFixed(0), `${(weir.maxRssMb / native.max_rss_mb).toFixed(2)}×`, ''],
    ['holdout AUC', aucWeir.toFixed(5), aucNative.toFixed(5), `Δ ${dAuc >= 0 ? '+' : ''}${dAuc.toFixed(5)}`, `|Δ| ≤ 0.002 ${verdict(Math.abs(dAuc) <= 0.002)}`],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  '));
  console.log(`max |Weir − XGBoost| over the holdout probabilities: ${maxDiff.toExponential(2)}`);
  if (trainRatio > 1.5 || predictRatio > 1.5 || Math.abs(dAuc) > 0.002) process.exitCode = 1;
  smallData();
}

/** AutoML-sized trainings: per configuration, CPU seconds of Weir (here) and XGBoost (Python). */
function smallData(): void {
  const rows = 10_000;
  const { x, y } = generate(rows, 3);
  const configs: [number, number][] = [
    [4, 200],
    [16, 200],
    [64, 100],
    [256, 50],
  ];
  const jobs = configs.map(([leaves, rounds]) => {
    const params: GbdtParams = { objective: 'binary:logistic', grow_policy: 'lossguide', max_depth: 0, max_leaves: leaves, eta: 0.1, num_boost_round: rounds };
    const jobDir = path.join(root, 'bench', '.cache', `gbdt-small-${leaves}`);
    mkdirSync(jobDir, { recursive: true });
    return { dir: jobDir, train: { rows, cols: COLS, values: x, label: y }, test: { rows, cols: COLS, values: x }, params };
  });
  const weirCpu = jobs.map((job) => {
    const before = process.cpuUsage();
    train(job.train, job.params).booster.dispose();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1e6;
  });
  const native = runReferences(jobs);
  console.log(`\nsmall data: ${rows.toLocaleString('en')} rows × ${COLS} features, lossguide, eta 0.1 (CPU seconds, training only)`);
  const table = [['max_leaves × trees', 'Weir', 'XGBoost', 'ratio']];
  configs.forEach(([leaves, rounds], i) => {
    const n = native[i].trainCpuSeconds ?? NaN;
    table.push([`${leaves} × ${rounds}`, weirCpu[i].toFixed(3), n.toFixed(3), `${(weirCpu[i] / n).toFixed(2)}×`]);
  });
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const r of table) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  '));
}

main();
