import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareCredentialRead, readCredentials } from '../../../components/ansible/credentials.ts';
import { requirementKinds } from '../../../components/ansible/galaxy.ts';
import { codeQuality, parseAnsibleLint, parseYamllint } from '../../../components/ansible/lint.ts';
import { parseListHosts } from '../../../components/ansible/preflight.ts';
import { parseExtraVars, planRun } from '../../../components/ansible/project.ts';
import {
  parseEvents,
  recapLines,
  runError,
  type TaskResult,
  testCases,
  unreachableKind,
} from '../../../components/ansible/report.ts';
import { knownHostsProblems, sshArgs } from '../../../components/ansible/ssh.ts';
import { inventoryFromTerraform } from '../../../components/ansible/terraform.ts';
import type { RunContext } from '../../../src/runtime/context.ts';
import { InputError } from '../../../src/runtime/errors.ts';
import { Logger } from '../../../src/runtime/log.ts';
import { Redactor } from '../../../src/runtime/redact.ts';
import { writeFiles } from './fixtures.ts';

// The component's pure parts, one rule a test: the Terraform mapping, input planning, the reading of
// OpenSSH's and Ansible's outputs, and the reports.

const output = (value: unknown, sensitive = false) => ({ sensitive, type: 'dynamic', value });

describe('inventory from terraform output -json', () => {
  it('maps ansible_hosts to hosts, groups and host vars, and other outputs to terraform_outputs', () => {
    const result = inventoryFromTerraform({
      ansible_hosts: output({
        'back-1': {
          ansible_host: '10.20.0.11',
          groups: ['back', 'node'],
          vars: { oneex_node_version: '22' },
        },
        'front-1': {
          ansible_host: '10.20.0.21',
          ansible_port: 2222,
          ansible_user: 'debian',
          groups: ['front'],
        },
      }),
      environment: output('test'),
      proxmox_token: output('secret-token', true),
    });
    expect(result.inventory).toEqual({
      all: {
        hosts: {
          'back-1': { ansible_host: '10.20.0.11', oneex_node_version: '22' },
          'front-1': { ansible_host: '10.20.0.21', ansible_port: 2222, ansible_user: 'debian' },
        },
        children: {
          back: { hosts: { 'back-1': {} } },
          node: { hosts: { 'back-1': {} } },
          front: { hosts: { 'front-1': {} } },
        },
        vars: { terraform_outputs: { environment: 'test' } },
      },
    });
    expect(result.outputs).toEqual(['environment']);
    expect(JSON.stringify(result)).not.toContain('secret-token');
  });

  it.each([
    [{ vms: output({}) }, /no output "ansible_hosts" \(outputs: vms\)/],
    [{ ansible_hosts: output({ a: { ansible_host: '10.0.0.1' } }, true) }, /marked sensitive/],
    [{ ansible_hosts: output(['a']) }, /must be a map/],
    [{ ansible_hosts: output({ a: { groups: ['x'] } }) }, /host a has no ansible_host/],
    [
      { ansible_hosts: output({ a: { ansible_host: '10.0.0.1', groups: ['web-servers'] } }) },
      /not a valid Ansible group/,
    ],
    [{ ansible_hosts: output({ a: { ansible_host: '10.0.0.1', groups: ['all'] } }) }, /implicit/],
    [{ ansible_hosts: output({ a: { ansible_host: '10.0.0.1', ip: 'x' } }) }, /unknown keys ip/],
    [{ ansible_hosts: output({ a: { ansible_host: '10.0.0.1', ansible_port: '22' } }) }, /port number/],
    [
      { ansible_hosts: output({ 'bad host': { ansible_host: '10.0.0.1' } }) },
      /not a valid Ansible host name/,
    ],
    [{ ansible_hosts: { value: {} }, other: 3 }, /output "other" has no "value"/],
    [[], /not the JSON object/],
  ])('refuses %j', (outputs, message) => {
    expect(() => inventoryFromTerraform(outputs)).toThrow(message);
  });
});

