import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { RunRecord, StepRunRecord } from './records';
import { appendLineSync, readJsonLinesSync, writeFileAtomic } from './durableFiles';
import { decodeFileName, encodeFileName } from './fileNames';

/**
 * The index that makes `listRuns` fast without reading one file per run.
 *
 * - `index/runs/<experiment>.jsonl`: append-only, one line per run when it reaches a final
 *   status (and again if a final run is changed or deleted). The last line for an id wins; a
 *   `{"id", "deleted": true}` line removes it. Lines hold the run's summary (`summarize`).
 * - `index/active/<experiment>/<runId>`: an empty marker per Queued/Running run. Live runs
 *   are few, so their `run.json` files are read directly and are always current.
 *
 * The run file is always written before the index line, and the index line before the marker
 * is removed, so a reader that lists markers first and then reads the index never misses a run.
 * A process killed between those steps leaves a marker of a finished run, which the next
 * `openWorkspace` turns into an index line. The whole index can be rebuilt from the run files.
 *
 * Each process keeps the parsed index in memory and on later calls reads only the bytes
 * appended since (by size and inode), so the editor's engine pays the full parse once.
 */
export type RunIndexLine = RunRecord | { id: string; experiment: string; deleted: true };

interface CachedExperiment {
  ino: number;
  end: number;
  runs: Map<string, RunRecord>;
}

export class RunIndex {
  private readonly cache = new Map<string, CachedExperiment>();
  readonly runsIndexDir: string;
  readonly activeDir: string;

  constructor(indexDir: string) {
    this.runsIndexDir = path.join(indexDir, 'runs');
    this.activeDir = path.join(indexDir, 'active');
  }

  async init(): Promise<void> {
    await fsp.mkdir(this.runsIndexDir, { recursive: true });
    await fsp.mkdir(this.activeDir, { recursive: true });
  }

  private indexFile(experiment: string): string {
    return path.join(this.runsIndexDir, `${encodeFileName(experiment)}.jsonl`);
  }

  markerPath(experiment: string, runId: string): string {
    return path.join(this.activeDir, encodeFileName(experiment), runId);
  }

  async addMarker(experiment: string, runId: string): Promise<void> {
    const file = this.markerPath(experiment, runId);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, '');
  }

  async removeMarker(experiment: string, runId: string): Promise<void> {
    await fsp.rm(this.markerPath(experiment, runId), { force: true });
  }

  /** Appends the run's final state (or its deletion) to its experiment's index. */
  append(line: RunIndexLine): void {
    const record = 'deleted' in line ? line : summarize(line);
    const file = this.indexFile(line.experiment);
    try {
      appendLineSync(file, JSON.stringify(record));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      fs.mkdirSync(this.runsIndexDir, { recursive: true });
      appendLineSync(file, JSON.stringify(record));
    }
  }

  /** Experiments that have an index file or a live run. */
  async experiments(): Promise<string[]> {
    const names = new Set<string>();
    for (const f of await readdirOrEmpty(this.runsIndexDir)) if (f.endsWith('.jsonl')) names.add(decodeFileName(f.slice(0, -'.jsonl'.length)));
    for (const d of await readdirOrEmpty(this.activeDir)) names.add(decodeFileName(d));
    return [...names].sort();
  }

  /** Run ids with an active marker, by experiment (all experiments when none is given). */
  async activeRuns(experiment?: string): Promise<{ experiment: string; runId: string }[]> {
    const dirs = experiment === undefined ? await readdirOrEmpty(this.activeDir) : [encodeFileName(experiment)];
    const out: { experiment: string; runId: string }[] = [];
    for (const d of dirs) {
      for (const runId of await readdirOrEmpty(path.join(this.activeDir, d))) out.push({ experiment: decodeFileName(d), runId });
    }
    return out;
  }

  /** Final runs of one experiment from the index, reading only what was appended since last time. */
  finishedRuns(experiment: string): Map<string, RunRecord> {
    const file = this.indexFile(experiment);
    let cached = this.cache.get(experiment);
    let ino = 0;
    let size = 0;
    try {
      const stat = fs.statSync(file);
      ino = stat.ino;
      size = stat.size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (!cached || cached.ino !== ino || size < cached.end) {
      cached = { ino, end: 0, runs: new Map() };
      this.cache.set(experiment, cached);
    }
    if (size > cached.end) {
      const { records, end, ino: readIno } = readJsonLinesSync<RunIndexLine>(file, cached.end);
      if (readIno !== cached.ino) {
        // The file was replaced (rebuilt) between stat and read: start over from what we read.
        cached.runs = new Map();
        cached.ino = readIno;
        if (cached.end !== 0) return this.finishedRuns(experiment);
      }
      for (const r of records) {
        if ('deleted' in r && r.deleted) cached.runs.delete(r.id);
        else cached.runs.set(r.id, r as RunRecord);
      }
      cached.end = end;
    }
    return cached.runs;
  }

  /** Replaces an experiment's index with exactly these final runs (used by rebuild). */
  async rewrite(experiment: string, runs: RunRecord[], tmpDir: string): Promise<void> {
    const text = runs.map((r) => `${JSON.stringify(summarize(r))}\n`).join('');
    await fsp.mkdir(this.runsIndexDir, { recursive: true });
    await writeFileAtomic(tmpDir, this.indexFile(experiment), text);
    this.cache.delete(experiment);
  }

  async removeIndexFiles(): Promise<void> {
    for (const f of await readdirOrEmpty(this.runsIndexDir)) await fsp.rm(path.join(this.runsIndexDir, f), { force: true });
    this.cache.clear();
  }
}

/**
 * The run as the index keeps it and `listRuns` returns it: enough for listings, trees and
 * comparisons (status, times, parameters, errors, step statuses and metrics), without output
 * refs, fingerprints, dataset lineage or owner, which make up most of a record's bytes.
 * `getRun` returns the full record.
 */
export function summarize(run: RunRecord): RunRecord {
  const { owner: _owner, ...rest } = run;
  return {
    ...rest,
    outputs: {},
    steps: run.steps.map((s) => {
      const step: StepRunRecord = { name: s.name, kind: s.kind, status: s.status, outputs: {}, metrics: s.metrics };
      if (s.startedAt !== undefined) step.startedAt = s.startedAt;
      if (s.endedAt !== undefined) step.endedAt = s.endedAt;
      if (s.reusedFrom !== undefined) step.reusedFrom = s.reusedFrom;
      if (s.error !== undefined) step.error = s.error;
      if (s.trialCount !== undefined) step.trialCount = s.trialCount;
      return step;
    }),
    summary: true,
  };
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
