import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { GitLabApiDouble, type ProjectDouble, type UserDouble } from '../../doubles/gitlab-api-double.ts';
import { AUDIENCE, startVault, type VaultFixture } from '../../support/vault.ts';

// Shared fixtures of the terraform tests: the GitLab API double with a project, its users and tokens;
// Oneex's Vault with the infrastructure repository's role; a bin directory where `tofu` and
// `terraform` are the CLI double; root modules in temporary dirs; and a runner for the built CLI as a
// job would run it.

const run = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const CLI = join(ROOT, 'dist', 'oneex-ci.cjs');
export const EXAMPLE = join(ROOT, 'examples', 'oneex-infra');

export interface Fixtures {
  readonly gitlab: GitLabApiDouble;
  readonly project: ProjectDouble;
  readonly maintainer: UserDouble;
  readonly developer: UserDouble;
  /** A project access token's bot user (Developer), the author of merge request notes. */
  readonly bot: UserDouble;
  /** Job tokens of pipelines started by the maintainer and by the developer. */
  readonly jobToken: string;
  readonly developerJobToken: string;
  /** An access token with the `api` scope (GITLAB_TOKEN) of a bot member of the project. */
  readonly apiToken: string;
  /** `tofu` and `terraform`, both the CLI double. */
  readonly binDir: string;
  close(): Promise<void>;
}

export async function startFixtures(): Promise<Fixtures> {
  const gitlab = await GitLabApiDouble.start();
  const maintainer = gitlab.addUser('maintainer');
  const developer = gitlab.addUser('developer');
  const bot = gitlab.addUser('project_1001_bot');
  const project = gitlab.addProject('oneex/infra', {
    maintainer: 'maintainer',
    developer: 'developer',
    project_1001_bot: 'developer',
  });
  const jobToken = 'glcbt-64_maintainerJobToken0001';
  const developerJobToken = 'glcbt-64_developerJobToken0002';
  const apiToken = 'glpat-botApiToken0000000003';
  gitlab.addJobToken(jobToken, maintainer, project);
  gitlab.addJobToken(developerJobToken, developer, project);
  gitlab.addToken(apiToken, bot, ['api']);
  const binDir = await mkdtemp(join(tmpdir(), 'oneex-tofu-bin-'));
  for (const name of ['tofu', 'terraform'])
    await symlink(join(ROOT, 'test', 'doubles', 'tofu-double'), join(binDir, name));
  return {
    gitlab,
    project,
    maintainer,
    developer,
    bot,
    jobToken,
    developerJobToken,
    apiToken,
    binDir,
    close: async () => {
      await Promise.all([gitlab.close(), rm(binDir, { recursive: true, force: true })]);
    },
  };
}

/** The infrastructure repository's Vault role and policy, as the platform team writes them. */
export const INFRA_ROLE = 'oneex-infra';
export const INFRA_PROJECT = 'oneex/infra';

/**
 * Oneex's Vault (test/support/vault.ts) with the role `oneex-infra`: project oneex/infra, any ref,
 * policy `oneex-infra` that reads kv/data/oneex/infra/*.
 */
export async function startInfraVault(): Promise<VaultFixture> {
  const fx = await startVault();
  fx.vault.writeRole('jwt', INFRA_ROLE, {
    bound_audiences: [AUDIENCE],
    bound_claims: { project_path: INFRA_PROJECT },
    user_claim: 'user_email',
    token_policies: [INFRA_ROLE],
    token_ttl: 900,
    token_max_ttl: 3600,
  });
  fx.vault.writePolicy(INFRA_ROLE, { 'kv/data/oneex/infra/*': ['read'] });
  return fx;
}

export async function writeTree(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** A small root module on GitLab-managed state, with one var file per environment. */
export const SMALL_MODULE: Readonly<Record<string, string>> = {
  'main.tf': [
    'terraform {',
    '  backend "http" {}',
    '}',
    '',
    'variable "names" {',
    '  type = list(string)',
    '}',
    '',
    'variable "secret_note" {',
    '  type      = string',
    '  default   = "none"',
    '  sensitive = true',
    '}',
    '',
    'resource "terraform_data" "host" {',
    '  for_each = toset(var.names)',
    '  input    = each.key',
    '}',
    '',
    'output "names" {',
    '  value = var.names',
    '}',
    '',
    'output "secret_note" {',
    '  value     = var.secret_note',
    '  sensitive = true',
    '}',
    '',
  ].join('\n'),
  'environments/test.tfvars': 'names = ["a", "b"]\n',
  'environments/staging.tfvars': 'names = ["a"]\n',
  'environments/production.tfvars': 'names = ["a", "b", "c"]\n',
  'environments/review.tfvars': 'names = ["r"]\n',
};

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Job {
  readonly action: 'fmt' | 'validate' | 'plan' | 'apply' | 'destroy';
  /** Inputs by name (`environment`, `root_dir`, …), as the template passes them. */
  readonly inputs?: Readonly<Record<string, string>>;
  /** CI variables on top of a default-branch pipeline's. */
  readonly ci?: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly toolLog: string;
}

/** Runs `oneex-ci terraform <action>` as a job would: inputs and CI variables in its environment. */
export async function runJob(fixtures: Fixtures, job: Job): Promise<CliResult> {
  const ci: Record<string, string | undefined> = {
    CI: 'true',
    GITLAB_CI: 'true',
    CI_API_V4_URL: fixtures.gitlab.apiUrl,
    CI_PROJECT_ID: String(fixtures.project.id),
    CI_PROJECT_DIR: job.cwd,
    CI_JOB_TOKEN: fixtures.jobToken,
    CI_COMMIT_SHA: 'a'.repeat(40),
    CI_COMMIT_REF_SLUG: 'main',
    CI_COMMIT_BRANCH: 'main',
    CI_DEFAULT_BRANCH: 'main',
    CI_PIPELINE_ID: '100',
    CI_JOB_ID: '1000',
    CI_JOB_NAME: `terraform:${job.action}:${job.inputs?.environment ?? 'test'}`,
    ...job.ci,
  };
  const inputs = Object.fromEntries(
    Object.entries({ environment: 'test', ...job.inputs }).map(([k, v]) => [
      `ONEEX_TERRAFORM_${k.toUpperCase()}`,
      v,
    ]),
  );
  const env: Record<string, string> = {
    PATH: [fixtures.binDir, dirname(process.execPath), process.env.PATH ?? ''].join(':'),
    HOME: process.env.HOME ?? '/tmp',
    NO_COLOR: '1',
    TOFU_DOUBLE_LOG: job.toolLog,
    ...inputs,
  };
  for (const [k, v] of Object.entries(ci)) if (v !== undefined) env[k] = v;
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'terraform', job.action], {
      cwd: job.cwd,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return {
      exitCode: typeof failure.code === 'number' ? failure.code : 1,
      stdout: failure.stdout ?? '',
      stderr: failure.stderr ?? '',
    };
  }
}

export interface ToolCall {
  readonly tool: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, boolean>>;
  /** The first 16 hex digits of each of those variables' SHA-256, to compare without the value. */
  readonly envSha256: Readonly<Record<string, string>>;
  readonly exitCode: number;
}

export async function toolCalls(log: string): Promise<ToolCall[]> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ToolCall);
}

export const sha256Prefix = (value: string): string =>
  createHash('sha256').update(value).digest('hex').slice(0, 16);

export const commands = (calls: readonly ToolCall[]): string[] => calls.map((c) => c.argv[0] ?? '');
