import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../components/catalog.ts';
import { components } from '../../components/index.ts';
import { checkPipeline, includedJobNames, jobNameInputs } from '../../src/check/check.ts';
import type { Component } from '../../src/model/component.ts';

// Two includes of one component are a mistake only when they would define the same jobs: terraform and
// ansible are meant to be included once per environment, each include adding that environment's jobs.

const ROOT = join(import.meta.dirname, '..', '..');
const options = { library: 'oneex/ci-components', components };
const byName = (name: string): Component => {
  const component = components.find((c) => c.name === name);
  if (component === undefined) throw new Error(`no component ${name}`);
  return component;
};
const include = (name: string, inputs: Record<string, string> = {}): string =>
  [
    `  - component: $CI_SERVER_FQDN/oneex/ci-components/${name}@1`,
    ...(Object.keys(inputs).length > 0 ? ['    inputs:'] : []),
    ...Object.entries(inputs).map(([key, value]) => `      ${key}: ${value}`),
  ].join('\n');
const pipeline = (...includes: string[]): string => `include:\n${includes.join('\n')}\n`;
const codes = (text: string): string[] => checkPipeline(text, options).map((d) => d.code);

describe('oneex-ci check: the same component included more than once', () => {
  it('finds the inputs job names are made of from the rendered jobs', () => {
    expect(jobNameInputs(byName('terraform')).sort()).toEqual(['as', 'environment']);
    expect(jobNameInputs(byName('ansible')).sort()).toEqual(['as', 'environment']);
    expect(jobNameInputs(byName('image'))).toEqual(['as']);
    expect(jobNameInputs(byName('semantic-release')).sort()).toEqual(['as', 'next_version_as']);
  });

  it('names an include’s jobs with its inputs after defaults', () => {
    expect(includedJobNames(byName('terraform'), { environment: 'staging' })).toEqual(
      expect.arrayContaining(['terraform:fmt', 'terraform:plan:staging', 'terraform:apply:staging']),
    );
    expect(includedJobNames(byName('ansible'), { environment: 'test', as: 'vms' })).toEqual(
      expect.arrayContaining(['vms:lint', 'vms:check:test', 'vms:apply:test']),
    );
  });

  for (const name of ['terraform', 'ansible']) {
    it(`accepts ${name} once per environment`, () => {
      const text = pipeline(
        include(name, { environment: 'test' }),
        include(name, { environment: 'staging' }),
        include(name, { environment: 'production' }),
      );
      expect(checkPipeline(text, options)).toEqual([]);
    });

    it(`rejects ${name} twice for one environment`, () => {
      const text = pipeline(include(name, { environment: 'test' }), include(name, { environment: 'test' }));
      const found = checkPipeline(text, options).filter((d) => d.code === 'EDUPLICATE');
      expect(found).toHaveLength(1);
      expect(found[0]?.line).toBe(5);
      expect(found[0]?.message).toContain(`${name}:apply:test`);
      expect(found[0]?.fix).toContain('`environment:`');
    });

    it(`accepts ${name} twice for one environment under two job names`, () => {
      const text = pipeline(
        include(name, { environment: 'test' }),
        include(name, { environment: 'test', as: 'second' }),
      );
      expect(codes(text)).toEqual([]);
    });
  }

  it('still rejects a component whose job names do not depend on an environment, included twice', () => {
    const text = pipeline(include('image'), include('image', { context: 'other' }));
    const found = checkPipeline(text, options).filter((d) => d.code === 'EDUPLICATE');
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toContain('"image-build"');
  });

  it('rejects two components given the same job name', () => {
    const text = pipeline(include('image', { as: 'build' }), include('lint', { as: 'build' }));
    const found = checkPipeline(text, options).filter((d) => d.code === 'EDUPLICATE');
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toContain('lint and image are both included with the job name "build"');
  });

  it('warns once about a job of the file named like an environment’s job', () => {
    const text = `${pipeline(include('terraform', { environment: 'test' }), include('terraform', { environment: 'staging' }))}terraform:fmt:\n  script: [echo]\n`;
    expect(codes(text)).toEqual(['EJOBCOLLISION']);
  });

  it('accepts the oneex-infra example, against the catalog the CLI checks with (its presets too)', async () => {
    const text = await readFile(join(ROOT, 'examples', 'oneex-infra', '.gitlab-ci.yml'), 'utf8');
    expect(checkPipeline(text, { ...options, components: catalog })).toEqual([]);
  });
});
