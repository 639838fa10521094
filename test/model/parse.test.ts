import { describe, expect, it } from 'vitest';
import { defineComponent, jobInputs } from '../../src/model/component.ts';
import { envName } from '../../src/model/inputs.ts';
import { parseInputs } from '../../src/model/parse.ts';
import { InputError } from '../../src/runtime/errors.ts';

const sample = defineComponent({
  name: 'sample-tool',
  summary: 'A component for tests.',
  description: 'Exercises every input type.',
  inputs: {
    ...jobInputs({ as: 'sample', stage: 'test' }),
    mode: { default: 'fast', options: ['fast', 'safe'], description: 'Mode.' },
    name: { description: 'Required, lower-case.', regex: '^[a-z]+$' },
    retries: { type: 'number', default: 2, description: 'Retries.' },
    level: { type: 'number', default: 1, options: [1, 2, 3], description: 'Level.' },
    dry_run: { type: 'boolean', default: false, description: 'Dry run.' },
    tags: { type: 'array', default: ['a'], description: 'Tags.' },
  },
  actions: {},
  jobs: () => ({}),
});

const env = (values: Record<string, string>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [envName('sample-tool', k), v]));

function problemsOf(values: Record<string, string>) {
  try {
    parseInputs(sample as never, env(values));
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).problems;
  }
  throw new Error('expected an InputError');
}

describe('parseInputs', () => {
  it('reads each type from its job variable and applies defaults', () => {
    expect(
      parseInputs(
        sample as never,
        env({ name: 'back', retries: '5', dry_run: 'true', tags: 'json:["x","y z"]' }),
      ),
    ).toEqual({
      mode: 'fast',
      name: 'back',
      retries: 5,
      level: 1,
      dry_run: true,
      tags: ['x', 'y z'],
    });
  });

  it('names the job variable after the component and the input', () => {
    expect(envName('argocd-promote', 'image_ref')).toBe('ONEEX_ARGOCD_PROMOTE_IMAGE_REF');
  });

  it('ignores inputs that only shape the template', () => {
    const parsed = parseInputs(sample as never, env({ name: 'x', as: 'whatever', stage: 'deploy' }));
    expect(parsed).not.toHaveProperty('as');
    expect(parsed).not.toHaveProperty('stage');
    expect(parsed).not.toHaveProperty('image');
  });

  it('accepts arrays without the prefix and numbers in arrays as strings', () => {
    expect(parseInputs(sample as never, env({ name: 'x', tags: '[1, true, "a"]' })).tags).toEqual([
      '1',
      'true',
      'a',
    ]);
  });

  it.each([
    [{ name: 'x', mode: 'slow' }, 'mode', 'one of "fast", "safe"'],
    [{ name: 'Back' }, 'name', 'a value matching /^[a-z]+$/'],
    [{ name: 'x', retries: 'two' }, 'retries', 'a number'],
    [{ name: 'x', retries: '' }, 'retries', 'a number'],
    [{ name: 'x', level: '4' }, 'level', 'one of 1, 2, 3'],
    [{ name: 'x', dry_run: 'yes' }, 'dry_run', 'true or false'],
    [{ name: 'x', tags: 'a,b' }, 'tags', 'a JSON array'],
    [{ name: 'x', tags: '{"a":1}' }, 'tags', 'a JSON array'],
    [{ name: 'x', tags: '[["nested"]]' }, 'tags', 'an array of strings'],
  ])('rejects %j naming %s and what was expected', (values, input, expected) => {
    const problems = problemsOf(values);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.input).toBe(input);
    expect(problems[0]?.expected).toContain(expected);
    expect(problems[0]?.value).toBe((values as Record<string, string>)[input]);
  });

  it('reports a missing required input as not set', () => {
    const problems = problemsOf({});
    expect(problems.map((p) => [p.input, p.value])).toEqual([['name', undefined]]);
  });

  it('collects every problem before failing, and the message names input, value and expectation', () => {
    let error: InputError | undefined;
    try {
      parseInputs(sample as never, env({ mode: 'slow', retries: 'x', dry_run: '1' }));
    } catch (caught) {
      error = caught as InputError;
    }
    expect(error?.problems.map((p) => p.input)).toEqual(['mode', 'name', 'retries', 'dry_run']);
    expect(error?.message).toContain('4 inputs of component "sample-tool" are not valid');
    expect(error?.message).toContain('mode: got "slow"; expected one of "fast", "safe"');
    expect(error?.message).toContain('name: not set; expected a value');
    expect(error?.exitCode).toBe(2);
  });
});
