// `npm run bench -- gbdt-trial`: what one AutoML booster trial costs on a small table.
//
// For each table of ../shared/data that is present (--tables=, default Life expectancy,
// regression, 1,649 rows; Soybean, 19 classes, 683 rows; also titanic, spam), featurized as
// AutoML does and split in 5 folds: every configuration of the booster's portfolio fitted on each fold as a trial
// does (XGBoostRegressor/Classifier `fit`: held-out share, early stopping, refit), with the
// wall and CPU time per trial, the rounds the held-out fit ran, the round early stopping
// chose and the trees in the final model.
//
// First, always (synthetic data, no files needed): tables shaped like those two against Debian's
// XGBoost 1.7.4 (`hist`, nthread=1) training the same configuration, CPU seconds of training
// each, Weir's best of 3 (and its model equal to XGBoost's: the largest prediction gap).
//
// Options: --tables=life,soybean,titanic,spam  --configs=0,1,2 (portfolio indices; default all)
//          --reference-only / --trials-only
//          --compare-refit: each configuration also without the refit on all rows (the held-out
//          fit's best rounds kept), its out-of-fold score and CPU time beside the refit's
//          --compare-median: each configuration with every fold's refit at its own pick of rounds
//          against the median of the folds' picks (what a trial does for regression)
//          --tables= also takes diamonds, churn and, from --extra=DIR (default $TMPDIR/weir-tables, written
//          by bench/automl_quality_tables.py DIR NAME…), fair_affairs, randhie, diabetes, boston
//          (regression), flights_delay, movies_imdb, football, jobs, disasters (regression, from node_modules/vega-datasets) and fair_any, anes96_vote, anes96_pid, modechoice, breast_cancer (classification)
//          --extra-configs=JSON;JSON: configurations added after the portfolio
//          --fold-seed=N: the folds' seed (default 1)
//          --curve[=STEP]: (regression) how the choice of rounds scores: every fold's held-out curve and a
//          fit on all of its rows, both to n_estimators, and from them (the first R trees of a fit are an
//          R-round fit) the out-of-fold score (and with --test-split the test score) of each rule: the
//          median of the folds' early-stopping picks (a trial's), the held-out curves summed over the
//          folds (each fold stopped at 1, 2, 4 × the patience past its own best, or never), the round of
//          the best out-of-fold score every STEP rounds (default 10; xgb.cv's choice, optimistic by that
//          choice) and all n_estimators. A configuration may set max_depth (> 0: depthwise trees of
//          that depth, as the family then fits them)
//          --test-split=S: as automl-quality does, hold out a seeded 20% test split (stratified for
//          classification; its split seed S), featurize and fold the other 80%, and print beside each
//          configuration's CV score the test score of its bagged fold models (what a trial's model is)
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { earlyStoppingSplit, fitBooster, type XGBoostModel, xgboostClassifier, xgboostRegressor } from '../engine/src/automl/families/xgboost';
import { encodeLabel, fitFeaturizer, transform } from '../engine/src/automl/featurize';
import type { ColumnarTable } from '../engine/src/automl/types';
import { readTableFile } from '../engine/src/automl/model/tableFiles';
import { type Fold, kFold, stratifiedKFold } from '../engine/src/automl/splitFolds';
import { gatherRows } from '../engine/src/automl/families/familyUtils';
import { computeMetrics } from '../engine/src/automl/metrics';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { train } from '../engine/src/gbdt';
import type { FeatureMatrix, GbdtParams } from '../engine/src/gbdt/api';
import { mulberry32 } from '../engine/src/util/mulberry32';
import { hasPythonXGBoost, runReferences } from '../test/gbdt/reference';
import { args, devDataDir, flag, repoRoot } from './benchFlags';
import { benchSplit, selectRows } from './benchSplit';

const devData = devDataDir;
const wantedTables = (flag('tables') ?? 'life,soybean').split(',');
const wantedConfigs = flag('configs')?.split(',').map(Number);

