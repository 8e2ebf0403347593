import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openWorkspace } from '../engine/src/store/workspace';
import type { StepRunRecord } from '../engine/src/store/records';

/**
 * The run store at editor scale: 10,000 finished runs in one experiment (three steps each, with
 * outputs, schemas and AutoML-like metrics), then `listRuns` from a fresh process-level cache
 * (what the editor pays when it first expands the experiment) and again after one more run
 * (the incremental read), plus `getRun`, `updateRun` and `appendLog` latency.
 */
const RUNS = Number(process.env.RUNS ?? 10_000);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-store-'));

function steps(): StepRunRecord[] {
  const schema = Array.from({ length: 12 }, (_v, i) => ({ name: `column_${i}`, type: i % 3 ? 'DOUBLE' : 'VARCHAR' }));
  const ref = { hash: 'a'.repeat(64), kind: 'parquet' as const, path: `.weir/artifacts/aa/${'a'.repeat(64)}/data.parquet`, bytes: 123456, rows: 891, schema };
  const metrics = Object.fromEntries(['AUC_weighted', 'accuracy', 'log_loss', 'f1_score_weighted', 'precision_score_weighted', 'recall_score_weighted', 'norm_macro_recall', 'average_precision_score_weighted'].map((m, i) => [m, 0.5 + i / 100]));
  const t = new Date().toISOString();
  return [
    { name: 'dataprep', kind: 'sql', status: 'Completed', queuedAt: t, startedAt: t, endedAt: t, fingerprint: 'f'.repeat(64), outputs: { prepped: ref }, metrics: {}, datasets: [{ name: 'titanic_ds', version: 1 }] },
    { name: 'train', kind: 'automl', status: 'Completed', queuedAt: t, startedAt: t, endedAt: t, fingerprint: 'e'.repeat(64), outputs: { model: { ...ref, kind: 'model', schema: undefined }, metrics: { ...ref, kind: 'json', schema: undefined } }, metrics, trialCount: 20 },
    { name: 'register', kind: 'register_model', status: 'Completed', queuedAt: t, startedAt: t, endedAt: t, outputs: {}, metrics: {} },
  ];
}

async function main(): Promise<void> {
  const writer = await openWorkspace(root);
  let t0 = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const run = await writer.createRun({ experiment: 'titanic_automl', pipelineName: 'titanic-automl', pipelineFile: 'examples/titanic/titanic.pipeline.yaml', parameters: { model_name: 'TitanicSurvivalInitial' }, steps: steps(), outputs: {} });
    await writer.updateRun(run.id, (r) => {
      r.status = 'Completed';
      r.startedAt = r.createdAt;
      r.endedAt = new Date().toISOString();
    });
  }
  const createMs = performance.now() - t0;
  await writer.dispose();
  const indexBytes = fs.statSync(path.join(root, '.weir', 'index', 'runs', 'titanic_automl.jsonl')).size;

  const reader = await openWorkspace(root);
  t0 = performance.now();
  const first = await reader.listRuns({ experiment: 'titanic_automl' });
  const firstMs = performance.now() - t0;
  const extra = await reader.createRun({ experiment: 'titanic_automl', pipelineName: 'p', pipelineFile: 'p', parameters: {}, steps: steps(), outputs: {} });
  await reader.updateRun(extra.id, (r) => void (r.status = 'Completed'));
  t0 = performance.now();
  const second = await reader.listRuns({ experiment: 'titanic_automl' });
  const secondMs = performance.now() - t0;
  t0 = performance.now();
  await reader.getRun(first[5000 % first.length].id);
  const getMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < 100; i++) await reader.updateRun(extra.id, (r) => void (r.steps[0].metrics = { i }));
  const updateMs = (performance.now() - t0) / 100;
  t0 = performance.now();
  for (let i = 0; i < 10_000; i++) await reader.appendLog(extra.id, 'train', `trial ${i}: AUC_weighted=0.8123 accuracy=0.79\n`);
  const appendUs = ((performance.now() - t0) / 10_000) * 1000;
  t0 = performance.now();
  await openWorkspace(root).then((s) => s.dispose());
  const openMs = performance.now() - t0;
  await reader.dispose();

  console.log(`runs created: ${first.length} (+1) in ${(createMs / 1000).toFixed(1)} s; index ${(indexBytes / 1e6).toFixed(1)} MB`);
  console.log(`listRuns, first call in a process: ${firstMs.toFixed(1)} ms for ${first.length} runs`);
  console.log(`listRuns, after one more run (incremental): ${secondMs.toFixed(1)} ms for ${second.length} runs`);
  console.log(`getRun: ${getMs.toFixed(2)} ms; updateRun: ${updateMs.toFixed(2)} ms; appendLog: ${appendUs.toFixed(1)} µs per line; openWorkspace: ${openMs.toFixed(1)} ms`);
  fs.rmSync(root, { recursive: true, force: true });
}

void main();
