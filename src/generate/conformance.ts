import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { INPUT_NAME } from '../model/inputs.ts';

// The rules a component template must keep, checked on the rendered YAML (the bytes GitLab reads),
// not on our definitions: the generator refuses to write a template that breaks one, and the tests
// run the same checks over every file in templates/.

export interface Problem {
  readonly file: string;
  readonly input?: string;
  readonly job?: string;
  readonly message: string;
}

export const GITLAB_DEFAULT_STAGES = ['.pre', 'build', 'test', 'deploy', '.post'] as const;
const GLOBAL_KEYWORDS = [
  'default',
  'workflow',
  'stages',
  'variables',
  'include',
  'image',
  'services',
  'cache',
];
const GLOBAL_SCRIPT_KEYWORDS = ['before_script', 'after_script'];
const SCRIPT_KEYWORDS = ['script', 'before_script', 'after_script'] as const;
const BLOCK = /\$\[\[\s*(.*?)\s*\]\]/g;
const INPUT_BLOCK = /^inputs\.([A-Za-z0-9_-]+)$/;
const WHOLE_INPUT = /^\$\[\[\s*inputs\.([a-z0-9_]+)\s*\]\]$/;
const COMPONENT_BLOCK = /^component\.(name|sha|version|reference)$/;

interface HeaderInput {
  type?: string;
  default?: unknown;
  description?: string;
  options?: unknown[];
  regex?: string;
}

const require = createRequire(import.meta.url);
let validators: { ci: ValidateFunction; spec: ValidateFunction } | undefined;

function schemas() {
  if (validators === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    validators = {
      ci: ajv.compile(require('../vendor/gitlab/ci.json')),
      spec: ajv.compile(require('../vendor/gitlab/catalog-component-spec.json')),
    };
  }
  return validators;
}

