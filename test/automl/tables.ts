import type { ColumnarTable, TableColumn } from '../../engine/src/automl/types';
import { Random } from '../../engine/src/automl/search/random';

export function num(name: string, values: number[]): TableColumn {
  return { name, type: 'number', duckType: 'DOUBLE', values: Float64Array.from(values) };
}

export function str(name: string, values: (string | null)[]): TableColumn {
  return { name, type: 'string', duckType: 'VARCHAR', values };
}

export function table(columns: TableColumn[]): ColumnarTable {
  return { rows: columns[0].values.length, columns };
}

/**
 * A small synthetic binary task with a real signal: the label depends on x1, x2 and a
 * category, plus noise, so models differ and ensembles have something to combine.
 */
export function syntheticClassification(rows: number, seed = 1): ColumnarTable {
  const rng = new Random(seed);
  const x1: number[] = [];
  const x2: number[] = [];
  const cat: string[] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const a = rng.normal();
    const b = rng.normal();
    const c = ['red', 'green', 'blue'][rng.int(3)];
    const logit = 1.5 * a - b * b + (c === 'red' ? 1 : 0) + 0.5 * rng.normal();
    x1.push(a);
    x2.push(b);
    cat.push(c);
    y.push(logit > 0 ? 1 : 0);
  }
  return table([num('x1', x1), num('x2', x2), str('color', cat), num('label', y)]);
}

export function syntheticRegression(rows: number, seed = 2): ColumnarTable {
  const rng = new Random(seed);
  const x1: number[] = [];
  const x2: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const a = rng.normal();
    const b = rng.next() * 4;
    x1.push(a);
    x2.push(b);
    y.push(3 * a + Math.sin(b) * 2 + 0.3 * rng.normal());
  }
  return table([num('x1', x1), num('x2', x2), num('target', y)]);
}
