import { defineComponent, jobInputs } from '../../src/model/component.ts';
import { envName, type InputSpecs } from '../../src/model/inputs.ts';
import { vaultIdTokens, vaultInputs } from '../../src/vault/inputs.ts';
import { GALAXY_CACHE_DIR, LINT_REPORT_FILE } from './paths.ts';

// A path inside the repository: relative, no `..` segment, no leading `-` (it would read as an option).
const RELATIVE_PATH = '^(\\.|[A-Za-z0-9_][A-Za-z0-9_.@+/-]*)$';
const OPTIONAL_RELATIVE_PATH = `^$|${RELATIVE_PATH.slice(1, -1)}$`;

export const inputs = {
  ...jobInputs({ as: 'ansible', stage: 'test' }),
  as: {
    default: 'ansible',
    description:
      'Prefix of the job names: `<as>:lint`, `<as>:check:<environment>`, `<as>:apply:<environment>`. Start it with `.` to get hidden jobs to `extends:` instead.',
    env: false,
  },
  apply_stage: {
    default: 'deploy',
    description: 'Stage of the apply job (lint and check jobs take `stage`).',
    env: false,
  },
  environment: {
    description:
      'GitLab environment the check and apply jobs target, such as `test`, `staging` or `production`. Include the component once per environment; the lint job is the same in every include, so GitLab keeps one.',
    regex: '^[a-z0-9][a-z0-9_-]*$',
    example: 'test',
  },
  deployment_tier: {
    default: 'production',
    options: ['production', 'staging', 'testing', 'development', 'other'],
    description:
      'GitLab deployment tier of the environment. A `production` tier makes the apply manual whatever `apply_when` says, and refuses `host_key_checking: accept-new`. The default is the safe one: set `testing` or `staging` for those environments.',
  },
  apply_when: {
    default: 'on_success',
    options: ['on_success', 'manual'],
    description:
      'When the apply job runs on the default branch: at once (`on_success`) or on a manual action. Production-tier applies are always manual.',
    env: false,
  },
  check_when: {
    default: 'on_success',
    options: ['on_success', 'never'],
    description:
      'Whether merge request pipelines run the check (`--check --diff`) for this environment. A check connects to the hosts with the environment’s SSH key; use `never` where merge request pipelines must not hold that key.',
    env: false,
  },
  apply_needs: {
    type: 'array',
    default: ['ansible:lint'],
    description:
      'GitLab `needs:` of the apply job. Keep the lint job (`<as>:lint`) in it, and add the Terraform apply job whose outputs feed `terraform_outputs`, e.g. `["ansible:lint", {job: "terraform:apply:test", artifacts: true}]`.',
    env: false,
  },
  check_needs: {
    type: 'array',
    default: [],
    description:
      'GitLab `needs:` of the check job, e.g. the Terraform job whose outputs artifact feeds `terraform_outputs` in merge requests.',
    env: false,
  },
  project_dir: {
    default: '.',
    description:
      'Directory of the Ansible project (playbooks, `ansible.cfg`, `requirements.yml`, inventories), relative to the repository root.',
    regex: RELATIVE_PATH,
  },
  playbook: {
    default: 'site.yml',
    description: 'Playbook to run, relative to `project_dir`.',
    regex: '^[A-Za-z0-9_][A-Za-z0-9_.@+/-]*\\.ya?ml$',
  },
  inventory: {
    default: '',
    description:
      'Inventory file or directory, relative to `project_dir`. Empty: `inventories/<environment>` when it exists. With `terraform_outputs`, the hosts from Terraform are added to it (or make the whole inventory when neither exists).',
    regex: OPTIONAL_RELATIVE_PATH,
  },
  terraform_outputs: {
    default: '',
    description:
      'Path of a Terraform `output -json` file (the terraform component’s outputs artifact), relative to the repository root. Its `ansible_hosts` output becomes an inventory; see the mapping above.',
    regex: OPTIONAL_RELATIVE_PATH,
  },
  limit: {
    default: '',
    description:
      'Ansible host pattern limiting the run (`--limit`), such as `web:&test` or `front-1,back-*`. Every part must match a host of the inventory.',
    regex: '^[^\\s@\'"`$;|<>]*$',
  },
  tags: {
    type: 'array',
    default: [],
    description: 'Run only the tasks with these tags (`--tags`).',
  },
  skip_tags: {
    type: 'array',
    default: [],
    description: 'Skip the tasks with these tags (`--skip-tags`).',
  },
  extra_vars: {
    default: '',
    description:
      'Extra variables as a YAML or JSON mapping, e.g. `{app_version: 1.4.2}`. They reach Ansible through a file, never the command line.',
  },
  requirements_file: {
    default: 'requirements.yml',
    description:
      'Galaxy requirements (collections and roles), relative to `project_dir`; installed once and kept in the GitLab cache, keyed by the file. Skipped when the file does not exist.',
    regex: RELATIVE_PATH,
  },
  ssh_private_key: {
    default: '$ANSIBLE_SSH_PRIVATE_KEY',
    description:
      'SSH private key the jobs connect with (unencrypted OpenSSH or PEM): `vault:<path>#<field>` for a Vault KV secret (e.g. `vault:kv/data/oneex/infra/test#ssh_private_key`), or a CI/CD variable (`$NAME`; File-type works too). It goes to a 0600 file outside the project, removed when the job ends.',
  },
  ssh_known_hosts: {
    default: '$ANSIBLE_SSH_KNOWN_HOSTS',
    description:
      'Trusted host keys in known_hosts format, as `ssh-keyscan` prints them: `vault:<path>#<field>` or a CI/CD variable (`$NAME`; File-type works too). With `host_key_checking: strict`, every targeted host must be in it.',
  },
  host_key_checking: {
    default: 'strict',
    options: ['strict', 'accept-new'],
    description:
      '`strict` connects only to hosts whose key is in `ssh_known_hosts`. `accept-new` trusts keys of hosts not listed yet (never a changed key); refused for the production tier.',
  },
  ssh_user: {
    default: '',
    description:
      'Remote user for hosts whose inventory sets no `ansible_user` (`--user`). Empty: the `remote_user` of `ansible.cfg`, else the job’s user.',
    regex: '^$|^[a-z_][a-z0-9_.-]*$',
  },
  ansible_vault_password: {
    default: '$ANSIBLE_VAULT_PASSWORD',
    description:
      'ansible-vault password: `vault:<path>#<field>` or a CI/CD variable (`$NAME`; File-type works too). It reaches Ansible through a 0600 file (ANSIBLE_VAULT_PASSWORD_FILE), never the command line. Empty: no vault.',
  },
  ...vaultInputs(),
  diff: {
    type: 'boolean',
    default: true,
    description:
      'Show file changes (`--diff`) in the apply job too (the check always does). Mark tasks that template secrets with `diff: false` or `no_log: true`.',
  },
  verbosity: {
    type: 'number',
    default: 0,
    options: [0, 1, 2, 3],
    description: 'Ansible verbosity (`-v` to `-vvv`).',
  },
  report_file: {
    default: 'ansible-report.xml',
    description: 'Path of the JUnit report of the check and apply jobs (one test case per host and task).',
    regex: '^[A-Za-z0-9_][A-Za-z0-9_./-]*\\.xml$',
  },
} as const satisfies InputSpecs;

