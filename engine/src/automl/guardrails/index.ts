export { featurizationGuardrails, type ColumnFinding } from './featurizationGuardrails';
export {
  classBalancingGuardrail,
  validationSplitGuardrail,
  targetLeakageGuardrail,
  dataGuardrails,
  IMBALANCE_RATIO,
  LEAKAGE_AUC,
  LEAKAGE_ACCURACY,
  LEAKAGE_CORRELATION,
  type ValidationPlan,
} from './dataGuardrails';
