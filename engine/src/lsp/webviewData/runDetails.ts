import fsp from 'node:fs/promises';
import path from 'node:path';
import type { TrialCharts } from '../../automl/charts/chartTypes';
import { defaultPrimaryMetric } from '../../automl/metrics/metricCatalog';
import { MODEL_FILE, GUARDRAILS_FILE, IMPORTANCES_FILE, TEST_CHARTS_FILE, type ModelArtifact } from '../../automl/model/modelArtifact';
import type { Task } from '../../automl/types';
import { WeirError } from '../../errors';
import { findExpressions } from '../../util/expressions';
import { parseYaml } from '../../pipeline/yamlSource';
import type { AutomlStepDetails, AutomlTestSetView, GuardrailView, PipelineGraph, RunDetailsData } from '../../protocol';
import type { RunRecord, StepRunRecord, TrialRecord } from '../../store/records';
import type { WorkspaceStore } from '../../store/storeApi';
import { explanationsOf, importanceList, modelFolder, readJson, trialsOf } from './modelFolder';
import { normaliseCharts } from './trialCharts';

/**
 * Run details: the run, its graph, and for each AutoML step its trials, guardrails,
 * importances, test-set scores and explanations; and the tail of a step's log.
 */
export async function runDetails(store: WorkspaceStore, runId: string): Promise<RunDetailsData> {
  const run = await store.getRun(runId);
  const pipeline = await readPipelineFile(store, run);
  const automl: AutomlStepDetails[] = [];
  for (const step of run.steps) {
    if (step.kind !== 'automl') continue;
    automl.push(await automlDetails(store, run, step, pipeline));
  }
  return { run, graph: pipelineGraph(run, pipeline), automl };
}

export type PipelineDocument = { inputs?: Record<string, unknown>; steps?: Record<string, Record<string, unknown>> } | undefined;

