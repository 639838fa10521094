import type { RunContext } from '../../src/runtime/context.ts';
import { fetchCredentials, prepareCredentials, type VaultInputs } from '../../src/vault/index.ts';
import { COMPONENT, isUnexpanded } from './plan.ts';

// Where the job's tokens come from, behind one function. Each token input holds either the token
// itself, usually through a masked CI/CD variable that GitLab expands (`$GITOPS_TOKEN`), or a Vault
// reference, `vault:<mount>/data/<path>#<field>`, read with the job's ID token. A reference can sit in
// the CI/CD variable too (GITOPS_TOKEN=vault:kv/data/ci/gitops#token at group level: a path, not a
// secret), so a whole group moves to Vault without touching a pipeline. Every value is registered with
// the redactor the moment it is read; the Vault token is revoked before the function returns.

export const VAULT_PREFIX = 'vault:';

export interface TokenRequest {
  /** The input that carries it, named in errors and in the log. */
  readonly input: string;
  readonly raw: string;
}

/**
 * The tokens asked for, by name: undefined for one that is empty or names a variable that is not set.
 * Vault references are all checked (with the Vault inputs and the ID token) before the first request,
 * and read in one Vault session.
 */
export async function readTokens<K extends string>(
  requests: Readonly<Record<K, TokenRequest | undefined>>,
  inputs: VaultInputs,
  context: RunContext,
): Promise<Record<K, string | undefined>> {
  const tokens = {} as Record<K, string | undefined>;
  const fromVault: Partial<Record<K, { ref: string; input: string }>> = {};
  for (const [name, request] of Object.entries(requests) as [K, TokenRequest | undefined][]) {
    const value = request?.raw.trim() ?? '';
    if (request === undefined || value === '' || isUnexpanded(value)) tokens[name] = undefined;
    else if (value.startsWith(VAULT_PREFIX)) {
      fromVault[name] = { ref: value.slice(VAULT_PREFIX.length), input: request.input };
    } else {
      context.redactor.add(value);
      tokens[name] = value;
    }
  }
  const wanted = Object.keys(fromVault) as K[];
  if (wanted.length === 0) return tokens;
  const prepared = prepareCredentials(
    { component: COMPONENT, inputs, secrets: fromVault as Record<K, { ref: string; input: string }> },
    context,
  );
  const read = await fetchCredentials(prepared, context);
  for (const name of wanted) {
    tokens[name] = read[name];
    context.log.info(`${fromVault[name]?.input}: from Vault (${fromVault[name]?.ref.replace(/#.*/, '')}).`);
  }
  return tokens;
}