const formatErrors = (errors: ErrorObject[] | null | undefined): string =>
  (errors ?? [])
    .slice(0, 8)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`)
    .join('; ');

/** A value of the input's type for the interpolated copy: its default, else an example or option. */
function sampleValue(input: HeaderInput, example: string | undefined): unknown {
  if (input.default !== undefined) return input.default;
  if (input.options !== undefined && input.options.length > 0) return input.options[0];
  if (example !== undefined) return example;
  switch (input.type ?? 'string') {
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return ['sample'];
    default:
      return 'sample';
  }
}

/** GitLab's interpolation: a whole-value block keeps the input's type; inside a string, text (arrays as JSON). */
export function interpolate(node: unknown, values: Readonly<Record<string, unknown>>): unknown {
  if (typeof node === 'string') {
    const whole = /^\$\[\[\s*(.*?)\s*\]\]$/.exec(node);
    if (whole?.[1] !== undefined && !node.slice(3).includes('$[[')) return accessValue(whole[1], values);
    return node.replace(BLOCK, (_, access: string) => {
      const value = accessValue(access, values);
      return typeof value === 'string' ? value : JSON.stringify(value);
    });
  }
  if (Array.isArray(node)) return node.map((item) => interpolate(item, values));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [
        interpolate(key, values) as string,
        interpolate(value, values),
      ]),
    );
  }
  return node;
}

function accessValue(access: string, values: Readonly<Record<string, unknown>>): unknown {
  const input = INPUT_BLOCK.exec(access);
  if (input?.[1] !== undefined) return values[input[1]];
  if (COMPONENT_BLOCK.test(access)) return access === 'component.version' ? '1.0.0' : 'sample';
  return undefined;
}

/** Every `$[[ … ]]` access in a YAML tree, keys included, with the path where it stands. */
function* blocks(node: unknown, path: readonly string[] = []): Generator<{ access: string; path: string[] }> {
  if (typeof node === 'string') {
    for (const match of node.matchAll(BLOCK)) yield { access: match[1] ?? '', path: [...path] };
  } else if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* blocks(item, [...path, String(i)]);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      yield* blocks(key, [...path, key]);
      yield* blocks(value, [...path, key]);
    }
  }
}

function checkInputDeclarations(file: string, inputs: Record<string, HeaderInput>): Problem[] {
  const problems: Problem[] = [];
  for (const [name, input] of Object.entries(inputs)) {
    const at = { file, input: name };
    if (!INPUT_NAME.test(name)) problems.push({ ...at, message: `input name "${name}" is not snake_case` });
    if (!input.description) problems.push({ ...at, message: 'input has no description' });
    else if (input.description.length > 1024)
      problems.push({ ...at, message: 'description is over 1024 characters' });
    if (input.options !== undefined && input.options.length > 50) {
      problems.push({ ...at, message: `${input.options.length} options; GitLab allows at most 50` });
    }
    if (input.regex !== undefined && (input.type ?? 'string') !== 'string') {
      problems.push({ ...at, message: 'regex is only allowed on string inputs' });
    }
    if (input.default === undefined) continue;
    const type = input.type ?? 'string';
    const actual = Array.isArray(input.default) ? 'array' : typeof input.default;
    if (actual !== type)
      problems.push({ ...at, message: `default ${JSON.stringify(input.default)} is not a ${type}` });
    if (input.options !== undefined && !input.options.includes(input.default)) {
      problems.push({
        ...at,
        message: `default ${JSON.stringify(input.default)} is not one of the options ${JSON.stringify(input.options)}`,
      });
    }
    if (input.regex !== undefined && typeof input.default === 'string') {
      let regex: RegExp | undefined;
      try {
        regex = new RegExp(input.regex, 'u');
      } catch (error) {
        problems.push({
          ...at,
          message: `regex /${input.regex}/ does not compile: ${(error as Error).message}`,
        });
      }
      if (regex !== undefined && !regex.test(input.default)) {
        problems.push({
          ...at,
          message: `default ${JSON.stringify(input.default)} does not match /${input.regex}/`,
        });
      }
    }
  }
  return problems;
}

function checkJobs(
  file: string,
  jobs: Record<string, unknown>,
  inputs: Record<string, HeaderInput>,
): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(jobs)) {
    if (GLOBAL_KEYWORDS.includes(key) || GLOBAL_SCRIPT_KEYWORDS.includes(key)) {
      problems.push({
        file,
        job: key,
        message: `global keyword "${key}" in a component; consumers own their globals`,
      });
    }
  }
  for (const [name, job] of Object.entries(jobs)) {
    if (GLOBAL_KEYWORDS.includes(name) || GLOBAL_SCRIPT_KEYWORDS.includes(name)) continue;
    const body = (job ?? {}) as Record<string, unknown>;
    const at = { file, job: name };
    if (![...blocks(name)].some(({ access }) => INPUT_BLOCK.test(access))) {
      problems.push({ ...at, message: 'job name is not set by an input (consumers cannot rename it)' });
    }
    const stageInput = WHOLE_INPUT.exec(typeof body.stage === 'string' ? body.stage : '')?.[1];
    // A template written hidden (`.name`, not made hidden by an input) is only ever extended: the job
    // that extends it has the stage.
    const extendedOnly = name.startsWith('.') && body.stage === undefined;
    if (extendedOnly) {
      // No stage of its own: the job that extends it has one, and is checked.
    } else if (stageInput === undefined) {
      problems.push({ ...at, message: 'stage is not set by an input (consumers cannot restage it)' });
    } else {
      const stageDefault = inputs[stageInput]?.default;
      if (!(GITLAB_DEFAULT_STAGES as readonly unknown[]).includes(stageDefault)) {
        problems.push({
          ...at,
          input: stageInput,
          message: `default stage ${JSON.stringify(stageDefault)} is not one of GitLab's defaults (${GITLAB_DEFAULT_STAGES.join(', ')}), so consumers would need a stages: block`,
        });
      }
    }
    const nameDefault = String(interpolate(name, defaultsOf(inputs)));
    if (!nameDefault.startsWith('.') && !Array.isArray(body.needs) && !isArrayInput(body.needs, inputs)) {
      problems.push({ ...at, message: 'visible job declares no needs: (every job must be part of the DAG)' });
    }
    for (const keyword of SCRIPT_KEYWORDS) {
      for (const { access } of blocks(body[keyword])) {
        problems.push({
          ...at,
          input: access.replace(/^inputs\./, ''),
          message: `$[[ ${access} ]] is interpolated into ${keyword} text (shell injection); pass it through variables:`,
        });
      }
    }
  }
  return problems;
}