describe('extra vars', () => {
  it('reads YAML and JSON mappings', () => {
    expect(parseExtraVars('{app_version: 1.4.2, debug: true}')).toEqual({
      app_version: '1.4.2',
      debug: true,
    });
    expect(parseExtraVars('{"a": [1, 2]}')).toEqual({ a: [1, 2] });
    expect(parseExtraVars('app_version: 1.4.2\nreplicas: 2\n')).toEqual({
      app_version: '1.4.2',
      replicas: 2,
    });
    expect(parseExtraVars('  ')).toBeUndefined();
  });

  it('says where a malformed value breaks, without repeating it', () => {
    expect(parseExtraVars('{app_version: 1.4.2')).toMatch(/does not parse at line 1, column \d+/);
    expect(parseExtraVars('- a\n- b')).toMatch(/not to a mapping/);
    expect(parseExtraVars('just words')).toMatch(/not to a mapping/);
  });
});

describe('planning a run', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'oneex-ansible-plan-'));
    await writeFiles(root, {
      'ansible/site.yml': '- hosts: all\n  tasks: []\n',
      'ansible/inventories/test/hosts.yml': 'all: {}\n',
      'ansible/requirements.yml': 'collections: []\n',
      'outputs.json': JSON.stringify({ ansible_hosts: output({ 'back-1': { ansible_host: '10.0.0.1' } }) }),
    });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const inputs = {
    environment: 'test',
    project_dir: 'ansible',
    playbook: 'site.yml',
    inventory: '',
    terraform_outputs: '',
    limit: '',
    tags: [],
    skip_tags: [],
    extra_vars: '',
    requirements_file: 'requirements.yml',
    deployment_tier: 'testing',
    host_key_checking: 'strict',
  };

  it('uses inventories/<environment> when no inventory is given', async () => {
    const plan = await planRun(inputs, root);
    expect(plan.inventory).toBe(join(root, 'ansible/inventories/test'));
    expect(plan.requirements).toBe(join(root, 'ansible/requirements.yml'));
  });

  it('turns Terraform outputs into an inventory even without a static one', async () => {
    const plan = await planRun(
      { ...inputs, environment: 'staging', terraform_outputs: 'outputs.json' },
      root,
    );
    expect(plan.inventory).toBeUndefined();
    expect(plan.terraform?.hosts.map((h) => h.name)).toEqual(['back-1']);
  });

  it('reports every bad input at once, naming each', async () => {
    const error = await planRun(
      {
        ...inputs,
        playbook: 'deploy.yml',
        inventory: 'inventories/prod',
        terraform_outputs: 'missing.json',
        extra_vars: '{password: hunter22',
        tags: ['ok', 'two words'],
      },
      root,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    const problems = (error as InputError).problems;
    expect(problems.map((p) => p.input)).toEqual([
      'playbook',
      'inventory',
      'terraform_outputs',
      'extra_vars',
      'tags',
    ]);
    expect((error as InputError).message).not.toContain('hunter22');
    expect((error as InputError).message).toContain(
      'playbook: got "deploy.yml"; expected a playbook file in ansible/',
    );
  });

  it('lets a check run without the outputs of a Terraform apply that did not happen, never an apply', async () => {
    const check = await planRun({ ...inputs, terraform_outputs: 'later/outputs.json' }, root, {
      outputsOptional: true,
    });
    expect(check.skippedOutputs).toBe('later/outputs.json');
    expect(check.inventory).toBe(join(root, 'ansible/inventories/test'));
    const apply = (await planRun({ ...inputs, terraform_outputs: 'later/outputs.json' }, root).catch(
      (e) => e,
    )) as InputError;
    expect(apply.problems).toEqual([
      expect.objectContaining({ input: 'terraform_outputs', expected: expect.stringContaining('not found') }),
    ]);
  });

  it('refuses blind trust of new host keys in production, with the other problems', async () => {
    const error = (await planRun(
      { ...inputs, deployment_tier: 'production', host_key_checking: 'accept-new', playbook: 'nope.yml' },
      root,
    ).catch((e) => e)) as InputError;
    expect(error.problems.map((p) => p.input)).toEqual(['host_key_checking', 'playbook']);
  });

  it('needs an inventory from somewhere', async () => {
    const error = (await planRun({ ...inputs, environment: 'production' }, root).catch(
      (e) => e,
    )) as InputError;
    expect(error.problems).toEqual([expect.objectContaining({ input: 'inventory' })]);
    expect(error.message).toContain('inventories/production does not exist');
  });
});

