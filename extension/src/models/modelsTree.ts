import { ListModelsRequest, ListModelVersionsRequest, type ModelListing } from '../../../engine/src/protocol';
import type { EngineClient } from '../client/engineClient';
import { CommandIds } from '../commands/ids';
import { VersionedTree, type VersionedNode } from '../registry/versionedTree';
import { modelRow, modelVersionRow } from '../runs/rows';

export type ModelNode = VersionedNode<'model'>;

/** Models › Versions, each row with the aliases on that version; clicking a version opens its model card. */
export class ModelsTree extends VersionedTree<'model', ModelListing> {
  constructor(engine: EngineClient) {
    super(engine, {
      kind: 'model',
      listLatest: (e) => e.request0(ListModelsRequest.type),
      listVersions: (e, name) => e.request(ListModelVersionsRequest.type, { name }),
      row: modelRow,
      versionRow: modelVersionRow,
      versionCommand: { command: CommandIds.openModelCard, title: 'Open Model Card' },
    });
  }
}
