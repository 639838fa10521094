import { envName } from '../model/inputs.ts';
import type { RunContext } from '../runtime/context.ts';
import { InputError, type InputProblem } from '../runtime/errors.ts';
import { decodeClaims } from './claims.ts';
import { type SecretData, VaultClient, type VaultClientOptions, type VaultLogin } from './client.ts';
import { resolveVaultConfig, type VaultConfig } from './config.ts';
import { fieldMissing } from './errors.ts';
import type { VaultInputs } from './inputs.ts';
import { parseSecretRef, readKey, type SecretRef } from './spec.ts';

// What a component calls to get its credentials: validate everything (inputs, ID token, references)
// before the first request, log in with the job's ID token, read each secret once, register every
// value with the redactor the moment it is read, and revoke the Vault token when done.

/** A reference as a component has it: text, or text and the input it came from (named in errors). */
export type SecretRequest = string | { readonly ref: string; readonly input: string };

export interface CredentialsRequest<K extends string> {
  /** The calling component, so errors name its job variables (`ONEEX_<COMPONENT>_VAULT_ROLE`). */
  readonly component: string;
  /** The component's parsed inputs; it spread `vaultInputs()` into its own. */
  readonly inputs: VaultInputs;
  /** A name of the caller's choice -> the secret, e.g. `{ password: 'kv/data/ci/harbor#password' }`. */
  readonly secrets: Readonly<Record<K, SecretRequest>>;
}

/** A checked request: nothing was sent yet. */
export interface PreparedCredentials<K extends string> {
  readonly config: VaultConfig;
  readonly refs: Readonly<Record<K, SecretRef>>;
}

/**
 * Checks a request completely, without any request to Vault: the Vault inputs, the job's ID token,
 * every reference. Throws one InputError (EINPUT) listing every problem. Call it at the start of an
 * action, before any side effect, then `fetchCredentials` when the secrets are needed.
 */
export function prepareCredentials<K extends string>(
  request: CredentialsRequest<K>,
  context: RunContext,
): PreparedCredentials<K> {
  const { config, problems } = resolveVaultConfig(request.component, request.inputs, context);
  const all: InputProblem[] = [...problems];
  const refs: Partial<Record<K, SecretRef>> = {};
  for (const [key, wanted] of Object.entries(request.secrets) as [K, SecretRequest][]) {
    const text = typeof wanted === 'string' ? wanted : wanted.ref;
    const parsed = parseSecretRef(text);
    if ('problem' in parsed) {
      const input = typeof wanted === 'string' ? key : wanted.input;
      all.push({ input, variable: envName(request.component, input), value: text, expected: parsed.problem });
    } else refs[key] = parsed.value;
  }
  if (all.length > 0 || config === undefined) throw new InputError(request.component, all);
  return { config, refs: refs as Record<K, SecretRef> };
}

/** Logs in, reads every secret, revokes the token (also on failure). Values are registered with the redactor. */
export async function fetchCredentials<K extends string>(
  prepared: PreparedCredentials<K>,
  context: RunContext,
  options: SessionOptions = {},
): Promise<Record<K, string>> {
  const session = await openVaultSession(prepared.config, context, options);
  try {
    return await session.readAll(prepared.refs);
  } finally {
    await session.close();
  }
}

/**
 * The one call for a component's credentials: `prepareCredentials` then `fetchCredentials`.
 *
 *   const { username, password } = await getCredentials({
 *     component: 'image', inputs,
 *     secrets: { username: { ref: inputs.harbor_username, input: 'harbor_username' }, password: 'kv/data/ci/harbor#password' },
 *   }, context);
 */
export async function getCredentials<K extends string>(
  request: CredentialsRequest<K>,
  context: RunContext,
  options: SessionOptions = {},
): Promise<Record<K, string>> {
  return fetchCredentials(prepareCredentials(request, context), context, options);
}

export interface SessionOptions {
  /** Overrides the client's retry policy and timeouts (tests use short ones). */
  readonly client?: Partial<Pick<VaultClientOptions, 'retry' | 'timeoutMs'>>;
}

/** A logged-in Vault token, for jobs that read late, renew, or hand the token to a tool. */
export interface VaultSession {
  readonly config: VaultConfig;
  /** The login, without the token. */
  readonly login: Omit<VaultLogin, 'token'>;
  /** One field's value, registered with the redactor. Same path and version are read once. */
  read(ref: SecretRef): Promise<string>;
  readAll<K extends string>(refs: Readonly<Record<K, SecretRef>>): Promise<Record<K, string>>;
  /** The whole secret (every field), each value registered; for callers that need several fields. */
  readSecret(ref: SecretRef): Promise<SecretData>;
  /** Renews the token in the background at 2/3 of its lease until `close` (for long jobs). */
  keepAlive(): void;
  /** `VAULT_ADDR`, `VAULT_TOKEN` (and `VAULT_NAMESPACE`) for a child process's environment, never argv. */
  env(): Record<string, string>;
  /** Stops renewal and revokes the token; safe to call twice. */
  close(): Promise<void>;
}

