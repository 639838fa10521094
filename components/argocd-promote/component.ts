import type { ComponentJob } from '../../src/model/component.ts';
import { defineComponent, jobInputs } from '../../src/model/component.ts';
import type { InputSpecs } from '../../src/model/inputs.ts';
import type { Interpolated } from '../../src/model/job.ts';
import { vaultIdTokens, vaultInputs } from '../../src/vault/index.ts';

const ON_DEFAULT_BRANCH = '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH';
const RELEASE_TAG = '$CI_COMMIT_TAG =~ /^v?[0-9]+\\.[0-9]+\\.[0-9]+$/';

export const inputs = {
  ...jobInputs({ as: 'promote', stage: 'deploy' }),
  as: {
    default: 'promote',
    description:
      'Prefix of the job names: `<as>-test`, `<as>-staging`, `<as>-production`. Start it with `.` to get hidden jobs to `extends:` instead.',
    env: false,
  },
  gitops_repository: {
    description:
      'HTTPS URL of the GitOps repository Argo CD deploys from, without credentials (`https://gitlab.oneex.fr/oneex/gitops.git`).',
    example: 'https://gitlab.oneex.fr/oneex/gitops.git',
  },
  gitops_branch: {
    default: 'main',
    description: 'Branch of the GitOps repository that Argo CD watches; promotions are pushed to it.',
  },
  app: {
    default: '$CI_PROJECT_NAME',
    description: 'Name of the app in the GitOps repository: `{app}` in `path` and `argocd_application`.',
  },
  format: {
    default: 'kustomize',
    options: ['kustomize', 'helm'],
    description:
      '`kustomize`: set the overlay’s `images:` entry (newName, newTag, digest). `helm`: set the image in a values file at `helm_values_path`.',
  },
  path: {
    default: 'apps/{app}/overlays/{environment}',
    description:
      'Where the environment lives in the GitOps repository, `{app}` and `{environment}` filled in: the overlay directory (kustomize) or the values file (helm, e.g. `apps/{app}/values-{environment}.yaml`).',
  },
  kustomize_image: {
    default: '',
    description:
      '`name` of the overlay’s `images:` entry: the image name the base manifests use. Empty: the entry whose name or newName is the image’s name, or whose name is its last path segment.',
  },
  helm_values_path: {
    default: 'image',
    description:
      'Dotted path of the image in the values file. A map there gets `repository`, `tag` and `digest`; a string gets the whole reference.',
  },
  image_ref: {
    default: '$IMAGE_REF',
    description:
      'The image to promote, by digest (`name@sha256:…`). The default reads the dotenv report of the image component’s job (`image_job`); set a literal digest reference to promote (or roll back to) another image.',
  },
  image_tags: {
    default: '$IMAGE_TAGS',
    description:
      'Tags of the image (comma- or space-separated), recorded beside the digest for people; the most specific becomes `newTag`. The digest alone decides what runs.',
  },
  image_job: {
    default: 'image-build',
    description:
      'Name of the job whose dotenv report gives `IMAGE_REF` and `IMAGE_TAGS` (the image component’s job); the promotion jobs need it.',
    env: false,
  },
  test_rules: {
    type: 'array',
    default: [{ if: ON_DEFAULT_BRANCH }],
    description:
      'GitLab `rules:` of the test job. The default promotes every pipeline of the default branch.',
    env: false,
  },
  staging_rules: {
    type: 'array',
    default: [{ if: ON_DEFAULT_BRANCH }],
    description:
      'GitLab `rules:` of the staging job, which runs after the test job. The default promotes every pipeline of the default branch.',
    env: false,
  },
  production_rules: {
    type: 'array',
    default: [{ if: RELEASE_TAG }, { if: ON_DEFAULT_BRANCH, when: 'manual' }],
    description:
      'GitLab `rules:` of the production job. The default promotes release tags (`1.2.3`, `v1.2.3`) at once, and waits for someone to start it on the default branch.',
    env: false,
  },
  test_url: {
    default: 'https://$CI_PROJECT_NAME.test.oneex.fr',
    description: 'URL of the app in the test environment, shown on GitLab’s environment page.',
    env: false,
  },
  staging_url: {
    default: 'https://$CI_PROJECT_NAME.staging.oneex.fr',
    description: 'URL of the app in the staging environment, shown on GitLab’s environment page.',
    env: false,
  },
  production_url: {
    default: 'https://$CI_PROJECT_NAME.oneex.fr',
    description: 'URL of the app in production, shown on GitLab’s environment page.',
    env: false,
  },
  merge_request_environments: {
    type: 'array',
    default: [],
    description:
      'Environments whose promotion opens a merge request on the GitOps project (through the GitLab API) instead of pushing; merging it deploys. E.g. `["production"]`.',
  },
  gitlab_url: {
    default: '$CI_SERVER_URL',
    description: 'URL of the GitLab that hosts the GitOps project, for merge requests.',
  },
  gitops_token: {
    default: '$GITOPS_TOKEN',
    description:
      'Token that may push to the GitOps repository (and open merge requests there: scopes write_repository and api): a masked CI/CD variable, or a Vault reference `vault:kv/data/<path>#<field>`. Sent to git in its environment, never in a URL or argument.',
  },
  gitops_username: {
    default: 'oauth2',
    description:
      'User name sent with `gitops_token` (any non-empty value for a GitLab access token; the token’s user name for a deploy token).',
  },
  argocd_server: {
    default: '',
    description:
      'URL of the Argo CD API server (`https://argocd.oneex.fr`). Set: after the push the job syncs the application and waits until it is Synced and Healthy at the new commit. Empty: Argo CD syncs on its own.',
  },
  argocd_application: {
    default: '{app}-{environment}',
    description: 'Name of the Argo CD application of the environment, `{app}` and `{environment}` filled in.',
  },
  argocd_project: {
    default: '',
    description:
      'Argo CD project of the application. Set, Argo CD tells a missing application (404) from a denied one (403).',
  },
  argocd_token: {
    default: '$ARGOCD_TOKEN',
    description:
      'Argo CD API token (an account or project-role token allowed to get and sync the application): a masked CI/CD variable, or a Vault reference `vault:kv/data/<path>#<field>`.',
  },
  argocd_timeout: {
    type: 'number',
    default: 300,
    description:
      'Seconds to wait for the application to be Synced and Healthy at the new commit before the job fails.',
  },
  grafana_url: {
    default: '',
    description:
      'URL of Grafana. Set: each promotion posts an annotation tagged `deploy`, `app:…`, `environment:…`, `version:…`.',
  },
  grafana_token: {
    default: '$GRAFANA_TOKEN',
    description:
      'Grafana service account token allowed to write annotations: a masked CI/CD variable, or a Vault reference `vault:kv/data/<path>#<field>`.',
  },
  ...vaultInputs(),
  verify_render: {
    type: 'boolean',
    default: true,
    description:
      'Render the Kustomize overlay with `kubectl kustomize` before pushing, and fail unless it runs the new digest.',
  },
} as const satisfies InputSpecs;

