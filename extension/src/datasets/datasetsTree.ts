import { ListDatasetsRequest, ListDatasetVersionsRequest, type DatasetVersion } from '../../../engine/src/protocol';
import type { EngineClient } from '../client/engineClient';
import { CommandIds } from '../commands/ids';
import { VersionedTree, type VersionedNode } from '../registry/versionedTree';
import { datasetRow, datasetVersionRow } from '../runs/rows';

export type DatasetNode = VersionedNode<'dataset'>;

/** Datasets › Versions; clicking a version previews it. */
export class DatasetsTree extends VersionedTree<'dataset', DatasetVersion> {
  constructor(engine: EngineClient) {
    super(engine, {
      kind: 'dataset',
      listLatest: (e) => e.request0(ListDatasetsRequest.type),
      listVersions: (e, name) => e.request(ListDatasetVersionsRequest.type, { name }),
      row: datasetRow,
      versionRow: datasetVersionRow,
      versionCommand: { command: CommandIds.previewDataset, title: 'Preview Dataset' },
    });
  }
}
