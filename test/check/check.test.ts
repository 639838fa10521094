import { describe, expect, it } from 'vitest';
import { components } from '../../components/index.ts';
import { checkPipeline, type Diagnostic } from '../../src/check/check.ts';
import type { Component } from '../../src/model/component.ts';
import { defineComponent, jobInputs } from '../../src/model/component.ts';

// A catalog of one component with every kind of input, so each mistake has its case.
const deploy = defineComponent({
  name: 'deploy-app',
  summary: 'Deploys.',
  description: 'For tests.',
  inputs: {
    ...jobInputs({ as: 'deploy', stage: 'deploy' }),
    environment: { options: ['test', 'staging', 'production'], description: 'Where to deploy.' },
    app: { regex: '^[a-z][a-z0-9-]*$', description: 'Application name.' },
    token_path: { description: 'Vault path of the token.' },
    replicas: { type: 'number', default: 1, options: [1, 2, 3], description: 'Replicas.' },
    dry_run: { type: 'boolean', default: false, description: 'Dry run.' },
    hosts: { type: 'array', default: [], description: 'Hosts.' },
  },
  actions: {},
  jobs: () => ({}),
}) as unknown as Component;

const options = { library: 'oneex/ci-components', components: [deploy] };
const ref = (version = '1', name = 'deploy-app') => `$CI_SERVER_FQDN/oneex/ci-components/${name}@${version}`;
const good = 'environment: test\n      app: back\n      token_path: kv/data/argocd#token';
const pipeline = (inputs = good, version = '1') =>
  `include:\n  - component: ${ref(version)}\n    inputs:\n      ${inputs}\n`;
const codes = (text: string): string[] => checkPipeline(text, options).map((d) => d.code);
const only = (text: string): Diagnostic => {
  const found = checkPipeline(text, options);
  expect(found, JSON.stringify(found, null, 2)).toHaveLength(1);
  return found[0] as Diagnostic;
};

