import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Document, isScalar, Scalar, visit } from 'yaml';
import { WeirError } from '../../errors';
import { automlConfigSchema } from '../../automl/settings';
import { findExpressions, loadPipeline, matchFiles, rangeOfPath, readPipelineFile, substituteDeep } from '../../pipeline';
import type { ParsedPipeline, PipelineSpec, Reference, StepSpec } from '../../pipeline';
import { isSqlFile } from '../../steps/sqlStep';
import type { WorkspaceStore } from '../../store/storeApi';
import { buildAutomlNode } from './automlJob';
import {
  AZURE_AUTOML_ENVIRONMENT,
  AZURE_BASE_IMAGE,
  DUCKDB_ENVIRONMENT,
  MLFLOW_ENVIRONMENT,
  NODE_IMAGE,
  PARQUET_MLTABLE,
  PYTHON_ENVIRONMENT,
  REGISTER_RUNNER,
  SCORE_RUNNER,
  SQL_RUNNER,
} from './runners';
import { copyWeirEngine, WEIR_AUTOML_RUNNER, WEIR_SCORE_RUNNER } from './weirAutoml';

/**
 * `weir export azureml`: turns a Weir pipeline file into a folder that Azure Machine
 * Learning's CLI v2 accepts (`az ml job create --file DIR/pipeline.yml`). The folder holds
 * the pipeline job, the code its command jobs run (`src/`), their conda environments
 * (`environments/`) and the data of registered datasets and `file:` inputs (`data/`), so
 * the submission needs nothing else from the machine. docs/azureml.md has the mapping.
 */
export interface ExportOptions {
  /** The folder to write. Replaced when it holds an earlier export; refused when it holds anything else. */
  outDir: string;
  /** Azure compute cluster for `settings.default_compute` (with or without `azureml:`). */
  compute?: string;
  /** `azure` (default): Azure's native automl job; `weir`: a command job running Weir's own AutoML. */
  automl?: 'azure' | 'weir';
  /** Reference registered datasets as Azure data assets (`azureml:NAME:VERSION`) instead of copying their snapshots. */
  dataAssets?: boolean;
  /** The workspace store, for dataset snapshots (not needed with `dataAssets`). */
  store?: WorkspaceStore;
}

/** Something in the Weir file that has no exact Azure counterpart, located in the pipeline file. */
export interface ExportWarning {
  file: string;
  /** 1-based. */
  line: number;
  message: string;
}

export interface ExportResult {
  outDir: string;
  pipelineFile: string;
  /** The pipeline job as written. */
  yaml: string;
  /** Every file written, relative to `outDir`, sorted. */
  files: string[];
  warnings: ExportWarning[];
}

export function formatExportWarning(w: ExportWarning): string {
  return `${w.file}:${w.line}: warning: ${w.message}`;
}

/** The compute used when `--compute` is not given: the name Azure's samples use for a CPU cluster. */
export const DEFAULT_COMPUTE = 'cpu-cluster';

const PIPELINE_SCHEMA = 'https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json';

type FileEntry = { text: string } | { copyFrom: string };
type Job = Record<string, unknown>;

export async function exportAzureML(filePath: string, options: ExportOptions): Promise<ExportResult> {
  const parsed = await readPipelineFile(filePath);
  const spec = await loadPipeline(filePath, options.store);
  const exporter = new Exporter(parsed, spec, options, filePath);
  await exporter.build();
  return exporter.write();
}

class Exporter {
  private readonly warnings: ExportWarning[] = [];
  private readonly files = new Map<string, FileEntry>();
  private readonly inputs: Record<string, unknown> = {};
  private readonly jobs: Record<string, Job> = {};
  private readonly outputs: Record<string, unknown> = {};
  /** Azure output name of each Weir step output, per step; absent when Azure has none. */
  private readonly outputNames = new Map<string, Map<string, string>>();
  private readonly automl: 'azure' | 'weir';
  private readonly sourceName: string;

  constructor(
    private readonly parsed: ParsedPipeline,
    private readonly spec: PipelineSpec,
    private readonly options: ExportOptions,
    /** The pipeline file as the user named it, for warnings. */
    private readonly displayPath: string,
  ) {
    this.automl = options.automl ?? 'azure';
    this.sourceName = path.basename(spec.filePath);
  }

  private warn(yamlPath: (string | number)[], message: string): void {
    const line = rangeOfPath(this.parsed, yamlPath).start.line + 1;
    this.warnings.push({ file: this.displayPath, line, message });
  }

