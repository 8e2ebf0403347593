import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CliCommand } from '../command';
import { WeirError } from '../../errors';
import { checkPipeline, formatDiagnostic, readPipelineFile } from '../../pipeline';
import { openWorkspace } from '../../store/workspace';
import type { WorkspaceStore } from '../../store/storeApi';

/** `weir validate FILE`: every problem the editor would underline, as `error: file:line:col: …`. */
export const validateCommands: CliCommand[] = [
  {
    path: ['validate'],
    usage: 'FILE',
    summary: 'Checks a pipeline file (syntax, schema, references, cycles, files, datasets); exit 2 when it has errors.',
    async run(args, io) {
      const [file] = args.positionals;
      if (!file) throw new WeirError('BAD_INPUT', 'usage: weir validate FILE.pipeline.yaml');
      const parsed = await readPipelineFile(file);
      // Datasets can be checked only against an existing store; validating never creates one.
      let store: WorkspaceStore | undefined;
      if (existsSync(path.join(args.workspace, '.weir'))) store = await openWorkspace(args.workspace);
      try {
        const diagnostics = [...parsed.diagnostics, ...(await checkPipeline(parsed, { pipelineDir: path.dirname(path.resolve(file)), store }))];
        if (!store && parsed.spec && Object.values(parsed.spec.inputs).some((i) => i.source.type !== 'file')) {
          diagnostics.push({
            severity: 'information',
            code: 'no-store',
            message: `no workspace store in ${args.workspace}, so dataset and model inputs were not checked`,
            range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
            hint: 'Pass --workspace DIR, or register the datasets first.',
          });
        }
        diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
        const errors = diagnostics.filter((d) => d.severity === 'error');
        if (args.json) {
          io.json({ file, valid: errors.length === 0, diagnostics });
        } else {
          for (const d of diagnostics) (d.severity === 'error' ? io.err : io.out)(formatDiagnostic(file, d));
          if (errors.length) io.err(`${file}: ${errors.length} error${errors.length === 1 ? '' : 's'}`);
          else if (parsed.spec) io.out(`${file}: valid — ${parsed.spec.stepOrder.length} step${parsed.spec.stepOrder.length === 1 ? '' : 's'} (${parsed.spec.stepOrder.join(' → ')})`);
        }
        return errors.length ? 2 : 0;
      } finally {
        await store?.dispose();
      }
    },
  },
];
