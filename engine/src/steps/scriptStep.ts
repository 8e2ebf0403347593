import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { WeirError } from '../errors';
import { processStartTicks } from '../store/processOwner';
import type { StepContext, StepKind } from './stepKind';

const argSchema = z.union([z.string(), z.number(), z.boolean()]);

const scriptObjectSchema = z.strictObject({
  file: z.string().min(1).optional().describe('A script file relative to the pipeline file; its contents count for reuse. Run with `environment.interpreter`, or by extension: `.py` with $WEIR_PYTHON or python3, `.js` with Node, `.sh` with bash; other files are executed directly.'),
  command: z.union([z.string().min(1), z.array(argSchema).min(1)]).optional().describe('A shell command line (run with /bin/sh; substituted paths are quoted for you), or an argument list run without a shell, e.g. `[sleep, 5]`.'),
  args: z.array(argSchema).optional().describe('Arguments after the file or command. `${{ inputs.NAME }}`, `${{ steps.S.outputs.O }}` and `${{ outputs.NAME }}` become paths, `${{ parameters.NAME }}` values.'),
});

const scriptConfigSchema = z
  .union([z.string().min(1).describe('A shell command line, e.g. `python prep.py --out ${{ outputs.prepped }}`.'), scriptObjectSchema])
  .check((ctx) => {
    const v = ctx.value;
    if (typeof v === 'object' && (v.file === undefined) === (v.command === undefined)) {
      ctx.issues.push({ code: 'custom', message: 'a script step has either `file` or `command`, not both or neither', input: v });
    }
    if (typeof v === 'object' && typeof v.command === 'string' && v.args?.length) {
      ctx.issues.push({ code: 'custom', message: '`args` goes with `file` or a `command` list; put them into the command line instead', input: v });
    }
  })
  .describe('Any program (python, node, bash, …), like Azure `PythonScriptStep`. Inputs and outputs are paths in its arguments and in $WEIR_INPUT_<NAME> / $WEIR_OUTPUT_<NAME>.')
  // Command lines are cut at their `${{ }}` expressions before anything is substituted, so
  // each substituted value can be quoted for the shell on its own.
  .transform((v): ScriptConfig => normalizeScript(v));

/** A script step's settings after parsing. */
export interface ScriptConfig {
  file?: string;
  /** Arguments after the file, or the program and its arguments (run without a shell). */
  argv: string[];
  /**
   * A shell command line cut into pieces: even indices are shell text, odd indices are
   * `${{ }}` expressions (substituted values, quoted when joined).
   */
  shell?: string[];
}

type ScriptConfigInput = string | z.infer<typeof scriptObjectSchema>;

/** Cuts a command line into shell text and `${{ }}` expressions (odd indices). */
export function cutShellLine(line: string): string[] {
  const parts: string[] = [];
  let last = 0;
  for (const m of line.matchAll(/\$\{\{[^}]*\}\}/g)) {
    parts.push(line.slice(last, m.index), m[0]);
    last = (m.index ?? 0) + m[0].length;
  }
  parts.push(line.slice(last));
  return parts;
}

