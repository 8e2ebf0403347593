// `npm run bench -- gbdt-multiclass`: Weir's WebAssembly booster on a 26-class table, per
// boosting round, against Debian's XGBoost 1.7.4 (tree_method hist, nthread 1 and 2) and
// scikit-learn's HistGradientBoostingClassifier on the same rows, in the same run.
//
// Data: ../shared/data/automl-dev/LetterRecognition.csv (20,000 rows × 16 integer features,
// 26 classes; skipped with a message when absent). The rows are what one AutoML fold's booster
// sees: the 80% training split (rows i % 5 ≠ 0), four fifths of it as the fold (12,800
// rows), of which 10% are held out for early stopping: 11,520 fit rows, 1,280 held-out rows.
// Work: the AutoML's booster configurations (engine/src/automl/families/xgboost.ts) —
// lossguide with 31 leaves and depthwise to depth 6, eta 0.1, mlogloss on the held-out rows
// every round (as early stopping evaluates it) — for a fixed number of rounds (--rounds=N,
// default 30) so per-round times compare. Each side runs its configurations back to back;
// Weir's CPU time is its single thread's, the peers' is their process's (OpenMP threads
// included). On this shared 2-core machine wall time mostly measures the neighbours, so the
// ratio is given on CPU and on wall time; say the load (uptime) beside the numbers. The peers
// run with OMP_WAIT_POLICY=PASSIVE (unless set): OpenMP's default spin-waiting (XGBoost
// nthread=2, HistGradientBoosting) on a loaded shared machine inflated their times 10–50×
// (HistGradientBoosting took over 3 s a round), measuring the neighbours rather than the
// library. --weir-only skips the peers.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { train } from '../engine/src/gbdt';
import type { GbdtParams } from '../engine/src/gbdt/api';
import { writeF32 } from '../test/gbdt/reference';
import { python } from '../test/helpers/paths';

const root = process.cwd();
const arg = (name: string, fallback: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : fallback;
};
const ROUNDS = arg('rounds', 30);
const REPEATS = arg('repeats', 2);
const csv = path.resolve(root, '..', 'shared', 'data', 'automl-dev', 'LetterRecognition.csv');
const dir = path.join(root, 'bench', '.cache', 'gbdt-multiclass');

interface Case {
  name: string;
  params: GbdtParams;
  hgb_leaves: number | null;
  hgb_depth: number | null;
}
const common = { objective: 'multi:softprob', num_class: 26, eta: 0.1, max_bin: 256, min_child_weight: 1, lambda: 1, alpha: 1 / 1024 } as const;
const cases: Case[] = [
  { name: 'lossguide, 31 leaves', params: { ...common, grow_policy: 'lossguide', max_depth: 0, max_leaves: 31 }, hgb_leaves: 31, hgb_depth: null },
  { name: 'depthwise, depth 6', params: { ...common, max_depth: 6 }, hgb_leaves: null, hgb_depth: 6 },
];

interface Table {
  x: Float32Array;
  y: Float32Array;
  rows: number;
}

/** The letter table: column-major features, labels as class indices in sorted order. */
function readLetter(): Table & { cols: number } {
  const lines = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
  const rows = lines.map((l) => l.split(','));
  const labels = [...new Set(rows.map((r) => r[0]))].sort();
  const cols = rows[0].length - 1;
  const x = new Float32Array(rows.length * cols);
  const y = new Float32Array(rows.length);
  rows.forEach((r, i) => {
    y[i] = labels.indexOf(r[0]);
    for (let f = 0; f < cols; f++) x[f * rows.length + i] = Number(r[f + 1]);
  });
  return { x, y, rows: rows.length, cols };
}

function take(t: Table, cols: number, ids: number[]): Table {
  const x = new Float32Array(ids.length * cols);
  for (let f = 0; f < cols; f++) ids.forEach((r, i) => (x[f * ids.length + i] = t.x[f * t.rows + r]));
  return { x, y: Float32Array.from(ids, (r) => t.y[r]), rows: ids.length };
}

