import type { CliCommand } from '../command';
import { WeirError } from '../../errors';
import { FileWorkspaceStore } from '../../store/workspace';
import { withStore } from './dataset';
import { formatBytes } from '../../util/format';

/** `weir gc`: frees artifacts no run, dataset version or model version refers to any more. */

const gcCommand: CliCommand = {
  path: ['gc'],
  usage: '[--dry-run] [--min-age SECONDS]',
  summary: 'Removes stored artifacts that no run, dataset version or model version refers to (e.g. outputs of deleted runs).',
  options: { 'dry-run': { type: 'boolean' }, 'min-age': { type: 'string' } },
  async run(args, io) {
    if (args.positionals.length) throw new WeirError('BAD_INPUT', `weir gc takes no arguments, got ${args.positionals.join(' ')}`);
    const minAgeText = typeof args.values['min-age'] === 'string' ? args.values['min-age'] : undefined;
    const minAgeSeconds = minAgeText === undefined ? undefined : Number(minAgeText);
    if (minAgeSeconds !== undefined && !(Number.isFinite(minAgeSeconds) && minAgeSeconds >= 0)) {
      throw new WeirError('BAD_INPUT', `--min-age wants a number of seconds ≥ 0, got '${minAgeText}'`);
    }
    const dryRun = args.values['dry-run'] === true;
    return withStore(args, async (store) => {
      // Garbage collection knows the store's folder layout, so it is on the file store rather than the WorkspaceStore contract.
      if (!(store instanceof FileWorkspaceStore)) throw new WeirError('INTERNAL', 'weir gc needs the file workspace store');
      const result = await store.collectGarbage({ dryRun, ...(minAgeSeconds !== undefined ? { minAgeMs: minAgeSeconds * 1000 } : {}) });
      if (args.json) {
        io.json({ dryRun, ...result });
        return 0;
      }
      const count = `${result.removed.length} unreferenced artifact${result.removed.length === 1 ? '' : 's'}`;
      if (dryRun) {
        io.out(`Would remove ${count} (${formatBytes(result.bytes)}); keeping ${result.kept}.`);
        for (const p of result.removed) io.out(`  ${p}`);
      } else {
        io.out(`Removed ${count} (${formatBytes(result.bytes)}); kept ${result.kept}.`);
      }
      return 0;
    });
  },
};

export const gcCommands: CliCommand[] = [gcCommand];
