import { randomBytes } from 'node:crypto';
import { WeirError } from '../errors';

/**
 * Names users choose (datasets, models) become folder names, so they are limited to characters
 * that are safe on every file system. Experiment and step names come from pipeline files and
 * are encoded instead of rejected.
 */
const REGISTRY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkRegistryName(kind: 'dataset' | 'model', name: string): void {
  if (!REGISTRY_NAME.test(name)) {
    throw new WeirError('BAD_INPUT', `invalid ${kind} name '${name}'`, {
      hint: 'Use letters, digits, ".", "_" and "-", starting with a letter or digit (at most 128 characters).',
    });
  }
}

/** Encodes any string as one portable file name (reversible with `decodeFileName`). */
export function encodeFileName(name: string): string {
  const encoded = name.replace(/[^A-Za-z0-9_-]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 256 ? `%${code.toString(16).padStart(2, '0')}` : encodeURIComponent(c);
  });
  return encoded.length === 0 ? '%' : encoded;
}

export function decodeFileName(file: string): string {
  return file === '%' ? '' : decodeURIComponent(file);
}

/**
 * A run id that sorts by creation time and is unique across processes (the caller still
 * claims it with an exclusive mkdir): `run_20261127_231500_123_ab12`.
 */
export function newRunId(now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}_${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}_${p(now.getUTCMilliseconds(), 3)}`;
  return `run_${stamp}_${randomBytes(2).toString('hex')}`;
}
