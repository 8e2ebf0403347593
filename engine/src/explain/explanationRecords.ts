import { WeirError } from '../errors';
import type { ModelExplanation } from './explainModel';

export interface RecordOptions {
  /** Add a column per engineered feature (`engineered:NAME`) after the raw columns. */
  engineered?: boolean;
  /**
   * Which classes to write. Default: the positive class of a binary model (the other is its
   * mirror image), every class of a multiclass model.
   */
  classes?: string[];
}

const FIXED = new Set(['row', 'class', 'base_value', 'prediction']);

/** The outputs (class indices) records are written for. */
export function recordOutputs(e: ModelExplanation, classes?: string[]): number[] {
  if (e.space !== 'probability') return [0];
  if (!classes || classes.length === 0) return e.outputs.length === 2 ? [1] : e.outputs.map((_, k) => k);
  return classes.map((c) => {
    const k = e.outputs.indexOf(c);
    if (k < 0) throw new WeirError('BAD_INPUT', `--class ${c}: the model's classes are ${e.outputs.join(', ')}`);
    return k;
  });
}

/** A raw column's header: its own name unless it clashes with a fixed column. */
export function rawHeader(name: string): string {
  return FIXED.has(name) ? `raw:${name}` : name;
}

/**
 * One flat record per row and class: row (0-based), class (classification), base_value,
 * prediction (base + Σ contributions: the probability or value), one column per raw column
 * and, with `engineered`, one per engineered feature.
 */
export function explanationRecords(e: ModelExplanation, options: RecordOptions = {}): Record<string, string | number>[] {
  const outputs = recordOutputs(e, options.classes);
  const K = e.outputs.length;
  const p = e.engineeredFeatures.length;
  const r = e.rawColumns.length;
  const out: Record<string, string | number>[] = [];
  for (let i = 0; i < e.rows; i++) {
    for (const k of outputs) {
      const rec: Record<string, string | number> = { row: i };
      if (e.space === 'probability') rec.class = e.outputs[k];
      rec.base_value = e.base[k];
      let total = e.base[k];
      const rawAt = (i * K + k) * r;
      for (let c = 0; c < r; c++) total += e.raw[rawAt + c];
      rec.prediction = total;
      for (let c = 0; c < r; c++) rec[rawHeader(e.rawColumns[c])] = e.raw[rawAt + c];
      if (options.engineered) {
        const at = (i * K + k) * p;
        for (let j = 0; j < p; j++) rec[`engineered:${e.engineeredFeatures[j]}`] = e.engineered[at + j];
      }
      out.push(rec);
    }
  }
  return out;
}

/** The records as CSV (RFC 4180 quoting), full float precision. */
export function recordsToCsv(records: Record<string, string | number>[]): string {
  if (records.length === 0) return '';
  const headers = Object.keys(records[0]);
  const cell = (v: unknown): string => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [headers.map(cell).join(',')];
  for (const rec of records) lines.push(headers.map((h) => cell(rec[h] ?? '')).join(','));
  return `${lines.join('\n')}\n`;
}

/** The JSON document `weir model explain --out FILE.json` writes. */
export function explanationDocument(e: ModelExplanation, options: RecordOptions = {}): Record<string, unknown> {
  const outputs = recordOutputs(e, options.classes);
  const K = e.outputs.length;
  const p = e.engineeredFeatures.length;
  const r = e.rawColumns.length;
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < e.rows; i++) {
    for (const k of outputs) {
      const raw: Record<string, number> = {};
      let total = e.base[k];
      for (let c = 0; c < r; c++) {
        raw[e.rawColumns[c]] = e.raw[(i * K + k) * r + c];
        total += e.raw[(i * K + k) * r + c];
      }
      const row: Record<string, unknown> = { row: i, ...(e.space === 'probability' ? { class: e.outputs[k] } : {}), base_value: e.base[k], prediction: total, raw };
      if (options.engineered) {
        const eng: Record<string, number> = {};
        for (let j = 0; j < p; j++) eng[e.engineeredFeatures[j]] = e.engineered[(i * K + k) * p + j];
        row.engineered = eng;
      }
      rows.push(row);
    }
  }
  return {
    space: e.space,
    outputs: e.outputs,
    base: e.base,
    rawColumns: e.rawColumns,
    ...(options.engineered ? { engineeredFeatures: e.engineeredFeatures } : {}),
    rows,
  };
}
