import { describe, expect, it } from 'vitest';
import { commitRange, describeRange, revListArgs } from '../../../components/commitlint/range.ts';

const SHA = 'c'.repeat(40);

describe('commitRange', () => {
  it('takes the merge base to the head in a merge request pipeline', () => {
    const range = commitRange({
      CI_COMMIT_SHA: SHA,
      CI_MERGE_REQUEST_DIFF_BASE_SHA: 'b'.repeat(40),
      CI_COMMIT_BEFORE_SHA: 'a'.repeat(40),
    });
    expect(range).toEqual({ kind: 'merge-request', from: 'b'.repeat(40), to: SHA });
    expect(revListArgs(range, undefined)).toEqual([`${'b'.repeat(40)}..${SHA}`]);
  });

  it('takes the pushed commits in a branch pipeline', () => {
    const range = commitRange({
      CI_COMMIT_SHA: SHA,
      CI_COMMIT_BEFORE_SHA: 'a'.repeat(40),
      CI_COMMIT_BRANCH: 'main',
    });
    expect(range).toEqual({ kind: 'push', from: 'a'.repeat(40), to: SHA });
    expect(describeRange(range)).toBe('pushed commits aaaaaaaa..cccccccc');
  });

  it('takes what the default branch lacks on the first push of a new branch', () => {
    const range = commitRange({
      CI_COMMIT_SHA: SHA,
      CI_COMMIT_BEFORE_SHA: '0'.repeat(40),
      CI_COMMIT_BRANCH: 'feature',
      CI_DEFAULT_BRANCH: 'main',
    });
    expect(range).toEqual({ kind: 'new-branch', notOn: 'main', to: SHA });
    expect(revListArgs(range, 'refs/remotes/origin/main')).toEqual([SHA, '^refs/remotes/origin/main']);
    expect(revListArgs(range, undefined)).toEqual(['-1', SHA]);
  });

  it('takes the head commit alone otherwise (a first push of the default branch, a tag)', () => {
    expect(
      commitRange({
        CI_COMMIT_SHA: SHA,
        CI_COMMIT_BEFORE_SHA: '0'.repeat(40),
        CI_COMMIT_BRANCH: 'main',
        CI_DEFAULT_BRANCH: 'main',
      }),
    ).toEqual({
      kind: 'head',
      to: SHA,
    });
    expect(commitRange({})).toEqual({ kind: 'head', to: 'HEAD' });
  });
});
