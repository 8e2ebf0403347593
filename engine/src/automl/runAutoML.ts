import { WeirError } from '../errors';
import type { TrialRecord } from '../store/records';
import { bagged } from './ensemble/buildEnsembles';
import { ensembleTrials } from './ensemble/ensembleTrials';
import { makeEvaluator } from './evaluation/evaluator';
import { holdOutTestSet } from './evaluation/testSet';
import { scoreBaselines } from './forecast/baselines';
import type { EstimatorSpec } from './model/estimator';
import type { TestSetSummary } from './model/modelArtifact';
import { writeModelFolder } from './model/writeModelFolder';
import { measureScoreMs, planPostSearch } from './postSearchBudget';
import { checkColumns, describeValidation, prepareForecasting, prepareTabular } from './prepareData';
import { type AutoMLConfig, type ResolvedSettings, resolveSettings, testSetPlan } from './settings';
import { Leaderboard, fmt, formatLeaderboard } from './search/leaderboard';
import type { TrialResult } from './search/runSearch';
import { searchInWorkers } from './search/searchInWorkers';
import type { TrialPoolFactory } from './trials/clusterTrialPool';
import { inSharedMemory } from './trials/trialPool';
import type { ColumnarTable, Guardrail } from './types';

export { MIN_TRAINING_ROWS } from './prepareData';
export { metricsByIteration, toTrialRecord } from './search/leaderboard';

export interface AutoMLRunArgs {
  config: AutoMLConfig;
  training: ColumnarTable;
  validation?: ColumnarTable;
  /** The `test_data` input's table: scored once after the search, never searched on. */
  test?: ColumnarTable;
  /** Folder the `model` output folder and `metrics.json` are written into. */
  outDir: string;
  log(text: string): void;
  reportTrial?(trial: TrialRecord): Promise<void>;
  signal: AbortSignal;
  /** Upper bound on worker threads (the step's concurrency); `max_concurrent_iterations` may lower it. */
  concurrency?: number;
  /** Overrides the trial worker script (tests). */
  workerPath?: string;
  /** Runs the trials elsewhere (workers on cluster nodes) instead of in worker threads here. */
  trialPool?: TrialPoolFactory;
}

export interface AutoMLRunResult {
  modelDir: string;
  metricsFile: string;
  best: TrialResult;
  leaderboard: TrialResult[];
  settings: ResolvedSettings;
  stopReason: string;
  guardrails: Guardrail[];
  /** Test-set scores of the chosen model and each ensemble, when a test set was given. */
  test?: TestSetSummary;
}

/**
 * The AutoML step's work from tables to files: label and featurization, guardrails,
 * folds, the budgeted search in worker threads, the ensembles, and the outputs (the
 * `model` folder and the metrics JSON). Nothing is written outside `outDir`, so a failure
 * leaves nothing half-registered.
 */
