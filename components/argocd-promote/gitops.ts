import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { exec } from '../../src/runtime/exec.ts';

// The GitOps repository as a promotion uses it: a clone of one branch in a temporary directory outside
// the project (never an artifact), commits with a known author, and pushes that either land, are
// rejected because someone else landed first (the caller fetches, re-applies and retries), or fail.
// Credentials reach git only through its environment: an `http.<url>.extraHeader` set by
// GIT_CONFIG_COUNT/KEY/VALUE. Nothing secret is in a remote URL (git prints those) or in argv.

export interface Identity {
  readonly name: string;
  readonly email: string;
}

export interface GitCredential {
  readonly username: string;
  readonly token: string;
}

/** Someone else's push landed first: fetch, re-apply, retry. */
export class PushRejected extends Error {
  override readonly name = 'PushRejected';
}

/** What the remote said about our ref, from `git push --porcelain`. */
export function pushOutcome(stdout: string): { ok: true } | { ok: false; retry: boolean; reason: string } {
  const line = stdout.split('\n').find((entry) => /^[ +\-*!=]\t/.test(entry));
  if (line === undefined) return { ok: false, retry: false, reason: 'git printed no result for the ref' };
  if (!line.startsWith('!')) return { ok: true };
  const reason = line.split('\t')[2] ?? line;
  // The ref moved under us: refused by our git (fetch first, non-fast-forward) or by the server's lock.
  const retry =
    /fetch first|non-fast-forward|failed to update ref|cannot lock ref|failed to lock|stale info|incorrect old value/i.test(
      reason,
    );
  return { ok: false, retry, reason };
}

