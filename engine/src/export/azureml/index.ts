/**
 * Export to Azure Machine Learning: a Weir pipeline file as a CLI v2 pipeline job folder
 * (`exportPipeline.ts`), the automl settings mapping (`automlJob.ts`), and submission
 * through the `az` CLI (`submit.ts`). See docs/azureml.md.
 */
export { exportAzureML, formatExportWarning, toYaml, DEFAULT_COMPUTE } from './exportPipeline';
export type { ExportOptions, ExportResult, ExportWarning } from './exportPipeline';
export { AUTOML_SETTING_MAP, AZURE_MIN_TIMEOUT_MINUTES, buildAutomlNode } from './automlJob';
export type { SettingMapping } from './automlJob';
export { submitAzureML, checkAzureCli, studioUrlOf, AZ_INSTALL_HINT } from './submit';
export type { SubmitOptions, SubmitResult } from './submit';