const tables = [
  { name: 'life', file: 'Life_Expectancy_Data.csv', label: 'Life expectancy', task: 'regression' as const },
  { name: 'soybean', file: 'Soybean.csv', label: 'Class', task: 'classification' as const },
  { name: 'titanic', file: path.join('..', 'titanic.csv'), label: 'Survived', task: 'classification' as const },
  { name: 'spam', file: 'spam.csv', label: 'type', task: 'classification' as const },
  { name: 'diamonds', file: 'diamonds.csv', label: 'price', task: 'regression' as const },
  { name: 'churn', file: 'Churn_Modelling.csv', label: 'Exited', task: 'classification' as const },
  ...['fair_affairs:affairs', 'randhie:mdvis', 'diabetes:progression', 'boston:MEDV'].map((x) => {
    const [name, label] = x.split(':');
    return { name, file: path.join(flag('extra') ?? path.join(os.tmpdir(), 'weir-tables'), `${name}.csv`), label, task: 'regression' as const };
  }),
  // vega-datasets' tables (the automl-quality bench's vega and more sets).
  ...[['flights_delay', 'flights-5k.json', 'delay'], ['movies_imdb', 'movies.json', 'IMDB Rating'], ['football', 'football.json', 'home_score'], ['jobs', 'jobs.json', 'perc'], ['disasters', 'disasters.csv', 'Deaths']].map(([name, file, label]) => ({
    name,
    file: path.join(repoRoot, 'node_modules', 'vega-datasets', 'data', file),
    label,
    task: 'regression' as const,
  })),
  ...['fair_any:affair', 'anes96_vote:vote', 'anes96_pid:PID', 'modechoice:choice', 'breast_cancer:diagnosis'].map((x) => {
    const [name, label] = x.split(':');
    return { name, file: path.join(flag('extra') ?? path.join(os.tmpdir(), 'weir-tables'), `${name}.csv`), label, task: 'classification' as const };
  }),
];

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};

/** ~Life expectancy: 1,300 rows, 18 continuous features (many distinct values) and 5 binary, a noisy non-linear target. */
function lifeLike(rows: number): { values: Float32Array; label: Float32Array; cols: number } {
  const cols = 23;
  const rand = mulberry32(11);
  const values = new Float32Array(rows * cols);
  for (let f = 0; f < cols; f++) for (let i = 0; i < rows; i++) values[f * rows + i] = f < 18 ? Math.round(rand() * 1000 * (1 + f)) / 10 : rand() < 0.3 ? 1 : 0;
  const label = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const x = (f: number) => values[f * rows + i] / (100 * (1 + f));
    label[i] = 60 + 10 * Math.sin(3 * x(0)) + 8 * x(1) * x(2) - 5 * x(3) + 4 * values[18 * rows + i] + 3 * (x(4) > 0.5 ? 1 : 0) + 2 * (rand() - 0.5);
  }
  return { values, label, cols };
}

/** ~Soybean: 546 rows, 90 binary (one-hot) features, 19 classes each set off by a few features. */
function soybeanLike(rows: number, classes: number): { values: Float32Array; label: Float32Array; cols: number } {
  const cols = 90;
  const rand = mulberry32(12);
  const label = Float32Array.from({ length: rows }, () => Math.floor(rand() * classes));
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < cols; f++) {
      const own = f % classes === label[i] || (f * 7) % classes === label[i];
      values[f * rows + i] = rand() < (own ? 0.8 : 0.1) ? 1 : 0;
    }
  }
  return { values, label, cols };
}

