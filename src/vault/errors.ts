import { EXIT, OneexError } from '../runtime/errors.ts';
import { audienceOf, type Claims, describeClaims, expiryOf } from './claims.ts';
import type { SecretRef } from './spec.ts';

// The catalogue of what can go wrong with Vault, one function per code, each saying what to fix.
// Messages carry paths, role names, field names and the ID token's claims: never a token or a value.
// Tests assert the codes; the wording may improve.

export const VAULT_CODES = {
  /** No JWT auth method at auth/<mount> (or the namespace is wrong). */
  mount: 'EVAULT_AUTH_MOUNT',
  role: 'EVAULT_ROLE',
  /** The token's claims do not satisfy the role's bound_claims (or bound_subject). */
  claims: 'EVAULT_CLAIMS',
  audience: 'EVAULT_AUDIENCE',
  expired: 'EVAULT_EXPIRED',
  /** Any other refused login (bad signature, unknown issuer...). */
  login: 'EVAULT_LOGIN',
  /** Logged in, but the token's policies do not allow the read. */
  denied: 'EVAULT_DENIED',
  notFound: 'EVAULT_NOT_FOUND',
  /** The KV v2 version asked for (or the latest) is deleted or destroyed. */
  deleted: 'EVAULT_DELETED',
  field: 'EVAULT_FIELD',
  sealed: 'EVAULT_SEALED',
  unreachable: 'EVAULT_UNREACHABLE',
  /** Vault answered something its API does not document for this call. */
  answer: 'EVAULT_ANSWER',
  /** The Vault token could not be renewed or used any longer. */
  token: 'EVAULT_TOKEN',
} as const;

export type VaultCode = (typeof VAULT_CODES)[keyof typeof VAULT_CODES];

/** What a login error needs to say which login failed. */
export interface LoginTarget {
  readonly address: string;
  readonly namespace: string;
  readonly authMount: string;
  readonly role: string;
  readonly audience?: string;
}

const where = (t: LoginTarget): string =>
  `${t.address}${t.namespace !== '' ? ` (namespace ${t.namespace})` : ''}`;

const claimsBlock = (claims: Claims | undefined, mismatched?: string): string =>
  ['The job’s ID token says:', ...describeClaims(claims, mismatched)].join('\n');

export function mountNotFound(t: LoginTarget): OneexError {
  return new OneexError(
    VAULT_CODES.mount,
    `Vault at ${where(t)} has no JWT auth method at auth/${t.authMount}/ (403 permission denied on login).`,
    `Set vault_auth_mount (or the CI/CD variable VAULT_AUTH_PATH) to the path \`vault auth list\` shows for the jwt method${t.namespace === '' ? ', and vault_namespace if it lives in a namespace' : ', and check vault_namespace'}.`,
    EXIT.unavailable,
  );
}

export function roleNotFound(t: LoginTarget, claims: Claims | undefined): OneexError {
  return new OneexError(
    VAULT_CODES.role,
    `Vault's JWT auth method auth/${t.authMount}/ at ${where(t)} has no role "${t.role.toLowerCase()}".`,
    `Set vault_role (or VAULT_AUTH_ROLE) to a role of auth/${t.authMount}/ (\`vault list auth/${t.authMount}/role\`), or ask the platform team to create one bound to project_path "${String(claims?.project_path ?? '?')}".`,
    EXIT.unavailable,
  );
}

export function claimsMismatch(
  t: LoginTarget,
  claims: Claims | undefined,
  claim: string | undefined,
  vaultMessage: string,
): OneexError {
  const subject =
    claim !== undefined
      ? `the ID token's claim "${claim}" (${claims?.[claim] === undefined ? 'absent' : JSON.stringify(claims[claim])}) does not match the role's bound claims`
      : 'the ID token does not satisfy the role’s bound claims';
  return new OneexError(
    VAULT_CODES.claims,
    `Vault refused the login with role "${t.role}": ${subject}.\nVault said: ${vaultMessage}\n${claimsBlock(claims, claim)}`,
    claim === 'ref_protected'
      ? 'The role only accepts protected refs: run the job on a protected branch or tag, protect this ref, or use a role meant for unprotected refs.'
      : `Compare these claims with \`vault read auth/${t.authMount}/role/${t.role.toLowerCase()}\` (bound_claims, bound_subject): run the job where the role allows, or use another role.`,
    EXIT.unavailable,
  );
}

export function audienceMismatch(t: LoginTarget, claims: Claims | undefined): OneexError {
  const aud = audienceOf(claims);
  return new OneexError(
    VAULT_CODES.audience,
    `Vault refused the login with role "${t.role}": the ID token's audience ${aud.length > 0 ? aud.map((a) => `"${a}"`).join(', ') : '(none)'} is not in the role's bound_audiences.`,
    `Set vault_audience to one of the role's bound_audiences (\`vault read auth/${t.authMount}/role/${t.role.toLowerCase()}\`); it becomes the aud of the job's id_tokens entry.`,
    EXIT.unavailable,
  );
}

export function tokenExpired(t: LoginTarget, claims: Claims | undefined): OneexError {
  const exp = expiryOf(claims);
  return new OneexError(
    VAULT_CODES.expired,
    `Vault refused the login with role "${t.role}": the job's ID token expired${exp !== undefined ? ` at ${exp.toISOString()}` : ''}.`,
    'GitLab ID tokens live as long as the job timeout allows; log in at the start of the job, and retry the job for a fresh token.',
    EXIT.unavailable,
  );
}