const NO_VAULT = {
  vault_addr: '$VAULT_ADDR',
  vault_namespace: '$VAULT_NAMESPACE',
  vault_auth_mount: '$VAULT_AUTH_PATH',
  vault_role: '$VAULT_AUTH_ROLE',
  vault_audience: 'https://vault.oneex.fr',
};

describe('credentials', () => {
  const context = (): RunContext => {
    const redactor = new Redactor();
    const lines: string[] = [];
    return {
      cwd: '/',
      ci: {},
      redactor,
      log: new Logger({ out: { write: (t) => lines.push(t) }, colour: false, redactor }),
    };
  };

  const read = (inputs: Record<string, string>, ctx: RunContext) =>
    readCredentials(
      prepareCredentialRead(
        { ...NO_VAULT, ssh_private_key: '', ssh_known_hosts: '', ansible_vault_password: '', ...inputs },
        ctx,
      ),
      ctx,
    );

  it('reads File-type variables, treats undefined variables as unset, and registers every secret', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oneex-ansible-cred-'));
    const key =
      '-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\r\n-----END OPENSSH PRIVATE KEY-----';
    await writeFile(join(dir, 'key'), key);
    const ctx = context();
    const credentials = await read(
      {
        ssh_private_key: join(dir, 'key'),
        ssh_known_hosts: '$ANSIBLE_SSH_KNOWN_HOSTS',
        ansible_vault_password: 'p4ssw0rd-vault\n',
      },
      ctx,
    );
    expect(credentials.sshPrivateKey).toBe(`${key.replace(/\r/g, '')}\n`);
    expect(credentials.knownHosts).toBeUndefined();
    expect(credentials.vaultPassword).toBe('p4ssw0rd-vault');
    expect(ctx.redactor.redact('x b3BlbnNzaC1rZXktdjEAAAAABG5vbmU p4ssw0rd-vault')).toBe(
      'x [MASKED] [MASKED]',
    );
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a File-type path that does not exist', async () => {
    await expect(read({ ssh_private_key: '/nonexistent/key' }, context())).rejects.toThrow(
      /ssh_private_key names the file \/nonexistent\/key/,
    );
  });

  it('checks Vault references and settings before any request, all at once', () => {
    let error: InputError | undefined;
    try {
      prepareCredentialRead(
        {
          ...NO_VAULT,
          ssh_private_key: 'vault:kv/data/oneex/infra',
          ssh_known_hosts: 'vault:sys/x#y',
          ansible_vault_password: '',
        },
        context(),
      );
    } catch (e) {
      error = e as InputError;
    }
    expect(error).toBeInstanceOf(InputError);
    expect(error?.problems.map((p) => p.input)).toEqual(
      expect.arrayContaining(['vault_role', 'ssh_private_key', 'ssh_known_hosts']),
    );
    expect(error?.message).toContain(
      'ssh_private_key: got "kv/data/oneex/infra"; expected a field after "#"',
    );
  });
});

