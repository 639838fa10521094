import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OneexError } from '../../src/runtime/errors.ts';
import { VaultClient } from '../../src/vault/client.ts';
import { parseSecretRef, type SecretRef } from '../../src/vault/spec.ts';
import { AUDIENCE, startVault, type VaultFixture } from '../support/vault.ts';

// The client against the Vault double: every answer Vault gives the library, mapped to an error that
// says what to fix, and the retry policy proven with injected faults.

const FAST = { attempts: 4, baseDelayMs: 10, maxDelayMs: 40, budgetMs: 2_000 };
const ref = (text: string): SecretRef => {
  const parsed = parseSecretRef(text);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.value;
};

let fx: VaultFixture;
let client: VaultClient;
const retries: string[] = [];

beforeAll(async () => {
  fx = await startVault();
  client = new VaultClient({
    address: fx.vault.address,
    retry: FAST,
    onRetry: (reason) => retries.push(reason),
  });
  fx.vault.putSecret('kv', 'oneex/back', { password: 'v1-password', user: 'back' });
  fx.vault.putSecret('kv', 'oneex/back', { password: 'v2-password', user: 'back', port: 5432 });
  fx.vault.putSecret('secret', 'oneex/legacy', { token: 'legacy-token' });
});
afterAll(() => fx.stop());
beforeEach(() => {
  fx.vault.clearFaults();
  fx.vault.sealed = false;
  retries.length = 0;
});

const login = async (role = 'oneex-back', mint: Parameters<VaultFixture['issuer']['mint']>[0] = {}) =>
  client.login({ authMount: 'jwt', role, jwt: await fx.issuer.mint(mint) });

