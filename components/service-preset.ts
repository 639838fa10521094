import type { Component } from '../src/model/component.ts';
import type { Rule } from '../src/model/job.ts';
import { definePreset, type GroupVariable, type Preset } from '../src/model/preset.ts';
import argocdPromote from './argocd-promote/component.ts';
import commitlint from './commitlint/component.ts';
import image from './image/component.ts';
import lint from './lint/component.ts';
import semanticRelease from './semantic-release/component.ts';

// The pipeline every Oneex service gets, whatever its stack: commits linted, code linted, an image
// built to Harbor, the image's digest promoted through test, staging and production by the GitOps
// repository, and releases cut by semantic-release. Only the lint stack (and its job image) differ.

/** The group-level CI/CD variables the service presets read, set once for all Oneex projects. */
export const SERVICE_VARIABLES: readonly GroupVariable[] = [
  { name: 'HARBOR_HOST', what: 'Harbor host images are pushed to (`harbor.oneex.fr` when unset)' },
  {
    name: 'HARBOR_USERNAME',
    what: 'Harbor robot account, unless `image_harbor_username_secret` names it in Vault',
  },
  {
    name: 'HARBOR_PASSWORD',
    what: 'its secret (masked, protected), unless `image_harbor_password_secret` names it',
  },
  { name: 'VAULT_ADDR', what: 'Vault, where the jobs read secrets with their ID token' },
  {
    name: 'VAULT_AUTH_ROLE',
    what: 'Vault JWT role of the project (`VAULT_AUTH_PATH`, `VAULT_NAMESPACE` where needed)',
  },
  { name: 'GITOPS_REPOSITORY', what: 'HTTPS URL of the GitOps repository Argo CD deploys from' },
  {
    name: 'GITOPS_TOKEN',
    what: 'token that pushes there (masked), or a Vault reference `vault:kv/data/…#field`',
  },
  {
    name: 'ARGOCD_SERVER',
    what: 'optional: Argo CD’s API, to wait until each promotion is Synced and Healthy',
  },
  { name: 'ARGOCD_TOKEN', what: 'its token (masked), or a Vault reference' },
  { name: 'GRAFANA_URL', what: 'optional: Grafana, to annotate each promotion' },
  { name: 'GRAFANA_TOKEN', what: 'its token (masked), or a Vault reference' },
  {
    name: 'GITLAB_TOKEN',
    what: 'the release job’s token (tags, releases), unless `release_token_vault_path` names it',
  },
];

/** One value of each for the whole pipeline: the CLI image and the Vault the jobs log in to. */
export const SHARED = {
  image: undefined,
  vault_addr: undefined,
  vault_namespace: undefined,
  vault_auth_mount: undefined,
  vault_role: undefined,
  vault_audience: undefined,
} as const;

/** The same rules, each job they start waiting for someone to start it. */
const byHand = (rules: readonly Rule[]): Rule[] =>
  rules.map((rule) => (rule.when === 'never' ? rule : { ...rule, when: 'manual' }));

export interface ServicePresetOptions {
  readonly name: string;
  readonly summary: string;
  /** Markdown: the stack, what its lint job runs. */
  readonly stack: string;
  /** Defaults of the lint part's inputs for this stack. */
  readonly lint?: Readonly<Record<string, unknown>>;
  /** Group-level variables this stack reads besides the services' own. */
  readonly variables?: readonly GroupVariable[];
}

export function servicePreset(options: ServicePresetOptions): Preset {
  return definePreset({
    name: options.name,
    summary: options.summary,
    description: `
${options.stack}

The whole pipeline of a service, from one include:

- **Merge requests**: \`commitlint\` checks the branch's commits, \`lint\` the code (Code Quality
  report in the widget), \`image-build\` builds the image and pushes it to Harbor by digest, and
  \`next-version\` says what merging would release.
- **Default branch**: the same checks, then \`promote-test\` and \`promote-staging\` write the new
  digest into the GitOps repository (Argo CD deploys it), one after the other; \`promote-production\`
  waits for someone to start it; \`release\`, started by a release manager once lint and the image
  passed, cuts the next version from the Conventional Commits and pushes its tag.
- **Release tags** (the release job's): the image gets its version tags (no rebuild) and
  \`promote-production\` runs at once.

Every job declares \`needs:\`, so each starts as soon as what it needs is done.
`,
    shared: SHARED,
    variables: [...SERVICE_VARIABLES, ...(options.variables ?? [])],
    parts: [
      { component: commitlint as unknown as Component, prefix: 'commitlint' },
      {
        component: lint as unknown as Component,
        prefix: 'lint',
        ...(options.lint ? { defaults: options.lint } : {}),
      },
      { component: image as unknown as Component, prefix: 'image' },
      {
        component: argocdPromote as unknown as Component,
        prefix: 'promote',
        defaults: {
          gitops_repository: '$GITOPS_REPOSITORY',
          argocd_server: '$ARGOCD_SERVER',
          grafana_url: '$GRAFANA_URL',
        },
      },
      {
        component: semanticRelease as unknown as Component,
        prefix: 'release',
        // Releasing is a release manager's decision: a release tag promotes to production at once.
        defaults: { needs: ['lint', 'image-build'], rules: byHand(semanticRelease.inputs.rules.default) },
        descriptions: {
          rules:
            'GitLab `rules:` of the release job. The default waits for a release manager to start it, on the default branch and on maintenance branches (`1.x`, `1.2.x`).',
        },
      },
    ],
  });
}
