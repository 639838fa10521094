import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

// Runs a consumer repository's .gitlab-ci.yml with gitlab-ci-local, offline, on the shell executor,
// as close to GitLab as this machine allows:
// - the consumer is its own git repository whose `origin` is on Oneex's GitLab host;
// - it includes components exactly as users write them, `component: $CI_SERVER_FQDN/oneex/ci-components/<name>@<version>`,
//   and gitlab-ci-local clones them from a local bare copy of this library that carries real semver tags,
//   so `@1`, `@1.0` and `@~latest` resolve as on GitLab;
// - `oneex-ci` (the built bundle) is on the jobs' PATH, as it is in the library's job image.

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
export const GITLAB_HOST = 'gitlab.oneex.test';
export const LIBRARY_PROJECT = 'oneex/ci-components';

export interface Library {
  /** file:// URL of the bare repository standing in for the library project on GitLab. */
  readonly bare: string;
  readonly versions: readonly string[];
  /** A git config that serves the library project's https URL from the bare repository. */
  readonly gitConfig: string;
  /** A directory holding only `oneex-ci`, put first on the jobs' PATH. */
  readonly binDir: string;
}

async function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Oneex Dev',
      GIT_AUTHOR_EMAIL: 'dev@oneex.test',
      GIT_COMMITTER_NAME: 'Oneex Dev',
      GIT_COMMITTER_EMAIL: 'dev@oneex.test',
      ...env,
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/**
 * Publishes the working tree's templates as the library project, with one tag per version (all on
 * the same commit). The CLI must be built first (`npm run build`, which `npm test` does).
 */
export async function publishLibrary(
  options: { versions?: readonly string[]; dir?: string } = {},
): Promise<Library> {
  const versions = options.versions ?? ['1.0.0'];
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'oneex-library-')));
  const work = join(dir, 'work');
  await mkdir(work, { recursive: true });
  await cp(join(ROOT, 'templates'), join(work, 'templates'), { recursive: true });
  await cp(join(ROOT, 'README.md'), join(work, 'README.md'));
  await git(work, ['init', '-q', '-b', 'main']);
  await git(work, ['add', '-A']);
  await git(work, ['commit', '-q', '-m', 'chore(release): publish templates']);
  for (const version of versions) await git(work, ['tag', version]);
  const bare = join(dir, 'ci-components.git');
  await git(dir, ['clone', '-q', '--bare', work, bare]);

  const gitConfig = join(dir, 'gitconfig');
  // gitlab-ci-local asks for the project both with and without the port.
  await writeFile(
    gitConfig,
    [
      '[protocol "file"]',
      '  allow = always',
      `[url "file://${bare}"]`,
      `  insteadOf = https://${GITLAB_HOST}:443/${LIBRARY_PROJECT}.git`,
      `  insteadOf = https://${GITLAB_HOST}/${LIBRARY_PROJECT}.git`,
      '[user]',
      '  name = Oneex CI',
      '  email = ci@oneex.test',
      '[init]',
      '  defaultBranch = main',
      '',
    ].join('\n'),
  );

  const binDir = join(dir, 'bin');
  await mkdir(binDir, { recursive: true });
  const cli = join(ROOT, 'dist', 'oneex-ci.cjs');
  if (!existsSync(cli)) throw new Error('dist/oneex-ci.cjs is missing: run `npm run build` first');
  await symlink(cli, join(binDir, 'oneex-ci'));
  return { bare: `file://${bare}`, versions, gitConfig, binDir };
}

export interface Commit {
  readonly message: string;
  /** Files to write (path -> content) before committing; none makes an empty commit. */
  readonly files?: Readonly<Record<string, string>>;
}

export interface Consumer {
  readonly dir: string;
  readonly project: string;
  git(args: string[]): Promise<string>;
  commit(commit: Commit): Promise<string>;
  head(): Promise<string>;
}

