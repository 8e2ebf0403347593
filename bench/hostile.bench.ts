import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../engine/src/util/mulberry32';

/**
 * A bounded fuzz pass over hostile input (issue 11): random mutations of the example pipeline
 * files, of the Titanic CSV and of a trained model.json, each run through `weir validate`,
 * `weir run` or `weir model predict` with a timeout. A case is reported when it hung (hit the
 * timeout), crashed (a stack trace, `internal error`, or an exit code other than 0/1/2),
 * changed the store when it should not have (validate, predict, and any exit 2), or wrote
 * outside the workspace. The bar is zero reported cases.
 *
 *   npm run bench -- hostile [--seconds=60] [--seed=1]
 */

const args = process.argv.slice(2);
// `--name=N` (scripts/bench.mjs reads bare words as bench names), or `--name N` when run directly.
const flag = (name: string, fallback: number) => {
  const joined = args.find((a) => a.startsWith(`--${name}=`));
  if (joined) return Number(joined.slice(name.length + 3));
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const SECONDS = flag('seconds', 60);
const SEED = flag('seed', Date.now() % 100_000);
const repo = path.resolve(__dirname, '..', '..');
const cli = path.join(repo, 'dist', 'cli.js');
const random = mulberry32(SEED);
const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;

if (!existsSync(cli)) {
  console.error('bench hostile: dist/cli.js is missing; run `npm run build` first');
  process.exit(2);
}

const root = mkdtempSync(path.join(os.tmpdir(), 'weir-bench-hostile-'));
const ws = path.join(root, 'ws');
const outside = path.join(root, 'outside');
mkdirSync(outside);
writeFileSync(path.join(outside, 'keep.txt'), 'must stay\n');
cpSync(path.join(repo, 'examples', 'titanic'), ws, { recursive: true });
const PWNED = path.join(outside, 'pwned');

function weir(argv: string[], timeoutMs: number): { code: number | null; out: string; err: string; hung: boolean } {
  const r = spawnSync(process.execPath, [cli, ...argv], { cwd: ws, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...process.env, WEIR_CLI_MAIN: '1' }, maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '', hung: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' };
}

function tree(dir: string, skip: string[] = []): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (skip.some((s) => p === s || p.startsWith(`${s}${path.sep}`))) continue;
      h.update(p);
      if (e.isDirectory()) walk(p);
      else if (e.isSymbolicLink()) h.update(readlinkSync(p));
      else if (e.isFile()) h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}
const storeHash = () => tree(path.join(ws, '.weir'), [path.join(ws, '.weir', 'tmp'), path.join(ws, '.weir', 'events')]);
const outsideHash = () => tree(outside);

// ----- set-up: a small trained model to predict with (not counted in the budget) -----
const SMALL = (iterations: number) => `name: fuzz
parameters: { model_name: FuzzModel }
inputs: { titanic: file:data/titanic.csv }
steps:
  dataprep:
    sql: dataprep.sql
    inputs: { titanic: \${{ inputs.titanic }} }
    outputs: { prepped: parquet }
  train:
    automl:
      task: classification
      label_column_name: Survived
      primary_metric: AUC_weighted
      iterations: ${iterations}
      experiment_timeout_minutes: 1
      n_cross_validations: 3
      enable_voting_ensemble: false
      enable_stack_ensemble: false
    inputs: { training_data: \${{ steps.dataprep.outputs.prepped }} }
  note:
    script: echo prepped \${{ steps.dataprep.outputs.prepped }} and \${{ parameters.model_name }}
  register:
    register_model:
      model: \${{ steps.train.outputs.model }}
      name: \${{ parameters.model_name }}
`;
writeFileSync(path.join(ws, 'fuzz.pipeline.yaml'), SMALL(2));
const setup = weir(['run', 'fuzz.pipeline.yaml'], 300_000);
if (setup.code !== 0) {
  console.error(`bench hostile: set-up run failed (exit ${setup.code}):\n${setup.err.slice(-2000)}`);
  process.exit(1);
}
const modelDir = (() => {
  const show = JSON.parse(weir(['model', 'show', 'FuzzModel', '--json'], 30_000).out) as { artifact: { path: string } };
  return path.join(ws, show.artifact.path);
})();
const modelJson = readFileSync(path.join(modelDir, 'model.json'), 'utf8');
const csv = readFileSync(path.join(ws, 'data', 'titanic.csv'), 'utf8');
const pipelines = [readFileSync(path.join(ws, 'titanic.pipeline.yaml'), 'utf8'), SMALL(1)];
// A run of the small pipeline without its AutoML step, so `weir run` cases finish quickly.
const QUICK = SMALL(1).replace(/ {2}train:[\s\S]*?(?= {2}note:)/, '').replace(/ {2}register:[\s\S]*$/, '');

// ----- mutations -----
const TOKENS = [
  '${{ parameters.model_name }}', '${{ inputs.titanic }}', '${{ steps.dataprep.outputs.prepped }}', '${{ outputs.x }}', '${{ bogus }}',
  `$(touch ${PWNED})`, `\`touch ${PWNED}\``, `'; touch ${PWNED}; '`, `"; touch ${PWNED}; "`, `../../../${path.basename(root)}/outside/x`,
  '*a', '&a ', '<<: *a', '{', '}', '[', ']', '"', "'", ':', ': ', '\n', '\n  - ', '\t', '#', '\\', '\0', 'é', '\u{1F600}', '-1', '1e309', 'NaN', 'null', '~', 'x'.repeat(300),
  'COPY (SELECT 1) TO \'/tmp/x.csv\'', 'ATTACH \'/tmp/x.db\'',
];
function mutateText(text: string): string {
  let s = text;
  const n = 1 + Math.floor(random() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(random() * (s.length + 1));
    switch (Math.floor(random() * 5)) {
      case 0:
        s = s.slice(0, at) + pick(TOKENS) + s.slice(at);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + 1 + Math.floor(random() * 40));
        break;
      case 2: {
        const len = Math.floor(random() * 80);
        s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
        break;
      }
      case 3:
        s = s.slice(0, at) + String.fromCharCode(Math.floor(random() * 128)) + s.slice(at + 1);
        break;
      default:
        s = s.slice(0, Math.max(0, at));
    }
  }
  return s;
}
function mutateJson(text: string): string {
  if (random() < 0.25) return mutateText(text);
  const value = JSON.parse(text) as unknown;
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    paths.push(p);
    if (Array.isArray(v)) v.slice(0, 20).forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(value, []);
  const target = pick(paths.filter((p) => p.length > 0));
  let parent = value as Record<string | number, unknown>;
  for (const k of target.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = target.at(-1)!;
  parent[last] = pick<unknown>([null, [], {}, 'Bogus', -1, 0, 1e308, 'x'.repeat(300), true, [null], undefined]);
  return JSON.stringify(value);
}

// ----- the pass -----
interface Finding {
  kind: string;
  what: string;
  detail: string;
  input: string;
}
const findings: Finding[] = [];
const tried: Record<string, number> = {};
const deadline = Date.now() + SECONDS * 1000;
let cases = 0;
let version = 0;

function check(kind: string, r: ReturnType<typeof weir>, input: string, storeBefore: string, storeMayChange: boolean): void {
  const report = (what: string, detail: string) => findings.push({ kind, what, detail: detail.slice(0, 800), input: input.slice(0, 1500) });
  if (r.hung) report('hung', 'hit the timeout');
  else if (r.code === null || ![0, 1, 2].includes(r.code)) report('crashed', `exit ${r.code}`);
  if (/internal error|\n\s+at .+:\d+:\d+\)?/.test(r.err)) report('crashed', r.err);
  if (existsSync(PWNED)) report('wrote outside', PWNED);
  if (outsideHash() !== outsideBefore) report('wrote outside', 'the folder outside the workspace changed');
  if ((!storeMayChange || r.code === 2) && storeHash() !== storeBefore) report('changed the store', `exit ${r.code}`);
}
const outsideBefore = outsideHash();

