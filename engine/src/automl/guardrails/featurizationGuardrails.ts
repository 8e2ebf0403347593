import type { Guardrail } from '../types';
import type { ColumnPlan } from '../featurize/columnPlan';

/** What featurization found in one input column, for the guardrails report. */
export interface ColumnFinding {
  column: string;
  rows: number;
  missing: number;
  distinct: number;
  plan: ColumnPlan;
  note?: string;
  highCardinality: boolean;
}

/**
 * Azure's two featurization guardrails. Both are informational: `Passed` when there was
 * nothing to do, `Done` when featurization changed the data (imputed, dropped or encoded
 * columns) — Azure never alerts on these, it reports what it did.
 */
export function featurizationGuardrails(findings: ColumnFinding[]): Guardrail[] {
  const imputed = findings.filter((f) => f.missing > 0 && f.plan.kind !== 'ignore');
  const emptyDropped = findings.filter((f) => f.plan.kind === 'ignore' && f.missing === f.rows && f.rows > 0);
  const missingDetails = [
    ...imputed.map((f) => ({ column: f.column, missing: f.missing, missingShare: f.missing / f.rows, action: imputeAction(f.plan) })),
    ...emptyDropped.map((f) => ({ column: f.column, missing: f.missing, missingShare: 1, action: 'dropped: all values missing' })),
  ];
  const highCardinality = findings.filter((f) => f.highCardinality);
  return [
    {
      name: 'Missing feature values imputation',
      status: missingDetails.length > 0 ? 'Done' : 'Passed',
      description:
        missingDetails.length > 0
          ? `Missing values were found in ${missingDetails.length} feature column${missingDetails.length === 1 ? '' : 's'} and imputed (or the column dropped when empty).`
          : 'No missing feature values were detected in the training data.',
      ...(missingDetails.length > 0 ? { details: missingDetails } : {}),
    },
    {
      name: 'High cardinality feature detection',
      status: highCardinality.length > 0 ? 'Done' : 'Passed',
      description:
        highCardinality.length > 0
          ? `${highCardinality.length} high-cardinality column${highCardinality.length === 1 ? ' was' : 's were'} detected and handled (ID-like columns dropped, others frequency- and target-encoded or hashed).`
          : 'No high-cardinality features were detected.',
      ...(highCardinality.length > 0
        ? { details: highCardinality.map((f) => ({ column: f.column, distinct: f.distinct, rows: f.rows, action: f.note ?? f.plan.kind })) }
        : {}),
    },
  ];
}

function imputeAction(plan: ColumnPlan): string {
  switch (plan.kind) {
    case 'numeric':
      return plan.strategy === 'none' ? 'left missing (featurization off)' : `imputed with the ${plan.strategy.replace('_', ' ')} ${Number(plan.fill.toPrecision(6))}${plan.indicator ? ', plus a missing indicator' : ''}`;
    case 'onehot':
    case 'frequency':
    case 'hash':
      return `imputed with the most frequent value '${plan.fill}'${plan.indicator ? ', plus a missing indicator' : ''}`;
    case 'datetime':
      return `imputed with the median time ${new Date(plan.fill).toISOString()}${plan.indicator ? ', plus a missing indicator' : ''}`;
    case 'text':
      return 'missing text counts as no words';
    case 'ignore':
      return 'dropped';
  }
}