/** A consumer repository: `files` in a first commit, then each of `commits`, origin on Oneex's GitLab. */
export async function createConsumer(options: {
  readonly project?: string;
  readonly files: Readonly<Record<string, string>>;
  readonly firstMessage?: string;
  readonly commits?: readonly Commit[];
}): Promise<Consumer> {
  const project = options.project ?? 'oneex/back';
  const dir = await mkdtemp(join(tmpdir(), 'oneex-consumer-'));
  const consumer: Consumer = {
    dir,
    project,
    git: (args) => git(dir, args),
    async commit(commit) {
      for (const [path, content] of Object.entries(commit.files ?? {})) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), content);
      }
      await git(dir, ['add', '-A']);
      await git(dir, ['commit', '-q', '--allow-empty', '--no-verify', '-m', commit.message]);
      return this.head();
    },
    async head() {
      return (await git(dir, ['rev-parse', 'HEAD'])).trim();
    },
  };
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['remote', 'add', 'origin', `https://${GITLAB_HOST}/${project}.git`]);
  await consumer.commit({
    message: options.firstMessage ?? 'chore: set up the pipeline',
    files: options.files,
  });
  for (const commit of options.commits ?? []) await consumer.commit(commit);
  await markPushed(consumer);
  return consumer;
}

/** Records HEAD as origin's default branch, as a clone from GitLab has it. */
export async function markPushed(consumer: Consumer, branch = 'main'): Promise<void> {
  await consumer.git(['update-ref', `refs/remotes/origin/${branch}`, 'HEAD']);
  await consumer.git(['symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main']);
}

export type JobStatus = 'success' | 'failed' | 'allowed-failure';

export interface JobResult {
  readonly name: string;
  readonly status: JobStatus;
  readonly exitCode: number;
  readonly durationMs: number;
  readonly log: string;
}

export interface PipelineResult {
  readonly exitCode: number;
  readonly output: string;
  readonly jobs: ReadonlyMap<string, JobResult>;
  job(name: string): JobResult;
  /** Files a job left in its artifacts (paths relative to the artifacts root). */
  artifacts(job: string): Promise<Record<string, string>>;
  /** The job's own copy of the project (shell isolation), as the job left it. */
  workspace(job: string): string;
}

export interface RunOptions {
  /** Jobs to run (with their `needs`); all when omitted. */
  readonly jobs?: readonly string[];
  /**
   * `false` runs `jobs` without the jobs they need, which then give the artifacts an earlier run of
   * the same repository left (a manual job played later in the same pipeline). Default true.
   */
  readonly needs?: boolean;
  /** Manual jobs to run as if someone pressed play. */
  readonly manual?: readonly string[];
  /** CI/CD variables (project level), e.g. predefined variables of a merge request pipeline. */
  readonly variables?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** Directories put first on the jobs' PATH: test doubles of tools this machine lacks, under their names. */
  readonly path?: readonly string[];
}

/**
 * The file name gitlab-ci-local gives a job's log, artifacts and build directory: each run of
 * characters other than letters, digits, `_` and `-` in base64url (`terraform:plan:test` ->
 * `terraformOgplanOgtest`), as its `safeDockerString` does.
 */
export const safeJobName = (name: string): string =>
  name.replace(/[^\w-]+/g, (run) => Buffer.from(run).toString('base64url'));

// gitlab-ci-local ends each job with `<job> finished in <time>`, then ` FAIL <code>` or ` WARN <code>`.
const FINISHED = /^(.+?) finished in ([\d.]+) (ms|s|min)(?:\s+(FAIL|WARN)\s+(\d+))?\s*$/;
const UNIT_MS = { ms: 1, s: 1000, min: 60_000 } as const;

