import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { WeirError } from '../errors';
import type { StepContext, StepKind } from './stepKind';

const argSchema = z.union([z.string(), z.number(), z.boolean()]);

const scriptObjectSchema = z.strictObject({
  file: z.string().min(1).optional().describe('A script file relative to the pipeline file; its contents count for reuse. Run with `environment.interpreter`, or by extension: `.py` with $WEIR_PYTHON or python3, `.js` with Node, `.sh` with bash; other files are executed directly.'),
  command: z.union([z.string().min(1), z.array(argSchema).min(1)]).optional().describe('A command line (split at blanks, quotes group) or an argument list, e.g. `[sleep, 5]`.'),
  args: z.array(argSchema).optional().describe('Arguments after the file or command. `${{ inputs.NAME }}`, `${{ steps.S.outputs.O }}` and `${{ outputs.NAME }}` become paths, `${{ parameters.NAME }}` values.'),
});

const scriptConfigSchema = z
  .union([z.string().min(1).describe('A command line, e.g. `python prep.py --out ${{ outputs.prepped }}`.'), scriptObjectSchema])
  .check((ctx) => {
    const v = ctx.value;
    if (typeof v === 'object' && (v.file === undefined) === (v.command === undefined)) {
      ctx.issues.push({ code: 'custom', message: 'a script step has either `file` or `command`, not both or neither', input: v });
    }
  })
  .describe('Any program (python, node, bash, …), like Azure `PythonScriptStep`. Inputs and outputs are paths in its arguments and in $WEIR_INPUT_<NAME> / $WEIR_OUTPUT_<NAME>.')
  // Command lines are split before references are substituted, so a path with blanks stays one argument.
  .transform((v): ScriptConfig => scriptArgv(v));

/** A script step's settings after parsing: the script file (if any) and the argument list. */
export interface ScriptConfig {
  file?: string;
  /** Arguments after the file, or the whole command when there is no file. */
  argv: string[];
}

type ScriptConfigInput = string | z.infer<typeof scriptObjectSchema>;

/**
 * Splits a command line into arguments at blanks; single or double quotes group, and a
 * `${{ … }}` expression always stays one argument (so a substituted path with spaces does too).
 */
export function splitCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '$' && line.startsWith('${{', i)) {
      const end = line.indexOf('}}', i);
      const stop = end < 0 ? line.length : end + 2;
      current += line.slice(i, stop);
      has = true;
      i = stop - 1;
    } else if (c === '"' || c === "'") {
      const end = line.indexOf(c, i + 1);
      const stop = end < 0 ? line.length : end;
      current += line.slice(i + 1, stop);
      has = true;
      i = stop;
    } else if (/\s/.test(c)) {
      if (has) args.push(current);
      current = '';
      has = false;
    } else {
      current += c;
      has = true;
    }
  }
  if (has) args.push(current);
  return args;
}

/** The argument list a config stands for, before interpreters are chosen. */
export function scriptArgv(config: ScriptConfigInput): ScriptConfig {
  if (typeof config === 'string') return { argv: splitCommandLine(config) };
  const args = (config.args ?? []).map(String);
  if (config.file !== undefined) return { file: config.file, argv: args };
  const command = typeof config.command === 'string' ? splitCommandLine(config.command) : (config.command ?? []).map(String);
  return { argv: [...command, ...args] };
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
    const parts: string[] = [];
    for (const candidate of [file, ...argv]) {
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
