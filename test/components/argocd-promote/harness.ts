import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { envName } from '../../../src/model/inputs.ts';
import { ArgoCdDouble, type Rollout } from '../../doubles/argocd-double.ts';
import {
  attachRepository,
  type MergeRequestDouble,
  mergeRequestsOf,
} from '../../doubles/gitlab-api/merge-requests.ts';
import { GitLabApiDouble } from '../../doubles/gitlab-api-double.ts';
import { GrafanaDouble } from '../../doubles/grafana-double.ts';
import { type GitHttpServer, startGitHttpServer } from '../../support/git-http-server.ts';
import {
  createGitOpsRepository,
  ENVIRONMENTS,
  GITOPS_PROJECT,
  type GitOpsFixture,
} from './gitops-fixture.ts';

// What the promotion tests run against, started once per test file: the GitOps repository (real git
// behind a real smart-HTTP server with Basic auth), and doubles of Argo CD, GitLab's API and Grafana.
// `promote()` runs the built CLI as a job would, its inputs in ONEEX_ARGOCD_PROMOTE_* variables, with
// a `git` on PATH that records every command line git is given (tokens must never be among them).

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'oneex-ci.mjs');

export interface Tokens {
  readonly git: string;
  readonly argocd: string;
  readonly grafana: string;
}

export const TOKENS: Tokens = {
  git: 'glpat-gitops-0123456789abcdef',
  argocd: 'argocd-api-token-fedcba9876543210',
  grafana: 'glsa_grafana_token_00112233445566',
};

/**
 * The `git` the CLI finds on PATH: records its command line, then runs git. With ONEEX_TEST_PUSH_BARRIER
 * set to `<dir>:<n>`, a push first waits until n pushes have arrived, so that racing promotions really
 * push at the same moment (the retries after that pass straight through).
 */
function gitShim(argvLog: string, realGit: string): string {
  return `#!/bin/sh
printf '%s\\n' "$*" >> "${argvLog}"
if [ "$1" = push ] && [ -n "$ONEEX_TEST_PUSH_BARRIER" ]; then
  dir=\${ONEEX_TEST_PUSH_BARRIER%:*}; n=\${ONEEX_TEST_PUSH_BARRIER##*:}
  mkdir -p "$dir"; : > "$dir/$$"
  i=0
  while [ "$(ls "$dir" | wc -l)" -lt "$n" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
fi
exec ${realGit} "$@"
`;
}

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together, as the job log shows them. */
  readonly log: string;
}

export interface PromoteOptions {
  readonly environment: string;
  readonly app?: string;
  readonly imageRef: string;
  readonly imageTags?: string;
  /** Inputs by name (`argocd_server`), added to or replacing the defaults. */
  readonly inputs?: Readonly<Record<string, string>>;
  /** Predefined CI variables to add or replace. */
  readonly ci?: Readonly<Record<string, string>>;
}

