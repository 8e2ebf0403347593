import type { FeaturizerState } from '../automl/types';
import { columnKind } from './scoringInput';

/**
 * A ready-to-run scoring request for a model, as the model card shows it: one row of
 * plausible values (the value the featurizer fills in for a missing cell, which is the
 * training median or most frequent category, or the first known category), typed as the
 * server expects, in `dataframe_split` form.
 */
export function exampleRow(featurizer: Pick<FeaturizerState, 'inputSchema' | 'columns'>): Record<string, string | number | boolean | null> {
  const plans = new Map(featurizer.columns.map((c) => [c.name, c.params]));
  const row: Record<string, string | number | boolean | null> = {};
  for (const c of featurizer.inputSchema) {
    const plan = plans.get(c.name) ?? {};
    const fill = plan.fill;
    const categories = Array.isArray(plan.categories) ? (plan.categories as unknown[]) : [];
    const kind = columnKind(c.duckType);
    if (plan.kind === 'datetime' && plan.digits === 'yyyymmdd' && typeof fill === 'number' && Number.isFinite(fill)) {
      // A date written as the number YYYYMMDD (its fill is the median day's epoch ms): that day, written the same way.
      const d = new Date(fill);
      const day = d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
      row[c.name] = kind === 'number' ? day : String(day);
    } else if (kind === 'number') {
      // A numeric column encoded as categories (Pclass) fills with a category, which is numeric text.
      const n = typeof fill === 'number' ? fill : typeof fill === 'string' && fill.trim() !== '' ? Number(fill) : typeof categories[0] === 'string' ? Number(categories[0]) : NaN;
      row[c.name] = Number.isFinite(n) ? Number(n.toPrecision(6)) : 0;
    } else if (kind === 'boolean') row[c.name] = false;
    else if (kind === 'datetime') row[c.name] = typeof fill === 'number' && Number.isFinite(fill) ? new Date(fill).toISOString() : '2024-01-01T00:00:00.000Z';
    else row[c.name] = typeof fill === 'string' && fill !== '' ? fill : typeof categories[0] === 'string' ? categories[0] : '';
  }
  return row;
}

/** The `weir model serve` command line and a `curl` call of its `/invocations` with `row`. */
export function serveExample(ref: string, row: Record<string, unknown>, port = 5000): { command: string; url: string; curl: string } {
  const url = `http://127.0.0.1:${port}/invocations`;
  const columns = Object.keys(row);
  const body = JSON.stringify({ dataframe_split: { columns, data: [columns.map((c) => row[c])] } });
  // Single quotes keep the JSON literal in POSIX shells; a quote inside the JSON is closed, escaped and reopened.
  const quoted = `'${body.replace(/'/g, `'\\''`)}'`;
  return {
    command: `weir model serve ${ref} --port ${port}`,
    url,
    curl: `curl -s ${url} -H 'Content-Type: application/json' -d ${quoted}`,
  };
}
