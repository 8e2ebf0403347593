import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * The engine's layers, lowest first (docs/ARCHITECTURE.md, "Layers, enforced by lint"): each
 * folder of engine/src (or top-level file, by its name) and the folders and files it may
 * import. Folders not listed (cli, lsp, serve, export) and index.ts are the top: they may
 * import anything of the engine. Checked on resolved paths, for static imports, re-exports,
 * `import()` and `import('…')` types alike.
 */
const ground = ['errors', 'util', 'version'];
const below = {
  errors: [],
  util: [],
  version: [],
  store: ground,
  data: [...ground, 'store'],
  protocol: [...ground, 'store'],
  gbdt: [...ground, 'store', 'data'],
  // automl and explain are one layer: a model's explanations are part of the model.
  automl: [...ground, 'store', 'data', 'protocol', 'gbdt', 'explain'],
  explain: [...ground, 'store', 'data', 'protocol', 'gbdt', 'automl'],
  steps: [...ground, 'store', 'data', 'protocol', 'gbdt', 'automl', 'explain'],
  pipeline: [...ground, 'store', 'data', 'protocol', 'gbdt', 'automl', 'explain', 'steps'],
  scheduler: [...ground, 'store', 'data', 'protocol', 'gbdt', 'automl', 'explain', 'steps', 'pipeline'],
};
const says = {
  store: 'store/ is the ground floor: it imports only errors and util/.',
  data: 'data/ imports the store at most (errors, util/, store/).',
  util: 'util/ holds leaf helpers: it imports nothing of the engine.',
};
/** Plug-in boundaries inside an allowed layer: the scheduler knows step kinds only through their contract and registry. */
const through = { scheduler: { steps: ['stepKind', 'registry'] } };
const engineSrc = path.join(import.meta.dirname, 'engine', 'src');

/** The layer a path inside engine/src belongs to: its first folder, or a top-level file's name. */
function layerOf(file) {
  const rel = path.relative(engineSrc, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep)[0].replace(/\.(ts|tsx|js|mjs)$/, '');
}

const layersRule = {
  meta: { type: 'problem', schema: [], docs: { description: 'An engine folder imports only the layers below it (docs/ARCHITECTURE.md).' } },
  create(context) {
    const from = layerOf(context.filename);
    const allowed = below[from];
    if (!allowed) return {};
    const check = (node, specifier) => {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const target = path.resolve(path.dirname(context.filename), specifier);
      const to = layerOf(target);
      if (to === undefined || to === from) return;
      if (!allowed.includes(to)) {
        const message = `${says[from] ?? `${from}/ imports only ${allowed.join(', ')}.`} ${to} is not below it (docs/ARCHITECTURE.md, Layers).`;
        context.report({ node, message });
        return;
      }
      const gate = through[from]?.[to];
      const module = path.relative(path.join(engineSrc, to), target).replace(/\.(ts|js)$/, '');
      if (gate && !gate.includes(module)) {
        context.report({ node, message: `${from}/ reaches ${to}/ only through ${gate.map((m) => `${to}/${m}.ts`).join(' and ')}, not ${to}/${module}.` });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      TSImportType: (node) => check(node, node.argument?.literal?.value ?? node.parameter?.literal?.value),
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.e2e/**', 'engine/src/gbdt/assembly/**', '**/*.d.ts', 'bench/.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The engine is a plain Node program: it must run from the CLI with no editor around it.
    files: ['engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'The engine never imports vscode.' }] }],
      'no-console': 'error',
    },
  },
  {
    // Layers (docs/ARCHITECTURE.md): an engine folder imports only the layers below it.
    files: ['engine/src/**/*.ts'],
    plugins: { weir: { rules: { layers: layersRule } } },
    rules: { 'weir/layers': 'error' },
  },
  {
    files: ['extension/src/**/*.ts', 'webview/src/**/*.ts', 'webview/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/engine/src/*', '**/engine/src/**', '!**/engine/src/protocol', '!**/engine/src/util', '**/engine/src/util/*', '!**/engine/src/util/format'], message: 'The editor side talks to the engine only through engine/src/protocol.ts (and the leaf util/format.ts).' },
        ],
      }],
    },
  },
  {
    files: ['engine/src/cli/**/*.ts', 'bench/**/*.ts', 'scripts/**', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