/** Weir's training CPU seconds (best of 3, after a warm-up) against XGBoost's, same data and parameters. */
function againstReference(): void {
  if (!hasPythonXGBoost()) {
    console.log('reference: python3 with xgboost not found, skipped');
    return;
  }
  const life = lifeLike(1300);
  const soy = soybeanLike(546, 19);
  const cases: { name: string; data: { values: Float32Array; label: Float32Array; cols: number }; rows: number; params: GbdtParams }[] = [
    { name: '1,300 × 23, reg, 127 leaves, eta 0.03, 300 rounds', data: life, rows: 1300, params: { objective: 'reg:squarederror', grow_policy: 'lossguide', max_depth: 0, max_leaves: 127, eta: 0.03, num_boost_round: 300 } },
    { name: '1,300 × 23, reg, 31 leaves, eta 0.1, 300 rounds', data: life, rows: 1300, params: { objective: 'reg:squarederror', grow_policy: 'lossguide', max_depth: 0, max_leaves: 31, eta: 0.1, num_boost_round: 300 } },
    { name: '546 × 90, 19 classes, 31 leaves, eta 0.1, 100 rounds', data: soy, rows: 546, params: { objective: 'multi:softprob', num_class: 19, grow_policy: 'lossguide', max_depth: 0, max_leaves: 31, eta: 0.1, num_boost_round: 100 } },
  ];
  const jobs = cases.map((c, i) => {
    const dir = path.join(process.cwd(), 'bench', '.cache', `gbdt-trial-ref-${i}`);
    mkdirSync(dir, { recursive: true });
    return { dir, train: { rows: c.rows, cols: c.data.cols, values: c.data.values, label: c.data.label }, test: { rows: c.rows, cols: c.data.cols, values: c.data.values }, params: c.params };
  });
  const weir = jobs.map((job) => {
    let best = Infinity;
    let pred: Float32Array | undefined;
    for (let rep = 0; rep < 4; rep++) {
      const before = process.cpuUsage();
      const { booster } = train(job.train, job.params);
      const used = process.cpuUsage(before);
      if (rep > 0) best = Math.min(best, (used.user + used.system) / 1e6);
      pred ??= booster.predict(job.test);
      booster.dispose();
    }
    return { cpu: best, pred: pred! };
  });
  const native = runReferences(jobs);
  console.log(`\nWeir against XGBoost 1.7.4 (hist, nthread=1), training CPU seconds, same data and parameters (load ${loadavg()})`);
  const table = [['case', 'Weir', 'XGBoost', 'ratio', 'max |Δ pred|']];
  cases.forEach((c, i) => {
    const n = native[i].trainCpuSeconds ?? NaN;
    let gap = 0;
    const np = native[i].nativePred!;
    for (let j = 0; j < np.length; j++) gap = Math.max(gap, Math.abs(np[j] - weir[i].pred[j]));
    table.push([c.name, weir[i].cpu.toFixed(3), n.toFixed(3), `${(weir[i].cpu / n).toFixed(2)}×`, gap.toExponential(1)]);
  });
  const widths = table[0].map((_, col) => Math.max(...table.map((r) => r[col].length)));
  for (const r of table) console.log(r.map((cell, col) => cell.padEnd(widths[col])).join('  '));
}

interface TrialRun {
  wallMs: number;
  cpuMs: number;
  stateMs: number;
  treesPerFold: number;
  score: number;
  fits: string[];
  /** The bagged fold models' score on the test split (with --test-split). */
  test?: number;
}

