import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'vscode-languageserver';
import { WeirError } from '../errors';
import { StoreChangedNotification } from '../protocol';
import type { WorkspaceStore } from '../store/storeApi';

/**
 * The language server's handle on the workspace store: the first workspace folder's, opened
 * on first use (a failed open is retried on the next), so activation on any YAML file does
 * not leave a `.weir/` in folders that never used Weir.
 */
export class ServerStore {
  /** The workspace folder, once the client said which (initialize). */
  root: string | undefined;
  private opening: Promise<WorkspaceStore> | undefined;

  constructor(
    private readonly open: (root: string) => Promise<WorkspaceStore>,
    /** Called once the store is open (to watch it). */
    private readonly onOpened: (store: WorkspaceStore) => void,
  ) {}

  /** The store, opened (and created) if it was not yet. */
  get(): Promise<WorkspaceStore> {
    if (!this.opening) {
      if (!this.root) return Promise.reject(new WeirError('NOT_FOUND', 'no workspace folder is open', { hint: 'Open a folder: Weir keeps its runs in the folder\'s .weir/.' }));
      this.opening = this.open(this.root);
      this.opening.then(this.onOpened, () => (this.opening = undefined));
    }
    return this.opening;
  }

  /** The store, or undefined when it cannot be opened (features then work without it). */
  tryGet(): Promise<WorkspaceStore | undefined> {
    return this.get().catch(() => undefined);
  }

  /** The store has been opened already, or the folder has a `.weir/` to open. */
  exists(): boolean {
    return this.opening !== undefined || this.onDisk();
  }

  /** The folder has a `.weir/`. */
  onDisk(): boolean {
    return this.root !== undefined && existsSync(path.join(this.root, '.weir'));
  }

  /** The store if it was opened, without opening it. */
  opened(): Promise<WorkspaceStore | undefined> {
    return this.opening?.catch(() => undefined) ?? Promise.resolve(undefined);
  }
}

/**
 * Forwards the store's changes (from this and other processes) to the editor and tells the
 * server what they make stale: a run change its last-run cache at once and the CodeLens once
 * changes settle; a dataset or model its open files' diagnostics once changes settle.
 */
export function watchStore(
  connection: Connection,
  store: WorkspaceStore,
  on: { runChanged(): void; refreshLenses(): void; catalogChanged(): void },
  settleMs = 300,
): { dispose(): void } {
  // Read the run index now, so the first expansion of an experiment does not pay for it.
  void store.listRuns({ limit: 1 }).catch(() => undefined);
  let lensTimer: ReturnType<typeof setTimeout> | undefined;
  let catalogTimer: ReturnType<typeof setTimeout> | undefined;
  const watcher = store.watch((change) => {
    void connection.sendNotification(StoreChangedNotification.type, change).catch(() => undefined);
    if (change.type === 'run') {
      on.runChanged();
      clearTimeout(lensTimer);
      lensTimer = setTimeout(() => on.refreshLenses(), settleMs);
    } else if (change.type === 'dataset' || change.type === 'model') {
      // A dataset or model appearing can fix (or break) references in open files.
      clearTimeout(catalogTimer);
      catalogTimer = setTimeout(() => on.catalogChanged(), settleMs);
    }
  });
  return {
    dispose() {
      clearTimeout(lensTimer);
      clearTimeout(catalogTimer);
      watcher.dispose();
    },
  };
}
