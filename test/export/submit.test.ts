import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../engine/src/cli/main';
import type { CliIO } from '../../engine/src/cli/command';
import { repoRoot, tempDir } from '../helpers/paths';
import { pipelineProblems } from './azureml';

const penguins = path.join(repoRoot, 'examples/penguins/penguins.pipeline.yaml');
const originalPath = process.env.PATH;

afterEach(() => {
  process.env.PATH = originalPath;
});

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), json: (v) => out.push(JSON.stringify(v)), isTTY: false, signal: new AbortController().signal };
  const code = await main([...argv, '--workspace', tempDir()], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/**
 * A fake `az` first on PATH: it records each argv (and, for job create, the pipeline file it
 * was given, while it still exists) and answers like the real CLI.
 */
function fakeAz(options: { ml?: boolean; streamExit?: number } = {}): { log: string } {
  const bin = tempDir('weir-fake-az-');
  const log = path.join(bin, 'calls.jsonl');
  const script = `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
const entry = { args };
if (args[0] === 'ml' && args[2] === 'create') entry.pipeline = fs.readFileSync(args[4], 'utf8');
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(entry) + '\\n');
if (args[0] === 'version') {
  console.log(JSON.stringify({ 'azure-cli': '2.60.0', extensions: ${options.ml === false ? '{}' : "{ ml: '2.26.0' }"} }));
} else if (args[2] === 'create') {
  console.log(JSON.stringify({ name: 'shy_lamp_123', status: 'NotStarted', services: { Studio: { endpoint: 'https://ml.azure.com/runs/shy_lamp_123?wsid=/subscriptions/s/resourcegroups/G/workspaces/W' } } }));
} else if (args[2] === 'stream') {
  console.log('RunId: shy_lamp_123');
  console.log('Execution Summary');
  process.exit(${options.streamExit ?? 0});
}
`;
  writeFileSync(path.join(bin, 'az'), script);
  chmodSync(path.join(bin, 'az'), 0o755);
  process.env.PATH = `${bin}${path.delimiter}${originalPath}`;
  return { log };
}

function calls(log: string): { args: string[]; pipeline?: string }[] {
  return readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

describe('weir submit --target azureml', () => {
  it('runs exactly az ml job create --file <dir>/pipeline.yml -g G -w W on a valid export and prints the studio URL', async () => {
    const { log } = fakeAz();
    const r = await cli(['submit', penguins, '--target', 'azureml', '--resource-group', 'G', '--workspace-name', 'W', '--compute', 'cpu']);
    expect(r.code).toBe(0);
    const all = calls(log);
    expect(all[0]!.args).toEqual(['version', '--output', 'json']);
    const create = all[1]!;
    expect(create.args).toEqual(['ml', 'job', 'create', '--file', expect.stringMatching(/[/\\]pipeline\.yml$/), '-g', 'G', '-w', 'W']);
    expect(pipelineProblems(create.pipeline!)).toEqual([]);
    expect(create.pipeline).toContain('default_compute: azureml:cpu');
    expect(all).toHaveLength(2);
    // The temporary export is removed once az has read it.
    expect(existsSync(create.args[4]!)).toBe(false);
    expect(r.out).toContain('Submitted shy_lamp_123 to workspace W (resource group G).');
    expect(r.out).toContain('Studio: https://ml.azure.com/runs/shy_lamp_123?wsid=/subscriptions/s/resourcegroups/G/workspaces/W');
    expect(r.err).toContain("warning: Azure's smallest AutoML timeout is 15 minutes");
  });

  it('--stream follows az ml job stream and exits 1 when the job failed', async () => {
    const { log } = fakeAz({ streamExit: 1 });
    const r = await cli(['submit', penguins, '--target', 'azureml', '--resource-group', 'G', '--workspace-name', 'W', '--stream']);
    expect(calls(log)[2]!.args).toEqual(['ml', 'job', 'stream', '--name', 'shy_lamp_123', '-g', 'G', '-w', 'W']);
    expect(r.out).toContain('Execution Summary');
    expect(r.code).toBe(1);
  });

  it('without az: a clear error naming what to install, exit 2', async () => {
    process.env.PATH = tempDir('weir-empty-path-');
    const r = await cli(['submit', penguins, '--target', 'azureml', '--resource-group', 'G', '--workspace-name', 'W']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('the Azure CLI (az) is not installed or not on PATH');
    expect(r.err).toContain('https://learn.microsoft.com/cli/azure/install-azure-cli');
    expect(r.err).toContain('az extension add --name ml');
  });

  it('without the ml extension: says to add it, exit 2, and creates no job', async () => {
    const { log } = fakeAz({ ml: false });
    const r = await cli(['submit', penguins, '--target', 'azureml', '--resource-group', 'G', '--workspace-name', 'W']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("the Azure CLI's ml extension (CLI v2) is not installed");
    expect(r.err).toContain('az extension add --name ml');
    expect(calls(log)).toHaveLength(1);
  });

  it('checks its flags: --target, --resource-group and --workspace-name', async () => {
    fakeAz();
    let r = await cli(['submit', penguins, '--resource-group', 'G', '--workspace-name', 'W']);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('--target is required')]);
    r = await cli(['submit', penguins, '--target', 'sagemaker', '--resource-group', 'G', '--workspace-name', 'W']);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining("unknown --target 'sagemaker'")]);
    r = await cli(['submit', penguins, '--target', 'azureml', '--workspace-name', 'W']);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('--resource-group and --workspace-name are required')]);
  });
});