type Environment = 'test' | 'staging' | 'production';

const TIERS = { test: 'testing', staging: 'staging', production: 'production' } as const;

function promotionJob(
  input: { readonly [K in keyof typeof inputs]: Interpolated },
  environment: Environment,
  after: Environment | undefined,
): ComponentJob<'promote'> {
  const rules = { test: input.test_rules, staging: input.staging_rules, production: input.production_rules }[
    environment
  ];
  const url = { test: input.test_url, staging: input.staging_url, production: input.production_url }[
    environment
  ];
  return {
    stage: input.stage,
    image: input.image,
    needs: [
      { job: input.image_job, artifacts: true, optional: true },
      ...(after !== undefined ? [{ job: `${input.as}-${after}`, artifacts: false, optional: true }] : []),
    ],
    rules,
    // The job reads the GitOps repository, not the app's: no need to fetch the app's sources.
    variables: { GIT_STRATEGY: 'none' },
    // For tokens given as Vault references; GitLab mints it whether or not one is.
    id_tokens: vaultIdTokens(input),
    run: 'promote',
    environment: { name: environment, url, deployment_tier: TIERS[environment], action: 'start' },
    // One promotion of this project per environment at a time; other projects' pushes are merged in by
    // the job's fetch-and-retry.
    resource_group: `gitops-${environment}`,
    // A promotion half-way (pushed, not yet synced) must not be cancelled by a newer pipeline.
    interruptible: false,
  };
}