describe('ssh', () => {
  it('finds malformed known_hosts lines', () => {
    expect(
      knownHostsProblems(
        '# comment\n[10.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\n@cert-authority *.oneex.fr ssh-ed25519 AAAA\nnot a key line!\n10.0.0.2 ssh-rsa\n',
      ),
    ).toEqual([
      { line: 4, text: 'not a key line!' },
      { line: 5, text: '10.0.0.2 ssh-rsa' },
    ]);
  });

  it('never turns host key checking off, and ignores ssh_config files', () => {
    const strict = sshArgs({
      knownHostsFile: '/tmp/x/known_hosts',
      policy: 'strict',
      controlDir: '/tmp/x/cp',
    });
    expect(strict).toContain('-F /dev/null');
    expect(strict).toContain('StrictHostKeyChecking=yes');
    expect(strict).toContain('UserKnownHostsFile=/tmp/x/known_hosts');
    expect(strict).toContain('GlobalKnownHostsFile=/dev/null');
    expect(strict).toContain('BatchMode=yes');
    expect(sshArgs({ knownHostsFile: '/k', policy: 'accept-new', controlDir: '/c' })).toContain(
      'StrictHostKeyChecking=accept-new',
    );
  });

  it('tells apart what OpenSSH says when it cannot log in', () => {
    const changed =
      'Data could not be sent to remote host "127.0.0.1". Make sure this host can be reached over ssh: @@@@@@@\r\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\nHost key for [127.0.0.1]:52222 has changed and you have requested strict checking.\r\nHost key verification failed.\r\n';
    expect(unreachableKind(changed)).toBe('hostkey-changed');
    expect(
      unreachableKind(
        'No ED25519 host key is known for [127.0.0.1]:52222 and you have requested strict checking.\r\nHost key verification failed.',
      ),
    ).toBe('hostkey-unknown');
    expect(unreachableKind('oneex-ssh-test@127.0.0.1: Permission denied (publickey).')).toBe('auth');
    expect(unreachableKind('ssh: connect to host 127.0.0.1 port 52299: Connection refused')).toBe('network');
  });
});

describe('ansible-playbook --list-hosts', () => {
  it('collects the hosts of every play', () => {
    const listed = `
playbook: site.yml

  play #1 (app): Configure app hosts\tTAGS: []
    pattern: ['app']
    hosts (2):
      app-2
      app-1

  play #2 (db): Databases\tTAGS: []
    pattern: ['db']
    hosts (1):
      db-1
`;
    expect(parseListHosts(listed)).toEqual(['app-1', 'app-2', 'db-1']);
  });
});

const result = (partial: Partial<TaskResult>): TaskResult => ({
  status: 'ok',
  host: 'app-1',
  task: 'Write the configuration',
  action: 'ansible.builtin.template',
  play: 'Configure',
  ignored: false,
  duration: 0.5,
  msg: '',
  stderr: '',
  ...partial,
});