async function failure(promise: Promise<unknown>): Promise<OneexError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OneexError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('JWT login', () => {
  it('returns a token with the role’s policies and TTL', async () => {
    const result = await login();
    expect(result).toMatchObject({
      policies: ['default', 'oneex-back'],
      leaseSeconds: 900,
      renewable: true,
      metadata: { role: 'oneex-back', project_path: 'oneex/back', ref: 'main' },
    });
    expect(result.token).toMatch(/^hvs\./);
    const last = fx.vault.requests.at(-1);
    expect(last).toMatchObject({ method: 'POST', path: 'auth/jwt/login', status: 200, hadToken: false });
  });

  it('lower-cases the role as Vault does', async () => {
    await expect(login('Oneex-Back')).resolves.toMatchObject({ metadata: { role: 'oneex-back' } });
  });

  it('role not found', async () => {
    const error = await failure(login('oneex-front'));
    expect(error.code).toBe('EVAULT_ROLE');
    expect(error.message).toMatch(/has no role "oneex-front"/);
    expect(error.hint).toMatch(/vault list auth\/jwt\/role/);
  });

  it('bound claims: an unprotected ref against a role bound to protected refs names the claim and shows the claims', async () => {
    const jwt = await fx.issuer.mint({ ref: 'feature/x', refProtected: false, environment: 'review/x' });
    const error = await failure(client.login({ authMount: 'jwt', role: 'oneex-back', jwt }));
    expect(error.code).toBe('EVAULT_CLAIMS');
    expect(error.message).toMatch(/claim "ref_protected" \("false"\) does not match the role's bound claims/);
    expect(error.message).toMatch(
      /Vault said: error validating claims: claim "ref_protected" does not match any associated bound claim values/,
    );
    expect(error.message).toMatch(/project_path\s+= "oneex\/back"/);
    expect(error.message).toMatch(/ref\s+= "feature\/x"/);
    expect(error.message).toMatch(/ref_type\s+= "branch"/);
    expect(error.message).toMatch(/ref_protected\s+= "false"\s+<- does not match the role/);
    expect(error.message).toMatch(/environment\s+= "review\/x"/);
    expect(error.hint).toMatch(/protected branch or tag/);
    // The token itself is nowhere in what is printed; its payload is shown decoded, claim by claim.
    expect(`${error.message}${error.hint}`).not.toContain(jwt.split('.')[2]);
    expect(`${error.message}${error.hint}`).not.toContain(jwt.split('.')[1]);
  });

  it('bound claims with globs: any project under oneex/ passes, another group does not', async () => {
    await expect(
      login('oneex-any-ref', { projectPath: 'oneex/scanner', refProtected: false }),
    ).resolves.toBeDefined();
    const error = await failure(login('oneex-any-ref', { projectPath: 'other/scanner' }));
    expect(error.code).toBe('EVAULT_CLAIMS');
    expect(error.message).toMatch(/claim "project_path" \("other\/scanner"\)/);
  });

  it('bound claims: a claim the token lacks', async () => {
    const error = await failure(login('oneex-back', { claims: { ref_protected: undefined } }));
    expect(error.code).toBe('EVAULT_CLAIMS');
    expect(error.message).toMatch(/claim "ref_protected" \(absent\)/);
    expect(error.message).toMatch(/claim "ref_protected" is missing/);
  });

  it('a boolean ref_protected does not match the string GitLab sends', async () => {
    const error = await failure(login('oneex-back', { claims: { ref_protected: true } }));
    expect(error.code).toBe('EVAULT_CLAIMS');
  });

  it('audience mismatch', async () => {
    const error = await failure(login('oneex-back', { aud: 'https://other.example' }));
    expect(error.code).toBe('EVAULT_AUDIENCE');
    expect(error.message).toMatch(/audience "https:\/\/other.example" is not in the role's bound_audiences/);
    expect(error.hint).toMatch(/vault_audience/);
  });

  it('expired token, with Vault’s 60 s leeway', async () => {
    await expect(login('oneex-back', { expiresIn: -30 })).resolves.toBeDefined();
    const error = await failure(login('oneex-back', { expiresIn: -120 }));
    expect(error.code).toBe('EVAULT_EXPIRED');
    expect(error.message).toMatch(/ID token expired at \d{4}-/);
  });

  it('a token signed by a key the JWKS does not hold', async () => {
    const error = await failure(login('oneex-back', { foreignKey: true }));
    expect(error.code).toBe('EVAULT_LOGIN');
    expect(error.message).toMatch(/error verifying token signature/);
  });

  it('a user_claim the token lacks', async () => {
    const error = await failure(login('oneex-back', { claims: { user_email: undefined } }));
    expect(error.code).toBe('EVAULT_CLAIMS');
    expect(error.message).toMatch(/claim "user_email" not found in token/);
  });

  it('no JWT auth method at the mount', async () => {
    const error = await failure(
      client.login({ authMount: 'gitlab', role: 'oneex-back', jwt: await fx.issuer.mint() }),
    );
    expect(error.code).toBe('EVAULT_AUTH_MOUNT');
    expect(error.message).toMatch(/no JWT auth method at auth\/gitlab\//);
  });
});

describe('KV reads', () => {
  it('KV v2: the latest version, or a pinned one', async () => {
    const { token } = await login();
    await expect(client.read(token, ref('kv/data/oneex/back#password'))).resolves.toEqual({
      data: { password: 'v2-password', user: 'back', port: 5432 },
      version: 2,
    });
    await expect(client.read(token, ref('kv/data/oneex/back?version=1#password'))).resolves.toEqual({
      data: { password: 'v1-password', user: 'back' },
      version: 1,
    });
    expect(fx.vault.requests.at(-1)).toMatchObject({
      path: 'kv/data/oneex/back',
      query: '?version=1',
      hadToken: true,
    });
  });

  it('KV v1', async () => {
    const { token } = await login();
    await expect(client.read(token, ref('secret/oneex/legacy#token'))).resolves.toEqual({
      data: { token: 'legacy-token' },
    });
  });

  it('a missing path: 404 with empty errors', async () => {
    const { token } = await login();
    const error = await failure(client.read(token, ref('kv/data/oneex/back/nothing#password')));
    expect(fx.vault.requests.at(-1)?.status).toBe(404);
    expect(error).toMatchObject({ code: 'EVAULT_NOT_FOUND', exitCode: 2 });
    expect(error.message).toMatch(/No secret at kv\/data\/oneex\/back\/nothing/);
    expect(error.hint).toMatch(/If kv\/ is a KV v1 mount, write kv1:kv\/oneex\/back\/nothing/);
  });

  it('a version that does not exist', async () => {
    const { token } = await login();
    const error = await failure(client.read(token, ref('kv/data/oneex/back?version=9#password')));
    expect(error.code).toBe('EVAULT_NOT_FOUND');
    expect(error.message).toMatch(/version 9/);
  });

  it('a deleted or destroyed version: 404 with metadata', async () => {
    fx.vault.putSecret('kv', 'oneex/back/rotated', { key: 'old' });
    fx.vault.putSecret('kv', 'oneex/back/rotated', { key: 'new' });
    fx.vault.deleteVersion('kv', 'oneex/back/rotated', 2);
    fx.vault.deleteVersion('kv', 'oneex/back/rotated', 1, { destroy: true });
    const { token } = await login();
    const deleted = await failure(client.read(token, ref('kv/data/oneex/back/rotated#key')));
    expect(deleted.code).toBe('EVAULT_DELETED');
    expect(deleted.message).toMatch(/Version 2 of kv\/oneex\/back\/rotated is deleted at/);
    expect(deleted.hint).toMatch(/vault kv undelete -versions=2/);
    const destroyed = await failure(client.read(token, ref('kv/data/oneex/back/rotated?version=1#key')));
    expect(destroyed.message).toMatch(/Version 1 .* is destroyed/);
  });

  it('a KV v1 style path on a KV v2 mount: Vault’s warning is passed on', async () => {
    const { token } = await login();
    const error = await failure(client.read(token, ref('kv1:kv/oneex/back#password')));
    expect(error.code).toBe('EVAULT_DENIED'); // the policy grants kv/data/..., not kv/oneex/...
    fx.vault.writePolicy('wide', { 'kv/*': ['read'] });
    fx.vault.writeRole('jwt', 'wide', {
      bound_audiences: [AUDIENCE],
      user_claim: 'sub',
      token_policies: ['wide'],
    });
    const wide = await login('wide');
    const notFound = await failure(client.read(wide.token, ref('kv1:kv/oneex/back#password')));
    expect(notFound.code).toBe('EVAULT_NOT_FOUND');
    expect(notFound.message).toMatch(/Invalid path for a versioned K\/V secrets engine/);
  });

  it('a path the token’s policies do not allow: 403', async () => {
    fx.vault.putSecret('kv', 'oneex/front', { password: 'x' });
    const { token } = await login();
    const error = await failure(
      client.read(token, ref('kv/data/oneex/front#password'), {
        role: 'oneex-back',
        policies: ['default', 'oneex-back'],
      }),
    );
    expect(error.code).toBe('EVAULT_DENIED');
    expect(error.message).toMatch(
      /Vault denied reading kv\/data\/oneex\/front#password by role "oneex-back" \(policies: default, oneex-back\)/,
    );
    expect(error.hint).toMatch(/path "kv\/data\/oneex\/front" \{ capabilities = \["read"\] \}/);
  });

  it('a revoked or unknown token: 403 permission denied', async () => {
    const { token } = await login();
    await client.revokeSelf(token);
    expect((await failure(client.read(token, ref('kv/data/oneex/back#password')))).code).toBe(
      'EVAULT_DENIED',
    );
  });
});

describe('the Vault double’s own contract', () => {
  it('serves KV v2 metadata as Vault does, and applies + and * in policy paths', async () => {
    const { token } = await login();
    const get = (path: string) =>
      fetch(`${fx.vault.address}/v1/${path}`, { headers: { 'X-Vault-Token': token } });
    const metadata = (await (await get('kv/metadata/oneex/back')).json()) as {
      data: Record<string, unknown>;
    };
    expect(metadata.data).toMatchObject({
      current_version: 2,
      versions: { '1': { destroyed: false }, '2': {} },
    });
    fx.vault.writePolicy('segments', {
      'kv/data/+/shared': ['read'],
      'kv/data/team/*': ['read'],
      'kv/data/team/secret': ['deny'],
    });
    fx.vault.writeRole('jwt', 'segments', {
      bound_audiences: [AUDIENCE],
      user_claim: 'sub',
      token_policies: ['segments'],
    });
    fx.vault.putSecret('kv', 'a/shared', { x: '1' });
    fx.vault.putSecret('kv', 'team/secret', { x: '1' });
    const scoped = await login('segments');
    const read = (path: string) =>
      fetch(`${fx.vault.address}/v1/kv/data/${path}`, { headers: { 'X-Vault-Token': scoped.token } }).then(
        (r) => r.status,
      );
    expect(await read('a/shared')).toBe(200);
    expect(await read('a/b/shared')).toBe(403);
    expect(await read('team/anything')).toBe(404);
    expect(await read('team/secret')).toBe(403);
    const noToken = await fetch(`${fx.vault.address}/v1/kv/data/a/shared`);
    expect([noToken.status, await noToken.json()]).toEqual([403, { errors: ['permission denied'] }]);
  });
});

describe('namespaces', () => {
  it('sends X-Vault-Namespace; a token of one namespace is refused in another', async () => {
    fx.vault.enableJwt('jwt', { jwks_url: fx.issuer.jwksUrl }, 'oneex/ci');
    fx.vault.writeRole(
      'jwt',
      'ci',
      { bound_audiences: [AUDIENCE], user_claim: 'sub', token_policies: ['ci'] },
      'oneex/ci',
    );
    fx.vault.writePolicy('ci', { 'kv/data/*': ['read'] }, 'oneex/ci');
    fx.vault.enableKv('kv', 2, 'oneex/ci');
    fx.vault.putSecret('kv', 'harbor', { password: 'ns-password' }, 'oneex/ci');
    const scoped = new VaultClient({ address: fx.vault.address, namespace: 'oneex/ci', retry: FAST });
    const { token } = await scoped.login({ authMount: 'jwt', role: 'ci', jwt: await fx.issuer.mint() });
    await expect(scoped.read(token, ref('kv/data/harbor#password'))).resolves.toMatchObject({
      data: { password: 'ns-password' },
    });
    expect(fx.vault.requests.at(-1)).toMatchObject({ namespace: 'oneex/ci' });
    // The root namespace has no role "ci", and the token is not valid there.
    expect(
      (await failure(client.login({ authMount: 'jwt', role: 'ci', jwt: await fx.issuer.mint() }))).code,
    ).toBe('EVAULT_ROLE');
    expect((await failure(client.read(token, ref('kv/data/harbor#password')))).code).toBe('EVAULT_DENIED');
  });
});

describe('availability and retries', () => {
  it('sealed: 503, retried, then reported', async () => {
    fx.vault.sealed = true;
    const error = await failure(login());
    expect(error).toMatchObject({ code: 'EVAULT_SEALED', exitCode: 3 });
    expect(error.message).toMatch(/is sealed/);
    expect(retries.length).toBe(FAST.attempts - 1);
  });

  it('retries 5xx answers and dropped connections, then succeeds', async () => {
    fx.vault.inject({ status: 500, errors: ['internal error'] }, { path: 'auth/jwt/login' });
    fx.vault.inject('drop', { path: 'auth/jwt/login' });
    fx.vault.inject({ status: 502 }, { path: 'auth/jwt/login' });
    await expect(login()).resolves.toMatchObject({ renewable: true });
    expect(retries).toHaveLength(3);
    const statuses = fx.vault.requests.slice(-4).map((r) => r.status);
    expect(statuses).toEqual([500, 'dropped', 502, 200]);
  });

  it('retries reads too', async () => {
    const { token } = await login();
    fx.vault.inject('drop', { path: 'kv/data/oneex/back', times: 2 });
    await expect(client.read(token, ref('kv/data/oneex/back#password'))).resolves.toMatchObject({
      version: 2,
    });
    expect(retries).toHaveLength(2);
  });

  it('never retries a 4xx', async () => {
    const before = fx.vault.requests.length;
    await failure(login('oneex-front'));
    expect(fx.vault.requests.length - before).toBe(1);
    expect(retries).toHaveLength(0);
  });

  it('a 5xx that lasts is reported after the bounded attempts', async () => {
    fx.vault.inject({ status: 500, errors: ['storage is down'] }, { times: 10 });
    const error = await failure(login());
    expect(error.code).toBe('EVAULT_ANSWER');
    expect(error.message).toMatch(/HTTP 500: storage is down/);
    expect(retries).toHaveLength(FAST.attempts - 1);
  });

  it('unreachable: connection refused, within the time budget', async () => {
    const port = await freePort();
    const gone = new VaultClient({ address: `http://127.0.0.1:${port}`, retry: FAST });
    const started = Date.now();
    const error = await failure(gone.login({ authMount: 'jwt', role: 'x', jwt: await fx.issuer.mint() }));
    expect(error).toMatchObject({ code: 'EVAULT_UNREACHABLE', exitCode: 3 });
    expect(error.message).toMatch(/did not answer: ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(FAST.budgetMs + 1_000);
  });
});

describe('token lifecycle', () => {
  it('renew-self extends the lease, capped at the role’s max TTL', async () => {
    const { token } = await login();
    await expect(client.renewSelf(token, 600)).resolves.toEqual({ leaseSeconds: 600, renewable: true });
    const capped = await client.renewSelf(token, 7200);
    expect(capped.leaseSeconds).toBeLessThanOrEqual(3600);
    expect(capped.leaseSeconds).toBeGreaterThan(3500);
  });

  it('revoke-self answers 204; the token is dead after, and a second revoke is not an error', async () => {
    const { token } = await login();
    await expect(client.revokeSelf(token)).resolves.toBe(true);
    expect(fx.vault.requests.at(-1)).toMatchObject({ path: 'auth/token/revoke-self', status: 204 });
    expect(fx.vault.tokenState(token)?.revoked).toBe(true);
    await expect(client.revokeSelf(token)).resolves.toBe(false);
    const error = await failure(client.renewSelf(token));
    expect(error.code).toBe('EVAULT_TOKEN');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
