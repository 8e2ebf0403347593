import type { CliCommand } from '../command';
import { validateCommands } from './validate';
import { runCommands } from './run';
import { datasetCommands } from './dataset';
import { modelCommands } from './model';
import { predictCommands } from './predict';
import { explainCommands } from './explain';
import { gbdtCommands } from './gbdt';
import { gcCommands } from './gc';
import { serveCommands } from './serve';
import { exportCommands } from './export';
import { stepExecCommands } from './stepExec';

/**
 * Every CLI command, in help order. Each feature adds its module's array here.
 */
export function commandTable(): CliCommand[] {
  return [...validateCommands, ...runCommands, ...datasetCommands, ...modelCommands, ...predictCommands, ...serveCommands, ...explainCommands, ...gbdtCommands, ...gcCommands, ...exportCommands, ...stepExecCommands];
}
