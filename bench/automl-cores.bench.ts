import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fitFeaturizer } from '../engine/src/automl/featurize';
import { readTableFile } from '../engine/src/automl/model/tableFiles';
import { stratifiedKFold } from '../engine/src/automl/splitFolds';
import { TrialPool, shareTrialData } from '../engine/src/automl/trials/trialPool';
import { devDataDir, flag, repoRoot } from './benchFlags';

/**
 * `npm run bench -- automl-cores`: one large booster trial (5-fold CV) on one worker and
 * fold-parallel on two (issue 10, "use the cores"), timed alternately in the same run.
 *
 * Table: ../shared/data/automl-dev/LetterRecognition.csv (16k training rows × 26 classes,
 * where one trial is the budget's largest item), or `--data=DIR`; the Titanic table when it
 * is absent. `--rounds=40` sets the trial's rounds, `--repeats=3` the pairs timed.
 * Prints each pair's wall times, the median speedup, and the load average beside it.
 */
const root = repoRoot;
const devData = devDataDir;
const rounds = Number(flag('rounds') ?? 40);
const repeats = Number(flag('repeats') ?? 3);

async function main(): Promise<void> {
  const letter = path.join(devData, 'LetterRecognition.csv');
  const [file, label] = existsSync(letter) ? [letter, 'lettr'] : [path.join(root, 'examples', 'titanic', 'data', 'titanic.csv'), 'Survived'];
  if (file !== letter) console.log(`automl-cores: ${path.relative(root, letter)} is absent; timing the Titanic table instead (too small to show much).`);
  const table = await readTableFile(file);
  const f = fitFeaturizer(table, label, { mode: 'auto' }, { task: 'classification' });
  const classes = f.y.classes!.length;
  const folds = stratifiedKFold(f.y.values, 5, 0);
  const pool = new TrialPool(shareTrialData({ task: 'classification', numClasses: classes, X: f.X, y: f.y.values, folds }), 2);
  console.log(`automl-cores: ${path.basename(file)} ${f.X.rows} rows × ${f.X.cols} features, ${classes} classes, 5 folds; XGBoostClassifier ${rounds} rounds; ${os.availableParallelism()} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  try {
    await pool.warmUp();
    const params = { n_estimators: rounds, learning_rate: 0.3, max_leaves: 31 };
    let iteration = 0;
    const time = async (spread: number): Promise<number> => {
      const t0 = performance.now();
      const r = await pool.run({ iteration: iteration++, family: 'XGBoostClassifier', params, seed: 1 }, undefined, () => false, spread);
      if (r.status !== 'Completed') throw new Error(`trial ${r.status}: ${r.error}`);
      return (performance.now() - t0) / 1000;
    };
    // Both workers gather their fold matrices once; the first trial on each would time that too.
    await time(2);
    const ratios: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const one = await time(1);
      const two = await time(2);
      ratios.push(one / two);
      console.log(`  pair ${i + 1}: one worker ${one.toFixed(2)} s, fold-parallel on two ${two.toFixed(2)} s, speedup ${(one / two).toFixed(2)}×`);
    }
    ratios.sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)];
    console.log(`automl-cores: median speedup ${median.toFixed(2)}× (ideal 5 / ⌈5/2⌉ = 1.67× for 5 folds on 2 workers), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await pool.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