/** One booster trial as AutoML runs it: the configuration fitted on every fold, scored on the out-of-fold predictions. */
function trial(
  task: 'regression' | 'classification',
  X: FeatureMatrix,
  y: Float32Array,
  numClasses: number | undefined,
  folds: Fold[],
  params: Record<string, number | string>,
  refit: boolean,
  median = refit,
  test?: { X: FeatureMatrix; y: Float32Array },
): TrialRun {
  const width = t2width(task, numClasses);
  const oof = new Float64Array(y.length * width);
  const testPred = test ? new Float64Array(test.y.length * width) : undefined;
  const run: TrialRun = { wallMs: 0, cpuMs: 0, stateMs: 0, treesPerFold: 0, score: NaN, fits: [] };
  let stateCpu = 0;
  const w0 = performance.now();
  const c0 = cpu();
  const fitArgs = (f: number) => ({ task, X: gatherRows(X, folds[f].train), y: Float32Array.from(folds[f].train, (i) => y[i]), numClasses, params, seed: 1 + f });
  // As a trial does (runTrial): a regression booster's folds are refitted with the median of their picks.
  const staged = median && task === 'regression' ? xgboostRegressor.staged! : undefined;
  const picks = staged ? folds.map((_, f) => staged.pick(fitArgs(f))) : [];
  const rounds = picks.flatMap((p) => ('rounds' in p ? [p.rounds] : [])).sort((a, b) => a - b);
  const medianRounds = rounds[(rounds.length - 1) >> 1];
  for (let f = 0; f < folds.length; f++) {
    const fold = folds[f];
    const stage = picks[f];
    const model = (!stage ? fitBooster(fitArgs(f), { refit }) : 'model' in stage ? stage.model : staged!.refit(fitArgs(f), medianRounds)) as XGBoostModel;
    const pred = model.predict(gatherRows(X, fold.valid));
    fold.valid.forEach((r, i) => oof.set(pred.subarray(i * width, (i + 1) * width), r * width));
    if (test && testPred) {
      const tp = model.predict(test.X);
      for (let k = 0; k < testPred.length; k++) testPred[k] += tp[k] / folds.length;
    }
    const info = model.fitInfo;
    if (info) run.fits.push(`${info.rounds}${info.bestIteration !== undefined ? `/${info.bestIteration + 1}` : ''}${info.refitRounds !== undefined ? `+${info.refitRounds}` : ''}`);
    // The kept trial's models are serialised too (when they rank among the best); timed apart.
    const s0 = performance.now();
    const sc0 = cpu();
    const state = model.state() as { model: { learner: { gradient_booster: { model: { trees: unknown[] } } } } };
    run.stateMs += performance.now() - s0;
    stateCpu += cpu() - sc0;
    run.treesPerFold += state.model.learner.gradient_booster.model.trees.length / folds.length;
    model.dispose();
  }
  run.wallMs = performance.now() - w0 - run.stateMs;
  run.cpuMs = cpu() - c0 - stateCpu;
  const m = computeMetrics(task === 'classification' ? { task, yTrue: y, pred: oof, numClasses: width } : { task, yTrue: y, pred: oof });
  run.score = Number(task === 'classification' ? m.AUC_weighted : m.r2_score);
  if (test && testPred) {
    const tm = computeMetrics(task === 'classification' ? { task, yTrue: test.y, pred: testPred, numClasses: width } : { task, yTrue: test.y, pred: testPred });
    run.test = Number(task === 'classification' ? tm.AUC_weighted : tm.r2_score);
  }
  return run;
}

/** The booster parameters the family fits a regression configuration with (families/xgboost.ts gbdtParams). */
function regParams(params: Record<string, number | string>, rounds: number, seed: number, y: Float32Array): GbdtParams {
  const n = (k: string, d: number) => (params[k] === undefined ? d : Number(params[k]));
  const depth = n('max_depth', 0);
  let mean = 0;
  for (const v of y) mean += v / y.length;
  return {
    objective: 'reg:squarederror',
    num_boost_round: rounds,
    eta: n('learning_rate', 0.1),
    ...(depth > 0 ? { grow_policy: 'depthwise' as const, max_depth: depth, max_leaves: 0 } : { grow_policy: 'lossguide' as const, max_depth: 0, max_leaves: Math.round(n('max_leaves', 4)) }),
    min_child_weight: n('min_child_weight', 1),
    subsample: n('subsample', 1),
    colsample_bytree: n('colsample_bytree', 1),
    alpha: n('reg_alpha', 0),
    lambda: n('reg_lambda', 1),
    seed,
    base_score: mean,
  };
}

