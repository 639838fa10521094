import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYBOOK, TEMPLATE } from '../components/ansible/fixtures.ts';
import {
  EXAMPLE,
  type Fixtures,
  INFRA_PROJECT,
  INFRA_ROLE,
  sha256Prefix,
  startFixtures,
  startInfraVault,
  toolCalls,
} from '../components/terraform/support.ts';
import { addMergeRequest, mergeRequestNotes } from '../doubles/gitlab-api/notes.ts';
import { stateOf } from '../doubles/gitlab-api/terraform-state.ts';
import { type Canaries, createCanaries } from '../support/canary.ts';
import {
  type Consumer,
  createConsumer,
  type Library,
  type PipelineResult,
  publishLibrary,
  readTree,
  removeAll,
  runPipeline,
  safeJobName,
} from '../support/local-pipeline.ts';
import { type SshServer, startSshServer } from '../support/ssh-server.ts';
import { AUDIENCE, type VaultFixture } from '../support/vault.ts';

// The oneex-infra example as its repository holds it, whose whole pipeline is the two lines including
// the infra preset, run by gitlab-ci-local with the preset's defaults alone: Vault secrets under the
// project's path, Ansible's role per environment. A merge request pipeline (commitlint, Terraform's
// checks and plans, Ansible's lint and check runs), then the default branch's (each environment
// applied, production on its manual action, then Ansible on the VMs the applies output).
//
// This machine's stand-ins: the tofu double and GitLab's state and notes API double for Proxmox and
// GitLab; the Vault double; and for the VMs, one real sshd per environment listening on loopback
// addresses (127.10.0.x for test's 10.10.0.x, 127.20.0.x for staging's), which the merge request moves
// the environments' tfvars and static inventories to. The example's site.yml hardens Debian VMs as
// root (apt, sshd, sysctl, systemd): it cannot run against this machine, so the runs' playbook is the
// ansible component's small app playbook (test/components/ansible/fixtures.ts), chosen for this
// machine by pipeline variables, as are the SSH account and port the loopback servers have.

const ENVIRONMENTS = ['test', 'staging', 'production', 'review'] as const;
type Environment = (typeof ENVIRONMENTS)[number];
const ANSIBLE_ENVIRONMENTS = ['test', 'staging', 'production'] as const;
const MERGE_REQUEST = 7;
const BRANCH = 'feature/lab-vms';
const PLAYBOOK_FILE = 'loopback.yml';
/** The loopback address standing in for each environment's VM network, 10.<n>.0.x. */
const LOOPBACK = { test: '127.10.0', staging: '127.20.0' } as const;

let fixtures: Fixtures;
let fx: VaultFixture;
let canaries: Canaries;
let library: Library;
let servers: Record<keyof typeof LOOPBACK, SshServer>;
let sandboxes: Record<keyof typeof LOOPBACK, string>;
let toolLog: string;
let mergeRequest: { result: PipelineResult; consumer: Consumer; configured: string[] };
let mainBranch: { result: PipelineResult; consumer: Consumer };
const proxmoxTokens = {} as Record<Environment, string>;
const cleanup: string[] = [];

/** The example's files, as its repository holds them. */
const exampleFiles = (): Promise<Record<string, string>> => readTree(EXAMPLE);

/**
 * The merge request's change: test's and staging's VMs on the loopback "lab network" (tfvars and the
 * static inventories kept in step, as the example says), and the playbook this machine can run.
 */
async function labChange(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const [environment, prefix] of Object.entries(LOOPBACK)) {
    const network = environment === 'test' ? '10.10.0' : '10.20.0';
    const tfvars = `environments/${environment}.tfvars`;
    const hosts = `ansible/inventories/${environment}/hosts.yml`;
    files[tfvars] = (await readFile(join(EXAMPLE, tfvars), 'utf8')).replaceAll(
      `address = "${network}.`,
      `address = "${prefix}.`,
    );
    files[hosts] = (await readFile(join(EXAMPLE, hosts), 'utf8')).replaceAll(
      `ansible_host: ${network}.`,
      `ansible_host: ${prefix}.`,
    );
  }
  files[`ansible/${PLAYBOOK_FILE}`] = PLAYBOOK;
  files['ansible/templates/app.conf.j2'] = TEMPLATE;
  return files;
}

