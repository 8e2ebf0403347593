import { describe, expect, it } from 'vitest';
import { buildForecastTable, forecastRows, inferFrequency } from '../../engine/src/automl/forecast/forecastFeatures';
import type { ColumnarTable } from '../../engine/src/automl/types';

function monthly(n: number, series?: string[]): ColumnarTable {
  const times: number[] = [];
  const values: number[] = [];
  const ids: string[] = [];
  for (const id of series ?? ['']) {
    for (let i = 0; i < n; i++) {
      times.push(Date.UTC(2000, i, 1));
      values.push((id === 'b' ? 100 : 0) + i + 10 * Math.sin((2 * Math.PI * i) / 12));
      ids.push(id);
    }
  }
  return {
    rows: times.length,
    columns: [
      { name: 'Date', type: 'datetime', duckType: 'DATE', values: Float64Array.from(times) },
      { name: 'y', type: 'number', duckType: 'DOUBLE', values: Float64Array.from(values) },
      ...(series ? [{ name: 'id', type: 'string' as const, duckType: 'VARCHAR', values: ids }] : []),
    ],
  };
}

describe('forecast features', () => {
  it('infers monthly frequency from calendar months', () => {
    expect(inferFrequency([[Date.UTC(2000, 0, 1), Date.UTC(2000, 1, 1), Date.UTC(2000, 2, 1)]])).toEqual({ unit: 'month', months: 1 });
    expect(inferFrequency([[0, 86_400_000, 2 * 86_400_000]])).toEqual({ unit: 'ms', step: 86_400_000 });
  });

  it('builds (origin, horizon) rows whose lags look only at the past of the origin', () => {
    const t = buildForecastTable(monthly(48), { timeColumn: 'Date', seriesColumns: [], label: 'y', horizon: 3, lags: [1, 2], rollingWindow: 3, seasonality: 'auto' });
    const names = t.X.featureNames!;
    const col = (name: string, row: number) => t.X.values[names.indexOf(name) * t.X.rows + row];
    expect(t.spec.seasonality).toBe(12);
    for (let r = 0; r < t.X.rows; r += 7) {
      const origin = t.originPeriod[r] - 2000 * 12; // position of the origin in the series
      const value = (i: number) => i + 10 * Math.sin((2 * Math.PI * i) / 12);
      // lag_1 is the level at the origin; the target and the other level features are relative to it.
      expect(col('lag_1', r)).toBeCloseTo(value(origin), 4);
      expect(t.base[r]).toBeCloseTo(value(origin), 4);
      expect(col('lag_2', r)).toBeCloseTo(value(origin - 1) - value(origin), 4);
      expect(col('horizon', r)).toBe(t.targetPeriod[r] - t.originPeriod[r]);
      expect(t.y[r]).toBeCloseTo(value(origin + col('horizon', r)) - value(origin), 4);
      // The seasonal feature is the value whole seasons before the target, never after the origin.
      const seasonal = origin + col('horizon', r) - 12;
      if (seasonal >= 0) expect(col('seasonal', r)).toBeCloseTo(value(seasonal) - value(origin), 4);
      else expect(col('seasonal', r)).toBeNaN();
    }
  });

  it('predicts future rows from the stored tail, per series, and refuses dates beyond the horizon', () => {
    const t = buildForecastTable(monthly(36, ['a', 'b']), { timeColumn: 'Date', seriesColumns: ['id'], label: 'y', horizon: 2, lags: 'auto', rollingWindow: undefined, seasonality: 'auto' });
    const future: ColumnarTable = {
      rows: 2,
      columns: [
        { name: 'Date', type: 'datetime', duckType: 'DATE', values: Float64Array.from([Date.UTC(2003, 0, 1), Date.UTC(2003, 1, 1)]) },
        { name: 'id', type: 'string', duckType: 'VARCHAR', values: ['b', 'a'] },
      ],
    };
    const { X, horizon, base } = forecastRows(future, t.spec);
    expect([...horizon]).toEqual([1, 2]);
    expect(base[1]).toBeCloseTo(35 + 10 * Math.sin((2 * Math.PI * 35) / 12), 4);
    const lag1 = X.values[X.featureNames!.indexOf('lag_1') * X.rows];
    expect(lag1).toBeCloseTo(100 + 35 + 10 * Math.sin((2 * Math.PI * 35) / 12), 4);
    const late = { ...future, columns: [{ ...future.columns[0], values: Float64Array.from([Date.UTC(2003, 5, 1), Date.UTC(2003, 1, 1)]) }, future.columns[1]] } as ColumnarTable;
    expect(() => forecastRows(late, t.spec)).toThrow(/row 1: .* 6 periods after the end of the training data; the model forecasts 1 to 2 periods ahead/);
  });
});
