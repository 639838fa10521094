import { GitbeakerRequestError, MergeRequests, Projects } from '@gitbeaker/rest';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';

// Promotions that are reviewed before they land (production, typically): the change goes to a branch
// of its own and a merge request on the GitOps project, through GitLab's REST API. Merging it deploys:
// Argo CD syncs the target branch. Re-running the job finds the open merge request instead of
// opening a second one.

export interface MergeRequestTarget {
  /** GitLab's URL (`https://gitlab.oneex.fr`); gitbeaker adds `/api/v4`. */
  readonly gitlabUrl: string;
  /** The GitOps project's path (`oneex/gitops`). */
  readonly project: string;
  readonly token: string;
}

export interface OpenedMergeRequest {
  readonly iid: number;
  readonly webUrl: string;
  readonly created: boolean;
}

function failure(error: unknown, what: string, target: MergeRequestTarget): OneexError {
  if (error instanceof GitbeakerRequestError) {
    const status = (error.cause as { response?: Response } | undefined)?.response?.status;
    const said = error.message;
    if (status === 401) {
      return new OneexError(
        'EGITLAB_AUTH',
        `GitLab refused the token while it ${what} (401 ${said}).`,
        'Check gitops_token: a project or group access token with the api scope on the GitOps project.',
        EXIT.unavailable,
      );
    }
    if (status === 403 || status === 404) {
      return new OneexError(
        'EGITLAB_PROJECT',
        `GitLab answered ${status} while it ${what} on project ${target.project}: ${said}`,
        'Check gitops_repository (its path names the GitOps project) and that the token is a Developer of it.',
        EXIT.unavailable,
      );
    }
    return new OneexError(
      'EGITLAB',
      `GitLab answered ${status ?? '?'} while it ${what}: ${said}`,
      undefined,
      EXIT.unavailable,
    );
  }
  const cause = (error as { cause?: { code?: string } }).cause;
  return new OneexError(
    'EGITLAB_UNREACHABLE',
    `GitLab at ${target.gitlabUrl} did not answer while it ${what}: ${cause?.code ?? (error as Error).message}`,
    'Check gitlab_url and that the runner can reach it.',
    EXIT.unavailable,
  );
}

const api = (target: MergeRequestTarget) => ({
  host: target.gitlabUrl.replace(/\/+$/, ''),
  token: target.token,
});

/** Before anything is pushed: the project exists and the token may read it. */
export async function checkProject(
  target: MergeRequestTarget,
): Promise<{ defaultBranch: string | undefined }> {
  try {
    const project = await new Projects(api(target)).show(target.project);
    return { defaultBranch: (project as { default_branch?: string }).default_branch };
  } catch (error) {
    throw failure(error, 'read the GitOps project', target);
  }
}

export async function openMergeRequest(
  target: MergeRequestTarget,
  request: {
    readonly sourceBranch: string;
    readonly targetBranch: string;
    readonly title: string;
    readonly description: string;
    readonly labels: readonly string[];
  },
): Promise<OpenedMergeRequest> {
  const mergeRequests = new MergeRequests(api(target));
  try {
    const open = await mergeRequests.all({
      projectId: target.project,
      sourceBranch: request.sourceBranch,
      targetBranch: request.targetBranch,
      state: 'opened',
    });
    const existing = open[0];
    if (existing !== undefined) {
      const edited = await mergeRequests.edit(target.project, existing.iid, {
        title: request.title,
        description: request.description,
      });
      return { iid: edited.iid, webUrl: edited.web_url, created: false };
    }
    const created = await mergeRequests.create(
      target.project,
      request.sourceBranch,
      request.targetBranch,
      request.title,
      {
        description: request.description,
        labels: request.labels.join(','),
        removeSourceBranch: true,
      },
    );
    return { iid: created.iid, webUrl: created.web_url, created: true };
  } catch (error) {
    throw failure(error, 'opened the merge request', target);
  }
}
