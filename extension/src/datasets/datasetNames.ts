import path from 'node:path';

/** File types `weir dataset register` reads; the Explorer context menu's `when` clause matches the same list. */
export const datasetExtensions = ['.csv', '.tsv', '.tab', '.data', '.parquet', '.json', '.ndjson', '.jsonl', '.arrow', '.feather', '.arff'];

/** A dataset name from a file name: letters, digits, `_` and `-`, starting with a letter. */
export function datasetNameFromFile(file: string): string {
  const base = path.basename(file).replace(/\.[^.]+$/, '');
  const cleaned = base.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z]+/, '').replace(/_+$/, '');
  return cleaned || 'dataset';
}

export function validateDatasetName(name: string): string | undefined {
  return /^[A-Za-z][A-Za-z0-9_-]*$/.test(name) ? undefined : 'Use letters, digits, _ and -, starting with a letter.';
}
