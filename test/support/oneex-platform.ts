import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Harness, startHarness } from '../components/argocd-promote/harness.ts';
import {
  createReleaseProject,
  gitlabVariables,
  type ReleaseProject,
} from '../components/semantic-release/fixture.ts';
import { cliDoubles } from '../doubles/cli-doubles.ts';
import { registerReleases } from '../doubles/gitlab-api/releases.ts';
import { pushStandInBaseImages } from './base-images.ts';
import { type Canaries, createCanaries } from './canary.ts';
import { type Library, publishLibrary, removeAll } from './local-pipeline.ts';
import { containersEnv, startRegistry, type TestRegistry } from './registry.ts';
import { AUDIENCE, startVault, type VaultFixture } from './vault.ts';

// Oneex's platform, embedded, for pipelines run here from start to end: the library served at
// gitlab.oneex.test, Harbor (a real OCI registry with TLS and a robot account), Vault (the double,
// with a JWT role per project), the GitOps repository (real git over HTTP) with Argo CD and Grafana
// (doubles), and GitLab's API (the double, for releases). Every credential is a canary that the
// tests scan for after each run. `variables()` gives what Oneex sets once at group level, plus what
// this machine needs that a runner would not (the test CA, an isolated containers storage).

export const RELEASE_BOT = 'release-bot';

export interface OneexPlatform {
  readonly library: Library;
  readonly registry: TestRegistry;
  readonly vault: VaultFixture;
  readonly gitops: Harness;
  readonly canaries: Canaries;
  /** Directory of the doubles of tools this machine lacks (hadolint, dotnet, ruff), for the jobs' PATH. */
  readonly toolDoubles: string;
  /** An Oneex project on the GitLab double: `files` committed on main and pushed to its remote. */
  project(
    path: string,
    files: Readonly<Record<string, string>>,
    firstMessage?: string,
  ): Promise<ReleaseProject>;
  /** The CI/CD variables of a default-branch pipeline of `project` (group level, then machine). */
  variables(
    project: ReleaseProject,
    extra?: Readonly<Record<string, string>>,
  ): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** The apps (last segment of `oneex/<app>`) the GitOps repository and Argo CD know. */
  readonly apps: readonly string[];
}

/** Lets the project `oneex/<app>` log in to Vault as `oneex-<app>` and read its own secrets. */
function allowProject(vault: VaultFixture, app: string): void {
  vault.vault.writeRole('jwt', `oneex-${app}`, {
    bound_audiences: [AUDIENCE],
    user_claim: 'user_email',
    token_policies: [`oneex-${app}`],
    token_ttl: 900,
    token_max_ttl: 3600,
    claim_mappings: { project_path: 'project_path', ref: 'ref' },
    bound_claims: { project_path: `oneex/${app}`, ref_protected: 'true' },
  });
  vault.vault.writePolicy(`oneex-${app}`, {
    [`kv/data/oneex/${app}/*`]: ['read'],
    'kv/data/oneex/deploy': ['read'],
  });
}

export async function startOneexPlatform(options: PlatformOptions): Promise<OneexPlatform> {
  const cleanup: string[] = [];
  const vault = await startVault();
  const canaries = createCanaries(vault.vault);
  for (const app of options.apps) allowProject(vault, app);
  const refs = canaries.seed({ mount: 'kv', path: 'oneex/deploy', fields: ['gitops', 'argocd', 'grafana'] });
  const token = (field: string) => canaries.valueOf(refs[field] ?? '');
  const releaseToken = canaries.value('GitLab release token');

  const [library, registry, gitops] = await Promise.all([
    publishLibrary({ versions: ['1.0.0'] }),
    startRegistry(),
    startHarness(options.apps, {
      tokens: { git: token('gitops'), argocd: token('argocd'), grafana: token('grafana') },
    }),
  ]);
  cleanup.push(library.bare.replace('file://', '').replace(/\/[^/]+$/, ''));
  canaries.watch('Harbor robot secret', registry.password);
  for (const app of options.apps) await gitops.addApplications(app);
  registerReleases(gitops.gitlab);
  gitops.gitlab.addToken(releaseToken, gitops.gitlab.addUser(RELEASE_BOT), ['api', 'write_repository']);

  const scratch = await mkdtemp(join(tmpdir(), 'oneex-platform-'));
  cleanup.push(scratch);
  const storage = await containersEnv(join(scratch, 'storage'));
  const [toolDoubles, baseImages] = await Promise.all([
    cliDoubles(join(scratch, 'doubles'), ['hadolint', 'dotnet', 'ruff']),
    pushStandInBaseImages(registry, storage),
  ]);
  // Pipeline variables take precedence over the jobs' own: these replace two inputs' defaults where
  // this machine differs from a runner, never the example's files.
  const machine = {
    // The base images the examples' Containerfiles name, as stand-ins pushed to the test registry.
    ONEEX_IMAGE_BUILD_ARGS: `json:${JSON.stringify(Object.entries(baseImages).map(([k, v]) => `${k}=${v}`))}`,
    // `npm ci` without a registry.
    // (`node` first: gitlab-ci-local turns a value that is a path into a file variable.)
    ONEEX_LINT_INSTALL: `node ${join(import.meta.dirname, 'offline-npm-ci.mjs')}`,
  };

  return {
    library,
    registry,
    vault,
    gitops,
    canaries,
    toolDoubles,
    async project(path, files, firstMessage) {
      const project = await createReleaseProject({
        library,
        gitlab: gitops.gitlab,
        path,
        files,
        members: { [RELEASE_BOT]: 'maintainer' },
        ...(firstMessage !== undefined ? { firstMessage } : {}),
      });
      cleanup.push(project.consumer.dir, project.server);
      return project;
    },
    async variables(project, extra = {}) {
      const app = project.consumer.project.split('/').at(-1) ?? '';
      return {
        // Group level, set once by Oneex's platform team.
        HARBOR_HOST: registry.host,
        // A robot name holds a `$`: written `$$` so that GitLab does not expand it.
        HARBOR_USERNAME: registry.username.replace('$', '$$$$'),
        HARBOR_PASSWORD: registry.password,
        VAULT_ADDR: vault.vault.address,
        VAULT_AUTH_ROLE: `oneex-${app}`,
        GITOPS_REPOSITORY: gitops.repositoryUrl,
        GITOPS_TOKEN: `vault:${refs.gitops}`,
        ARGOCD_SERVER: gitops.argocd.url,
        ARGOCD_TOKEN: `vault:${refs.argocd}`,
        GRAFANA_URL: gitops.grafana.url,
        GRAFANA_TOKEN: `vault:${refs.grafana}`,
        // Project level: the release job's token (masked, protected).
        GITLAB_TOKEN: releaseToken,
        // What GitLab would provide: the job's ID token, the API, the project's remote.
        ONEEX_VAULT_ID_TOKEN: canaries.watch(
          `ID token of ${project.consumer.project}`,
          await vault.issuer.mint({ projectPath: project.consumer.project, ref: 'main', refProtected: true }),
        ),
        ...gitlabVariables(gitops.gitlab, project),
        // Where this machine differs from a runner: the test CA, an isolated containers storage.
        ONEEX_IMAGE_CA_FILE: registry.caFile,
        REGISTRY_AUTH_FILE: registry.authFile,
        ...storage,
        ...machine,
        ...extra,
      };
    },
    async close() {
      await Promise.all([registry.stop(), vault.stop(), gitops.close()]);
      await removeAll(...cleanup);
    },
  };
}
