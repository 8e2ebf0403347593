import { parseArgs } from 'node:util';
import path from 'node:path';
import type { CliCommand, CliIO } from './command';
import { exitCodeFor, isWeirError } from '../errors';
import { commandTable } from './commands';
import { WEIR_VERSION } from '../version';

/**
 * The `weir` CLI: routes argv to a command from `commands/index.ts`, owns the process
 * (signals, exit codes) and nothing else.
 */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const commands = commandTable();
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
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        workspace: { type: 'string' },
        json: { type: 'boolean' },
        ...command.options,
      },
    });
  } catch (e) {
    io.err(`weir ${command.path.join(' ')}: ${(e as Error).message}\nUsage: weir ${command.path.join(' ')} ${command.usage}`);
    return 2;
  }
  const { workspace, json, ...values } = parsed.values;
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
    if (isWeirError(e)) {
      io.err(`error: ${e.format()}`);
    } else {
      io.err(`internal error: ${(e as Error)?.stack ?? String(e)}`);
    }
    return exitCodeFor(e);
  }
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
    'Every command takes --workspace DIR (default: the current folder); listings take --json.',
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
  const io: CliIO = {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    json: (v) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`),
    isTTY: process.stdout.isTTY === true,
    signal: controller.signal,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
