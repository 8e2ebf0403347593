import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ShutdownRequest } from 'vscode-languageserver-protocol/node';
import { GetRunRequest, StartRunRequest, type RunEvent } from '../../engine/src/protocol';
import { openWorkspace } from '../../engine/src/store/workspace';
import { tempDir } from '../helpers/paths';
import { startLsp, type LspSession } from './lspHarness';

describe('language server shutdown (VS Code closing)', () => {
  let workspace: string;
  let lsp: LspSession;

  beforeAll(async () => {
    workspace = tempDir('weir-lsp-shutdown-');
    lsp = await startLsp(workspace);
  });

  afterAll(async () => {
    await lsp?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('stops the runs in flight and records them as Interrupted', async () => {
    const file = path.join(workspace, 'slow.pipeline.yaml');
    writeFileSync(file, ['name: slow', 'steps:', '  wait:', '    script: sleep 30', ''].join('\n'));
    const { runId } = await lsp.client.sendRequest(StartRunRequest.type, { file });
    await lsp.waitForNotification('weir/runEvent', (e: RunEvent) => e.type === 'step' && e.runId === runId && e.status === 'Running');
    const started = Date.now();
    await lsp.client.sendRequest(ShutdownRequest.type);
    expect(Date.now() - started).toBeLessThan(10_000);
    const run = await lsp.client.sendRequest(GetRunRequest.type, { runId }).catch(async () => {
      // A server that no longer answers after shutdown: read the record from the store.
      const store = await openWorkspace(workspace);
      try {
        return await store.getRun(runId);
      } finally {
        await store.dispose();
      }
    });
    expect(run.status).toBe('Failed');
    expect(run.error).toMatchObject({ reason: 'Interrupted' });
    expect(run.steps[0]).toMatchObject({ status: 'Failed', error: { reason: 'Interrupted' } });
  });
});
