import path from 'node:path';
import { IMPORTANCES_FILE, MODEL_FILE, type ModelArtifact } from '../../automl/model/modelArtifact';
import type { ModelCardData } from '../../protocol';
import { exampleRow, serveExample } from '../../serve/example';
import type { WorkspaceStore } from '../../store/storeApi';
import { explanationsOf, importanceList, readJson } from './modelFolder';

export async function modelCard(store: WorkspaceStore, name: string, version?: number): Promise<ModelCardData> {
  const model = await store.getModel(name, version);
  const versions = (await store.listModelVersions(name)).map((v) => v.version).sort((a, b) => b - a);
  const data: ModelCardData = { model, versions };
  const folder = store.artifactPath(model.artifact);
  const artifact = model.artifact.kind === 'model' || model.artifact.kind === 'dir' ? await readJson<ModelArtifact>(path.join(folder, MODEL_FILE)) : undefined;
  if (artifact?.format === 'weir-automl') {
    data.task = artifact.task;
    data.primaryMetric = artifact.primaryMetric;
    data.algorithm = artifact.algorithm;
    data.inputSchema = artifact.featurizer.inputSchema.map((c) => ({ name: c.name, type: c.duckType }));
    data.featurization = artifact.featurizer.columns.map((c) => ({ name: c.name, purpose: c.purpose, note: c.note }));
    if (!model.metrics) data.model = { ...model, metrics: artifact.metrics };
    const importances = await readJson<Record<string, number>>(path.join(folder, IMPORTANCES_FILE));
    if (importances) data.featureImportances = importanceList(importances);
    data.serve = serveExample(`${model.name}:${model.version}`, exampleRow(artifact.featurizer));
    const explanations = await explanationsOf(folder);
    if (explanations) data.explanations = explanations;
  }
  data.aliases = await store.listModelAliases(name);
  data.aliasHistory = await store.modelAliasHistory(name);
  return data;
}
