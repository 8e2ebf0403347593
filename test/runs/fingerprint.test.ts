import { describe, expect, test } from 'vitest';
import { stepFingerprint } from '../../engine/src/scheduler/fingerprint';
import type { StepSpec } from '../../engine/src/pipeline/types';
import { WEIR_VERSION } from '../../engine/src/version';
import { getStepKind } from '../../engine/src/steps/registry';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/paths';

const step: StepSpec = {
  name: 'hello',
  kind: 'script',
  config: 'echo hello',
  inputs: {},
  configRefs: [],
  declaredOutputs: {},
  outputs: {},
  allowReuse: true,
  dependsOn: [],
};

const config: unknown = getStepKind('script')!.configSchema.parse('echo hello');

function key(engineVersion?: string): Promise<string> {
  return stepFingerprint({ step, config, inputs: {}, environment: undefined, params: {}, pipelineDir: repoRoot, ...(engineVersion ? { engineVersion } : {}) });
}

describe('the reuse key', () => {
  test("counts Weir's version: an upgraded engine reruns a step instead of reusing the old engine's outputs", async () => {
    expect(await key()).toBe(await key(WEIR_VERSION));
    expect(await key('0.1.0')).toBe(await key('0.1.0'));
    expect(await key('0.1.0')).not.toBe(await key('0.2.0'));
  });

  test("Weir's version is the package's", () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(WEIR_VERSION).toBe(pkg.version);
  });
});
