export { fitFeaturizer, transform, datePart, type FitFeaturizerOptions, type FittedFeaturization } from './featurizer';
export { encodeLabel, nonNumericLabel } from './encodeLabel';
export { planFeatureNames, type ColumnPlan, type DatePart, type ImputeStrategy } from './columnPlan';
export { ONE_HOT_MAX_CATEGORIES } from './choosePlan';
export { parseDate, parseNumber, parseBoolean, cellAsNumber, cellAsString, cellAsTime } from './columnValues';
