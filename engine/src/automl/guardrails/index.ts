export { featurizationGuardrails, type ColumnFinding } from './featurizationGuardrails';
export {
  classBalancingGuardrail,
  rowsPerClassGuardrail,
  labelSpellingGuardrail,
  validationSplitGuardrail,
  dataGuardrails,
  IMBALANCE_RATIO,
  MIN_ROWS_PER_CLASS,
  type ValidationPlan,
} from './dataGuardrails';
export { targetLeakageGuardrail, singleColumnScores, type ColumnLeakageScore, LEAKAGE_ERROR_REDUCTION, LEAKAGE_R2, type LeakageSource } from './targetLeakage';
