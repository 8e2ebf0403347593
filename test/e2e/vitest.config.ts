import { defineConfig } from 'vitest/config';

// The end-to-end suite: a real VS Code (code-server) in Debian's Chromium with the packaged
// .vsix installed. Run with `npm run test:e2e` (which runs setup.sh first). Specs are
// `test/e2e/*.e2e.test.ts`; they share one packaged .vsix (built once in globalSetup).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['test/e2e/harness/globalSetup.ts'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
    pool: 'forks',
    reporters: ['default', './test/helpers/summaryReporter.ts'],
    fileParallelism: false,
    // A UI step that fails once because a toast covered a click or the machine stalled should
    // not fail CI; a real break fails twice. Each spec file still starts from a fresh VS Code.
    retry: 1,
  },
});
