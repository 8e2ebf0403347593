/**
 * Colours a (padded) run or step status for a terminal: green done, cyan reused, red failed,
 * yellow canceled, blue running, dim queued or skipped. Plain text when stdout is not a
 * terminal or NO_COLOR is set (https://no-color.org), so logs and pipes stay clean.
 */
export function colorStatus(text: string, status: string, isTTY: boolean): string {
  if (!isTTY || process.env.NO_COLOR) return text;
  const code = STATUS_CODES[status];
  return code ? `\x1b[${code}m${text}\x1b[0m` : text;
}

const STATUS_CODES: Record<string, string> = {
  Completed: '32',
  Reused: '36',
  Failed: '31',
  Canceled: '33',
  Running: '34',
  Queued: '2',
  Skipped: '2',
};
