import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { datasetExtensions, datasetNameFromFile, validateDatasetName } from './datasetNames';

describe('dataset names from files', () => {
  it('suggests a valid name for any file name', () => {
    expect(datasetNameFromFile('/data/seattle-weather.csv')).toBe('seattle-weather');
    expect(datasetNameFromFile('/data/2024 sales (final).parquet')).toBe('sales_final');
    expect(datasetNameFromFile('/data/123.csv')).toBe('dataset');
    for (const name of ['seattle-weather', 'sales_final', 'dataset']) expect(validateDatasetName(name)).toBeUndefined();
    expect(validateDatasetName('1abc')).toMatch(/starting with a letter/);
  });

  it('offers Register Dataset in the Explorer for exactly the readable file types', () => {
    const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
    const entry = manifest.contributes.menus['explorer/context'].find((m) => m.command === 'weir.registerDataset')!;
    const pattern = /resourceExtname =~ \/(.+)\/i/.exec(entry.when!)![1];
    const regex = new RegExp(pattern, 'i');
    for (const ext of datasetExtensions) expect(regex.test(ext), ext).toBe(true);
    expect(regex.test('.yaml')).toBe(false);
  });
});
