import type { InputSpec, ParsedInputs } from '../model/inputs.ts';
import type { Interpolated, Job } from '../model/job.ts';

// The Vault inputs every component that needs a credential spreads into its own, with organisation-wide
// defaults: each defaults to a group-level CI/CD variable that the runner expands when the job starts
// (the names GitLab's own `secrets:vault` reads, so a later move to GitLab Premium keeps them). A
// variable that is not set expands to nothing, so the library falls back to Oneex's defaults below.

/** The variable GitLab puts the job's ID token in: the `id_tokens` entry every Vault-using job carries. */
export const ID_TOKEN_VARIABLE = 'ONEEX_VAULT_ID_TOKEN';

/** Used when `vault_addr` is empty (VAULT_ADDR not set at group level). */
export const DEFAULT_VAULT_ADDR = 'https://vault.oneex.fr';
/** Used when `vault_auth_mount` is empty; `jwt` is where `vault auth enable jwt` mounts the method. */
export const DEFAULT_AUTH_MOUNT = 'jwt';
/** The ID token's `aud`, which the role's `bound_audiences` must hold. */
export const DEFAULT_AUDIENCE = 'https://vault.oneex.fr';

export interface VaultInputDefaults {
  /** A component whose jobs always use one role (e.g. `ci-image`) sets it here; else `$VAULT_AUTH_ROLE`. */
  readonly role?: string;
  readonly audience?: string;
}

/**
 * Inputs to spread into a component's `inputs` (next to `jobInputs()`): `vault_addr`,
 * `vault_namespace`, `vault_auth_mount`, `vault_role`, `vault_audience`. Their job variables are
 * `ONEEX_<COMPONENT>_VAULT_*`; the action hands the parsed values to `getCredentials()`.
 */
export function vaultInputs(defaults: VaultInputDefaults = {}) {
  return {
    vault_addr: {
      default: '$VAULT_ADDR',
      description: `Vault address, e.g. https://vault.oneex.fr:8200. The default is the group-level CI/CD variable VAULT_ADDR; when that is not set, ${DEFAULT_VAULT_ADDR}.`,
    },
    vault_namespace: {
      default: '$VAULT_NAMESPACE',
      description:
        'Vault Enterprise namespace (sent as X-Vault-Namespace), e.g. oneex/ci. The default is the CI/CD variable VAULT_NAMESPACE; empty means the root namespace (Vault Community).',
    },
    vault_auth_mount: {
      default: '$VAULT_AUTH_PATH',
      description: `Path where Vault's JWT auth method is mounted (without auth/), e.g. gitlab. The default is the CI/CD variable VAULT_AUTH_PATH; when that is not set, ${DEFAULT_AUTH_MOUNT}.`,
    },
    vault_role: {
      default: defaults.role ?? '$VAULT_AUTH_ROLE',
      description:
        'Role of the JWT auth method to log in with; its bound claims decide which projects, refs and environments may use it. ' +
        (defaults.role !== undefined
          ? `The default is ${defaults.role}.`
          : 'The default is the CI/CD variable VAULT_AUTH_ROLE; one of the two must name a role.'),
    },
    vault_audience: {
      default: defaults.audience ?? DEFAULT_AUDIENCE,
      description:
        'Audience (`aud`) of the job’s ID token; the role’s bound_audiences must contain it. Vault’s convention is its own address.',
    },
  } as const satisfies Record<string, InputSpec>;
}

type VaultInputSpecs = ReturnType<typeof vaultInputs>;

/** The parsed Vault inputs, as any component's action receives them (its inputs are a superset). */
export type VaultInputs = ParsedInputs<VaultInputSpecs>;

/**
 * The `id_tokens` entry of a job that logs in to Vault: `id_tokens: vaultIdTokens(inputs)` in the
 * component's `jobs`. GitLab mints the token when the job starts and puts it in ONEEX_VAULT_ID_TOKEN.
 */
export function vaultIdTokens(inputs: {
  readonly vault_audience: Interpolated;
}): NonNullable<Job['id_tokens']> {
  return { [ID_TOKEN_VARIABLE]: { aud: inputs.vault_audience } };
}
