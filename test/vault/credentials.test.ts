import { lstat, readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type RunContext } from '../../src/runtime/context.ts';
import { OneexError } from '../../src/runtime/errors.ts';
import { createSecretFiles } from '../../src/vault/files.ts';
import {
  fetchCredentials,
  getCredentials,
  openVaultSession,
  prepareCredentials,
  type VaultInputs,
} from '../../src/vault/index.ts';
import { parseSecretRef, type SecretRef } from '../../src/vault/spec.ts';
import { startVault, type VaultFixture } from '../support/vault.ts';

// getCredentials as a component calls it: checked first, read once, registered with the redactor,
// revoked at the end; and what the log shows.

const FAST = { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, budgetMs: 1_000 } };
let fx: VaultFixture;
let inputs: VaultInputs;

beforeAll(async () => {
  fx = await startVault();
  inputs = {
    vault_addr: fx.vault.address,
    vault_namespace: '',
    vault_auth_mount: 'jwt',
    vault_role: 'oneex-back',
    vault_audience: 'https://vault.oneex.fr',
  };
  fx.vault.putSecret('kv', 'oneex/back', {
    username: 'robot$back',
    password: 'p4ss/w0rd+harbor=',
    port: 5432,
  });
  fx.vault.putSecret('secret', 'oneex/legacy', { token: 'legacy-token-value' });
});
afterAll(() => fx.stop());

async function context(idToken?: string): Promise<{ context: RunContext; log: () => string }> {
  let text = '';
  const ctx = createContext({
    env: {
      ONEEX_VAULT_ID_TOKEN: idToken ?? (await fx.issuer.mint()),
      CI_PROJECT_DIR: '/nonexistent/project',
    },
    cwd: '/nonexistent/project',
    out: {
      write: (chunk) => {
        text += chunk;
      },
    },
    isTTY: false,
  });
  return { context: ctx, log: () => text };
}

const ref = (text: string): SecretRef => {
  const parsed = parseSecretRef(text);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.value;
};

