import { type ComponentJob, defineComponent, jobInputs } from '../../src/model/component.ts';
import type { InputSpecs } from '../../src/model/inputs.ts';
import type { Interpolated, Rule } from '../../src/model/job.ts';
import { vaultIdTokens, vaultInputs } from '../../src/vault/inputs.ts';
import { ENVIRONMENT_NAMES, ENVIRONMENTS, EPHEMERAL } from './environments.ts';
import { OUTPUTS_FILE, PLAN_FILE, PLAN_META_FILE, PLUGIN_CACHE_DIR, REPORT_FILE, WORK_DIR } from './paths.ts';

export const inputs = {
  ...jobInputs({ as: 'terraform', stage: 'build' }),
  deploy_stage: {
    default: 'deploy',
    description: 'Stage of the apply and destroy jobs (`stage` is that of fmt, validate and plan).',
    env: false,
  },
  environment: {
    options: ENVIRONMENT_NAMES,
    description:
      'Environment this include plans and applies. `review` is ephemeral: one per merge request branch (`review/<branch slug>`), applied by the merge request pipeline and destroyed when it is stopped.',
  },
  state_name: {
    default: '',
    regex: '^$|^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$',
    description:
      'GitLab-managed state of the environment. Empty: the environment’s name (`review-<branch slug>` for `review`).',
  },
  root_dir: {
    default: '.',
    regex: '^\\.$|^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)*$',
    description: 'Root module, relative to the project directory.',
  },
  var_file: {
    default: '',
    regex: '^$|^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)*\\.tfvars(\\.json)?$',
    description:
      'Variables file of the environment, relative to the root module. Empty: `environments/<environment>.tfvars`.',
  },
  tool: {
    default: 'tofu',
    options: ['tofu', 'terraform'],
    description:
      'The CLI the jobs run: OpenTofu (`tofu`) or Terraform (`terraform`); the job image must hold it.',
  },
  auto_apply: {
    type: 'boolean',
    default: true,
    description:
      'Apply the default branch’s plan without waiting. `false` makes every apply manual; production’s always is.',
    env: false,
  },
  lock_timeout: {
    default: '10m',
    regex: '^[1-9][0-9]*(s|m|h)$',
    description: 'How long plan, apply and destroy wait for the state lock held by another run.',
  },
  plan_lock: {
    type: 'boolean',
    default: true,
    description:
      'Lock the state while planning. Set `false` when plans run for users with the Developer role, who can read a GitLab-managed state but not lock it.',
  },
  plan_artifacts_access: {
    default: 'none',
    options: ['none', 'maintainer', 'developer'],
    description:
      'Who may download the saved plan (`artifacts:access`). Plans hold variable values and data sources; jobs of the pipeline read them whatever this says.',
    env: false,
  },
  merge_request_note: {
    type: 'boolean',
    default: false,
    description:
      'In merge request pipelines, write the plan summary as a merge request note, one per environment, updated on each pipeline. Needs a token with the `api` scope (the job token cannot write notes): from Vault (`gitlab_token`) or the CI/CD variable `GITLAB_TOKEN`.',
  },
  proxmox_api_token: {
    default: '',
    description:
      'Vault reference of the Proxmox VE API token (`USER@REALM!TOKENID=SECRET`) the bpg/proxmox provider reads, `<mount>/data/<path>#<field>`: e.g. `kv/data/oneex/infra/test#proxmox_api_token`. Plan, apply and destroy read it with the job’s ID token and give it to the tool as PROXMOX_VE_API_TOKEN in its environment. Empty: the CI/CD variable PROXMOX_VE_API_TOKEN, if set.',
  },
  gitlab_token: {
    default: '',
    description:
      'Vault reference of the token with the `api` scope that writes the merge request notes (`merge_request_note`), e.g. `kv/data/oneex/infra/gitlab#notes_token`. Empty: the CI/CD variable GITLAB_TOKEN.',
  },
  ...vaultInputs(),
} as const satisfies InputSpecs;

const MERGE_REQUEST = '$CI_PIPELINE_SOURCE == "merge_request_event"';
const DEFAULT_BRANCH = '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH';

