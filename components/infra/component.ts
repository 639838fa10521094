import type { Component } from '../../src/model/component.ts';
import { definePreset } from '../../src/model/preset.ts';
import ansible from '../ansible/component.ts';
import commitlint from '../commitlint/component.ts';
import terraform from '../terraform/component.ts';

// Oneex's infrastructure repository: Proxmox VMs by Terraform per environment, then Ansible on them.
// Secrets are read from Vault under the project's own path, one folder per environment, so that a
// new infrastructure repository needs no inputs at all.

const ENVIRONMENTS = ['test', 'staging', 'production'] as const;
const TIERS = { test: 'testing', staging: 'staging', production: 'production' } as const;

const secret = (path: string, field: string) => `vault:kv/data/$CI_PROJECT_PATH/${path}#${field}`;

export default definePreset({
  name: 'infra',
  summary:
    'The whole pipeline of the infrastructure repository: Terraform per environment on Proxmox, then Ansible on the VMs.',
  description: `
For the infrastructure repository (see \`examples/oneex-infra/\`): a Terraform/OpenTofu root module at
the repository root with one var file per environment (\`environments/<environment>.tfvars\`), and an
Ansible project in \`ansible/\` with one inventory per environment.

- **Merge requests**: \`commitlint\`; \`terraform:fmt\`, \`terraform:validate\` and a plan of each
  environment (\`test\`, \`staging\`, \`production\`, and the merge request's own \`review/<branch>\`,
  destroyed when the merge request closes), each plan noted on the merge request; \`ansible:lint\` and a
  check run (\`--check --diff\`) against test and staging (never production, whose key merge request
  pipelines must not hold).
- **Default branch**: each environment's saved plan is applied (production on a manual action), then
  Ansible configures that environment's VMs, its inventory made from the apply's outputs
  (\`ansible_hosts\`). Each environment's chain runs on its own: test does not wait for staging.

**Secrets from Vault**, read with each job's ID token (\`VAULT_ADDR\`, \`VAULT_AUTH_ROLE\` at group
level), under the project's path:

| Vault secret (KV v2) | Field | Read by |
| --- | --- | --- |
| \`kv/data/<project path>/<environment>\` | \`proxmox_api_token\` | Terraform plan, apply, destroy |
| \`kv/data/<project path>/gitlab\` | \`notes_token\` | Terraform plan (merge request notes) |
| \`kv/data/<project path>/<environment>/ansible\` | \`ssh_private_key\`, \`known_hosts\`, \`ansible_vault_password\` | Ansible check and apply |

Ansible logs in with the role \`<VAULT_AUTH_ROLE>-<environment>\` (\`oneex-infra-test\`, …), so each
environment's SSH key is readable only by its own jobs; Terraform with \`VAULT_AUTH_ROLE\` itself.
Terraform's jobs run in an image with OpenTofu (or Terraform) and \`oneex-ci\`: the CI/CD variable
\`ONEEX_CI_TERRAFORM_IMAGE\` (set it at group level), or the \`terraform_image\` input.
`,
  shared: {
    vault_addr: undefined,
    vault_namespace: undefined,
    vault_auth_mount: undefined,
    vault_audience: undefined,
  },
  variables: [
    {
      name: 'VAULT_ADDR',
      what: 'Vault, where the jobs read the Proxmox tokens and SSH keys with their ID token',
    },
    { name: 'VAULT_AUTH_ROLE', what: 'Vault JWT role of Terraform; Ansible uses `<role>-<environment>`' },
    { name: 'ONEEX_CI_TERRAFORM_IMAGE', what: 'the library image with OpenTofu, for the Terraform jobs' },
  ],
  parts: [
    { component: commitlint as unknown as Component, prefix: 'commitlint' },
    {
      component: terraform as unknown as Component,
      prefix: 'terraform',
      defaults: {
        image: '$ONEEX_CI_TERRAFORM_IMAGE',
        merge_request_note: true,
        gitlab_token: 'kv/data/$CI_PROJECT_PATH/gitlab#notes_token',
      },
      instances: Object.fromEntries(
        [...ENVIRONMENTS, 'review'].map((environment) => [
          environment,
          { environment, proxmox_api_token: `kv/data/$CI_PROJECT_PATH/${environment}#proxmox_api_token` },
        ]),
      ),
    },
    {
      component: ansible as unknown as Component,
      prefix: 'ansible',
      defaults: { project_dir: 'ansible' },
      instances: Object.fromEntries(
        ENVIRONMENTS.map((environment) => [
          environment,
          {
            environment,
            deployment_tier: TIERS[environment],
            check_when: environment === 'production' ? 'never' : 'on_success',
            vault_role: `$VAULT_AUTH_ROLE-${environment}`,
            ssh_private_key: secret(`${environment}/ansible`, 'ssh_private_key'),
            ssh_known_hosts: secret(`${environment}/ansible`, 'known_hosts'),
            ansible_vault_password: secret(`${environment}/ansible`, 'ansible_vault_password'),
            terraform_outputs: `.oneex-ci/terraform/${environment}/outputs.json`,
            apply_needs: ['ansible:lint', { job: `terraform:apply:${environment}`, artifacts: true }],
          },
        ]),
      ),
    },
  ],
  usage: {},
});