describe('getCredentials', () => {
  it('logs in, reads each secret once, registers every value, and revokes the token', async () => {
    const { context: ctx, log } = await context();
    const before = fx.vault.requests.length;
    const values = await getCredentials(
      {
        component: 'image',
        inputs,
        secrets: {
          username: 'kv/data/oneex/back#username',
          password: { ref: 'kv/data/oneex/back#password', input: 'harbor_password' },
          port: 'kv/data/oneex/back#port',
          legacy: 'secret/oneex/legacy#token',
        },
      },
      ctx,
      { client: FAST },
    );
    expect(values).toEqual({
      username: 'robot$back',
      password: 'p4ss/w0rd+harbor=',
      port: '5432',
      legacy: 'legacy-token-value',
    });
    const calls = fx.vault.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(calls).toEqual([
      'POST auth/jwt/login 200',
      'GET kv/data/oneex/back 200',
      'GET secret/oneex/legacy 200',
      'POST auth/token/revoke-self 204',
    ]);
    expect(fx.vault.liveTokens()).toEqual([]);
    for (const value of Object.values(values).filter((v) => v.length >= 4))
      expect(ctx.redactor.redact(`x ${value} x`)).toBe('x [MASKED] x');
    for (const token of fx.vault.issuedTokens()) expect(ctx.redactor.redact(token)).toBe('[MASKED]');
    expect(log()).toMatch(/Vault: logging in to http:\/\/127\.0\.0\.1:\d+, auth\/jwt\/ role "oneex-back"\./);
    expect(log()).toMatch(/Vault: read kv\/data\/oneex\/back \(version 1\)\./);
    expect(log()).toMatch(/Vault: token revoked\./);
    for (const value of Object.values(values)) if (value.length >= 4) expect(log()).not.toContain(value);
  });

  it('checks everything before the first request', async () => {
    const { context: ctx } = await context();
    const before = fx.vault.requests.length;
    expect(() =>
      prepareCredentials(
        {
          component: 'image',
          inputs: { ...inputs, vault_auth_mount: 'auth/jwt' },
          secrets: { p: 'kv/data/x' },
        },
        ctx,
      ),
    ).toThrow(/2 inputs of component "image" are not valid/);
    expect(fx.vault.requests.length).toBe(before);
  });

  it('a missing field names the fields that exist, never their values, and still revokes', async () => {
    const { context: ctx, log } = await context();
    let error: unknown;
    try {
      await getCredentials(
        { component: 'image', inputs, secrets: { p: 'kv/data/oneex/back#pasword' } },
        ctx,
        { client: FAST },
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OneexError);
    const { code, message, hint } = error as OneexError;
    expect(code).toBe('EVAULT_FIELD');
    expect(message).toBe(
      'The secret kv/oneex/back has no field "pasword"; its fields are: "username", "password", "port".',
    );
    expect(`${message}${hint}${log()}`).not.toMatch(/p4ss|robot\$back/);
    expect(fx.vault.liveTokens()).toEqual([]);
  });

  it('a refused login shows the token’s claims, and the failure leaves no live token', async () => {
    const jwt = await fx.issuer.mint({ ref: 'feature/x', refProtected: false });
    const { context: ctx } = await context(jwt);
    const error = await fetchCredentials(
      prepareCredentials({ component: 'image', inputs, secrets: { p: 'kv/data/oneex/back#password' } }, ctx),
      ctx,
      { client: FAST },
    ).catch((e: unknown) => e as OneexError);
    expect(error).toMatchObject({ code: 'EVAULT_CLAIMS' });
    expect(ctx.redactor.redact(`${(error as Error).message}`)).toBe((error as Error).message);
  });
});

describe('Vault sessions', () => {
  it('hands VAULT_* to a child’s environment, and keepAlive renews before the lease ends', async () => {
    fx.vault.writeRole('jwt', 'short', {
      bound_audiences: ['https://vault.oneex.fr'],
      user_claim: 'sub',
      token_policies: ['oneex-back'],
      token_ttl: 6,
      token_max_ttl: 60,
    });
    const { context: ctx, log } = await context();
    const { config } = prepareCredentials(
      { component: 'x', inputs: { ...inputs, vault_role: 'short' }, secrets: {} },
      ctx,
    );
    const session = await openVaultSession(config, ctx, { client: FAST });
    const env = session.env();
    expect(env).toEqual({ VAULT_ADDR: fx.vault.address, VAULT_TOKEN: expect.stringMatching(/^hvs\./) });
    const before = fx.vault.tokenState(env.VAULT_TOKEN ?? '')?.expiresAt ?? 0;
    session.keepAlive();
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const renewed = fx.vault.requests.filter((r) => r.path === 'auth/token/renew-self');
    expect(renewed.length).toBeGreaterThanOrEqual(1);
    expect(fx.vault.tokenState(env.VAULT_TOKEN ?? '')?.expiresAt ?? 0).toBeGreaterThan(before);
    await expect(session.read(ref('kv/data/oneex/back#username'))).resolves.toBe('robot$back');
    await session.close();
    await session.close();
    expect(fx.vault.tokenState(env.VAULT_TOKEN ?? '')?.revoked).toBe(true);
    expect(log()).not.toContain(env.VAULT_TOKEN);
  });
});

describe('credential files', () => {
  it('are 0600 in a 0700 directory outside the project, removed on request', async () => {
    const { context: ctx } = await context();
    const files = await createSecretFiles(ctx);
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----';
    const path = await files.write('deploy_key', key);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(files.dir)).mode & 0o777).toBe(0o700);
    expect(await readFile(path, 'utf8')).toBe(`${key}\n`);
    await expect(files.write('deploy_key', 'again')).rejects.toThrow(/EEXIST/);
    await expect(files.write('../escape', 'x')).rejects.toThrow(/bad credential file name/);
    await files.remove();
    await expect(lstat(files.dir)).rejects.toThrow(/ENOENT/);
  });

  it('refuse a directory inside the project', async () => {
    const project = await createSecretFiles((await context()).context);
    const ctx = createContext({
      env: { CI_PROJECT_DIR: project.dir },
      cwd: project.dir,
      out: { write: () => {} },
      isTTY: false,
    });
    await expect(createSecretFiles(ctx, { at: `${project.dir}/secrets` })).rejects.toMatchObject({
      code: 'ESECRETDIR',
    });
    await project.remove();
  });
});