/** The run's pipeline file as plain YAML, or undefined when it is gone or broken (the graph then falls back to step order). */
export async function readPipelineFile(store: WorkspaceStore, run: RunRecord): Promise<PipelineDocument> {
  try {
    const text = await fsp.readFile(path.resolve(store.root, run.pipelineFile), 'utf8');
    // The pipeline parser's YAML reader keeps `${{ … }}` expressions as text even inside
    // flow mappings (`{ data: ${{ steps.prep.outputs.x }} }`), where plain YAML would not.
    const { doc } = parseYaml(text);
    if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) return undefined;
    const raw: unknown = doc.toJS({ maxAliasCount: 100 });
    return raw && typeof raw === 'object' ? (raw as PipelineDocument) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The graph of a run: its steps, the pipeline inputs they read, and an edge wherever a step
 * refers to another step's outputs or to a pipeline input. References are read from the
 * pipeline file (the run record keeps steps, not their wiring); a step the file no longer
 * has keeps its node and, when the file is unreadable, steps are chained in order.
 */
export function pipelineGraph(run: RunRecord, pipeline: PipelineDocument): PipelineGraph {
  const stepNames = new Set(run.steps.map((s) => s.name));
  const nodes: PipelineGraph['nodes'] = [];
  const edges: PipelineGraph['edges'] = [];
  const inputs = pipeline?.inputs ?? {};
  const usedInputs = new Set<string>();
  const stepEdges: PipelineGraph['edges'] = [];
  for (const step of run.steps) {
    const definition = pipeline?.steps?.[step.name];
    if (!definition) continue;
    const seen = new Set<string>();
    // The one `${{ }}` parser, over every string of the step's definition at once.
    for (const { ref } of findExpressions(JSON.stringify(definition))) {
      if (ref?.scope !== 'steps' && ref?.scope !== 'inputs') continue;
      const scope = ref.scope;
      const name = scope === 'steps' ? ref.step : ref.name;
      const from = scope === 'steps' ? name : `input:${name}`;
      if (seen.has(from) || name === step.name) continue;
      if (scope === 'steps' && !stepNames.has(name)) continue;
      if (scope === 'inputs' && !(name in inputs)) continue;
      seen.add(from);
      if (scope === 'inputs') usedInputs.add(name);
      stepEdges.push({ from, to: step.name });
    }
  }
  for (const name of Object.keys(inputs)) {
    if (usedInputs.has(name)) nodes.push({ id: `input:${name}`, kind: 'input', label: name, detail: String(inputs[name]) });
  }
  for (const step of run.steps) nodes.push({ id: step.name, kind: 'step', label: step.name, detail: step.kind });
  if (pipeline?.steps) edges.push(...stepEdges);
  else for (let i = 1; i < run.steps.length; i++) edges.push({ from: run.steps[i - 1].name, to: run.steps[i].name });
  return { nodes, edges };
}

export async function automlDetails(store: WorkspaceStore, run: RunRecord, step: StepRunRecord, pipeline: PipelineDocument): Promise<AutomlStepDetails> {
  const trials = (await trialsOf(store, run, step)).sort((a, b) => a.iteration - b.iteration);
  const folder = modelFolder(store, step);
  const model = folder ? await readJson<ModelArtifact>(path.join(folder, MODEL_FILE)) : undefined;
  const config = (pipeline?.steps?.[step.name]?.automl ?? {}) as { task?: string; primary_metric?: string };
  const task = model?.task ?? config.task ?? 'classification';
  const guardrails = folder ? ((await readJson<GuardrailView[]>(path.join(folder, GUARDRAILS_FILE))) ?? []) : [];
  const importances = folder ? await readJson<Record<string, number>>(path.join(folder, IMPORTANCES_FILE)) : undefined;
  return {
    step: step.name,
    task,
    // A running step has no model yet: name the metric the search uses, from the one catalog.
    primaryMetric: model?.primaryMetric ?? config.primary_metric ?? defaultPrimaryMetric[task as Task] ?? defaultPrimaryMetric.classification,
    trials,
    bestIteration: model?.iteration,
    guardrails: Array.isArray(guardrails) ? guardrails : [],
    featureImportances: importances ? importanceList(importances) : undefined,
    ...(model?.test ? { testSet: testSetView(model, trials, await readJson<TrialCharts>(path.join(folder!, TEST_CHARTS_FILE))) } : {}),
    explanations: folder ? await explanationsOf(folder) : undefined,
  };
}

/** The model's recorded test-set scores beside its validation scores, primary metric first. */
function testSetView(model: ModelArtifact, trials: TrialRecord[], charts: TrialCharts | undefined): AutomlTestSetView {
  const test = model.test!;
  const primary = model.primaryMetric;
  const names = Object.keys(test.metrics).sort((a, b) => (a === primary ? -1 : b === primary ? 1 : a.localeCompare(b)));
  return {
    source: test.source,
    ...(test.fraction !== undefined ? { fraction: test.fraction } : {}),
    rows: test.rows,
    metrics: names.map((metric) => ({ metric, validation: model.metrics[metric], test: test.metrics[metric] })),
    rowsScored: Object.entries(test.byIteration).map(([iteration, metrics]) => {
      const trial = trials.find((t) => t.iteration === Number(iteration));
      return { iteration: Number(iteration), algorithm: trial?.algorithm ?? (Number(iteration) === model.iteration ? model.algorithm : ''), validation: trial?.metrics[primary], test: metrics[primary] };
    }),
    ...(charts ? { charts: normaliseCharts(charts, model.iteration) } : {}),
  };
}

export async function stepLogTail(store: WorkspaceStore, runId: string, step: string, maxBytes = 256 * 1024): Promise<{ text: string; truncated: boolean }> {
  const run = await store.getRun(runId);
  if (!run.steps.some((s) => s.name === step)) throw new WeirError('NOT_FOUND', `run ${runId} has no step '${step}'`);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(store.logPath(runId, step), 'r');
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    let text = buffer.toString('utf8');
    // Cut at a line start so the first line shown is whole (and no UTF-8 sequence is split).
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return { text, truncated: start > 0 };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', truncated: false };
    throw e;
  } finally {
    await handle?.close();
  }
}
