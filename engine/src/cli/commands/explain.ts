import path from 'node:path';
import type { CliCommand } from '../command';
import { WeirError } from '../../errors';
import { loadModel } from '../../automl/model/loadModel';
import { readTableFile } from '../../automl/model/tableFiles';
import { explanationDocument, explanationRecords, recordsToCsv } from '../../explain/explanationRecords';
import { pickTableRows, evenRows } from '../../explain/explanationsFile';
import { writeFileAtomic } from '../../store/durableFiles';
import { openWorkspace } from '../../store/workspace';
import { parseModelRef } from '../../store/versionedRegistry';

/**
 * `weir model explain NAME[:VERSION|@ALIAS] DATA [--rows N] [--engineered] [--class C]… --out FILE`:
 * per-row SHAP values of a registered AutoML model (docs/explain.md), CSV or JSON by the
 * extension of FILE.
 */
export const explainCommands: CliCommand[] = [
  {
    path: ['model', 'explain'],
    usage: 'NAME[:VERSION|@ALIAS] DATA [--rows N] [--engineered] [--class C]... --out FILE',
    summary: 'Writes per-row SHAP contributions of DATA\'s rows (per raw column; --engineered adds the engineered features) as CSV or JSON.',
    options: { out: { type: 'string' }, rows: { type: 'string' }, engineered: { type: 'boolean' }, class: { type: 'string', multiple: true } },
    async run(args, io) {
      const [ref, data] = args.positionals;
      const out = args.values.out;
      const usage = 'usage: weir model explain NAME[:VERSION|@ALIAS] DATA [--rows N] [--engineered] [--class C]... --out FILE';
      if (!ref || !data || typeof out !== 'string') throw new WeirError('BAD_INPUT', usage);
      if (!/\.(csv|json)$/i.test(out)) throw new WeirError('BAD_INPUT', `--out ${out}: give a file ending in .csv or .json`);
      let limit: number | undefined;
      if (args.values.rows !== undefined) {
        limit = Number(args.values.rows);
        if (!Number.isInteger(limit) || limit < 1) throw new WeirError('BAD_INPUT', `--rows ${String(args.values.rows)}: give a whole number of rows ≥ 1`);
      }
      const classes = args.values.class === undefined ? undefined : (Array.isArray(args.values.class) ? args.values.class : [args.values.class]).map(String);
      const modelRef = parseModelRef(ref);
      const store = await openWorkspace(args.workspace);
      try {
        const version = await store.resolveModel(modelRef);
        const model = loadModel(store.artifactPath(version.artifact));
        try {
          const started = performance.now();
          let table = await readTableFile(data);
          // --rows N explains the first N rows (the order of the file), which is what a user
          // comparing with the data preview expects.
          if (limit !== undefined && limit < table.rows) table = pickTableRows(table, evenRows(limit, limit));
          const e = model.explain(table);
          const target = path.resolve(out);
          const options = { engineered: args.values.engineered === true, classes };
          const text = /\.json$/i.test(target) ? `${JSON.stringify({ model: version.name, version: version.version, algorithm: model.algorithm, ...explanationDocument(e, options) })}\n` : recordsToCsv(explanationRecords(e, options));
          await writeFileAtomic(path.dirname(target), target, text);
          const summary = { model: version.name, version: version.version, rows: e.rows, columns: e.rawColumns.length, features: e.engineeredFeatures.length, out: target, ms: Math.round(performance.now() - started) };
          if (args.json) io.json(summary);
          else io.out(`explained ${summary.rows} rows with ${version.name}:${version.version} (${model.algorithm}; ${summary.columns} columns, ${summary.features} engineered features) → ${target}`);
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