function r2(yTrue: Float32Array, pred: Float64Array): number {
  let mean = 0;
  for (const v of yTrue) mean += v / yTrue.length;
  let ss = 0;
  let st = 0;
  for (let i = 0; i < yTrue.length; i++) {
    ss += (yTrue[i] - pred[i]) ** 2;
    st += (yTrue[i] - mean) ** 2;
  }
  return 1 - ss / st;
}

/**
 * --curve (see the file's comment): every fold's held-out curve (the whole n_estimators) and a fit
 * on all of its rows for the whole n_estimators; each rule's rounds are then scored from those fits
 * (their first R trees are an R-round fit: same seed, same draws): out-of-fold r2 and the bagged
 * fold models' test r2.
 */
function curveTrial(X: FeatureMatrix, y: Float32Array, folds: Fold[], params: Record<string, number | string>, step: number, test?: { X: FeatureMatrix; y: Float32Array }): string {
  const cap = Math.round(Number(params.n_estimators ?? 100));
  const eta = Number(params.learning_rate ?? 0.1);
  const patience = Math.max(10, Math.min(50, Math.round(2 / Math.max(eta, 1e-3))));
  const foldY = (f: number) => Float32Array.from(folds[f].train, (i) => y[i]);
  const c0 = cpu();
  const curves: number[][] = [];
  const scale: number[] = [];
  const fulls: { valid: FeatureMatrix; booster: ReturnType<typeof train>['booster'] }[] = [];
  for (let f = 0; f < folds.length; f++) {
    const Xf = gatherRows(X, folds[f].train);
    const yf = foldY(f);
    const { fit: fitRows, hold } = earlyStoppingSplit(yf, false, 1 + f);
    const data = { rows: fitRows.length, cols: Xf.cols, values: Xf.values, featureNames: Xf.featureNames, label: Float32Array.from(fitRows, (i) => yf[i]), rowIndex: fitRows };
    const Xh = gatherRows(Xf, hold);
    const evals = [{ name: 'valid', data: { rows: hold.length, cols: Xh.cols, values: Xh.values, featureNames: Xh.featureNames, label: Float32Array.from(hold, (i) => yf[i]) } }];
    const res = train(data, regParams(params, cap, 1 + f, data.label), evals);
    curves.push(res.evalHistory.valid.rmse.map((r) => r * r * hold.length));
    scale.push(yf.length / fitRows.length);
    res.booster.dispose();
    const full = train({ rows: Xf.rows, cols: Xf.cols, values: Xf.values, featureNames: Xf.featureNames, label: yf }, regParams(params, cap, 1 + f, yf)).booster;
    fulls.push({ valid: gatherRows(X, folds[f].valid), booster: full });
  }
  const cache = new Map<string, { cv: number; test: number }>();
  /** CV and test r2 with fold f's model cut to rounds[f]. */
  const score = (rounds: number[]) => {
    const key = rounds.join(',');
    const hit = cache.get(key);
    if (hit) return hit;
    const oof = new Float64Array(y.length);
    const tp = test ? new Float64Array(test.y.length) : undefined;
    fulls.forEach(({ valid, booster }, f) => {
      const r = Math.max(1, Math.min(cap, rounds[f]));
      const p = booster.predict(valid, { iterationEnd: r });
      folds[f].valid.forEach((row, i) => (oof[row] = p[i]));
      if (test && tp) {
        const q = booster.predict(test.X, { iterationEnd: r });
        for (let k = 0; k < q.length; k++) tp[k] += q[k] / folds.length;
      }
    });
    const out = { cv: r2(y, oof), test: test && tp ? r2(test.y, tp) : NaN };
    cache.set(key, out);
    return out;
  };
  /** Where early stopping with this patience stops a curve (its length) and the best round within. */
  const stop = (c: number[], pat: number) => {
    let best = 0;
    for (let r = 1; r < c.length; r++) {
      if (c[r] < c[best]) best = r;
      else if (r - best >= pat) return { len: r + 1, best };
    }
    return { len: c.length, best };
  };
  const scaled = (best: number, f: number) => Math.max(1, Math.round((best + 1) * scale[f]));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
  const rules: [string, number[]][] = [];
  // (a) today: each fold's early-stopping pick, scaled; every fold refitted with their median.
  const picks = curves.map((c, f) => scaled(stop(c, patience).best, f));
  rules.push([`median of picks`, folds.map(() => median(picks))]);
  // (b) the folds' held-out squared errors summed over the rounds every fold reached (patience × k), argmin.
  for (const k of [1, 2, 4, Infinity]) {
    const len = Math.min(...curves.map((c) => stop(c, k * patience).len));
    let best = 0;
    for (let r = 1; r < len; r++) if (curves.reduce((s, c) => s + c[r], 0) < curves.reduce((s, c) => s + c[best], 0)) best = r;
    rules.push([`summed ×${k}`, folds.map((_, f) => scaled(best, f))]);
  }
  // (c) xgb.cv: the round of the best out-of-fold score of the full fits (every `step` rounds).
  let bestC = step;
  for (let r = step; r <= cap; r += step) if (score(folds.map(() => r)).cv > score(folds.map(() => bestC)).cv) bestC = r;
  rules.push([`oof argmax`, folds.map(() => bestC)]);
  rules.push([`cap`, folds.map(() => cap)]);
  const out = rules.map(([name, rounds]) => {
    const s = score(rounds);
    return `${name} ${rounds[0]}: ${s.cv.toFixed(5)}${test ? `/${s.test.toFixed(5)}` : ''}`;
  });
  for (const { booster } of fulls) booster.dispose();
  return `rounds rule (refit rounds of fold 1: CV${test ? '/test' : ''}) — ${out.join(' · ')} (${((cpu() - c0) / 1000).toFixed(1)} CPU s)`;
}

