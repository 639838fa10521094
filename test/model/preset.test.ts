import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presets } from '../../components/catalog.ts';
import commitlint from '../../components/commitlint/component.ts';
import lint from '../../components/lint/component.ts';
import { parseTemplate } from '../../src/generate/files.ts';
import { renderJobs, renderPresetJobs } from '../../src/generate/template.ts';
import type { Component } from '../../src/model/component.ts';
import { interpolation } from '../../src/model/inputs.ts';
import { definePreset } from '../../src/model/preset.ts';

// A preset is its parts' own jobs with the parts' inputs renamed: nothing of a part may be lost or
// changed on the way, and every input of every part must stay settable.

const ROOT = join(import.meta.dirname, '..', '..');
const asComponent = (c: unknown) => c as Component;

describe.each(presets.map((p) => [p.name, p] as const))('preset %s', (_name, preset) => {
  it('binds every input of every part to an input of its own', () => {
    for (const include of preset.includes) {
      for (const input of Object.keys(include.component.inputs)) {
        const block = include.bindings[input];
        const name = /^\$\[\[ inputs\.([a-z0-9_]+) \]\]$/.exec(block ?? '')?.[1];
        expect(name, `${include.component.name}.${input}`).toBeDefined();
        expect(preset.inputs[name as string], `${include.component.name}.${input} -> ${name}`).toBeDefined();
        expect(preset.targets[name as string]).toContainEqual({
          component: include.component.name,
          input,
          ...(include.instance ? { instance: include.instance } : {}),
        });
      }
    }
  });

  it("renders each part's jobs exactly as the part renders them with those bindings", async () => {
    const { jobs } = parseTemplate(await readFile(join(ROOT, 'templates', `${preset.name}.yml`), 'utf8'));
    const rendered = jobs as Record<string, unknown>;
    const last = new Map<string, unknown>();
    for (const include of preset.includes)
      for (const [name, job] of Object.entries(renderJobs(include.component, include.bindings)))
        last.set(name, job);
    expect(Object.keys(rendered).sort()).toEqual([...last.keys()].sort());
    for (const [name, job] of last) expect(rendered[name], name).toEqual(JSON.parse(JSON.stringify(job)));
  });

  it('keeps each part job calling its own component, with its own job variables', () => {
    const jobs = renderPresetJobs(preset) as Record<
      string,
      { script?: string[]; variables?: Record<string, string> }
    >;
    for (const include of preset.includes) {
      for (const name of Object.keys(renderJobs(include.component, include.bindings))) {
        const job = jobs[name];
        if (job?.script === undefined) continue;
        expect(job.script[0], name).toMatch(new RegExp(`^oneex-ci ${include.component.name} `));
        const prefix = `ONEEX_${include.component.name.toUpperCase().replace(/-/g, '_')}_`;
        const own = Object.keys(job.variables ?? {}).filter(
          (v) => v.startsWith('ONEEX_') && v !== 'ONEEX_CI_IMAGE',
        );
        expect(
          own.every((v) => v.startsWith(prefix)),
          `${name}: ${own.join(', ')}`,
        ).toBe(true);
      }
    }
  });
});

