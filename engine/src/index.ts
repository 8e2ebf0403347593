/**
 * Weir's JavaScript API: load a trained AutoML model and score rows in any Node program,
 * and the pieces behind it for programs that run AutoML themselves.
 *
 * ```ts
 * import { loadModel } from 'weir';
 * const model = loadModel('.weir/artifacts/…/model');
 * const { prediction, probabilities } = model.predict([{ Pclass: 3, Sex: 'male', Age: 22 }]);
 * const why = model.explain([{ Pclass: 3, Sex: 'male', Age: 22 }]); // SHAP values per column
 * ```
 */
export { loadModel, type AutoMLModel, type Predictions } from './automl/model/loadModel';
export type { ModelArtifact } from './automl/model/modelArtifact';
export type { ModelExplanation } from './explain/explainModel';
export { explanationRecords, explanationDocument } from './explain/explanationRecords';
export { runAutoML, type AutoMLRunArgs, type AutoMLRunResult } from './automl/runAutoML';
export { automlConfigSchema, parseAutoMLConfig, resolveSettings, type AutoMLConfig, type ResolvedSettings } from './automl/settings';
export type { ColumnarTable, TableColumn, Task } from './automl/types';
export { readTableFile, writeTableFile } from './automl/model/tableFiles';
export { WeirError, type WeirErrorCode } from './errors';
