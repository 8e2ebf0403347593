import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bagged, crossFittedBestSinglePred } from '../engine/src/automl/ensemble/buildEnsembles';
import { byScore } from '../engine/src/automl/ensemble/candidatePool';
import { chooseModel, pairedFoldSe } from '../engine/src/automl/ensemble/ensembleTrials';
import { weightedAverage } from '../engine/src/automl/ensemble/greedySelection';
import { makeEvaluator } from '../engine/src/automl/evaluation/evaluator';
import { selectRows, splitTestRows } from '../engine/src/automl/evaluation/testSet';
import { cellAsNumber, cellAsString, transform } from '../engine/src/automl/featurize';
import { type EstimatorSpec, restoreEstimator } from '../engine/src/automl/model/estimator';
import { readTableFile } from '../engine/src/automl/model/tableFiles';
import { prepareTabular } from '../engine/src/automl/prepareData';
import { runAutoML } from '../engine/src/automl/runAutoML';
import type { TrialResult } from '../engine/src/automl/search/runSearch';
import { parseAutoMLConfig, resolveSettings } from '../engine/src/automl/settings';
import { kFold, stratifiedKFold } from '../engine/src/automl/splitFolds';
import { runTrial } from '../engine/src/automl/trials/runTrial';
import type { Task } from '../engine/src/automl/types';
import { python } from '../test/helpers/paths';
import { args, devDataDir, flag, repoRoot } from './benchFlags';
import { ensembleTestPrediction, metricOf, replayEnsembles, replayedTrial } from './ensembleReplay';

/**
 * `npm run bench -- repeat-bagging`: does refitting the kept trials on more shuffles of the
 * folds (AutoGluon's repeated bagging, `num_bag_sets`) pick a better model on small tables?
 *
 * Phase 1 (`--run`): per table and split seed, AutoML on an 80% split (`splitTestRows`), CPU-bound
 * (`iterations: --iterations`, no time limit, early stopping off, 5 folds, seed = the split's);
 * then every kept trial is refitted in the main thread (runTrial, the workers' code) on `--repeats` − 1 more fold shuffles
 * (seeds seed + 1, …); each repeat's out-of-fold predictions (in the run's out-of-fold order) and
 * its bagged fold models' test predictions are saved to `--dir`, with the repeats' fit time.
 * Phase 2 (always): per saved run, the ensembles rebuilt (buildEnsembles, no deadline) and the
 * model chosen (chooseModel) from the kept trials with their out-of-fold and test predictions
 * averaged over the first R repeats, for the trials a variant repeats ("all×R": every kept
 * trial; "top5fam×R": the 5 best and each family's best), each scored on test against the run
 * as it is ("base"); `:single`, `:voting`, `:stack` are those rows' test scores. Measured and
 * not landed: docs/automl.md, "Repeated bagging on small tables". The `rescore×R`, `rescoreTop×R` and
 * `inputs×R` variants keep the run's own models and use the repeats only to choose (the mean over
 * fold assignments of the trials' scores and the rows' honest scores): docs/automl.md,
 * "Re-scoring the finalists on more fold assignments".
 *
 * Flags: `--run`, `--tables=titanic,diabetes` (titanic, penguins, cars, seattle_weather,
 * weather_location, disasters; soybean from `--data=DIR`; the sklearn and statsmodels tables of bench/automl_quality_tables.py),
 * `--seeds=0,1,2`, `--iterations=100`, `--repeats=3` (shuffles, the run's own included),
 * `--dir=DIR`, `--variants=all,rescore,inputs,meta` (phase 2: `all` = all×R and top5fam×R, `meta` = the rows' honest scores averaged over R draws of the ensembles' own folds, no refits, `rescore` = the choice on the mean over R fold assignments with the run's own models, `inputs` = the ensembles' inputs and the best single picked by the mean; default every one).
 */
