/**
 * Durations and byte sizes as people read them, the same in the CLI, the CodeLens, the
 * extension's trees and the webviews. A leaf with no imports, so the editor side may use it:
 * eslint.config.mjs lets `extension/` and `webview/` import this one engine file besides
 * `protocol.ts`. No `toLocaleString`: its first call loads ICU data, which cost ~70 ms of a
 * run-details first paint in Chromium.
 */

/** `412 ms`, `1.68 s`, `2.1 s`, `12.5 s`, `2 min 5 s`, `3 min`, `1 h 2 min`; `missing` when unknown. */
export function formatDuration(ms: number | undefined, missing = ''): string {
  if (ms === undefined || !Number.isFinite(ms)) return missing;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  // Below 10 s up to two decimals (at least one), so quick steps still differ; above, one.
  if (s < 10) return `${s.toFixed(2).replace(/(\.\d)0$/, '$1')} s`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const total = Math.round(s);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  if (minutes < 60) return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** `512 B`, `117.2 KiB`, `1.5 GiB` (powers of 1024); `missing` when unknown. */
export function formatBytes(bytes: number | undefined, missing = ''): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return missing;
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
