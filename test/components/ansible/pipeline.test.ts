import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Canaries, createCanaries, type Leak } from '../../support/canary.ts';
import {
  type Consumer,
  createConsumer,
  type Library,
  type PipelineResult,
  publishLibrary,
  removeAll,
  runPipeline,
} from '../../support/local-pipeline.ts';
import { type SshServer, startSshServer } from '../../support/ssh-server.ts';
import { AUDIENCE, startVault, type VaultFixture } from '../../support/vault.ts';
import { inventory, projectFiles } from './fixtures.ts';

// End to end: Oneex's infrastructure repository includes the component once per environment, as a user
// writes it, and gitlab-ci-local runs its pipelines. Credentials come from the Vault double (the SSH
// key, the known hosts, the ansible-vault password), playbooks run over real SSH to the loopback sshd.
// A merge request pipeline lints and check-runs with a diff; the default branch applies test and
// staging and leaves production to a manual action. The canary scan then looks for every secret in
// everything the runs left.

const exec = promisify(execFile);

// gitlab-ci-local clones an included version once per include, in parallel, and two clones of the
// same version race: each include pins another release of the same templates.
const PIPELINE = `
include:
  - component: $CI_SERVER_FQDN/oneex/ci-components/ansible@1.0
    inputs:
      environment: test
      deployment_tier: testing
      project_dir: ansible
      ssh_private_key: vault:kv/data/oneex/infra/ssh#private_key
      ssh_known_hosts: vault:kv/data/oneex/infra/ssh#known_hosts
      ansible_vault_password: vault:kv/data/oneex/infra/ansible#ansible_vault_password
  - component: $CI_SERVER_FQDN/oneex/ci-components/ansible@1.1
    inputs:
      environment: staging
      deployment_tier: staging
      project_dir: ansible
      check_when: never
      ssh_private_key: vault:kv/data/oneex/infra/ssh#private_key
      ssh_known_hosts: vault:kv/data/oneex/infra/ssh#known_hosts
      ansible_vault_password: vault:kv/data/oneex/infra/ansible#ansible_vault_password
  - component: $CI_SERVER_FQDN/oneex/ci-components/ansible@1.2
    inputs:
      environment: production
      project_dir: ansible
      check_when: never
      ssh_private_key: vault:kv/data/oneex/infra/ssh#private_key
      ssh_known_hosts: vault:kv/data/oneex/infra/ssh#known_hosts
      ansible_vault_password: vault:kv/data/oneex/infra/ansible#ansible_vault_password
`;

// The application's secret, in the inventory encrypted with ansible-vault, written to the hosts by a
// task that keeps it out of the log.
const SECRETS_PLAYBOOK = `- name: Give the application its secrets
  hosts: app
  gather_facts: false
  tasks:
    - name: Write the application's environment file
      ansible.builtin.copy:
        content: "ONEEX_API_TOKEN={{ oneex_api_token }}\\n"
        dest: "{{ oneex_root }}/etc/oneex/secrets.env"
        mode: "0600"
      no_log: true
      diff: false
`;

let server: SshServer;
let fx: VaultFixture;
let library: Library;
let canaries: Canaries;
let sandbox: string;
let apiToken: string;
let consumer: Consumer;
let mergeRequest: {
  result: PipelineResult;
  artifacts: { check: Record<string, string>; lint: Record<string, string> };
  leaks: Leak[];
  /** What the sandbox held after the merge request's pipeline. */
  configuredHosts: string[];
};
let mainBranch: PipelineResult;
let mainBranchLeaks: Leak[];
let production: PipelineResult;
let productionBefore: boolean;
const cleanup: string[] = [];