/** Group-level CI/CD variables, as Oneex sets them once, and the ID token GitLab mints for the ref. */
async function variables(ref: { name: string; protected: boolean }): Promise<Record<string, string>> {
  const idToken = canaries.watch(
    `ID token of ${ref.name}`,
    await fx.issuer.mint({ projectPath: INFRA_PROJECT, ref: ref.name, refProtected: ref.protected }),
  );
  const roots = JSON.stringify(sandboxes);
  return {
    VAULT_ADDR: fx.vault.address,
    VAULT_AUTH_ROLE: INFRA_ROLE,
    ONEEX_CI_TERRAFORM_IMAGE: 'harbor.oneex.fr/oneex/ci-components/oneex-ci-terraform:1',
    ONEEX_VAULT_ID_TOKEN: idToken,
    // GitLab's API (state backend, merge request notes) and the job token: the API double here.
    CI_API_V4_URL: fixtures.gitlab.apiUrl,
    CI_PROJECT_ID: String(fixtures.project.id),
    CI_JOB_TOKEN: fixtures.jobToken,
    // This machine's VMs: the playbook it can run, the account and port of the loopback sshd, and
    // each environment's sandbox as the hosts' root directory.
    ONEEX_ANSIBLE_PLAYBOOK: PLAYBOOK_FILE,
    ONEEX_ANSIBLE_EXTRA_VARS: JSON.stringify({
      ansible_user: servers.test.user,
      ansible_port: servers.test.port,
      oneex_root: `{{ (${roots})[oneex_environment] }}/{{ inventory_hostname }}`,
      oneex_listen_port: 8080,
    }),
  };
}

