// Inputs as GitLab's `spec:inputs` knows them, declared once per component. From one declaration come
// the template header, the docs table, the job variables that carry values to the CLI, and the CLI's
// typed parser (src/model/parse.ts).

export type InputType = 'string' | 'number' | 'boolean' | 'array';

interface InputBase {
  /** Shown in the catalog and the docs (GitLab allows 1024 characters). */
  readonly description: string;
  /**
   * Whether the CLI reads this input at run time. `false` for inputs that only shape the template
   * (job name, stage, image, rules): they never reach a job's environment.
   */
  readonly env?: boolean;
  /** For docs only: an example value shown where the default says little. */
  readonly example?: string;
}

export interface StringInput extends InputBase {
  readonly type?: 'string';
  readonly default?: string;
  readonly options?: readonly string[];
  /** RE2 syntax, as GitLab checks it; kept to the subset JavaScript's RegExp reads the same way. */
  readonly regex?: string;
}

export interface NumberInput extends InputBase {
  readonly type: 'number';
  readonly default?: number;
  readonly options?: readonly number[];
}

export interface BooleanInput extends InputBase {
  readonly type: 'boolean';
  readonly default?: boolean;
}

export interface ArrayInput extends InputBase {
  readonly type: 'array';
  readonly default?: readonly unknown[];
}

export type InputSpec = StringInput | NumberInput | BooleanInput | ArrayInput;
export type InputSpecs = Readonly<Record<string, InputSpec>>;

/** The TypeScript type of one parsed input. */
export type InputValue<S extends InputSpec> = S extends NumberInput
  ? S['options'] extends readonly (infer O)[]
    ? O
    : number
  : S extends BooleanInput
    ? boolean
    : S extends ArrayInput
      ? string[]
      : S extends StringInput
        ? S['options'] extends readonly (infer O)[]
          ? O
          : string
        : never;

type RuntimeKeys<I extends InputSpecs> = {
  [K in keyof I]: I[K] extends { readonly env: false } ? never : K;
}[keyof I];

/** What a component's script receives: every input the CLI reads, typed from its declaration. */
export type ParsedInputs<I extends InputSpecs> = { -readonly [K in RuntimeKeys<I>]: InputValue<I[K]> };

export const inputTypeOf = (spec: InputSpec): InputType => spec.type ?? 'string';
export const isRuntimeInput = (spec: InputSpec): boolean => spec.env !== false;

/** GitLab's own components name inputs in snake_case; so do we. */
export const INPUT_NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/**
 * The job variable that carries an input to the CLI: `ONEEX_<COMPONENT>_<INPUT>`. The component
 * is part of the name so that a job extending two templates gets no collisions.
 */
export function envName(component: string, input: string): string {
  return `ONEEX_${component}_${input}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** `$[[ inputs.x ]]`: the interpolation block GitLab replaces when the component is included. */
export const interpolation = (input: string): string => `$[[ inputs.${input} ]]`;

/**
 * GitLab has no array-typed variables, and an input that is a whole YAML value keeps its type. So an
 * array travels inside a longer string, which GitLab renders as JSON: `json:["a","b"]`.
 */
export const ARRAY_ENV_PREFIX = 'json:';
