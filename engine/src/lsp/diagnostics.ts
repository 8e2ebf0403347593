import path from 'node:path';
import { DiagnosticSeverity, type Connection, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { checkPipeline, type PipelineDiagnostic } from '../pipeline';
import type { ColumnSchema } from '../store/records';
import type { WorkspaceStore } from '../store/storeApi';
import { isPipelineUri, type PipelineDocuments } from './pipelineDocuments';

type InputSchemas = Record<string, ColumnSchema[] | undefined>;

/**
 * Diagnostics of open pipeline files: each is validated (parse + `checkPipeline`) a moment
 * after the last keystroke, and a result is published only if no newer edit came meanwhile.
 * The check's step input schemas are kept for column completion.
 */
export class PipelineValidation {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly pending = new Set<Promise<void>>();
  /** Step input schemas from the last check of each document (kept while later edits do not parse). */
  private readonly checkedSchemas = new Map<string, Map<string, InputSchemas>>();

  constructor(
    private readonly connection: Connection,
    private readonly docs: PipelineDocuments,
    private readonly store: () => Promise<WorkspaceStore | undefined>,
    private readonly delayMs: number,
    private readonly log: (message: string) => void,
  ) {}

  schedule(doc: TextDocument, wait = this.delayMs): void {
    clearTimeout(this.timers.get(doc.uri));
    this.timers.set(
      doc.uri,
      setTimeout(() => {
        this.timers.delete(doc.uri);
        const p = this.validate(doc).catch((e) => this.log(`validation failed: ${String(e)}`));
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p));
      }, wait),
    );
  }

  /** Validates every open pipeline file now (a dataset or model appeared or went). */
  scheduleAll(): void {
    for (const doc of this.docs.documents.all()) if (isPipelineUri(doc.uri)) this.schedule(doc, 0);
  }

  /** What the last check of the document at `uri` found a step's inputs to be. */
  checked(uri: string, step: string): InputSchemas | undefined {
    return this.checkedSchemas.get(uri)?.get(step);
  }

  /** The document was closed: forget it and clear its diagnostics. */
  close(uri: string): void {
    this.checkedSchemas.delete(uri);
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** Resolves when pending validations are published (for tests). */
  async idle(): Promise<void> {
    // Wait out pending timers, then the validations they started.
    while (this.timers.size > 0 || this.pending.size > 0) {
      await new Promise((r) => setTimeout(r, 20));
      await Promise.all([...this.pending]);
    }
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
  }

  private async validate(doc: TextDocument): Promise<void> {
    const version = doc.version;
    const parsed = this.docs.parse(doc);
    let diagnostics = [...parsed.diagnostics];
    if (parsed.spec) {
      try {
        const schemas = new Map<string, InputSchemas>();
        diagnostics = diagnostics.concat(
          await checkPipeline(parsed, {
            pipelineDir: path.dirname(parsed.filePath),
            store: await this.store(),
            onStepInputSchemas: (step, inputs) => schemas.set(step, inputs),
          }),
        );
        this.checkedSchemas.set(doc.uri, schemas);
      } catch (e) {
        this.log(`checking ${doc.uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    }
    // A newer edit has its own validation coming; do not publish stale ranges over it.
    if (this.docs.documents.get(doc.uri)?.version !== version) return;
    await this.connection.sendDiagnostics({ uri: doc.uri, version, diagnostics: diagnostics.map(toDiagnostic) });
  }
}

export function toDiagnostic(d: PipelineDiagnostic): Diagnostic {
  return {
    range: d.range,
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : d.severity === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information,
    code: d.code,
    source: 'weir',
    message: d.hint ? `${d.message}\n${d.hint}` : d.message,
  };
}
