import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportAzureMLRequest, SubmitAzureMLRequest } from '../../engine/src/protocol';
import { repoRoot, tempDir } from '../helpers/paths';
import { startLsp, type LspSession } from '../lsp/lspHarness';
import { pipelineProblems } from './azureml';

/** The extension's "Export to Azure ML…" / "Submit to Azure ML…" go through these requests. */
const penguins = path.join(repoRoot, 'examples/penguins/penguins.pipeline.yaml');
let session: LspSession;

beforeAll(async () => {
  session = await startLsp(tempDir('weir-export-lsp-'));
});
afterAll(async () => {
  await session?.close();
});

describe('engine protocol: Azure ML', () => {
  it('weir/exportAzureML writes the folder and answers with the files and the located warnings', async () => {
    const outDir = path.join(tempDir(), 'azureml');
    const result = await session.client.sendRequest(ExportAzureMLRequest.type, { file: penguins, outDir, compute: 'cpu', automl: 'azure' });
    expect(result.pipelineFile).toBe(path.join(outDir, 'pipeline.yml'));
    expect(result.files).toContain('src/weir_sql.py');
    expect(result.warnings).toContainEqual({ file: penguins, line: 29, message: "Azure's smallest AutoML timeout is 15 minutes: timeout_minutes is 15 instead of 1" });
    expect(pipelineProblems(readFileSync(result.pipelineFile, 'utf8'), outDir)).toEqual([]);
  });

  it('weir/submitAzureML without az answers an error that says what to install', async () => {
    const original = process.env.PATH;
    process.env.PATH = tempDir('weir-no-az-');
    try {
      await expect(session.client.sendRequest(SubmitAzureMLRequest.type, { file: penguins, resourceGroup: 'G', workspaceName: 'W' })).rejects.toMatchObject({
        message: expect.stringContaining('the Azure CLI (az) is not installed'),
        data: expect.objectContaining({ hint: expect.stringContaining('az extension add --name ml') }),
      });
    } finally {
      process.env.PATH = original;
    }
  });
});
