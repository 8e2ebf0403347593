import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extraTrees, randomForest } from '../engine/src/automl/families/treeFamilies';
import { fitFeaturizer } from '../engine/src/automl/featurize';
import { computeMetrics } from '../engine/src/automl/metrics';
import { readTableFile } from '../engine/src/automl/model/tableFiles';
import type { FeatureMatrix } from '../engine/src/gbdt/api';
import type { ModelFamily } from '../engine/src/automl/types';
import { mulberry32 } from '../engine/src/util/mulberry32';
import { python } from '../test/helpers/paths';
import { args, devDataDir, flag, repoRoot } from './benchFlags';

/**
 * `npm run bench -- forest`: Weir's RandomForest and ExtremeRandomTrees (the CART builder of
 * engine/src/automl/families/cart.ts) against scikit-learn's RandomForest/ExtraTrees with
 * n_jobs=1, on the same featurized matrix in the same run: fit CPU seconds of one fold-sized
 * fit (80% of the table), test metric on the other 20%, and the ratio Weir / scikit-learn.
 *
 * Both fit scikit-learn's default configuration: full depth,
 * min_samples_leaf 1, √p features per split for classification and all for regression.
 * Tables: Titanic (in the repository) and, from ../shared/data/automl-dev (skipped with a line
 * when absent), soybean (546 training rows, 19 classes, categorical), letter (16k training rows,
 * 26 classes) and diamonds (43k rows, regression).
 *
 * Flags: `--tables=letter,diamonds`, `--trees=100`, `--seed=0`, `--data=DIR`, `--weir-only`.
 */
const root = repoRoot;
const devData = devDataDir;
const trees = Number(flag('trees') ?? 100);
const seed = Number(flag('seed') ?? 0);
const weirOnly = args.includes('--weir-only');
const cacheDir = path.join(root, 'bench', '.cache', 'forest');

interface BenchTable {
  name: string;
  file: string;
  label: string;
  task: 'classification' | 'regression';
}
const TABLES: BenchTable[] = [
  { name: 'titanic', file: path.join(root, 'examples', 'titanic', 'data', 'titanic.csv'), label: 'Survived', task: 'classification' },
  { name: 'soybean', file: path.join(devData, 'Soybean.csv'), label: 'Class', task: 'classification' },
  { name: 'letter', file: path.join(devData, 'LetterRecognition.csv'), label: 'lettr', task: 'classification' },
  { name: 'diamonds', file: path.join(devData, 'diamonds.csv'), label: 'price', task: 'regression' },
];
const wanted = (flag('tables') ?? 'titanic,soybean,letter,diamonds').split(',').filter(Boolean);

