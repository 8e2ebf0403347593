import { formatBytes as formatBytesText, formatDuration as formatDurationText } from '../../../engine/src/util/format';

/**
 * Number, duration and date formatting shared by the views (one place, so columns line up);
 * durations and sizes are the engine's `util/format.ts`, the one format everywhere.
 * No `toLocaleString`: its first call loads ICU data, which cost ~70 ms of a run-details
 * first paint in Chromium.
 */

export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return groupThousands(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e7)) return value.toExponential(2);
  return value.toFixed(digits).replace(/\.?0+$/, '');
}

/** The engine's one duration format (`1.68 s`, `2 min 5 s`), `—` when unknown. */
export function formatDuration(ms: number | undefined): string {
  return formatDurationText(ms, '—');
}

export function durationBetween(start?: string, end?: string, now = Date.now()): number | undefined {
  if (!start) return undefined;
  const t0 = Date.parse(start);
  const t1 = end ? Date.parse(end) : now;
  return Number.isFinite(t0) && Number.isFinite(t1) ? Math.max(0, t1 - t0) : undefined;
}

/** The engine's one size format (`117.2 KiB`), `—` when unknown. */
export function formatBytes(bytes: number | undefined): string {
  return formatBytesText(bytes, '—');
}

function groupThousands(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local time as `2026-11-27 12:00:42`: sortable, unambiguous, the same in every locale. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** How a run is named where its id is too long: when it was created (ids embed the same time, so this is unique in practice). */
export function runLabel(run: { id: string; createdAt: string }): string {
  return formatDate(run.createdAt);
}

/**
 * Whether a smaller value of a metric is better: Azure's error and loss metrics
 * (`normalized_root_mean_squared_error`, `log_loss`, …). Everything else (AUC, accuracy,
 * r2, correlations) is better when larger.
 */
export function lowerIsBetter(metric: string): boolean {
  return /error|loss|deviation/i.test(metric);
}
