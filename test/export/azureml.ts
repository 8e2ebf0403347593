import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/paths';

/**
 * Offline checks of an exported Azure ML folder: the shipped JSON Schemas
 * (schemas/azureml/), applied to the YAML as Azure's CLI reads it (PyYAML, YAML 1.1, where
 * an unquoted `off` is `false`), plus the cross-references a JSON Schema cannot express.
 */
const ajv = new Ajv({ allErrors: true, strict: false });
const pipelineSchema = ajv.compile(JSON.parse(readFileSync(path.join(repoRoot, 'schemas/azureml/pipeline-job.schema.json'), 'utf8')));
const mltableSchema = ajv.compile(JSON.parse(readFileSync(path.join(repoRoot, 'schemas/azureml/mltable.schema.json'), 'utf8')));

/** The document as Azure's CLI (PyYAML) would read it. */
export function readAsAzure(text: string): Record<string, unknown> {
  return parse(text, { version: '1.1' }) as Record<string, unknown>;
}

type Job = { type: string; command?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown>; [k: string]: unknown };

/** Every problem found in an exported pipeline.yml (empty when it is valid). */
export function pipelineProblems(text: string, outDir?: string): string[] {
  const doc = readAsAzure(text);
  const problems: string[] = [];
  if (!pipelineSchema(doc)) problems.push(...(pipelineSchema.errors ?? []).map((e) => `schema: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`));
  const inputs = (doc.inputs ?? {}) as Record<string, unknown>;
  const outputs = (doc.outputs ?? {}) as Record<string, unknown>;
  const jobs = (doc.jobs ?? {}) as Record<string, Job>;
  const boundParentOutputs = new Set<string>();
  const visit = (where: string, value: unknown, job: Job) => {
    if (typeof value !== 'string') return;
    for (const m of value.matchAll(/\$\{\{([^}]*)\}\}/g)) {
      const body = m[1]!;
      let r: RegExpMatchArray | null;
      if ((r = body.match(/^parent\.inputs\.(\w+)$/))) {
        if (!(r[1]! in inputs)) problems.push(`${where}: ${m[0]} names no pipeline input`);
      } else if ((r = body.match(/^parent\.outputs\.(\w+)$/))) {
        if (!(r[1]! in outputs)) problems.push(`${where}: ${m[0]} names no pipeline output`);
        boundParentOutputs.add(r[1]!);
      } else if ((r = body.match(/^parent\.jobs\.(\w+)\.outputs\.(\w+)$/))) {
        const other = jobs[r[1]!];
        if (!other) problems.push(`${where}: ${m[0]} names no job`);
        else if (!(r[2]! in (other.outputs ?? {}))) problems.push(`${where}: ${m[0]}: job ${r[1]} has no output ${r[2]}`);
      } else if ((r = body.match(/^inputs\.(\w+)$/))) {
        if (!(r[1]! in (job.inputs ?? {}))) problems.push(`${where}: ${m[0]} is not an input of the job`);
      } else if ((r = body.match(/^outputs\.(\w+)$/))) {
        if (!(r[1]! in (job.outputs ?? {}))) problems.push(`${where}: ${m[0]} is not an output of the job`);
      } else {
        problems.push(`${where}: unknown expression ${m[0]}`);
      }
    }
  };
  for (const [name, job] of Object.entries(jobs)) {
    visit(`jobs.${name}.command`, job.command, job);
    for (const [k, v] of Object.entries(job.inputs ?? {})) visit(`jobs.${name}.inputs.${k}`, v, job);
    for (const [k, v] of Object.entries(job.outputs ?? {})) visit(`jobs.${name}.outputs.${k}`, v, job);
    for (const k of ['training_data', 'validation_data', 'test_data']) visit(`jobs.${name}.${k}`, job[k], job);
    if (/\$\{\{\s*(steps|parameters)\./.test(JSON.stringify(job))) problems.push(`jobs.${name}: a Weir expression was left untranslated`);
  }
  for (const name of Object.keys(outputs)) if (!boundParentOutputs.has(name)) problems.push(`outputs.${name}: no job writes this pipeline output`);
  if (outDir) problems.push(...folderProblems(doc, outDir));
  return problems;
}

/** Local paths the pipeline names must exist in the export folder, and MLTable files must validate. */
function folderProblems(doc: Record<string, unknown>, outDir: string): string[] {
  const problems: string[] = [];
  const check = (where: string, p: unknown) => {
    if (typeof p !== 'string' || !p.startsWith('./')) return;
    const abs = path.join(outDir, p);
    try {
      readFileSync(path.join(abs, 'MLTable'), 'utf8');
    } catch {
      try {
        readFileSync(abs);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EISDIR') problems.push(`${where}: ${p} is not in the export folder`);
      }
    }
  };
  for (const [name, input] of Object.entries((doc.inputs ?? {}) as Record<string, { type?: string; path?: string }>)) {
    if (typeof input !== 'object') continue;
    check(`inputs.${name}`, input.path);
    if (input.type === 'mltable' && input.path?.startsWith('./')) {
      const table = readAsAzure(readFileSync(path.join(outDir, input.path, 'MLTable'), 'utf8'));
      if (!mltableSchema(table)) problems.push(`inputs.${name}: MLTable: ${JSON.stringify(mltableSchema.errors)}`);
    }
  }
  for (const [name, job] of Object.entries((doc.jobs ?? {}) as Record<string, Job>)) {
    check(`jobs.${name}.code`, job.code);
    const env = job.environment as { conda_file?: string } | undefined;
    if (env && typeof env === 'object') check(`jobs.${name}.environment.conda_file`, env.conda_file);
  }
  return problems;
}

export function mltableProblems(text: string): string[] {
  return mltableSchema(readAsAzure(text)) ? [] : (mltableSchema.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
