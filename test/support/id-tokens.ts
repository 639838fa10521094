import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

// GitLab ID tokens for tests: an RS256 key pair, the JWKS GitLab would serve at
// `<gitlab>/oauth/discovery/keys` (served here on loopback, so the Vault double fetches it as Vault
// does), and tokens carrying GitLab's claim set (docs.gitlab.com/ci/secrets/id_token_authentication):
// every claim is a string except numeric ones (runner_id, iat, nbf, exp); ref_protected is "true"/"false".

export interface GitLabJob {
  readonly projectPath?: string;
  readonly ref?: string;
  readonly refType?: 'branch' | 'tag';
  readonly refProtected?: boolean;
  readonly environment?: string;
  readonly environmentProtected?: boolean;
  readonly deploymentTier?: string;
  readonly pipelineSource?: string;
}

export interface MintOptions extends GitLabJob {
  readonly aud?: string | readonly string[];
  /** Seconds from now; negative mints an already expired token. Default 3600 (the job timeout). */
  readonly expiresIn?: number;
  /** Claims to add or override (set one to undefined to drop it). */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Sign with the issuer's other key, one the JWKS does not hold. */
  readonly foreignKey?: boolean;
}

export interface IdTokenIssuer {
  /** `iss` of the tokens: the GitLab instance URL. */
  readonly issuer: string;
  /** Where the JWKS is served. */
  readonly jwksUrl: string;
  readonly jwks: { readonly keys: readonly JWK[] };
  /** The claims a token for this job carries (before signing). */
  claims(options?: MintOptions): Record<string, unknown>;
  mint(options?: MintOptions): Promise<string>;
  close(): Promise<void>;
}

export const GITLAB_ISSUER = 'https://gitlab.oneex.test';

export async function createIdTokenIssuer(issuer = GITLAB_ISSUER): Promise<IdTokenIssuer> {
  const signing = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(signing.publicKey)), kid, use: 'sig', alg: 'RS256' };
  const jwks = { keys: [jwk] };
  const server: Server = createServer((request, response) => {
    if (request.url === '/oauth/discovery/keys') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(jwks));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let jobId = 1000;

  const claims = (options: MintOptions = {}): Record<string, unknown> => {
    const projectPath = options.projectPath ?? 'oneex/back';
    const namespacePath = projectPath.split('/').slice(0, -1).join('/');
    const ref = options.ref ?? 'main';
    const refType = options.refType ?? 'branch';
    const now = Math.floor(Date.now() / 1000);
    const id = ++jobId;
    const base: Record<string, unknown> = {
      namespace_id: '72',
      namespace_path: namespacePath,
      project_id: '20',
      project_path: projectPath,
      user_id: '1',
      user_login: 'dev',
      user_email: 'dev@oneex.test',
      user_access_level: 'developer',
      user_identities: [],
      pipeline_id: '574',
      pipeline_source: options.pipelineSource ?? 'push',
      job_id: String(id),
      ref,
      ref_type: refType,
      ref_path: `refs/${refType === 'tag' ? 'tags' : 'heads'}/${ref}`,
      ref_protected: String(options.refProtected ?? true),
      runner_id: 1,
      runner_environment: 'self-hosted',
      sha: '714a629c0b401fdce83e847fc9589983fc6f46bc',
      project_visibility: 'private',
      ci_config_ref_uri: `gitlab.oneex.test/${projectPath}//.gitlab-ci.yml@refs/heads/${ref}`,
      ci_config_sha: '714a629c0b401fdce83e847fc9589983fc6f46bc',
      jti: randomUUID(),
      iss: issuer,
      iat: now,
      nbf: now - 5,
      exp: now + (options.expiresIn ?? 3600),
      sub: `project_path:${projectPath}:ref_type:${refType}:ref:${ref}`,
      aud: options.aud ?? 'https://vault.oneex.fr',
    };
    if (options.environment !== undefined) {
      base.environment = options.environment;
      base.environment_protected = String(options.environmentProtected ?? false);
      base.deployment_tier = options.deploymentTier ?? 'other';
      base.environment_action = 'start';
    }
    for (const [name, value] of Object.entries(options.claims ?? {})) {
      if (value === undefined) delete base[name];
      else base[name] = value;
    }
    return base;
  };

  return {
    issuer,
    jwksUrl: `http://127.0.0.1:${port}/oauth/discovery/keys`,
    jwks,
    claims,
    async mint(options = {}) {
      return new SignJWT(claims(options))
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .sign(options.foreignKey === true ? foreign.privateKey : signing.privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
