/**
 * Every error the engine raises on purpose is a WeirError with a stable `code`.
 * Only the CLI turns codes into exit codes, and only the language server turns them
 * into ResponseErrors; the core never decides how an error is shown.
 */
export type WeirErrorCode =
  /** The user gave something malformed: a pipeline file, a flag, a data file. Exit code 2. */
  | 'BAD_INPUT'
  /** A named thing (dataset, version, run, model, output, file) does not exist. Exit code 2. */
  | 'NOT_FOUND'
  /** A run or step failed while executing (SQL error, script exit code, trial crash). Exit code 1. */
  | 'RUN_FAILED'
  /** The user or a signal canceled the work. Exit code 1. */
  | 'CANCELED'
  /** Another process holds what we need and did not let go in time. Exit code 1. */
  | 'BUSY'
  /** A bug in Weir. Exit code 1. */
  | 'INTERNAL';

/** Where in a file an error sits; lines and columns are 1-based as editors print them. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

export class WeirError extends Error {
  readonly code: WeirErrorCode;
  readonly location?: SourceLocation;
  /** What the user can do about it, in one sentence. */
  readonly hint?: string;

  constructor(code: WeirErrorCode, message: string, options?: { location?: SourceLocation; hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WeirError';
    this.code = code;
    this.location = options?.location;
    this.hint = options?.hint;
  }

  /** `file:line:col: message (hint)` — the form every CLI error is printed in. */
  format(): string {
    const where = this.location ? `${this.location.file}:${this.location.line}:${this.location.column}: ` : '';
    return `${where}${this.message}${this.hint ? `\n  ${this.hint}` : ''}`;
  }
}

export function isWeirError(e: unknown): e is WeirError {
  return e instanceof WeirError;
}

export function exitCodeFor(e: unknown): number {
  if (!isWeirError(e)) return 1;
  return e.code === 'BAD_INPUT' || e.code === 'NOT_FOUND' ? 2 : 1;
}
