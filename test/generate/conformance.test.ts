import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../components/catalog.ts';
import { checkTemplate, formatProblem, interpolate } from '../../src/generate/conformance.ts';
import { examplesOf, parseTemplate } from '../../src/generate/files.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const templates = (await readdir(join(ROOT, 'templates'))).filter((f) => f.endsWith('.yml'));

describe('every template in templates/', () => {
  it('exists for every component and preset, and only for them', () => {
    expect(templates.sort()).toEqual(catalog.map((c) => `${c.name}.yml`).sort());
  });

  it.each(templates)('%s keeps every conformance rule', async (file) => {
    const { header, jobs } = parseTemplate(await readFile(join(ROOT, 'templates', file), 'utf8'));
    const component = catalog.find((c) => `${c.name}.yml` === file);
    const problems = checkTemplate(`templates/${file}`, header, jobs, component ? examplesOf(component) : {});
    expect(problems.map(formatProblem)).toEqual([]);
  });
});

// A conforming template, then one mutation per rule: each check must catch its own breach.
const goodHeader = () => ({
  spec: {
    component: ['version'],
    inputs: {
      as: { default: 'demo', description: 'Job name.' },
      stage: { default: 'test', description: 'Stage.' },
      level: { default: 'low', options: ['low', 'high'], description: 'Level.' },
      path: { default: 'a.txt', regex: '^[a-z]+\\.txt$', description: 'Path.' },
      flags: { type: 'array', default: ['x'], description: 'Flags.' },
    },
  },
});
const goodJobs = () => ({
  '$[[ inputs.as ]]': {
    stage: '$[[ inputs.stage ]]',
    image: 'img:$[[ component.version ]]',
    needs: [],
    variables: {
      LEVEL: '$[[ inputs.level ]]',
      PATH_IN: '$[[ inputs.path ]]',
      FLAGS: 'json:$[[ inputs.flags ]]',
    },
    script: ['oneex-ci demo run'],
  },
});

type Mutation = (h: ReturnType<typeof goodHeader>, j: Record<string, Record<string, unknown>>) => void;
const job = (j: Record<string, Record<string, unknown>>) => j['$[[ inputs.as ]]'] as Record<string, unknown>;

const cases: [string, Mutation, RegExp][] = [
  [
    'an undeclared input',
    (_, j) => Object.assign(job(j).variables as object, { X: '$[[ inputs.nope ]]' }),
    /input "nope": .* is not a declared input/,
  ],
  [
    'a declared input never used',
    (h) => Object.assign(h.spec.inputs, { spare: { default: 'x', description: 'Unused.' } }),
    /input "spare": declared input is never used/,
  ],
  [
    'an input in script text',
    (_, j) => (job(j).script = ['echo $[[ inputs.level ]]']),
    /input "level": .* interpolated into script text/,
  ],
  [
    'an input in before_script',
    (_, j) => (job(j).before_script = ['cd $[[ inputs.path ]]']),
    /input "path": .* before_script/,
  ],
  [
    'an input in after_script',
    (_, j) => (job(j).after_script = ['rm $[[ inputs.path ]]']),
    /input "path": .* after_script/,
  ],
  [
    'a default outside its options',
    (h) => (h.spec.inputs.level.default = 'mid'),
    /input "level": default "mid" is not one of the options/,
  ],
  [
    'a default not matching its regex',
    (h) => (h.spec.inputs.path.default = 'A.md'),
    /input "path": default "A.md" does not match/,
  ],
  [
    'a default of the wrong type',
    (h) => (h.spec.inputs.flags.default = 'x' as never),
    /input "flags": default "x" is not a array/,
  ],
  [
    'a regex that does not compile',
    (h) => (h.spec.inputs.path.regex = '(['),
    /input "path": regex .* does not compile/,
  ],
  [
    'an input name not in snake_case',
    (h) => Object.assign(h.spec.inputs, { 'Bad-Name': { default: '', description: 'x' } }),
    /"Bad-Name" is not snake_case/,
  ],
  [
    'an input without description',
    (h) => (h.spec.inputs.level.description = ''),
    /input "level": input has no description/,
  ],
  [
    'a global keyword',
    (_, j) => Object.assign(j, { workflow: { rules: [{ when: 'always' }] } }),
    /global keyword "workflow"/,
  ],
  ['global variables', (_, j) => Object.assign(j, { variables: { A: '1' } }), /global keyword "variables"/],
  [
    'a job name not set by an input',
    (_, j) => Object.assign(j, { fixed: { stage: '$[[ inputs.stage ]]', needs: [], script: ['x'] } }),
    /job "fixed": job name is not set by an input/,
  ],
  ['a stage not set by an input', (_, j) => (job(j).stage = 'test'), /stage is not set by an input/],
  [
    "a default stage that is not GitLab's",
    (h) => (h.spec.inputs.stage.default = 'lint'),
    /default stage "lint" is not one of GitLab's defaults/,
  ],
  ['a visible job without needs', (_, j) => delete job(j).needs, /visible job declares no needs/],
  [
    'needs from an input that is not an array',
    (_, j) => (job(j).needs = '$[[ inputs.level ]]'),
    /visible job declares no needs/,
  ],
  [
    'an unknown interpolation',
    (_, j) => (job(j).image = 'img:$[[ component.colour ]]'),
    /neither an input nor component data/,
  ],
  [
    'a header that fails the catalog spec schema',
    (h) => Object.assign(h.spec, { description: 'not allowed in components' }),
    /catalog spec schema/,
  ],
  ['jobs that fail the CI schema', (_, j) => (job(j).when = 'sometimes'), /do not pass GitLab's CI schema/],
];

describe('conformance checks', () => {
  it('pass the conforming template', () => {
    expect(checkTemplate('t.yml', goodHeader(), goodJobs())).toEqual([]);
  });

  it('accept a hidden job without needs', () => {
    const h = goodHeader();
    h.spec.inputs.as.default = '.demo';
    const j = goodJobs();
    delete (j['$[[ inputs.as ]]'] as Record<string, unknown>).needs;
    expect(checkTemplate('t.yml', h, j)).toEqual([]);
  });

  it('accept needs taken whole from an array input', () => {
    const j = goodJobs();
    (j['$[[ inputs.as ]]'] as Record<string, unknown>).needs = '$[[ inputs.flags ]]';
    expect(checkTemplate('t.yml', goodHeader(), j)).toEqual([]);
  });

  it.each(cases)('catch %s', (_, mutate, expected) => {
    const h = goodHeader();
    const j = goodJobs() as Record<string, Record<string, unknown>>;
    mutate(h, j);
    const problems = checkTemplate('t.yml', h, j).map(formatProblem);
    expect(
      problems.some((p) => expected.test(p)),
      problems.join('\n'),
    ).toBe(true);
  });
});

describe('interpolate', () => {
  const values = { n: 3, flag: true, list: ['a', 'b'], s: 'x' };
  it('keeps the type of a whole-value block, as GitLab does', () => {
    expect(
      interpolate({ a: '$[[ inputs.n ]]', b: '$[[ inputs.flag ]]', c: '$[[ inputs.list ]]' }, values),
    ).toEqual({
      a: 3,
      b: true,
      c: ['a', 'b'],
    });
  });
  it('renders blocks inside a string as text, arrays as JSON', () => {
    expect(interpolate('$[[ inputs.s ]]-$[[ inputs.n ]] json:$[[ inputs.list ]]', values)).toBe(
      'x-3 json:["a","b"]',
    );
  });
  it('interpolates keys too', () => {
    expect(interpolate({ '$[[ inputs.s ]]': 1 }, values)).toEqual({ x: 1 });
  });
});