export async function runAutoML(a: AutoMLRunArgs): Promise<AutoMLRunResult> {
  const started = performance.now();
  const task = a.config.task;
  // The test rows leave first, so featurization, folds, search and ensembles never see them.
  const held = holdOutTestSet(a.config, testSetPlan(a.config, a.test !== undefined), a.training, a.test);
  a = { ...a, training: held.training };
  const provisional = resolveSettings(a.config, { rows: a.training.rows, hasValidationInput: a.validation !== undefined, hasTestInput: a.test !== undefined });
  const concurrency = Math.max(1, Math.min(provisional.concurrency, a.concurrency ?? provisional.concurrency));
  const settings: ResolvedSettings = { ...provisional, concurrency };
  const metric = settings.primaryMetric;
  const log = (text: string) => a.log(text);
  checkColumns(a.training, settings);
  if (settings.skippedModels.length) a.log(`Azure models Weir does not run, skipped: ${settings.skippedModels.join(', ')}`);

  // One copy of the arrays the trial workers read, in shared memory from here on (not a second one for the workers).
  const prepared = inSharedMemory(task === 'forecasting' ? prepareForecasting(a.training, settings) : prepareTabular(a, settings));
  const { X, y, folds, classes } = prepared;
  a.log(
    `AutoML ${task}: ${y.length} rows × ${X.cols} features, primary metric ${metric}, ` +
      `validation ${describeValidation(settings, folds)}, up to ${settings.iterations} iterations` +
      `${settings.experimentTimeoutMs ? `, budget ${(settings.experimentTimeoutMs / 60_000).toFixed(2)} min` : ''}, ${concurrency} worker${concurrency > 1 ? 's' : ''}`,
  );
  const unlabeled = prepared.unlabeledRows ?? 0;
  if (unlabeled > 0) a.log(`rows without a label: ${unlabeled} of the ${a.training.rows} training rows have no value in '${settings.label}' and are left out of training (as Azure does)`);
  for (const g of prepared.guardrails) a.log(`guardrail ${g.status.padEnd(7)} ${g.name}: ${g.description}`);
  if (held.test) a.log(`test set: ${held.test.source === 'test_data' ? `the test_data input (${held.test.table.rows} rows)` : `${held.test.table.rows} rows held out (test_data_size ${held.test.fraction})`}, scored once after the search`);

  const evaluator = makeEvaluator({ task, primaryMetric: metric, y, weight: prepared.weight, folds, numClasses: classes?.length, base: prepared.forecast?.base });
  if (evaluator.scoring === 'folds') a.log(`CV scores: each metric is the mean of the ${folds.length} folds' (not computed over all out-of-fold rows at once): ${evaluator.scoringWhy ?? 'as set'}`);
  const board = new Leaderboard(metric, log, a.reportTrial && ((t) => a.reportTrial!(t)));
  const onTrial = (t: TrialResult) => board.add(t);
  const baselineSpecs =
    task === 'forecasting' ? await scoreBaselines({ X, allowedModels: settings.allowedModels, primaryMetric: metric, evaluator, onTrial }) : new Map<number, EstimatorSpec>();
  const firstIteration = baselineSpecs.size;
  // With a time limit, the ensembles and the outputs are priced and reserved before the search starts.
  const plan = settings.experimentTimeoutMs !== undefined ? planPostSearch({ started, settings, evaluator, numClasses: classes?.length, families: settings.allowedModels.length, scoreMs: measureScoreMs(evaluator) }) : undefined;
  if (plan) a.log(plan.text);
  const searchStarted = performance.now();
  const stopReason = await searchInWorkers({ settings, prepared, evaluator, deadline: plan?.searchDeadline, fallbackEndBy: plan?.ensemblesDeadline, firstIteration, signal: a.signal, log, onTrial, workerPath: a.workerPath, trialPool: a.trialPool });
  a.log(`search stopped: ${stopReason}`);

  const completed = board.trials.filter((t) => t.status === 'Completed' && Number.isFinite(t.score));
  if (completed.length === 0) {
    const failures = board.trials.filter((t) => t.error).map((t) => `iteration ${t.iteration} ${t.algorithm}: ${t.error}`);
    throw new WeirError('RUN_FAILED', `no AutoML trial completed (${stopReason})${failures.length ? `:\n  ${failures.slice(0, 5).join('\n  ')}` : ''}`, {
      hint: settings.experimentTimeoutMs ? 'Raise experiment_timeout_minutes or iteration_timeout_minutes.' : undefined,
    });
  }
  const searched = completed.filter((t) => !baselineSpecs.has(t.iteration));
  const nextIteration = Math.max(...board.trials.map((t) => t.iteration)) + 1;
  const ensemblesStarted = performance.now();
  const { ensembles, chosen } = await ensembleTrials({ settings, evaluator, numClasses: classes?.length, searched, firstIteration: nextIteration, plan, signal: a.signal, log });
  for (const e of ensembles) await board.add(e.trial);

  const leaderboard = board.ordered();
  const best = chosen?.trial ?? leaderboard.find((t) => t.status === 'Completed' && (t.states || baselineSpecs.has(t.iteration) || ensembles.some((e) => e.trial === t)));
  if (!best) throw new WeirError('RUN_FAILED', `no AutoML trial kept a model (${stopReason})`, { hint: 'Raise experiment_timeout_minutes.' });
  const estimator: EstimatorSpec = ensembles.find((e) => e.trial === best)?.spec ?? baselineSpecs.get(best.iteration) ?? { type: 'single', model: bagged(best) };
  a.log(formatLeaderboard(leaderboard, metric));
  a.log(`best: iteration ${best.iteration} ${best.algorithm} ${metric} ${fmt(best.score)}${chosen ? `, ${chosen.why}` : ''}`);

  const outputsStarted = performance.now();
  const out = await writeModelFolder({ outDir: a.outDir, training: a.training, settings, prepared, evaluator, best, estimator, leaderboard, trials: board.trials, ensembles, test: held.test, budgetEnd: plan?.budgetEnd, chartsPricedMs: plan?.chartsMs, started, log });
  const ended = performance.now();
  const s = (from: number, to: number) => `${((to - from) / 1000).toFixed(1)} s`;
  const over = plan ? ended - plan.budgetEnd : 0;
  a.log(
    `AutoML finished in ${s(started, ended)}` +
      (plan ? ` of the ${(settings.experimentTimeoutMs! / 1000).toFixed(1)} s budget (${over > 0 ? `${(over / 1000).toFixed(1)} s over` : `${(-over / 1000).toFixed(1)} s to spare`})` : '') +
      `: preparation ${s(started, searchStarted)}, search ${s(searchStarted, ensemblesStarted)}, ensembles ${s(ensemblesStarted, outputsStarted)}, outputs ${s(outputsStarted, ended)}` +
      (plan ? ` (reserved: ensembles ${(plan.ensemblesMs / 1000).toFixed(1)} s, outputs ${(plan.outputsMs / 1000).toFixed(1)} s)` : ''),
  );
  return { ...out, best, leaderboard, settings, stopReason, guardrails: prepared.guardrails };
}
