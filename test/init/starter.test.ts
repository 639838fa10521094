import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkPipeline } from '../../src/check/check.ts';
import { majorOf, renderStarter } from '../../src/init/starter.ts';
import { type Component, defineComponent, jobInputs } from '../../src/model/component.ts';

// The starter from a preset's definition: its usage inputs as comments, its required ones written out.
const preset = defineComponent({
  name: 'node-service',
  summary: 'A whole pipeline.',
  description: 'For tests.',
  inputs: {
    ...jobInputs({ as: 'svc', stage: 'build' }),
    app: { description: 'Argo CD application. More words.', default: '$CI_PROJECT_NAME' },
    gitops_path: { description: 'Path in the GitOps repository.' },
  },
  actions: {},
  jobs: () => ({}),
  usage: { app: 'back', gitops_path: 'apps/back' },
}) as unknown as Component;

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
      preset: 'node-service',
      reason: 'Chosen by test.',
      library: 'oneex/ci-components',
      version: '1.2.0',
      component: preset,
    });
    expect(text).toContain('#     app: back  # Argo CD application.\n');
    expect(parse(text)).toEqual({
      include: [
        {
          component: '$CI_SERVER_FQDN/oneex/ci-components/node-service@1',
          inputs: { gitops_path: 'apps/back' },
        },
      ],
    });
    expect(yamlLines(text).length).toBeLessThanOrEqual(6);
    expect(checkPipeline(text, { library: 'oneex/ci-components', components: [preset] })).toEqual([]);
  });
});
