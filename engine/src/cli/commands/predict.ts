import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { CliCommand } from '../command';
import { WeirError } from '../../errors';
import { loadModel } from '../../automl/model/loadModel';
import { readTableFile, writePredictions, writeTableFile } from '../../automl/model/tableFiles';
import { openWorkspace } from '../../store/workspace';
import { parseModelRef } from '../../store/versionedRegistry';

/** `weir model predict NAME[:VERSION|@ALIAS] DATA --out FILE`: scores a table with a registered model. */
export const predictCommands: CliCommand[] = [
  {
    path: ['model', 'predict'],
    usage: 'NAME[:VERSION|@ALIAS] DATA --out FILE',
    summary: 'Scores DATA (CSV, Parquet, JSON) with a registered AutoML model; writes CSV or Parquet by the extension of FILE.',
    options: { out: { type: 'string' }, 'predictions-only': { type: 'boolean' } },
    async run(args, io) {
      const [ref, data] = args.positionals;
      const out = args.values.out;
      if (!ref || !data || typeof out !== 'string') throw new WeirError('BAD_INPUT', 'usage: weir model predict NAME[:VERSION|@ALIAS] DATA --out FILE');
      if (!/\.(csv|parquet)$/i.test(out)) throw new WeirError('BAD_INPUT', `--out ${out}: give a file ending in .csv or .parquet`);
      const modelRef = parseModelRef(ref);
      const outDir = path.dirname(path.resolve(out));
      if (!(await stat(outDir).catch(() => undefined))?.isDirectory()) {
        throw new WeirError('BAD_INPUT', `${outDir}: no such folder for --out ${out}`, { hint: 'Create the folder first, or write the predictions elsewhere.' });
      }
      const store = await openWorkspace(args.workspace);
      try {
        const version = await store.resolveModel(modelRef);
        const modelPath = store.artifactPath(version.artifact);
        let model: ReturnType<typeof loadModel>;
        try {
          model = loadModel(modelPath);
        } catch (e) {
          if (e instanceof WeirError) throw e;
          // A model.json that does not describe a model Weir can score (edited, or from elsewhere).
          const file = (await stat(modelPath).catch(() => undefined))?.isDirectory() ? path.join(modelPath, 'model.json') : modelPath;
          throw new WeirError('BAD_INPUT', `${file}: not a model Weir can load: ${(e as Error)?.message ?? String(e)}`, { cause: e });
        }
        try {
          const started = performance.now();
          const table = await readTableFile(data);
          let predictions;
          try {
            predictions = model.predict(table).toTable();
          } catch (e) {
            // A missing column or a mistyped cell is the data file's fault: name it.
            if (e instanceof WeirError && e.code === 'BAD_INPUT') throw new WeirError('BAD_INPUT', `${data}: ${e.message}`, { hint: e.hint, cause: e });
            throw e;
          }
          const target = path.resolve(out);
          if (args.values['predictions-only'] === true) await writeTableFile(predictions, target);
          else await writePredictions(data, table, predictions, target);
          const summary = { model: version.name, version: version.version, rows: table.rows, out: target, ms: Math.round(performance.now() - started) };
          if (args.json) io.json(summary);
          else io.out(`scored ${summary.rows} rows with ${version.name}:${version.version} (${model.algorithm}) → ${target}`);
          return 0;
        } finally {
          model.dispose();
        }
      } finally {
        await store.dispose();
      }
    },
  },
];
