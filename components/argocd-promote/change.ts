import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { type RetryPolicy, retry } from '../../src/runtime/retry.ts';
import { type GitOpsRepository, PushRejected } from './gitops.ts';
import { formatRef, shortDigest } from './image-ref.ts';
import { editHelmValues, editKustomization, ManifestError } from './manifest.ts';
import type { MergeRequestTarget } from './merge-request.ts';
import { commitMessage, mergeRequestDescription, type Promotion, subject } from './message.ts';
import type { Inputs, Plan } from './plan.ts';
import { checkRender } from './render.ts';
import { type Located, locate } from './target.ts';

// The change a promotion makes in its clone of the GitOps repository, and how it lands: pushed to the
// branch (again on top of whatever landed meanwhile, until it is in), or proposed by a merge request.

/** Pushes lost to another pipeline's are retried this much; ten racing promotions land well within it. */
export const PUSH_RETRY: RetryPolicy = {
  attempts: 15,
  baseDelayMs: 200,
  maxDelayMs: 3_000,
  budgetMs: 180_000,
};

export type Outcome =
  | { readonly kind: 'unchanged'; readonly file: string; readonly head: string }
  | {
      readonly kind: 'pushed';
      readonly file: string;
      readonly commit: string;
      readonly attempts: number;
      readonly promotion: Promotion;
    }
  | { readonly kind: 'proposed'; readonly file: string; readonly url: string; readonly created: boolean };

export async function locateOrFail(repo: GitOpsRepository, plan: Plan): Promise<Located> {
  const located = await locate(
    repo.dir,
    plan.pathTemplate,
    { app: plan.app, environment: plan.environment },
    plan.format,
  );
  if ('file' in located) return located;
  if (located.kind === 'unknown-environment') {
    throw new OneexError(
      'EENVIRONMENT',
      `The GitOps repository has no environment "${plan.environment}" for ${plan.app}: it has ${located.known.join(', ')} (path ${plan.pathTemplate}).${located.suggestion !== undefined ? ` Did you mean "${located.suggestion}"?` : ''}`,
      'Promote to one of those environments, or add the overlay to the GitOps repository first. Nothing was pushed.',
      EXIT.usage,
    );
  }
  throw new OneexError(
    'EOVERLAY',
    `No ${plan.format === 'kustomize' ? 'overlay' : 'values file'} for ${plan.app} in ${plan.environment}: ${located.path} in ${plan.repository} (${plan.branch}): ${located.reason}.`,
    'Check the input path (and app), or add the overlay to the GitOps repository first. Nothing was pushed.',
    EXIT.usage,
  );
}

/** The edit on the clone as it is now: the file written, rendered and ready to commit, or nothing to do. */
async function prepare(
  repo: GitOpsRepository,
  plan: Plan,
  inputs: Inputs,
  context: RunContext,
): Promise<
  { kind: 'unchanged'; located: Located } | { kind: 'changed'; located: Located; promotion: Promotion }
> {
  const located = await locateOrFail(repo, plan);
  const absolute = join(repo.dir, located.file);
  const text = await readFile(absolute, 'utf8');
  let edit: ReturnType<typeof editKustomization>;
  try {
    edit =
      plan.format === 'kustomize'
        ? editKustomization(text, plan.image, {
            file: located.file,
            ...(inputs.kustomize_image !== '' ? { entryName: inputs.kustomize_image } : {}),
          })
        : editHelmValues(text, plan.image, { file: located.file, valuesPath: inputs.helm_values_path });
  } catch (error) {
    if (error instanceof ManifestError) {
      throw new OneexError(
        'EMANIFEST',
        error.message,
        'Fix the file in the GitOps repository. Nothing was pushed.',
        EXIT.usage,
      );
    }
    throw error;
  }
  if (!edit.changed) return { kind: 'unchanged', located };
  if (!edit.layoutKept)
    context.log.warn(
      `${located.file}: its layout could not be kept exactly; comments are kept, spacing is normalised.`,
    );
  await writeFile(absolute, edit.text);
  if (plan.format === 'kustomize' && inputs.verify_render)
    await checkRender(repo.dir, located.dir, plan.image, context);
  const rollback =
    edit.previous.digest !== plan.image.digest &&
    (await repo.lastPromotionOf(plan.image.digest, plan.environment, located.file)) !== undefined;
  const promotion: Promotion = {
    app: plan.app,
    environment: plan.environment,
    image: formatRef(plan.ref),
    digest: plan.image.digest,
    tag: plan.image.tag,
    previous: edit.previous,
    rollback,
    file: located.file,
    source: {
      project: context.ci.CI_PROJECT_PATH,
      commit: context.ci.CI_COMMIT_SHA,
      pipelineUrl: context.ci.CI_PIPELINE_URL,
      jobUrl: context.ci.CI_JOB_URL,
      triggeredBy: context.ci.GITLAB_USER_LOGIN,
    },
  };
  context.log.info(
    `${located.file}: ${edit.previous.digest !== undefined ? `${shortDigest(edit.previous.digest)} -> ` : ''}${shortDigest(plan.image.digest)}${rollback ? ' (a digest that ran here before: roll back)' : ''}`,
  );
  return { kind: 'changed', located, promotion };
}