beforeAll(async () => {
  const test = await startSshServer({ addresses: [`${LOOPBACK.test}.11`, `${LOOPBACK.test}.21`] });
  let staging: SshServer;
  [staging, fixtures, fx, library] = await Promise.all([
    // The same port as test's: the playbook's `ansible_port` is one value for both.
    startSshServer({ addresses: [`${LOOPBACK.staging}.11`, `${LOOPBACK.staging}.21`], port: test.port }),
    startFixtures(),
    startInfraVault(),
    publishLibrary(),
  ]);
  servers = { test, staging };
  sandboxes = { test: await test.sandbox('test'), staging: await staging.sandbox('staging') };
  cleanup.push(dirname(fileURLToPath(library.bare)));
  canaries = createCanaries(fx.vault);

  // Vault as the platform team sets it up for the project: `oneex-infra` (Terraform) reads the
  // Proxmox tokens and the notes token, any ref (merge requests plan every environment);
  // `oneex-infra-<environment>` (Ansible) reads that environment's folder only; production's only
  // from protected refs.
  fx.vault.writePolicy(
    INFRA_ROLE,
    Object.fromEntries(
      [...ENVIRONMENTS, 'gitlab'].map((path) => [`kv/data/${INFRA_PROJECT}/${path}`, ['read']]),
    ),
  );
  for (const environment of ANSIBLE_ENVIRONMENTS) {
    const role = `${INFRA_ROLE}-${environment}`;
    fx.vault.writePolicy(role, { [`kv/data/${INFRA_PROJECT}/${environment}/ansible`]: ['read'] });
    fx.vault.writeRole('jwt', role, {
      bound_audiences: [AUDIENCE],
      bound_claims: {
        project_path: INFRA_PROJECT,
        ...(environment === 'production' ? { ref_protected: 'true' } : {}),
      },
      user_claim: 'user_email',
      token_policies: [role],
      token_ttl: 900,
      token_max_ttl: 3600,
    });
  }

  // The secrets, at the paths the preset's defaults name for oneex/infra; every one a canary.
  for (const environment of ENVIRONMENTS) {
    // Proxmox's format, USER@REALM!TOKENID=SECRET, which the double checks as the provider does.
    proxmoxTokens[environment] = canaries.watch(
      `Proxmox token of ${environment}`,
      `terraform@pve!ci-${environment}=${canaries.value(`proxmox secret of ${environment}`)}`,
    );
    fx.vault.putSecret('kv', `${INFRA_PROJECT}/${environment}`, {
      proxmox_api_token: proxmoxTokens[environment],
    });
  }
  const notes = canaries.seed({ mount: 'kv', path: `${INFRA_PROJECT}/gitlab`, fields: ['notes_token'] });
  fixtures.gitlab.addToken(canaries.valueOf(notes.notes_token ?? ''), fixtures.bot, ['api']);
  for (const environment of ANSIBLE_ENVIRONMENTS) {
    const server = environment === 'production' ? undefined : servers[environment];
    fx.vault.putSecret('kv', `${INFRA_PROJECT}/${environment}/ansible`, {
      // The key the sshd accepts (production has no server here: a key of its own).
      ssh_private_key:
        server !== undefined
          ? canaries.watch(`SSH key of ${environment}`, server.userPrivateKey)
          : canaries.value(`SSH key of ${environment}`, 'pem'),
      known_hosts: `${(server ?? servers.test).knownHostsLine}\n`,
      ansible_vault_password: canaries.value(`ansible-vault password of ${environment}`),
    });
  }
  canaries.watch('job token', fixtures.jobToken);
  addMergeRequest(fixtures.gitlab, fixtures.project.id, MERGE_REQUEST);

  // The tofu double records its calls beside the library, outside every repository.
  toolLog = join(dirname(fileURLToPath(library.bare)), 'tofu-calls.log');
  await writeFile(join(fixtures.binDir, 'tofu-double.env'), `TOFU_DOUBLE_LOG='${toolLog}'\n`);

  // Two repositories: the merge request's branch, and the default branch after the merge.
  const [files, change] = await Promise.all([exampleFiles(), labChange()]);
  const branch = await createConsumer({
    project: INFRA_PROJECT,
    files,
    firstMessage: 'feat: proxmox vms per environment',
  });
  cleanup.push(branch.dir);
  const base = await branch.head();
  await branch.git(['checkout', '-q', '-b', BRANCH]);
  await branch.commit({ message: 'feat: move test and staging to the lab network', files: change });

  const mr = await runPipeline(library, branch, {
    variables: {
      ...(await variables({ name: BRANCH, protected: false })),
      CI_PIPELINE_SOURCE: 'merge_request_event',
      CI_MERGE_REQUEST_IID: String(MERGE_REQUEST),
      CI_MERGE_REQUEST_DIFF_BASE_SHA: base,
      CI_COMMIT_BRANCH: '',
    },
    path: [fixtures.binDir],
    timeoutMs: 300_000,
  });
  mergeRequest = {
    result: mr,
    consumer: branch,
    configured: await readTree(sandboxes.test).then(Object.keys),
  };

  // The default branch after the merge, in a repository of its own: each run's logs, artifacts and
  // workspaces stay as the run left them.
  const merged = await createConsumer({
    project: INFRA_PROJECT,
    files,
    firstMessage: 'feat: proxmox vms per environment',
    commits: [{ message: 'feat: move test and staging to the lab network', files: change }],
  });
  cleanup.push(merged.dir);
  const before = (await merged.git(['rev-parse', 'HEAD~1'])).trim();
  const main = await runPipeline(library, merged, {
    variables: { ...(await variables({ name: 'main', protected: true })), CI_COMMIT_BEFORE_SHA: before },
    path: [fixtures.binDir],
    // Someone plays production's Terraform apply; Ansible's production apply waits for its own.
    manual: ['terraform:apply:production'],
    timeoutMs: 300_000,
  });
  mainBranch = { result: main, consumer: merged };
}, 600_000);

afterAll(async () => {
  await Promise.all([servers?.test.stop(), servers?.staging.stop(), fixtures?.close(), fx?.stop()]);
  await removeAll(...cleanup);
  if (toolLog !== undefined) await rm(toolLog, { force: true });
});

const statuses = (result: PipelineResult): Record<string, string> =>
  Object.fromEntries([...result.jobs.values()].map((job) => [job.name, job.status]));

