import { describe, expect, it } from 'vitest';
import { formatBytes, formatDate, formatDuration, formatNumber, lowerIsBetter } from './format';

describe('format', () => {
  it('formats numbers compactly and groups thousands', () => {
    expect(formatNumber(3_000_000)).toBe('3,000,000');
    expect(formatNumber(-1234)).toBe('-1,234');
    expect(formatNumber(0.87123456)).toBe('0.8712');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(0.00001234)).toBe('1.23e-5');
    expect(formatNumber(NaN)).toBe('—');
    expect(formatNumber(undefined)).toBe('—');
  });

  it('formats durations, sizes and dates', () => {
    expect(formatDuration(412)).toBe('412 ms');
    expect(formatDuration(1680)).toBe('1.68 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatBytes(120_000)).toBe('117.2 KiB');
    expect(formatDate('2026-11-27T12:00:42.000Z')).toMatch(/^2026-11-2[78] \d\d:\d\d:42$/);
    expect(formatDate(undefined)).toBe('—');
  });

  it('knows which metrics are better when smaller', () => {
    expect(lowerIsBetter('normalized_root_mean_squared_error')).toBe(true);
    expect(lowerIsBetter('log_loss')).toBe(true);
    expect(lowerIsBetter('AUC_weighted')).toBe(false);
    expect(lowerIsBetter('r2_score')).toBe(false);
  });
});
