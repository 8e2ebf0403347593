import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CommandIds, commandManifest, ViewIds } from './ids';

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
  contributes: {
    commands: { command: string; title: string; category?: string; icon?: string }[];
    views: Record<string, { id: string }[]>;
    menus: Record<string, { command: string }[]>;
    walkthroughs: { steps: { description: string }[] }[];
    viewsWelcome: { view: string; contents: string }[];
  };
  activationEvents: string[];
};

describe('package.json contributions', () => {
  it('declares exactly the commands of ids.ts, with the same titles and icons', () => {
    expect(manifest.contributes.commands).toEqual(commandManifest.map((c) => ({ command: c.command, title: c.title, category: c.category, ...(c.icon ? { icon: c.icon } : {}) })));
    expect(new Set(commandManifest.map((c) => c.command))).toEqual(new Set(Object.values(CommandIds)));
  });

  it('uses only known commands in menus, walkthroughs and welcome views', () => {
    const known = new Set<string>(Object.values(CommandIds));
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) expect(known.has(entry.command), `${menu}: ${entry.command}`).toBe(true);
    }
    const linked = [...manifest.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.description)), ...manifest.contributes.viewsWelcome.map((v) => v.contents)]
      .flatMap((text) => [...text.matchAll(/\(command:(weir\.[\w]+)\)/g)].map((m) => m[1]));
    expect(linked.length).toBeGreaterThan(3);
    for (const command of linked) expect(known.has(command), command).toBe(true);
  });

  it('declares the views the extension registers', () => {
    expect(manifest.contributes.views[ViewIds.container].map((v) => v.id)).toEqual([ViewIds.experiments, ViewIds.datasets, ViewIds.models]);
    expect(manifest.activationEvents).toContain('workspaceContains:**/*.pipeline.yaml');
  });
});
