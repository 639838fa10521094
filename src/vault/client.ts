import { http, NetworkError } from '../runtime/http.ts';
import type { RetryPolicy } from '../runtime/retry.ts';
import { type Claims, decodeClaims } from './claims.ts';
import {
  audienceMismatch,
  claimsMismatch,
  type LoginTarget,
  loginRefused,
  mountNotFound,
  type ReadTarget,
  readDenied,
  roleNotFound,
  sealed,
  secretNotFound,
  tokenExpired,
  tokenUnusable,
  unexpectedAnswer,
  unreachable,
  versionDeleted,
} from './errors.ts';
import { apiPath, type SecretRef } from './spec.ts';

// Vault's HTTP API as the library uses it (developer.hashicorp.com/vault/api-docs): JWT login, KV v1
// and v2 reads, renew-self and revoke-self. Requests go through the shared HTTP client, which retries
// connection errors and 5xx/429 within a bounded policy and never a 4xx; every answer is mapped to a
// OneexError that says what to fix. Tokens travel in headers only and appear in no message.

/** Bounded: at most ~30 s of retries, each request at most 10 s. */
export const VAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 300,
  maxDelayMs: 4_000,
  budgetMs: 30_000,
};
const REQUEST_TIMEOUT_MS = 10_000;

export interface VaultClientOptions {
  /** `https://vault.oneex.fr:8200`, without `/v1`. */
  readonly address: string;
  /** Vault Enterprise namespace, sent as X-Vault-Namespace; empty for the root namespace. */
  readonly namespace?: string;
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
  /** Told before each retry, to log it. */
  readonly onRetry?: (reason: string, attempt: number) => void;
}

/** A Vault token from a login. `token` is secret: register it with the redactor. */
export interface VaultLogin {
  readonly token: string;
  readonly accessor: string;
  readonly policies: readonly string[];
  /** Seconds the token lives from now (the role's token_ttl). */
  readonly leaseSeconds: number;
  readonly renewable: boolean;
  /** The auth method's metadata (role, and the claims mapped by claim_mappings). */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface LoginRequest {
  readonly authMount: string;
  readonly role: string;
  /** The job's ID token; read for its claims in error messages, never printed. */
  readonly jwt: string;
  readonly audience?: string;
}

export interface SecretData {
  /** Field -> value, as Vault stores them (strings, or any JSON). Secret: the caller registers what it keeps. */
  readonly data: Readonly<Record<string, unknown>>;
  /** KV v2: the version read. */
  readonly version?: number;
}

export interface Renewal {
  readonly leaseSeconds: number;
  readonly renewable: boolean;
}

/** Vault's `{"errors": [...]}`, multi-error texts (`1 error occurred:\n\t* permission denied`) split. */
export function vaultMessages(body: unknown): string[] {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return typeof body === 'string' && body.trim() !== '' ? [body.trim()] : [];
  return errors.flatMap((error) => {
    const text = String(error);
    const items = [...text.matchAll(/^\t\* (.+)$/gm)].map((m) => m[1] ?? '');
    return items.length > 0 ? items : [text.trim()];
  });
}

const BOUND_CLAIM = /claim "([^"]+)" (?:does not match|not found|is missing)/;

export class VaultClient {
  readonly address: string;
  readonly namespace: string;

  constructor(private readonly options: VaultClientOptions) {
    this.address = options.address.replace(/\/+$/, '');
    this.namespace = options.namespace ?? '';
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = {};
    if (this.namespace !== '') headers['X-Vault-Namespace'] = this.namespace;
    if (token !== undefined) headers['X-Vault-Token'] = token;
    try {
      const response = await http(
        {
          method,
          url: `${this.address}/v1/${path}`,
          headers,
          ...(body !== undefined ? { body } : {}),
          timeoutMs: this.options.timeoutMs ?? REQUEST_TIMEOUT_MS,
        },
        {
          policy: this.options.retry ?? VAULT_RETRY,
          ...(this.options.onRetry !== undefined ? { onRetry: this.options.onRetry } : {}),
        },
      );
      if (response.status === 503 && vaultMessages(response.body).some((m) => /sealed/i.test(m)))
        throw sealed(this.address);
      return response;
    } catch (error) {
      if (error instanceof NetworkError) throw unreachable(this.address, error.reason);
      throw error;
    }
  }

