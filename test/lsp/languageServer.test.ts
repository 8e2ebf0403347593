import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CompletionRequest,
  HoverRequest,
  DefinitionRequest,
  DocumentSymbolRequest,
  CodeLensRequest,
  type CompletionItem,
  type CompletionList,
  type DocumentSymbol,
  type Location,
  type MarkupContent,
  type CodeLens,
} from 'vscode-languageserver-protocol/node';
import {
  GetRunRequest,
  ListExperimentsRequest,
  ListRunsRequest,
  PipelineInfoRequest,
  RegisterDatasetRequest,
  RerunRequest,
  StartRunRequest,
  ReadLogRequest,
  ListRunOutputsRequest,
  DownloadOutputRequest,
  DeleteRunRequest,
  PredictRequest,
  CancelRunRequest,
  ListModelsRequest,
  ListModelVersionsRequest,
  WeirResponseErrorCodes,
  type RunEvent,
} from '../../engine/src/protocol';
import { tempDir, vegaData } from '../helpers/paths';
import { openWorkspace } from '../../engine/src/store/workspace';
import { startLsp, type LspSession } from './lspHarness';

const pipelineText = [
  'name: weather', //                                          0
  'experiment: weather_exp', //                                1
  'parameters:', //                                            2
  '  min_rain: 1', //                                          3
  'inputs:', //                                                4
  '  weather: dataset:weather', //                             5
  'steps:', //                                                 6
  '  prep:', //                                                7
  '    sql: prep.sql', //                                      8
  '    inputs: { weather: ${{ inputs.weather }} }', //         9
  '    outputs: { clean: parquet }', //                       10
  '  summary:', //                                            11
  '    sql: SELECT weather, count(*) AS days FROM clean GROUP BY weather', // 12
  '    inputs: { clean: ${{ steps.prep.outputs.clean }} }', // 13
  '    outputs: { by_weather: parquet }', //                  14
  '',
].join('\n');

function items(result: CompletionItem[] | CompletionList | null): CompletionItem[] {
  if (!result) return [];
  return Array.isArray(result) ? result : result.items;
}

function labels(result: CompletionItem[] | CompletionList | null): string[] {
  return items(result).map((i) => String(i.label));
}

