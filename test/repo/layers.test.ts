import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths';

/**
 * The layering rules of eslint.config.mjs (issue 9): a back import fails `npm run lint`. The
 * snippets are linted as if they were files of each layer, with only the import rules.
 */
/** The engine's layer table (weir/layers) and the import bans (vscode; the editor side sees only the protocols). */
const LAYER_RULES = ['weir/layers', 'no-restricted-imports'];
const eslint = new ESLint({
  cwd: repoRoot,
  ruleFilter: ({ ruleId }) => LAYER_RULES.includes(ruleId),
  // The snippets are not files of a TypeScript project; the import rule needs no types.
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
});

async function importErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return result!.messages.filter((m) => LAYER_RULES.includes(m.ruleId ?? '')).map((m) => m.message);
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

  it('store/ cannot reach up through a dynamic import() either', async () => {
    expect(await importErrors('engine/src/store/x.ts', "export const x = () => import('../data/ingest');\n")).toEqual([expect.stringMatching(/store\/ is the ground floor/)]);
  });

  it('steps/ sit below pipeline/: kinds read expressions from util/, not from the pipeline parser', async () => {
    expect(await importErrors('engine/src/steps/x.ts', "import { findExpressions } from '../pipeline/expressions';\nexport const x = findExpressions;\n")).toEqual([expect.stringMatching(/steps\/ imports only .*pipeline is not below it/)]);
    expect(await importErrors('engine/src/steps/x.ts', "import { findExpressions } from '../util/expressions';\nimport { runAutoML } from '../automl/runAutoML';\nexport const x = [findExpressions, runAutoML];\n")).toEqual([]);
  });

  it('automl/ does not know the step kinds: the automl kind lives in steps/', async () => {
    expect(await importErrors('engine/src/automl/search/x.ts', "import type { StepKind } from '../../steps/stepKind';\nexport type X = StepKind;\n")).toEqual([expect.stringMatching(/automl\/ imports only .*steps is not below it/)]);
    expect(await importErrors('engine/src/automl/x.ts', "import type { FeatureMatrix } from '../gbdt/api';\nimport { explainTable } from '../explain/explainModel';\nexport const x = explainTable;\nexport type X = FeatureMatrix;\n")).toEqual([]);
  });

  it('pipeline/ sits below the scheduler, and the scheduler knows step kinds only through their contract', async () => {
    expect(await importErrors('engine/src/pipeline/x.ts', "import { startRun } from '../scheduler';\nexport const x = startRun;\n")).toEqual([expect.stringMatching(/pipeline\/ imports only .*scheduler is not below it/)]);
    expect(await importErrors('engine/src/scheduler/x.ts', "import { scriptStep } from '../steps/scriptStep';\nexport const x = scriptStep;\n")).toEqual([expect.stringMatching(/scheduler\/ reaches steps\/ only through steps\/stepKind\.ts and steps\/registry\.ts/)]);
    expect(await importErrors('engine/src/scheduler/executors/x.ts', "import { getStepKind } from '../../steps/registry';\nimport { outputPathFor } from '../../steps/stepKind';\nimport { loadPipeline } from '../../pipeline/load';\nexport const x = [getStepKind, outputPathFor, loadPipeline];\n")).toEqual([]);
    expect(await importErrors('engine/src/scheduler/x.ts', "import { serveModel } from '../serve/server';\nexport const x = serveModel;\n")).toEqual([expect.stringMatching(/scheduler\/ imports only .*serve is not below it/)]);
  });

  it('extension/ and webview/ import from the engine only its protocol', async () => {
    expect(await importErrors('extension/src/x.ts', "import { openWorkspace } from '../../engine/src/store/workspace';\nexport const x = openWorkspace;\n")).toEqual([expect.stringMatching(/only through engine\/src\/protocol/)]);
    expect(await importErrors('webview/src/views/x.ts', "import { sqlString } from '../../../engine/src/data/duckdb';\nexport const x = sqlString;\n")).toEqual([expect.stringMatching(/only through engine\/src\/protocol/)]);
    expect(await importErrors('extension/src/x.ts', "import type { RunSummary } from '../../engine/src/protocol';\nexport type X = RunSummary;\n")).toEqual([]);
    // The one shared leaf: durations and sizes formatted alike on both sides; util/'s other files stay closed.
    expect(await importErrors('webview/src/shared/x.ts', "import { formatBytes } from '../../../engine/src/util/format';\nexport const x = formatBytes;\n")).toEqual([]);
    expect(await importErrors('webview/src/shared/x.ts', "import { median } from '../../../engine/src/util/median';\nexport const x = median;\n")).toEqual([expect.stringMatching(/only through engine\/src\/protocol/)]);
    expect(await importErrors('extension/src/x.ts', "import { WeirError } from '../../engine/src/errors';\nexport const x = WeirError;\n")).toEqual([expect.stringMatching(/only through engine\/src\/protocol/)]);
  });

  it('the engine still never imports vscode', async () => {
    expect(await importErrors('engine/src/data/x.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n")).toEqual([expect.stringMatching(/never imports vscode/)]);
  });
});
