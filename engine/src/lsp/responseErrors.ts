import { ResponseError } from 'vscode-languageserver';
import { isWeirError, type WeirErrorCode } from '../errors';
import { WeirResponseErrorCodes, type WeirErrorData } from '../protocol';

/**
 * The only place engine errors become JSON-RPC errors: a WeirError keeps its message, code,
 * hint and file location; anything else is a bug and says so.
 */
export function toResponseError(e: unknown): ResponseError<WeirErrorData> {
  if (e instanceof ResponseError) return e as ResponseError<WeirErrorData>;
  if (isWeirError(e)) {
    const code: WeirErrorCode = e.code;
    const data: WeirErrorData = { weirCode: code };
    if (e.hint) data.hint = e.hint;
    if (e.location) data.location = { file: e.location.file, line: e.location.line, column: e.location.column };
    const where = e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : '';
    return new ResponseError(WeirResponseErrorCodes[code], `${where}${e.message}`, data);
  }
  const message = e instanceof Error ? e.message : String(e);
  return new ResponseError(WeirResponseErrorCodes.INTERNAL, `internal error in the Weir engine: ${message}`, { weirCode: 'INTERNAL' });
}

/**
 * The one wrapper of the engine's request handlers: `fn`'s result, or its error as a
 * ResponseError (above). An error that is not a WeirError is a bug, so it is logged with its
 * stack first; the editor shows only the short message.
 */
export function weirHandler<P, R>(method: string, log: (message: string) => void, fn: (params: P) => Promise<R>): (params: P) => Promise<R | ResponseError<WeirErrorData>> {
  return async (params) => {
    try {
      return await fn(params);
    } catch (e) {
      if (!isWeirError(e)) log(`${method} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return toResponseError(e);
    }
  };
}
