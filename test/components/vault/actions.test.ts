import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../../src/cli/main.ts';
import { startVault, type VaultFixture } from '../../support/vault.ts';

// `oneex-ci vault login|revoke|renew` run in-process, as the template's before_script and
// after_script run them: what they leave for the job's shell, and what they say when they fail.

const run = promisify(execFile);
let fx: VaultFixture;
let root: string;
const VALUES = {
  password: 'p4ss w0rd/+="\'$(reboot)`x`\\n',
  trailing: 'ends with newlines\n\n',
  key: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----',
};

beforeAll(async () => {
  fx = await startVault();
  fx.vault.putSecret('kv', 'oneex/back', { password: VALUES.password, trailing: VALUES.trailing });
  fx.vault.putSecret('kv', 'oneex/deploy', { key: VALUES.key });
  root = await mkdtemp(join(tmpdir(), 'oneex-vault-actions-'));
});
afterAll(async () => {
  await fx.stop();
  await rm(root, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  project: string;
}

async function cli(
  action: string,
  inputs: Record<string, string>,
  extra: Record<string, string> = {},
): Promise<Outcome> {
  const project = join(root, `project-${Math.random().toString(36).slice(2)}`);
  await mkdir(project);
  return cliIn(project, action, inputs, extra);
}

async function cliIn(
  project: string,
  action: string,
  inputs: Record<string, string>,
  extra: Record<string, string> = {},
): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const env: Record<string, string> = {
    ONEEX_VAULT_VAULT_ADDR: fx.vault.address,
    ONEEX_VAULT_VAULT_ROLE: 'oneex-back',
    ONEEX_VAULT_ID_TOKEN: await fx.issuer.mint(),
    CI_PROJECT_DIR: project,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`ONEEX_VAULT_${k.toUpperCase()}`, v])),
    ...extra,
  };
  const code = await main({
    argv: ['vault', action],
    env,
    cwd: project,
    stdout: {
      write: (t) => {
        stdout += t;
      },
    },
    stderr: {
      write: (t) => {
        stderr += t;
      },
    },
  });
  return { code, stdout, stderr, project };
}

const json = (list: string[]) => `json:${JSON.stringify(list)}`;

describe('oneex-ci vault login', () => {
  it('leaves an env.sh that gives the shell each value exactly, prints none even under set -x', async () => {
    const out = await cli('login', {
      secrets: json(['DB_PASSWORD=kv/data/oneex/back#password', 'TRAILING=kv/data/oneex/back#trailing']),
      files: json(['DEPLOY_KEY=kv/data/oneex/deploy#key']),
    });
    expect(out.code, out.stderr).toBe(0);
    const dir = `${out.project}.tmp/oneex-vault`;
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const script = await readFile(join(dir, 'env.sh'), 'utf8');
    for (const value of Object.values(VALUES)) expect(script).not.toContain(value.trim().slice(0, 12));
    const key = join(dir, 'files', 'DEPLOY_KEY');
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect(await readFile(key, 'utf8')).toBe(`${VALUES.key}\n`);

    // The job's shell: set -x on, as CI_DEBUG_TRACE does; then the values are compared without printing.
    const shell = [
      'set -eux',
      `. "$(pwd -P).tmp/oneex-vault/env.sh"`,
      // Only the sourcing is under test: the checks below would trace the values themselves.
      'set +x',
      'printf %s "$DB_PASSWORD" > "$OUT/password"',
      'printf %s "$TRAILING" > "$OUT/trailing"',
      'printf %s "$DEPLOY_KEY" > "$OUT/key-path"',
      `test ! -e "$(pwd -P).tmp/oneex-vault/values"`,
    ].join('\n');
    const outDir = join(root, 'out');
    await mkdir(outDir);
    const traced = await run('bash', ['-c', shell], {
      cwd: out.project,
      env: { ...process.env, OUT: outDir },
    });
    expect(await readFile(join(outDir, 'password'), 'utf8')).toBe(VALUES.password);
    expect(await readFile(join(outDir, 'trailing'), 'utf8')).toBe(VALUES.trailing);
    expect(await readFile(join(outDir, 'key-path'), 'utf8')).toBe(key);
    expect(traced.stderr).toMatch(/\+ set \+x/);
    expect(traced.stderr).not.toContain('p4ss');
    expect(traced.stderr).not.toContain('ends with newlines');

    expect(out.stdout).toMatch(/variables DB_PASSWORD, TRAILING and files \(0600\) DEPLOY_KEY/);
    expect(out.stdout).not.toContain('p4ss');
    expect(fx.vault.liveTokens()).toEqual([]);

    const revoke = await cliIn(out.project, 'revoke', {});
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toMatch(/secret files removed/);
    expect(existsSync(dir)).toBe(false);
  });

  it('checks every input and declaration before any request', async () => {
    const before = fx.vault.requests.length;
    const out = await cli('login', {
      vault_auth_mount: 'auth/jwt',
      secrets: json([
        'DB_PASSWORD=kv/data/oneex/back',
        'PATH=kv/data/oneex/back#password',
        'X=sys/data/x#y',
        'KEY=kv/data/oneex/deploy#key',
      ]),
      files: json(['KEY=kv/data/oneex/deploy#key']),
    });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/5 inputs of component "vault" are not valid/);
    expect(out.stderr).toMatch(
      /vault_auth_mount: got "auth\/jwt"; expected the mount path without "auth\/": jwt/,
    );
    expect(out.stderr).toMatch(
      /secrets\[0\]: got "DB_PASSWORD=kv\/data\/oneex\/back"; expected a field after "#"/,
    );
    expect(out.stderr).toMatch(/secrets\[1\]: .*PATH is used by the job/);
    expect(out.stderr).toMatch(/secrets\[2\]: .*system backend/);
    expect(out.stderr).toMatch(/files\[0\]: .*KEY is already declared by secrets\[3\]/);
    expect(out.stderr).toMatch(/\[EINPUT\]/);
    expect(fx.vault.requests.length).toBe(before);
  });

  it('fails whole: a missing field leaves no session directory and no live token, and names only fields', async () => {
    const out = await cli('login', {
      secrets: json(['DB_PASSWORD=kv/data/oneex/back#password', 'OTHER=kv/data/oneex/back#pasword']),
    });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      /has no field "pasword"; its fields are: "password", "trailing"\. \[EVAULT_FIELD\]/,
    );
    expect(`${out.stdout}${out.stderr}`).not.toContain('p4ss');
    expect(existsSync(`${out.project}.tmp/oneex-vault`)).toBe(false);
    expect(fx.vault.liveTokens()).toEqual([]);
  });

  it('a job on an unprotected ref: exit 3, the claims shown, the token never', async () => {
    const jwt = await fx.issuer.mint({ ref: 'feature/x', refProtected: false });
    const out = await cli(
      'login',
      { secrets: json(['DB_PASSWORD=kv/data/oneex/back#password']) },
      { ONEEX_VAULT_ID_TOKEN: jwt },
    );
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/\[EVAULT_CLAIMS\]/);
    expect(out.stderr).toMatch(/ref_protected\s+= "false"\s+<- does not match the role/);
    for (const part of jwt.split('.')) expect(`${out.stdout}${out.stderr}`).not.toContain(part);
  });

  it('without the id_tokens entry, says which entry the job needs', async () => {
    const out = await cli('login', {}, { ONEEX_VAULT_ID_TOKEN: '' });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      /id_tokens: not set; expected the job's ID token: the job needs `id_tokens: \{ONEEX_VAULT_ID_TOKEN: \{aud: …\}\}`/,
    );
  });
});

