import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bagged, crossFittedBestSingle, crossFittedBestSinglePred, ensembleFolds } from '../engine/src/automl/ensemble/buildEnsembles';
import { gatherPred } from '../engine/src/automl/ensemble/greedySelection';
import { isHigherBetter } from '../engine/src/automl/metrics/metricCatalog';
import { byScore, diversePool } from '../engine/src/automl/ensemble/candidatePool';
import { STACK_MARGIN, STACK_MARGIN_SHARE, chooseModel, pairedFoldSe } from '../engine/src/automl/ensemble/ensembleTrials';
import { weightedAverage } from '../engine/src/automl/ensemble/greedySelection';
import { makeEvaluator } from '../engine/src/automl/evaluation/evaluator';
import { selectRows, splitTestRows } from '../engine/src/automl/evaluation/testSet';
import { cellAsNumber, cellAsString, transform } from '../engine/src/automl/featurize';
import { compareScores } from '../engine/src/automl/metrics';
import { type EstimatorSpec, restoreEstimator } from '../engine/src/automl/model/estimator';
import { loadModel } from '../engine/src/automl/model/loadModel';
import { readTableFile } from '../engine/src/automl/model/tableFiles';
import { prepareTabular } from '../engine/src/automl/prepareData';
import { runAutoML } from '../engine/src/automl/runAutoML';
import type { TrialResult } from '../engine/src/automl/search/runSearch';
import { parseAutoMLConfig, resolveSettings } from '../engine/src/automl/settings';
import type { Task } from '../engine/src/automl/types';
import { python } from '../test/helpers/paths';
import { args, devDataDir, flag, repoRoot } from './benchFlags';
import { ensembleTestPrediction, metricOf, replayEnsembles, replayedTrial } from './ensembleReplay';

/**
 * `npm run bench -- ensemble-choice`: which row should be the model, measured paired on the
 * same trials (docs/automl.md, "Ensembles").
 *
 * Phase 1 (`--run`): per table and split seed, AutoML (`n_cross_validations: 5`, the bench's
 * budget, Weir's seed = the split's) on an 80% split (`splitTestRows`, stratified), then every
 * kept trial's out-of-fold predictions and its bagged model's predictions on the 20% test
 * split are saved to `--dir` (default: weir-ensemble-choice in the OS temp folder).
 * Phase 2 (always, over every saved run): the ensembles are rebuilt from the saved trials by
 * the engine's own `buildEnsembles` (no deadline), the model chosen by `chooseModel`, and each
 * candidate scored once on the test split: the best single trial, the VotingEnsemble, the
 * StackEnsemble, both averaged, the old choice (highest plain score: voting in-sample), the
 * highest honest score, and the choice now. Prints per run, then the mean test − old choice
 * and runs better/worse over all runs, and per table.
 *
 * Also printed per run (stop 27, docs/automl.md "The margin shrunk to 2 standard errors"):
 * the honest scores and test of stack, voting and the single's pick, the rule before the
 * standard-error margin (`before`), other margins (`se*`: max(margin, z SE); `seMin*`:
 * min(margin, z SE)), uniform averages (`top3`, `top5`, each family's best `fam`, 2 best
 * `fam2`) and voting against stack alone (`vsHon`). Runs saved by repeat-bagging (per-shuffle
 * predictions) are read with their first shuffle's. Besides the tables below, small
 * statsmodels tables (framing, ologit_ucla, racd_any, anes96_vote, …) are written by the same script.
 *
 * Flags: `--run` (phase 1 first), `--tables=titanic,churn` (titanic is in the repository; churn,
 * spam, soybean, letter, diamonds, life are read from `--data=DIR`, default
 * ../shared/data/automl-dev, and skipped with a note when absent; penguins and cars come from
 * vega-datasets; breast_cancer, digits, wine, iris, diabetes, boston are written from Debian's
 * python3-sklearn by bench/automl_quality_tables.py, as automl-quality's proxy set, and
 * fair_affairs, randhie from Debian's python3-statsmodels the same way),
 * `--seeds=0,1,2`, `--budget=1` (minutes), `--dir=DIR`.
 */
