import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseTags } from '../../../components/semantic-release/notes.ts';
import { removeAll } from '../../support/local-pipeline.ts';

// `oneex-ci semantic-release notes` with the built CLI and real git: the notes a tag pipeline hands to
// a `release:` job.

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', '..', 'dist', 'oneex-ci.mjs');
const dirs: string[] = [];
afterAll(() => removeAll(...dirs));

const ENV = {
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@oneex.test',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@oneex.test',
};

async function repo(): Promise<{ dir: string; git: (...args: string[]) => Promise<string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'oneex-notes-'));
  dirs.push(dir);
  const git = async (...args: string[]) =>
    (await run('git', args, { cwd: dir, env: { ...process.env, ...ENV } })).stdout;
  await git('init', '-q', '-b', 'main');
  return { dir, git };
}

async function notes(dir: string, tag: string | undefined) {
  try {
    const { stdout } = await run(process.execPath, [CLI, 'semantic-release', 'notes'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        NO_COLOR: '1',
        CI_PROJECT_URL: 'https://gitlab.oneex.fr/oneex/ci-components',
        ONEEX_SEMANTIC_RELEASE_TAG_PREFIX: '',
        ...(tag !== undefined ? { CI_COMMIT_TAG: tag } : {}),
      },
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

describe('oneex-ci semantic-release notes', () => {
  it("writes the notes of the tag's commits since the previous release tag", async () => {
    const { dir, git } = await repo();
    await git('commit', '-q', '--allow-empty', '-m', 'feat: first component');
    await git('tag', '1.0.0');
    await git('commit', '-q', '--allow-empty', '-m', 'fix(image): keep the digest');
    await git('tag', '1.1.0-beta.1');
    await git('commit', '-q', '--allow-empty', '-m', 'feat(semantic-release): next version job');
    await git('commit', '-q', '--allow-empty', '-m', 'chore: tidy');
    await git('tag', '1.1.0');

    const result = await notes(dir, '1.1.0');

    expect(result.code, result.output).toBe(0);
    const written = await readFile(join(dir, 'release-notes.md'), 'utf8');
    expect(written).toContain('https://gitlab.oneex.fr/oneex/ci-components/compare/1.0.0...1.1.0');
    expect(written).toMatch(/### Features[\s\S]*\*\*semantic-release:\*\* next version job/);
    expect(written).toMatch(/### Bug Fixes[\s\S]*\*\*image:\*\* keep the digest/);
    expect(written).not.toContain('first component');
    expect(result.output).toContain('3 commits since 1.0.0');
  });

  it('refuses outside a tag pipeline, and a tag that is not a release', async () => {
    const { dir, git } = await repo();
    await git('commit', '-q', '--allow-empty', '-m', 'feat: x');
    await git('tag', 'nightly');

    const none = await notes(dir, undefined);
    const nightly = await notes(dir, 'nightly');

    expect(none.code).toBe(2);
    expect(none.output).toContain('[ENOTAG]');
    expect(nightly.code).toBe(2);
    expect(nightly.output).toContain('nightly is not a release tag');
  });

  it('orders release tags by version, releases above their pre-releases', () => {
    expect(releaseTags(['v1.10.0', 'v1.9.0', 'v2.0.0-rc.1', 'v2.0.0', 'other', '1.0.0'], 'v')).toEqual([
      { tag: 'v2.0.0', version: '2.0.0' },
      { tag: 'v2.0.0-rc.1', version: '2.0.0-rc.1' },
      { tag: 'v1.10.0', version: '1.10.0' },
      { tag: 'v1.9.0', version: '1.9.0' },
    ]);
  });
});
