import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { registerReleases, setRepository } from '../../doubles/gitlab-api/releases.ts';
import { GitLabApiDouble, type ProjectDouble, type Role } from '../../doubles/gitlab-api-double.ts';
import { type Consumer, createConsumer, GITLAB_HOST, type Library } from '../../support/local-pipeline.ts';

// A consumer project as GitLab would hold it: a repository with a bare remote (where semantic-release
// pushes its tag), the project on the GitLab API double (where it creates the release), and a git
// configuration that serves the project's https URL from the bare remote, as GitLab serves it.

const run = promisify(execFile);

export interface ReleaseProject {
  readonly consumer: Consumer;
  readonly bare: string;
  /** The directory holding the bare remote and the git config, to remove after the test. */
  readonly server: string;
  readonly project: ProjectDouble;
  /**
   * A git config serving this project's URL from its bare remote, for the jobs only (as the variable
   * GIT_CONFIG_GLOBAL): gitlab-ci-local itself must still read the https URL of origin.
   */
  readonly gitConfig: string;
  /** Pushes the consumer's branches and tags to the bare remote and records them as origin's. */
  push(): Promise<void>;
  /** Tags in the bare remote, with the commits they name. */
  remoteTags(): Promise<Record<string, string>>;
}

export async function startGitLab(): Promise<GitLabApiDouble> {
  const gitlab = await GitLabApiDouble.start();
  registerReleases(gitlab);
  return gitlab;
}

export async function createReleaseProject(options: {
  readonly library: Library;
  readonly gitlab: GitLabApiDouble;
  readonly path?: string;
  readonly files: Readonly<Record<string, string>>;
  readonly firstMessage?: string;
  /** Username -> role in the project. */
  readonly members?: Readonly<Record<string, Role>>;
}): Promise<ReleaseProject> {
  const path = options.path ?? 'oneex/back';
  const consumer = await createConsumer({
    project: path,
    files: options.files,
    firstMessage: options.firstMessage ?? 'feat: first version',
  });
  // Outside the working tree, which gitlab-ci-local copies into every job.
  const server = await mkdtemp(join(tmpdir(), 'oneex-gitlab-repo-'));
  const bare = join(server, 'remote.git');
  await run('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  const project = options.gitlab.addProject(path, options.members ?? {});
  setRepository(options.gitlab, project, bare);

  const gitConfig = join(server, 'gitconfig');
  const base = await readFile(options.library.gitConfig, 'utf8');
  await writeFile(
    gitConfig,
    `${base}[url "file://${bare}"]\n  insteadOf = https://${GITLAB_HOST}/${path}.git\n  insteadOf = https://${GITLAB_HOST}:443/${path}.git\n`,
  );
  const git = (args: string[]) => run('git', args, { cwd: consumer.dir });
  const releaseProject: ReleaseProject = {
    consumer,
    bare,
    server,
    project,
    gitConfig,
    async push() {
      await git(['push', '-q', '--force', bare, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']);
      const { stdout } = await git(['for-each-ref', '--format=%(refname:short)', 'refs/heads/']);
      for (const branch of stdout.split('\n').filter(Boolean)) {
        await git(['update-ref', `refs/remotes/origin/${branch}`, `refs/heads/${branch}`]);
      }
      await git(['symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main']);
    },
    async remoteTags() {
      const { stdout } = await run(
        'git',
        ['for-each-ref', '--format=%(refname:short) %(objectname)', 'refs/tags/'],
        {
          cwd: bare,
        },
      );
      return Object.fromEntries(
        stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split(' ') as [string, string]),
      );
    },
  };
  await releaseProject.push();
  return releaseProject;
}

/** The CI/CD variables of a pipeline whose jobs talk to the double and the bare remote instead of GitLab. */
export function gitlabVariables(gitlab: GitLabApiDouble, project: ReleaseProject): Record<string, string> {
  return {
    CI_API_V4_URL: gitlab.apiUrl,
    CI_PROJECT_ID: String(project.project.id),
    GIT_CONFIG_GLOBAL: project.gitConfig,
  };
}
