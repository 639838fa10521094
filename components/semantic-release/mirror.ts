import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { exec } from '../../src/runtime/exec.ts';

// A private bare copy of what the job knows of the project's repository (its branches as the remote
// has them, its tags and semantic-release's notes), for dry runs: semantic-release lists, fetches and
// test-pushes the remote, which needs write access to GitLab; against this copy it needs no token.

export interface Mirror {
  readonly url: string;
  remove(): Promise<void>;
}

async function git(context: RunContext, args: string[], cwd = context.cwd): Promise<string> {
  const result = await exec('git', args, { cwd, redactor: context.redactor });
  if (result.exitCode !== 0) {
    throw new OneexError(
      'EGIT',
      `git ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim()}`,
      'The job needs the repository history: keep GIT_DEPTH at 0 (the template sets it).',
      EXIT.unavailable,
    );
  }
  return result.stdout;
}

/**
 * Makes sure the job knows `branch` as the remote has it (a merge request pipeline fetches only its
 * source branch), with its tags. Uses the job's own clone URL, which reads with the job token.
 */
export async function fetchBranch(context: RunContext, branch: string): Promise<boolean> {
  const result = await exec(
    'git',
    ['fetch', '--quiet', '--tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`],
    { cwd: context.cwd, redactor: context.redactor },
  );
  if (result.exitCode !== 0)
    context.log.warn(`Could not fetch ${branch} from origin: ${result.stderr.trim()}`);
  return result.exitCode === 0;
}

/**
 * The copy: every remote-tracking branch of origin as a branch, `branch` at `head` when given (the
 * commit this pipeline runs), all tags and notes; its HEAD is `branch`.
 */
export async function createMirror(
  context: RunContext,
  branch: string,
  head: string | undefined,
): Promise<Mirror> {
  const dir = await mkdtemp(join(tmpdir(), 'oneex-release-mirror-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await git(context, ['init', '--quiet', '--bare', dir], dir);
    const remoteRefs = (await git(context, ['for-each-ref', '--format=%(refname)', 'refs/remotes/origin/']))
      .split('\n')
      .filter((ref) => ref !== '' && ref !== 'refs/remotes/origin/HEAD');
    const refspecs = remoteRefs
      .map((ref) => `+${ref}:refs/heads/${ref.slice('refs/remotes/origin/'.length)}`)
      .filter((spec) => head === undefined || !spec.endsWith(`:refs/heads/${branch}`));
    if (head !== undefined) refspecs.push(`+${head}:refs/heads/${branch}`);
    await git(context, [
      'push',
      '--quiet',
      dir,
      ...refspecs,
      '+refs/tags/*:refs/tags/*',
      '+refs/notes/*:refs/notes/*',
    ]);
    await git(context, ['symbolic-ref', 'HEAD', `refs/heads/${branch}`], dir);
    return { url: `file://${dir}`, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