export default defineComponent({
  name: 'argocd-promote',
  summary:
    'Promotes an image digest through test, staging and production by commits to the GitOps repository.',
  description: `
Three deployment jobs, \`<as>-test\`, \`<as>-staging\` and \`<as>-production\`, each a GitLab deployment
(environment name, URL and tier) holding a resource group per environment. Each writes the image that the
image component's job built (by digest, from its dotenv report) into the GitOps repository: the overlay's \`images:\`
entry (Kustomize) or the image of a values file (Helm), changing only those values (comments, order and
layout stay as they were), renders the overlay to prove it is valid and runs the digest, and pushes one
commit whose message names the source project, commit, pipeline and digest in trailers. When the file
already says it, nothing is committed.

By default test and staging are promoted on every pipeline of the default branch, one after the other;
production waits for someone to start it, or runs at once on a release tag. Listed in
\`merge_request_environments\`, an environment gets a merge request instead of a push.

When two pipelines promote at once, the push that is rejected is fetched, re-applied on the newer
commit and pushed again (with backoff, a bounded number of times): no promotion is lost, none overwrites
another. With \`argocd_server\`, the job then asks Argo CD to sync the application and waits until it
is Synced and Healthy at the new commit; if it degrades or the time runs out, the job fails and prints
every resource that is not healthy, with its message. With \`grafana_url\`, it posts an annotation.

**Rolling back** is promoting the earlier digest again, as a new commit on top of the others:
- in GitLab, *Operate > Environments > production*, then *Rollback environment* on an earlier deployment:
  GitLab re-runs that deployment's job with its pipeline's artifacts, so it promotes the digest it
  promoted then (if *Prevent outdated deployment jobs* is on, keep *Allow job retries for rollback
  deployments* on);
- or run a pipeline with the variable \`ONEEX_ARGOCD_PROMOTE_IMAGE_REF\` set to the earlier
  \`name@sha256:…\` (a pipeline variable takes precedence over the input), then start the job.

The commit then says \`roll back\`: the environment ran that digest before.

**Tokens**: the jobs read \`GITOPS_TOKEN\` (and \`ARGOCD_TOKEN\`, \`GRAFANA_TOKEN\` when those are used):
masked CI/CD variables holding the token, or holding a Vault reference such as
\`vault:kv/data/ci/argocd#token\` (a path, not a secret: set it once at group level). A reference is read
with the job's GitLab ID token through Vault's JWT auth method (the \`vault_*\` inputs, whose defaults
are the group-level \`VAULT_ADDR\`, \`VAULT_AUTH_PATH\` and \`VAULT_AUTH_ROLE\`), and the Vault token is
revoked at once. Tokens reach git and the APIs through the environment and request headers only, never
a URL or a command line; the log masks them.
`,
  inputs,
  usage: {
    gitops_repository: 'https://gitlab.oneex.fr/oneex/gitops.git',
    argocd_server: 'https://argocd.oneex.fr',
  },
  actions: {
    promote: () => import('./promote.ts'),
  },
  jobs: (input) => ({
    [`${input.as}-test`]: promotionJob(input, 'test', undefined),
    [`${input.as}-staging`]: promotionJob(input, 'staging', 'test'),
    [`${input.as}-production`]: promotionJob(input, 'production', 'staging'),
  }),
});