while (Date.now() < deadline) {
  cases += 1;
  const target = pick(['validate', 'validate', 'run', 'predict-csv', 'predict-model']);
  tried[target] = (tried[target] ?? 0) + 1;
  const before = storeHash();
  if (target === 'validate') {
    const text = mutateText(pick(pipelines));
    writeFileSync(path.join(ws, 'm.pipeline.yaml'), text);
    check(target, weir(['validate', 'm.pipeline.yaml'], 20_000), text, before, false);
  } else if (target === 'run') {
    const text = mutateText(QUICK);
    writeFileSync(path.join(ws, 'm.pipeline.yaml'), text);
    check(target, weir(['run', 'm.pipeline.yaml'], 60_000), text, before, true);
  } else if (target === 'predict-csv') {
    const text = mutateText(csv.slice(0, 4000 + Math.floor(random() * 4000)));
    writeFileSync(path.join(ws, 'm.csv'), text);
    check(target, weir(['model', 'predict', 'FuzzModel', 'm.csv', '--out', path.join(ws, 'pred.csv')], 30_000), text, before, false);
  } else {
    const text = mutateJson(modelJson);
    const dir = path.join(root, 'mutated', String(version++));
    cpSync(modelDir, dir, { recursive: true });
    writeFileSync(path.join(dir, 'model.json'), text);
    const reg = weir(['model', 'register', 'Mutated', dir], 30_000);
    check('register', reg, text, before, true);
    rmSync(dir, { recursive: true, force: true });
    if (reg.code === 0) {
      const after = storeHash();
      check(target, weir(['model', 'predict', 'Mutated', path.join(ws, 'data', 'titanic.csv'), '--out', path.join(ws, 'pred.csv')], 30_000), text, after, false);
    }
  }
}

console.log(`hostile fuzz: ${cases} cases in ${SECONDS} s (seed ${SEED}): ${Object.entries(tried).map(([k, v]) => `${k} ${v}`).join(', ')}`);
const byWhat = new Map<string, number>();
for (const f of findings) byWhat.set(f.what, (byWhat.get(f.what) ?? 0) + 1);
console.log(`  hung: ${byWhat.get('hung') ?? 0}, crashed: ${byWhat.get('crashed') ?? 0}, changed the store: ${byWhat.get('changed the store') ?? 0}, wrote outside: ${byWhat.get('wrote outside') ?? 0} (bar: 0 each)`);
for (const f of findings.slice(0, 10)) console.log(`\n--- ${f.what} (${f.kind}) ---\n${f.detail}\ninput:\n${f.input}`);
if (findings.length > 10) console.log(`\n… ${findings.length - 10} more`);
rmSync(root, { recursive: true, force: true });

process.exit(findings.length ? 1 : 0);
