import * as vscode from 'vscode';
import { ListModelsRequest, ListModelVersionsRequest, StoreChangedNotification, type ModelVersion } from '../../../engine/src/protocol';
import type { EngineClient } from '../client/engineClient';
import { modelRow, modelVersionRow } from '../runs/rows';
import { toTreeItem } from '../runs/treeItem';
import { CommandIds } from '../commands/ids';

export type ModelNode = { type: 'model'; name: string } | { type: 'modelVersion'; name: string; version: number };

/** Models › Versions, refreshed when the engine says a model changed. */
export class ModelsTree implements vscode.TreeDataProvider<ModelNode>, vscode.Disposable {
  private latest: Map<string, ModelVersion> | undefined;
  private readonly versions = new Map<string, ModelVersion[]>();
  private readonly changeEmitter = new vscode.EventEmitter<ModelNode | undefined>();
  private readonly disposables: vscode.Disposable[];
  readonly onDidChangeTreeData = this.changeEmitter.event;

  constructor(private readonly engine: EngineClient) {
    this.disposables = [
      engine.onNotification(StoreChangedNotification.type, (change) => {
        if (change.type === 'model') this.refresh();
      }),
      engine.onDidChangeState((state) => {
        if (state === 'running') this.refresh();
      }),
    ];
  }

  async getChildren(node?: ModelNode): Promise<ModelNode[]> {
    if (!node) {
      this.latest ??= new Map((await this.engine.request0(ListModelsRequest.type)).map((m) => [m.name, m]));
      return [...this.latest.keys()].sort().map((name) => ({ type: 'model', name }));
    }
    if (node.type === 'model') {
      return (await this.getVersions(node.name)).map((m) => ({ type: 'modelVersion', name: m.name, version: m.version }));
    }
    return [];
  }

  async getTreeItem(node: ModelNode): Promise<vscode.TreeItem> {
    if (node.type === 'model') {
      const latest = this.latest?.get(node.name) ?? (await this.getVersions(node.name))[0];
      return toTreeItem(modelRow(latest));
    }
    const version = (await this.getVersions(node.name)).find((m) => m.version === node.version);
    if (!version) return new vscode.TreeItem(`v${node.version}`);
    const item = toTreeItem(modelVersionRow(version));
    item.command = { command: CommandIds.openModelCard, title: 'Open Model Card', arguments: [node] };
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

  private async getVersions(name: string): Promise<ModelVersion[]> {
    let versions = this.versions.get(name);
    if (!versions) {
      versions = await this.engine.request(ListModelVersionsRequest.type, { name });
      this.versions.set(name, versions);
    }
    return versions;
  }
}