describe('reports', () => {
  const hosts = new Map([
    ['app-1', { address: '10.0.0.1', port: 22, user: 'debian', connection: 'ssh', sshArgs: '' }],
    ['app-2', { address: '10.0.0.2', port: 2222, connection: 'ssh', sshArgs: '' }],
  ]);

  it('reads the events the callback writes', () => {
    const events = parseEvents(
      `${JSON.stringify({ event: 'result', ...result({ status: 'changed' }) })}\n${JSON.stringify({
        event: 'stats',
        hosts: {
          'app-1': { ok: 1, changed: 1, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 },
        },
      })}\n`,
    );
    expect(events.results).toHaveLength(1);
    expect(recapLines(events.stats ?? {})).toEqual([
      'host   ok  changed  unreachable  failed  skipped  rescued  ignored',
      'app-1   1        1            0       0        0        0        0',
    ]);
  });

  it('makes a test case per host and task, failing failed and unreachable ones', () => {
    const cases = testCases(
      {
        results: [
          result({}),
          result({ host: 'app-2', status: 'failed', msg: 'non-zero return code', stderr: 'disk full' }),
          result({ host: 'app-2', task: 'Optional', status: 'failed', ignored: true }),
          result({ host: 'app-2', task: 'Skipped', status: 'skipped' }),
          result({
            host: 'app-3',
            status: 'unreachable',
            msg: 'Make sure this host can be reached over ssh: ssh: connect to host 10.0.0.3 port 22: Connection timed out\r\n',
          }),
        ],
      },
      'ansible.test.apply',
    );
    expect(cases.map((c) => [c.name, c.failure?.message])).toEqual([
      ['app-1: Write the configuration', undefined],
      ['app-2: Write the configuration', 'failed: non-zero return code'],
      ['app-2: Optional', undefined],
      [
        'app-3: Write the configuration',
        'unreachable: connect to host 10.0.0.3 port 22: Connection timed out',
      ],
    ]);
    expect(cases[1]?.failure?.details).toBe('non-zero return code\ndisk full');
    expect(cases[0]?.className).toBe('ansible.test.apply.Configure');
  });

  it('names host key mismatches first, then unreachable hosts, then failed tasks', () => {
    const events = {
      results: [
        result({ host: 'app-1', status: 'unreachable', msg: 'REMOTE HOST IDENTIFICATION HAS CHANGED!' }),
        result({
          host: 'app-2',
          status: 'unreachable',
          msg: 'ssh: connect to host 10.0.0.2 port 2222: No route to host',
        }),
        result({ host: 'app-3', status: 'failed', msg: 'boom' }),
      ],
    };
    const error = runError(events, 4, hosts, '');
    expect(error?.code).toBe('ESSH_HOSTKEY_CHANGED');
    expect(error?.exitCode).toBe(3);
    expect(error?.message).toContain('Host key mismatch on 1 host: app-1 (10.0.0.1)');
    expect(error?.message).toContain(
      '1 host unreachable over SSH: app-2 ([10.0.0.2]:2222): connect to host 10.0.0.2 port 2222: No route to host',
    );
    expect(error?.message).toContain('1 task failed on 1 host:\n  app-3: "Write the configuration": boom');
  });

  it('gives each failure its own code and exit code', () => {
    const only = (partial: Partial<TaskResult>) => runError({ results: [result(partial)] }, 2, hosts, '');
    expect(only({ status: 'failed', msg: 'x' })).toMatchObject({ code: 'EANSIBLE_FAILED', exitCode: 1 });
    expect(only({ status: 'unreachable', msg: 'Connection refused' })).toMatchObject({
      code: 'EANSIBLE_UNREACHABLE',
      exitCode: 3,
    });
    expect(only({ status: 'unreachable', msg: 'Permission denied (publickey).' })).toMatchObject({
      code: 'ESSH_AUTH',
      message: expect.stringContaining('app-1 (10.0.0.1) as debian'),
    });
    expect(
      runError({ results: [result({ status: 'failed', ignored: true })] }, 0, hosts, ''),
    ).toBeUndefined();
    expect(runError({ results: [] }, 1, hosts, 'ERROR! the role x was not found')).toMatchObject({
      code: 'EANSIBLE_ERROR',
    });
    expect(runError({ results: [result({})] }, 0, hosts, '')).toBeUndefined();
  });
});

describe('lint reports', () => {
  it('reads yamllint findings and prefixes the project directory', () => {
    expect(
      parseYamllint(
        'site.yml:3:81: [warning] line too long (90 > 80 characters) (line-length)\n./x.yml:1:1: [error] syntax error: mapping values are not allowed here\n',
        'ansible',
      ),
    ).toEqual([
      expect.objectContaining({
        engine: 'yamllint',
        path: 'ansible/site.yml',
        line: 3,
        check: 'line-length',
        level: 'warning',
      }),
      expect.objectContaining({ path: 'ansible/x.yml', line: 1, check: 'syntax', level: 'error' }),
    ]);
  });

  it('reads ansible-lint findings and writes a Code Quality report', async () => {
    const findings = parseAnsibleLint(
      JSON.stringify([
        {
          type: 'issue',
          check_name: 'name[play]',
          severity: 'major',
          level: 'error',
          description: 'All plays should be named.',
          location: { path: 'site.yml', lines: { begin: 1 } },
        },
      ]),
      '.',
    );
    const report = JSON.parse(await codeQuality(findings, tmpdir())) as Record<string, unknown>[];
    expect(report).toEqual([
      {
        type: 'issue',
        engine_name: 'ansible-lint',
        description: 'ansible-lint: All plays should be named. [name[play]]',
        check_name: 'name[play]',
        fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
        severity: 'major',
        location: { path: 'site.yml', lines: { begin: 1 } },
      },
    ]);
  });

  it('knows what a requirements file asks for', () => {
    expect(requirementKinds([{ src: 'x' }])).toEqual({ roles: true, collections: false });
    expect(requirementKinds({ collections: [{ name: 'a.b' }] })).toEqual({ roles: false, collections: true });
    expect(requirementKinds(null)).toEqual({ roles: false, collections: false });
  });
});