describe('language server over in-memory streams', () => {
  let workspace: string;
  let lsp: LspSession;
  let pipelineFile: string;
  let uri: string;

  beforeAll(async () => {
    workspace = tempDir('weir-lsp-');
    pipelineFile = path.join(workspace, 'weather.pipeline.yaml');
    writeFileSync(path.join(workspace, 'prep.sql'), 'SELECT * FROM weather WHERE precipitation >= ${{ parameters.min_rain }}\n');
    writeFileSync(pipelineFile, pipelineText);
    lsp = await startLsp(workspace);
  });

  afterAll(async () => {
    await lsp?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('registers a dataset through a custom request and announces the change', async () => {
    // Starting the engine in a folder that never used Weir leaves no .weir/ behind.
    await new Promise((r) => setTimeout(r, 100));
    expect(await lsp.client.sendRequest(ListExperimentsRequest.type)).toEqual([]);
    expect(await lsp.client.sendRequest(ListRunsRequest.type, { liveOnly: true })).toEqual([]);
    expect(existsSync(path.join(workspace, '.weir'))).toBe(false);
    const result = await lsp.client.sendRequest(RegisterDatasetRequest.type, { name: 'weather', sources: [path.join(vegaData, 'seattle-weather.csv')] });
    expect(result.created).toBe(true);
    expect(result.version.version).toBe(1);
    expect(result.version.schema.map((c) => c.name)).toContain('precipitation');
    await lsp.waitForNotification('weir/storeChanged', (p: { type: string; name?: string }) => p.type === 'dataset' && p.name === 'weather');
  });

  it('publishes no errors for a valid file, and exact ranges for a broken one as it is edited', async () => {
    uri = await lsp.open(pipelineFile, pipelineText);
    expect(await lsp.diagnosticsFor(uri)).toEqual([]);

    const broken = pipelineText.replace('${{ steps.prep.outputs.clean }}', '${{ steps.prepp.outputs.clean }}');
    await lsp.change(uri, broken);
    const diagnostics = await lsp.diagnosticsFor(uri);
    expect(diagnostics).toHaveLength(1);
    const [d] = diagnostics;
    expect(d.message).toMatch(/prepp/);
    expect(d.source).toBe('weir');
    expect(d.range.start.line).toBe(13);
    const line13 = broken.split('\n')[13];
    expect(d.range.start.character).toBe(line13.indexOf('${{'));
    expect(d.range.end.line).toBe(13);

    const badYaml = pipelineText.replace('    outputs: { clean: parquet }', '    outputs: { clean: parquet');
    await lsp.change(uri, badYaml);
    const syntax = await lsp.diagnosticsFor(uri);
    expect(syntax.length).toBeGreaterThan(0);
    expect(syntax[0].code).toBe('yaml-syntax');
    expect(syntax[0].range.start.line).toBeGreaterThanOrEqual(10);
    expect(syntax[0].range.start.line).toBeLessThanOrEqual(11);

    const unknownDataset = pipelineText.replace('dataset:weather', 'dataset:wether');
    await lsp.change(uri, unknownDataset);
    const unknown = await lsp.diagnosticsFor(uri);
    expect(unknown.map((x) => x.code)).toContain('unknown-dataset');
    expect(unknown.find((x) => x.code === 'unknown-dataset')!.range.start).toEqual({ line: 5, character: 11 });

    await lsp.change(uri, pipelineText);
    expect(await lsp.diagnosticsFor(uri)).toEqual([]);
  });

  it('completes keys, step kinds, references and dataset names', async () => {
    const at = async (text: string, line: number, character: number) => {
      await lsp.change(uri, text);
      return lsp.client.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line, character } });
    };
    const lines = pipelineText.split('\n');

    // A new key at the top level.
    const top = labels(await at(`${pipelineText}ou`, lines.length - 1, 2));
    expect(top).toContain('outputs');
    expect(top).not.toContain('steps'); // already present

    // A new key inside a step: step kinds are offered only for a step without one.
    const withNewStep = `${pipelineText}  third:\n    `;
    const stepKeys = labels(await at(withNewStep, lines.length, 4));
    expect(stepKeys).toEqual(expect.arrayContaining(['sql', 'script', 'inputs', 'outputs', 'allow_reuse']));

    // `${{ st` inside an input binding.
    const exprText = pipelineText.replace('${{ steps.prep.outputs.clean }}', '${{ st');
    const exprLine = exprText.split('\n')[13];
    const expr = items(await at(exprText, 13, exprLine.indexOf('${{ st') + 6));
    expect(expr.map((i) => i.label)).toContain('steps.prep.outputs.clean');
    const edit = expr.find((i) => i.label === 'steps.prep.outputs.clean')!.textEdit as { newText: string; range: { start: { character: number } } };
    expect(edit.newText).toBe('steps.prep.outputs.clean }}');
    expect(edit.range.start.character).toBe(exprLine.indexOf('st', exprLine.indexOf('${{')));

    // Dataset names with versions under `inputs:`.
    const inputText = pipelineText.replace('  weather: dataset:weather', '  weather: ');
    const inputs = labels(await at(inputText, 5, 11));
    expect(inputs).toEqual(expect.arrayContaining(['dataset:weather', 'dataset:weather:1', 'file:']));
    await lsp.change(uri, pipelineText);
  });

  it('completes metric names for the task and column names from the input schema', async () => {
    const automlFile = path.join(workspace, 'train.pipeline.yaml');
    const text = [
      'name: train',
      'inputs:',
      '  weather: dataset:weather',
      'steps:',
      '  fit:',
      '    automl:',
      '      task: regression',
      '      label_column_name: ',
      '      primary_metric: ',
      '    inputs: { training_data: ${{ inputs.weather }} }',
      '',
    ].join('\n');
    writeFileSync(automlFile, text);
    const automlUri = await lsp.open(automlFile, text);
    const metrics = items(await lsp.client.sendRequest(CompletionRequest.type, { textDocument: { uri: automlUri }, position: { line: 8, character: 22 } }));
    expect(metrics.map((m) => m.label)).toEqual(expect.arrayContaining(['r2_score', 'normalized_root_mean_squared_error', 'spearman_correlation']));
    expect(metrics.map((m) => m.label)).not.toContain('AUC_weighted');
    expect((metrics.find((m) => m.label === 'r2_score')!.documentation as MarkupContent).value).toMatch(/determination/);

    const classification = text.replace('task: regression', 'task: classification');
    await lsp.change(automlUri, classification);
    const classMetrics = labels(await lsp.client.sendRequest(CompletionRequest.type, { textDocument: { uri: automlUri }, position: { line: 8, character: 22 } }));
    expect(classMetrics).toContain('AUC_weighted');

    const columns = labels(await lsp.client.sendRequest(CompletionRequest.type, { textDocument: { uri: automlUri }, position: { line: 7, character: 25 } }));
    expect(columns).toEqual(expect.arrayContaining(['date', 'precipitation', 'temp_max', 'weather']));
  });

  it('completes the columns a SQL step will produce, before it ever ran', async () => {
    const file = path.join(workspace, 'columns.pipeline.yaml');
    const valid = [
      'name: columns',
      'inputs:',
      '  weather: dataset:weather',
      'steps:',
      '  prep:',
      '    sql: SELECT date, precipitation AS rain FROM weather',
      '    inputs: { weather: ${{ inputs.weather }} }',
      '    outputs: { clean: parquet }',
      '  fit:',
      '    automl:',
      '      task: regression',
      '      label_column_name: rain',
      '    inputs: { training_data: ${{ steps.prep.outputs.clean }} }',
      '',
    ].join('\n');
    writeFileSync(file, valid);
    const columnsUri = await lsp.open(file, valid);
    expect(await lsp.diagnosticsFor(columnsUri)).toEqual([]);
    // Mid-edit the file does not validate (the label is empty), but the last check's schemas remain.
    await lsp.change(columnsUri, valid.replace('label_column_name: rain', 'label_column_name: '));
    const columns = labels(await lsp.client.sendRequest(CompletionRequest.type, { textDocument: { uri: columnsUri }, position: { line: 11, character: 25 } }));
    expect(columns.sort()).toEqual(['date', 'rain']);
  });

  it('flags a metric that does not fit the task and a label column the input lacks, at their lines', async () => {
    const file = path.join(workspace, 'misfit.pipeline.yaml');
    const text = [
      'name: misfit',
      'inputs:',
      '  weather: dataset:weather',
      'steps:',
      '  fit:',
      '    automl:',
      '      task: regression',
      '      label_column_name: rainfall',
      '      primary_metric: r2_score',
      '    inputs: { training_data: ${{ inputs.weather }} }',
      '',
    ].join('\n');
    writeFileSync(file, text);
    const misfitUri = await lsp.open(file, text);
    const lacking = await lsp.diagnosticsFor(misfitUri);
    expect(lacking).toHaveLength(1);
    expect(lacking[0].range.start).toEqual({ line: 7, character: 25 });
    expect(lacking[0].message).toMatch(/rainfall.*not in the training data/);

    await lsp.change(misfitUri, text.replace('label_column_name: rainfall', 'label_column_name: precipitation').replace('r2_score', 'AUC_weighted'));
    const misfit = await lsp.diagnosticsFor(misfitUri);
    expect(misfit).toHaveLength(1);
    expect(misfit[0].range.start).toEqual({ line: 8, character: 22 });
    expect(misfit[0].message).toMatch(/AUC_weighted.*does not fit task 'regression'/);
    const hover = await lsp.client.sendRequest(HoverRequest.type, { textDocument: { uri: misfitUri }, position: { line: 8, character: 24 } });
    expect((hover!.contents as MarkupContent).value).toMatch(/ROC/);
  });

  it('answers hover, definition and document symbols', async () => {
    const lines = pipelineText.split('\n');
    const sqlHover = await lsp.client.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 8, character: 5 } });
    expect((sqlHover!.contents as MarkupContent).value).toMatch(/DuckDB/);

    const datasetHover = await lsp.client.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 5, character: 15 } });
    expect((datasetHover!.contents as MarkupContent).value).toMatch(/1461 rows/);

    const refCharacter = lines[13].indexOf('steps.prep') + 7;
    const toStep = (await lsp.client.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: { line: 13, character: refCharacter } })) as Location;
    expect(toStep.uri).toBe(uri);
    expect(toStep.range.start).toEqual({ line: 7, character: 2 });

    const toFile = (await lsp.client.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: { line: 8, character: 11 } })) as Location;
    expect(toFile.uri).toBe(pathToFileURL(path.join(workspace, 'prep.sql')).href);

    const symbols = (await lsp.client.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
    const steps = symbols.find((s) => s.name === 'steps')!;
    expect(steps.children!.map((c) => [c.name, c.detail, c.selectionRange.start.line])).toEqual([
      ['prep', 'sql', 7],
      ['summary', 'sql', 11],
    ]);
  });

  it('offers Run lenses, runs the pipeline with live events, then shows each step\'s last status', async () => {
    const before = (await lsp.client.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) as CodeLens[];
    expect(before.map((l) => [l.range.start.line, l.command!.title])).toEqual([
      [0, '▶ Run pipeline'],
      [7, '▶ Run step'],
      [11, '▶ Run step'],
    ]);
    expect(before[0].command!.command).toBe('weir.runPipeline');
    expect(before[1].command!.arguments).toEqual([pipelineFile, 'prep']);

    const info = await lsp.client.sendRequest(PipelineInfoRequest.type, { file: pipelineFile });
    expect(info).toMatchObject({ name: 'weather', experiment: 'weather_exp', parameters: { min_rain: 1 }, errorCount: 0 });
    expect(info.steps).toEqual([
      { name: 'prep', kind: 'sql' },
      { name: 'summary', kind: 'sql' },
    ]);

    const { runId } = await lsp.client.sendRequest(StartRunRequest.type, { file: pipelineFile, params: { min_rain: '5' } });
    const finished = (await lsp.waitForNotification('weir/runEvent', (e: RunEvent) => e.type === 'run' && e.runId === runId && e.status !== 'Running' && e.status !== 'Queued')) as RunEvent;
    expect(finished).toMatchObject({ type: 'run', status: 'Completed' });
    expect((finished as { durationMs?: number }).durationMs).toBeGreaterThan(0);
    const stepEvents = lsp.notifications.filter((n) => n.method === 'weir/runEvent' && (n.params as RunEvent).type === 'step' && (n.params as RunEvent).runId === runId);
    expect(stepEvents.map((n) => `${(n.params as { step: string }).step}:${(n.params as { status: string }).status}`)).toEqual(expect.arrayContaining(['prep:Completed', 'summary:Completed']));
    await lsp.waitForNotification('weir/storeChanged', (p: { type: string; runId?: string }) => p.type === 'run' && p.runId === runId);

    const run = await lsp.client.sendRequest(GetRunRequest.type, { runId });
    expect(run.parameters).toEqual({ min_rain: 5 });
    expect(run.steps.map((s) => s.status)).toEqual(['Completed', 'Completed']);
    const [summary] = await lsp.client.sendRequest(ListRunsRequest.type, { experiment: 'weather_exp' });
    expect(summary).toMatchObject({ id: runId, status: 'Completed', stepCount: 2, pipelineFile: 'weather.pipeline.yaml' });
    expect(summary.durationMs).toBeGreaterThan(0);
    const experiments = await lsp.client.sendRequest(ListExperimentsRequest.type);
    expect(experiments).toEqual([expect.objectContaining({ name: 'weather_exp', runCount: 1, lastStatus: 'Completed' })]);
    const log = await lsp.client.sendRequest(ReadLogRequest.type, { runId });
    expect(log.text.length).toBeGreaterThan(0);

    const after = (await lsp.client.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) as CodeLens[];
    const titles = after.map((l) => `${l.range.start.line}:${l.command!.title}`);
    expect(titles.find((t) => t.startsWith('0:Last run:'))).toMatch(/✓ Completed in/);
    expect(titles.find((t) => t.startsWith('7:✓'))).toMatch(/^7:✓ [\d.]+ m?s$/);

    const { runId: rerunId } = await lsp.client.sendRequest(RerunRequest.type, { runId });
    await lsp.waitForNotification('weir/runEvent', (e: RunEvent) => e.type === 'run' && e.runId === rerunId && e.status === 'Completed');
    const rerun = await lsp.client.sendRequest(GetRunRequest.type, { runId: rerunId });
    expect(rerun.rerunOf).toBe(runId);
    expect(rerun.steps.map((s) => s.status)).toEqual(['Reused', 'Reused']);
    // The lens cache is dropped on the store's change notification, which may trail the run event.
    await lsp.waitForNotification('weir/storeChanged', (p: { type: string; runId?: string }) => p.type === 'run' && p.runId === rerunId);
    await new Promise((r) => setTimeout(r, 50));
    const reused = (await lsp.client.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) as CodeLens[];
    expect(reused.find((l) => l.range.start.line === 7 && l.command!.title.startsWith('✓'))!.command!.title).toMatch(/reused$/);
  });

  it('lists, downloads and deletes run outputs and runs, and predicts with a registered model', async () => {
    const [latest] = await lsp.client.sendRequest(ListRunsRequest.type, { experiment: 'weather_exp', limit: 1 });
    const outputs = await lsp.client.sendRequest(ListRunOutputsRequest.type, { runId: latest.id });
    expect(outputs.map((o) => o.name)).toEqual(['prep.clean', 'summary.by_weather']);
    const to = path.join(workspace, 'downloads');
    const { path: written } = await lsp.client.sendRequest(DownloadOutputRequest.type, { runId: latest.id, output: 'summary.by_weather', to });
    expect(written).toBe(path.join(to, 'summary.by_weather.parquet'));
    expect(existsSync(written)).toBe(true);
    await lsp.client.sendRequest(DeleteRunRequest.type, { runId: latest.id });
    const left = await lsp.client.sendRequest(ListRunsRequest.type, { experiment: 'weather_exp' });
    expect(left.map((r) => r.id)).not.toContain(latest.id);

    const file = path.join(workspace, 'model.pipeline.yaml');
    writeFileSync(
      file,
      [
        'name: rain_model',
        'inputs:',
        '  weather: dataset:weather',
        'steps:',
        '  fit:',
        '    automl:',
        '      task: regression',
        '      label_column_name: precipitation',
        '      iterations: 2',
        '      n_cross_validations: 2',
        '    inputs: { training_data: ${{ inputs.weather }} }',
        '  register:',
        '    register_model:',
        '      model: ${{ steps.fit.outputs.model }}',
        '      name: rain',
        '',
      ].join('\n'),
    );
    const { runId } = await lsp.client.sendRequest(StartRunRequest.type, { file });
    const end = (await lsp.waitForNotification('weir/runEvent', (e: RunEvent) => e.type === 'run' && e.runId === runId && (e.status === 'Completed' || e.status === 'Failed'), 120_000)) as RunEvent;
    expect(end).toMatchObject({ status: 'Completed' });
    const out = path.join(workspace, 'predictions.csv');
    const predicted = await lsp.client.sendRequest(PredictRequest.type, { model: 'rain', data: path.join(vegaData, 'seattle-weather.csv'), out });
    expect(predicted).toEqual({ out, rows: 1461 });
    expect(readFileSync(out, 'utf8').split('\n').filter(Boolean)).toHaveLength(1462);

    // The Models view's listings carry the aliases on each version, set from another process's store.
    expect((await lsp.client.sendRequest(ListModelsRequest.type)).find((m) => m.name === 'rain')).toMatchObject({ version: 1, aliases: [] });
    const other = await openWorkspace(workspace);
    try {
      await other.setModelAlias('rain', 'prod', 1);
      await other.setModelAlias('rain', 'champion', 1);
    } finally {
      await other.dispose();
    }
    expect((await lsp.client.sendRequest(ListModelsRequest.type)).find((m) => m.name === 'rain')).toMatchObject({ version: 1, aliases: ['champion', 'prod'] });
    expect((await lsp.client.sendRequest(ListModelVersionsRequest.type, { name: 'rain' })).map((v) => [v.version, v.aliases])).toEqual([[1, ['champion', 'prod']]]);
  });

  it('cancels a run it is executing', async () => {
    const file = path.join(workspace, 'slow.pipeline.yaml');
    writeFileSync(file, ['name: slow', 'steps:', '  wait:', '    script: sleep 30', '', ''].join('\n'));
    const { runId } = await lsp.client.sendRequest(StartRunRequest.type, { file });
    await lsp.waitForNotification('weir/runEvent', (e: RunEvent) => e.type === 'step' && e.runId === runId && e.status === 'Running');
    const [live] = await lsp.client.sendRequest(ListRunsRequest.type, { liveOnly: true });
    expect(live).toMatchObject({ id: runId, status: 'Running' });
    expect(live.startedAt).toBeDefined();
    const asked = Date.now();
    await lsp.client.sendRequest(CancelRunRequest.type, { runId });
    await lsp.waitForNotification('weir/runEvent', (e: RunEvent) => e.type === 'run' && e.runId === runId && e.status === 'Canceled');
    expect(Date.now() - asked).toBeLessThan(10_000);
    expect((await lsp.client.sendRequest(GetRunRequest.type, { runId })).steps[0].status).toBe('Canceled');
  });

  it('turns engine errors into ResponseErrors with the WeirError code', async () => {
    const error = await lsp.client.sendRequest(GetRunRequest.type, { runId: 'no-such-run' }).then(
      () => undefined,
      (e: { code: number; message: string; data?: { weirCode: string } }) => e,
    );
    expect(error).toBeDefined();
    expect([WeirResponseErrorCodes.NOT_FOUND, WeirResponseErrorCodes.BAD_INPUT]).toContain(error!.code);
    expect(error!.data?.weirCode).toMatch(/NOT_FOUND|BAD_INPUT/);
    expect(error!.message).toMatch(/no-such-run/);

    const broken = await lsp.client.sendRequest(StartRunRequest.type, { file: path.join(workspace, 'missing.pipeline.yaml') }).then(
      () => undefined,
      (e: { code: number; data?: { weirCode: string } }) => e,
    );
    expect(broken?.data?.weirCode).toMatch(/NOT_FOUND|BAD_INPUT/);
  });
});
