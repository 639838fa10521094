import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SshServer, startSshServer } from '../../support/ssh-server.ts';
import { createProject, runCli, writeFiles } from './fixtures.ts';

// Bad inputs fail before any SSH connection, each with a message naming the input, the value and what
// was expected. The loopback sshd counts every TCP connection it accepts: none may happen here.

const exec = promisify(execFile);
let server: SshServer;
let project: string;
let inputs: Record<string, string>;
let connectionsBefore: number;

beforeAll(async () => {
  server = await startSshServer();
  project = await createProject(server, await server.sandbox('inputs'));
  await writeFiles(project, {
    'syntax-error.yml':
      '- name: Broken\n  hosts: app\n  tasks:\n    - name: Bad\n      ansible.builtin.debug: [msg: 1\n',
    'unknown-module.yml':
      '- name: Typo\n  hosts: app\n  gather_facts: false\n  tasks:\n    - name: Bad\n      ansible.builtin.copyy:\n        src: a\n        dest: b\n',
    'inventories/careless/hosts.yml':
      'app:\n  hosts:\n    app-1:\n      ansible_host: 127.0.0.1\n      ansible_host_key_checking: false\n    app-2:\n      ansible_host: 127.0.0.1\n      ansible_ssh_common_args: -o StrictHostKeyChecking=no\n',
    'tf/broken.json': JSON.stringify({ vms: { sensitive: false, type: 'string', value: 'x' } }),
  });
  inputs = {
    environment: 'test',
    deployment_tier: 'testing',
    ssh_private_key: server.userPrivateKey,
    ssh_known_hosts: server.knownHostsLine,
  };
  connectionsBefore = server.connections();
});

afterAll(async () => {
  await server?.stop();
  if (project !== undefined) await rm(project, { recursive: true, force: true });
});

// Each test writes its own report, as they run side by side in the same project.
let reports = 0;
const fail = async (overrides: Record<string, string>) => {
  reports += 1;
  const report_file = `reports/inputs-${reports}.xml`;
  const result = await runCli('check', project, { ...inputs, report_file, ...overrides });
  return { ...result, report: () => readFile(join(project, report_file), 'utf8') };
};

describe.concurrent('inputs checked before any connection', () => {
  it('a missing playbook', async () => {
    const result = await fail({ playbook: 'deploy.yml' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('✖ An input of component "ansible" is not valid:');
    expect(result.stderr).toContain(
      '  - playbook: got "deploy.yml"; expected a playbook file in ./ (there is none by that name) [EINPUT]',
    );
    // The merge request widget says why nothing ran.
    expect(await result.report()).toContain(
      '<failure message="An input of component &quot;ansible&quot; is not valid:">',
    );
  });

  it('a missing inventory', async () => {
    const result = await fail({ inventory: 'inventories/prod' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      '  - inventory: got "inventories/prod"; expected an inventory file or directory in ./ (not found)',
    );
  });

  it('a limit pattern with characters no host pattern has', async () => {
    const result = await fail({ limit: 'app-1; rm -rf /' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('  - limit: got "app-1; rm -rf /"; expected a value matching');
  });

  it('a limit with a part that matches no host', async () => {
    const result = await fail({ limit: 'app-1,ap-2' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      '  - limit: got "app-1,ap-2"; expected a pattern whose every part matches hosts of the inventory ("ap-2" matches none)',
    );
  });

  it('a limit that selects nothing the playbook targets', async () => {
    const result = await fail({ limit: 'db*' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      '  - limit: got "db*"; expected a pattern that selects hosts the playbook targets',
    );
  });

  it('malformed extra vars, without printing them', async () => {
    const result = await fail({ extra_vars: '{db_password: s3cr3t-value, port: ' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /- extra_vars: got "<34 characters, not shown>"; expected a YAML or JSON mapping such as \{app_version: 1\.4\.2\} \(it does not parse at line 1, column \d+\)/,
    );
    expect(result.output).not.toContain('s3cr3t-value');
  });

  it('every bad input at once', async () => {
    const result = await fail({
      playbook: 'nope.yml',
      inventory: 'nope',
      extra_vars: '[1, 2]',
      tags: 'json:["a b"]',
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('4 inputs of component "ansible" are not valid:');
    for (const input of ['playbook', 'inventory', 'extra_vars', 'tags'])
      expect(result.stderr).toContain(`  - ${input}: `);
  });

  it('a path leading out of the repository', async () => {
    const result = await fail({ playbook: 'roles/../../../etc/site.yml' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      '  - playbook: got "roles/../../../etc/site.yml"; expected a path inside the repository',
    );
  });

  it('blind trust of new host keys for a production-tier environment', async () => {
    const result = await fail({
      deployment_tier: 'production',
      ssh_known_hosts: '',
      host_key_checking: 'accept-new',
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      '  - host_key_checking: got "accept-new"; expected "strict" for a production-tier environment',
    );
  });

  it('an inventory that switches host key checking off', async () => {
    const result = await fail({ inventory: 'inventories/careless' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('✖ The inventory switches off host key checking for app-1, app-2');
    expect(result.stderr).toContain('[ESSH_HOSTKEY_DISABLED]');
  });

  it('an unknown deployment tier', async () => {
    const result = await fail({ deployment_tier: 'prod' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      '  - deployment_tier: got "prod"; expected one of "production", "staging", "testing", "development", "other"',
    );
  });

  it('a playbook that does not parse', async () => {
    const result = await fail({ playbook: 'syntax-error.yml' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      '✖ syntax-error.yml does not load (as ansible-playbook --syntax-check would say):',
    );
    expect(result.stderr).toContain("The error appears to be in '");
    expect(result.stderr).toContain('[EANSIBLE_SYNTAX]');
  });

  it('a module name that does not exist', async () => {
    const result = await fail({ playbook: 'unknown-module.yml' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("couldn't resolve module/action 'ansible.builtin.copyy'");
    expect(result.stderr).toContain('A role or collection is missing');
  });

  it('Terraform outputs without ansible_hosts', async () => {
    const result = await fail({ terraform_outputs: 'tf/broken.json' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      '  - terraform_outputs: got "tf/broken.json"; expected Terraform outputs usable as an inventory: it has no output "ansible_hosts" (outputs: vms)',
    );
  });

  it('a malformed known_hosts line', async () => {
    const result = await fail({ ssh_known_hosts: `${server.knownHostsLine}\n127.0.0.1 not-a-key` });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      '✖ ssh_known_hosts has 1 malformed line(s): line 2 "127.0.0.1 not-a-key"',
    );
  });

  it('a private key that is not one, and one with a passphrase', async () => {
    const garbage = await fail({
      ssh_private_key:
        '-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64 at all\n-----END OPENSSH PRIVATE KEY-----\n',
    });
    expect(garbage.exitCode).toBe(2);
    expect(garbage.stderr).toContain('✖ ssh_private_key is not a valid private key');
    expect(garbage.output).not.toContain('not base64 at all');

    const encrypted = await exec('sh', [
      '-c',
      'd=$(mktemp -d) && ssh-keygen -q -t ed25519 -N "correct horse" -f "$d/k" && cat "$d/k" && rm -r "$d"',
    ]);
    const result = await fail({ ssh_private_key: encrypted.stdout });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('✖ ssh_private_key is protected by a passphrase; the job cannot type it');
  });
});

describe('nothing connected', () => {
  it('sshd saw no connection during the tests above', () => {
    expect(server.connections()).toBe(connectionsBefore);
    expect(server.log()).not.toContain('Accepted publickey');
  });
});
