import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SshServer, startSshServer } from '../../support/ssh-server.ts';
import { AUDIENCE, startVault, type VaultFixture } from '../../support/vault.ts';
import { createProject, runCli as runAction, writeFiles } from './fixtures.ts';

// The check and apply actions of the built CLI, running real playbooks with real ansible-playbook over
// real SSH to the loopback sshd: what they change, what they report, and how each failure reads.

const exec = promisify(execFile);
let server: SshServer;
let sandbox: string;
let project: string;
let inputs: Record<string, string>;
let vault: VaultFixture;
let jobVariables: Record<string, string>;

// The test environment's credentials live in Vault, as Oneex keeps them; the job reads them with its ID
// token through a role bound to the infrastructure project and the environment.
const KEY_REF = 'vault:kv/data/oneex/infra/test#ssh_private_key';
const KNOWN_HOSTS_REF = 'vault:kv/data/oneex/infra/test#known_hosts';

beforeAll(async () => {
  [server, vault] = await Promise.all([startSshServer(), startVault()]);
  sandbox = await server.sandbox('run');
  project = await createProject(server, sandbox);
  vault.vault.writePolicy('oneex-infra-test', { 'kv/data/oneex/infra/test': ['read'] });
  vault.vault.writeRole('jwt', 'oneex-infra-test', {
    bound_audiences: [AUDIENCE],
    user_claim: 'user_email',
    token_policies: ['oneex-infra-test'],
    token_ttl: 900,
    bound_claims: { project_path: 'oneex/infra', environment: 'test' },
  });
  vault.vault.putSecret('kv', 'oneex/infra/test', {
    ssh_private_key: server.userPrivateKey,
    known_hosts: `${server.knownHostsLine}\n`,
  });
  jobVariables = {
    ONEEX_VAULT_ID_TOKEN: await vault.issuer.mint({
      projectPath: 'oneex/infra',
      ref: 'main',
      environment: 'test',
    }),
  };
  inputs = {
    environment: 'test',
    deployment_tier: 'testing',
    vault_addr: vault.vault.address,
    vault_role: 'oneex-infra-test',
    ssh_private_key: KEY_REF,
    ssh_known_hosts: KNOWN_HOSTS_REF,
  };
});

afterAll(async () => {
  await Promise.all([server?.stop(), vault?.stop()]);
  if (project !== undefined) await rm(project, { recursive: true, force: true });
});

const runCli = (action: 'check' | 'apply', cwd: string, given: Record<string, string>) =>
  runAction(action, cwd, given, jobVariables);

/** A report file of the test's own, for tests that run side by side. */
const own = (name: string) => ({ report_file: `reports/${name}.xml` });

const appConf = (host: string) => readFile(join(sandbox, host, 'etc/oneex/app.conf'), 'utf8');

describe('check and apply', () => {
  it('check-runs with a diff and changes nothing, then applies, and a second apply changes nothing', async () => {
    const check = await runCli('check', project, inputs);
    expect(check.exitCode, check.output).toBe(0);
    expect(check.stdout).toContain('ssh_private_key: from Vault (kv/data/oneex/infra/test#ssh_private_key).');
    expect(check.stdout).toContain('Vault: token revoked.');
    expect(check.stdout).toContain('+listen_port = 8080');
    expect(check.stdout).toMatch(/-\s+"state": "absent"/);
    expect(check.stdout).toContain('Check run: 4 changes would be made on 2 of 2 hosts');
    await expect(appConf('app-1')).rejects.toThrow(/ENOENT/);
    const checkReport = await readFile(join(project, 'ansible-report.xml'), 'utf8');
    expect(checkReport).toContain('<testsuite name="ansible.test.check" tests="4" failures="0">');

    const first = await runCli('apply', project, inputs);
    expect(first.exitCode, first.output).toBe(0);
    expect(first.stdout).toContain('Applied to test: 4 changes on 2 of 2 hosts.');
    expect(first.stdout).toMatch(
      /Recap \(test, apply\):\n\s+host\s+ok\s+changed\s+unreachable\s+failed.*\n\s+app-1\s+2\s+2\s+0\s+0/,
    );
    expect(await appConf('app-1')).toBe('# Managed by Ansible\nlisten_port = 8080\nenvironment = test\n');
    expect(await appConf('app-2')).toContain('listen_port = 8080');

    // Idempotence: the same playbook on the same hosts has nothing left to do.
    const second = await runCli('apply', project, inputs);
    expect(second.exitCode, second.output).toBe(0);
    expect(second.stdout).toContain('Applied to test: nothing to change on 2 hosts.');
    expect(second.stdout).toMatch(/app-1\s+2\s+0\s+0\s+0/);
    expect(second.stdout).toMatch(/app-2\s+2\s+0\s+0\s+0/);
    const report = await readFile(join(project, 'ansible-report.xml'), 'utf8');
    expect(report).toContain('<testsuite name="ansible.test.apply" tests="4" failures="0">');
    expect(report).toContain('name="app-1: Write the application configuration"');
  });

  it('applies extra vars, a limit and tags', async () => {
    const result = await runCli('apply', project, {
      ...inputs,
      limit: 'app-2',
      extra_vars: '{oneex_listen_port: 9090}',
    });
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stdout).toContain('Targets 1 host: app-2');
    expect(await appConf('app-2')).toContain('listen_port = 9090');
    expect(await appConf('app-1')).toContain('listen_port = 8080');
  });
});

