import type { CiEnv } from '../../src/runtime/context.ts';

// Which commits a pipeline brings, from GitLab's predefined variables alone (a pure function, so each
// pipeline kind has a test).

export type CommitRange =
  | { readonly kind: 'merge-request'; readonly from: string; readonly to: string }
  | { readonly kind: 'push'; readonly from: string; readonly to: string }
  | { readonly kind: 'new-branch'; readonly notOn: string; readonly to: string }
  | { readonly kind: 'head'; readonly to: string };

const ZERO_SHA = /^0+$/;

export function commitRange(ci: CiEnv): CommitRange {
  const to = ci.CI_COMMIT_SHA ?? 'HEAD';
  if (ci.CI_MERGE_REQUEST_DIFF_BASE_SHA !== undefined) {
    return { kind: 'merge-request', from: ci.CI_MERGE_REQUEST_DIFF_BASE_SHA, to };
  }
  const before = ci.CI_COMMIT_BEFORE_SHA;
  if (before !== undefined && !ZERO_SHA.test(before)) return { kind: 'push', from: before, to };
  // A branch's first push has an all-zero before SHA: lint what the default branch lacks.
  if (
    ci.CI_COMMIT_BRANCH !== undefined &&
    ci.CI_DEFAULT_BRANCH !== undefined &&
    ci.CI_COMMIT_BRANCH !== ci.CI_DEFAULT_BRANCH
  ) {
    return { kind: 'new-branch', notOn: ci.CI_DEFAULT_BRANCH, to };
  }
  return { kind: 'head', to };
}

/** `git rev-list` arguments selecting the range. */
export function revListArgs(range: CommitRange, remoteDefault: string | undefined): string[] {
  switch (range.kind) {
    case 'merge-request':
    case 'push':
      return [`${range.from}..${range.to}`];
    case 'new-branch':
      return remoteDefault === undefined ? ['-1', range.to] : [range.to, `^${remoteDefault}`];
    case 'head':
      return ['-1', range.to];
  }
}

export function describeRange(range: CommitRange): string {
  switch (range.kind) {
    case 'merge-request':
      return `merge request commits ${range.from.slice(0, 8)}..${range.to.slice(0, 8)}`;
    case 'push':
      return `pushed commits ${range.from.slice(0, 8)}..${range.to.slice(0, 8)}`;
    case 'new-branch':
      return `commits of a new branch not on ${range.notOn}`;
    case 'head':
      return `the head commit ${range.to.slice(0, 8)}`;
  }
}
