import { ResponseError } from 'vscode-languageserver';
import { describe, expect, it } from 'vitest';
import { WeirError } from '../../engine/src/errors';
import { weirHandler } from '../../engine/src/lsp/responseErrors';

/** The one wrapper of the engine's request handlers (engine requests and webview data alike). */
describe('weirHandler', () => {
  it('answers with the result', async () => {
    const logged: string[] = [];
    expect(await weirHandler('weir/x', (m) => logged.push(m), async (n: number) => n + 1)(1)).toBe(2);
    expect(logged).toEqual([]);
  });

  it('turns a WeirError into its response without logging it', async () => {
    const logged: string[] = [];
    const answer = await weirHandler('weir/x', (m) => logged.push(m), async () => {
      throw new WeirError('NOT_FOUND', 'no run r1', { hint: 'see weir runs' });
    })(undefined);
    expect(answer).toBeInstanceOf(ResponseError);
    expect((answer as ResponseError<{ weirCode: string; hint?: string }>).data).toEqual({ weirCode: 'NOT_FOUND', hint: 'see weir runs' });
    expect(logged).toEqual([]);
  });

  it('logs a bug with its stack and answers with a short internal error', async () => {
    const logged: string[] = [];
    const answer = await weirHandler('weir/webview/runDetails', (m) => logged.push(m), async () => {
      throw new TypeError('cannot read x of undefined');
    })(undefined);
    expect((answer as ResponseError<unknown>).message).toBe('internal error in the Weir engine: cannot read x of undefined');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^weir\/webview\/runDetails failed: TypeError: cannot read x of undefined\n\s+at /);
  });
});
