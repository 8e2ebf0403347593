import fsp from 'node:fs/promises';
import path from 'node:path';
import { EXPLANATIONS_FILE } from '../../automl/model/modelArtifact';
import type { ExplanationsFile } from '../../explain/explanationsFile';
import type { ExplanationsView } from '../../protocol';
import type { RunRecord, StepRunRecord, TrialRecord } from '../../store/records';
import type { WorkspaceStore } from '../../store/storeApi';

/** Reads shared by the panels: an AutoML step's model folder, its trials, importances and explanations. */

export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function modelFolder(store: WorkspaceStore, step: StepRunRecord): string | undefined {
  const ref = step.outputs.model;
  return ref ? store.artifactPath(ref) : undefined;
}

/** A reused step's trials were recorded by the run it was reused from. */
export function trialsOf(store: WorkspaceStore, run: RunRecord, step: StepRunRecord): Promise<TrialRecord[]> {
  return step.reusedFrom ? store.listTrials(step.reusedFrom.runId, step.reusedFrom.step).catch(() => []) : store.listTrials(run.id, step.name);
}
/** Rows of the stored sample sent to a view: run details is resent whole on every change. */
const EXPLANATION_ROWS_SENT = 100;

/** The model folder's explanations.json as the views read it (absent for older models). */
export async function explanationsOf(folder: string): Promise<ExplanationsView | undefined> {
  const file = await readJson<ExplanationsFile>(path.join(folder, EXPLANATIONS_FILE));
  if (file?.format !== 'weir-explanations') return undefined;
  const { format: _format, version: _version, task: _task, costPerRow: _cost, ...view } = file;
  const cut = (s: ExplanationsView['sample']['raw']): ExplanationsView['sample']['raw'] => ({ columns: s.columns, shap: s.shap.slice(0, EXPLANATION_ROWS_SENT), values: s.values.slice(0, EXPLANATION_ROWS_SENT) });
  return { ...view, sampleRowIndex: view.sampleRowIndex.slice(0, EXPLANATION_ROWS_SENT), sample: { raw: cut(view.sample.raw), engineered: cut(view.sample.engineered) } };
}

export function importanceList(importances: Record<string, number>): { feature: string; importance: number }[] {
  return Object.entries(importances)
    .filter(([, v]) => Number.isFinite(v))
    .map(([feature, importance]) => ({ feature, importance }))
    .sort((a, b) => Math.abs(b.importance) - Math.abs(a.importance) || a.feature.localeCompare(b.feature));
}
