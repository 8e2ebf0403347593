import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../engine/src/util/collectGarbage';

describe('collectGarbage', () => {
  it('reaches the collector without --expose-gc, on the main thread and in a worker thread, and can be called again', async () => {
    expect(collectGarbage()).toBe(true);
    expect(collectGarbage()).toBe(true);
    // The same steps in a worker thread (plain JavaScript: a worker does not load TypeScript).
    const body = [
      "const { parentPort } = require('node:worker_threads');",
      "require('node:v8').setFlagsFromString('--expose-gc');",
      "const collect = require('node:vm').runInNewContext('typeof gc === \\'function\\' ? gc : undefined');",
      "if (typeof collect === 'function') collect();",
      'parentPort.postMessage(typeof collect);',
    ].join('\n');
    const reply = await new Promise((resolve, reject) => {
      const w = new Worker(body, { eval: true });
      w.once('message', resolve);
      w.once('error', reject);
    });
    expect(reply).toBe('function');
  });
});