const root = repoRoot;
const vega = path.join(root, 'node_modules', 'vega-datasets', 'data');
const dir = flag('dir') ?? path.join(os.tmpdir(), 'weir-repeat-bagging');
const known: Record<string, [string, string, 'classification' | 'regression']> = {
  titanic: [path.join(root, 'examples', 'titanic', 'data', 'titanic.csv'), 'Survived', 'classification'],
  penguins: [path.join(vega, 'penguins.json'), 'Species', 'classification'],
  cars: [path.join(vega, 'cars.json'), 'Miles_per_Gallon', 'regression'],
  seattle_weather: [path.join(vega, 'seattle-weather.csv'), 'weather', 'classification'],
  weather_location: [path.join(vega, 'weather.csv'), 'location', 'classification'],
  soybean: [path.join(devDataDir, 'Soybean.csv'), 'Class', 'classification'],
  disasters: [path.join(vega, 'disasters.csv'), 'Deaths', 'regression'],
};
const pythonTables = ['breast_cancer', 'digits', 'wine', 'iris', 'diabetes', 'boston', 'fair_affairs', 'fair_any', 'anes96_pid', 'anes96_vote', 'modechoice', 'framing', 'ologit_ucla', 'racd_any', 'cancer_counties'];

interface SavedTrial {
  iteration: number;
  algorithm: string;
  score: number;
  /** Per repeat: out-of-fold predictions in the run's out-of-fold order, and the bagged fold models' test predictions. */
  oof: number[][];
  test: number[][];
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
  searchMs: number;
  /** The search's trials' own time, summed. */
  trialMs: number;
  repeatMs: number[];
  trials: SavedTrial[];
}