describe('oneex-ci vault revoke and renew', () => {
  it('with expose_token: the script gets VAULT_TOKEN; renew extends it; revoke ends it', async () => {
    const login = await cli('login', { expose_token: 'true' });
    expect(login.code, login.stderr).toBe(0);
    const token = (await readFile(`${login.project}.tmp/oneex-vault/token`, 'utf8')).trim();
    expect(fx.vault.tokenState(token)?.revoked).toBe(false);
    expect(login.stdout).toMatch(/variables VAULT_ADDR, VAULT_TOKEN\./);
    const renew = await cliIn(login.project, 'renew', {});
    expect(renew.code, renew.stderr).toBe(0);
    expect(renew.stdout).toMatch(/token renewed; valid 15m/);
    const revoke = await cliIn(login.project, 'revoke', {});
    expect(revoke.stdout).toMatch(/Vault: token revoked\./);
    expect(fx.vault.tokenState(token)?.revoked).toBe(true);
    expect(existsSync(`${login.project}.tmp/oneex-vault`)).toBe(false);
    for (const out of [login, renew, revoke]) expect(`${out.stdout}${out.stderr}`).not.toContain(token);
  });

  it('revoke after a failed login has nothing to do; after a skipped login it says how to keep it', async () => {
    const failed = await cli('revoke', {}, { CI_JOB_STATUS: 'failed' });
    expect(failed.code).toBe(0);
    expect(failed.stdout).toMatch(/nothing to clean up/);
    const skipped = await cli('revoke', {}, { CI_JOB_STATUS: 'success' });
    expect(skipped.stdout).toMatch(/!reference \[\.vault, before_script\]/);
  });

  it('renew without a kept token is a usage error', async () => {
    const out = await cli('renew', {});
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/No Vault token to renew in this job\. \[EVAULT_SESSION\]/);
  });
});

describe('the vault template', () => {
  it('is a hidden job with the id_tokens entry, login and source in before_script, revoke in after_script', async () => {
    const [, jobs] = (await readFile(join(import.meta.dirname, '../../../templates/vault.yml'), 'utf8'))
      .split(/^---$/m)
      .map((doc) => parse(doc));
    const job = jobs['$[[ inputs.as ]]'];
    expect(job.id_tokens).toEqual({ ONEEX_VAULT_ID_TOKEN: { aud: '$[[ inputs.vault_audience ]]' } });
    expect(job.before_script).toEqual(['oneex-ci vault login', '. "$(pwd -P).tmp/oneex-vault/env.sh"']);
    expect(job.after_script).toEqual(['oneex-ci vault revoke']);
    expect(job.script).toBeUndefined();
    expect(job.variables.ONEEX_VAULT_SECRETS).toBe('json:$[[ inputs.secrets ]]');
    const readme = await readFile(join(import.meta.dirname, '../../../components/vault/README.md'), 'utf8');
    expect(readme).toMatch(/!reference \[\.vault, before_script\]/);
    expect(await readdir(join(import.meta.dirname, '../../../templates'))).toContain('vault.yml');
  });
});
