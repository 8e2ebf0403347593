import { describe, expect, it } from 'vitest';
import { WeirError, exitCodeFor } from './errors';

describe('WeirError', () => {
  it('formats file:line:col and the hint', () => {
    const e = new WeirError('BAD_INPUT', 'unknown step "prep"', {
      location: { file: 'a.pipeline.yaml', line: 3, column: 7 },
      hint: 'Steps are: dataprep, train.',
    });
    expect(e.format()).toBe('a.pipeline.yaml:3:7: unknown step "prep"\n  Steps are: dataprep, train.');
  });

  it('maps codes to exit codes', () => {
    expect(exitCodeFor(new WeirError('BAD_INPUT', 'x'))).toBe(2);
    expect(exitCodeFor(new WeirError('NOT_FOUND', 'x'))).toBe(2);
    expect(exitCodeFor(new WeirError('RUN_FAILED', 'x'))).toBe(1);
    expect(exitCodeFor(new Error('x'))).toBe(1);
  });
});