export function normalizeScript(config: ScriptConfigInput): ScriptConfig {
  if (typeof config === 'string') return { argv: [], shell: cutShellLine(config) };
  const args = (config.args ?? []).map(String);
  if (config.file !== undefined) return { file: config.file, argv: args };
  if (typeof config.command === 'string') return { argv: [], shell: cutShellLine(config.command) };
  return { argv: [...(config.command ?? []).map(String), ...args] };
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

/** Joins substituted pieces; a value already inside quotes in the line is escaped for them instead. */
export function joinShellLine(parts: string[]): string {
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = String(parts[i]);
    if (i % 2 === 0) {
      out += part;
      continue;
    }
    const before = parts[i - 1] ?? '';
    const after = parts[i + 1] ?? '';
    if (before.endsWith('"') && after.startsWith('"')) out += part.replace(/["$`\\]/g, '\\$&');
    else if (before.endsWith("'") && after.startsWith("'")) out += part.replace(/'/g, "'\\''");
    else out += shellQuote(part);
  }
  return out;
}

const PYTHON_NAMES = new Set(['python', 'python3']);

/** The interpreter for a script file, from the environment or the file's extension. */
function interpreterFor(file: string, ctx: Pick<StepContext, 'environment'>): string[] {
  if (ctx.environment?.interpreter) return [ctx.environment.interpreter];
  switch (path.extname(file).toLowerCase()) {
    case '.py':
      return [process.env.WEIR_PYTHON ?? 'python3'];
    case '.js':
    case '.mjs':
    case '.cjs':
      return [process.execPath];
    case '.sh':
      return ['bash'];
    default:
      return [];
  }
}

/** Final program and arguments: a script file gets its interpreter; `python` follows `environment.interpreter` or $WEIR_PYTHON. */
function resolveCommand(config: ScriptConfig, ctx: Pick<StepContext, 'environment' | 'pipelineDir'>): string[] {
  const { file, argv } = config;
  if (config.shell) {
    let line = joinShellLine(config.shell);
    // `python …` follows the step's interpreter or $WEIR_PYTHON, as in the list form.
    const python = ctx.environment?.interpreter ?? process.env.WEIR_PYTHON;
    if (python) line = line.replace(/^(\s*)python3?(?=\s|$)/, (_m, lead: string) => `${lead}${shellQuote(python)}`);
    return ['/bin/sh', '-c', line];
  }
  if (file !== undefined) {
    const abs = path.resolve(ctx.pipelineDir, file);
    return [...interpreterFor(abs, ctx), abs, ...argv];
  }
  const [program, ...rest] = argv;
  if (program === undefined) throw new WeirError('BAD_INPUT', 'the script command is empty');
  if (PYTHON_NAMES.has(program)) return [ctx.environment?.interpreter ?? process.env.WEIR_PYTHON ?? program, ...rest];
  if (program === 'node') return [process.execPath, ...rest];
  return [program, ...rest];
}

function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** Output paths handed to the process: a file for tables and JSON, a folder for `dir`, a free path for the rest. */
export function outputPathFor(outDir: string, name: string, kind: string): string {
  switch (kind) {
    case 'parquet':
      return path.join(outDir, `${name}.parquet`);
    case 'json':
      return path.join(outDir, `${name}.json`);
    default:
      return path.join(outDir, name);
  }
}

export const scriptStep: StepKind<ScriptConfig> = {
  kind: 'script',
  summary: 'Runs any program (python, node, bash…) with the inputs and outputs as paths.',
  docs: [
    '**script** — runs a program, like Azure `PythonScriptStep`.',
    '',
    '```yaml',
    'script:',
    '  file: train.py            # or command: python train.py',
    '  args: [--data, ${{ inputs.training_data }}, --model, ${{ outputs.model }}]',
    '```',
    'Each input and output is also in `$WEIR_INPUT_<NAME>` / `$WEIR_OUTPUT_<NAME>`. stdout and',
    'stderr go to the step log; a non-zero exit fails the step; cancel kills the process group.',
  ].join('\n'),
  configSchema: scriptConfigSchema,
  outputs(_config, declared) {
    const out: Record<string, 'parquet' | 'json' | 'model' | 'file' | 'dir'> = {};
    for (const [name, kind] of Object.entries(declared)) out[name] = kind as 'parquet';
    return out;
  },
  check(config, ctx) {
    const { file } = config;
    if (file !== undefined && !existsSync(path.resolve(ctx.pipelineDir, file))) {
      return [{ path: ['file'], message: `script file not found: ${path.resolve(ctx.pipelineDir, file)}` }];
    }
    return [];
  },
  async codeFingerprint(config, ctx) {
    // The script file, and any argument naming a file beside the pipeline (e.g. `python prep.py`), count as code.
    const { file, argv } = config;
    const words = (config.shell ?? []).filter((_, i) => i % 2 === 0).flatMap((t) => t.split(/[\s"'<>|;&()]+/));
    const parts: string[] = [];
    for (const candidate of [file, ...argv, ...words]) {
      if (!candidate) continue;
      if (candidate === undefined || candidate.includes('${{')) continue;
      const abs = path.resolve(ctx.pipelineDir, candidate);
      if (path.relative(ctx.pipelineDir, abs).startsWith('..')) continue;
      try {
        parts.push(`${candidate}\0${await readFile(abs, 'utf8')}`);
      } catch {
        // Not a readable file beside the pipeline: an ordinary argument.
      }
    }
    return parts.join('\n');
  },
  run(config, ctx) {
    return runProcess(resolveCommand(config, ctx), ctx);
  },
};

async function runProcess(command: string[], ctx: StepContext): Promise<{ outputs: Record<string, string> }> {
  const outputs: Record<string, string> = {};
  const env: NodeJS.ProcessEnv = { ...process.env, WEIR_RUN_ID: ctx.runId, WEIR_STEP: ctx.stepName, WEIR_EXPERIMENT: ctx.experiment };
  // Electron (VS Code's runtime) behaves as Node only when asked to.
  if (command[0] === process.execPath && process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  for (const [name, input] of Object.entries(ctx.inputs)) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) env[`WEIR_INPUT_${envName(name)}`] = input.path;
  }
  for (const [name, kind] of Object.entries(ctx.outputNames)) {
    const p = outputPathFor(ctx.outDir, name, kind);
    if (kind === 'dir') mkdirSync(p, { recursive: true });
    outputs[name] = p;
    env[`WEIR_OUTPUT_${envName(name)}`] = p;
  }
  Object.assign(env, ctx.environment?.variables ?? {});
  const [program, ...args] = command;
  ctx.log(`$ ${command.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  return new Promise((resolve, reject) => {
    if (ctx.signal.aborted) {
      reject(new WeirError('CANCELED', 'canceled before the process started'));
      return;
    }
    // Its own process group, so cancel can kill the program and everything it started.
    const child = spawn(program!, args, { cwd: ctx.pipelineDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    // Detached, the child leads its own group, so its pid is the group id. Recording it lets the
    // store kill the group if this process is killed without a chance to do it (kill -9).
    if (child.pid) void ctx.recordProcess?.({ pgid: child.pid, procStart: processStartTicks(child.pid) }).catch(() => undefined);
    const tail: string[] = [];
    const lineSink = () => {
      let pending = '';
      return {
        write(chunk: Buffer) {
          pending += chunk.toString('utf8');
          const lines = pending.split('\n');
          pending = lines.pop()!;
          for (const line of lines) emit(line);
        },
        flush() {
          if (pending) emit(pending);
          pending = '';
        },
      };
    };
    const emit = (line: string) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      ctx.log(line);
    };
    const out = lineSink();
    const err = lineSink();
    child.stdout.on('data', out.write);
    child.stderr.on('data', err.write);
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // The group is already gone.
      }
    };
    const onAbort = () => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), 2000);
      killTimer.unref();
    };
    ctx.signal.addEventListener('abort', onAbort);
    child.on('error', (e: NodeJS.ErrnoException) => {
      ctx.signal.removeEventListener('abort', onAbort);
      reject(
        new WeirError('RUN_FAILED', e.code === 'ENOENT' ? `command not found: ${program}` : `could not start ${program}: ${e.message}`, {
          hint: e.code === 'ENOENT' ? 'Check the command, or set `environment.interpreter` on the step.' : undefined,
        }),
      );
    });
    child.on('close', (code, signal) => {
      ctx.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      // Children of the script may still hold the group; make sure none outlive the step.
      killGroup('SIGKILL');
      out.flush();
      err.flush();
      if (ctx.signal.aborted) {
        reject(new WeirError('CANCELED', `canceled; ${path.basename(program!)} was stopped`));
      } else if (code !== 0) {
        const last = tail.slice(-5).join('\n');
        reject(new WeirError('RUN_FAILED', `${path.basename(program!)} exited with ${signal ? `signal ${signal}` : `code ${code}`}${last ? `; last output:\n${last}` : ''}`));
      } else {
        resolve({ outputs });
      }
    });
  });
}
