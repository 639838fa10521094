import { VaultDouble } from '../doubles/vault-double.ts';
import { createIdTokenIssuer, type IdTokenIssuer } from './id-tokens.ts';

// Oneex's Vault as tests meet it: the Vault double with GitLab's JWT auth method at auth/jwt/ (keys
// from the test issuer's JWKS), a KV v2 engine at kv/ and a KV v1 engine at secret/, and roles as the
// platform team writes them:
// - `oneex-back`: project oneex/back, protected refs only ("ref_protected": "true");
// - `oneex-any-ref`: any project under oneex/ (glob), any ref;
// both with the policy `oneex-back` (read kv/data/oneex/back*, kv/data/oneex/deploy, secret/oneex/*),
// tokens of 15 minutes, renewable to 1 hour.

export const AUDIENCE = 'https://vault.oneex.fr';

export interface VaultFixture {
  readonly vault: VaultDouble;
  readonly issuer: IdTokenIssuer;
  stop(): Promise<void>;
}

export async function startVault(): Promise<VaultFixture> {
  const issuer = await createIdTokenIssuer();
  const vault = await new VaultDouble().start();
  vault.enableJwt('jwt', { jwks_url: issuer.jwksUrl, bound_issuer: issuer.issuer });
  const common = {
    bound_audiences: [AUDIENCE],
    user_claim: 'user_email',
    token_policies: ['oneex-back'],
    token_ttl: 900,
    token_max_ttl: 3600,
    claim_mappings: { project_path: 'project_path', ref: 'ref' },
  };
  vault.writeRole('jwt', 'oneex-back', {
    ...common,
    bound_claims: { project_path: 'oneex/back', ref_protected: 'true' },
  });
  vault.writeRole('jwt', 'oneex-any-ref', {
    ...common,
    bound_claims_type: 'glob',
    bound_claims: { project_path: 'oneex/*' },
  });
  vault.writePolicy('oneex-back', {
    'kv/data/oneex/back': ['read'],
    'kv/data/oneex/back/*': ['read'],
    'kv/metadata/oneex/back': ['read'],
    'kv/data/oneex/deploy': ['read'],
    'secret/oneex/*': ['read'],
  });
  vault.enableKv('kv', 2);
  vault.enableKv('secret', 1);
  return {
    vault,
    issuer,
    async stop() {
      await Promise.all([vault.stop(), issuer.close()]);
    },
  };
}