export async function openVaultSession(
  config: VaultConfig,
  context: RunContext,
  options: SessionOptions = {},
): Promise<VaultSession> {
  // The ID token is registered by createContext already; again here for contexts built otherwise.
  context.redactor.add(config.idToken);
  const client = new VaultClient({
    address: config.address,
    namespace: config.namespace,
    ...options.client,
    onRetry: (reason, attempt) => context.log.warn(`Vault: ${reason}; retrying (attempt ${attempt + 1}).`),
  });
  const claims = decodeClaims(config.idToken);
  context.log.info(
    `Vault: logging in to ${config.address}${config.addressIsFallback ? ' (the default; VAULT_ADDR is not set)' : ''}${config.namespace !== '' ? `, namespace ${config.namespace}` : ''}, auth/${config.authMount}/ role "${config.role}".`,
  );
  const login = await client.login({
    authMount: config.authMount,
    role: config.role,
    jwt: config.idToken,
    audience: config.audience,
  });
  context.redactor.add(login.token);
  context.redactor.add(login.accessor);
  context.log.info(
    `Vault: logged in (policies: ${login.policies.join(', ') || 'none'}; token valid ${formatSeconds(login.leaseSeconds)}${login.renewable ? ', renewable' : ''}).`,
  );
  const about = { role: config.role, policies: login.policies, ...(claims !== undefined ? { claims } : {}) };

  const cache = new Map<string, Promise<SecretData>>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let lease = login.leaseSeconds;

  const readSecret = (ref: SecretRef): Promise<SecretData> => {
    if (closed) throw new Error('Vault session is closed');
    const key = readKey(ref);
    let pending = cache.get(key);
    if (pending === undefined) {
      pending = client.read(login.token, ref, about).then((secret) => {
        for (const value of Object.values(secret.data)) context.redactor.add(stringValue(value));
        context.log.info(
          `Vault: read ${ref.engine === 'kv2' ? `${ref.mount}/data/${ref.path}` : `${ref.mount}/${ref.path}`}${secret.version !== undefined ? ` (version ${secret.version})` : ''}.`,
        );
        return secret;
      });
      cache.set(key, pending);
    }
    return pending;
  };

  const read = async (ref: SecretRef): Promise<string> => {
    const secret = await readSecret(ref);
    if (!Object.hasOwn(secret.data, ref.field)) throw fieldMissing(ref, Object.keys(secret.data));
    return stringValue(secret.data[ref.field]);
  };

  const session: VaultSession = {
    config,
    login: {
      accessor: login.accessor,
      policies: login.policies,
      leaseSeconds: login.leaseSeconds,
      renewable: login.renewable,
      metadata: login.metadata,
    },
    read,
    readSecret,
    async readAll(refs) {
      const entries = Object.entries(refs) as [string, SecretRef][];
      const values = await Promise.all(entries.map(async ([key, ref]) => [key, await read(ref)] as const));
      return Object.fromEntries(values) as never;
    },
    keepAlive() {
      if (!login.renewable || timer !== undefined || closed) return;
      const schedule = () => {
        timer = setTimeout(renew, Math.max(5, Math.floor((lease * 2) / 3)) * 1000);
        timer.unref();
      };
      const renew = async () => {
        try {
          const renewal = await client.renewSelf(login.token, login.leaseSeconds);
          if (renewal.leaseSeconds < lease / 2)
            context.log.warn(
              `Vault: the token reaches its max TTL in ${formatSeconds(renewal.leaseSeconds)}.`,
            );
          lease = renewal.leaseSeconds;
          if (renewal.renewable && !closed && lease > 0) schedule();
        } catch (error) {
          context.log.warn(`Vault: could not renew the token: ${(error as Error).message}`);
        }
      };
      schedule();
    },
    env() {
      return {
        VAULT_ADDR: config.address,
        VAULT_TOKEN: login.token,
        ...(config.namespace !== '' ? { VAULT_NAMESPACE: config.namespace } : {}),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      try {
        await client.revokeSelf(login.token);
        context.log.info('Vault: token revoked.');
      } catch (error) {
        context.log.warn(
          `Vault: could not revoke the token (${(error as Error).message}); it expires in ${formatSeconds(lease)}.`,
        );
      }
    },
  };
  return session;
}

/** KV values are JSON: strings as they are, anything else as JSON text. */
export function stringValue(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? '';
}

export function formatSeconds(seconds: number): string {
  if (seconds <= 0) return 'with no expiry';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}
