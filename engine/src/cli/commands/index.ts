import type { CliCommand } from '../command';

/**
 * Every CLI command, in help order. Each feature adds its module's array here.
 */
export function commandTable(): CliCommand[] {
  return [];
}