  async build(): Promise<void> {
    const { spec } = this;
    if (spec.maxConcurrentSteps !== undefined) {
      this.warn(['compute'], 'compute.max_concurrent_steps has no Azure counterpart: Azure runs independent steps at once, as many as the cluster has nodes');
    }
    for (const p of Object.values(spec.parameters)) {
      if (spec.inputs[p.name]) throw new WeirError('BAD_INPUT', `parameter '${p.name}' and input '${p.name}' share a name; Azure pipeline inputs hold both, so rename one`, { location: this.location(['parameters', p.name]) });
      this.inputs[p.name] = p.default;
    }
    for (const input of Object.values(spec.inputs)) await this.addPipelineInput(input.name);
    for (const name of spec.stepOrder) {
      const step = spec.steps[name]!;
      switch (step.kind) {
        case 'sql':
          await this.sqlJob(step);
          break;
        case 'script':
          this.scriptJob(step);
          break;
        case 'automl':
          if (this.automl === 'weir') await this.weirAutomlJob(step);
          else this.azureAutomlJob(step);
          break;
        case 'register_model':
          this.registerJob(step);
          break;
        case 'score':
          this.scoreJob(step);
          break;
        default:
          throw new WeirError('BAD_INPUT', `step '${name}' is a '${step.kind}' step, which weir export azureml cannot translate`, { location: this.location(['steps', name]) });
      }
    }
    for (const [name, ref] of Object.entries(spec.outputs)) this.pipelineOutput(name, ref);
  }

  private location(yamlPath: (string | number)[]) {
    const r = rangeOfPath(this.parsed, yamlPath);
    return { file: this.displayPath, line: r.start.line + 1, column: r.start.character + 1 };
  }

  // ----- pipeline inputs -----

  private async addPipelineInput(name: string): Promise<void> {
    const input = this.spec.inputs[name]!;
    const at = ['inputs', name];
    const source = input.source;
    if (source.type === 'model') {
      if (source.alias !== undefined) {
        this.warn(at, `model aliases are Weir's: Azure has no alias '${source.alias}', so input '${name}' uses the latest version of the Azure model ${source.name}`);
      }
      this.inputs[name] = { type: 'custom_model', path: assetPath(source.name, source.version) };
      this.warn(at, `model input '${name}' refers to the Azure model ${assetPath(source.name, source.version)}: register the model in the Azure workspace under that name first (Weir's registry stays on this machine)`);
      return;
    }
    if (source.type === 'dataset') {
      if (this.options.dataAssets) {
        this.inputs[name] = { type: 'mltable', path: assetPath(source.name, source.version) };
        return;
      }
      if (!this.options.store) {
        // Without a store there is no snapshot to ship; the job can still refer to an Azure data asset of the same name.
        this.inputs[name] = { type: 'mltable', path: assetPath(source.name, source.version) };
        this.warn(at, `no workspace store (.weir/) here, so dataset '${source.name}' is not copied: the job reads the Azure data asset ${assetPath(source.name, source.version)} (pass --workspace DIR to ship the registered snapshot, or --data-assets to say this is meant)`);
        return;
      }
      const version = await this.options.store.getDataset(source.name, source.version);
      this.files.set(`data/${name}/data.parquet`, { copyFrom: this.options.store.artifactPath(version.artifact) });
      this.files.set(`data/${name}/MLTable`, { text: PARQUET_MLTABLE });
      this.inputs[name] = { type: 'mltable', path: `./data/${name}` };
      return;
    }
    const matches = matchFiles(this.spec.dir, source.path).filter((f) => statSync(f).isFile() || statSync(f).isDirectory());
    if (matches.length === 0) throw new WeirError('NOT_FOUND', `input '${name}': no file matches ${source.path}`, { location: this.location(at) });
    if (matches.length === 1 && statSync(matches[0]!).isFile()) {
      const file = matches[0]!;
      const base = path.basename(file);
      const mltable = mltableFor(base);
      this.files.set(`data/${name}/${base}`, { copyFrom: file });
      if (mltable) {
        this.files.set(`data/${name}/MLTable`, { text: mltable });
        this.inputs[name] = { type: 'mltable', path: `./data/${name}` };
      } else {
        this.inputs[name] = { type: 'uri_file', path: `./data/${name}/${base}` };
      }
      return;
    }
    const files = matches.length === 1 ? await listFiles(matches[0]!) : matches.filter((f) => statSync(f).isFile());
    const base = matches.length === 1 ? matches[0]! : commonDir(files);
    for (const file of files) this.files.set(`data/${name}/${path.relative(base, file).split(path.sep).join('/')}`, { copyFrom: file });
    this.inputs[name] = { type: 'uri_folder', path: `./data/${name}` };
  }

  // ----- bindings -----

  /** The Azure binding of a Weir reference used as a job input, or undefined (with a warning) when Azure has no such output. */
  private binding(ref: Reference, at: (string | number)[]): string | undefined {
    switch (ref.scope) {
      case 'inputs':
      case 'parameters':
        return `\${{parent.inputs.${ref.name}}}`;
      case 'steps': {
        const output = this.outputNames.get(ref.step)?.get(ref.output);
        if (output === undefined) {
          this.warn(at, `${ref.step}.${ref.output} has no Azure counterpart (${this.missingOutputReason(ref.step, ref.output)}), so this input is left out`);
          return undefined;
        }
        return `\${{parent.jobs.${ref.step}.outputs.${output}}}`;
      }
      case 'outputs':
        return undefined;
    }
  }