export function loginRefused(t: LoginTarget, status: number, messages: readonly string[]): OneexError {
  return new OneexError(
    VAULT_CODES.login,
    `Vault refused the login with role "${t.role}" at auth/${t.authMount}/ (HTTP ${status}): ${messages.join('; ') || 'no reason given'}.`,
    'Check that the auth method trusts this GitLab (its jwks_url or oidc_discovery_url, and bound_issuer).',
    EXIT.unavailable,
  );
}

export interface ReadTarget {
  readonly address: string;
  readonly namespace: string;
  readonly role?: string;
  readonly policies?: readonly string[];
  readonly claims?: Claims;
}

const policyPath = (ref: SecretRef): string =>
  ref.engine === 'kv2' ? `${ref.mount}/data/${ref.path}` : `${ref.mount}/${ref.path}`;

export function readDenied(ref: SecretRef, t: ReadTarget): OneexError {
  const by =
    t.role !== undefined ? ` by role "${t.role}" (policies: ${(t.policies ?? []).join(', ') || 'none'})` : '';
  return new OneexError(
    VAULT_CODES.denied,
    `Vault denied reading ${ref.text}${by}: 403 permission denied.${t.claims !== undefined ? `\n${claimsBlock(t.claims)}` : ''}`,
    `A policy of the role must allow \`path "${policyPath(ref)}" { capabilities = ["read"] }\`; or the reference names the wrong path.`,
    EXIT.unavailable,
  );
}

export function secretNotFound(ref: SecretRef, t: ReadTarget, detail: readonly string[]): OneexError {
  const v1Hint =
    ref.engine === 'kv2'
      ? ` If ${ref.mount}/ is a KV v1 mount, write kv1:${ref.mount}/${ref.path} instead.`
      : ` If ${ref.mount}/ is a KV v2 mount, write ${ref.mount}/data/${ref.path}.`;
  return new OneexError(
    VAULT_CODES.notFound,
    `No secret at ${policyPath(ref)}${ref.version !== undefined ? ` version ${ref.version}` : ''} in Vault at ${where({ ...t, authMount: '', role: '' })}${detail.length > 0 ? ` (${detail.join('; ')})` : ''}.`,
    `Check the path in the declaration "${ref.text}" (\`vault kv get ${ref.mount}/${ref.path}\`).${v1Hint}`,
    EXIT.usage,
  );
}

export function versionDeleted(
  ref: SecretRef,
  metadata: { readonly version?: number; readonly destroyed?: boolean; readonly deletion_time?: string },
): OneexError {
  const state = metadata.destroyed === true ? 'destroyed' : `deleted at ${metadata.deletion_time ?? '?'}`;
  return new OneexError(
    VAULT_CODES.deleted,
    `Version ${metadata.version ?? ref.version ?? '?'} of ${ref.mount}/${ref.path} is ${state}.`,
    metadata.destroyed === true
      ? 'Pin another version with ?version=N, or write a new version.'
      : `Undelete it (\`vault kv undelete -versions=${metadata.version ?? '?'} ${ref.mount}/${ref.path}\`) or pin another version with ?version=N.`,
    EXIT.usage,
  );
}

export function fieldMissing(ref: SecretRef, fields: readonly string[]): OneexError {
  return new OneexError(
    VAULT_CODES.field,
    `The secret ${ref.mount}/${ref.path}${ref.version !== undefined ? ` (version ${ref.version})` : ''} has no field "${ref.field}"; its fields are: ${fields.length > 0 ? fields.map((f) => `"${f}"`).join(', ') : '(none)'}.`,
    `Fix the field after "#" in "${ref.text}".`,
    EXIT.usage,
  );
}

export function sealed(address: string): OneexError {
  return new OneexError(
    VAULT_CODES.sealed,
    `Vault at ${address} is sealed (503); no secret can be read until it is unsealed.`,
    'Retry the job once the platform team has unsealed Vault.',
    EXIT.unavailable,
  );
}

export function unreachable(address: string, reason: string): OneexError {
  return new OneexError(
    VAULT_CODES.unreachable,
    `Vault at ${address} did not answer: ${reason}.`,
    'Check vault_addr (or the CI/CD variable VAULT_ADDR) and that runners can reach it; the library retried with backoff.',
    EXIT.unavailable,
  );
}

export function unexpectedAnswer(what: string, status: number, messages: readonly string[]): OneexError {
  return new OneexError(
    VAULT_CODES.answer,
    `Vault answered ${what} with HTTP ${status}${messages.length > 0 ? `: ${messages.join('; ')}` : ''}.`,
    status >= 500 ? 'Vault failed on its side; the library retried. Retry the job later.' : undefined,
    EXIT.unavailable,
  );
}

export function tokenUnusable(action: string, messages: readonly string[]): OneexError {
  return new OneexError(
    VAULT_CODES.token,
    `Vault refused to ${action} the job's Vault token: ${messages.join('; ') || 'permission denied'}.`,
    'The token expired or was revoked; log in again (the token lives as long as the role’s token_ttl).',
    EXIT.unavailable,
  );
}
