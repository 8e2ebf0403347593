import path from 'node:path';

/**
 * What every benchmark reads from its command line, in one place. Benchmarks are bundled and run
 * from bench/.cache/NAME.js (scripts/bench.mjs), so the repository is two folders up.
 */
export const repoRoot = path.resolve(__dirname, '..', '..');
export const args = process.argv.slice(2);
/** The value of `--NAME=VALUE`, or undefined. */
export const flag = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
/** The dev tables: ../shared/data/automl-dev beside the repository, or `--data=DIR`. */
export const devDataDir = path.resolve(flag('data') ?? path.join(repoRoot, '..', 'shared', 'data', 'automl-dev'));