// Each of these proves that no connection (or no login) happened: they run one at a time.
describe('refused before logging in', () => {
  it('refuses a host whose key does not match known_hosts, without logging in', async () => {
    const logins = server.log().split('Accepted publickey').length;
    const result = await runCli('apply', project, { ...inputs, ssh_known_hosts: server.wrongKnownHostsLine });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(
      `✖ Host key mismatch on 2 hosts: app-1 ([127.0.0.1]:${server.port}), app-2 ([127.0.0.1]:${server.port}) presented a key other than the one in ssh_known_hosts. Ansible did not log in. [ESSH_HOSTKEY_CHANGED]`,
    );
    expect(result.stderr).toContain('possible man-in-the-middle');
    expect(server.log().split('Accepted publickey').length).toBe(logins);
  });

  it('refuses, before connecting, hosts with no known key', async () => {
    const before = server.connections();
    const result = await runCli('check', project, { ...inputs, ssh_known_hosts: '' });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(
      `✖ No known host key for 2 targeted hosts: app-1 ([127.0.0.1]:${server.port}), app-2 ([127.0.0.1]:${server.port}). Nothing was contacted. [ESSH_HOSTKEY_UNKNOWN]`,
    );
    expect(result.stderr).toContain(`ssh-keyscan -p ${server.port} 127.0.0.1`);
    expect(server.connections()).toBe(before);
  });

  it('is refused the key by a Vault role bound to another environment, before any connection', async () => {
    const before = server.connections();
    const result = await runAction('check', project, inputs, {
      ONEEX_VAULT_ID_TOKEN: await vault.issuer.mint({
        projectPath: 'oneex/infra',
        ref: 'main',
        environment: 'staging',
      }),
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(
      '✖ Vault refused the login with role "oneex-infra-test": the ID token\'s claim "environment" ("staging") does not match the role\'s bound claims.',
    );
    expect(result.stderr).toContain('[EVAULT_CLAIMS]');
    expect(server.connections()).toBe(before);
  });
});

// These connect, each with its own report file, side by side (so each may take the time of all).
describe.concurrent('failures and other sources', { timeout: 300_000 }, () => {
  it('fails on a failed task, naming the host and the task', async () => {
    const result = await runCli('apply', project, { ...inputs, ...own('failed'), playbook: 'broken.yml' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      '✖ 1 task failed on 1 host:\n  app-2: "Check the disk space": non-zero return code',
    );
    expect(result.stderr).toContain('[EANSIBLE_FAILED]');
    const report = await readFile(join(project, own('failed').report_file), 'utf8');
    expect(report).toContain('failures="1"');
    expect(report).toContain('<failure message="failed: non-zero return code">');
  });

  it('fails on an unreachable host with its address and what ssh said', async () => {
    // Its key is known: the VM is down, not unknown.
    const knownHosts = `[127.0.0.1]:${server.closedPort} ${server.hostPublicKey}\n`;
    const result = await runCli('apply', project, {
      ...inputs,
      ...own('unreachable'),
      inventory: 'inventories/down.yml',
      ssh_known_hosts: knownHosts,
    });
    expect(result.exitCode).toBe(3);
    // What ssh says depends on what answers at the closed port when the test runs (nothing: refused;
    // a port another test has taken meanwhile: a broken pipe); either way the host is unreachable.
    const line = result.stderr.split('\n').find((l) => l.includes('host unreachable over SSH')) ?? '';
    expect(line).toMatch(
      new RegExp(
        `^✖ 1 host unreachable over SSH: down-1 \\(\\[127\\.0\\.0\\.1\\]:${server.closedPort}\\): (connect to host 127\\.0\\.0\\.1 port ${server.closedPort}: Connection refused|.*Broken pipe.*) \\[EANSIBLE_UNREACHABLE\\]$`,
      ),
    );
  });

  it('fails when the host refuses the key', async () => {
    const other = await exec('sh', [
      '-c',
      'd=$(mktemp -d) && ssh-keygen -q -t ed25519 -N "" -f "$d/k" && cat "$d/k" && rm -r "$d"',
    ]);
    const result = await runCli('check', project, {
      ...inputs,
      ...own('refused'),
      ssh_private_key: other.stdout,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(
      `✖ SSH key refused by app-1 ([127.0.0.1]:${server.port}) as ${server.user}`,
    );
    expect(result.stderr).toContain('[ESSH_AUTH]');
    expect(result.output).not.toContain(other.stdout.split('\n')[1]);
  });

  it('trusts new host keys when asked (never for production: see inputs.test.ts)', async () => {
    const accepted = await runCli('check', project, {
      ...inputs,
      ...own('accept-new'),
      ssh_known_hosts: '',
      host_key_checking: 'accept-new',
    });
    expect(accepted.exitCode, accepted.output).toBe(0);
    expect(accepted.stdout).toContain('keys of hosts missing from ssh_known_hosts are trusted blindly');
  });

  it('decrypts ansible-vault data with the password from a File-type variable, and never prints it', async () => {
    const password = 'vault-pass-7f3a9c21';
    const passwordFile = join(project, '..', `vault-password-${server.port}`);
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    const encrypted = await exec(
      'ansible-vault',
      ['encrypt_string', '--vault-password-file', passwordFile, '--name', 'oneex_listen_port', '7070'],
      { cwd: project },
    );
    await writeFiles(project, {
      'inventories/vaulted/group_vars/app.yml': `${encrypted.stdout.trimEnd()}\noneex_environment: vaulted\n`,
    });
    await writeFiles(project, {
      'inventories/vaulted/hosts.yml': await readFile(join(project, 'inventories/test/hosts.yml'), 'utf8'),
    });

    const missing = await runCli('check', project, {
      ...inputs,
      ...own('no-vault'),
      inventory: 'inventories/vaulted',
    });
    expect(missing.exitCode, missing.output).toBe(2);
    expect(missing.stderr).toContain('[EANSIBLE_VAULT]');

    const result = await runCli('apply', project, {
      ...inputs,
      ...own('vaulted'),
      inventory: 'inventories/vaulted',
      ansible_vault_password: passwordFile,
      limit: 'app-1',
    });
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stdout).toContain('ansible_vault_password: from a file variable.');
    expect(await appConf('app-1')).toContain('listen_port = 7070');
    expect(result.output).not.toContain(password);
    expect(result.output).not.toContain(server.userPrivateKey.split('\n')[1]);
    await rm(passwordFile);
  });

  it('runs on the hosts of the ansible_hosts output, with the static inventory’s group vars', async () => {
    await writeFiles(project, {
      'tf/outputs.json': JSON.stringify({
        ansible_hosts: {
          sensitive: false,
          type: ['map', 'dynamic'],
          value: {
            'back-1': {
              ansible_host: server.host,
              ansible_port: server.port,
              ansible_user: server.user,
              groups: ['app'],
              vars: { oneex_root: `${sandbox}/back-1` },
            },
          },
        },
        environment: { sensitive: false, type: 'string', value: 'test' },
      }),
    });
    const result = await runCli('apply', project, {
      ...inputs,
      ...own('terraform'),
      inventory: 'inventories/test',
      terraform_outputs: 'tf/outputs.json',
      limit: 'back-1',
    });
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stdout).toContain(`Inventory from tf/outputs.json: back-1 (127.0.0.1; app)`);
    expect(await appConf('back-1')).toBe('# Managed by Ansible\nlisten_port = 8080\nenvironment = test\n');
  });
});
