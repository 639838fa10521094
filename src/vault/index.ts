// The Vault module's public API: what a component needs to get its credentials from Vault.
//
// In components/<name>/component.ts:
//   inputs: { ...jobInputs({...}), ...vaultInputs(), harbor_password: { default: 'kv/data/ci/harbor#password', ... } }
//   jobs:   { [input.as]: { ..., id_tokens: vaultIdTokens(input), run: 'build' } }
// In the action:
//   const prepared = prepareCredentials({ component: 'image', inputs, secrets: { password: {...} } }, context);
//   ... validate the rest, then:
//   const { password } = await fetchCredentials(prepared, context);   // or getCredentials(...) in one call
// Values come back registered with the redactor; hand them to tools by env or stdin, or as files
// through createSecretFiles(). The Vault token is revoked before fetchCredentials returns.

export type { Claims } from './claims.ts';
export { decodeClaims, describeClaims, SHOWN_CLAIMS } from './claims.ts';
export type { LoginRequest, Renewal, SecretData, VaultClientOptions, VaultLogin } from './client.ts';
export { VAULT_RETRY, VaultClient, vaultMessages } from './client.ts';
export type { VaultConfig } from './config.ts';
export { resolveVaultConfig } from './config.ts';
export type {
  CredentialsRequest,
  PreparedCredentials,
  SecretRequest,
  SessionOptions,
  VaultSession,
} from './credentials.ts';
export { fetchCredentials, getCredentials, openVaultSession, prepareCredentials } from './credentials.ts';
export type { VaultCode } from './errors.ts';
export { VAULT_CODES } from './errors.ts';
export type { SecretFiles } from './files.ts';
export { createSecretFiles } from './files.ts';
export type { VaultInputDefaults, VaultInputs } from './inputs.ts';
export {
  DEFAULT_AUDIENCE,
  DEFAULT_AUTH_MOUNT,
  DEFAULT_VAULT_ADDR,
  ID_TOKEN_VARIABLE,
  vaultIdTokens,
  vaultInputs,
} from './inputs.ts';
export type {
  DeclarationList,
  DeclarationProblem,
  KvEngine,
  SecretDeclaration,
  SecretDelivery,
  SecretRef,
} from './spec.ts';
export { parseDeclarations, parseSecretRef } from './spec.ts';