export interface Harness {
  readonly gitops: GitOpsFixture;
  readonly server: GitHttpServer;
  readonly argocd: ArgoCdDouble;
  readonly gitlab: GitLabApiDouble;
  readonly grafana: GrafanaDouble;
  readonly repositoryUrl: string;
  promote(options: PromoteOptions): Promise<CliResult>;
  /** The merge requests of the GitOps project. */
  mergeRequests(): MergeRequestDouble[];
  /** Every git command line the CLI ran, one per line. */
  gitCommandLines(): Promise<string[]>;
  /** Adds an Argo CD application per environment of an app, watching its overlay. */
  addApplications(app: string, options?: { rollout?: Rollout; autoSync?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  apps: readonly string[],
  options: { readonly files?: Readonly<Record<string, string>>; readonly tokens?: Tokens } = {},
): Promise<Harness> {
  const tokens = options.tokens ?? TOKENS;
  const gitops = await createGitOpsRepository(apps, options.files);
  const server = await startGitHttpServer({ root: gitops.root, users: { '*': tokens.git } });
  const argocd = await ArgoCdDouble.start({ tokens: { [tokens.argocd]: ['*'] } });
  const gitlab = await GitLabApiDouble.start();
  // The GitOps project's access token: a bot user, Maintainer, scopes api and write_repository.
  const bot = gitlab.addUser('project_42_bot');
  gitlab.addToken(tokens.git, bot, ['api', 'write_repository']);
  const project = gitlab.addProject(GITOPS_PROJECT, { project_42_bot: 'maintainer' });
  attachRepository(gitlab, project.id, { bare: gitops.bare, defaultBranch: 'main' });
  const grafana = await GrafanaDouble.start(tokens.grafana);
  const repositoryUrl = `${server.url}/${GITOPS_PROJECT}.git`;

  const scratch = await mkdtemp(join(tmpdir(), 'oneex-promote-cli-'));
  const bin = join(scratch, 'bin');
  const home = join(scratch, 'home');
  const argvLog = join(scratch, 'git-argv.log');
  await mkdir(bin, { recursive: true });
  await mkdir(home, { recursive: true });
  await writeFile(argvLog, '');
  const realGit = (await run('sh', ['-c', 'command -v git'])).stdout.trim();
  await writeFile(join(bin, 'git'), gitShim(argvLog, realGit));
  await chmod(join(bin, 'git'), 0o755);

  const defaults = (app: string): Record<string, string> => ({
    gitops_repository: repositoryUrl,
    app,
    gitops_token: tokens.git,
    gitlab_url: gitlab.url,
  });

  return {
    gitops,
    server,
    argocd,
    gitlab,
    grafana,
    repositoryUrl,
    async promote(options) {
      const app = options.app ?? 'back';
      const inputs = {
        ...defaults(app),
        image_ref: options.imageRef,
        image_tags: options.imageTags ?? '',
        ...options.inputs,
      };
      const env: Record<string, string> = {
        PATH: [bin, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
        HOME: home,
        NO_COLOR: '1',
        CI: 'true',
        GITLAB_CI: 'true',
        CI_ENVIRONMENT_NAME: options.environment,
        CI_PROJECT_PATH: `oneex/${app}`,
        CI_PROJECT_NAME: app,
        CI_COMMIT_SHA: '5f1d3a7c9e2b4d6f8a0c1e3b5d7f9a1c3e5b7d9f',
        CI_PIPELINE_URL: `https://gitlab.oneex.test/oneex/${app}/-/pipelines/1234`,
        CI_JOB_URL: `https://gitlab.oneex.test/oneex/${app}/-/jobs/5678`,
        CI_SERVER_FQDN: 'gitlab.oneex.test',
        GITLAB_USER_NAME: 'Ada Lovelace',
        GITLAB_USER_EMAIL: 'ada@oneex.test',
        GITLAB_USER_LOGIN: 'ada',
        ...options.ci,
      };
      for (const [name, value] of Object.entries(inputs)) env[envName('argocd-promote', name)] = value;
      try {
        const { stdout, stderr } = await run(process.execPath, [CLI, 'argocd-promote', 'promote'], {
          env,
          cwd: scratch,
          timeout: 120_000,
          maxBuffer: 16 * 1024 * 1024,
        });
        return { exitCode: 0, stdout, stderr, log: stdout + stderr };
      } catch (error) {
        const failed = error as { code?: number; stdout?: string; stderr?: string };
        const stdout = failed.stdout ?? '';
        const stderr = failed.stderr ?? '';
        return {
          exitCode: typeof failed.code === 'number' ? failed.code : -1,
          stdout,
          stderr,
          log: stdout + stderr,
        };
      }
    },
    mergeRequests: () => mergeRequestsOf(gitlab, project.id),
    async gitCommandLines() {
      return (await readFile(argvLog, 'utf8')).split('\n').filter((line) => line !== '');
    },
    async addApplications(app, options = {}) {
      for (const environment of ENVIRONMENTS) {
        await argocd.addApplication({
          name: `${app}-${environment}`,
          project: 'oneex',
          repoURL: repositoryUrl,
          path: `apps/${app}/overlays/${environment}`,
          targetRevision: 'main',
          bare: gitops.bare,
          syncMs: 100,
          rolloutMs: 100,
          ...(options.rollout !== undefined ? { rollout: options.rollout } : {}),
          ...(options.autoSync !== undefined ? { autoSync: options.autoSync } : {}),
        });
      }
    },
    async close() {
      await Promise.all([server.close(), argocd.close(), gitlab.close(), grafana.close()]);
      await rm(scratch, { recursive: true, force: true });
      await rm(gitops.root, { recursive: true, force: true });
    },
  };
}