export default defineComponent({
  name: 'ansible',
  summary:
    'Lints Ansible playbooks, check-runs them with a diff in merge requests, and applies them per environment on the default branch.',
  description: `
Three jobs per environment, over real SSH:

- **\`<as>:lint\`** (merge requests and branches): installs the Galaxy requirements, runs \`yamllint\` and
  \`ansible-lint\` (the project's \`.yamllint\` and \`.ansible-lint\` when present). Findings appear in the
  merge request's code quality widget.
- **\`<as>:check:<environment>\`** (merge requests): \`ansible-playbook --check --diff\`: the log shows what
  would change on each host; nothing changes.
- **\`<as>:apply:<environment>\`** (default branch): applies the playbook; automatic for test and staging,
  manual for the production tier. One apply per environment at a time (\`resource_group\`); an apply
  is never interrupted by a newer pipeline.

Before any SSH connection, the check and apply jobs verify the inputs: playbook and inventory exist,
extra vars are a mapping, the limit matches hosts of the inventory, the playbook passes
\`--syntax-check\`, the SSH key is a valid unencrypted key, and (\`strict\`) every targeted host has a
known host key. A problem fails the job there, naming the input.

The log ends with a recap per host (ok, changed, failed, unreachable), and a JUnit report (one test
case per host and task) feeds the merge request's test widget. Each way a run can fail has its own
code and message:

| Code | Exit | Meaning |
| --- | --- | --- |
| \`EINPUT\` | 2 | an input is wrong: missing playbook or inventory, malformed extra vars, a limit that matches no host, a bad key or known_hosts line, a bad Vault reference |
| \`EANSIBLE_SYNTAX\` | 1 | the playbook or inventory does not load (syntax, unknown module, missing role) |
| \`EANSIBLE_VAULT\` | 2 | ansible-vault data and no (or the wrong) \`ansible_vault_password\` |
| \`EANSIBLE_NO_HOSTS\` | 2 | the playbook's plays match no host of the inventory |
| \`ESSH_HOSTKEY_DISABLED\` | 2 | the inventory turns host key checking off for a host |
| \`ESSH_HOSTKEY_UNKNOWN\` | 3 | a targeted host has no entry in \`ssh_known_hosts\` (nothing was contacted) |
| \`ESSH_HOSTKEY_CHANGED\` | 3 | a host presented a key other than the known one: possible man-in-the-middle, or a rebuilt VM |
| \`ESSH_AUTH\` | 3 | a host refused the SSH key |
| \`EANSIBLE_UNREACHABLE\` | 3 | a host could not be reached over SSH |
| \`EANSIBLE_FAILED\` | 1 | tasks failed on some hosts (each named with its task and message) |
| \`EANSIBLE_LINT\` | 1 | yamllint or ansible-lint found errors |
| \`EGALAXY\` | 3 | Galaxy requirements could not be installed |
| \`EVAULT_*\` | 2–3 | Vault refused the login or the read (see the \`vault\` component) |

### Credentials

The SSH key, known hosts and ansible-vault password each come from where their input says:
\`vault:<path>#<field>\` reads a Vault KV secret (KV v2 paths hold \`/data/\`), logged in with the job's
GitLab ID token through the \`vault_*\` inputs (organisation defaults: \`VAULT_ADDR\`, \`VAULT_AUTH_ROLE\`
…, see the \`vault\` component); anything else is a CI/CD variable (\`$NAME\`, File-type variables work
too). Bind production's Vault role to protected refs and the environment, so only the default
branch's apply job reads production's key, and keep merge request checks away from it:

\`\`\`yaml
  - component: $CI_SERVER_FQDN/oneex/ci-components/ansible@1
    inputs:
      environment: production
      check_when: never
      vault_role: oneex-infra-production
      ssh_private_key: vault:kv/data/oneex/infra/production#ssh_private_key
      ssh_known_hosts: vault:kv/data/oneex/infra/production#known_hosts
      ansible_vault_password: vault:kv/data/oneex/infra/production#ansible_vault_password
\`\`\`

The key is written to a 0600 file in a private temporary directory outside the project, the vault
password to another that Ansible reads through \`ANSIBLE_VAULT_PASSWORD_FILE\`; both are removed when
the job ends, the Vault token is revoked as soon as the secrets are read, and no value can reach the
log (every line is redacted). The SSH client runs with \`-F /dev/null\`, \`BatchMode\`, \`IdentitiesOnly\`
and \`StrictHostKeyChecking=yes\` (or \`accept-new\`), so neither the image's SSH configuration nor the
project's \`ansible.cfg\` can weaken host key checking; an inventory that sets
\`StrictHostKeyChecking=no\` in \`ansible_ssh_*_args\` is refused.

### Inventory from Terraform

With \`terraform_outputs\`, the JSON that \`terraform output -json\` writes (the terraform component's
outputs artifact) becomes an inventory. Its output **\`ansible_hosts\`** maps each host name to its
address, its groups and optional host variables:

\`\`\`hcl
output "ansible_hosts" {
  value = {
    for name, vm in proxmox_virtual_environment_vm.app : name => {
      ansible_host = vm.ipv4_addresses[1][0]
      groups       = ["back"]
      vars         = { oneex_node_version = "22" }
    }
  }
}
\`\`\`

Each entry becomes a host in each of its groups, with \`ansible_host\` (and \`ansible_port\` and
\`ansible_user\` when given) and its \`vars\`. Every other non-sensitive output is available to every
host as \`terraform_outputs.<name>\`. An \`ansible_hosts\` output marked sensitive is refused (the
terraform component leaves sensitive outputs out of its artifact). The hosts join the static
inventory when there is one, whose \`group_vars\` apply to them.

The terraform component's apply job writes that file to
\`<root_dir>/.oneex-ci/terraform/<environment>/outputs.json\`; chain the two in one pipeline:

\`\`\`yaml
  - component: $CI_SERVER_FQDN/oneex/ci-components/ansible@1
    inputs:
      environment: test
      deployment_tier: testing
      project_dir: ansible
      terraform_outputs: .oneex-ci/terraform/test/outputs.json
      apply_needs: ["ansible:lint", {job: "terraform:apply:test", artifacts: true}]
\`\`\`

A merge request pipeline has no Terraform apply: its check runs against the static inventory, with a
warning, when the outputs file is absent; an apply without it fails.

### Galaxy requirements

Collections and roles of \`requirements.yml\` install into \`${GALAXY_CACHE_DIR}/\`, which the GitLab cache
keeps between pipelines under a key computed from the requirements file: a pipeline with unchanged
requirements installs nothing.
`,
  inputs,
  usage: {
    environment: 'test',
    deployment_tier: 'testing',
    project_dir: 'ansible',
  },
  actions: {
    lint: () => import('./lint.ts'),
    check: () => import('./check.ts'),
    apply: () => import('./apply.ts'),
  },
  jobs: (input) => {
    const cache = {
      key: { files: [`${input.project_dir}/${input.requirements_file}`], prefix: 'ansible-galaxy' },
      paths: [`${GALAXY_CACHE_DIR}/`],
      when: 'always',
    } as const;
    const environmentName = input.environment;
    const runArtifacts = {
      when: 'always',
      expire_in: '30 days',
      paths: [input.report_file],
      reports: { junit: input.report_file },
    } as const;
    return {
      [`${input.as}:lint`]: {
        stage: input.stage,
        image: input.image,
        needs: [],
        rules: [
          { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
          { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' },
          { if: '$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS', when: 'never' },
          { if: '$CI_COMMIT_BRANCH' },
        ],
        run: 'lint',
        cache,
        interruptible: true,
        artifacts: {
          when: 'always',
          expire_in: '30 days',
          paths: [LINT_REPORT_FILE],
          reports: { codequality: LINT_REPORT_FILE },
        },
      },
      [`${input.as}:check:${environmentName}`]: {
        stage: input.stage,
        image: input.image,
        needs: input.check_needs,
        rules: [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"', when: input.check_when }],
        id_tokens: vaultIdTokens(input),
        run: 'check',
        cache,
        environment: { name: environmentName, action: 'prepare', deployment_tier: input.deployment_tier },
        interruptible: true,
        artifacts: runArtifacts,
      },
      [`${input.as}:apply:${environmentName}`]: {
        stage: input.apply_stage,
        image: input.image,
        needs: input.apply_needs,
        rules: [
          { if: '$CI_COMMIT_BRANCH != $CI_DEFAULT_BRANCH', when: 'never' },
          // A job variable (the input's), so the rule needs no logic in the template.
          { if: `$${envName('ansible', 'deployment_tier')} == "production"`, when: 'manual' },
          { when: input.apply_when },
        ],
        id_tokens: vaultIdTokens(input),
        run: 'apply',
        cache,
        environment: { name: environmentName, action: 'start', deployment_tier: input.deployment_tier },
        resource_group: `ansible-${environmentName}`,
        // A half-applied playbook is worse than a late one.
        interruptible: false,
        artifacts: runArtifacts,
      },
    };
  },
});
