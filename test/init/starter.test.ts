import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { presets } from '../../components/catalog.ts';
import { checkPipeline } from '../../src/check/check.ts';
import { PRESETS } from '../../src/init/detect.ts';
import { majorOf, renderStarter } from '../../src/init/starter.ts';
import { type Component, defineComponent, jobInputs } from '../../src/model/component.ts';
import { definePreset } from '../../src/model/preset.ts';

// The starter from a preset's definition: its usage inputs as comments, its required ones written out,
// the group variables it reads listed.
const part = defineComponent({
  name: 'svc',
  summary: 'A whole pipeline.',
  description: 'For tests.',
  inputs: {
    ...jobInputs({ as: 'svc', stage: 'build' }),
    app: { description: 'Argo CD application. More words.', default: '$CI_PROJECT_NAME' },
    gitops_path: { description: 'Path in the GitOps repository.' },
  },
  actions: {},
  jobs: () => ({}),
}) as unknown as Component;
const preset = definePreset({
  name: 'node-service',
  summary: 'A whole pipeline.',
  description: 'For tests.',
  shared: {},
  variables: [{ name: 'GITOPS_TOKEN', what: 'pushes to the GitOps repository' }],
  parts: [{ component: part, prefix: 'svc' }],
  usage: { svc_app: 'back', svc_gitops_path: 'apps/back' },
});

const yamlLines = (text: string) =>
  text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));

describe('init starter', () => {
  it('pins the major version; a development build pins 1', () => {
    expect([
      majorOf('2.3.4'),
      majorOf('0.4.0'),
      majorOf('0.0.0-development'),
      majorOf('10.0.0-rc.1'),
    ]).toEqual(['2', '0', '1', '10']);
  });

  it('suggests the usual inputs as comments and writes the required ones, passing check', () => {
    const text = renderStarter({
      preset,
      reason: 'Chosen by test.',
      library: 'oneex/ci-components',
      version: '1.2.0',
    });
    expect(text).toContain('#     svc_app: back  # Argo CD application.\n');
    expect(text).toMatch(/^#\s+GITOPS_TOKEN\s+pushes to the GitOps repository$/m);
    expect(parse(text)).toEqual({
      include: [
        {
          component: '$CI_SERVER_FQDN/oneex/ci-components/node-service@1',
          inputs: { svc_gitops_path: 'apps/back' },
        },
      ],
    });
    expect(yamlLines(text).length).toBeLessThanOrEqual(6);
    expect(checkPipeline(text, { library: 'oneex/ci-components', components: [preset] })).toEqual([]);
  });
});

describe('init presets', () => {
  it('are the presets of the catalog', () => {
    expect([...PRESETS].sort()).toEqual(presets.map((p) => p.name).sort());
  });
});
