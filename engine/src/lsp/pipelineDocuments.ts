import { fileURLToPath, pathToFileURL } from 'node:url';
import { TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parsePipelineText, type ParsedPipeline } from '../pipeline';

export const isPipelineUri = (uri: string): boolean => /\.pipeline\.ya?ml$/i.test(uri);

/** The open documents and one parse of each pipeline file per version (every feature reads the same parse). */
export class PipelineDocuments {
  readonly documents = new TextDocuments(TextDocument);
  private readonly parsed = new Map<string, { version: number; parsed: ParsedPipeline }>();

  parse(doc: TextDocument): ParsedPipeline {
    const cached = this.parsed.get(doc.uri);
    if (cached && cached.version === doc.version) return cached.parsed;
    const parsed = parsePipelineText(doc.getText(), fileURLToPath(doc.uri));
    this.parsed.set(doc.uri, { version: doc.version, parsed });
    return parsed;
  }

  /** The open pipeline file at `uri` (undefined for other files). */
  pipeline(uri: string): TextDocument | undefined {
    const doc = this.documents.get(uri);
    return doc && isPipelineUri(uri) ? doc : undefined;
  }

  /** The editor's text of an open file (unsaved edits included). */
  text(file: string): string | undefined {
    return this.documents.get(pathToFileURL(file).href)?.getText();
  }

  forget(uri: string): void {
    this.parsed.delete(uri);
  }
}