async function runOne(name: string, seed: number, iterations: number, repeats: number): Promise<void> {
  const [file, label, task] = known[name];
  const table = await readTableFile(file);
  const testRows = splitTestRows(table, label, task, 0.2, seed);
  const isTest = new Set(testRows);
  const train = selectRows(table, Uint32Array.from({ length: table.rows }, (_, i) => i).filter((i) => !isTest.has(i)));
  const test = selectRows(table, testRows);
  const config = parseAutoMLConfig({
    task,
    label_column_name: label,
    primary_metric: task === 'classification' ? 'AUC_weighted' : 'r2_score',
    iterations,
    enable_early_stopping: false,
    n_cross_validations: 5,
    featurization: 'auto',
    seed,
  });
  const out = mkdtempSync(path.join(os.tmpdir(), 'weir-repeat-bagging-run-'));
  try {
    const t0 = performance.now();
    const result = await runAutoML({ config, training: train, outDir: out, log: () => undefined, signal: new AbortController().signal });
    const searchMs = performance.now() - t0;
    const settings = resolveSettings(config, { rows: train.rows, hasValidationInput: false, hasTestInput: false });
    const prepared = prepareTabular({ training: train }, settings);
    const numClasses = prepared.classes?.length;
    const evaluator = makeEvaluator({ task, primaryMetric: settings.primaryMetric, y: prepared.y, folds: prepared.folds, numClasses });
    const width = evaluator.width;
    const Xtest = transform(prepared.featurizer, test);
    const column = test.columns.find((c) => c.name === label)!;
    const classIndex = new Map((prepared.classes ?? []).map((c, i) => [c, i]));
    const yTest = Array.from({ length: test.rows }, (_, i) => (task === 'classification' ? classIndex.get(cellAsString(column, i)!)! : cellAsNumber(column, i)));
    const foldSets = [prepared.folds];
    const classOf = prepared.classes ? Array.from(prepared.y) : undefined;
    for (let r = 1; r < repeats; r++) foldSets.push(classOf ? stratifiedKFold(classOf, prepared.folds.length, seed + r) : kFold(prepared.y.length, prepared.folds.length, seed + r));
    const caches = foldSets.map(() => new Map());
    const repeatMs = foldSets.map(() => 0);
    const kept = result.leaderboard.filter((t) => t.oof && t.states && !t.algorithm.endsWith('Ensemble'));
    const trials: SavedTrial[] = [];
    for (const t of kept) {
      const oofs: number[][] = [];
      const tests: number[][] = [];
      // Repeat 0 is the run's own trial: its out-of-fold predictions, and its fold models' on the test rows.
      const own = restoreEstimator({ type: 'single', model: bagged(t) }, width);
      oofs.push(Array.from(t.oof!));
      tests.push(Array.from(own.predict(Xtest)));
      own.dispose();
      for (let r = 1; r < repeats; r++) {
        const folds = foldSets[r];
        const started = performance.now();
        const { reply, models } = runTrial(
          { task, numClasses, X: prepared.X, y: prepared.y, weight: prepared.weight, folds },
          { iteration: t.iteration, family: t.algorithm, params: t.params, seed: seed * 1000 + t.iteration + 100_000 * r },
          caches[r],
        );
        repeatMs[r] += performance.now() - started;
        // Into the run's out-of-fold order: by row, then gathered by the evaluator's rows.
        const byRow = new Float64Array(prepared.y.length * width);
        let pos = 0;
        for (const f of folds) for (const row of f.valid) for (let c = 0; c < width; c++) byRow[row * width + c] = reply.oof[pos++];
        const oof = new Float64Array(evaluator.evalRows.length * width);
        evaluator.evalRows.forEach((row, i) => {
          for (let c = 0; c < width; c++) oof[i * width + c] = byRow[row * width + c];
        });
        const pred = new Float64Array(test.rows * width);
        for (const m of models) {
          const p = m.predict(Xtest);
          for (let i = 0; i < pred.length; i++) pred[i] += p[i] / models.length;
          m.dispose?.();
        }
        oofs.push(Array.from(oof));
        tests.push(Array.from(pred));
      }
      trials.push({ iteration: t.iteration, algorithm: t.algorithm, score: t.score, oof: oofs, test: tests });
    }
    const saved: SavedRun = { table: name, seed, task, width, numClasses, metric: settings.primaryMetric, yEval: Array.from(evaluator.yEval), yTest, searchMs, trialMs: result.leaderboard.filter((t) => !t.algorithm.endsWith('Ensemble')).reduce((n, t) => n + t.durationMs, 0), repeatMs, trials };
    writeFileSync(path.join(dir, `${name}-${seed}.json`), JSON.stringify(saved));
    const searched = result.leaderboard.filter((t) => t.status === 'Completed' && !t.algorithm.endsWith('Ensemble')).length;
    console.log(
      `${name} seed ${seed}: AutoML ${(searchMs / 1000).toFixed(1)} s (${searched} trials), ${kept.length} kept trials refitted: ${repeatMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')} per repeat; load ${os.loadavg()[0].toFixed(1)}`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function exportPython(names: string[]): void {
  const wanted = names.filter((n) => pythonTables.includes(n));
  if (wanted.length === 0) return;
  const py = spawnSync(python, [path.join(root, 'bench', 'automl_quality_tables.py'), path.join(dir, 'tables'), ...wanted], { encoding: 'utf8' });
  if (py.error || py.status !== 0) throw new Error(`${wanted.join(', ')}: ${py.error?.message ?? py.stderr}`);
  for (const t of JSON.parse(py.stdout.trim().split('\n').pop()!) as { name: string; file: string; label: string; task: 'classification' | 'regression' }[]) known[t.name] = [t.file, t.label, t.task];
}

type Scores = Record<string, number>;

const mean = (xs: number[]) => xs.reduce((p, q) => p + q, 0) / xs.length;

/** The chosen model's test score (and its honest score) with the given trials' predictions averaged over `repeats`. */
async function chooseWith(run: SavedRun, repeats: (t: SavedTrial) => number): Promise<{ now: number; single: number; voting?: number; stack?: number; cv: number; chosen: string }> {
  const yEval = Float64Array.from(run.yEval);
  const yTest = Float64Array.from(run.yTest);
  const metric = metricOf(run);
  const avg = (xs: number[][], r: number) => weightedAverage(xs.slice(0, r).map((x) => Float64Array.from(x)), xs.slice(0, r).map(() => 1));
  const oofOf = new Map<number, Float64Array>();
  const testOf = new Map<number, Float64Array>();
  const trials: TrialResult[] = run.trials.map((t) => {
    const r = Math.min(repeats(t), t.oof.length);
    const oof = avg(t.oof, r);
    oofOf.set(t.iteration, oof);
    testOf.set(t.iteration, avg(t.test, r));
    return replayedTrial({ iteration: t.iteration, algorithm: t.algorithm, score: metric(yEval, oof), oof }, run.width);
  });
  const { args: a, ensembles } = await replayEnsembles(run, trials, yEval);
  const predictTest = (spec: EstimatorSpec) => ensembleTestPrediction(spec, testOf, run.width, yTest.length);
  const best = byScore(run.metric, trials)[0];
  const preds = new Map<TrialResult, Float64Array>([[best, testOf.get(best.iteration)!]]);
  const out = { now: NaN, single: metric(yTest, testOf.get(best.iteration)!), cv: NaN, chosen: '' } as { now: number; single: number; voting?: number; stack?: number; cv: number; chosen: string };
  for (const e of ensembles) {
    const pred = predictTest(e.spec);
    preds.set(e.trial, pred);
    if (e.trial.algorithm === 'VotingEnsemble') out.voting = metric(yTest, pred);
    else out.stack = metric(yTest, pred);
  }
  const singlePred = await crossFittedBestSinglePred(a);
  const single = singlePred && a.primaryScore(singlePred);
  const chosen = chooseModel(run.metric, ensembles, trials, single, { singlePred, pairedSe: pairedFoldSe(a) })?.trial ?? best;
  out.now = metric(yTest, preds.get(chosen)!);
  out.cv = chosen.score;
  out.chosen = chosen.algorithm.endsWith('Ensemble') ? chosen.algorithm.replace('Ensemble', '') : 'single';
  return out;
}

/**
 * Re-scoring instead of re-bagging: the model stays the run's own (repeat 0's fold models), but
 * the choice is made on the mean over the first R fold assignments — each repeated trial's
 * score, and each row's honest score (the ensembles rebuilt on every assignment's out-of-fold
 * predictions: stack CV, voting cross-fitted, the best single's pick cross-fitted).
 */
async function rescoreWith(run: SavedRun, R: number, repeated: (t: SavedTrial) => boolean, metaOnly = false): Promise<{ now: number; single: number; honest?: number; chosen: string }> {
  const yEval = Float64Array.from(run.yEval);
  const yTest = Float64Array.from(run.yTest);
  const metric = metricOf(run);
  const testOf = new Map<number, Float64Array>(run.trials.map((t) => [t.iteration, Float64Array.from(t.test[0])]));
  const perRepeat: { trials: TrialResult[]; ensembles: Awaited<ReturnType<typeof replayEnsembles>>['ensembles']; single?: number; singlePred?: Float64Array; a: Awaited<ReturnType<typeof replayEnsembles>>['args'] }[] = [];
  for (let r = 0; r < R; r++) {
    const trials = run.trials.map((t) => {
      const oof = Float64Array.from(t.oof[!metaOnly && repeated(t) && r < t.oof.length ? r : 0]);
      return replayedTrial({ iteration: t.iteration, algorithm: t.algorithm, score: metric(yEval, oof), oof }, run.width);
    });
    // metaOnly: the same out-of-fold predictions, only the ensembles' own folds (cross-fitting, stack CV) drawn again.
    const { args: a, ensembles } = await replayEnsembles({ ...run, seed: run.seed + (metaOnly ? 1000 * r : 0) }, trials, yEval);
    const singlePred = await crossFittedBestSinglePred(a);
    perRepeat.push({ trials, ensembles, a, singlePred, single: singlePred && a.primaryScore(singlePred) });
  }
  const base = perRepeat[0];
  const meanOf = (xs: (number | undefined)[]) => (xs.some((x) => x === undefined) ? undefined : mean(xs as number[]));
  const trials = base.trials.map((t, i) => ({ ...t, score: mean(perRepeat.map((p) => p.trials[i].score)) }));
  const ensembles = base.ensembles.map((e) => {
    const honest = meanOf(perRepeat.map((p) => p.ensembles.find((f) => f.trial.algorithm === e.trial.algorithm)?.honestScore));
    return { ...e, honestScore: honest };
  });
  const single = meanOf(perRepeat.map((p) => p.single));
  const best = byScore(run.metric, trials)[0];
  const preds = new Map<string, Float64Array>([['single', testOf.get(best.iteration)!]]);
  for (const e of base.ensembles) preds.set(e.trial.algorithm, ensembleTestPrediction(e.spec, testOf, run.width, yTest.length));
  const chosen = chooseModel(run.metric, ensembles, trials, single, { singlePred: base.singlePred, pairedSe: pairedFoldSe(base.a) });
  const key = !chosen || chosen.trial.iteration === best.iteration || !chosen.trial.algorithm.endsWith('Ensemble') ? 'single' : chosen.trial.algorithm;
  // Highest mean honest score, no preference for the stack.
  const honestRows: [string, number][] = ensembles.filter((e) => e.honestScore !== undefined).map((e) => [e.trial.algorithm, e.honestScore!]);
  if (single !== undefined) honestRows.push(['single', single]);
  const sign = ['r2_score', 'AUC_weighted', 'accuracy'].includes(run.metric) ? 1 : -1;
  const top = honestRows.length ? honestRows.reduce((p, q) => (sign * q[1] > sign * p[1] ? q : p))[0] : undefined;
  return { now: metric(yTest, preds.get(key)!), single: metric(yTest, preds.get('single')!), honest: top ? metric(yTest, preds.get(top)!) : undefined, chosen: key.replace('Ensemble', '') };
}

/**
 * The ensembles' inputs and the best single trial picked by each repeated trial's mean score
 * over the first R fold assignments; everything fitted (weights, meta-model) and every honest
 * score from the run's own out-of-fold predictions; the models the run's own.
 */
async function inputsByMean(run: SavedRun, R: number): Promise<{ now: number; single: number; stack?: number; voting?: number; chosen: string }> {
  const yEval = Float64Array.from(run.yEval);
  const yTest = Float64Array.from(run.yTest);
  const metric = metricOf(run);
  const testOf = new Map<number, Float64Array>(run.trials.map((t) => [t.iteration, Float64Array.from(t.test[0])]));
  const trials = run.trials.map((t) => {
    const oof = Float64Array.from(t.oof[0]);
    const r = Math.min(R, t.oof.length);
    return replayedTrial({ iteration: t.iteration, algorithm: t.algorithm, score: mean(t.oof.slice(0, r).map((o) => metric(yEval, Float64Array.from(o)))), oof }, run.width);
  });
  const { args: a, ensembles } = await replayEnsembles(run, trials, yEval);
  const best = byScore(run.metric, trials)[0];
  const singlePred = await crossFittedBestSinglePred(a);
  const single = singlePred && a.primaryScore(singlePred);
  const chosen = chooseModel(run.metric, ensembles, trials, single, { singlePred, pairedSe: pairedFoldSe(a) })?.trial ?? best;
  const pred = (t: TrialResult) => {
    const e = ensembles.find((x) => x.trial === t);
    return e ? ensembleTestPrediction(e.spec, testOf, run.width, yTest.length) : testOf.get(t.iteration)!;
  };
  const out: { now: number; single: number; stack?: number; voting?: number; chosen: string } = { now: metric(yTest, pred(chosen)), single: metric(yTest, testOf.get(best.iteration)!), chosen: chosen.algorithm.endsWith('Ensemble') ? chosen.algorithm.replace('Ensemble', '') : 'single' };
  for (const e of ensembles) out[e.trial.algorithm === 'VotingEnsemble' ? 'voting' : 'stack'] = metric(yTest, pred(e.trial));
  return out;
}

const chosenOf = new Map<SavedRun, string[]>();
/** `--variants=all,rescore,inputs`: which phase-2 variants to replay besides the run as it is (default every one). */
const want = (v: string) => !flag('variants') || flag('variants')!.split(',').includes(v);
async function score(run: SavedRun): Promise<Scores> {
  const out: Scores = {};
  const which: string[] = [];
  chosenOf.set(run, which);
  const R = run.trials[0].oof.length;
  const ranked = byScore(run.metric, run.trials);
  const topK = (k: number) => new Set(ranked.slice(0, k).map((t) => t.iteration));
  const familyBest = new Set<number>();
  const seen = new Set<string>();
  for (const t of ranked) {
    if (seen.has(t.algorithm)) continue;
    seen.add(t.algorithm);
    familyBest.add(t.iteration);
  }
  const variants: [string, (t: SavedTrial) => number][] = [['base', () => 1]];
  for (let r = 2; r <= R && want('all'); r++) {
    variants.push([`all×${r}`, () => r]);
    const top5 = topK(5);
    variants.push([`top5fam×${r}`, (t) => (top5.has(t.iteration) || familyBest.has(t.iteration) ? r : 1)]);
  }
  for (let r = 2; r <= R && want('rescore'); r++) {
    const top5 = topK(5);
    for (const [name, rep] of [
      [`rescore×${r}`, () => true],
      [`rescoreTop×${r}`, (t: SavedTrial) => top5.has(t.iteration) || familyBest.has(t.iteration)],
    ] as [string, (t: SavedTrial) => boolean][]) {
      const s = await rescoreWith(run, r, rep);
      out[name] = s.now;
      which.push(`${name} ${s.chosen}`);
      out[`${name}:single`] = s.single;
      if (s.honest !== undefined) out[`${name}:honest`] = s.honest;
    }
  }
  for (let r = 2; r <= R && want('meta'); r++) {
    const s = await rescoreWith(run, r, () => false, true);
    out[`meta×${r}`] = s.now;
    which.push(`meta×${r} ${s.chosen}`);
  }
  for (let r = 2; r <= R && want('inputs'); r++) {
    const s = await inputsByMean(run, r);
    const name = `inputs×${r}`;
    out[name] = s.now;
    which.push(`${name} ${s.chosen}`);
    out[`${name}:single`] = s.single;
    if (s.voting !== undefined) out[`${name}:voting`] = s.voting;
    if (s.stack !== undefined) out[`${name}:stack`] = s.stack;
  }
  for (const [name, reps] of variants) {
    const s = await chooseWith(run, reps);
    out[name] = s.now;
    which.push(`${name} ${s.chosen}`);
    out[`${name}:single`] = s.single;
    if (s.voting !== undefined) out[`${name}:voting`] = s.voting;
    if (s.stack !== undefined) out[`${name}:stack`] = s.stack;
  }
  return out;
}

async function main() {
  mkdirSync(dir, { recursive: true });
  const seeds = (flag('seeds') ?? '0').split(',').map(Number);
  const names = (flag('tables') ?? 'titanic').split(',');
  if (args.includes('--run')) {
    mkdirSync(path.join(dir, 'tables'), { recursive: true });
    exportPython(names);
    const iterations = Number(flag('iterations') ?? 100);
    const repeats = Number(flag('repeats') ?? 3);
    for (const seed of seeds) for (const name of names) await runOne(name, seed, iterations, repeats);
  }
  const runs = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as SavedRun)
    .filter((r) => names.includes(r.table) && seeds.includes(r.seed) && r.trials.length >= 2);
  const results: { table: string; s: Scores }[] = [];
  for (const run of runs) {
    const s = await score(run);
    results.push({ table: run.table, s });
    console.log(`${run.table.padEnd(16)} seed ${run.seed}: ${Object.entries(s).filter(([k]) => !k.includes(':')).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}; chosen: ${chosenOf.get(run)!.join(', ')}; a repeat ${(run.repeatMs[1] / 1000).toFixed(1)} s, the trials ${(run.trialMs / 1000).toFixed(1)} s`);
  }
  if (results.length === 0) return;
  const keys = Object.keys(results[0].s).filter((k) => results.every((r) => k in r.s));
  console.log(`\n${results.length} runs: mean test, mean − base, runs better/worse by more than 0.0001; per table mean − base`);
  for (const k of keys) {
    const ref = k.includes(':') && `base:${k.split(':')[1]}` in results[0].s ? `base:${k.split(':')[1]}` : 'base';
    const d = results.map((r) => r.s[k] - r.s[ref]);
    const perTable = [...new Set(results.map((r) => r.table))].map((t) => `${t} ${mean(results.filter((r) => r.table === t).map((r) => r.s[k] - r.s[ref])).toFixed(4)}`);
    console.log(`${k.padEnd(20)} ${mean(results.map((r) => r.s[k])).toFixed(5)}  ${mean(d) >= 0 ? '+' : ''}${mean(d).toFixed(5)}  ${d.filter((x) => x > 1e-4).length}/${d.filter((x) => x < -1e-4).length}  ${perTable.join(', ')}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