/** `needs: $[[ inputs.x ]]` where x is an array input: the consumer names the jobs, still a DAG. */
function isArrayInput(value: unknown, inputs: Record<string, HeaderInput>): boolean {
  const name = WHOLE_INPUT.exec(typeof value === 'string' ? value : '')?.[1];
  return name !== undefined && inputs[name]?.type === 'array';
}

const defaultsOf = (inputs: Record<string, HeaderInput>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.default]));

/**
 * All conformance checks for one template, given its two YAML documents.
 * `examples` supplies sample values for required inputs whose regex a generic sample would not meet.
 */
export function checkTemplate(
  file: string,
  header: unknown,
  jobsDocument: unknown,
  examples: Readonly<Record<string, string>> = {},
): Problem[] {
  const { ci, spec } = schemas();
  const problems: Problem[] = [];
  const headerObject = (header ?? {}) as { spec?: { inputs?: Record<string, HeaderInput> } };
  if (headerObject.spec === undefined || Object.keys(headerObject).length !== 1) {
    return [{ file, message: 'the first document must hold only `spec:`' }];
  }
  if (!spec(headerObject.spec)) {
    problems.push({
      file,
      message: `spec: does not pass GitLab's catalog spec schema: ${formatErrors(spec.errors)}`,
    });
  }
  const inputs = headerObject.spec.inputs ?? {};
  problems.push(...checkInputDeclarations(file, inputs));

  const jobs = (jobsDocument ?? {}) as Record<string, unknown>;
  const used = new Set<string>();
  for (const { access, path } of blocks(jobs)) {
    const input = INPUT_BLOCK.exec(access);
    if (input?.[1] !== undefined) {
      used.add(input[1]);
      if (!(input[1] in inputs)) {
        problems.push({
          file,
          input: input[1],
          message: `$[[ ${access} ]] at ${path.join('.')} is not a declared input`,
        });
      }
    } else if (!COMPONENT_BLOCK.test(access)) {
      problems.push({
        file,
        message: `$[[ ${access} ]] at ${path.join('.')} is neither an input nor component data`,
      });
    }
  }
  for (const name of Object.keys(inputs)) {
    if (!used.has(name)) problems.push({ file, input: name, message: 'declared input is never used' });
  }
  problems.push(...checkJobs(file, jobs, inputs));

  const samples = Object.fromEntries(
    Object.entries(inputs).map(([name, input]) => [name, sampleValue(input, examples[name])]),
  );
  const interpolated = resolveExtends(interpolate(jobs, samples) as Record<string, unknown>);
  if (!ci(interpolated)) {
    problems.push({
      file,
      message: `jobs, with each input at its default or a sample, do not pass GitLab's CI schema: ${formatErrors(ci.errors)}`,
    });
  }
  return problems;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const previous = merged[key];
    merged[key] = isObject(previous) && isObject(value) ? deepMerge(previous, value) : value;
  }
  return merged;
}

/**
 * Jobs as GitLab validates them: each `extends:` of a job of the same document is merged in (hashes
 * deeply, anything else replaced, the job's own keys last), so a job may take keys such as its
 * environment's name from the template it extends.
 */
export function resolveExtends(jobs: Record<string, unknown>): Record<string, unknown> {
  const resolve = (name: string, seen: readonly string[]): unknown => {
    const job = jobs[name];
    if (!isObject(job) || job.extends === undefined) return job;
    const parents = Array.isArray(job.extends) ? job.extends : [job.extends];
    let merged: Record<string, unknown> = {};
    for (const parent of parents) {
      if (typeof parent !== 'string' || !(parent in jobs) || seen.includes(parent)) return job;
      const resolved = resolve(parent, [...seen, parent]);
      if (isObject(resolved)) merged = deepMerge(merged, resolved);
    }
    const { extends: _, ...own } = job;
    return deepMerge(merged, own);
  };
  return Object.fromEntries(Object.keys(jobs).map((name) => [name, resolve(name, [name])]));
}

export const formatProblem = (p: Problem): string =>
  `${p.file}${p.job !== undefined ? ` job ${JSON.stringify(p.job)}` : ''}${p.input !== undefined ? ` input "${p.input}"` : ''}: ${p.message}`;
