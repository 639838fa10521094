import type { ArrayInput } from './inputs.ts';
import type { Rule } from './job.ts';

// The `rules:` most jobs want, held once: run in merge request pipelines, and in branch pipelines of
// branches that have no open merge request, so that a push to a branch under review does not run the
// job twice (GitLab's own advice against duplicate pipelines).

export const MERGE_REQUEST = '$CI_PIPELINE_SOURCE == "merge_request_event"';

export const MERGE_REQUEST_OR_BRANCH: readonly Rule[] = [
  { if: MERGE_REQUEST },
  { if: '$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS', when: 'never' },
  { if: '$CI_COMMIT_BRANCH' },
];

/** A job's `rules` input: those rules (and `also`, after them) as its default. */
export function rulesInput(description: string, also: readonly Rule[] = []) {
  return {
    type: 'array',
    default: [...MERGE_REQUEST_OR_BRANCH, ...also],
    description,
    env: false,
  } as const satisfies ArrayInput;
}