  /** Whether a reference is a table that Azure hands over as an MLTable folder. */
  private isTable(ref: Reference): boolean {
    if (ref.scope === 'steps') return this.spec.steps[ref.step]?.kind === 'sql' || this.spec.steps[ref.step]?.kind === 'score';
    if (ref.scope === 'inputs') return (this.inputs[ref.name] as { type?: string } | undefined)?.type === 'mltable';
    return false;
  }

  private missingOutputReason(step: string, output: string): string {
    if (this.spec.steps[step]?.kind === 'automl' && output === 'metrics') return "Azure's automl job shows its metrics in the studio and has no metrics output";
    return 'the step has no such output on Azure';
  }

  private setOutputs(step: string, names: Record<string, string>): void {
    this.outputNames.set(step, new Map(Object.entries(names)));
  }

  /** Binds a step's `inputs:` as job inputs; returns the Azure input names used. */
  private stepInputs(step: StepSpec): Record<string, string> {
    const inputs: Record<string, string> = {};
    for (const [name, ref] of Object.entries(step.inputs)) {
      const binding = this.binding(ref, ['steps', step.name, 'inputs', name]);
      if (binding !== undefined) inputs[name] = binding;
    }
    return inputs;
  }

  /**
   * A Weir settings string (literal text with `${{ }}` expressions) as one token of an Azure
   * command line: expressions become `${{inputs.X}}` / `${{outputs.X}}` (adding job inputs
   * for parameters, pipeline inputs and upstream outputs the step reads only here), literal
   * text is quoted for the shell.
   */
  private commandToken(value: string, job: { inputs: Record<string, unknown> }, step: StepSpec, at: (string | number)[]): string {
    const found = findExpressions(value);
    if (found.length === 0) return shellQuote(value);
    let out = '';
    let last = 0;
    for (const expr of found) {
      out += value.slice(last, expr.index).replace(/["$`\\]/g, '\\$&');
      out += this.expressionFor(expr.ref, expr.text, job, step, at);
      last = expr.index + expr.text.length;
    }
    out += value.slice(last).replace(/["$`\\]/g, '\\$&');
    const whole = found.length === 1 && found[0]!.text === value;
    return whole ? out : `"${out}"`;
  }

  private expressionFor(ref: Reference | undefined, text: string, job: { inputs: Record<string, unknown> }, step: StepSpec, at: (string | number)[]): string {
    if (!ref) throw new WeirError('BAD_INPUT', `cannot translate ${text}`, { location: this.location(at) });
    switch (ref.scope) {
      case 'outputs':
        return `\${{outputs.${ref.name}}}`;
      case 'inputs': {
        if (step.inputs[ref.name]) return `\${{inputs.${ref.name}}}`;
        job.inputs[ref.name] = `\${{parent.inputs.${ref.name}}}`;
        return `\${{inputs.${ref.name}}}`;
      }
      case 'parameters': {
        const name = step.inputs[ref.name] ? `param_${ref.name}` : ref.name;
        job.inputs[name] = `\${{parent.inputs.${ref.name}}}`;
        return `\${{inputs.${name}}}`;
      }
      case 'steps': {
        const same = Object.entries(step.inputs).find(([, r]) => r.scope === 'steps' && r.step === ref.step && r.output === ref.output);
        if (same && job.inputs[same[0]] !== undefined) return `\${{inputs.${same[0]}}}`;
        const binding = this.binding(ref, at);
        if (binding === undefined) return text;
        const name = `${ref.step}_${ref.output}`;
        job.inputs[name] = binding;
        return `\${{inputs.${name}}}`;
      }
    }
  }

  // ----- step kinds -----

  private async sqlJob(step: StepSpec): Promise<void> {
    const config = String(step.config);
    const sqlText = isSqlFile(config) ? await readFile(path.resolve(this.spec.dir, config.trim()), 'utf8') : config;
    const sqlFile = `sql/${step.name}.sql`;
    this.files.set(`src/${sqlFile}`, { text: sqlText });
    const outputName = Object.keys(step.outputs)[0] ?? 'result';
    const job = this.sqlCommandJob(step.name, step, sqlFile, this.stepInputs(step), outputName, sqlText);
    this.jobs[step.name] = job;
    this.setOutputs(step.name, { [outputName]: outputName });
  }

  /** A command job running weir_sql.py: each job input is a view, parameters used in the SQL are passed with --param. */
  private sqlCommandJob(jobName: string, step: StepSpec | undefined, sqlFile: string, inputs: Record<string, string>, outputName: string, sqlText: string): Job {
    const jobInputs: Record<string, unknown> = { ...inputs };
    const args = ['python weir_sql.py', `--sql ${sqlFile}`];
    for (const name of Object.keys(inputs)) args.push(`--input ${name}=\${{inputs.${name}}}`);
    const params = new Set<string>();
    for (const expr of findExpressions(sqlText)) if (expr.ref?.scope === 'parameters') params.add(expr.ref.name);
    for (const p of params) {
      const inputName = inputs[p] !== undefined ? `param_${p}` : p;
      jobInputs[inputName] = `\${{parent.inputs.${p}}}`;
      args.push(`--param ${p}=\${{inputs.${inputName}}}`);
    }
    args.push(`--output \${{outputs.${outputName}}}`);
    this.files.set('src/weir_sql.py', { text: SQL_RUNNER });
    this.files.set('environments/weir-duckdb.yml', { text: DUCKDB_ENVIRONMENT });
    const job: Job = { type: 'command' };
    if (step?.description) job.description = step.description;
    else if (!step) job.description = `Written by weir export: ${jobName}`;
    Object.assign(job, {
      code: './src',
      command: args.join(' '),
      environment: { image: AZURE_BASE_IMAGE, conda_file: './environments/weir-duckdb.yml' },
      inputs: jobInputs,
      outputs: { [outputName]: { type: 'mltable' } },
    });
    if (step) this.reuse(step);
    return job;
  }

  /** `allow_reuse: false` has no per-job switch in a CLI v2 pipeline; say so. */
  private reuse(step: StepSpec): void {
    if (!step.allowReuse) {
      this.warn(['steps', step.name, 'allow_reuse'], `allow_reuse: false has no per-step counterpart in an Azure pipeline job; Azure reuses '${step.name}' when its code and inputs are unchanged (submit with settings.force_rerun: true to rerun every step)`);
    }
  }

  private scriptJob(step: StepSpec): void {
    const at = ['steps', step.name, 'script'];
    const raw = step.config as string | { file?: string; command?: string | (string | number | boolean)[]; args?: (string | number | boolean)[] };
    const job: Job & { inputs: Record<string, unknown> } = { type: 'command', inputs: this.stepInputs(step) };
    let line: string;
    let program: string;
    const interpreter = step.environment?.interpreter;
    const interpreterName = interpreter ? path.basename(interpreter) : undefined;
    if (interpreter && path.isAbsolute(interpreter)) {
      this.warn(['steps', step.name, 'environment', 'interpreter'], `environment.interpreter ${interpreter} is a path on this machine; on Azure the job runs '${interpreterName}' from the environment's PATH`);
    }
    if (typeof raw === 'string' || typeof raw.command === 'string') {
      const text = typeof raw === 'string' ? raw : (raw.command as string);
      line = this.translateShellLine(text, job, step, typeof raw === 'string' ? at : [...at, 'command']);
      program = text.trim().split(/\s+/)[0] ?? '';
      if (interpreterName && /^python3?$/.test(program)) line = line.replace(/^(\s*)python3?(?=\s|$)/, `$1${interpreterName}`);
      this.copyNamedFiles(text);
    } else {
      const args = (raw.args ?? []).map((a, i) => this.commandToken(String(a), job, step, [...at, 'args', i]));
      if (raw.file !== undefined) {
        this.copyScriptFile(raw.file, [...at, 'file']);
        const ext = path.extname(raw.file).toLowerCase();
        program = interpreterName ?? (ext === '.py' ? 'python' : ext === '.js' || ext === '.mjs' || ext === '.cjs' ? 'node' : ext === '.sh' ? 'bash' : '');
        line = [program, shellQuote(toPosix(raw.file))].filter(Boolean).join(' ');
        if (!program) line = `./${toPosix(raw.file)}`;
        if (args.length) line += ` ${args.join(' ')}`;
      } else {
        const argv = (raw.command as (string | number | boolean)[]).map((a, i) => this.commandToken(String(a), job, step, [...at, 'command', i]));
        program = String((raw.command as unknown[])[0]);
        line = [...argv, ...args].join(' ');
        this.copyNamedFiles((raw.command as unknown[]).map(String).join(' '));
      }
    }
    for (const [name, ref] of Object.entries(step.inputs)) {
      if (this.isTable(ref)) this.warn(['steps', step.name, 'inputs', name], `input '${name}' is an MLTable folder on Azure (data.parquet and an MLTable file inside), where weir run gives a Parquet file`);
    }
    // Scripts may read $WEIR_INPUT_<NAME> / $WEIR_OUTPUT_<NAME> instead of arguments, as they do locally.
    const exports = [
      ...Object.keys(step.inputs).filter((n) => job.inputs[n] !== undefined).map((n) => `WEIR_INPUT_${envName(n)}=\${{inputs.${n}}}`),
      ...Object.keys(step.outputs).map((n) => `WEIR_OUTPUT_${envName(n)}=\${{outputs.${n}}}`),
    ];
    job.command = exports.length ? `export ${exports.join(' ')} && ${line}` : line;
    job.code = './src';
    const isNode = program === 'node' || /^node(js)?$/.test(interpreterName ?? '');
    if (isNode) {
      job.environment = { image: NODE_IMAGE };
      this.warn(at, `step '${step.name}' runs Node: its job uses the Docker image ${NODE_IMAGE}, which the workspace must be able to pull`);
    } else {
      this.files.set('environments/weir-python.yml', { text: PYTHON_ENVIRONMENT });
      job.environment = { image: AZURE_BASE_IMAGE, conda_file: './environments/weir-python.yml' };
      if (/python/.test(program)) this.warn(at, `step '${step.name}' runs Python: add the packages it imports to environments/weir-python.yml in the export folder`);
    }
    const variables: Record<string, string> = { WEIR_STEP: step.name, WEIR_EXPERIMENT: this.spec.experiment };
    for (const [k, v] of Object.entries(step.environment?.variables ?? {})) {
      variables[k] = String(
        substituteDeep(v, (ref, text) => {
          if (ref.scope === 'parameters' && this.spec.parameters[ref.name]) {
            this.warn(['steps', step.name, 'environment', 'variables', k], `environment variable ${k} uses parameter '${ref.name}': on Azure it is fixed at its default (${this.spec.parameters[ref.name]!.default})`);
            return this.spec.parameters[ref.name]!.default;
          }
          return text;
        }),
      );
    }
    job.environment_variables = variables;
    const outputs: Record<string, unknown> = {};
    for (const [name, kind] of Object.entries(step.outputs)) {
      if (kind === 'dir') outputs[name] = { type: 'uri_folder' };
      else if (kind === 'model') {
        outputs[name] = { type: 'custom_model' };
        this.warn(['steps', step.name, 'outputs', name], `output '${name}' (model) is a folder on Azure: the script must write its model files inside \${{outputs.${name}}}`);
      } else outputs[name] = { type: 'uri_file' };
    }
    if (Object.keys(outputs).length) job.outputs = outputs;
    if (step.description) job.description = step.description;
    this.reuse(step);
    this.jobs[step.name] = orderJob(job);
    this.setOutputs(step.name, Object.fromEntries(Object.keys(step.outputs).map((n) => [n, n])));
  }

  private translateShellLine(text: string, job: { inputs: Record<string, unknown> }, step: StepSpec, at: (string | number)[]): string {
    let out = '';
    let last = 0;
    for (const expr of findExpressions(text)) {
      out += text.slice(last, expr.index) + this.expressionFor(expr.ref, expr.text, job, step, at);
      last = expr.index + expr.text.length;
    }
    return out + text.slice(last);
  }

  private copyScriptFile(file: string, at: (string | number)[]): void {
    const abs = path.resolve(this.spec.dir, file);
    const rel = path.relative(this.spec.dir, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new WeirError('BAD_INPUT', `script file ${file} is outside the pipeline's folder, so it cannot go into the job's code folder`, { location: this.location(at) });
    this.files.set(`src/${toPosix(rel)}`, { copyFrom: abs });
  }

  /** Files beside the pipeline that a command line names (`python prep.py`) go into the code folder, as they count for reuse locally. */
  private copyNamedFiles(line: string): void {
    for (const token of line.split(/\s+/)) {
      if (!token || token.includes('${{') || token.startsWith('-')) continue;
      const abs = path.resolve(this.spec.dir, token);
      const rel = path.relative(this.spec.dir, abs);
      if (rel.startsWith('..') || path.isAbsolute(rel) || !existsSync(abs) || !statSync(abs).isFile()) continue;
      this.files.set(`src/${toPosix(rel)}`, { copyFrom: abs });
    }
  }

  private parsedAutomlConfig(step: StepSpec) {
    const substituted = substituteDeep(step.config, (ref, text) => {
      if (ref.scope === 'parameters' && this.spec.parameters[ref.name]) {
        const use = step.configRefs.find((u) => u.ref.scope === 'parameters' && u.ref.name === ref.name);
        this.warn(use?.path ?? ['steps', step.name, 'automl'], `parameter '${ref.name}' is fixed at its default (${this.spec.parameters[ref.name]!.default}) in the Azure automl job, which takes no pipeline inputs in its settings`);
        return this.spec.parameters[ref.name]!.default;
      }
      return text;
    });
    return automlConfigSchema.parse(substituted);
  }

  private azureAutomlJob(step: StepSpec): void {
    const config = this.parsedAutomlConfig(step);
    const base = ['steps', step.name, 'automl'];
    const bindings: Record<string, string> = this.stepInputs(step);
    const { node, dropColumns } = buildAutomlNode(config, {
      inputBinding: (name) => bindings[name],
      inputNames: Object.keys(step.inputs),
      warn: (p, message) => this.warn(p.length ? [...base, ...p] : ['steps', step.name, ...(p.length ? p : ['automl'])], message),
    });
    if (dropColumns.length) {
      // Azure's featurization cannot drop columns, so a DuckDB prep job drops them from the training (and validation and test) data.
      const list = dropColumns.map((c) => `"${c.replace(/"/g, '""')}"`).join(', ');
      for (const key of ['training_data', 'validation_data', 'test_data'] as const) {
        const bound = node[key];
        if (typeof bound !== 'string') continue;
        const jobName = key === 'training_data' ? `${step.name}_drop_columns` : `${step.name}_drop_columns_${key.replace('_data', '')}`;
        const sql = `-- Written by weir export: featurization drop_columns / Ignore of step ${step.name}.\nSELECT * EXCLUDE (${list}) FROM ${key}\n`;
        this.files.set(`src/sql/${jobName}.sql`, { text: sql });
        this.jobs[jobName] = this.sqlCommandJob(jobName, undefined, `sql/${jobName}.sql`, { [key]: bound }, 'result', sql);
        node[key] = `\${{parent.jobs.${jobName}.outputs.result}}`;
      }
    }
    if (step.description) node.description = step.description;
    this.reuse(step);
    this.jobs[step.name] = node;
    this.setOutputs(step.name, { model: 'best_model' });
  }

  private async weirAutomlJob(step: StepSpec): Promise<void> {
    const config = this.parsedAutomlConfig(step);
    const inputs = this.stepInputs(step);
    const settingsFile = `automl/${step.name}.json`;
    this.files.set(`weir/${settingsFile}`, { text: `${JSON.stringify(config, null, 2)}\n` });
    this.files.set('weir/weir_automl.mjs', { text: WEIR_AUTOML_RUNNER });
    for (const [rel, from] of copyWeirEngine()) this.files.set(`weir/${rel}`, { copyFrom: from });
    const args = ['node weir_automl.mjs', `--settings ${settingsFile}`];
    for (const name of Object.keys(inputs)) args.push(`--input ${name}=\${{inputs.${name}}}`);
    args.push('--model ${{outputs.model}}', '--metrics ${{outputs.metrics}}');
    const job: Job = {
      type: 'command',
      ...(step.description ? { description: step.description } : {}),
      code: './weir',
      command: args.join(' '),
      environment: { image: NODE_IMAGE },
      inputs,
      outputs: { model: { type: 'custom_model' }, metrics: { type: 'uri_file' } },
    };
    this.warn(['steps', step.name, 'automl'], `step '${step.name}' runs Weir's own AutoML in the Docker image ${NODE_IMAGE} (the workspace must be able to pull it); its model is a Weir model folder, not an MLflow model`);
    this.reuse(step);
    this.jobs[step.name] = job;
    this.setOutputs(step.name, { model: 'model', metrics: 'metrics' });
  }

  private registerJob(step: StepSpec): void {
    const at = ['steps', step.name, 'register_model'];
    const config = step.config as { model: string; name: string; description?: string; tags?: Record<string, string | number | boolean>; framework?: string };
    const job: Job & { inputs: Record<string, unknown> } = { type: 'command', inputs: {} };
    const model = this.modelInput(config.model, job, step, [...at, 'model']);
    const args = ['python weir_register.py', `--model ${model}`, `--name ${this.commandToken(config.name, job, step, [...at, 'name'])}`];
    if (config.description !== undefined) args.push(`--description ${this.commandToken(config.description, job, step, [...at, 'description'])}`);
    const tags: Record<string, string> = Object.fromEntries(Object.entries(config.tags ?? {}).map(([k, v]) => [k, String(v)]));
    if (config.framework !== undefined) {
      tags.framework = config.framework;
      this.warn([...at, 'framework'], 'framework has no Azure counterpart; it becomes the tag framework on the model version');
    }
    for (const [k, v] of Object.entries(tags)) args.push(`--tag ${this.commandToken(`${k}=${v}`, job, step, [...at, 'tags', k])}`);
    this.files.set('src/weir_register.py', { text: REGISTER_RUNNER });
    this.files.set('environments/weir-mlflow.yml', { text: MLFLOW_ENVIRONMENT });
    job.command = args.join(' ');
    job.code = './src';
    job.environment = { image: AZURE_BASE_IMAGE, conda_file: './environments/weir-mlflow.yml' };
    if (step.description) job.description = step.description;
    this.reuse(step);
    this.jobs[step.name] = orderJob(job);
    this.setOutputs(step.name, {});
  }

  /** A model reference (`${{ steps.S.outputs.O }}` or `${{ inputs.X }}`) as the job input `model`. */
  private modelInput(value: string | undefined, job: { inputs: Record<string, unknown> }, step: StepSpec, at: (string | number)[]): string {
    let ref: Reference | undefined;
    if (value !== undefined) {
      const found = findExpressions(value);
      if (found.length !== 1 || found[0]!.text !== value.trim() || !found[0]!.ref) throw new WeirError('BAD_INPUT', `the model must be one reference such as \${{ steps.train.outputs.model }}, not '${value}'`, { location: this.location(at) });
      ref = found[0]!.ref;
      if (ref.scope === 'inputs' && step.inputs[ref.name]) ref = step.inputs[ref.name];
    } else {
      ref = step.inputs.model;
    }
    if (!ref) throw new WeirError('BAD_INPUT', `step '${step.name}' needs a model`, { location: this.location(at) });
    const binding = this.binding(ref, at);
    if (binding === undefined) throw new WeirError('BAD_INPUT', `step '${step.name}' reads a model Azure does not produce`, { location: this.location(at) });
    job.inputs.model = binding;
    return '${{inputs.model}}';
  }

  private scoreJob(step: StepSpec): void {
    const at = ['steps', step.name, 'score'];
    const config = (step.config ?? {}) as { model?: string; data?: string; keep_columns?: boolean };
    const job: Job & { inputs: Record<string, unknown> } = { type: 'command', inputs: {} };
    const model = this.modelInput(config.model, job, step, [...at, 'model']);
    let dataRef: Reference | undefined = step.inputs.data;
    if (config.data !== undefined) {
      const found = findExpressions(config.data);
      if (found.length !== 1 || !found[0]!.ref) throw new WeirError('BAD_INPUT', `score data must be one reference, not '${config.data}'`, { location: this.location([...at, 'data']) });
      dataRef = found[0]!.ref;
      if (dataRef.scope === 'inputs' && step.inputs[dataRef.name]) dataRef = step.inputs[dataRef.name];
    }
    if (!dataRef) throw new WeirError('BAD_INPUT', `score step '${step.name}' needs data: set data: or an input named data`, { location: this.location(at) });
    const data = this.binding(dataRef, [...at, 'data']);
    if (data === undefined) throw new WeirError('BAD_INPUT', `score step '${step.name}' reads data Azure does not produce`, { location: this.location(at) });
    job.inputs.data = data;
    const weir = this.automl === 'weir';
    // A Weir model (--automl weir) is scored by Weir's engine; an Azure AutoML model by MLflow.
    const args = [weir ? 'node weir_score.mjs' : 'python weir_score.py', `--model ${model}`, '--data ${{inputs.data}}', '--output ${{outputs.predictions}}'];
    if (config.keep_columns === false) args.push('--prediction-only');
    if (weir) {
      this.files.set('weir/weir_score.mjs', { text: WEIR_SCORE_RUNNER });
      for (const [rel, from] of copyWeirEngine()) this.files.set(`weir/${rel}`, { copyFrom: from });
    } else {
      this.files.set('src/weir_score.py', { text: SCORE_RUNNER });
    }
    job.command = args.join(' ');
    job.code = weir ? './weir' : './src';
    job.environment = weir ? { image: NODE_IMAGE } : AZURE_AUTOML_ENVIRONMENT;
    job.outputs = { predictions: { type: 'mltable' } };
    const modelRef = step.inputs.model;
    if (modelRef?.scope === 'inputs' && this.spec.inputs[modelRef.name]?.source.type === 'model') {
      this.warn(at, weir
        ? `step '${step.name}' scores the registered model input '${modelRef.name}': on Azure it must be a Weir model folder registered in the Azure workspace`
        : `step '${step.name}' scores the registered model input '${modelRef.name}': on Azure it must be an MLflow model (an AutoML model of the Azure workspace)`);
    }
    if (step.description) job.description = step.description;
    this.reuse(step);
    this.jobs[step.name] = orderJob(job);
    this.setOutputs(step.name, { predictions: 'predictions' });
  }

  // ----- pipeline outputs -----

  private pipelineOutput(name: string, ref: Extract<Reference, { scope: 'steps' }>): void {
    const at = ['outputs', name];
    const job = this.jobs[ref.step];
    const output = this.outputNames.get(ref.step)?.get(ref.output);
    if (!job || output === undefined) {
      this.warn(at, `pipeline output '${name}' (${ref.step}.${ref.output}) has no Azure counterpart: ${this.missingOutputReason(ref.step, ref.output)}`);
      return;
    }
    if (job.type === 'automl') {
      // The automl node keeps its declared best_model output (as Azure's samples do); the pipeline-level name is not bound.
      this.warn(at, `pipeline output '${name}' is the automl job's best_model: on Azure it is jobs.${ref.step}.outputs.best_model (az ml job download --name <the ${ref.step} child job> --output-name best_model)`);
      return;
    }
    const outputs = job.outputs as Record<string, unknown>;
    const declared = outputs[output];
    if (typeof declared === 'string') {
      this.warn(at, `pipeline output '${name}' repeats ${ref.step}.${ref.output}, which is already the pipeline output ${declared}; Azure binds a job output to one pipeline output`);
      return;
    }
    this.outputs[name] = declared;
    outputs[output] = `\${{parent.outputs.${name}}}`;
  }

  // ----- writing -----

  pipelineDocument(): Record<string, unknown> {
    const compute = this.options.compute ?? DEFAULT_COMPUTE;
    const doc: Record<string, unknown> = {
      $schema: PIPELINE_SCHEMA,
      type: 'pipeline',
      display_name: this.spec.name,
      experiment_name: this.spec.experiment,
    };
    if (this.spec.description) doc.description = this.spec.description;
    doc.settings = { default_compute: compute.startsWith('azureml:') ? compute : `azureml:${compute}` };
    if (Object.keys(this.inputs).length) doc.inputs = this.inputs;
    if (Object.keys(this.outputs).length) doc.outputs = this.outputs;
    doc.jobs = this.jobs;
    return doc;
  }

  async write(): Promise<ExportResult> {
    const outDir = path.resolve(this.options.outDir);
    if (this.options.compute === undefined) {
      this.warnings.unshift({ file: this.displayPath, line: 1, message: `no --compute given: settings.default_compute is azureml:${DEFAULT_COMPUTE}` });
    }
    const header = [
      `# Written by weir export azureml from ${this.sourceName}. Submit it with`,
      '#   az ml job create --file pipeline.yml --resource-group G --workspace-name W',
      '# or weir submit. docs/azureml.md lists how each Weir setting maps.',
    ].join('\n');
    const yaml = `${header}\n${toYaml(this.pipelineDocument())}`;
    this.files.set('pipeline.yml', { text: yaml });
    await prepareOutDir(outDir);
    // Everything is written into a fresh sibling folder first and renamed into place, so a
    // failure part-way leaves the previous export (or nothing) rather than half a folder.
    const tmp = await mkdtemp(`${outDir}.tmp-`);
    try {
      for (const [rel, entry] of this.files) {
        const target = path.join(tmp, rel);
        await mkdir(path.dirname(target), { recursive: true });
        if ('text' in entry) await writeFile(target, entry.text);
        else await copyFile(entry.copyFrom, target);
      }
      if (existsSync(outDir)) await rm(outDir, { recursive: true, force: true });
      await rename(tmp, outDir);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    return { outDir, pipelineFile: path.join(outDir, 'pipeline.yml'), yaml, files: [...this.files.keys()].sort(), warnings: this.warnings };
  }
}

/** Refuses to replace a folder that is not an earlier export. */
async function prepareOutDir(outDir: string): Promise<void> {
  if (!existsSync(outDir)) {
    await mkdir(path.dirname(outDir), { recursive: true });
    return;
  }
  if (!statSync(outDir).isDirectory()) throw new WeirError('BAD_INPUT', `--out ${outDir} is a file, not a folder`);
  const entries = await readdir(outDir);
  if (entries.length && !entries.includes('pipeline.yml')) {
    throw new WeirError('BAD_INPUT', `--out ${outDir} is not empty and holds no earlier export (no pipeline.yml), so it is left alone`, { hint: 'Give an empty or new folder.' });
  }
}

/**
 * YAML for Azure's CLI, which reads it with PyYAML (YAML 1.1): there `off`, `yes`, `y` and
 * friends are booleans, so such strings are double-quoted (`mode: "off"`); the `yaml`
 * package alone would write them plain, as YAML 1.2 allows.
 */
export function toYaml(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value === 'string' && YAML11_SPECIAL.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
    // Short lists of numbers and names read best on one line, as Azure's samples write them.
    Seq(_key, node) {
      if (node.items.every((item) => isScalar(item) && typeof item.value !== 'string')) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

const YAML11_SPECIAL = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;

function assetPath(name: string, version: number | undefined): string {
  return version === undefined ? `azureml:${name}@latest` : `azureml:${name}:${version}`;
}

/** An MLTable file for a single data file, when MLTable can read its format. */
function mltableFor(base: string): string | undefined {
  const ext = path.extname(base).toLowerCase();
  const read = ext === '.parquet' ? '  - read_parquet' : ext === '.csv' ? "  - read_delimited:\n      delimiter: ','\n      header: all_files_same_headers" : ext === '.jsonl' || ext === '.ndjson' ? '  - read_json_lines' : undefined;
  if (!read) return undefined;
  return ['$schema: https://azuremlschemas.azureedge.net/latest/MLTable.schema.json', 'type: mltable', 'paths:', `  - file: ./${base}`, 'transformations:', read, ''].join('\n');
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

function commonDir(files: string[]): string {
  let dir = path.dirname(files[0]!);
  while (!files.every((f) => f.startsWith(dir + path.sep))) dir = path.dirname(dir);
  return dir;
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Command jobs in the order Azure's samples write them. */
function orderJob(job: Job): Job {
  const order = ['type', 'description', 'code', 'command', 'environment', 'environment_variables', 'inputs', 'outputs'];
  const out: Job = {};
  for (const k of order) if (job[k] !== undefined && !(k === 'inputs' && Object.keys(job[k] as object).length === 0)) out[k] = job[k];
  for (const [k, v] of Object.entries(job)) if (!(k in out) && !order.includes(k)) out[k] = v;
  return out;
}
