import type { ParseArgsConfig } from 'node:util';

/**
 * One CLI command. Command modules under `commands/` export arrays of these; `main.ts`
 * routes `argv` to the command whose `path` matches the most leading words.
 */
export interface CliCommand {
  /** Words that select the command, e.g. `['dataset', 'register']`. */
  path: string[];
  /** Positional part of the usage line, e.g. `NAME PATH|GLOB|URL…`. */
  usage: string;
  summary: string;
  /** Left out of `weir --help`: an entry point for Weir itself (e.g. `step-exec`, run inside a Slurm job). */
  hidden?: boolean;
  /** Options besides the global `--workspace` and `--json` (util.parseArgs form). */
  options?: ParseArgsConfig['options'];
  /** Returns the exit code. Throw WeirError for bad input; main prints it and exits 2. */
  run(args: CliArgs, io: CliIO): Promise<number>;
}

export interface CliArgs {
  positionals: string[];
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** Absolute workspace root from `--workspace` (default: the current folder). */
  workspace: string;
  json: boolean;
}

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Prints a value as JSON (for `--json`). */
  json(value: unknown): void;
  /** True when stdout is a terminal: colours and live status lines are allowed. */
  isTTY: boolean;
  /** Aborted on the first Ctrl-C (SIGINT) or SIGTERM. */
  signal: AbortSignal;
}