describe('definePreset', () => {
  const parts = [{ component: asComponent(commitlint), prefix: 'commitlint' }];

  it('prefixes a part’s inputs, shares the shared ones, and gives instances their own', () => {
    const preset = definePreset({
      name: 'demo',
      summary: 's',
      description: 'd',
      variables: [],
      shared: { image: 'my/image:1' },
      parts: [
        {
          component: asComponent(lint),
          prefix: 'lint',
          defaults: { fail_on: 'minor' },
          descriptions: { fail_on: 'Fails on minor findings here.' },
        },
        {
          component: asComponent(commitlint),
          prefix: 'commits',
          instances: { a: { max_commits: 10 }, b: { max_commits: 20 } },
        },
      ],
    });
    expect(preset.inputs.image?.default).toBe('my/image:1');
    expect(preset.inputs.lint_fail_on?.default).toBe('minor');
    expect(preset.inputs.lint_fail_on?.description).toBe('Fails on minor findings here.');
    expect(preset.inputs.lint_warn_on?.description).toBe(lint.inputs.warn_on.description);
    expect(preset.inputs.commits_a_max_commits?.default).toBe(10);
    expect(preset.inputs.commits_b_max_commits?.default).toBe(20);
    expect(preset.inputs.commits_config_file).toBeDefined();
    expect(preset.includes.map((i) => i.instance)).toEqual([undefined, 'a', 'b']);
    expect(preset.includes[1]?.bindings.max_commits).toBe(interpolation('commits_a_max_commits'));
    expect(preset.includes[2]?.bindings.config_file).toBe(interpolation('commits_config_file'));
    expect(preset.targets.image).toEqual([
      { component: 'lint', input: 'image' },
      { component: 'commitlint', instance: 'a', input: 'image' },
      { component: 'commitlint', instance: 'b', input: 'image' },
    ]);
  });

  it('gives a part its own copy of a shared input when it sets its own default', () => {
    const preset = definePreset({
      name: 'demo',
      summary: 's',
      description: 'd',
      variables: [],
      shared: { image: undefined },
      parts: [
        { component: asComponent(lint), prefix: 'lint', defaults: { image: 'sdk:8' } },
        { component: asComponent(commitlint), prefix: 'commitlint' },
      ],
    });
    expect(preset.inputs.lint_image?.default).toBe('sdk:8');
    expect(preset.targets.image).toEqual([{ component: 'commitlint', input: 'image' }]);
  });

  it('refuses a default for an input the component lacks, naming both', () => {
    expect(() =>
      definePreset({
        name: 'demo',
        summary: 's',
        description: 'd',
        variables: [],
        shared: {},
        parts: [{ component: asComponent(commitlint), prefix: 'commitlint', defaults: { max_commit: 3 } }],
      }),
    ).toThrow('preset "demo", part "commitlint": component "commitlint" has no input "max_commit"');
  });

  it('refuses a default of the wrong type, naming the input', () => {
    expect(() =>
      definePreset({
        name: 'demo',
        summary: 's',
        description: 'd',
        variables: [],
        shared: {},
        parts: [{ component: asComponent(commitlint), prefix: 'commitlint', defaults: { max_commits: '3' } }],
      }),
    ).toThrow('commitlint_max_commits: default "3" is not of the input\'s type, number');
  });

  it('refuses a shared input no part has', () => {
    expect(() =>
      definePreset({
        name: 'demo',
        summary: 's',
        description: 'd',
        variables: [],
        shared: { nope: 1 },
        parts,
      }),
    ).toThrow('preset "demo": no part has the shared input "nope"');
  });

  it('refuses two parts that define the same job', () => {
    const preset = definePreset({
      name: 'demo',
      summary: 's',
      description: 'd',
      variables: [],
      shared: {},
      parts: [
        { component: asComponent(commitlint), prefix: 'one', defaults: { as: 'same' } },
        { component: asComponent(lint), prefix: 'two', defaults: { as: 'same' } },
      ],
    });
    // Job names come from inputs, so the clash shows when both `as` inputs are bound to one name.
    const clashing = {
      ...preset,
      includes: preset.includes.map((i) => ({ ...i, bindings: { ...i.bindings, as: 'same' } })),
    };
    expect(() => renderPresetJobs(clashing)).toThrow(
      'preset "demo": job "same" is defined by both "commitlint" and "lint"; rename one with its `as` input',
    );
  });
});

describe('the service presets', () => {
  it.each(['node-service', 'python-service', 'dotnet-service'])(
    '%s releases only when someone starts the release',
    (name) => {
      const preset = presets.find((p) => p.name === name);
      const rules = preset?.inputs.release_rules?.default as { when?: string }[];
      expect(rules.length).toBeGreaterThan(0);
      expect(rules.every((rule) => rule.when === 'manual' || rule.when === 'never')).toBe(true);
    },
  );
});
