import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Data this large (bytes) leaves enough garbage behind to be worth a full collection: see `collectGarbage`. */
export const COLLECT_AFTER_BYTES = 64 * 2 ** 20;

let gc: (() => void) | null | undefined;

/**
 * A full garbage collection of this thread's heap, now. V8 collects when a thread allocates,
 * and a thread that has just built or used something large and then mostly waits (the main
 * thread after featurizing a big table, a trial worker between trials) keeps its garbage
 * resident for a long time: on a 3M-row table about 185 MB of featurization leftovers on the
 * main thread through the whole search, and a finished booster fit's 137 MB WebAssembly memory
 * in a worker while its next trial runs. The collector is reached the way test runners reach it
 * (`--expose-gc` set at run time, `gc` taken from a fresh context); where that is not possible
 * this does nothing. Returns whether it collected.
 */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    gc = typeof (globalThis as { gc?: unknown }).gc === 'function' ? ((globalThis as { gc?: unknown }).gc as () => void) : null;
    if (!gc) {
      try {
        setFlagsFromString('--expose-gc');
        const found: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
        gc = typeof found === 'function' ? (found as () => void) : null;
      } catch {
        gc = null;
      }
    }
  }
  if (!gc) return false;
  gc();
  return true;
}
