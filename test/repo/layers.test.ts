import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths';

/**
 * The layering rules of eslint.config.mjs (issue 9): a back import fails `npm run lint`. The
 * snippets are linted as if they were files of each layer, with only the import rule.
 */
const eslint = new ESLint({
  cwd: repoRoot,
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  // The snippets are not files of a TypeScript project; the import rule needs no types.
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
});

async function importErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering lint rules', () => {
  it('store/ imports only errors and util/', async () => {
    expect(await importErrors('engine/src/store/x.ts', "import { ingestSources } from '../data/ingest';\nexport const x = ingestSources;\n")).toEqual([expect.stringMatching(/store\/ is the ground floor/)]);
    expect(await importErrors('engine/src/store/x.ts', "import { WeirError } from '../errors';\nimport { median } from '../util/median';\nexport const x = [WeirError, median];\n")).toEqual([]);
  });

  it('data/ imports the store at most', async () => {
    expect(await importErrors('engine/src/data/x.ts', "import type { ColumnarTable } from '../automl/types';\nexport type X = ColumnarTable;\n")).toEqual([expect.stringMatching(/data\/ imports the store at most/)]);
    expect(await importErrors('engine/src/data/x.ts', "import type { ColumnSchema } from '../store/records';\nexport type X = ColumnSchema;\n")).toEqual([]);
  });

  it('extension/ and webview/ import from the engine only its protocol', async () => {
    expect(await importErrors('extension/src/x.ts', "import { openWorkspace } from '../../engine/src/store/workspace';\nexport const x = openWorkspace;\n")).toEqual([expect.stringMatching(/only through engine\/src\/protocol/)]);
    expect(await importErrors('webview/src/views/x.ts', "import { sqlString } from '../../../engine/src/data/duckdb';\nexport const x = sqlString;\n")).toEqual([expect.stringMatching(/only through engine\/src\/protocol/)]);
    expect(await importErrors('extension/src/x.ts', "import type { RunSummary } from '../../engine/src/protocol';\nexport type X = RunSummary;\n")).toEqual([]);
  });

  it('the engine still never imports vscode', async () => {
    expect(await importErrors('engine/src/data/x.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n")).toEqual([expect.stringMatching(/never imports vscode/)]);
  });
});