function main(): void {
  if (!existsSync(csv)) {
    console.log(`gbdt-multiclass: skipped — ${csv} is absent (the shared dev tables are not beside this checkout)`);
    return;
  }
  const all = readLetter();
  const cols = all.cols;
  const trainSplit = Array.from({ length: all.rows }, (_, i) => i).filter((i) => i % 5 !== 0);
  const fold = trainSplit.filter((_, k) => k % 5 !== 0);
  const hold = fold.filter((_, k) => k % 10 === 0);
  const fit = fold.filter((_, k) => k % 10 !== 0);
  const fitT = take(all, cols, fit);
  const holdT = take(all, cols, hold);
  mkdirSync(dir, { recursive: true });
  writeF32(path.join(dir, 'fit_x.bin'), fitT.x);
  writeF32(path.join(dir, 'fit_y.bin'), fitT.y);
  writeF32(path.join(dir, 'hold_x.bin'), holdT.x);
  writeF32(path.join(dir, 'hold_y.bin'), holdT.y);
  console.log(`data: ${path.relative(root, csv)}: ${fitT.rows.toLocaleString('en')} fit rows + ${holdT.rows.toLocaleString('en')} held-out rows × ${cols} features, 26 classes; ${ROUNDS} rounds (26 trees each), eta 0.1, mlogloss on the held-out rows every round`);
  console.log(`load before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const weir = cases.map((c) => {
    let best = { wall: Infinity, cpu: Infinity };
    let mlogloss = NaN;
    let pred: Float32Array = new Float32Array(0);
    for (let rep = 0; rep < REPEATS; rep++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const r = train({ rows: fitT.rows, cols, values: fitT.x, label: fitT.y }, { ...c.params, num_boost_round: ROUNDS, eval_metric: ['mlogloss'] }, [
        { name: 'valid', data: { rows: holdT.rows, cols, values: holdT.x, label: holdT.y } },
      ]);
      const used = process.cpuUsage(c0);
      const wall = (performance.now() - t0) / 1000;
      const cpu = (used.user + used.system) / 1e6;
      if (cpu < best.cpu) best = { wall, cpu };
      mlogloss = r.evalHistory.valid.mlogloss[ROUNDS - 1];
      pred = r.booster.predict({ rows: holdT.rows, cols, values: holdT.x });
      r.booster.dispose();
    }
    return { ...best, mlogloss, pred };
  });

  const job = { dir, cols, fit_rows: fitT.rows, hold_rows: holdT.rows, rounds: ROUNDS, cases: cases.map((c) => ({ name: c.name, params: c.params, hgb_leaves: c.hgb_leaves, hgb_depth: c.hgb_depth })), out: path.join(dir, 'peers.json') };
  writeFileSync(path.join(dir, 'job.json'), JSON.stringify(job));
  let peers: { who: string; case: string; wall: number; cpu: number; mlogloss: number; pred: number[] | null }[] = [];
  if (process.argv.includes('--weir-only')) {
    console.log('peers skipped (--weir-only)');
  } else {
    try {
      const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
      execFileSync(python, [path.join(root, 'bench', 'gbdt_multiclass_peers.py'), path.join(dir, 'job.json')], { stdio: ['ignore', 'inherit', 'inherit'], env });
      peers = (JSON.parse(readFileSync(job.out, 'utf8')) as { results: typeof peers }).results;
    } catch (e) {
      console.log(`peers skipped: ${python} with xgboost and sklearn did not run (${(e as Error).message.split('\n')[0]})`);
    }
  }

  const ms = (s: number) => ((s * 1000) / ROUNDS).toFixed(1);
  const table = [['configuration', 'who', 'CPU ms/round', 'wall ms/round', 'held-out mlogloss', 'Weir ÷ it (CPU)', 'Weir ÷ it (wall)']];
  cases.forEach((c, i) => {
    const w = weir[i];
    table.push([c.name, 'Weir (WASM, 1 thread)', ms(w.cpu), ms(w.wall), w.mlogloss.toFixed(5), '', '']);
    for (const p of peers.filter((p) => p.case === c.name)) {
      table.push(['', p.who, ms(p.cpu), ms(p.wall), p.mlogloss.toFixed(5), `${(w.cpu / p.cpu).toFixed(2)}×`, `${(w.wall / p.wall).toFixed(2)}×`]);
    }
  });
  const widths = table[0].map((_, col) => Math.max(...table.map((r) => r[col].length)));
  console.log();
  for (const r of table) console.log(r.map((cell, col) => cell.padEnd(widths[col])).join('  '));
  cases.forEach((c, i) => {
    const ref = peers.find((p) => p.case === c.name && p.pred);
    if (!ref?.pred) return;
    let maxDiff = 0;
    weir[i].pred.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - (ref.pred as number[])[k]))));
    console.log(`${c.name}: max |Weir − XGBoost nthread=1| over the held-out probabilities: ${maxDiff.toExponential(2)}`);
  });
  console.log(`Weir: best of ${REPEATS} runs by CPU time. load after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main();
