/**
 * A table as typed columns, read from Parquet through DuckDB/Arrow: numbers as
 * Float64Array (NaN = null), strings as arrays with null, timestamps as epoch ms in
 * Float64Array. Never an object per row. Defined here, beside the reader that makes it, so
 * the data layer needs nothing from AutoML above it.
 */
export interface ColumnarTable {
  rows: number;
  columns: TableColumn[];
}

export type TableColumn =
  | { name: string; type: 'number'; duckType: string; values: Float64Array }
  | { name: string; type: 'boolean'; duckType: string; values: Float64Array } // 0/1/NaN
  | { name: string; type: 'string'; duckType: string; values: (string | null)[] }
  | { name: string; type: 'datetime'; duckType: string; values: Float64Array }; // epoch ms, NaN = null
