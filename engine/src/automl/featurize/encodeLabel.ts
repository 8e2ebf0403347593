import { WeirError } from '../../errors';
import type { EncodedLabel, TableColumn, Task } from '../types';
import { cellAsNumber, cellAsString, isPresentText, isMissingMarker } from './columnValues';

/**
 * The label as the models see it. Classification: class indices in the order of the sorted
 * class values (numbers numerically, text alphabetically), so the same data always gives
 * the same indices. Regression and forecasting: the numbers, parsed from text if needed.
 * Rows whose label is missing are left out of training (as Azure does); `rows` lists
 * the rows kept, and is absent when every row has a label.
 */
export function encodeLabel(column: TableColumn, task: Task, tableRows: number): { y: EncodedLabel; rows?: Uint32Array } {
  const keep: number[] = [];
  if (task === 'classification') {
    const keys: (string | null)[] = new Array(tableRows);
    const seen = new Set<string>();
    for (let i = 0; i < tableRows; i++) {
      const key = cellAsString(column, i);
      keys[i] = isPresentText(key) ? key : null;
      if (keys[i] !== null) {
        keep.push(i);
        seen.add(keys[i]!);
      }
    }
    // Numbers sort numerically; text and booleans ('false' < 'true') alphabetically.
    const numeric = column.type === 'number';
    const classes = [...seen].sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (classes.length < 2) {
      throw new WeirError(
        'BAD_INPUT',
        classes.length === 0
          ? `label column '${column.name}' has no values`
          : `label column '${column.name}' has one class ('${classes[0]}'); classification needs at least two`,
        { hint: 'Check the label column and any filters in the data preparation step.' },
      );
    }
    const index = new Map(classes.map((c, i) => [c, i]));
    const values = new Float32Array(keep.length);
    keep.forEach((row, j) => (values[j] = index.get(keys[row]!)!));
    return { y: { values, classes }, rows: keep.length < tableRows ? Uint32Array.from(keep) : undefined };
  }

  const notNumeric = nonNumericLabel(column, task, tableRows);
  if (notNumeric) throw notNumeric;
  const parsed = new Float64Array(tableRows);
  for (let i = 0; i < tableRows; i++) {
    const v = cellAsNumber(column, i);
    parsed[i] = v;
    if (!Number.isNaN(v)) keep.push(i);
  }
  const values = new Float32Array(keep.length);
  keep.forEach((row, j) => (values[j] = parsed[row]));
  return { y: { values }, rows: keep.length < tableRows ? Uint32Array.from(keep) : undefined };
}

/**
 * Why a regression or forecasting label is not numbers, or undefined when it is: the first
 * text value that is neither a number nor a missing-value marker (`NA`, `?`, … are missing
 * labels: those rows are left out, as empty cells are), or a date/time column.
 */
export function nonNumericLabel(column: TableColumn, task: Task, tableRows: number): WeirError | undefined {
  if (column.type === 'datetime') return new WeirError('BAD_INPUT', `label column '${column.name}' is a date/time; ${task} needs a numeric label`);
  if (column.type !== 'string') return undefined;
  for (let i = 0; i < tableRows; i++) {
    const v = column.values[i];
    if (!isPresentText(v) || isMissingMarker(v) || !Number.isNaN(cellAsNumber(column, i))) continue;
    return new WeirError('BAD_INPUT', `label column '${column.name}' must be numeric for ${task}, but holds '${v}'`, {
      hint: task === 'regression' ? 'Use task: classification for a label with categories.' : undefined,
    });
  }
  return undefined;
}