/** The environment that makes git send the token to this repository's host, and nowhere else. */
export function gitAuthEnvironment(
  url: string,
  credential: GitCredential | undefined,
): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never' };
  if (credential === undefined || !/^https?:\/\//.test(url)) return env;
  const { origin } = new URL(url);
  const basic = Buffer.from(`${credential.username}:${credential.token}`).toString('base64');
  return {
    ...env,
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${origin}/.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

/** The header's encoded form is a secret too: a tool tracing HTTP would print it. */
export function credentialForms(credential: GitCredential): string[] {
  return [credential.token, Buffer.from(`${credential.username}:${credential.token}`).toString('base64')];
}

export class GitOpsRepository {
  private constructor(
    readonly url: string,
    readonly branch: string,
    readonly dir: string,
    private readonly env: Readonly<Record<string, string>>,
    private readonly context: RunContext,
  ) {}

  static async clone(options: {
    readonly url: string;
    readonly branch: string;
    readonly credential: GitCredential | undefined;
    readonly committer: Identity;
    readonly author: Identity;
    readonly context: RunContext;
  }): Promise<GitOpsRepository> {
    const parent = await mkdtemp(join(tmpdir(), 'oneex-gitops-'));
    const env = {
      ...gitAuthEnvironment(options.url, options.credential),
      GIT_AUTHOR_NAME: options.author.name,
      GIT_AUTHOR_EMAIL: options.author.email,
      GIT_COMMITTER_NAME: options.committer.name,
      GIT_COMMITTER_EMAIL: options.committer.email,
    };
    const repository = new GitOpsRepository(
      options.url,
      options.branch,
      join(parent, 'repo'),
      env,
      options.context,
    );
    const result = await exec(
      'git',
      // Blobs of older commits are not needed: the history is read for commit messages only.
      [
        'clone',
        '--quiet',
        '--single-branch',
        '--branch',
        options.branch,
        '--filter=blob:none',
        options.url,
        'repo',
      ],
      { cwd: parent, env, redactor: options.context.redactor, timeoutMs: 300_000 },
    );
    if (result.exitCode !== 0) {
      await rm(parent, { recursive: true, force: true });
      throw cloneError(options.url, options.branch, result.stderr);
    }
    return repository;
  }

  async git(
    args: readonly string[],
    input?: string,
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return exec('git', args, {
      cwd: this.dir,
      env: this.env,
      redactor: this.context.redactor,
      timeoutMs: 300_000,
      ...(input !== undefined ? { input } : {}),
    });
  }

  private async must(args: readonly string[], input?: string): Promise<string> {
    const result = await this.git(args, input);
    if (result.exitCode !== 0) {
      throw new OneexError(
        'EGIT',
        `git ${args[0]} failed in the GitOps clone (exit ${result.exitCode}): ${result.stderr.trim()}`,
        undefined,
        EXIT.unavailable,
      );
    }
    return result.stdout;
  }

  async head(): Promise<string> {
    return (await this.must(['rev-parse', 'HEAD'])).trim();
  }

  /** Back to the branch as the remote has it now, dropping our unpushed commit. */
  async reset(): Promise<void> {
    const fetched = await this.git([
      'fetch',
      '--quiet',
      'origin',
      `+refs/heads/${this.branch}:refs/remotes/origin/${this.branch}`,
    ]);
    if (fetched.exitCode !== 0) throw transportError('fetch', this.url, fetched.stderr);
    await this.must(['reset', '--quiet', '--hard', `refs/remotes/origin/${this.branch}`]);
  }

  /** Commits these (tracked) files as the working tree has them, and nothing else. */
  async commit(message: string, paths: readonly string[]): Promise<string> {
    await this.must(['commit', '--quiet', '--no-verify', '--file=-', '--', ...paths], message);
    return this.head();
  }

  /** Fast-forwards the branch on the remote, or throws PushRejected when it moved since we fetched. */
  async push(): Promise<void> {
    await this.pushRef(`HEAD:refs/heads/${this.branch}`, false);
  }

  /** Pushes HEAD to a branch of our own (a merge request's source), replacing what it held. */
  async pushBranch(branch: string): Promise<void> {
    await this.pushRef(`HEAD:refs/heads/${branch}`, true);
  }

  private async pushRef(refspec: string, force: boolean): Promise<void> {
    const result = await this.git(['push', '--porcelain', ...(force ? ['--force'] : []), 'origin', refspec]);
    const outcome = pushOutcome(result.stdout);
    if (outcome.ok && result.exitCode === 0) return;
    if (!outcome.ok && outcome.retry) throw new PushRejected(outcome.reason);
    if (result.stdout.trim() === '') throw transportError('push', this.url, result.stderr);
    throw new OneexError(
      'EPUSH',
      `The GitOps repository refused the push to ${refspec.split(':')[1]}: ${outcome.ok ? result.stderr.trim() : outcome.reason}`,
      'Check that the token may push to this branch (protected branches, push rules, hooks).',
      EXIT.unavailable,
    );
  }

  /** Whether a branch on the remote already holds this file as the working tree has it now. */
  async branchHas(branch: string, path: string): Promise<boolean> {
    const fetched = await this.git([
      'fetch',
      '--quiet',
      'origin',
      `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
    ]);
    if (fetched.exitCode !== 0) return false;
    const theirs = await this.git([
      'rev-parse',
      '--verify',
      '--quiet',
      `refs/remotes/origin/${branch}:${path}`,
    ]);
    const ours = await this.git(['hash-object', '--', path]);
    return theirs.exitCode === 0 && ours.exitCode === 0 && theirs.stdout.trim() === ours.stdout.trim();
  }

  /**
   * The newest commit on the branch whose trailers say this digest went to this environment. Asked
   * again after a lost push, the answer stands: only a promotion of this very digest here could change
   * it, and that would leave nothing to commit.
   */
  async lastPromotionOf(digest: string, environment: string, path: string): Promise<string | undefined> {
    const key = `${digest} ${environment} ${path}`;
    if (!this.promotions.has(key)) {
      const out = await this.must([
        'log',
        '-1',
        '--format=%H',
        '--extended-regexp',
        '--all-match',
        `--grep=^Image-Digest: ${escapeRegExp(digest)}$`,
        `--grep=^Environment: ${escapeRegExp(environment)}$`,
        '--',
        path,
      ]);
      this.promotions.set(key, out.trim() || undefined);
    }
    return this.promotions.get(key);
  }

  private readonly promotions = new Map<string, string | undefined>();

  /** Whether `descendant` contains `commit` (a later promotion landed on top of ours). */
  async contains(descendant: string, commit: string): Promise<boolean> {
    if (descendant === commit) return true;
    const key = `${descendant} ${commit}`;
    let known = this.ancestry.get(key);
    if (known === undefined) {
      known = this.isAncestor(commit, descendant);
      this.ancestry.set(key, known);
    }
    return known;
  }

  // Argo CD is asked about the same revisions many times while a rollout runs.
  private readonly ancestry = new Map<string, Promise<boolean>>();

  private async isAncestor(commit: string, descendant: string): Promise<boolean> {
    let known = await this.git(['cat-file', '-e', `${descendant}^{commit}`]);
    if (known.exitCode !== 0) {
      await this.git([
        'fetch',
        '--quiet',
        'origin',
        `+refs/heads/${this.branch}:refs/remotes/origin/${this.branch}`,
      ]);
      known = await this.git(['cat-file', '-e', `${descendant}^{commit}`]);
      if (known.exitCode !== 0) return false;
    }
    return (await this.git(['merge-base', '--is-ancestor', commit, descendant])).exitCode === 0;
  }

  async remove(): Promise<void> {
    await rm(join(this.dir, '..'), { recursive: true, force: true });
  }
}

function cloneError(url: string, branch: string, stderr: string): OneexError {
  if (/Remote branch .* not found|couldn't find remote ref/i.test(stderr)) {
    return new OneexError(
      'EGITOPS_BRANCH',
      `The GitOps repository ${url} has no branch "${branch}".`,
      'Set gitops_branch to the branch Argo CD watches.',
      EXIT.usage,
    );
  }
  return transportError('clone', url, stderr);
}

function transportError(what: string, url: string, stderr: string): OneexError {
  const detail = stderr.trim().split('\n').slice(-3).join(' ');
  if (/Authentication failed|could not read Username|HTTP 401|403|terminal prompts disabled/i.test(stderr)) {
    return new OneexError(
      'EGITOPS_AUTH',
      `The GitOps repository ${url} refused the credentials (${what}): ${detail}`,
      'Check gitops_token: a token with write_repository on the GitOps project, not expired.',
      EXIT.unavailable,
    );
  }
  return new OneexError(
    'EGITOPS_UNREACHABLE',
    `Could not ${what} the GitOps repository ${url}: ${detail}`,
    'Check gitops_repository and that the runner can reach it.',
    EXIT.unavailable,
  );
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