  /** `POST /v1/auth/<mount>/login {role, jwt}`. */
  async login(request: LoginRequest): Promise<VaultLogin> {
    const target: LoginTarget = {
      address: this.address,
      namespace: this.namespace,
      authMount: request.authMount,
      role: request.role,
      ...(request.audience !== undefined ? { audience: request.audience } : {}),
    };
    const response = await this.send('POST', `auth/${request.authMount}/login`, undefined, {
      role: request.role,
      jwt: request.jwt,
    });
    if (response.status === 200) {
      const auth = (response.body as { auth?: Record<string, unknown> } | undefined)?.auth;
      if (auth === undefined || typeof auth.client_token !== 'string')
        throw unexpectedAnswer('the login', response.status, ['no auth.client_token in the answer']);
      return {
        token: auth.client_token,
        accessor: typeof auth.accessor === 'string' ? auth.accessor : '',
        policies: Array.isArray(auth.policies) ? auth.policies.map(String) : [],
        leaseSeconds: typeof auth.lease_duration === 'number' ? auth.lease_duration : 0,
        renewable: auth.renewable === true,
        metadata: (auth.metadata ?? {}) as Record<string, string>,
      };
    }
    throw loginError(target, decodeClaims(request.jwt), response.status, vaultMessages(response.body));
  }

  /** KV v2 `GET /v1/<mount>/data/<path>[?version=N]`, KV v1 `GET /v1/<mount>/<path>`. */
  async read(
    token: string,
    ref: SecretRef,
    about: Omit<ReadTarget, 'address' | 'namespace'> = {},
  ): Promise<SecretData> {
    const target: ReadTarget = { address: this.address, namespace: this.namespace, ...about };
    const response = await this.send('GET', apiPath(ref), token);
    const body = response.body as { data?: Record<string, unknown> | null; warnings?: unknown } | undefined;
    if (response.status === 200) {
      const data = body?.data;
      if (data === null || data === undefined || typeof data !== 'object')
        throw unexpectedAnswer(`the read of ${ref.text}`, 200, ['no data in the answer']);
      if (ref.engine === 'kv1') return { data };
      const inner = data.data;
      const metadata = (data.metadata ?? {}) as {
        version?: number;
        deletion_time?: string;
        destroyed?: boolean;
      };
      if (inner === null || inner === undefined) throw versionDeleted(ref, metadata);
      if (typeof inner !== 'object')
        throw unexpectedAnswer(`the read of ${ref.text}`, 200, ['data.data is not an object']);
      return {
        data: inner as Record<string, unknown>,
        ...(metadata.version !== undefined ? { version: metadata.version } : {}),
      };
    }
    const messages = vaultMessages(response.body);
    if (response.status === 404) {
      const metadata = (body?.data as { metadata?: Record<string, unknown> } | null | undefined)?.metadata;
      if (ref.engine === 'kv2' && metadata !== undefined && metadata !== null)
        throw versionDeleted(ref, metadata as { version?: number });
      const warnings = Array.isArray(body?.warnings) ? body.warnings.map(String) : [];
      throw secretNotFound(ref, target, [...messages, ...warnings]);
    }
    if (response.status === 403) throw readDenied(ref, target);
    throw unexpectedAnswer(`the read of ${ref.text}`, response.status, messages);
  }

  /** `POST /v1/auth/token/renew-self`; the increment is a request, Vault caps it at the role's max TTL. */
  async renewSelf(token: string, incrementSeconds?: number): Promise<Renewal> {
    const response = await this.send(
      'POST',
      'auth/token/renew-self',
      token,
      incrementSeconds !== undefined ? { increment: `${incrementSeconds}s` } : {},
    );
    if (response.status === 200) {
      const auth = (response.body as { auth?: { lease_duration?: number; renewable?: boolean } } | undefined)
        ?.auth;
      return { leaseSeconds: auth?.lease_duration ?? 0, renewable: auth?.renewable === true };
    }
    const messages = vaultMessages(response.body);
    if (response.status === 403 || response.status === 400) throw tokenUnusable('renew', messages);
    throw unexpectedAnswer('renew-self', response.status, messages);
  }

  /**
   * `POST /v1/auth/token/revoke-self` (204). A token Vault no longer knows (expired, already revoked)
   * answers 403: it is gone either way, so that is success too; `false` says so.
   */
  async revokeSelf(token: string): Promise<boolean> {
    const response = await this.send('POST', 'auth/token/revoke-self', token, {});
    if (response.status === 204 || response.status === 200) return true;
    if (response.status === 403) return false;
    throw unexpectedAnswer('revoke-self', response.status, vaultMessages(response.body));
  }
}

/** Vault's login refusals, from its texts (api-facts: the JWT auth method's messages). */
export function loginError(
  target: LoginTarget,
  claims: Claims | undefined,
  status: number,
  messages: readonly string[],
) {
  const text = messages.join('\n');
  if (status === 403) return mountNotFound(target);
  if (status === 400) {
    if (/role ".*" could not be found/.test(text)) return roleNotFound(target, claims);
    if (/invalid audience|\(aud\)|audience/.test(text)) return audienceMismatch(target, claims);
    if (/expired|\(exp\)/.test(text)) return tokenExpired(target, claims);
    const bound = BOUND_CLAIM.exec(text);
    if (bound !== null || /bound claim|bound_claims|sub claim|bound subject/i.test(text))
      return claimsMismatch(target, claims, bound?.[1], messages.join('; '));
    return loginRefused(target, status, messages);
  }
  return unexpectedAnswer('the login', status, messages);
}
