import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../errors';
import { assertNotSpecial } from '../store/fileKinds';
import type { WorkspaceStore } from '../store/storeApi';
import { checkPipeline } from './check';
import { parsePipelineText } from './parse';
import type { ParsedPipeline, PipelineDiagnostic, PipelineSpec } from './types';

/**
 * `error: file:line:col: message` (or `warning:`, `information:`) for one diagnostic, 1-based
 * as editors print positions: the CLI's one error shape, `error: <file>: <reason>`, so the
 * first line of `weir validate` and of `weir run` on the same bad file read the same.
 */
export function formatDiagnostic(filePath: string, d: PipelineDiagnostic): string {
  const where = `${filePath}:${d.range.start.line + 1}:${d.range.start.character + 1}`;
  return `${d.severity}: ${where}: ${d.message}${d.hint ? `\n  ${d.hint}` : ''}`;
}

/** Reads and parses a pipeline file; NOT_FOUND when it cannot be read. */
export async function readPipelineFile(filePath: string): Promise<ParsedPipeline> {
  let text: string;
  // A FIFO or device would block or never end the read below.
  assertNotSpecial(filePath, 'a pipeline file');
  try {
    text = await readFile(filePath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') throw new WeirError('BAD_INPUT', `${filePath}: is a folder, not a pipeline file`);
    throw new WeirError('NOT_FOUND', `pipeline file not found: ${filePath}`);
  }
  return parsePipelineText(text, filePath);
}

/**
 * Reads, parses and checks a pipeline file. Throws WeirError('BAD_INPUT') located at the
 * first error, whose message lists every error; NOT_FOUND when the file does not exist.
 */
export async function loadPipeline(filePath: string, store?: WorkspaceStore, options?: { inferSchemas?: boolean }): Promise<PipelineSpec> {
  const parsed = await readPipelineFile(filePath);
  const diagnostics = [...parsed.diagnostics];
  if (parsed.spec) diagnostics.push(...(await checkPipeline(parsed, { pipelineDir: path.dirname(path.resolve(filePath)), store, inferSchemas: options?.inferSchemas ?? false })));
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !parsed.spec) {
    const first = errors[0];
    const rest = errors.slice(1).map((d) => formatDiagnostic(filePath, d));
    throw new WeirError('BAD_INPUT', `${first?.message ?? 'invalid pipeline'}${rest.length ? `\n${rest.join('\n')}` : ''}`, {
      location: first ? { file: filePath, line: first.range.start.line + 1, column: first.range.start.character + 1, endLine: first.range.end.line + 1, endColumn: first.range.end.character + 1 } : undefined,
      hint: first?.hint,
    });
  }
  return parsed.spec;
}
