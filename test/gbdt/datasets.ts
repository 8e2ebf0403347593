import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FeatureMatrix } from '../../engine/src/gbdt/api';
import { mulberry32 } from '../../engine/src/util/mulberry32';
import { vegaData } from '../helpers/paths';

export type Labeled = FeatureMatrix & { label: Float32Array };

/**
 * A synthetic binary task: `cols` features, normal-ish values, about 5% missing, a
 * non-linear signal in the first five features plus noise. Deterministic for a seed.
 * With `step`, values are rounded to multiples of it (fewer distinct values).
 */
export function syntheticBinary(rows: number, cols: number, seed: number, step?: number): Labeled {
  const rand = mulberry32(seed);
  const gauss = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) {
    const g = gauss();
    values[i] = rand() < 0.05 ? NaN : step ? Math.round(g / step) * step : g;
  }
  const label = new Float32Array(rows);
  const v = (f: number, i: number) => (f < cols && !Number.isNaN(values[f * rows + i]) ? values[f * rows + i] : 0);
  for (let i = 0; i < rows; i++) {
    const signal = v(0, i) + 0.5 * v(1, i) * v(1, i) - v(2, i) * v(3, i) + 0.3 * Math.sin(3 * v(4, i));
    label[i] = signal + gauss() > 0.5 ? 1 : 0;
  }
  return { rows, cols, values, label };
}

/** Rows [from, to) of a matrix. */
export function sliceRows(m: Labeled, from: number, to: number): Labeled {
  const rows = to - from;
  const values = new Float32Array(rows * m.cols);
  for (let f = 0; f < m.cols; f++) values.set(m.values.subarray(f * m.rows + from, f * m.rows + to), f * rows);
  return { rows, cols: m.cols, values, label: m.label.slice(from, to), featureNames: m.featureNames };
}

/** A column-major matrix from records; null/undefined become NaN. */
export function fromRecords(records: Record<string, unknown>[], features: string[], label: (r: Record<string, unknown>) => number): Labeled {
  const rows = records.length;
  const values = new Float32Array(rows * features.length);
  features.forEach((name, f) => {
    records.forEach((r, i) => {
      const v = r[name];
      values[f * rows + i] = typeof v === 'number' ? v : NaN;
    });
  });
  return { rows, cols: features.length, values, label: Float32Array.from(records.map(label)), featureNames: features };
}

/** vega-datasets cars.json: predict miles per gallon (rows without it dropped). */
export function carsRegression(): Labeled {
  const records = (JSON.parse(readFileSync(path.join(vegaData, 'cars.json'), 'utf8')) as Record<string, unknown>[]).filter((r) => typeof r.Miles_per_Gallon === 'number');
  return fromRecords(records, ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration'], (r) => r.Miles_per_Gallon as number);
}

/** vega-datasets penguins.json: species (3 classes) from body measurements. */
export function penguinsMulticlass(): Labeled {
  const species = ['Adelie', 'Chinstrap', 'Gentoo'];
  const records = JSON.parse(readFileSync(path.join(vegaData, 'penguins.json'), 'utf8')) as Record<string, unknown>[];
  return fromRecords(records, ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'], (r) => species.indexOf(r.Species as string));
}
