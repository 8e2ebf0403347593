import { parseArgs } from 'node:util';
import path from 'node:path';
import type { CliCommand, CliIO } from './command';
import { exitCodeFor, isWeirError, WeirError } from '../errors';
import { commandTable } from './commands';
import { WEIR_VERSION } from '../version';

/**
 * The `weir` CLI: routes argv to a command from `commands/index.ts`, owns the process
 * (signals, exit codes) and nothing else.
 */
export async function main(argvIn: string[], io: CliIO): Promise<number> {
  const commands = commandTable();
  const argv = liftGlobalOptions(argvIn);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(helpText(commands));
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.out(VERSION);
    return 0;
  }
  const command = findCommand(commands, argv);
  if (!command) {
    io.err(`weir: unknown command '${argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}'. Run 'weir --help' for the list.`);
    return 2;
  }
  const rest = argv.slice(command.path.length);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`weir ${command.path.join(' ')} ${command.usage}\n  ${command.summary}`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(rest, { workspace: { type: 'string' }, ...command.options }),
      allowPositionals: true,
      strict: true,
      options: {
        workspace: { type: 'string' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean' },
        ...command.options,
      },
    });
  } catch (e) {
    io.err(`weir ${command.path.join(' ')}: ${(e as Error).message}\nUsage: weir ${command.path.join(' ')} ${command.usage}`);
    return 2;
  }
  const { workspace, json, verbose, ...values } = parsed.values;
  try {
    return await command.run(
      {
        positionals: parsed.positionals,
        values,
        workspace: path.resolve(typeof workspace === 'string' ? workspace : process.cwd()),
        json: json === true,
      },
      io,
    );
  } catch (e) {
    return reportError(e, io, verbose === true);
  }
}

/**
 * The one error path: a user-caused failure (a WeirError, or a file-system error such as a
 * full disk, a name too long or a missing folder) prints `error: <file or value>: <reason>`
 * and its hint, exit 2 (1 for a run that ran and failed). Anything else is a bug in Weir:
 * `internal error: <message>`, exit 1. Stack traces only with --verbose.
 */
export function reportError(e: unknown, io: Pick<CliIO, 'err'>, verbose: boolean): number {
  const user = asUserError(e);
  const stack = (e as Error)?.stack;
  if (user) {
    io.err(`error: ${user.format()}`);
    if (verbose && stack) io.err(stack);
    return exitCodeFor(user);
  }
  io.err(`internal error: ${(e as Error)?.message ?? String(e)}`);
  io.err(verbose && stack ? stack : '  This is a bug in Weir; run again with --verbose for the stack trace.');
  return 1;
}

const ERRNO_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'name too long',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error',
};

/** A WeirError for what the user (or the machine) caused; undefined for a bug. */
export function asUserError(e: unknown): WeirError | undefined {
  if (isWeirError(e)) return e;
  const errno = e as NodeJS.ErrnoException | undefined;
  const reason = errno?.code ? ERRNO_REASONS[errno.code] : undefined;
  if (reason && typeof errno?.syscall === 'string') {
    const where = errno.path ?? (errno as { dest?: string }).dest;
    const hint =
      errno.code === 'ENOSPC' || errno.code === 'EDQUOT'
        ? 'Free some space and try again; records are written whole or not at all.'
        : errno.code === 'ENAMETOOLONG'
          ? 'Use a shorter name.'
          : undefined;
    return new WeirError(errno.code === 'ENOENT' ? 'NOT_FOUND' : 'BAD_INPUT', `${where ? `${where}: ` : ''}${reason}`, { hint, cause: e });
  }
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new WeirError('BAD_INPUT', 'the input is nested too deeply to read', { hint: 'Flatten the file (a real pipeline, table or model is a few levels deep).', cause: e });
  }
  return undefined;
}

/** Options every command takes, which may also come before the command: `weir --workspace W runs`. */
function liftGlobalOptions(argv: string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--workspace' && i + 1 < argv.length) {
      leading.push(a, argv[i + 1]!);
      i += 2;
    } else if (a.startsWith('--workspace=') || a === '--json' || a === '--verbose') {
      leading.push(a);
      i += 1;
    } else {
      break;
    }
  }
  return leading.length ? [...argv.slice(i), ...leading] : argv;
}

/**
 * `--limit -1` as `--limit=-1`: util.parseArgs reads a value that starts with `-` as another
 * option ("argument is ambiguous"), so a negative number never reached the command's range
 * check. Only for options that take a value, and only for values that look like numbers.
 */
function joinNegativeValues(args: string[], options: NonNullable<CliCommand['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    const next = args[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i += 1;
    } else {
      out.push(a);
    }
  }
  return out;
}

const VERSION = WEIR_VERSION;

function findCommand(commands: CliCommand[], argv: string[]): CliCommand | undefined {
  let best: CliCommand | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best;
}

function helpText(commands: CliCommand[]): string {
  const lines = commands.filter((c) => !c.hidden).map((c) => `  weir ${[...c.path, c.usage].filter(Boolean).join(' ')}\n      ${c.summary}`);
  return [
    'weir — local ML pipelines with AutoML',
    '',
    'Usage:',
    ...lines,
    '',
    'Every command takes --workspace DIR (default: the current folder; before or after the command) and --verbose (stack traces of errors); listings take --json.',
    'Exit codes: 0 success, 1 a run failed, 2 bad input.',
  ].join('\n');
}

if (require.main === module || process.env.WEIR_CLI_MAIN === '1') {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that went away (`weir run … | head -2`) must not end the work: output to a
  // closed pipe is dropped, and the run goes on to record its real end.
  const broken = { out: false, err: false };
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    broken.out = true;
  });
  process.stderr.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    broken.err = true;
  });
  const io: CliIO = {
    out: (t) => void (broken.out || process.stdout.write(t.endsWith('\n') ? t : `${t}\n`)),
    err: (t) => void (broken.err || process.stderr.write(t.endsWith('\n') ? t : `${t}\n`)),
    json: (v) => void (broken.out || process.stdout.write(`${JSON.stringify(v, null, 2)}\n`)),
    isTTY: process.stdout.isTTY === true,
    signal: controller.signal,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.exitCode = reportError(e, io, process.argv.includes('--verbose'));
    },
  );
}