function t2width(task: string, numClasses: number | undefined): number {
  return task === 'regression' ? 1 : numClasses && numClasses > 2 ? numClasses : 2;
}

async function main(): Promise<void> {
  if (!args.includes('--trials-only')) againstReference();
  if (args.includes('--reference-only')) return;
  const compareRefit = args.includes('--compare-refit');
  const foldSeed = Number(flag('fold-seed') ?? 1);
  for (const t of tables.filter((x) => wantedTables.includes(x.name))) {
    const file = path.resolve(devData, t.file);
    if (!existsSync(file)) {
      console.log(`${t.name}: ${file} is absent, skipped`);
      continue;
    }
    const whole = await readTableFile(file);
    const testSplit = flag('test-split');
    let table = whole;
    let testTable: ColumnarTable | undefined;
    if (testSplit !== undefined) {
      const parts = benchSplit(whole, t.label, t.task, Number(testSplit));
      table = selectRows(whole, parts.train);
      testTable = selectRows(whole, parts.test);
    }
    // All the table's rows unless --test-split (the automl-quality bench trains on 80% of them): the cost is what matters.
    const fitted = fitFeaturizer(table, t.label, { mode: 'auto' }, { task: t.task });
    const test = testTable
      ? { X: transform(fitted.state, testTable), y: encodeLabel(testTable.columns.find((c) => c.name === t.label)!, t.task, testTable.rows).y.values }
      : undefined;
    const X = fitted.X;
    const y = fitted.y.values;
    const numClasses = fitted.y.classes?.length;
    const folds = t.task === 'classification' ? stratifiedKFold(y, 5, foldSeed) : kFold(y.length, 5, foldSeed);
    const family = t.task === 'classification' ? xgboostClassifier : xgboostRegressor;
    const portfolio = family.portfolio!(t.task, { rows: folds[0].train.length, features: X.cols });
    for (const c of flag('extra-configs')?.split(';') ?? []) portfolio.push(JSON.parse(c) as Record<string, number>);
    console.log(`\n${t.name}: ${X.rows} rows × ${X.cols} features, ${t.task}${numClasses ? `, ${numClasses} classes` : ''}, 5 folds (seed ${foldSeed}), load ${loadavg()}`);
    console.log(`config                      trial wall ms  CPU ms  state() ms  trees/fold  score${compareRefit ? '    | no refit: CPU ms  score    Δ score' : ''}`);
    if (args.includes('--compare-median')) {
      // The refit's rounds per fold (each fold's own pick) against the median of the folds' picks (what a trial does).
      let sumOwn = 0;
      let sumMedian = 0;
      let n = 0;
      portfolio.forEach((params, ci) => {
        if (wantedConfigs && !wantedConfigs.includes(ci)) return;
        const own = trial(t.task, X, y, numClasses, folds, params, true, false);
        const med = trial(t.task, X, y, numClasses, folds, params, true, true);
        sumOwn += own.score;
        sumMedian += med.score;
        n++;
        console.log(`#${ci} ${params.max_leaves}l lr${params.learning_rate}: own ${own.score.toFixed(5)} [${own.fits.join(' ')}]  median ${med.score.toFixed(5)} [${med.fits.join(' ')}]  Δ ${(med.score - own.score >= 0 ? '+' : '') + (med.score - own.score).toFixed(5)}`);
      });
      console.log(`${t.name} fold seed ${foldSeed}: mean own ${(sumOwn / n).toFixed(5)}, median ${(sumMedian / n).toFixed(5)}, Δ ${(sumMedian - sumOwn >= 0 ? '+' : '') + ((sumMedian - sumOwn) / n).toFixed(5)}`);
      continue;
    }
    let total = 0;
    let diff = 0;
    let cpuRatio = 0;
    let n = 0;
    portfolio.forEach((params, ci) => {
      if (wantedConfigs && !wantedConfigs.includes(ci)) return;
      const r = trial(t.task, X, y, numClasses, folds, params, true, true, test);
      total += r.wallMs;
      const desc = `${params.n_estimators}r lr${params.learning_rate} ${params.max_depth ? `d${params.max_depth}` : `${params.max_leaves}l`}${params.objective ? ` ${String(params.objective).slice(0, 3)}${params.tweedie_variance_power ?? ''}` : ''}`;
      let line = `#${ci} ${desc.padEnd(30)} ${r.wallMs.toFixed(0).padStart(13)}  ${r.cpuMs.toFixed(0).padStart(6)}  ${r.stateMs.toFixed(0).padStart(10)}  ${r.treesPerFold.toFixed(0).padStart(10)}  ${r.score.toFixed(5)}${r.test !== undefined ? `  test ${r.test.toFixed(5)}` : ''}`;
      if (compareRefit) {
        const q = trial(t.task, X, y, numClasses, folds, params, false);
        line += `  |           ${q.cpuMs.toFixed(0).padStart(6)}  ${q.score.toFixed(5)}  ${(q.score - r.score >= 0 ? '+' : '') + (q.score - r.score).toFixed(5)}`;
        diff += q.score - r.score;
        cpuRatio += q.cpuMs / r.cpuMs;
        n++;
      }
      console.log(line);
      console.log(`    rounds run/best+refit per fold: ${r.fits.join(' ')}`);
      if (args.some((a) => a.startsWith('--curve')) && t.task === 'regression') console.log(`    ${curveTrial(X, y, folds, params, Number(flag('curve') ?? 10) || 10, test)}`);
    });
    console.log(`${t.name}: all configurations ${total.toFixed(0)} ms wall${n ? `; without the refit: mean Δ score ${diff / n >= 0 ? '+' : ''}${(diff / n).toFixed(5)}, mean CPU ${(cpuRatio / n).toFixed(2)}×` : ''}`);
  }
}


function loadavg(): string {
  return os.loadavg().map((x) => x.toFixed(1)).join(' ');
}

void main();
