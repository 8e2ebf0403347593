import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

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
  // Layers (docs/ARCHITECTURE.md): a folder imports only the layers below it. Each rule
  // repeats the engine's vscode ban, because a later no-restricted-imports entry replaces an
  // earlier one for the same files.
  {
    files: ['engine/src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The engine never imports vscode.' }],
        patterns: [{ group: ['../*', '!../errors', '!../util', '!../util/*'], message: 'store/ is the ground floor: it imports only errors and util/.' }],
      }],
    },
  },
  {
    files: ['engine/src/data/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The engine never imports vscode.' }],
        patterns: [{ group: ['../*', '!../errors', '!../util', '!../util/*', '!../store', '!../store/*'], message: 'data/ imports the store at most (errors, util/, store/).' }],
      }],
    },
  },
  {
    files: ['extension/src/**/*.ts', 'webview/src/**/*.ts', 'webview/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/engine/src/*', '**/engine/src/**', '!**/engine/src/protocol'], message: 'The editor side talks to the engine only through engine/src/protocol.ts.' },
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
