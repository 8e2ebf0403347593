import * as vscode from 'vscode';
import { StoreChangedNotification } from '../../../engine/src/protocol';
import type { EngineClient } from '../client/engineClient';
import type { Row } from '../runs/rows';
import { toTreeItem } from '../runs/treeItem';

/** A registry entry (`dataset`, `model`) or one of its versions, as the tree and commands see it. */
export type VersionedNode<K extends string> = { type: K; name: string } | { type: `${K}Version`; name: string; version: number };

/** What differs between the Datasets and the Models trees. */
export interface VersionedTreeSpec<K extends string, V extends { name: string; version: number }> {
  /** The node type of an entry, which is also the store change type that refreshes the tree. */
  kind: K;
  listLatest(engine: EngineClient): Promise<V[]>;
  listVersions(engine: EngineClient, name: string): Promise<V[]>;
  row(latest: V): Row;
  versionRow(version: V): Row;
  /** What clicking a version does. */
  versionCommand: { command: string; title: string };
}

/** Name › Versions for a versioned registry, refreshed when the engine says an entry changed. */
export class VersionedTree<K extends string, V extends { name: string; version: number }>
  implements vscode.TreeDataProvider<VersionedNode<K>>, vscode.Disposable
{
  private latest: Map<string, V> | undefined;
  private readonly versions = new Map<string, V[]>();
  private readonly changeEmitter = new vscode.EventEmitter<VersionedNode<K> | undefined>();
  private readonly disposables: vscode.Disposable[];
  readonly onDidChangeTreeData = this.changeEmitter.event;

  constructor(
    private readonly engine: EngineClient,
    private readonly spec: VersionedTreeSpec<K, V>,
  ) {
    this.disposables = [
      engine.onNotification(StoreChangedNotification.type, (change) => {
        if (change.type === spec.kind) this.refresh();
      }),
      engine.onDidChangeState((state) => {
        if (state === 'running') this.refresh();
      }),
    ];
  }

  async getChildren(node?: VersionedNode<K>): Promise<VersionedNode<K>[]> {
    if (!node) {
      this.latest ??= new Map((await this.spec.listLatest(this.engine)).map((v) => [v.name, v]));
      return [...this.latest.keys()].sort().map((name) => ({ type: this.spec.kind, name }));
    }
    if (node.type === this.spec.kind) {
      const versionType = `${this.spec.kind}Version` as const;
      return (await this.getVersions(node.name)).map((v) => ({ type: versionType, name: v.name, version: v.version }));
    }
    return [];
  }

  async getTreeItem(node: VersionedNode<K>): Promise<vscode.TreeItem> {
    if (!('version' in node)) {
      const latest = this.latest?.get(node.name) ?? (await this.getVersions(node.name))[0]!;
      return toTreeItem(this.spec.row(latest));
    }
    const version = (await this.getVersions(node.name)).find((v) => v.version === node.version);
    if (!version) return new vscode.TreeItem(`v${node.version}`);
    const item = toTreeItem(this.spec.versionRow(version));
    item.command = { ...this.spec.versionCommand, arguments: [node] };
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

  private async getVersions(name: string): Promise<V[]> {
    let versions = this.versions.get(name);
    if (!versions) {
      versions = await this.spec.listVersions(this.engine, name);
      this.versions.set(name, versions);
    }
    return versions;
  }
}
