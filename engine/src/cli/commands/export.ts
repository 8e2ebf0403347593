import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CliArgs, CliCommand } from '../command';
import { WeirError } from '../../errors';
import { exportAzureML, formatExportWarning, submitAzureML } from '../../export/azureml';
import type { ExportOptions } from '../../export/azureml';
import { openWorkspace } from '../../store/workspace';
import type { WorkspaceStore } from '../../store/storeApi';

/** `--automl azure|weir`, checked. */
export function automlMode(value: unknown): 'azure' | 'weir' {
  if (value === undefined) return 'azure';
  if (value === 'azure' || value === 'weir') return value;
  throw new WeirError('BAD_INPUT', `--automl takes azure or weir, not '${String(value)}'`);
}

/** Opens the workspace store when there is one; exporting never creates a store. */
export async function openExistingStore(args: CliArgs): Promise<WorkspaceStore | undefined> {
  return existsSync(path.join(args.workspace, '.weir')) ? openWorkspace(args.workspace) : undefined;
}

export function exportSettingsFrom(args: CliArgs, store: WorkspaceStore | undefined): Omit<ExportOptions, 'outDir'> {
  return {
    compute: typeof args.values.compute === 'string' ? args.values.compute : undefined,
    automl: automlMode(args.values.automl),
    dataAssets: args.values['data-assets'] === true,
    store,
  };
}

export const exportOptionsSpec = {
  compute: { type: 'string' },
  automl: { type: 'string' },
  'data-assets': { type: 'boolean' },
} as const;

/** `weir export azureml FILE --out DIR`: a folder `az ml job create --file DIR/pipeline.yml` accepts. */
export const exportCommands: CliCommand[] = [
  {
    path: ['export', 'azureml'],
    usage: 'FILE --out DIR [--compute NAME] [--automl azure|weir] [--data-assets]',
    summary: 'Writes an Azure ML CLI v2 pipeline job (DIR/pipeline.yml, its code, environments and data); warnings name every setting Azure lacks.',
    options: { out: { type: 'string' }, ...exportOptionsSpec },
    async run(args, io) {
      const [file, extra] = args.positionals;
      const out = args.values.out;
      if (!file || extra !== undefined || typeof out !== 'string') throw new WeirError('BAD_INPUT', 'usage: weir export azureml FILE --out DIR [--compute NAME] [--automl azure|weir] [--data-assets]');
      const store = await openExistingStore(args);
      try {
        const result = await exportAzureML(file, { ...exportSettingsFrom(args, store), outDir: out });
        if (args.json) {
          io.json({ outDir: result.outDir, pipelineFile: result.pipelineFile, files: result.files, warnings: result.warnings });
        } else {
          for (const w of result.warnings) io.err(formatExportWarning(w));
          io.out(`Wrote ${result.pipelineFile} (${result.files.length} files). Submit it with:\n  az ml job create --file ${result.pipelineFile} --resource-group G --workspace-name W`);
        }
        return 0;
      } finally {
        await store?.dispose();
      }
    },
  },
  {
    path: ['submit'],
    usage: 'FILE --target azureml --resource-group G --workspace-name W [--stream] [--compute NAME] [--automl azure|weir] [--data-assets]',
    summary: 'Exports the pipeline to a temporary folder and runs az ml job create on it; prints the studio URL; --stream follows the job log.',
    options: { target: { type: 'string' }, 'resource-group': { type: 'string' }, 'workspace-name': { type: 'string' }, stream: { type: 'boolean' }, ...exportOptionsSpec },
    async run(args, io) {
      const [file, extra] = args.positionals;
      const { target } = args.values;
      const resourceGroup = args.values['resource-group'];
      const workspaceName = args.values['workspace-name'];
      const usage = 'usage: weir submit FILE --target azureml --resource-group G --workspace-name W [--stream]';
      if (!file || extra !== undefined) throw new WeirError('BAD_INPUT', usage);
      if (target !== 'azureml') throw new WeirError('BAD_INPUT', target === undefined ? `--target is required (azureml)\n${usage}` : `unknown --target '${String(target)}'; the one target is azureml`);
      if (typeof resourceGroup !== 'string' || typeof workspaceName !== 'string') throw new WeirError('BAD_INPUT', `--resource-group and --workspace-name are required\n${usage}`);
      const store = await openExistingStore(args);
      try {
        const result = await submitAzureML(file, {
          ...exportSettingsFrom(args, store),
          resourceGroup,
          workspaceName,
          stream: args.values.stream === true,
          signal: io.signal,
          // With --json only the final record goes to stdout; the job's log goes to stderr.
          onLine: (line, which) => (which === 'stdout' && !args.json ? io.out(line) : io.err(line)),
        });
        for (const w of result.warnings) io.err(formatExportWarning(w));
        if (args.json) io.json({ jobName: result.jobName, studioUrl: result.studioUrl, job: result.job, warnings: result.warnings, streamExitCode: result.streamExitCode });
        else {
          io.out(`Submitted ${result.jobName ?? 'the pipeline job'} to workspace ${workspaceName} (resource group ${resourceGroup}).`);
          io.out(result.studioUrl ? `Studio: ${result.studioUrl}` : 'az printed no studio URL (set az config set core.output=json to get one).');
        }
        return result.streamExitCode !== undefined && result.streamExitCode !== 0 ? 1 : 0;
      } finally {
        await store?.dispose();
      }
    },
  },
];