export async function runPipeline(
  library: Library,
  consumer: Consumer,
  options: RunOptions = {},
): Promise<PipelineResult> {
  const args = [
    '--force-shell-executor',
    '--shell-isolation',
    '--color=false',
    '--max-job-name-padding=0',
    ...(options.jobs !== undefined && options.jobs.length > 0
      ? [...(options.needs === false ? [] : ['--needs']), ...options.jobs]
      : []),
    ...(options.manual ?? []).flatMap((job) => ['--manual', job]),
  ];
  // Variables go in a file, not argv: some are secrets, and argv is visible to every process.
  const variablesFile = join(consumer.dir, '.gitlab-ci-local-variables.yml');
  await writeFile(variablesFile, toVariablesYaml(options.variables ?? {}));
  await chmod(variablesFile, 0o600);
  await git(consumer.dir, ['update-index', '--refresh']).catch(() => undefined);

  const env = gitlabCiLocalEnv(library, consumer.dir, options);
  await mkdir(env.HOME, { recursive: true });
  let { exitCode, output } = await gitlabCiLocal(consumer.dir, args, env, options.timeoutMs);
  // gitlab-ci-local fetches a component included several times (terraform once per environment) in
  // parallel, into one directory: when two copies collide (`cp: … File exists`) it gives up before
  // any job starts. Nothing ran, so running it again is safe.
  for (let attempt = 1; attempt < 3 && lostIncludeRace(output); attempt++)
    ({ exitCode, output } = await gitlabCiLocal(consumer.dir, args, env, options.timeoutMs));

  const state = join(consumer.dir, '.gitlab-ci-local');
  const jobs = new Map<string, JobResult>();
  for (const line of output.split('\n')) {
    const match = FINISHED.exec(line);
    if (match?.[1] === undefined || !existsSync(join(state, 'output', `${safeJobName(match[1])}.log`)))
      continue;
    const name = match[1];
    const status: JobStatus =
      match[4] === 'FAIL' ? 'failed' : match[4] === 'WARN' ? 'allowed-failure' : 'success';
    const log = await readFile(join(state, 'output', `${safeJobName(name)}.log`), 'utf8');
    const durationMs = Number(match[2]) * UNIT_MS[match[3] as keyof typeof UNIT_MS];
    jobs.set(name, { name, status, exitCode: Number(match[5] ?? 0), durationMs, log });
  }
  return {
    exitCode,
    output,
    jobs,
    job(name) {
      const job = jobs.get(name);
      if (job === undefined) throw new Error(`job "${name}" did not run; the pipeline printed:\n${output}`);
      return job;
    },
    artifacts: (job) => readTree(join(state, 'artifacts', safeJobName(job))),
    workspace: (job) => join(state, 'builds', safeJobName(job)),
  };
}

/** The environment gitlab-ci-local runs in: offline library, tools on the PATH, its own HOME. */
export function gitlabCiLocalEnv(
  library: Library,
  dir: string,
  options: Pick<RunOptions, 'path' | 'variables'> = {},
): Record<string, string | undefined> & { HOME: string } {
  const nodeBin = dirname(process.execPath);
  return {
    ...process.env,
    GIT_CONFIG_GLOBAL: library.gitConfig,
    PATH: [
      ...(options.path ?? []),
      library.binDir,
      join(ROOT, 'node_modules', '.bin'),
      nodeBin,
      process.env.PATH ?? '',
    ].join(':'),
    HOME: join(dir, '.home'),
    FORCE_COLOR: '0',
    // Tests set predefined variables on purpose, to play merge request, tag and push pipelines.
    GCL_IGNORE_PREDEFINED_VARS: Object.keys(options.variables ?? {})
      .filter((key) => key.startsWith('CI_'))
      .join(','),
  };
}

const INCLUDE_RACE = /Component include could not be fetched[\s\S]*File exists/;
const FINISHED_LINE = /^.+? finished in [\d.]+ (ms|s|min)/m;

/** Whether gitlab-ci-local stopped on its include-fetch collision, before any job ran. */
export const lostIncludeRace = (output: string): boolean =>
  INCLUDE_RACE.test(output) && !FINISHED_LINE.test(output);

/** Runs gitlab-ci-local; a failing run is a result, not an exception. */
export async function gitlabCiLocal(
  cwd: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = 180_000,
): Promise<{ exitCode: number; stdout: string; output: string }> {
  try {
    const result = await run(join(ROOT, 'node_modules', '.bin', 'gitlab-ci-local'), [...args], {
      cwd,
      env,
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { exitCode: 0, stdout: result.stdout, output: result.stdout + result.stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return {
      exitCode: typeof failure.code === 'number' ? failure.code : 1,
      stdout: failure.stdout ?? '',
      output: (failure.stdout ?? '') + (failure.stderr ?? ''),
    };
  }
}

function toVariablesYaml(variables: Readonly<Record<string, string>>): string {
  return `${Object.entries(variables)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join('\n')}\n`;
}

export async function readTree(dir: string, prefix = ''): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(files, await readTree(path, `${prefix}${entry.name}/`));
    else if (entry.isFile()) files[`${prefix}${entry.name}`] = await readFile(path, 'utf8');
  }
  return files;
}

export async function removeAll(...dirs: string[]): Promise<void> {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
