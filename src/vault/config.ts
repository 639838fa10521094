import { envName } from '../model/inputs.ts';
import type { RunContext } from '../runtime/context.ts';
import type { InputProblem } from '../runtime/errors.ts';
import { MASKED } from '../runtime/redact.ts';
import { decodeClaims } from './claims.ts';
import { DEFAULT_AUTH_MOUNT, DEFAULT_VAULT_ADDR, ID_TOKEN_VARIABLE, type VaultInputs } from './inputs.ts';

// From the parsed Vault inputs and the job's ID token to a checked configuration, or the list of what
// is wrong with them. Pure: nothing is requested here.

export interface VaultConfig {
  /** `https://vault.oneex.fr:8200`, no trailing slash. */
  readonly address: string;
  /** Whether the address is the library's fallback (VAULT_ADDR not set), for the log. */
  readonly addressIsFallback: boolean;
  /** Empty: the root namespace, no X-Vault-Namespace header. */
  readonly namespace: string;
  readonly authMount: string;
  readonly role: string;
  readonly audience: string;
  /** The job's ID token. Secret: registered with the redactor by `createContext`, never printed. */
  readonly idToken: string;
}

/**
 * A value the runner left as written: `$VAULT_ADDR` when the variable is not set and the value was
 * not expanded (some runners and gitlab-ci-local keep it). Treated as empty, like GitLab's expansion.
 */
const UNEXPANDED = /^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/;
export const effective = (value: string): string => (UNEXPANDED.test(value.trim()) ? '' : value.trim());

const MOUNT = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const ROLE = /^[A-Za-z0-9_.@+=-]+$/;
const NAMESPACE = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

export function checkAddress(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'an http(s) URL such as https://vault.oneex.fr:8200';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `an http(s) URL; got the scheme ${url.protocol}`;
  if (url.username !== '' || url.password !== '')
    return 'a URL without credentials (the job logs in with its ID token)';
  if (url.search !== '' || url.hash !== '') return 'a URL without query or fragment';
  if (/\/v1\/?$/.test(url.pathname)) return 'the address without the /v1 API prefix (it is added)';
  return undefined;
}

export function resolveVaultConfig(
  component: string,
  inputs: VaultInputs,
  context: Pick<RunContext, 'ci'>,
): { readonly config?: VaultConfig; readonly problems: readonly InputProblem[] } {
  const problems: InputProblem[] = [];
  const problem = (input: string, value: string | undefined, expected: string) =>
    problems.push({ input, variable: envName(component, input), value, expected });

  const givenAddress = effective(inputs.vault_addr);
  const address = (givenAddress === '' ? DEFAULT_VAULT_ADDR : givenAddress).replace(/\/+$/, '');
  const badAddress = checkAddress(address);
  if (badAddress !== undefined) problem('vault_addr', inputs.vault_addr, badAddress);

  const namespace = effective(inputs.vault_namespace).replace(/^\/+|\/+$/g, '');
  if (namespace !== '' && !NAMESPACE.test(namespace))
    problem(
      'vault_namespace',
      inputs.vault_namespace,
      'a namespace path such as oneex/ci, or empty for the root',
    );

  const mount = effective(inputs.vault_auth_mount) || DEFAULT_AUTH_MOUNT;
  if (mount.startsWith('auth/'))
    problem('vault_auth_mount', inputs.vault_auth_mount, `the mount path without "auth/": ${mount.slice(5)}`);
  else if (!MOUNT.test(mount))
    problem(
      'vault_auth_mount',
      inputs.vault_auth_mount,
      'a mount path of letters, digits and ._- segments, such as jwt or gitlab',
    );

  const role = effective(inputs.vault_role);
  if (role === '')
    problem(
      'vault_role',
      inputs.vault_role,
      'a role name: set the input vault_role, or the CI/CD variable VAULT_AUTH_ROLE at group level',
    );
  else if (!ROLE.test(role))
    problem('vault_role', inputs.vault_role, 'a role name of letters, digits and ._@+=-');

  const audience = effective(inputs.vault_audience);
  if (audience === '')
    problem('vault_audience', inputs.vault_audience, 'the audience the role’s bound_audiences hold');

  const idToken = context.ci[ID_TOKEN_VARIABLE] ?? '';
  if (idToken === '') {
    problems.push({
      input: 'id_tokens',
      variable: ID_TOKEN_VARIABLE,
      value: undefined,
      expected: `the job's ID token: the job needs \`id_tokens: {${ID_TOKEN_VARIABLE}: {aud: …}}\` (the vault template and every Vault-using component set it)`,
    });
  } else if (decodeClaims(idToken) === undefined) {
    problems.push({
      input: 'id_tokens',
      variable: ID_TOKEN_VARIABLE,
      value: MASKED,
      expected: 'a JWT (the ID token GitLab mints for `id_tokens`), not another value',
    });
  }

  if (problems.length > 0) return { problems };
  return {
    problems,
    config: {
      address,
      addressIsFallback: givenAddress === '',
      namespace,
      authMount: mount,
      role,
      audience,
      idToken,
    },
  };
}