async function encrypt(value: string, name: string, password: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'oneex-vault-pass-'));
  try {
    await writeFile(join(dir, 'password'), password, { mode: 0o600 });
    const { stdout } = await exec('ansible-vault', [
      'encrypt_string',
      '--vault-password-file',
      join(dir, 'password'),
      '--name',
      name,
      value,
    ]);
    return `${stdout.trimEnd()}\n`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function consumerFiles(): Promise<Record<string, string>> {
  const vaultPassword = canaries.valueOf('kv/data/oneex/infra/ansible#ansible_vault_password');
  const { 'ansible/inventories/test/group_vars/app.yml': testVars, ...files } = projectFiles(
    server,
    sandbox,
    'ansible',
  );
  // Plain and vaulted variables side by side, as `ansible-vault` users keep them.
  return {
    ...files,
    'ansible/inventories/test/group_vars/app/vars.yml': testVars ?? '',
    '.gitlab-ci.yml': PIPELINE,
    'ansible/site.yml': `${files['ansible/site.yml']}\n- name: Secrets\n  ansible.builtin.import_playbook: secrets.yml\n`,
    'ansible/secrets.yml': SECRETS_PLAYBOOK,
    'ansible/inventories/test/group_vars/app/vault.yml': await encrypt(
      apiToken,
      'oneex_api_token',
      vaultPassword,
    ),
    'ansible/inventories/staging/hosts.yml': inventory(server, `${sandbox}/staging`),
    'ansible/inventories/staging/group_vars/app/vars.yml':
      'oneex_listen_port: 8081\noneex_environment: staging\n',
    'ansible/inventories/staging/group_vars/app/vault.yml': await encrypt(
      apiToken,
      'oneex_api_token',
      vaultPassword,
    ),
    'ansible/inventories/production/hosts.yml': inventory(server, `${sandbox}/production`),
    'ansible/inventories/production/group_vars/app/vars.yml':
      'oneex_listen_port: 80\noneex_environment: production\n',
    'ansible/inventories/production/group_vars/app/vault.yml': await encrypt(
      apiToken,
      'oneex_api_token',
      vaultPassword,
    ),
    'ansible/.ansible-lint': 'exclude_paths:\n  - vendor/\n',
    'ansible/requirements.yml': 'collections:\n  - name: ./vendor/oneex/base\n    type: dir\n',
    'ansible/vendor/oneex/base/galaxy.yml':
      'namespace: oneex\nname: base\nversion: 1.0.0\nreadme: README.md\nauthors: [Oneex]\n',
    'ansible/vendor/oneex/base/README.md': '# oneex.base\n',
  };
}

beforeAll(async () => {
  [server, fx, library] = await Promise.all([
    startSshServer(),
    startVault(),
    publishLibrary({ versions: ['1.0.0', '1.1.0', '1.2.0'] }),
  ]);
  cleanup.push(library.bare.replace('file://', ''));
  sandbox = await server.sandbox('pipeline');
  canaries = createCanaries(fx.vault);

  // Oneex's Vault: the infrastructure project's role, reading its SSH key and its vault password.
  fx.vault.writePolicy('oneex-infra', { 'kv/data/oneex/infra/*': ['read'] });
  fx.vault.writeRole('jwt', 'oneex-infra', {
    bound_audiences: [AUDIENCE],
    user_claim: 'user_email',
    token_policies: ['oneex-infra'],
    token_ttl: 900,
    bound_claims: { project_path: 'oneex/infra', ref_protected: 'true' },
  });
  fx.vault.putSecret('kv', 'oneex/infra/ssh', {
    private_key: canaries.watch('ssh private key', server.userPrivateKey),
    known_hosts: `${server.knownHostsLine}\n`,
  });
  canaries.seed({ mount: 'kv', path: 'oneex/infra/ansible', fields: ['ansible_vault_password'] });
  apiToken = canaries.value('api token');

  const idToken = canaries.watch(
    'id token',
    await fx.issuer.mint({ projectPath: 'oneex/infra', ref: 'main', refProtected: true }),
  );
  // Group-level CI/CD variables, as Oneex sets them once for every project.
  const group = {
    VAULT_ADDR: fx.vault.address,
    VAULT_AUTH_ROLE: 'oneex-infra',
    ONEEX_VAULT_ID_TOKEN: idToken,
  };
  const files = await consumerFiles();

  // One repository, two pipelines: a merge request's, then the default branch's after the merge. The
  // GitLab cache (gitlab-ci-local keeps it in the repository) carries over from one to the other.
  consumer = await createConsumer({
    project: 'oneex/infra',
    files,
    firstMessage: 'feat: configure the app hosts',
  });
  cleanup.push(consumer.dir);
  const mr = await runPipeline(library, consumer, {
    timeoutMs: 300_000,
    variables: {
      ...group,
      CI_PIPELINE_SOURCE: 'merge_request_event',
      CI_MERGE_REQUEST_IID: '12',
      CI_COMMIT_BRANCH: '',
    },
  });
  // The next run replaces this one's artifacts: read and scan them now.
  mergeRequest = {
    result: mr,
    artifacts: {
      check: await mr.artifacts('ansible:check:test'),
      lint: await mr.artifacts('ansible:lint'),
    },
    leaks: await canaries.scan(mr, consumer),
    configuredHosts: await readdir(sandbox),
  };
  mainBranch = await runPipeline(library, consumer, { timeoutMs: 300_000, variables: group });
  mainBranchLeaks = await canaries.scan(mainBranch, consumer);
  productionBefore = await readdir(join(sandbox)).then((names) => names.includes('production'));
  // Someone presses play on production.
  production = await runPipeline(library, consumer, {
    timeoutMs: 300_000,
    variables: group,
    jobs: ['ansible:apply:production'],
    manual: ['ansible:apply:production'],
  });
}, 600_000);

afterAll(async () => {
  await Promise.all([server?.stop(), fx?.stop()]);
  await removeAll(...cleanup);
});

describe('a merge request pipeline', () => {
  it('lints, and check-runs test with a diff, changing nothing', async () => {
    const { result } = mergeRequest;
    expect([...result.jobs.keys()].sort(), result.output).toEqual(['ansible:check:test', 'ansible:lint']);
    const lint = result.job('ansible:lint');
    expect(lint.status, lint.log).toBe('success');
    expect(lint.log).toContain('oneex.base:1.0.0 was installed successfully');
    expect(lint.log).toContain('✔ Lint passed.');

    const check = result.job('ansible:check:test');
    expect(check.status, check.log).toBe('success');
    expect(check.log).toContain('ssh_private_key: from Vault (kv/data/oneex/infra/ssh#private_key).');
    expect(check.log).toContain('+listen_port = 8080');
    expect(check.log).toContain('Check run: 6 changes would be made on 2 of 2 hosts');
    expect(check.log).toMatch(/Recap \(test, check\):/);
    // A check changes nothing: no host directory was created.
    expect(mergeRequest.configuredHosts).toEqual([]);

    expect(mergeRequest.artifacts.check['ansible-report.xml']).toContain(
      '<testsuite name="ansible.test.check" tests="6" failures="0">',
    );
    expect(JSON.parse(mergeRequest.artifacts.lint['ansible-lint-codequality.json'] ?? '')).toEqual([]);
  });
});

describe('a default-branch pipeline', () => {
  it('applies test and staging, and leaves production to a manual action', async () => {
    const result = mainBranch;
    expect([...result.jobs.keys()].sort(), result.output).toEqual([
      'ansible:apply:staging',
      'ansible:apply:test',
      'ansible:lint',
    ]);
    // The cache of the merge request's pipeline: nothing is installed again.
    expect(result.job('ansible:lint').log).toContain(
      'Nothing to do. All requested collections are already installed.',
    );
    for (const environment of ['test', 'staging']) {
      const job = result.job(`ansible:apply:${environment}`);
      expect(job.status, job.log).toBe('success');
      expect(job.log).toContain(`Applied to ${environment}: 6 changes on 2 of 2 hosts.`);
    }
    expect(await readFile(join(sandbox, 'app-1/etc/oneex/app.conf'), 'utf8')).toContain('environment = test');
    expect(await readFile(join(sandbox, 'staging/app-2/etc/oneex/app.conf'), 'utf8')).toContain(
      'listen_port = 8081',
    );
    expect(await readFile(join(sandbox, 'app-1/etc/oneex/secrets.env'), 'utf8')).toBe(
      `ONEEX_API_TOKEN=${apiToken}\n`,
    );
    // gitlab-ci-local leaves a manual job out unless told to play it: production did not run.
    expect(result.output).not.toContain('ansible:apply:production');
    expect(productionBefore).toBe(false);
  });

  it('applies production when someone plays its manual job', () => {
    const job = production.job('ansible:apply:production');
    expect(job.status, job.log).toBe('success');
    expect(job.log).toContain('Applied to production: 6 changes on 2 of 2 hosts.');
  });

  it('leaves no secret in any log, artifact or workspace', async () => {
    expect(mergeRequest.leaks).toEqual([]);
    expect(mainBranchLeaks).toEqual([]);
    await canaries.assertNoLeak(production, consumer);
  });
});