describe('oneex-ci check', () => {
  it('accepts a correct pipeline', () => {
    expect(checkPipeline(pipeline(), options)).toEqual([]);
  });

  it('accepts inputs given as variables, which GitLab expands at run time', () => {
    expect(
      codes(pipeline('environment: test\n      app: $CI_PROJECT_NAME\n      token_path: kv/data/x#t')),
    ).toEqual([]);
  });

  // One case per kind of mistake: [what, pipeline, code, severity, words the message must hold].
  const mistakes: [string, string, string, 'error' | 'warning', string][] = [
    ['YAML syntax', 'include:\n  - component: [unclosed\n', 'EYAML', 'error', 'not valid YAML'],
    ['duplicate YAML keys', 'include: []\ninclude: []\n', 'EYAML', 'error', 'not valid YAML'],
    ['a file that is not a mapping', '- just\n- a list\n', 'ETOPLEVEL', 'error', 'not a mapping'],
    [
      'interpolation outside a component',
      `${pipeline()}job:\n  script: echo $[[ inputs.x ]]\n`,
      'EINTERPOLATION',
      'error',
      'only allowed',
    ],
    ['an include entry that is a list', 'include:\n  - [a, b]\n', 'EINCLUDE', 'error', 'must be a mapping'],
    [
      'inputs without a component',
      'include:\n  - inputs:\n      a: 1\n',
      'EINCLUDE',
      'error',
      'no `component:`',
    ],
    [
      'a component reference that is not a string',
      'include:\n  - component: [x]\n',
      'ECOMPONENT',
      'error',
      'must be a string',
    ],
    [
      'a malformed component reference',
      'include:\n  - component: deploy-app@1\n',
      'ECOMPONENT',
      'error',
      'is not a component reference',
    ],
    [
      'a misspelt library project',
      pipeline().replace('ci-components', 'ci-component'),
      'EPROJECT',
      'error',
      'did you mean "oneex/ci-components"',
    ],
    [
      'a written-out host',
      pipeline().replace('$CI_SERVER_FQDN', 'gitlab.oneex.fr'),
      'EHOST',
      'warning',
      '$CI_SERVER_FQDN',
    ],
    [
      'an unknown component',
      pipeline().replace('deploy-app', 'deploy-ap'),
      'EUNKNOWNCOMPONENT',
      'error',
      'did you mean "deploy-app"',
    ],
    ['no version', pipeline().replace('@1', ''), 'ENOVERSION', 'error', 'no `@<version>`'],
    ['~latest', pipeline(good, '~latest'), 'ELATEST', 'warning', 'breaking changes'],
    ['a SHA pin', pipeline(good, 'a'.repeat(40)), 'ESHA', 'warning', 'no release image'],
    ['a v-prefixed version', pipeline(good, 'v1.2'), 'EVERSION', 'error', 'no "v" prefix'],
    ['a branch pin', pipeline(good, 'main'), 'EBRANCH', 'warning', 'looks like a branch'],
    [
      'inputs that are not a mapping',
      `include:\n  - component: ${ref()}\n    inputs: [a]\n`,
      'EINPUTS',
      'error',
      'must be a mapping',
    ],
    [
      'an unknown input',
      pipeline(`${good}\n      replica: 2`),
      'EUNKNOWNINPUT',
      'error',
      'did you mean "replicas"',
    ],
    [
      'a missing required input',
      pipeline('environment: test\n      app: back'),
      'EREQUIRED',
      'error',
      'needs input "token_path"',
    ],
    ['a quoted number', pipeline(`${good}\n      replicas: "2"`), 'ETYPE', 'error', 'must be a number'],
    [
      'a quoted boolean',
      pipeline(`${good}\n      dry_run: "true"`),
      'ETYPE',
      'error',
      'Write true without quotes',
    ],
    ['a string for an array', pipeline(`${good}\n      hosts: a,b`), 'ETYPE', 'error', 'must be a array'],
    [
      'a value outside the options',
      pipeline(good.replace('test', 'prod')),
      'EOPTION',
      'error',
      'not one of "test", "staging", "production"',
    ],
    [
      'a number outside the options',
      pipeline(`${good}\n      replicas: 5`),
      'EOPTION',
      'error',
      'not one of 1, 2, 3',
    ],
    [
      'a value not matching the regex',
      pipeline(good.replace('app: back', 'app: Back_End')),
      'EREGEX',
      'error',
      'does not match',
    ],
    [
      'an empty required input',
      pipeline(good.replace('kv/data/argocd#token', '""')),
      'EEMPTY',
      'error',
      'is required and is empty',
    ],
    [
      'the same component twice under one job name',
      `include:\n  - component: ${ref()}\n    inputs:\n      ${good}\n  - component: ${ref()}\n    inputs:\n      ${good.replace('test', 'staging')}\n`,
      'EDUPLICATE',
      'error',
      'silently merges',
    ],
    [
      'a job named like a component job',
      `${pipeline()}deploy:\n  script: [echo]\n`,
      'EJOBCOLLISION',
      'warning',
      'GitLab merges them',
    ],
    [
      'a stage missing from stages:',
      `stages: [build, test]\n${pipeline()}`,
      'ESTAGE',
      'error',
      'which stages: does not list',
    ],
    [
      'a custom stage without stages:',
      pipeline(`${good}\n      stage: release`),
      'ESTAGE',
      'error',
      'no stages:',
    ],
  ];

  it.each(mistakes)('reports %s', (_, text, code, severity, words) => {
    const found = checkPipeline(text, options).filter((d) => d.code === code);
    expect(found.length, JSON.stringify(checkPipeline(text, options), null, 2)).toBeGreaterThan(0);
    expect(found[0]?.severity).toBe(severity);
    expect(`${found[0]?.message} ${found[0]?.fix}`).toContain(words);
    expect(found[0]?.fix.length).toBeGreaterThan(10);
  });

  it(`covers at least 20 distinct kinds of mistakes`, () => {
    expect(new Set(mistakes.map((m) => m.slice(2, 3).join())).size).toBeGreaterThanOrEqual(20);
  });

  it('names the line and column of the mistake', () => {
    const d = only(pipeline(`${good}\n      replica: 2`));
    expect([d.line, d.column]).toEqual([7, 7]);
  });

  it('ignores includes of other projects and local files', () => {
    expect(
      codes(
        'include:\n  - local: ci/extra.yml\n  - project: oneex/other\n    file: x.yml\n  - component: $CI_SERVER_FQDN/acme/tools/x@1\n  - ci/plain.yml\n',
      ),
    ).toEqual([]);
  });

  it('accepts the real catalog’s components with their defaults', () => {
    for (const component of components) {
      const required = Object.entries(component.inputs).filter(([, spec]) => spec.default === undefined);
      if (required.length > 0) continue;
      const text = `include:\n  - component: $CI_SERVER_FQDN/oneex/ci-components/${component.name}@1\n`;
      expect(checkPipeline(text, { library: 'oneex/ci-components', components }), component.name).toEqual([]);
    }
  });
});
