import { describe, expect, it } from 'vitest';
import { completionContextAt } from './completionContext';

const at = (text: string) => {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('|'));
  const character = lines[line].indexOf('|');
  return completionContextAt(text.replace('|', ''), line, character);
};

describe('completion context from indentation', () => {
  it('finds the mapping of a key being typed, even in text that is not valid YAML yet', () => {
    expect(at('name: x\nsteps:\n  prep:\n    sq|')).toEqual({ type: 'key', path: ['steps', 'prep'], prefix: 'sq', indent: 4 });
    expect(at('name: x\nou|')).toEqual({ type: 'key', path: [], prefix: 'ou', indent: 0 });
    expect(at('steps:\n  t:\n    automl:\n      task: x\n\n      |')).toMatchObject({ type: 'key', path: ['steps', 't', 'automl'] });
  });

  it('finds the key whose value is typed, in block and flow mappings', () => {
    expect(at('steps:\n  t:\n    automl:\n      primary_metric: AU|')).toEqual({ type: 'value', path: ['steps', 't', 'automl', 'primary_metric'], prefix: 'AU' });
    expect(at('steps:\n  t:\n    inputs: { training_data: |')).toEqual({ type: 'value', path: ['steps', 't', 'inputs', 'training_data'], prefix: '' });
    expect(at('steps:\n  t:\n    inputs: { a: 1, b|')).toEqual({ type: 'key', path: ['steps', 't', 'inputs'], prefix: 'b', indent: 6 });
    expect(at('steps:\n  t:\n    automl:\n      drop_columns: [a, |')).toEqual({ type: 'value', path: ['steps', 't', 'automl', 'drop_columns', 0], prefix: '' });
  });

  it('finds expressions and the key that holds them', () => {
    expect(at('steps:\n  t:\n    inputs: { x: ${{ steps.pr| }} }')).toEqual({ type: 'expression', path: ['steps', 't', 'inputs', 'x'], prefix: 'steps.pr', closed: true });
    expect(at('outputs:\n  m: ${{ |')).toEqual({ type: 'expression', path: ['outputs', 'm'], prefix: '', closed: false });
  });

  it('walks through sequence items', () => {
    expect(at('steps:\n  t:\n    automl:\n      allowed_models:\n        - |')).toEqual({ type: 'value', path: ['steps', 't', 'automl', 'allowed_models', 0], prefix: '' });
  });
});