describe('the oneex-infra example, a merge request pipeline', () => {
  it('runs commitlint, Terraform’s checks and every plan, and Ansible’s lint and check runs (not production)', () => {
    const { result } = mergeRequest;
    expect(statuses(result), result.output).toEqual({
      commitlint: 'success',
      'terraform:fmt': 'success',
      'terraform:validate': 'success',
      'terraform:plan:test': 'success',
      'terraform:plan:staging': 'success',
      'terraform:plan:production': 'success',
      'terraform:plan:review': 'success',
      'terraform:apply:review': 'success',
      'ansible:lint': 'success',
      'ansible:check:test': 'success',
      'ansible:check:staging': 'success',
    });
    const commitlint = result.job('commitlint').log;
    expect(commitlint).toMatch(/Linting merge request commits [0-9a-f]{8}\.\.[0-9a-f]{8}\./);
    expect(commitlint).toContain('feat: move test and staging to the lab network');
    expect(commitlint).toContain('✔ 1 commit follows the commit convention.');
  });

  it('plans each environment with its own Proxmox token from the project’s Vault path, with a plan report', async () => {
    const { result } = mergeRequest;
    for (const [environment, create] of [
      ['test', 4],
      ['staging', 4],
      ['production', 6],
      ['review', 2],
    ] as const) {
      const job = `terraform:plan:${environment}`;
      const log = result.job(job).log;
      expect(log).toContain(`Plan for ${environment}`);
      expect(log).toContain(
        `PROXMOX_VE_API_TOKEN <- Vault kv/data/${INFRA_PROJECT}/${environment}#proxmox_api_token`,
      );
      // gitlab-ci-local keeps reports in the job's workspace, not with its artifacts.
      const report = await readFile(
        join(result.workspace(job), `.oneex-ci/terraform/${environment}/report.json`),
        'utf8',
      );
      expect(JSON.parse(report)).toEqual({ create, update: 0, delete: 0 });
      expect(Object.keys(await result.artifacts(job)).sort()).toEqual([
        `.oneex-ci/terraform/${environment}/plan.meta.json`,
        `.oneex-ci/terraform/${environment}/plan.tfplan`,
      ]);
    }
    const plans = (await toolCalls(toolLog)).filter((c) => c.argv[0] === 'plan');
    for (const environment of ENVIRONMENTS) {
      const workspace = join(mergeRequest.consumer.dir, '.gitlab-ci-local', 'builds');
      const call = plans.find((c) =>
        c.cwd.startsWith(join(workspace, safeJobName(`terraform:plan:${environment}`))),
      );
      expect(call?.envSha256.PROXMOX_VE_API_TOKEN, environment).toBe(
        sha256Prefix(proxmoxTokens[environment]),
      );
    }
    // One note per environment (the branch's review environment too), by the bot whose token is at
    // kv/data/oneex/infra/gitlab.
    const notes = mergeRequestNotes(fixtures.gitlab, fixtures.project.id, MERGE_REQUEST);
    expect(notes.map((n) => /oneex-ci:terraform-plan:(\S+) /.exec(n.body)?.[1]).sort()).toEqual([
      'production',
      'review-feature-lab-vms',
      'staging',
      'test',
    ]);
    for (const note of notes) expect(note.author.username).toBe(fixtures.bot.username);
    // The review environment is the branch's own, applied now; the lasting ones are untouched.
    expect(
      JSON.parse(stateOf(fixtures.gitlab, fixtures.project.id, 'review-feature-lab-vms').data ?? '{}')
        .resources,
    ).toHaveLength(2);
  });

  it('lints the Ansible project and check-runs test and staging over SSH, with their own Vault roles, changing nothing', async () => {
    const { result } = mergeRequest;
    expect(result.job('ansible:lint').log).toContain('✔ Lint passed.');
    for (const environment of ['test', 'staging'] as const) {
      const log = result.job(`ansible:check:${environment}`).log;
      expect(log).toContain(
        `ssh_private_key: from Vault (kv/data/${INFRA_PROJECT}/${environment}/ansible#ssh_private_key).`,
      );
      expect(log).toContain(`role "${INFRA_ROLE}-${environment}"`);
      expect(log).toContain('checking against the static inventory only');
      expect(log).toContain('+listen_port = 8080');
      expect(log).toContain(`+environment = ${environment}`);
      expect(log).toContain(
        '✔ Check run: 2 changes would be made on 1 of 1 host (see the diff above); nothing was changed.',
      );
      expect(servers[environment].log()).toContain(`Accepted publickey for ${servers[environment].user}`);
      const artifacts = await result.artifacts(`ansible:check:${environment}`);
      expect(artifacts['ansible-report.xml']).toContain(
        `<testsuite name="ansible.${environment}.check" tests="2" failures="0">`,
      );
    }
    expect(mergeRequest.configured).toEqual([]);
  });

  it('leaves no secret in any log, artifact or workspace', async () => {
    await canaries.assertNoLeak(mergeRequest.result, mergeRequest.consumer);
  });
});