function pickRows(X: FeatureMatrix, rows: number[]): FeatureMatrix {
  const n = rows.length;
  const values = new Float32Array(n * X.cols);
  for (let j = 0; j < X.cols; j++) for (let i = 0; i < n; i++) values[j * n + i] = X.values[j * X.rows + rows[i]];
  return { rows: n, cols: X.cols, values, featureNames: X.featureNames };
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function main(): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  console.log(`forest bench: ${trees} trees, seed ${seed}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const lines: string[] = [];
  for (const t of TABLES.filter((x) => wanted.includes(x.name))) {
    if (!existsSync(t.file)) {
      console.log(`--- ${t.name}: ${path.relative(root, t.file)} is absent, skipped ---`);
      continue;
    }
    const table = await readTableFile(t.file);
    const fitted = fitFeaturizer(table, t.label, { mode: 'auto' }, { task: t.task });
    const X = fitted.X;
    const y = fitted.y.values;
    const k = t.task === 'classification' ? (fitted.y.classes?.length ?? 2) : 0;
    const rand = mulberry32(seed * 31 + 7);
    const order = Array.from({ length: X.rows }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const nTest = Math.round(X.rows * 0.2);
    const testRows = order.slice(0, nTest).sort((a, b) => a - b);
    const trainRows = order.slice(nTest).sort((a, b) => a - b);
    const Xtr = pickRows(X, trainRows);
    const Xte = pickRows(X, testRows);
    const ytr = Float32Array.from(trainRows, (i) => y[i]);
    const yte = Float32Array.from(testRows, (i) => y[i]);
    console.log(`--- ${t.name}: ${Xtr.rows} train × ${X.cols} features, ${Xte.rows} test, ${t.task}${k ? `, ${k} classes` : ''} ---`);
    const dir = path.join(cacheDir, t.name);
    mkdirSync(dir, { recursive: true });
    const write = (name: string, a: Float32Array) => writeFileSync(path.join(dir, name), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    write('xtr.bin', Xtr.values);
    write('xte.bin', Xte.values);
    write('ytr.bin', ytr);
    write('yte.bin', yte);
    const sqrtShare = Math.sqrt(X.cols) / X.cols;
    for (const [family, sk] of [
      [randomForest, 'rf'],
      [extraTrees, 'et'],
    ] as [ModelFamily, string][]) {
      const params: Record<string, number | string> = { n_estimators: trees, max_depth: 1000, min_samples_leaf: 1, max_features: t.task === 'classification' ? sqrtShare : 1 };
      if (sk === 'rf') params.max_samples = 1;
      const c0 = cpuSeconds();
      const w0 = performance.now();
      const model = family.fit({ task: t.task, X: Xtr, y: ytr, numClasses: k || undefined, params, seed: seed + 1 });
      const fitCpu = cpuSeconds() - c0;
      const fitWall = (performance.now() - w0) / 1000;
      const p0 = performance.now();
      const pred = model.predict(Xte);
      const predictWall = (performance.now() - p0) / 1000;
      const metrics = computeMetrics({ task: t.task, yTrue: yte, pred, numClasses: k || undefined });
      const metricName = t.task === 'classification' ? 'AUC_weighted' : 'r2_score';
      const state = model.state() as { trees: { feature: number[] }[] };
      const nodes = state.trees.reduce((s, tr) => s + tr.feature.length, 0);
      const heap = process.memoryUsage().heapUsed / 1e6;
      const weir = `Weir ${family.name}: fit ${fitCpu.toFixed(2)} CPU s (${fitWall.toFixed(2)} s wall), predict ${predictWall.toFixed(2)} s, ${metricName} ${metrics[metricName].toFixed(4)}, ${(nodes / trees).toFixed(0)} nodes a tree, heap ${heap.toFixed(0)} MB`;
      console.log(`  ${weir}`);
      if (weirOnly) continue;
      const r = spawnSync(python, [path.join(root, 'bench', 'forest_peer.py'), dir, String(Xtr.rows), String(Xte.rows), String(X.cols), t.task, sk, String(trees), String(seed)], { encoding: 'utf8' });
      if (r.status !== 0) {
        console.log(`  scikit-learn failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        continue;
      }
      const peer = JSON.parse(r.stdout.trim().split('\n').pop()!) as { fit_cpu: number; fit_wall: number; predict: number; metric: number };
      console.log(
        `  scikit-learn ${sk === 'rf' ? 'RandomForest' : 'ExtraTrees'} (n_jobs=1): fit ${peer.fit_cpu.toFixed(2)} CPU s (${peer.fit_wall.toFixed(2)} s wall), predict ${peer.predict.toFixed(2)} s, ${metricName} ${peer.metric.toFixed(4)}`,
      );
      const line = `${t.name} ${family.name}: fit CPU ratio Weir / scikit-learn ${(fitCpu / peer.fit_cpu).toFixed(2)}×, ${metricName} Weir − scikit-learn ${(metrics[metricName] - peer.metric >= 0 ? '+' : '') + (metrics[metricName] - peer.metric).toFixed(4)}`;
      console.log(`  ${line}`);
      lines.push(line);
    }
  }
  if (lines.length) console.log(`\nsummary (load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}):\n  ${lines.join('\n  ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
