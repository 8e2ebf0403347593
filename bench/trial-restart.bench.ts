import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fitFeaturizer } from '../engine/src/automl/featurize';
import { readTableFile } from '../engine/src/automl/model/tableFiles';
import { kFold, stratifiedKFold } from '../engine/src/automl/splitFolds';
import { TrialPool, shareTrialData } from '../engine/src/automl/trials/trialPool';
import type { Task } from '../engine/src/automl/types';
import { devDataDir, flag, repoRoot } from './benchFlags';

/**
 * `npm run bench -- trial-restart`: what a stopped trial costs the next one on its worker.
 *
 * For each table (`--tables=titanic,letter,diamonds`; ../shared/data/titanic.csv and
 * ../shared/data/automl-dev, or `--data=DIR`; a missing table is skipped and named), two pools of
 * one worker over the table's 5 folds — stops by terminate() (the reference, `graceMs: 0`, what
 * the pool did before) and cooperative stops (the default) — used in turn, and a small trial T of
 * each family (`--families=`): T timed on a warm worker (it ran T before), then T timed right after
 * a long trial on the same worker was stopped 0.2 s in (`--stop-after=` ms), `--repeats=5` rounds. The difference is
 * what a stop costs the next trial: a terminated worker's cold start (thread, modules,
 * WebAssembly compile, fold matrices gathered again, code not yet optimised), or a cooperative
 * stop's wait for the fit to reach its next check. Prints each family's median cost in both
 * modes side by side, how fast the cooperative stops came back, and the load average.
 */
const repeats = Number(flag('repeats') ?? 5);
const stopAfterMs = Number(flag('stop-after') ?? 200);
const wanted = (flag('tables') ?? 'titanic,letter,diamonds').split(',');
const families = (flag('families') ?? 'XGBoost,RandomForest,Linear').split(',');

interface Table {
  name: string;
  file: string;
  label: string;
  task: Task;
}

const tables: Table[] = [
  { name: 'titanic', file: path.join(repoRoot, '..', 'shared', 'data', 'titanic.csv'), label: 'Survived', task: 'classification' },
  { name: 'letter', file: path.join(devDataDir, 'LetterRecognition.csv'), label: 'lettr', task: 'classification' },
  { name: 'diamonds', file: path.join(devDataDir, 'diamonds.csv'), label: 'price', task: 'regression' },
  { name: 'soybean', file: path.join(devDataDir, 'Soybean.csv'), label: 'Class', task: 'classification' },
  { name: 'spam', file: path.join(devDataDir, 'spam.csv'), label: 'type', task: 'classification' },
];

const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/** A small trial of the family and a long one (seconds a fold) to stop. */
function trials(family: string, task: Task): { name: string; small: Record<string, number | string>; long: Record<string, number | string> } {
  const cls = task === 'classification';
  if (family === 'XGBoost') {
    return {
      name: cls ? 'XGBoostClassifier' : 'XGBoostRegressor',
      small: { n_estimators: 10, learning_rate: 0.3, max_leaves: 15 },
      long: { n_estimators: 2000, learning_rate: 0.01, max_leaves: 127 },
    };
  }
  if (family === 'RandomForest') {
    return { name: 'RandomForest', small: { n_estimators: 4, max_depth: 8, max_features: 0.5 }, long: { n_estimators: 300, max_depth: 64, max_features: 1 } };
  }
  return cls
    ? { name: 'LogisticRegression', small: { C: 1, l1_ratio: 0, max_iter: 3 }, long: { C: 1e6, l1_ratio: 0.5, max_iter: 5000 } }
    : { name: 'ElasticNet', small: { alpha: 0.1, l1_ratio: 0.5, max_iter: 10 }, long: { alpha: 1e-6, l1_ratio: 0.5, max_iter: 100000 } };
}

async function main(): Promise<void> {
  console.log(`trial-restart: ${os.availableParallelism()} cores, load average ${load()}, ${repeats} rounds per family`);
  for (const t of tables.filter((x) => wanted.includes(x.name))) {
    if (!existsSync(t.file)) {
      console.log(`trial-restart: ${t.name}: ${t.file} is absent, skipped`);
      continue;
    }
    const table = await readTableFile(t.file);
    const f = fitFeaturizer(table, t.label, { mode: 'auto' }, { task: t.task });
    const classes = f.y.classes?.length;
    const folds = t.task === 'classification' ? stratifiedKFold(f.y.values, 5, 0) : kFold(f.X.rows, 5, 0);
    const shared = shareTrialData({ task: t.task, numClasses: classes, X: f.X, y: f.y.values, folds });
    // Two pools over the same data, used in turn: stops by terminate() (the reference) and cooperative.
    const pools = { terminate: new TrialPool(shared, 1, undefined, { graceMs: 0 }), cooperative: new TrialPool(shared, 1) };
    try {
      const s0 = performance.now();
      await pools.terminate.warmUp();
      const startup = performance.now() - s0;
      await pools.cooperative.warmUp();
      console.log(`  ${t.name}: ${f.X.rows} rows × ${f.X.cols} features${classes ? `, ${classes} classes` : ''}; a worker started and got its data in ${startup.toFixed(0)} ms (load ${load()})`);
      let iteration = 0;
      for (const family of families) {
        const tr = trials(family, t.task);
        const small = async (pool: TrialPool): Promise<number> => {
          const a = performance.now();
          const r = await pool.run({ iteration: iteration++, family: tr.name, params: tr.small, seed: 1 });
          if (r.status !== 'Completed') throw new Error(`${tr.name} trial ${r.status}: ${'error' in r ? r.error : ''}`);
          return performance.now() - a;
        };
        const stopLong = async (pool: TrialPool): Promise<void> => {
          const it = iteration++;
          const p = pool.run({ iteration: it, family: tr.name, params: tr.long, seed: 1 });
          await new Promise((r) => setTimeout(r, stopAfterMs));
          pool.cancel(it, 'stopped by the bench');
          const r = await p;
          if (r.status !== 'Canceled') console.log(`    (the long ${tr.name} trial ended ${r.status} before the stop: make it longer or --stop-after= shorter)`);
        };
        const cost: Record<string, number[]> = { terminate: [], cooperative: [] };
        for (const pool of Object.values(pools)) await small(pool); // each worker's first trial of the family: gathers folds, compiles code
        for (let i = 0; i < repeats; i++) {
          for (const [mode, pool] of Object.entries(pools)) {
            const warm = await small(pool);
            await stopLong(pool);
            cost[mode].push((await small(pool)) - warm);
          }
        }
        const term = median(cost.terminate);
        const coop = median(cost.cooperative);
        const fmtAll = (a: number[]) => a.map((x) => x.toFixed(0)).join(' ');
        console.log(
          `    ${tr.name.padEnd(18)} a stop costs the next trial: terminate ${term.toFixed(0)} ms, cooperative ${coop.toFixed(0)} ms (saves ${(term - coop).toFixed(0)} ms)  [terminate ${fmtAll(cost.terminate)}; cooperative ${fmtAll(cost.cooperative)}] load ${load()}`,
        );
      }
      const st = pools.cooperative.stops;
      console.log(`    cooperative stops: ${st.reused.length} workers came back (median ${median(st.reused)?.toFixed(0) ?? '-'} ms, max ${Math.max(...st.reused).toFixed(0)} ms after the stop), ${st.terminated} terminated after the grace`);
    } finally {
      await Promise.all(Object.values(pools).map((p) => p.close()));
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
