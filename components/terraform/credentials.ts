import type { RunContext } from '../../src/runtime/context.ts';
import type { InputProblem } from '../../src/runtime/errors.ts';
import { InputError } from '../../src/runtime/errors.ts';
import { fetchCredentials, type PreparedCredentials, prepareCredentials } from '../../src/vault/index.ts';
import type { TerraformInputs } from './settings.ts';

// The one place credentials come from: the Proxmox API token the bpg/proxmox provider reads
// (PROXMOX_VE_API_TOKEN) and the token that writes merge request notes (GITLAB_TOKEN). Each is a
// Vault reference given as an input and read with the job's ID token; an empty reference falls back
// to the CI/CD variable of that name. Everything is checked with the other inputs before anything
// runs; each value is registered with the redactor as it is read, and reaches the tool through its
// environment only.

export interface Wanted {
  /** The provider's token: jobs that plan, apply or destroy. */
  readonly provider: boolean;
  /** The notes token: a plan in a merge request pipeline with merge_request_note. */
  readonly gitlabToken: boolean;
}

type Name = 'proxmox' | 'gitlab';

const SOURCES = {
  proxmox: { input: 'proxmox_api_token', variable: 'PROXMOX_VE_API_TOKEN' },
  gitlab: { input: 'gitlab_token', variable: 'GITLAB_TOKEN' },
} as const satisfies Record<Name, { input: keyof TerraformInputs; variable: string }>;

/** Where each wanted credential comes from, checked; nothing was read yet. */
export interface CredentialSources {
  readonly vault?: PreparedCredentials<Name>;
  /** Values of the CI/CD variables used as fallbacks, registered with the redactor. */
  readonly variables: Partial<Record<Name, string>>;
  /** For the log: `PROXMOX_VE_API_TOKEN <- Vault kv/data/…#field`; names and paths only. */
  readonly described: readonly string[];
}

export interface Credentials {
  /** For the tool's environment: the provider's variables. */
  readonly toolEnv: Readonly<Record<string, string>>;
  readonly gitlabToken?: string;
}

/** Checks where the wanted credentials come from; every problem is returned, none is thrown. */
export function checkCredentials(
  inputs: TerraformInputs,
  context: RunContext,
  wanted: Wanted,
): { readonly sources?: CredentialSources; readonly problems: readonly InputProblem[] } {
  const names = (Object.keys(SOURCES) as Name[]).filter((name) =>
    name === 'proxmox' ? wanted.provider : wanted.gitlabToken,
  );
  const refs: Partial<Record<Name, { ref: string; input: string }>> = {};
  const variables: Partial<Record<Name, string>> = {};
  const described: string[] = [];
  const problems: InputProblem[] = [];
  for (const name of names) {
    const { input, variable } = SOURCES[name];
    const ref = inputs[input].trim();
    if (ref !== '') {
      refs[name] = { ref, input };
      described.push(`${variable} <- Vault ${ref}`);
      continue;
    }
    const value = context.ci[variable];
    if (value !== undefined) {
      context.redactor.add(value);
      variables[name] = value;
      described.push(`${variable} <- the CI/CD variable ${variable}`);
    } else if (name === 'gitlab') {
      problems.push({
        input: 'merge_request_note',
        variable,
        value: 'true',
        expected: `the CI/CD variable ${variable} (a masked token with the \`api\` scope) or a Vault reference in ${input} to write the note, or merge_request_note: false`,
      });
    }
  }
  let vault: PreparedCredentials<Name> | undefined;
  if (Object.keys(refs).length > 0) {
    try {
      vault = prepareCredentials(
        { component: 'terraform', inputs, secrets: refs as Record<Name, { ref: string; input: string }> },
        context,
      );
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) return { problems };
  return { sources: { ...(vault !== undefined ? { vault } : {}), variables, described }, problems };
}

/**
 * Reads what the sources name: Vault's secrets (registered with the redactor as they arrive, the Vault
 * token revoked before returning), beside the CI/CD variables' values (registered when checked).
 */
export async function readCredentials(sources: CredentialSources, context: RunContext): Promise<Credentials> {
  if (sources.described.length > 0) context.log.info(`Credentials: ${sources.described.join('; ')}.`);
  const read: Partial<Record<Name, string>> = {
    ...sources.variables,
    ...(sources.vault !== undefined ? await fetchCredentials(sources.vault, context) : {}),
  };
  return {
    toolEnv: read.proxmox !== undefined ? { [SOURCES.proxmox.variable]: read.proxmox } : {},
    ...(read.gitlab !== undefined ? { gitlabToken: read.gitlab } : {}),
  };
}
