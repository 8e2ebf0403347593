import path from 'node:path';
import type { ParsedPipeline } from '../pipeline';
import type { RunRecord } from '../store/records';
import type { WorkspaceStore } from '../store/storeApi';
import { outlineOf } from './pipelineOutline';

/** The newest run of each pipeline file (for the CodeLens status and column completion), cached until a run changes. */
export class LastRuns {
  private readonly cache = new Map<string, Promise<RunRecord | undefined>>();

  constructor(private readonly store: () => Promise<WorkspaceStore | undefined>) {}

  of(parsed: ParsedPipeline): Promise<RunRecord | undefined> {
    const file = parsed.filePath;
    let cached = this.cache.get(file);
    if (!cached) {
      cached = this.find(parsed).catch(() => undefined);
      this.cache.set(file, cached);
    }
    return cached;
  }

  clear(): void {
    this.cache.clear();
  }

  private async find(parsed: ParsedPipeline): Promise<RunRecord | undefined> {
    const file = parsed.filePath;
    const store = await this.store();
    if (!store) return undefined;
    const rel = path.relative(store.root, file).split(path.sep).join('/');
    const outline = outlineOf(parsed);
    const experiment = outline.experiment ?? outline.name;
    const candidates = await store.listRuns(experiment ? { experiment, limit: 50 } : { limit: 500 });
    const match = candidates.find((r) => r.pipelineFile === rel || r.pipelineFile === file);
    if (match || !experiment) return match;
    // A run started with `--experiment X` lives elsewhere: look through recent runs of every experiment.
    return (await store.listRuns({ limit: 500 })).find((r) => r.pipelineFile === rel || r.pipelineFile === file);
  }
}
