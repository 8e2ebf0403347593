import type { Reporter } from 'vitest/reporters';

type Task = { type: string; mode?: string; result?: { state?: string }; tasks?: Task[] };

/**
 * Prints one plain closing line, `N passed, N failed, N skipped`, after vitest's own
 * summary, so CI logs state the count in a form any tool reads.
 */
export default class SummaryReporter implements Reporter {
  onFinished(files: Task[] = []): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const visit = (task: Task): void => {
      if (task.type === 'test') {
        const state = task.result?.state;
        if (state === 'pass') counts.passed += 1;
        else if (state === 'fail') counts.failed += 1;
        else counts.skipped += 1;
      }
      for (const child of task.tasks ?? []) visit(child);
    };
    for (const file of files) {
      visit(file);
      // A file that failed to load has no tests to count but must not read as green.
      if (file.result?.state === 'fail' && !(file.tasks ?? []).length) counts.failed += 1;
    }
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