const root = repoRoot;
const dev = devDataDir;
const vega = path.join(root, 'node_modules', 'vega-datasets', 'data');
const dir = flag('dir') ?? path.join(os.tmpdir(), 'weir-ensemble-choice');
const known: Record<string, [string, string, 'classification' | 'regression']> = {
  titanic: [path.join(root, 'examples', 'titanic', 'data', 'titanic.csv'), 'Survived', 'classification'],
  churn: [path.join(dev, 'Churn_Modelling.csv'), 'Exited', 'classification'],
  spam: [path.join(dev, 'spam.csv'), 'type', 'classification'],
  soybean: [path.join(dev, 'Soybean.csv'), 'Class', 'classification'],
  letter: [path.join(dev, 'LetterRecognition.csv'), 'lettr', 'classification'],
  diamonds: [path.join(dev, 'diamonds.csv'), 'price', 'regression'],
  life: [path.join(dev, 'Life_Expectancy_Data.csv'), 'Life expectancy', 'regression'],
  penguins: [path.join(vega, 'penguins.json'), 'Species', 'classification'],
  cars: [path.join(vega, 'cars.json'), 'Miles_per_Gallon', 'regression'],
};

interface SavedTrial {
  iteration: number;
  algorithm: string;
  score: number;
  oof: number[];
  test: number[];
}
interface SavedRun {
  table: string;
  seed: number;
  task: Task;
  width: number;
  numClasses?: number;
  metric: string;
  yEval: number[];
  yTest: number[];
  trials: SavedTrial[];
}

