import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from '../../engine/src/util/format';

describe('formatDuration', () => {
  it('reads at every scale', () => {
    expect(formatDuration(412)).toBe('412 ms');
    expect(formatDuration(1680)).toBe('1.68 s');
    expect(formatDuration(2100)).toBe('2.1 s');
    expect(formatDuration(3000)).toBe('3.0 s');
    expect(formatDuration(12_540)).toBe('12.5 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(180_000)).toBe('3 min');
    // Seconds round into the minute instead of showing "1 min 60 s".
    expect(formatDuration(119_800)).toBe('2 min');
    expect(formatDuration(3_720_000)).toBe('1 h 2 min');
  });

  it('says what the caller wants for an unknown duration', () => {
    expect(formatDuration(undefined)).toBe('');
    expect(formatDuration(NaN, '—')).toBe('—');
  });
});

describe('formatBytes', () => {
  it('counts in powers of 1024', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(120_000)).toBe('117.2 KiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatBytes(3 * 1024 ** 5)).toBe('3072.0 TiB');
    expect(formatBytes(undefined, '—')).toBe('—');
  });
});
