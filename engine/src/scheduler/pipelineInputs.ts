import { statSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { WeirError } from '../errors';
import { matchFiles } from '../pipeline/fileGlob';
import type { PipelineSpec } from '../pipeline/types';
import type { ResolvedInput } from '../steps/stepKind';
import type { ArtifactRef } from '../store/records';
import type { WorkspaceStore } from '../store/storeApi';

/**
 * A pipeline input as a step reads it. Datasets and models are already immutable
 * artifacts. A `file:` input is copied into the artifact store when the run starts, so the
 * run keeps exactly what it read and reuse sees its content hash; several matching files
 * become one folder artifact.
 */
export async function snapshotPipelineInput(store: WorkspaceStore, spec: PipelineSpec, name: string): Promise<ResolvedInput> {
  const input = spec.inputs[name];
  if (!input) throw new WeirError('INTERNAL', `no pipeline input '${name}'`);
  const source = input.source;
  if (source.type === 'dataset') {
    const ds = await store.getDataset(source.name, source.version);
    return { path: store.artifactPath(ds.artifact), ref: ds.artifact, dataset: { name: ds.name, version: ds.version } };
  }
  if (source.type === 'model') {
    const model = await store.resolveModel(source);
    return { path: store.artifactPath(model.artifact), ref: model.artifact, model: { name: model.name, version: model.version } };
  }
  const files = matchFiles(spec.dir, source.path);
  if (!files.length) throw new WeirError('NOT_FOUND', `input '${name}': no file matches ${source.path}`);
  if (files.length === 1) {
    const kind: ArtifactRef['kind'] = statSync(files[0]!).isDirectory() ? 'dir' : path.extname(files[0]!).toLowerCase() === '.parquet' ? 'parquet' : 'file';
    const ref = await store.putArtifact(files[0]!, kind, { copy: true });
    return { path: store.artifactPath(ref), ref };
  }
  // Keep each file's path below the deepest folder they share, so same-named files in
  // different folders stay apart.
  const common = commonDir(files);
  const staging = await store.makeTempDir(`input-${name}-`);
  const folder = path.join(staging, name);
  try {
    for (const f of files) {
      const target = path.join(folder, path.relative(common, f));
      await mkdir(path.dirname(target), { recursive: true });
      await cp(f, target);
    }
    const ref = await store.putArtifact(folder, 'dir');
    return { path: store.artifactPath(ref), ref };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function commonDir(files: string[]): string {
  let common = path.dirname(files[0]!);
  for (const f of files) {
    while (!f.startsWith(common + path.sep) && common !== path.dirname(common)) common = path.dirname(common);
  }
  return common;
}
