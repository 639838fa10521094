// Oneex's environments, held once: the template's per-environment job templates (name, tier, resource
// group), the input's options, and what the CLI derives from an environment (state name, var file)
// all come from this table.

export interface EnvironmentSpec {
  /** GitLab environment name; CI/CD variables in it are expanded by GitLab when the job is created. */
  readonly gitlabName: string;
  readonly tier: 'production' | 'staging' | 'testing' | 'development';
  /**
   * One per merge request branch, created by the merge request's pipeline and destroyed when it is
   * stopped. Only an ephemeral environment can be destroyed by the component.
   */
  readonly ephemeral: boolean;
  /** Applies wait for someone to press play, whatever `auto_apply` says. */
  readonly alwaysManual: boolean;
}

export const ENVIRONMENTS = {
  test: { gitlabName: 'test', tier: 'testing', ephemeral: false, alwaysManual: false },
  staging: { gitlabName: 'staging', tier: 'staging', ephemeral: false, alwaysManual: false },
  production: { gitlabName: 'production', tier: 'production', ephemeral: false, alwaysManual: true },
  review: {
    gitlabName: 'review/$CI_COMMIT_REF_SLUG',
    tier: 'development',
    ephemeral: true,
    alwaysManual: false,
  },
} as const satisfies Record<string, EnvironmentSpec>;

export type EnvironmentName = keyof typeof ENVIRONMENTS;
export const ENVIRONMENT_NAMES = Object.keys(ENVIRONMENTS) as EnvironmentName[];

/** The ephemeral environment, named in the template's rules (its jobs run in merge request pipelines). */
export const EPHEMERAL: EnvironmentName = 'review';

/** GitLab's state names travel in a URL path; keep them to characters that need no encoding. */
export const STATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * The state an environment uses when `state_name` is empty: its name, and for the ephemeral
 * environment one state per branch (`review-<CI_COMMIT_REF_SLUG>`).
 */
export function defaultStateName(
  environment: EnvironmentName,
  refSlug: string | undefined,
): string | undefined {
  if (!ENVIRONMENTS[environment].ephemeral) return environment;
  return refSlug === undefined || refSlug === '' ? undefined : `${environment}-${refSlug}`;
}

/** `environments/<environment>.tfvars`, relative to the root module, when `var_file` is empty. */
export const defaultVarFile = (environment: EnvironmentName): string => `environments/${environment}.tfvars`;