/** A condition on the include's environment: GitLab compares the two quoted strings as written. */
const environmentIs = (environment: Interpolated, name: string, equal = true): string =>
  `"${environment}" ${equal ? '==' : '!='} "${name}"`;

export default defineComponent({
  name: 'terraform',
  summary:
    'Plans and applies a Terraform/OpenTofu root module per environment, on GitLab-managed state, from reviewed saved plans.',
  description: `
Include the component once per environment (\`test\`, \`staging\`, \`production\`, and the ephemeral
\`review\`). Each include adds a plan, an apply and a destroy job for its environment; the \`fmt\` and
\`validate\` jobs do not depend on the environment, so GitLab merges them into one of each.

- **fmt** (\`tofu fmt -check -diff -recursive\`) and **validate** (\`init -backend=false\`, \`validate -json\`)
  run in merge request pipelines and on the default branch.
- **plan** saves a plan of the environment's state with its var file, with the commit and pipeline it
  belongs to. It publishes the \`terraform\` report (\`{"create","update","delete"}\`) for the merge
  request widget, prints a summary, and can keep one merge request note per environment up to date.
  The plan artifact is kept from download (\`plan_artifacts_access\`): plans hold variable values.
- **apply** runs on the default branch, only from the saved plan of the same pipeline and commit: it
  refuses a missing, foreign, altered or stale plan. Production always waits for a manual action.
  It then writes the non-sensitive outputs to \`${WORK_DIR}/<environment>/${OUTPUTS_FILE}\` (an artifact
  of the apply job, the format of \`tofu output -json\`) for the next step, e.g. an Ansible inventory.
- **destroy** exists only for \`review\`: a manual job, and the environment's stop action.

**Outputs for Ansible.** The ansible component's \`terraform_outputs\` input reads the apply job's
outputs file; its output \`ansible_hosts\` (host name -> \`{ansible_host, groups, vars}\`) becomes the
inventory, and every other non-sensitive output reaches the hosts as \`terraform_outputs.<name>\`.
Sensitive outputs are never written. See \`examples/oneex-infra/\`.

State lives in GitLab's HTTP backend (\`$CI_API_V4_URL/projects/$CI_PROJECT_ID/terraform/state/<state>\`)
with the job token: the root module declares \`backend "http" {}\` and the component configures it
(addresses by \`-backend-config\`, credentials by \`TF_HTTP_USERNAME\`/\`TF_HTTP_PASSWORD\` in the
environment, never the command line). Plan, apply and destroy of one state share a \`resource_group\`,
so two never run at once. Providers are cached between jobs (\`cache:\` keyed by \`.terraform.lock.hcl\`).

**Credentials from Vault.** The Proxmox API token (\`proxmox_api_token\`) and the token that writes
merge request notes (\`gitlab_token\`) are Vault references, \`<mount>/data/<path>#<field>\`. Plan,
apply and destroy carry the job's \`id_tokens\` entry, log in to Vault's JWT auth method with it
(\`vault_role\`, or the group-level CI/CD variable \`VAULT_AUTH_ROLE\`; \`VAULT_ADDR\` likewise),
read the secrets and revoke the Vault token before the tool starts. The tool gets the Proxmox token as
\`PROXMOX_VE_API_TOKEN\` in its environment, never on its command line or in a file; the log shows
where each credential came from, never a value. References, Vault inputs and the ID token are
checked with every other input before anything runs; a refused login or a missing field fails the
job before the tool runs, saying what to fix. An empty reference falls back to the CI/CD variable
(\`PROXMOX_VE_API_TOKEN\`, \`GITLAB_TOKEN\`): masked, protected, scoped to the environment.
Never pass a credential as \`TF_VAR_…\`: a variable's value is written into the saved plan.
`,
  inputs,
  actions: {
    fmt: () => import('./fmt.ts'),
    validate: () => import('./validate.ts'),
    plan: () => import('./plan.ts'),
    apply: () => import('./apply.ts'),
    destroy: () => import('./destroy.ts'),
  },
  usage: { environment: 'test' },
  jobs: (input) => {
    const work = `${input.root_dir}/${WORK_DIR}/${input.environment}`;
    const template = (environment: string) => `.${input.as}:environment:${environment}`;
    const planJob = `${input.as}:plan:${input.environment}`;
    const destroyJob = `${input.as}:destroy:${input.environment}`;
    const cache = (policy: 'pull' | 'pull-push') => ({
      key: { files: [`${input.root_dir}/.terraform.lock.hcl`], prefix: `${input.tool}-plugins` },
      paths: [`${PLUGIN_CACHE_DIR}/`],
      policy,
    });
    const checks: Rule[] = [{ if: MERGE_REQUEST }, { if: DEFAULT_BRANCH }];
    const ephemeral = environmentIs(input.environment, EPHEMERAL);

    // One template per environment, the same in every include: the environment's GitLab name and tier,
    // and the resource group that keeps plan, apply and destroy of its state from overlapping.
    const environmentTemplates: Record<string, ComponentJob<never>> = Object.fromEntries(
      ENVIRONMENT_NAMES.map((name) => [
        template(name),
        {
          environment: { name: ENVIRONMENTS[name].gitlabName, deployment_tier: ENVIRONMENTS[name].tier },
          resource_group: `${input.as}/${ENVIRONMENTS[name].gitlabName}`,
        },
      ]),
    );

    return {
      ...environmentTemplates,
      [`${input.as}:fmt`]: {
        stage: input.stage,
        image: input.image,
        needs: [],
        rules: checks,
        run: 'fmt',
        interruptible: true,
      },
      [`${input.as}:validate`]: {
        stage: input.stage,
        image: input.image,
        needs: [],
        rules: checks,
        run: 'validate',
        cache: cache('pull-push'),
        interruptible: true,
      },
      [planJob]: {
        extends: template(input.environment),
        stage: input.stage,
        image: input.image,
        id_tokens: vaultIdTokens(input),
        needs: [{ job: `${input.as}:validate`, artifacts: false }],
        rules: [
          { if: `${ephemeral} && $CI_PIPELINE_SOURCE != "merge_request_event"`, when: 'never' },
          ...checks,
        ],
        run: 'plan',
        artifacts: {
          access: input.plan_artifacts_access,
          paths: [`${work}/${PLAN_FILE}`, `${work}/${PLAN_META_FILE}`],
          reports: { terraform: `${work}/${REPORT_FILE}` },
          expire_in: '30 days',
        },
        cache: cache('pull'),
        environment: { action: 'prepare' },
        interruptible: true,
      },
      [`${input.as}:apply:${input.environment}`]: {
        extends: template(input.environment),
        stage: input.deploy_stage,
        image: input.image,
        id_tokens: vaultIdTokens(input),
        needs: [{ job: planJob, artifacts: true }],
        rules: [
          { if: `${ephemeral} && ${MERGE_REQUEST}` },
          { if: ephemeral, when: 'never' },
          { if: '$CI_COMMIT_BRANCH != $CI_DEFAULT_BRANCH', when: 'never' },
          ...ENVIRONMENT_NAMES.filter((name) => ENVIRONMENTS[name].alwaysManual).map(
            (name): Rule => ({ if: environmentIs(input.environment, name), when: 'manual' }),
          ),
          { if: `"${input.auto_apply}" == "false"`, when: 'manual' },
          { when: 'on_success' },
        ],
        run: 'apply',
        artifacts: { paths: [`${work}/${OUTPUTS_FILE}`], expire_in: '30 days' },
        cache: cache('pull'),
        environment: { action: 'start', on_stop: destroyJob },
        // An apply is never cancelled by a newer pipeline: it would leave the state half-applied.
        interruptible: false,
      },
      [destroyJob]: {
        extends: template(input.environment),
        stage: input.deploy_stage,
        image: input.image,
        id_tokens: vaultIdTokens(input),
        needs: [],
        rules: [
          { if: environmentIs(input.environment, EPHEMERAL, false), when: 'never' },
          { if: MERGE_REQUEST, when: 'manual', allow_failure: true },
        ],
        run: 'destroy',
        cache: cache('pull'),
        environment: { action: 'stop' },
        interruptible: false,
      },
    };
  },
});
