import path from 'node:path';
import { MODEL_FILE, type ModelArtifact } from '../../automl/model/modelArtifact';
import { WeirError } from '../../errors';
import { explainRowsSample } from '../../explain/explanationsFile';
import type { ExplainedRowsView, PreviewTarget } from '../../protocol';
import { decodeRecords, ScoringInputError } from '../../serve/scoringInput';
import type { WorkspaceStore } from '../../store/storeApi';
import { previewInfo, previewPage } from './dataPreview';
import { readJson } from './modelFolder';

/** At most this many picked rows per request (each is one page read and one explanation). */
export const MAX_EXPLAINED_ROWS = 50;

/**
 * Rows picked in a data preview, explained by a registered model: the rows are read as the
 * preview reads them, typed by the model's input schema (as the scoring server types a
 * request's records), and explained exactly (engine/src/explain).
 */
export async function explainRows(store: WorkspaceStore, p: { name: string; version?: number; target: PreviewTarget; rows: number[] }): Promise<ExplainedRowsView> {
  if (p.rows.length === 0 || p.rows.length > MAX_EXPLAINED_ROWS) throw new WeirError('BAD_INPUT', `explain 1 to ${MAX_EXPLAINED_ROWS} rows at a time, not ${p.rows.length}`);
  const model = await store.getModel(p.name, p.version);
  const ref = `${model.name}:${model.version}`;
  const artifact = model.artifact.kind === 'model' || model.artifact.kind === 'dir' ? await readJson<ModelArtifact>(path.join(store.artifactPath(model.artifact), MODEL_FILE)) : undefined;
  if (artifact?.format !== 'weir-automl') throw new WeirError('BAD_INPUT', `${ref} is not a Weir AutoML model (framework ${model.framework ?? 'unknown'}); only those are explained`);
  const info = await previewInfo(store, p.target);
  const records: Record<string, unknown>[] = [];
  for (const row of p.rows) {
    if (!Number.isInteger(row) || row < 0 || row >= info.rows) throw new WeirError('BAD_INPUT', `${info.title} has rows 1 to ${info.rows}; there is no row ${row + 1}`);
    const page = await previewPage(store, p.target, row, 1);
    records.push(Object.fromEntries(page.columns.map((c, j) => [c, page.values[j]![0]])));
  }
  let table;
  try {
    table = decodeRecords(records, artifact.featurizer.inputSchema);
  } catch (e) {
    if (e instanceof ScoringInputError) throw new WeirError('BAD_INPUT', `${info.title} does not fit ${ref}: ${e.message}`);
    throw e;
  }
  return { model: { name: model.name, version: model.version }, source: info.title, rows: [...p.rows], ...explainRowsSample(artifact, table) };
}
