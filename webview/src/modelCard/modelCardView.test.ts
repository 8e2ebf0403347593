// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import type { ModelCardViewState, ModelCardWebviewMessage } from '../protocol';
import { modelCardFixture } from '../testing/fixtures';
import { explanationsFixture } from '../testing/explanationsFixture';
import { recordingHost } from '../testing/recorder';
import { ModelCardView } from './modelCardView';

function setup() {
  document.body.innerHTML = '<div id="root"></div>';
  const root = document.getElementById('root')!;
  const host = recordingHost<ModelCardWebviewMessage, ModelCardViewState>();
  const view = new ModelCardView(root, host, { kind: 'modelCard', name: 'TitanicSurvivalInitial' });
  view.handle({ type: 'modelCard', data: modelCardFixture() });
  return { root, host, view };
}

describe('ModelCardView', () => {
  it('shows version, tags, metrics (primary first), input schema, importances and lineage', () => {
    const { root, host } = setup();
    expect(root.querySelector('h1')!.textContent).toContain('TitanicSurvivalInitial');
    expect(root.querySelector('.model-version')!.textContent).toBe('version 2');
    expect(root.querySelector('.tags')!.textContent).toContain('task: classification');
    const metrics = [...root.querySelectorAll('.metrics tr')].map((tr) => tr.firstChild!.textContent);
    expect(metrics[0]).toContain('AUC_weighted');
    expect(root.querySelectorAll('.input-schema tbody tr')).toHaveLength(4);
    expect(root.querySelector('.input-schema')!.textContent).toContain('ID-like');
    expect(root.querySelectorAll('.importances .bar-fill')).toHaveLength(3);
    expect(root.querySelector('.lineage')!.textContent).toContain('titanic_ds:1');
    expect(host.state).toEqual({ kind: 'modelCard', name: 'TitanicSurvivalInitial', version: 2 });
  });

  it('posts the actions: predict, open run, open dataset, other version', () => {
    const { root, host, view } = setup();
    root.querySelector<HTMLElement>('.predict-button')!.click();
    expect(host.sent).toContainEqual({ type: 'predictOnFile' });
    expect(root.textContent).toContain('Predicting…');
    view.handle({ type: 'predictResult', out: 'test.predictions.csv', rows: 418 });
    expect(root.querySelector('.predict-result')!.textContent).toContain('418 predictions');
    root.querySelector<HTMLElement>('.run-link')!.click();
    expect(host.sent).toContainEqual({ type: 'openRunDetails', runId: 'run-0001-abcdef' });
    [...root.querySelectorAll<HTMLElement>('.lineage a')].find((a) => a.textContent === 'titanic_ds:1')!.click();
    expect(host.sent).toContainEqual({ type: 'openDataset', name: 'titanic_ds', version: 1 });
    [...root.querySelectorAll<HTMLElement>('.versions a')].find((a) => a.textContent === '1')!.click();
    expect(host.sent).toContainEqual({ type: 'showVersion', version: 1 });
  });

  it('shows the serve command and a curl example with the model\'s columns, and posts serve and copy', () => {
    const { root, host } = setup();
    expect(root.querySelector('.serve-command')!.textContent).toBe('weir model serve TitanicSurvivalInitial:2 --port 5000');
    const curl = root.querySelector('.curl-example')!.textContent!;
    expect(curl).toContain('"columns":["Pclass","Sex","Age","Name"]');
    root.querySelector<HTMLElement>('.serve-button')!.click();
    expect(host.sent).toContainEqual({ type: 'serveModel' });
    root.querySelector<HTMLElement>('.copy-curl')!.click();
    expect(host.sent).toContainEqual({ type: 'copyText', text: curl });
  });

  it('lists the aliases and their history', () => {
    const { root, host } = setup();
    const rows = [...root.querySelectorAll('.aliases tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent));
    expect(rows.map((r) => r.slice(0, 2))).toEqual([['@champion', '2'], ['@previous', '1']]);
    expect(rows[0]![3]).toBe('ada');
    const history = [...root.querySelectorAll('.alias-history tbody tr')].map((tr) => tr.children[1]!.textContent);
    expect(history).toEqual(['set to 1', 'moved 1 → 2', 'set to 1']);
    // The version shown (2) carries its alias beside its number; a short history is open.
    expect([...root.querySelectorAll('h1 .model-alias')].map((e) => e.textContent)).toEqual(['@champion']);
    expect(root.querySelector<HTMLDetailsElement>('.alias-history')!.open).toBe(true);
    [...root.querySelectorAll<HTMLElement>('.aliases a')].find((a) => a.textContent === '1')!.click();
    expect(host.sent).toContainEqual({ type: 'showVersion', version: 1 });
  });

  it('shows rows picked in a data preview first in the waterfall of the version that explained them', () => {
    const { root, host, view } = setup();
    const v = explanationsFixture();
    view.handle({ type: 'modelCard', data: { ...modelCardFixture(), explanations: v } });
    const sample = v.sample;
    const picked = { model: { name: 'TitanicSurvivalInitial', version: 2 }, source: 'titanic_ds:1', rows: [9], outputs: v.outputs, base: v.base, sample: { raw: { ...sample.raw, shap: sample.raw.shap.slice(1, 2), values: sample.raw.values.slice(1, 2) }, engineered: { ...sample.engineered, shap: sample.engineered.shap.slice(1, 2), values: sample.engineered.values.slice(1, 2) } } };
    view.handle({ type: 'explainedRows', rows: picked });
    const options = [...root.querySelectorAll<HTMLOptionElement>('.model-explanations .explain-row option')];
    expect(options).toHaveLength(5);
    expect(options[0]!.textContent).toBe('picked: titanic_ds:1 row 10: Sex=male, Age=22, Pclass=3');
    expect(options[0]!.selected).toBe(true);
    expect(host.state?.explanations?.row).toBe(0);
    // Rows explained by another version are not offered with this one's explanations.
    view.handle({ type: 'explainedRows', rows: { ...picked, model: { name: 'TitanicSurvivalInitial', version: 1 } } });
    expect(root.querySelectorAll('.model-explanations .explain-row option')).toHaveLength(4);
  });
});