describe('the oneex-infra example, a default-branch pipeline', () => {
  it('plans and applies every environment (production played by hand), then Ansible on test and staging', () => {
    const { result } = mainBranch;
    expect(statuses(result), result.output).toEqual({
      commitlint: 'success',
      'terraform:fmt': 'success',
      'terraform:validate': 'success',
      'terraform:plan:test': 'success',
      'terraform:plan:staging': 'success',
      'terraform:plan:production': 'success',
      'terraform:apply:test': 'success',
      'terraform:apply:staging': 'success',
      'terraform:apply:production': 'success',
      'ansible:lint': 'success',
      'ansible:apply:test': 'success',
      'ansible:apply:staging': 'success',
    });
    // Production's Ansible apply is manual too: nobody played it.
    expect(result.output).not.toContain('ansible:apply:production');
    for (const [environment, create] of [
      ['test', 4],
      ['staging', 4],
      ['production', 6],
    ] as const) {
      const log = result.job(`terraform:apply:${environment}`).log;
      expect(log).toContain(`Saved plan of terraform:plan:${environment}`);
      expect(log).toContain(`${environment}: applied (${create} to add, 0 to change, 0 to destroy).`);
      expect(JSON.parse(stateOf(fixtures.gitlab, fixtures.project.id, environment).data ?? '{}').serial).toBe(
        1,
      );
    }
  });

  it('configures test’s and staging’s VMs, its inventory made from the apply’s outputs', async () => {
    const { result } = mainBranch;
    for (const environment of ['test', 'staging'] as const) {
      const prefix = LOOPBACK[environment];
      const outputs = JSON.parse(
        (await result.artifacts(`terraform:apply:${environment}`))[
          `.oneex-ci/terraform/${environment}/outputs.json`
        ] ?? '{}',
      );
      expect(outputs.ansible_hosts.value).toEqual({
        [`${environment}-app-1`]: { ansible_host: `${prefix}.11`, groups: ['app'] },
        [`${environment}-db-1`]: { ansible_host: `${prefix}.21`, groups: ['db'] },
      });
      const log = result.job(`ansible:apply:${environment}`).log;
      expect(log).toContain(`role "${INFRA_ROLE}-${environment}"`);
      expect(log).toContain(
        `Inventory from .oneex-ci/terraform/${environment}/outputs.json: ${environment}-app-1 (${prefix}.11; app), ${environment}-db-1 (${prefix}.21; db)`,
      );
      expect(log).toContain(`✔ Applied to ${environment}: 2 changes on 1 of 1 host.`);
      const conf = await readFile(
        join(sandboxes[environment], `${environment}-app-1/etc/oneex/app.conf`),
        'utf8',
      );
      expect(conf).toBe(`# Managed by Ansible\nlisten_port = 8080\nenvironment = ${environment}\n`);
      expect((await result.artifacts(`ansible:apply:${environment}`))['ansible-report.xml']).toContain(
        `<testsuite name="ansible.${environment}.apply" tests="2" failures="0">`,
      );
    }
  });

  it('leaves no secret in any log, artifact or workspace', async () => {
    await canaries.assertNoLeak(mainBranch.result, mainBranch.consumer);
  });
});
