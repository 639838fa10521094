import { describe, expect, it } from 'vitest';
import { createContext } from '../../src/runtime/context.ts';
import { resolveVaultConfig } from '../../src/vault/config.ts';
import { prepareCredentials } from '../../src/vault/credentials.ts';
import { ID_TOKEN_VARIABLE, type VaultInputs, vaultInputs } from '../../src/vault/inputs.ts';

// A syntactically valid JWT (the signature is not checked here).
const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const JWT = `${part({ alg: 'RS256' })}.${part({ project_path: 'oneex/back', ref: 'main' })}.c2lnbmF0dXJl`;

const defaults: VaultInputs = {
  vault_addr: '$VAULT_ADDR',
  vault_namespace: '$VAULT_NAMESPACE',
  vault_auth_mount: '$VAULT_AUTH_PATH',
  vault_role: '$VAULT_AUTH_ROLE',
  vault_audience: 'https://vault.oneex.fr',
};
const ci = (token: string | undefined = JWT) => ({
  ci: token === undefined ? {} : { [ID_TOKEN_VARIABLE]: token },
});
const resolve = (inputs: Partial<VaultInputs>, token?: string) =>
  resolveVaultConfig('image', { ...defaults, ...inputs }, ci(token));

describe('Vault inputs', () => {
  it('default to the group-level variables GitLab expands at job time', () => {
    const specs = vaultInputs();
    expect(Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, v.default]))).toEqual(defaults);
    expect(vaultInputs({ role: 'ci-image' }).vault_role.default).toBe('ci-image');
  });

  it('fall back to Oneex defaults when the variables are unset (empty or left unexpanded)', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell form of a variable reference.
    for (const unset of ['', '$VAULT_ADDR', '${VAULT_ADDR}']) {
      const { config, problems } = resolve({
        vault_addr: unset,
        vault_auth_mount: unset,
        vault_role: 'oneex-back',
      });
      expect(problems).toEqual([]);
      expect(config).toMatchObject({
        address: 'https://vault.oneex.fr',
        addressIsFallback: true,
        authMount: 'jwt',
        namespace: '',
        role: 'oneex-back',
        idToken: JWT,
      });
    }
  });

  it('take given values, normalised', () => {
    const { config } = resolve({
      vault_addr: 'https://vault.oneex.fr:8200/',
      vault_namespace: '/oneex/ci/',
      vault_auth_mount: 'gitlab/jwt',
      vault_role: 'oneex-back',
    });
    expect(config).toMatchObject({
      address: 'https://vault.oneex.fr:8200',
      addressIsFallback: false,
      namespace: 'oneex/ci',
      authMount: 'gitlab/jwt',
    });
  });

  it.each([
    [{ vault_addr: 'vault.oneex.fr' }, 'vault_addr', /http\(s\) URL such as/],
    [{ vault_addr: 'ftp://vault.oneex.fr' }, 'vault_addr', /scheme ftp:/],
    [{ vault_addr: 'https://admin:pw@vault.oneex.fr' }, 'vault_addr', /without credentials/],
    [{ vault_addr: 'https://vault.oneex.fr?x=1' }, 'vault_addr', /without query/],
    [{ vault_addr: 'https://vault.oneex.fr/v1' }, 'vault_addr', /without the \/v1 API prefix/],
    [{ vault_auth_mount: 'auth/jwt' }, 'vault_auth_mount', /without "auth\/": jwt/],
    [{ vault_auth_mount: 'jwt//x' }, 'vault_auth_mount', /mount path of letters/],
    [{ vault_role: '' }, 'vault_role', /set the input vault_role, or the CI\/CD variable VAULT_AUTH_ROLE/],
    [{ vault_role: '$VAULT_AUTH_ROLE' }, 'vault_role', /VAULT_AUTH_ROLE/],
    [{ vault_role: 'a role' }, 'vault_role', /role name of letters/],
    [{ vault_namespace: 'a b' }, 'vault_namespace', /namespace path/],
    [{ vault_audience: '' }, 'vault_audience', /bound_audiences/],
  ])('refuse %j', (inputs, input, expected) => {
    const { config, problems } = resolve({ vault_role: 'oneex-back', ...inputs });
    expect(config).toBeUndefined();
    expect(problems).toEqual([
      expect.objectContaining({
        input,
        variable: `ONEEX_IMAGE_${input.toUpperCase()}`,
        expected: expect.stringMatching(expected),
      }),
    ]);
  });

  it('need the job’s ID token, and never show a malformed one', () => {
    const missing = resolveVaultConfig('image', { ...defaults, vault_role: 'r' }, { ci: {} });
    expect(missing.problems).toEqual([
      expect.objectContaining({
        variable: ID_TOKEN_VARIABLE,
        value: undefined,
        expected: expect.stringMatching(/id_tokens/),
      }),
    ]);
    const malformed = resolve({ vault_role: 'r' }, 'not-a-jwt-but-a-secret-value');
    expect(malformed.problems).toEqual([
      expect.objectContaining({ value: '[MASKED]', expected: expect.stringMatching(/a JWT/) }),
    ]);
    expect(JSON.stringify(malformed)).not.toContain('not-a-jwt-but-a-secret-value');
  });

  it('report every problem, inputs and references together, before any request', () => {
    const context = createContext({ env: {}, cwd: '/tmp', out: { write: () => {} }, isTTY: false });
    let error: unknown;
    try {
      prepareCredentials(
        {
          component: 'image',
          inputs: { ...defaults, vault_addr: 'nope', vault_role: '' },
          secrets: {
            password: { ref: 'kv/data/ci/harbor', input: 'harbor_password' },
            user: 'kv/data/ci/harbor#user',
          },
        },
        context,
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'EINPUT', exitCode: 2 });
    const message = (error as Error).message;
    expect(message).toMatch(/4 inputs of component "image" are not valid/);
    expect(message).toMatch(/vault_addr: got "nope"/);
    expect(message).toMatch(/vault_role: got ""/);
    expect(message).toMatch(/id_tokens: not set/);
    expect(message).toMatch(/harbor_password: got "kv\/data\/ci\/harbor"; expected a field after "#"/);
  });
});
