import * as vscode from 'vscode';
import { ListDatasetsRequest, ListDatasetVersionsRequest, StoreChangedNotification, type DatasetVersion } from '../../../engine/src/protocol';
import type { EngineClient } from '../client/engineClient';
import { datasetRow, datasetVersionRow } from '../runs/rows';
import { toTreeItem } from '../runs/treeItem';
import { CommandIds } from '../commands/ids';

export type DatasetNode = { type: 'dataset'; name: string } | { type: 'datasetVersion'; name: string; version: number };

/** Datasets › Versions, refreshed when the engine says a dataset changed. */
export class DatasetsTree implements vscode.TreeDataProvider<DatasetNode>, vscode.Disposable {
  private latest: Map<string, DatasetVersion> | undefined;
  private readonly versions = new Map<string, DatasetVersion[]>();
  private readonly changeEmitter = new vscode.EventEmitter<DatasetNode | undefined>();
  private readonly disposables: vscode.Disposable[];
  readonly onDidChangeTreeData = this.changeEmitter.event;

  constructor(private readonly engine: EngineClient) {
    this.disposables = [
      engine.onNotification(StoreChangedNotification.type, (change) => {
        if (change.type === 'dataset') this.refresh();
      }),
      engine.onDidChangeState((state) => {
        if (state === 'running') this.refresh();
      }),
    ];
  }

  async getChildren(node?: DatasetNode): Promise<DatasetNode[]> {
    if (!node) {
      this.latest ??= new Map((await this.engine.request0(ListDatasetsRequest.type)).map((d) => [d.name, d]));
      return [...this.latest.keys()].sort().map((name) => ({ type: 'dataset', name }));
    }
    if (node.type === 'dataset') {
      return (await this.getVersions(node.name)).map((d) => ({ type: 'datasetVersion', name: d.name, version: d.version }));
    }
    return [];
  }

  async getTreeItem(node: DatasetNode): Promise<vscode.TreeItem> {
    if (node.type === 'dataset') {
      const latest = this.latest?.get(node.name) ?? (await this.getVersions(node.name))[0];
      return toTreeItem(datasetRow(latest));
    }
    const version = (await this.getVersions(node.name)).find((d) => d.version === node.version);
    if (!version) return new vscode.TreeItem(`v${node.version}`);
    const item = toTreeItem(datasetVersionRow(version));
    item.command = { command: CommandIds.previewDataset, title: 'Preview Dataset', arguments: [node] };
    return item;
  }

  refresh(): void {
    this.latest = undefined;
    this.versions.clear();
    this.changeEmitter.fire(undefined);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changeEmitter.dispose();
  }

  private async getVersions(name: string): Promise<DatasetVersion[]> {
    let versions = this.versions.get(name);
    if (!versions) {
      versions = await this.engine.request(ListDatasetVersionsRequest.type, { name });
      this.versions.set(name, versions);
    }
    return versions;
  }
}
