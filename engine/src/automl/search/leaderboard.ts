import type { TrialRecord } from '../../store/records';
import { type TrialResult, leaderboardOrder } from './runSearch';

/**
 * The leaderboard as the run sees it: every row in the order it was recorded (forecasting
 * baselines, searched trials, ensembles), each reported to the run store and logged with the
 * best so far; plus the text and JSON shapes of the final board.
 */
export class Leaderboard {
  readonly trials: TrialResult[] = [];

  constructor(
    private readonly metric: string,
    private readonly log: (text: string) => void,
    private readonly reportTrial?: (trial: TrialRecord) => Promise<void>,
  ) {}

  async add(t: TrialResult): Promise<void> {
    this.trials.push(t);
    await this.reportTrial?.(toTrialRecord(t));
    this.log(leaderboardLine(t, this.metric, this.best()));
  }

  best(): TrialResult | undefined {
    return leaderboardOrder(this.metric, this.trials.filter((t) => t.status === 'Completed'))[0];
  }

  ordered(): TrialResult[] {
    return leaderboardOrder(this.metric, this.trials);
  }
}

export function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : 'n/a';
}

function leaderboardLine(t: TrialResult, metric: string, best: TrialResult | undefined): string {
  const status = t.status === 'Completed' ? `${metric} ${fmt(t.score)}` : `${t.status}: ${t.error ?? ''}`;
  return `iteration ${String(t.iteration).padStart(3)}  ${t.algorithm.padEnd(18)} ${status}  (${(t.durationMs / 1000).toFixed(2)} s)  best ${best ? `${fmt(best.score)} #${best.iteration}` : 'n/a'}`;
}

export function formatLeaderboard(board: TrialResult[], metric: string): string {
  const top = board.slice(0, 10);
  const lines = top.map((t, rank) => `${String(rank + 1).padStart(3)}  ${String(t.iteration).padStart(4)}  ${t.algorithm.padEnd(18)} ${t.status === 'Completed' ? fmt(t.score) : t.status.padEnd(9)}  ${(t.durationMs / 1000).toFixed(2).padStart(7)} s`);
  return [`leaderboard (${metric}, best first; ${board.length} rows):`, ' rank  iter  algorithm          score       time', ...lines].join('\n');
}

/** A row of `leaderboard.json`. */
export function leaderboardRow(t: TrialResult) {
  return { iteration: t.iteration, algorithm: t.algorithm, status: t.status, score: Number.isFinite(t.score) ? t.score : null, metrics: t.metrics, hyperparameters: t.params, durationMs: t.durationMs, error: t.error };
}

export function toTrialRecord(t: TrialResult): TrialRecord {
  return {
    iteration: t.iteration,
    algorithm: t.algorithm,
    hyperparameters: t.params,
    status: t.status,
    metrics: Object.fromEntries(Object.entries(t.metrics).filter(([, v]) => Number.isFinite(v))),
    startedAt: t.startedAt,
    durationMs: t.durationMs,
    error: t.error,
    ...(t.node ? { node: t.node } : {}),
  };
}

/** The article's metrics output: metric → { iteration → value }, so `pd.DataFrame(json.load(f))` has a row per trial. */
export function metricsByIteration(trials: TrialResult[]): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  for (const t of trials) {
    if (t.status !== 'Completed') continue;
    for (const [metric, value] of Object.entries(t.metrics)) {
      (out[metric] ??= {})[String(t.iteration)] = Number.isFinite(value) ? value : null;
    }
  }
  return out;
}