/** Commit and push, re-applying the edit on the newer branch whenever another push landed first. */
export async function land(
  repo: GitOpsRepository,
  plan: Plan,
  inputs: Inputs,
  context: RunContext,
): Promise<Outcome> {
  try {
    return await context.log.section('promote_push', `Promote to ${plan.environment}`, () =>
      retry(
        async (attempt) => {
          if (attempt > 1) await repo.reset();
          const change = await prepare(repo, plan, inputs, context);
          if (change.kind === 'unchanged') {
            return { kind: 'unchanged', file: change.located.file, head: await repo.head() } as const;
          }
          const commit = await repo.commit(commitMessage(change.promotion), [change.located.file]);
          await repo.push();
          return {
            kind: 'pushed',
            file: change.located.file,
            commit,
            attempts: attempt,
            promotion: change.promotion,
          } as const;
        },
        PUSH_RETRY,
        {
          transient: (error) => error instanceof PushRejected,
          onRetry: (error, attempt, delay) =>
            context.log.warn(
              `Push ${attempt} rejected (${(error as Error).message}): another promotion landed first. Fetching, re-applying, pushing again in ${delay} ms.`,
            ),
        },
      ),
    );
  } catch (error) {
    if (!(error instanceof PushRejected)) throw error;
    throw new OneexError(
      'EPUSH_CONTENDED',
      `Every push to ${plan.branch} was rejected because others kept landing first (${PUSH_RETRY.attempts} attempts): ${error.message}`,
      'Nothing of this promotion was pushed. Run the job again.',
      EXIT.unavailable,
    );
  }
}

/** The change on a branch of its own and a merge request for it; the same change again reuses both. */
export async function propose(
  repo: GitOpsRepository,
  plan: Plan,
  located: Located,
  target: MergeRequestTarget,
  inputs: Inputs,
  context: RunContext,
): Promise<Outcome> {
  return context.log.section(
    'promote_merge_request',
    `Propose ${plan.environment} by a merge request`,
    async () => {
      const change = await prepare(repo, plan, inputs, context);
      if (change.kind === 'unchanged')
        return { kind: 'unchanged', file: located.file, head: await repo.head() } as const;
      const branch = `promote/${plan.app}/${plan.environment}`;
      const proposed = await repo.branchHas(branch, change.located.file);
      if (proposed) context.log.info(`Branch ${branch} already proposes this change; no new commit.`);
      else {
        await repo.commit(commitMessage(change.promotion), [change.located.file]);
        await repo.pushBranch(branch);
      }
      const { openMergeRequest } = await import('./merge-request.ts');
      const opened = await openMergeRequest(target, {
        sourceBranch: branch,
        targetBranch: plan.branch,
        title: subject(change.promotion),
        description: mergeRequestDescription(change.promotion),
        labels: ['promotion', plan.environment],
      });
      return {
        kind: 'proposed',
        file: change.located.file,
        url: opened.webUrl,
        created: opened.created,
      } as const;
    },
  );
}
