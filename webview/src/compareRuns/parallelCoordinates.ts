import type { TopLevelSpec } from 'vega-lite';
import type { CompareRunData } from '../protocol';
import { lowerIsBetter, runLabel } from '../shared/format';

export interface ParallelAxis {
  name: string;
  kind: 'hyperparameter' | 'metric';
  min: number;
  max: number;
}

const maxHyperparameterAxes = 8;
const maxMetricAxes = 4;

/**
 * The axes of the trials chart: the numeric hyperparameters most trials share, then a few
 * metrics with the primary metric last (the eye ends where the outcome is).
 */
export function parallelAxes(runs: CompareRunData[]): ParallelAxis[] {
  const trials = runs.flatMap((r) => r.trials.flatMap((s) => s.trials));
  const primary = runs.flatMap((r) => r.trials.map((s) => s.primaryMetric)).find((m) => m !== undefined);
  const hpCount = new Map<string, number>();
  const metricCount = new Map<string, number>();
  for (const t of trials) {
    for (const [k, v] of Object.entries(t.hyperparameters)) if (typeof v === 'number' && Number.isFinite(v)) hpCount.set(k, (hpCount.get(k) ?? 0) + 1);
    for (const [k, v] of Object.entries(t.metrics)) if (Number.isFinite(v)) metricCount.set(k, (metricCount.get(k) ?? 0) + 1);
  }
  const byCount = (m: Map<string, number>): string[] => [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  const hps = byCount(hpCount).slice(0, maxHyperparameterAxes);
  const metrics = byCount(metricCount).filter((m) => m !== primary).slice(0, maxMetricAxes - (primary && metricCount.has(primary) ? 1 : 0));
  if (primary && metricCount.has(primary)) metrics.push(primary);
  const range = (get: (t: (typeof trials)[number]) => unknown): { min: number; max: number } => {
    let min = Infinity;
    let max = -Infinity;
    for (const t of trials) {
      const v = get(t);
      if (typeof v === 'number' && Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    return { min, max };
  };
  return [
    ...hps.map((name) => ({ name, kind: 'hyperparameter' as const, ...range((t) => t.hyperparameters[name]) })),
    ...metrics.map((name) => ({ name, kind: 'metric' as const, ...range((t) => t.metrics[name]) })),
  ];
}

/**
 * One line per trial across every run, coloured by run; each axis scaled to its own range.
 * Axes sit at x = 0, 1, 2, … on a quantitative scale (a nominal x scale shared by the rule,
 * line and label layers placed line vertices between axes), and are named by text marks.
 */
export function parallelCoordinatesSpec(runs: CompareRunData[], axes: ParallelAxis[]): TopLevelSpec {
  const values: { trial: string; run: string; axis: string; index: number; position: number; raw: number }[] = [];
  for (const r of runs) {
    // The run id keeps the colour key unique when two runs started in the same second.
    const label = `${runLabel(r.run)} · ${r.run.id}`;
    for (const step of r.trials) {
      for (const t of step.trials) {
        axes.forEach((axis, index) => {
          const v = axis.kind === 'metric' ? t.metrics[axis.name] : t.hyperparameters[axis.name];
          if (typeof v !== 'number' || !Number.isFinite(v)) return;
          const span = axis.max - axis.min;
          values.push({ trial: `${r.run.id}/${step.step}/${t.iteration}`, run: label, axis: axis.name, index, position: span > 0 ? (v - axis.min) / span : 0.5, raw: v });
        });
      }
    }
  }
  const last = Math.max(1, axes.length - 1);
  const x = { field: 'index', type: 'quantitative', axis: null, scale: { domain: [-0.05, last + 0.6] } };
  const y = { field: 'position', type: 'quantitative', axis: null, scale: { domain: [0, 1] } };
  const axisRows = axes.map((a, index) => ({ index, name: a.kind === 'metric' && lowerIsBetter(a.name) ? `${a.name} ↓` : a.name, top: 1, bottom: 0, max: fmt(a.max), min: fmt(a.min) }));
  return {
    width: Math.max(480, axes.length * 120),
    height: 300,
    layer: [
      { data: { values: axisRows }, mark: { type: 'rule', color: 'gray', opacity: 0.6 }, encoding: { x, y: { ...y, field: 'bottom' }, y2: { field: 'top' } } },
      {
        data: { values },
        mark: { type: 'line', opacity: 0.55, strokeWidth: 1.5 },
        encoding: {
          x,
          y,
          color: { field: 'run', type: 'nominal', title: 'Run', legend: { orient: 'bottom' } },
          detail: { field: 'trial', type: 'nominal' },
          order: { field: 'index', type: 'quantitative' },
        },
      },
      {
        data: { values },
        mark: { type: 'point', size: 12, filled: true, opacity: 0.6, tooltip: true },
        encoding: { x, y, color: { field: 'run', type: 'nominal', legend: null }, tooltip: [{ field: 'run' }, { field: 'trial' }, { field: 'axis' }, { field: 'raw', format: '.4~g' }] },
      },
      { data: { values: axisRows }, mark: { type: 'text', dy: -14, fontWeight: 'bold', align: 'center' }, encoding: { x, y: { ...y, field: 'top' }, text: { field: 'name' } } },
      { data: { values: axisRows }, mark: { type: 'text', dx: 4, align: 'left', baseline: 'top', fontSize: 10, opacity: 0.8 }, encoding: { x, y: { ...y, field: 'top' }, text: { field: 'max' } } },
      { data: { values: axisRows }, mark: { type: 'text', dx: 4, align: 'left', baseline: 'bottom', fontSize: 10, opacity: 0.8 }, encoding: { x, y: { ...y, field: 'bottom' }, text: { field: 'min' } } },
    ],
  } as unknown as TopLevelSpec;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '';
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}
