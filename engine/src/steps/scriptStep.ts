import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { WeirError } from '../errors';
import { readRegularFile } from '../store/fileKinds';
import { processStartTicks } from '../store/processOwner';
import { outputPathFor, type StepContext, type StepKind } from './stepKind';

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

/**
 * Builtins and reserved words that exist only inside a shell: a command line starting with one
 * needs `/bin/sh` even when it has no other shell syntax (`exit 3`, `cd sub`).
 */
const SHELL_ONLY_WORDS = new Set([
  '!', '.', ':', '{', '}', 'alias', 'bg', 'break', 'case', 'cd', 'command', 'continue', 'do', 'done', 'elif', 'else', 'esac', 'eval', 'exec', 'exit', 'export', 'fg',
  'fi', 'for', 'function', 'getopts', 'hash', 'if', 'jobs', 'local', 'read', 'readonly', 'return', 'select', 'set', 'shift', 'source', 'then', 'times', 'trap', 'type', 'ulimit',
  'umask', 'unalias', 'unset', 'until', 'wait', 'while',
]);

/** Characters that mean shell syntax outside quotes (pipes, lists, redirections, expansions, globs, comments). */
const SHELL_SYNTAX = /[|&;<>()$`\\*?[\]#~{}!\n]/;

/**
 * The argument vector of a command line that uses no shell syntax, with each substituted
 * value (odd pieces) inside the one argument it sits in; undefined when the line needs a
 * shell. Plain words, '…' and "…" (without `$`, backquotes or backslashes inside) are all
 * such a line may hold, so splitting it here gives exactly the words `sh` would.
 */
export function splitPlainLine(pieces: string[]): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < pieces.length; i++) {
    const piece = String(pieces[i]);
    if (i % 2 === 1) {
      // A value is data: it joins the current word whatever characters it holds.
      word = (word ?? '') + piece;
      continue;
    }
    for (const ch of piece) {
      if (quote === "'") {
        if (ch === "'") quote = '';
        else word += ch;
      } else if (quote === '"') {
        if (ch === '"') quote = '';
        else if (ch === '$' || ch === '`' || ch === '\\') return undefined;
        else word += ch;
      } else if (ch === "'" || ch === '"') {
        quote = ch;
        word ??= '';
      } else if (ch === ' ' || ch === '\t') {
        if (word !== undefined) words.push(word);
        word = undefined;
      } else if (SHELL_SYNTAX.test(ch)) {
        return undefined;
      } else {
        // `NAME=value cmd` sets a variable: shell syntax in the first word.
        if (ch === '=' && words.length === 0 && word !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) return undefined;
        word = (word ?? '') + ch;
      }
    }
  }
  if (quote) return undefined;
  if (word !== undefined) words.push(word);
  if (words.length === 0 || SHELL_ONLY_WORDS.has(words[0]!)) return undefined;
  return words;
}

/**
 * A command line with shell syntax, for `/bin/sh -c LINE weir V1 V2 …`: each substituted
 * value is replaced by a reference to a positional parameter ("$1", "$2", …) written for the
 * quoting context it sits in, and the values themselves travel as arguments. The shell
 * therefore never parses a value: `$(…)`, backquotes, quotes and `;` in it stay text, inside
 * "…", inside '…' and outside quotes alike.
 */
export function shellLineWithPositionals(pieces: string[]): { line: string; values: string[] } {
  let line = '';
  const values: string[] = [];
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < pieces.length; i++) {
    const piece = String(pieces[i]);
    if (i % 2 === 1) {
      values.push(piece);
      const n = values.length;
      // Inside "…" a bare expansion is not split; inside '…' close, expand quoted, reopen.
      line += quote === '"' ? `\${${n}}` : quote === "'" ? `'"\${${n}}"'` : `"\${${n}}"`;
      continue;
    }
    for (let j = 0; j < piece.length; j++) {
      const ch = piece[j]!;
      line += ch;
      if (quote === "'") {
        if (ch === "'") quote = '';
      } else if (ch === '\\') {
        // An escaped character is literal in and out of double quotes.
        if (j + 1 < piece.length) line += piece[++j];
      } else if (quote === '"') {
        if (ch === '"') quote = '';
      } else if (ch === "'" || ch === '"') {
        quote = ch;
      }
    }
  }
  return { line, values };
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
    const words = splitPlainLine(config.shell);
    if (words) return programFor(words, ctx);
    const { line, values } = shellLineWithPositionals(config.shell);
    // `python …` follows the step's interpreter or $WEIR_PYTHON, as in the list form.
    const python = ctx.environment?.interpreter ?? process.env.WEIR_PYTHON;
    const withPython = python ? line.replace(/^(\s*)python3?(?=\s|$)/, (_m, lead: string) => `${lead}${shellQuote(python)}`) : line;
    // `$0` names the shell in its own error messages; the values follow as $1, $2, ….
    return ['/bin/sh', '-c', withPython, 'weir-step', ...values];
  }
  if (file !== undefined) {
    const abs = path.resolve(ctx.pipelineDir, file);
    return [...interpreterFor(abs, ctx), abs, ...argv];
  }
  return programFor(argv, ctx);
}