async function runOne(name: string, seed: number, budget: number): Promise<void> {
  const [file, label, task] = known[name];
  if (!existsSync(file)) {
    console.log(`${name}: skipped, ${file} is absent`);
    return;
  }
  const table = await readTableFile(file);
  const testRows = splitTestRows(table, label, task, 0.2, seed);
  const isTest = new Set(testRows);
  const train = selectRows(table, Uint32Array.from({ length: table.rows }, (_, i) => i).filter((i) => !isTest.has(i)));
  const test = selectRows(table, testRows);
  const config = parseAutoMLConfig({
    task,
    label_column_name: label,
    primary_metric: task === 'classification' ? 'AUC_weighted' : 'r2_score',
    experiment_timeout_minutes: budget,
    n_cross_validations: 5,
    featurization: 'auto',
    seed,
  });
  const out = mkdtempSync(path.join(os.tmpdir(), 'weir-ensemble-choice-run-'));
  try {
    const t0 = performance.now();
    const result = await runAutoML({ config, training: train, outDir: out, log: () => undefined, signal: new AbortController().signal });
    // The same featurization and folds as the run (both are seeded), for the labels in out-of-fold order.
    const settings = resolveSettings(config, { rows: train.rows, hasValidationInput: false, hasTestInput: false });
    const prepared = prepareTabular({ training: train }, settings);
    const evaluator = makeEvaluator({ task, primaryMetric: settings.primaryMetric, y: prepared.y, folds: prepared.folds, numClasses: prepared.classes?.length });
    const model = loadModel(result.modelDir);
    const X = transform(model.artifact.featurizer, test);
    const column = test.columns.find((c) => c.name === label)!;
    const classIndex = new Map((model.artifact.classes ?? []).map((c, i) => [c, i]));
    const yTest = Array.from({ length: test.rows }, (_, i) => (task === 'classification' ? classIndex.get(cellAsString(column, i)!)! : cellAsNumber(column, i)));
    model.dispose();
    const trials = result.leaderboard
      .filter((t) => t.oof && t.states && !t.algorithm.endsWith('Ensemble'))
      .map((t) => {
        if (Math.abs(evaluator.primaryScore(t.oof!) - t.score) > 1e-12) throw new Error(`${name}: iteration ${t.iteration}'s out-of-fold predictions do not give its score (labels out of order)`);
        const estimator = restoreEstimator({ type: 'single', model: bagged(t) }, evaluator.width);
        const pred = estimator.predict(X);
        estimator.dispose();
        return { iteration: t.iteration, algorithm: t.algorithm, score: t.score, oof: Array.from(t.oof!), test: Array.from(pred) };
      });
    const saved: SavedRun = { table: name, seed, task, width: evaluator.width, numClasses: prepared.classes?.length, metric: settings.primaryMetric, yEval: Array.from(evaluator.yEval), yTest, trials };
    writeFileSync(path.join(dir, `${name}-${seed}.json`), JSON.stringify(saved));
    console.log(`${name} seed ${seed}: AutoML ${((performance.now() - t0) / 1000).toFixed(1)} s, ${result.leaderboard.length} rows, ${trials.length} kept trials saved`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** breast_cancer, digits, wine, iris, diabetes, boston (Debian's sklearn), fair_affairs, randhie (its statsmodels): written by bench/automl_quality_tables.py. */
const sklearnTables = ['breast_cancer', 'digits', 'wine', 'iris', 'diabetes', 'boston', 'fair_affairs', 'randhie'];
/** Small tables statsmodels ships (automl-quality's statsmodels and unseen3 sets), written by the same script. */
const statsmodelsTables = ['framing', 'ologit_ucla', 'racd_any', 'anes96_vote', 'anes96_pid', 'modechoice', 'fair_any', 'epil', 'autos', 'dietox'];
const pythonTables = [...sklearnTables, ...statsmodelsTables];

function exportSklearn(names: string[]): void {
  const wanted = names.filter((n) => pythonTables.includes(n));
  if (wanted.length === 0) return;
  const py = spawnSync(python, [path.join(root, 'bench', 'automl_quality_tables.py'), path.join(dir, 'tables'), ...wanted], { encoding: 'utf8' });
  if (py.error || py.status !== 0) {
    console.log(`ensemble-choice: ${wanted.join(', ')} skipped: ${py.error ? `${python} cannot start` : py.stderr.trim().split('\n').pop()}`);
    return;
  }
  for (const t of JSON.parse(py.stdout.trim().split('\n').pop()!) as { name: string; file: string; label: string; task: 'classification' | 'regression' }[]) known[t.name] = [t.file, t.label, t.task];
}

type Scores = Record<string, number>;

/** Every candidate's test score on one saved run, built by the engine's ensemble code. */
async function score(run: SavedRun): Promise<Scores> {
  const yEval = Float64Array.from(run.yEval);
  const yTest = Float64Array.from(run.yTest);
  const metric = metricOf(run);
  const trials: TrialResult[] = run.trials.map((t) => replayedTrial({ ...t, oof: Float64Array.from(t.oof) }, run.width));
  const testPred = new Map(run.trials.map((t) => [t.iteration, Float64Array.from(t.test)]));
  const { args: a, ensembles } = await replayEnsembles(run, trials, yEval);
  const predictTest = (spec: EstimatorSpec) => ensembleTestPrediction(spec, testPred, run.width, yTest.length);
  const best = byScore(run.metric, trials)[0];
  const out: Scores = { single: metric(yTest, testPred.get(best.iteration)!) };
  const preds = new Map<TrialResult, Float64Array>([[best, testPred.get(best.iteration)!]]);
  for (const e of ensembles) {
    const pred = predictTest(e.spec);
    preds.set(e.trial, pred);
    out[e.trial.algorithm === 'VotingEnsemble' ? 'voting' : 'stack'] = metric(yTest, pred);
  }
  const voting = ensembles.find((e) => e.trial.algorithm === 'VotingEnsemble');
  const stack = ensembles.find((e) => e.trial.algorithm === 'StackEnsemble');
  if (voting && stack) out.averaged = metric(yTest, weightedAverage([preds.get(voting.trial)!, preds.get(stack.trial)!], [1, 1]));
  // The old choice: the highest plain score, the voting row's in-sample.
  const inSample = (spec: EstimatorSpec): number =>
    spec.type === 'voting' ? a.primaryScore(weightedAverage(spec.members.map((m) => trials.find((t) => t.iteration === m.model.iteration)!.oof!), spec.members.map((m) => m.weight))) : NaN;
  const plain = [{ t: best, s: best.score }, ...ensembles.map((e) => ({ t: e.trial, s: e.spec.type === 'voting' ? inSample(e.spec) : e.trial.score }))];
  const pick = (rows: { t: TrialResult; s: number }[]) => rows.reduce((p, q) => (compareScores(run.metric, q.s, p.s) < 0 ? q : p)).t;
  out.old = metric(yTest, preds.get(pick(plain))!);
  const single = await crossFittedBestSingle(a);
  if (single !== undefined) {
    out.honest = metric(yTest, preds.get(pick([{ t: best, s: single }, ...ensembles.filter((e) => e.honestScore !== undefined).map((e) => ({ t: e.trial, s: e.honestScore! }))]))!);
  }
  const before = chooseModel(run.metric, ensembles, trials, single)?.trial ?? pick(plain);
  out.before = metric(yTest, preds.get(before)!);
  const singlePred0 = await crossFittedBestSinglePred(a);
  const chosen = chooseModel(run.metric, ensembles, trials, single, { singlePred: singlePred0, pairedSe: pairedFoldSe(a) })?.trial ?? pick(plain);
  out.now = metric(yTest, preds.get(chosen)!);
  if (voting && stack) out.avg3 = metric(yTest, weightedAverage([preds.get(voting.trial)!, preds.get(stack.trial)!, preds.get(best)!], [1, 1, 1]));
  // Uniform averages (no weights fitted): the k best trials, and each family's best.
  const ranked = byScore(run.metric, trials);
  const avgOf = (ts: TrialResult[]) => metric(yTest, weightedAverage(ts.map((t) => testPred.get(t.iteration)!), ts.map(() => 1)));
  out.top3 = avgOf(ranked.slice(0, 3));
  out.top5 = avgOf(ranked.slice(0, 5));
  const fams = diversePool(run.metric, trials, 1, new Set(trials.map((t) => t.algorithm)).size);
  out.fam = avgOf(fams);
  out.fam2 = avgOf(diversePool(run.metric, trials, 2, 2 * fams.length));
  console.log(`  plain: best ${best.score.toFixed(4)}, fam avg ${a.primaryScore(weightedAverage(fams.map((t) => t.oof!), fams.map(() => 1))).toFixed(4)} (${fams.map((t) => t.algorithm).join(',')})`);
  // Variants of the choice by paired fold differences of honest predictions.
  const singleOof = await crossFittedBestSinglePred(a);
  const honestRows: { name: string; t: TrialResult; oof: Float64Array }[] = [];
  if (stack) honestRows.push({ name: 'stack', t: stack.trial, oof: stack.trial.oof! });
  if (voting && voting.honestScore !== undefined) honestRows.push({ name: 'voting', t: voting.trial, oof: voting.trial.oof! });
  if (singleOof) honestRows.push({ name: 'single', t: best, oof: singleOof });
  if (stack && honestRows.length === 3) {
    const sign = isHigherBetter(run.metric) ? 1 : -1;
    const folds = ensembleFolds(a, 303);
    const perFold = honestRows.map((h) => folds.map((f) => sign * a.primaryScore(gatherPred(h.oof, run.width, f.valid), f.valid)));
    const whole = honestRows.map((h) => sign * a.primaryScore(h.oof));
    const se = (i: number, j: number) => {
      const d = perFold[i].map((x, f) => x - perFold[j][f]);
      const m = d.reduce((p, q) => p + q, 0) / d.length;
      return Math.sqrt(d.reduce((p, q) => p + (q - m) ** 2, 0) / (d.length - 1) / d.length);
    };
    const margin = Math.min(STACK_MARGIN, STACK_MARGIN_SHARE * Math.abs((sign > 0 ? 1 : 0) - sign * whole[0]));
    const top = whole.indexOf(Math.max(...whole));
    const pickRule = (z: number, withMargin: boolean) => (top === 0 || whole[top] - whole[0] <= Math.max(withMargin ? margin : 0, z * se(top, 0)) ? 0 : top);
    const test = (i: number) => metric(yTest, preds.get(honestRows[i].t)!);
    out.se05 = test(pickRule(0.5, true));
    out.se1 = test(pickRule(1, true));
    out.se2 = test(pickRule(2, true));
    out.se1nm = test(pickRule(1, false));
    // The stack's margin shrunk to z paired standard errors when those are smaller (a clear loss on the folds).
    const pickMin = (z: number) => (top === 0 || whole[top] - whole[0] <= Math.min(margin, z * se(top, 0)) ? 0 : top);
    out.seMin1 = test(pickMin(1));
    out.seMin2 = test(pickMin(2));
    out.seMin3 = test(pickMin(3));
    // Highest honest among voting and stack only (no single).
    out.vsHon = test(whole[1] > whole[0] ? 1 : 0);
    console.log(`  honest ${honestRows.map((h, i) => `${h.name} ${(sign * whole[i]).toFixed(4)}`).join(', ')}; se(top-stack) ${se(top, 0).toFixed(4)} margin ${margin.toFixed(4)}; test ${honestRows.map((h, i) => `${h.name} ${test(i).toFixed(4)}`).join(', ')}`);
  }
  return out;
}

async function main() {
  mkdirSync(dir, { recursive: true });
  const seeds = (flag('seeds') ?? '0').split(',').map(Number);
  const names = (flag('tables') ?? 'titanic').split(',');
  if (args.includes('--run')) {
    mkdirSync(path.join(dir, 'tables'), { recursive: true });
    exportSklearn(names);
  }
  for (const n of names) if (args.includes('--run') && !known[n]) throw new Error(`--tables: no table '${n}' (have ${Object.keys(known).join(', ')})`);
  if (args.includes('--run')) for (const seed of seeds) for (const name of names) if (known[name]) await runOne(name, seed, Number(flag('budget') ?? 1));
  const runs = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as SavedRun)
    .map((r) => {
      // repeat-bagging's saved runs hold each trial's predictions per fold shuffle: the run's own is the first.
      if (!r.trials.some((t) => Array.isArray(t.oof[0]))) return r;
      const m = metricOf(r);
      const y = Float64Array.from(r.yEval);
      const trials = r.trials.map((t) => {
        const oof = (t.oof as unknown as number[][])[0];
        return { ...t, oof, test: (t.test as unknown as number[][])[0], score: m(y, Float64Array.from(oof)) };
      });
      return { ...r, trials };
    })
    .filter((r) => names.includes(r.table) && seeds.includes(r.seed) && r.trials.length >= 2);
  if (runs.length === 0) {
    console.log(`ensemble-choice: no saved runs in ${dir} for these tables and seeds (add --run)`);
    return;
  }
  const results: { table: string; s: Scores }[] = [];
  for (const run of runs) {
    const s = await score(run);
    results.push({ table: run.table, s });
    console.log(`${run.table.padEnd(9)} seed ${run.seed}: ${Object.entries(s).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
  }
  const keys = Object.keys(results[0].s).filter((k) => results.every((r) => k in r.s));
  console.log(`\n${results.length} runs: mean test, mean − old choice, runs better/worse by more than 0.0001; per table mean − old`);
  for (const k of keys) {
    const d = results.map((r) => r.s[k] - r.s.old);
    const mean = (xs: number[]) => xs.reduce((p, q) => p + q, 0) / xs.length;
    const perTable = [...new Set(results.map((r) => r.table))].map((t) => `${t} ${mean(results.filter((r) => r.table === t).map((r) => r.s[k] - r.s.old)).toFixed(4)}`);
    console.log(
      `${k.padEnd(8)} ${mean(results.map((r) => r.s[k])).toFixed(5)}  ${mean(d) >= 0 ? '+' : ''}${mean(d).toFixed(5)}  ${d.filter((x) => x > 1e-4).length}/${d.filter((x) => x < -1e-4).length}  ${perTable.join(', ')}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
