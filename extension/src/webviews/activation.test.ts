import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { viewTypes } from '../../../webview/src/protocol';

describe('webview panel activation', () => {
  it('package.json activates the extension for every panel type, so panels come back after a reload', () => {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { activationEvents: string[] };
    for (const viewType of Object.values(viewTypes)) expect(manifest.activationEvents).toContain(`onWebviewPanel:${viewType}`);
  });
});