/** A program and its arguments, run without a shell: `python` and `node` follow the step's environment. */
function programFor(argv: string[], ctx: Pick<StepContext, 'environment'>): string[] {
  const [program, ...rest] = argv;
  if (program === undefined) throw new WeirError('BAD_INPUT', 'the script command is empty');
  if (PYTHON_NAMES.has(program)) return [ctx.environment?.interpreter ?? process.env.WEIR_PYTHON ?? program, ...rest];
  if (program === 'node') return [process.execPath, ...rest];
  return [program, ...rest];
}

function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
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
  substitutesAfterParsing: true,
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
        parts.push(`${candidate}\0${await readRegularFile(abs, 'a script file')}`);
      } catch {
        // Not a readable regular file beside the pipeline (a FIFO is not waited for): an ordinary argument.
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
  // Set last, so the step's variables cannot override it: it is how the step's offspring are found.
  const token = randomUUID();
  env[STEP_TOKEN_VAR] = token;
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
    // store kill the group if this process is killed without a chance to do it (kill -9); the
    // record is written synchronously inside this call, before anything else can run.
    if (child.pid) void ctx.recordProcess?.({ pgid: child.pid, procStart: processStartTicks(child.pid) }).catch(() => undefined);
    const log = cappedLog(ctx.log, logLimitBytes());
    const out = lineSink(log.line);
    const err = lineSink(log.line);
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
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      out.flush();
      err.flush();
      if (ctx.signal.aborted) {
        reject(new WeirError('CANCELED', `canceled; ${path.basename(program!)} was stopped`));
      } else if (code !== 0) {
        const last = log.tail().slice(-5).join('\n');
        reject(new WeirError('RUN_FAILED', `${path.basename(program!)} exited with ${signal ? `signal ${signal}` : `code ${code}`}${last ? `; last output:\n${last}` : ''}`));
      } else {
        resolve({ outputs });
      }
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', onAbort);
      reject(
        new WeirError('RUN_FAILED', e.code === 'ENOENT' ? `command not found: ${program}` : `could not start ${program}: ${e.message}`, {
          hint: e.code === 'ENOENT' ? 'Check the command, or set `environment.interpreter` on the step.' : undefined,
        }),
      );
    });
    // The step ends when its main process ends, not when its output pipes close: a grandchild
    // that left the group (setsid, a daemon) may hold them open for ever.
    child.on('exit', (code, signal) => {
      // Children of the script may still hold the group, and processes that left it carry the
      // step's token; make sure none outlive the step.
      killGroup('SIGKILL');
      killTokenHolders(token);
      // The step ends when its main process ends, not when its output pipes close: a
      // grandchild we could not find may hold them open for ever.
      const grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      }, PIPE_GRACE_MS);
      child.once('close', () => {
        clearTimeout(grace);
        finish(code, signal);
      });
    });
  });
}

/** Names the environment variable that marks every process a script step starts. */
const STEP_TOKEN_VAR = 'WEIR_STEP_TOKEN';

/** How long output still in the pipes may take to arrive after the main process ended. */
const PIPE_GRACE_MS = 500;
/** Longest line kept whole in the log; a longer one is cut into pieces of this size. */
const MAX_LINE_CHARS = 64 * 1024;
/** Default cap of one step's log; WEIR_STEP_LOG_LIMIT (bytes) overrides it. */
const DEFAULT_LOG_LIMIT = 16 * 1024 * 1024;

function logLimitBytes(): number {
  const n = Number(process.env.WEIR_STEP_LOG_LIMIT);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_LOG_LIMIT;
}

/**
 * The step log behind a cap: lines go to the log until `limit` bytes were written, then one
 * note says where the log was cut and the rest is dropped (still read, so the program never
 * blocks on a full pipe). The last lines are kept apart for the failure message either way.
 */
function cappedLog(write: (line: string) => void, limit: number): { line(text: string): void; tail(): string[] } {
  let written = 0;
  let cut = false;
  const last: string[] = [];
  return {
    line(text: string) {
      last.push(text);
      if (last.length > 20) last.shift();
      if (cut) return;
      written += Buffer.byteLength(text) + 1;
      if (written > limit) {
        cut = true;
        write(`[weir] log cut here: the step wrote more than ${limit} bytes of output; the rest is not kept (set WEIR_STEP_LOG_LIMIT to keep more)`);
        return;
      }
      write(text);
    },
    tail: () => last,
  };
}

/** Splits a byte stream into lines; a line longer than MAX_LINE_CHARS is emitted in pieces. */
function lineSink(emit: (line: string) => void): { write(chunk: Buffer): void; flush(): void } {
  let pending = '';
  const decoder = new TextDecoder('utf-8');
  return {
    write(chunk: Buffer) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) emit(line);
      while (pending.length > MAX_LINE_CHARS) {
        emit(pending.slice(0, MAX_LINE_CHARS));
        pending = pending.slice(MAX_LINE_CHARS);
      }
    },
    flush() {
      pending += decoder.decode();
      if (pending) emit(pending);
      pending = '';
    },
  };
}

/**
 * SIGKILLs every process whose environment holds the step's token: the step's offspring,
 * including a grandchild that moved to its own session (setsid) and so escaped the group kill.
 * Found through /proc/<pid>/environ, which is Linux only and readable for our own processes;
 * elsewhere, or for a program that clears its environment, only the group kill applies.
 */
function killTokenHolders(token: string): void {
  if (process.platform !== 'linux') return;
  const needle = Buffer.from(`${STEP_TOKEN_VAR}=${token}\0`);
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/environ`).includes(needle)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
}
