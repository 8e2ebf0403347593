import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WeirError } from '../../errors';
import { exportAzureML, type ExportOptions, type ExportWarning } from './exportPipeline';

/**
 * `weir submit --target azureml`: exports the pipeline to a temporary folder and hands it
 * to Azure's own CLI (`az ml job create`), which uploads the folder and starts the job.
 * Weir never talks to Azure itself and never installs anything: when `az` or its `ml`
 * extension is missing, the error says what to install.
 */
export interface SubmitOptions extends Omit<ExportOptions, 'outDir'> {
  resourceGroup: string;
  workspaceName: string;
  /** Follow the job's log with `az ml job stream` until it ends. */
  stream?: boolean;
  /** The environment `az` runs with (its PATH finds `az`); default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Lines of `az` output while streaming. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
}

export interface SubmitResult {
  /** The job's name in the workspace, when az's output had one. */
  jobName?: string;
  studioUrl?: string;
  /** az's JSON for the created job (undefined when az printed something else). */
  job?: unknown;
  warnings: ExportWarning[];
  /** Exit code of `az ml job stream` when streaming. */
  streamExitCode?: number;
}

export const AZ_INSTALL_HINT = 'Install the Azure CLI (https://learn.microsoft.com/cli/azure/install-azure-cli), then its ml extension: az extension add --name ml; then log in: az login';

interface AzRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runAz(args: string[], env: NodeJS.ProcessEnv, options: { onLine?: SubmitOptions['onLine']; signal?: AbortSignal } = {}): Promise<AzRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('az', args, { env, stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal });
    let stdout = '';
    let stderr = '';
    const lines = (which: 'stdout' | 'stderr') => {
      let pending = '';
      return (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        if (which === 'stdout') stdout += text;
        else stderr += text;
        if (!options.onLine) return;
        pending += text;
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        for (const line of parts) options.onLine(line, which);
      };
    };
    child.stdout.on('data', lines('stdout'));
    child.stderr.on('data', lines('stderr'));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') reject(new WeirError('BAD_INPUT', 'the Azure CLI (az) is not installed or not on PATH', { hint: AZ_INSTALL_HINT }));
      else reject(e);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Checks that `az` runs and has the `ml` extension; throws BAD_INPUT saying what to install. */
export async function checkAzureCli(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const version = await runAz(['version', '--output', 'json'], env);
  if (version.code !== 0) throw new WeirError('BAD_INPUT', `az version failed (exit ${version.code}): ${version.stderr.trim() || version.stdout.trim()}`, { hint: AZ_INSTALL_HINT });
  let extensions: Record<string, unknown> = {};
  try {
    extensions = ((JSON.parse(version.stdout) as { extensions?: Record<string, unknown> }).extensions ?? {}) as Record<string, unknown>;
  } catch {
    throw new WeirError('BAD_INPUT', `az version did not print JSON: ${version.stdout.trim().slice(0, 200)}`, { hint: AZ_INSTALL_HINT });
  }
  if (!('ml' in extensions)) {
    throw new WeirError('BAD_INPUT', "the Azure CLI's ml extension (CLI v2) is not installed", { hint: 'Install it with: az extension add --name ml (then az login)' });
  }
}

/** The job's studio URL from az's JSON (`services.Studio.endpoint`, as `az ml job create` prints it). */
export function studioUrlOf(job: unknown): string | undefined {
  const j = job as { services?: Record<string, { endpoint?: string }>; studio_url?: string } | undefined;
  return j?.services?.Studio?.endpoint ?? j?.services?.studio?.endpoint ?? j?.studio_url;
}

export async function submitAzureML(filePath: string, options: SubmitOptions): Promise<SubmitResult> {
  const env = options.env ?? process.env;
  await checkAzureCli(env);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'weir-azureml-'));
  try {
    const outDir = path.join(tmp, 'export');
    const exported = await exportAzureML(filePath, { ...options, outDir });
    const created = await runAz(['ml', 'job', 'create', '--file', exported.pipelineFile, '-g', options.resourceGroup, '-w', options.workspaceName], env, { signal: options.signal });
    if (created.code !== 0) throw new WeirError('RUN_FAILED', `az ml job create failed (exit ${created.code}):\n${created.stderr.trim() || created.stdout.trim()}`);
    let job: unknown;
    try {
      job = JSON.parse(created.stdout);
    } catch {
      job = undefined;
    }
    const jobName = (job as { name?: string } | undefined)?.name;
    const result: SubmitResult = { job, jobName, studioUrl: studioUrlOf(job), warnings: exported.warnings };
    if (options.stream) {
      if (!jobName) throw new WeirError('RUN_FAILED', 'az ml job create printed no job name (is `az config set core.output=json`?), so the job cannot be streamed');
      const streamed = await runAz(['ml', 'job', 'stream', '--name', jobName, '-g', options.resourceGroup, '-w', options.workspaceName], env, { onLine: options.onLine, signal: options.signal });
      result.streamExitCode = streamed.code;
    }
    return result;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
