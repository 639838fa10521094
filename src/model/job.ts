// A typed model of the GitLab job keywords our components use (docs.gitlab.com/ci/yaml). Only the
// keywords we emit are modelled; the conformance tests check the rendered YAML against GitLab's schema.

/** A whole value taken from an input, `$[[ inputs.x ]]`: typed as the input is once GitLab interpolates it. */
export type Interpolated = `$[[ inputs.${string} ]]`;

export type When = 'on_success' | 'on_failure' | 'always' | 'manual' | 'delayed' | 'never';

export interface Rule {
  readonly if?: string;
  readonly changes?: readonly string[];
  readonly exists?: readonly string[];
  readonly when?: When;
  readonly allow_failure?: boolean;
  readonly variables?: Readonly<Record<string, string>>;
}

export type Need =
  | string
  | { readonly job: string; readonly artifacts?: boolean; readonly optional?: boolean };

export interface Artifacts {
  readonly paths?: readonly string[];
  readonly exclude?: readonly string[];
  readonly expire_in?: string;
  readonly when?: 'on_success' | 'on_failure' | 'always';
  readonly access?: 'all' | 'developer' | 'maintainer' | 'none' | Interpolated;
  readonly expose_as?: string;
  readonly name?: string;
  readonly reports?: {
    readonly junit?: string | readonly string[];
    readonly codequality?: string | readonly string[];
    readonly dotenv?: string | readonly string[];
    readonly terraform?: string | readonly string[];
  };
}

export interface Cache {
  readonly key?: string | { readonly files: readonly string[]; readonly prefix?: string };
  readonly paths: readonly string[];
  readonly policy?: 'pull' | 'push' | 'pull-push';
  readonly when?: 'on_success' | 'on_failure' | 'always';
  readonly fallback_keys?: readonly string[];
}

export interface Environment {
  /** Optional only for a job that takes its environment's name from an `extends:` template. */
  readonly name?: string;
  readonly url?: string;
  readonly action?: 'start' | 'prepare' | 'stop' | 'verify' | 'access';
  readonly deployment_tier?: 'production' | 'staging' | 'testing' | 'development' | 'other';
  readonly on_stop?: string;
  readonly auto_stop_in?: string;
}

export type VariableValue = string | { readonly value: string; readonly expand?: boolean };

export interface Job {
  readonly extends?: string | readonly string[];
  readonly stage?: string;
  readonly image?: string | { readonly name: string; readonly entrypoint?: readonly string[] };
  readonly variables?: Readonly<Record<string, VariableValue>>;
  readonly id_tokens?: Readonly<Record<string, { readonly aud: string | readonly string[] }>>;
  readonly before_script?: readonly string[];
  readonly script?: readonly string[];
  readonly after_script?: readonly string[];
  /** A list, or a whole array input (`$[[ inputs.needs ]]`) when the consumer names the jobs. */
  readonly needs?: readonly Need[] | Interpolated;
  readonly rules?: readonly Rule[] | Interpolated;
  readonly artifacts?: Artifacts;
  readonly cache?: Cache | readonly Cache[];
  readonly environment?: Environment;
  readonly resource_group?: string;
  readonly interruptible?: boolean | Interpolated;
  readonly retry?: number | { readonly max: number; readonly when?: readonly string[] };
  readonly timeout?: string;
  readonly when?: When | Interpolated;
  readonly allow_failure?: boolean | Interpolated | { readonly exit_codes: number | readonly number[] };
  readonly tags?: readonly string[];
}
