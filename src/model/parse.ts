import { InputError, type InputProblem } from '../runtime/errors.ts';
import type { Component } from './component.ts';
import { ARRAY_ENV_PREFIX, envName, type InputSpec, inputTypeOf, isRuntimeInput } from './inputs.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads a component's runtime inputs from the job's environment with GitLab's own rules (type,
 * options, regex, required) and returns them typed. Every problem is collected before throwing, so a
 * consumer fixes all of them at once; nothing has run yet when this fails.
 */
export function parseInputs(component: Component, env: Env): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const problems: InputProblem[] = [];
  for (const [name, spec] of Object.entries(component.inputs)) {
    if (!isRuntimeInput(spec)) continue;
    const variable = envName(component.name, name);
    const raw = env[variable];
    const result = raw === undefined ? fromDefault(spec) : parseValue(spec, raw);
    if ('problem' in result) problems.push({ input: name, variable, value: raw, expected: result.problem });
    else values[name] = result.value;
  }
  if (problems.length > 0) throw new InputError(component.name, problems);
  return values;
}

type Parsed = { value: unknown } | { problem: string };

function fromDefault(spec: InputSpec): Parsed {
  if (spec.default === undefined) return { problem: 'a value: this input is required' };
  return { value: spec.type === 'array' ? [...spec.default].map(String) : spec.default };
}

export function parseValue(spec: InputSpec, raw: string): Parsed {
  switch (inputTypeOf(spec)) {
    case 'boolean':
      return raw === 'true' || raw === 'false' ? { value: raw === 'true' } : { problem: 'true or false' };
    case 'number': {
      const value = raw.trim() === '' ? Number.NaN : Number(raw);
      if (!Number.isFinite(value)) return { problem: 'a number' };
      return checkOptions((spec as Extract<InputSpec, { type: 'number' }>).options, value);
    }
    case 'array':
      return parseArray(raw);
    case 'string': {
      const string = spec as Extract<InputSpec, { type?: 'string' }>;
      if (string.regex !== undefined && !new RegExp(string.regex, 'u').test(raw)) {
        return { problem: `a value matching /${string.regex}/` };
      }
      return checkOptions(string.options, raw);
    }
  }
}

function checkOptions<T extends string | number>(options: readonly T[] | undefined, value: T): Parsed {
  if (options === undefined || options.includes(value)) return { value };
  return { problem: `one of ${options.map((o) => JSON.stringify(o)).join(', ')}` };
}

// GitLab renders an array input inside a longer string as JSON; the template adds the `json:` prefix.
function parseArray(raw: string): Parsed {
  const text = raw.startsWith(ARRAY_ENV_PREFIX) ? raw.slice(ARRAY_ENV_PREFIX.length) : raw;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'a JSON array such as ["a", "b"]' };
  }
  if (!Array.isArray(value)) return { problem: 'a JSON array such as ["a", "b"]' };
  if (!value.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) {
    return { problem: 'an array of strings' };
  }
  return { value: value.map(String) };
}
