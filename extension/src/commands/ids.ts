/**
 * Every command Weir contributes, in one table: the id code uses, the title and icon the
 * manifest shows. `package.json`'s `contributes.commands` is checked against this table by
 * `ids.test.ts`, so the two cannot drift. This file imports nothing (the tests and the
 * benchmark load it without VS Code).
 */
export const CommandIds = {
  runPipeline: 'weir.runPipeline',
  runStep: 'weir.runStep',
  cancelRun: 'weir.cancelRun',
  rerun: 'weir.rerun',
  rerunNoReuse: 'weir.rerunNoReuse',
  registerDataset: 'weir.registerDataset',
  previewDataset: 'weir.previewDataset',
  deleteDataset: 'weir.deleteDataset',
  openRunLogs: 'weir.openRunLogs',
  openRunDetails: 'weir.openRunDetails',
  openModelCard: 'weir.openModelCard',
  deleteModel: 'weir.deleteModel',
  compareRuns: 'weir.compareRuns',
  predictWithModel: 'weir.predictWithModel',
  serveModel: 'weir.serveModel',
  downloadOutput: 'weir.downloadOutput',
  deleteRun: 'weir.deleteRun',
  copyRunId: 'weir.copyRunId',
  createExamplePipeline: 'weir.createExamplePipeline',
  refresh: 'weir.refresh',
  showMoreRuns: 'weir.showMoreRuns',
  showLog: 'weir.showLog',
  restartEngine: 'weir.restartEngine',
  exportToAzureML: 'weir.exportToAzureML',
  submitToAzureML: 'weir.submitToAzureML',
} as const;

export type CommandId = (typeof CommandIds)[keyof typeof CommandIds];

export interface CommandManifestEntry {
  command: CommandId;
  title: string;
  category: 'Weir';
  icon?: string;
}

/** The `contributes.commands` entries, in palette order. */
export const commandManifest: CommandManifestEntry[] = [
  { command: CommandIds.runPipeline, title: 'Run Pipeline', category: 'Weir', icon: '$(play)' },
  { command: CommandIds.runStep, title: 'Run Step', category: 'Weir', icon: '$(debug-start)' },
  { command: CommandIds.cancelRun, title: 'Cancel Run', category: 'Weir', icon: '$(debug-stop)' },
  { command: CommandIds.rerun, title: 'Rerun', category: 'Weir', icon: '$(debug-rerun)' },
  { command: CommandIds.rerunNoReuse, title: 'Rerun Without Reuse', category: 'Weir' },
  { command: CommandIds.registerDataset, title: 'Register Dataset', category: 'Weir', icon: '$(add)' },
  { command: CommandIds.previewDataset, title: 'Preview Dataset', category: 'Weir', icon: '$(table)' },
  { command: CommandIds.deleteDataset, title: 'Delete Dataset Version', category: 'Weir', icon: '$(trash)' },
  { command: CommandIds.openRunLogs, title: 'Open Run Logs', category: 'Weir', icon: '$(output)' },
  { command: CommandIds.openRunDetails, title: 'Open Run Details', category: 'Weir', icon: '$(preview)' },
  { command: CommandIds.openModelCard, title: 'Open Model Card', category: 'Weir', icon: '$(preview)' },
  { command: CommandIds.deleteModel, title: 'Delete Model Version', category: 'Weir', icon: '$(trash)' },
  { command: CommandIds.compareRuns, title: 'Compare Runs', category: 'Weir', icon: '$(diff)' },
  { command: CommandIds.predictWithModel, title: 'Predict with Model', category: 'Weir', icon: '$(symbol-event)' },
  { command: CommandIds.serveModel, title: 'Serve Model', category: 'Weir', icon: '$(server-process)' },
  { command: CommandIds.downloadOutput, title: 'Download Output', category: 'Weir', icon: '$(cloud-download)' },
  { command: CommandIds.deleteRun, title: 'Delete Run', category: 'Weir', icon: '$(trash)' },
  { command: CommandIds.copyRunId, title: 'Copy Run Id', category: 'Weir', icon: '$(copy)' },
  { command: CommandIds.createExamplePipeline, title: 'Create Example Pipeline', category: 'Weir', icon: '$(new-file)' },
  { command: CommandIds.refresh, title: 'Refresh', category: 'Weir', icon: '$(refresh)' },
  { command: CommandIds.showMoreRuns, title: 'Show Older Runs', category: 'Weir', icon: '$(unfold)' },
  { command: CommandIds.showLog, title: 'Show Log', category: 'Weir', icon: '$(output)' },
  { command: CommandIds.restartEngine, title: 'Restart Engine', category: 'Weir', icon: '$(debug-restart)' },
  { command: CommandIds.exportToAzureML, title: 'Export to Azure ML…', category: 'Weir', icon: '$(export)' },
  { command: CommandIds.submitToAzureML, title: 'Submit to Azure ML…', category: 'Weir', icon: '$(cloud-upload)' },
];

/** View ids, used by `package.json` and by the tree registrations. */
export const ViewIds = {
  container: 'weir',
  experiments: 'weir.experiments',
  datasets: 'weir.datasets',
  models: 'weir.models',
} as const;
