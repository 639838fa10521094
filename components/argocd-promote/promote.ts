import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Action } from '../../src/model/component.ts';
import { envName, type ParsedInputs } from '../../src/model/inputs.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, InputError, type InputProblem, OneexError } from '../../src/runtime/errors.ts';
import { type RetryPolicy, retry } from '../../src/runtime/retry.ts';
import { type ArgoApplication, ArgoCd, sourceMismatch, syncAndWait } from './argocd.ts';
import type { inputs as declared } from './component.ts';
import { readCredential } from './credentials.ts';
import {
  credentialForms,
  type GitCredential,
  GitOpsRepository,
  type Identity,
  PushRejected,
} from './gitops.ts';
import { annotate } from './grafana.ts';
import { displayTag, formatRef, type ImageRef, parseImageRef, parseTags, shortDigest } from './image-ref.ts';
import { editHelmValues, editKustomization, type ImageUpdate, ManifestError } from './manifest.ts';
import type { MergeRequestTarget } from './merge-request.ts';
import { commitMessage, mergeRequestDescription, type Promotion, subject } from './message.ts';
import { checkRender } from './render.ts';
import { expand, type Format, type Located, locate, pathProblem, unknownPlaceholders } from './target.ts';

// `oneex-ci argocd-promote promote`: one image digest into one environment of the GitOps repository.
// It reads like the job: check everything that can be checked, ask the services that must answer,
// make the change in a fresh clone, land it (or propose it), then watch Argo CD deploy it.

type Inputs = ParsedInputs<typeof declared>;
const COMPONENT = 'argocd-promote';

/** Pushes lost to another pipeline's are retried this much; ten racing promotions land well within it. */
export const PUSH_RETRY: RetryPolicy = {
  attempts: 15,
  baseDelayMs: 200,
  maxDelayMs: 3_000,
  budgetMs: 180_000,
};

interface Plan {
  readonly environment: string;
  readonly app: string;
  readonly format: Format;
  readonly pathTemplate: string;
  readonly image: ImageUpdate;
  readonly ref: ImageRef;
  readonly repository: string;
  readonly branch: string;
  readonly viaMergeRequest: boolean;
  readonly argocd:
    | { readonly server: string; readonly application: string; readonly project?: string }
    | undefined;
  readonly grafanaUrl: string | undefined;
}

interface Credentials {
  readonly git: GitCredential | undefined;
  readonly argocd: string | undefined;
  readonly grafana: string | undefined;
}

type Outcome =
  | { readonly kind: 'unchanged'; readonly file: string; readonly head: string }
  | {
      readonly kind: 'pushed';
      readonly file: string;
      readonly commit: string;
      readonly attempts: number;
      readonly promotion: Promotion;
    }
  | { readonly kind: 'proposed'; readonly file: string; readonly url: string; readonly created: boolean };

const action: Action<typeof declared> = async (inputs, context) => {
  const plan = planPromotion(inputs, context);
  const credentials = await readCredentials(inputs, context);
  describe(plan, context);

  // Services that must answer before anything is pushed.
  const argocd =
    plan.argocd !== undefined
      ? new ArgoCd(plan.argocd.server, credentials.argocd, plan.argocd.project)
      : undefined;
  const application =
    argocd !== undefined && plan.argocd !== undefined
      ? await context.log.section(
          'promote_argocd_check',
          `Argo CD application ${plan.argocd.application}`,
          () => argocd.application(plan.argocd?.application ?? ''),
        )
      : undefined;
  const mergeRequestTarget = plan.viaMergeRequest
    ? await checkMergeRequestTarget(inputs, plan, credentials)
    : undefined;

  const repo = await context.log.section('promote_clone', `Clone ${plan.repository} (${plan.branch})`, () =>
    GitOpsRepository.clone({
      url: plan.repository,
      branch: plan.branch,
      credential: credentials.git,
      author: author(context),
      committer: committer(context),
      context,
    }),
  );
  try {
    const located = await locateOrFail(repo, plan);
    if (application !== undefined) checkApplicationSource(application, plan, located);
    const outcome =
      mergeRequestTarget !== undefined
        ? await propose(repo, plan, located, mergeRequestTarget, inputs, context)
        : await land(repo, plan, inputs, context);
    report(outcome, plan, context);

    if (argocd !== undefined && plan.argocd !== undefined && outcome.kind !== 'proposed') {
      const commit = outcome.kind === 'pushed' ? outcome.commit : outcome.head;
      const name = plan.argocd.application;
      const started = Date.now();
      await context.log.section(
        'promote_argocd_sync',
        `Argo CD: sync ${name} and wait for ${commit.slice(0, 12)}`,
        () =>
          syncAndWait(argocd, {
            name,
            timeoutMs: inputs.argocd_timeout * 1000,
            hasOurCommit: (revision) => repo.contains(revision, commit),
            log: context.log,
          }),
      );
      context.log.success(
        `Argo CD: ${name} is Synced and Healthy at ${commit.slice(0, 12)} (${Math.round((Date.now() - started) / 1000)} s).`,
      );
    }
    if (plan.grafanaUrl !== undefined && outcome.kind === 'pushed') {
      const version = plan.image.tag ?? shortDigest(plan.image.digest);
      const result = await annotate(plan.grafanaUrl, credentials.grafana, {
        app: plan.app,
        environment: plan.environment,
        version,
        text: `${subject(outcome.promotion)}${context.ci.CI_PIPELINE_URL !== undefined ? ` (${context.ci.CI_PIPELINE_URL})` : ''}`,
        timeMs: Date.now(),
      });
      if ('id' in result)
        context.log.success(
          `Grafana: annotation ${result.id} marks ${plan.app} ${version} in ${plan.environment}.`,
        );
      else context.log.warn(`Grafana: no annotation (${result.problem}); the promotion itself is done.`);
    }
    return EXIT.ok;
  } finally {
    await repo.remove();
  }
};

export default action;

/** Every input and job fact that can be checked before anything is read or written; all problems at once. */
export function planPromotion(inputs: Inputs, context: RunContext): Plan {
  const problems: InputProblem[] = [];
  const problem = (input: keyof Inputs, value: string | undefined, expected: string) =>
    problems.push({ input, variable: envName(COMPONENT, input), value, expected });

  const environment = context.ci.CI_ENVIRONMENT_NAME;
  if (environment === undefined) {
    throw new OneexError(
      'ENOENVIRONMENT',
      'This job has no environment: the promotion goes to the environment the job deploys to (CI_ENVIRONMENT_NAME).',
      'Use the jobs of the component, or give the job an `environment: name:`.',
      EXIT.usage,
    );
  }
  if (pathProblem(environment) !== undefined || environment.includes('{')) {
    throw new OneexError(
      'EENVIRONMENT',
      `The environment name "${environment}" cannot name a place in the GitOps repository.`,
      undefined,
      EXIT.usage,
    );
  }

  const app = inputs.app.trim();
  if (isUnexpanded(app) || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(app)) {
    problem('app', inputs.app, 'an app name (letters, digits, `.`, `_`, `-`)');
  }

  const refText = inputs.image_ref.trim();
  let ref: ImageRef | undefined;
  if (refText === '' || isUnexpanded(refText)) {
    problem(
      'image_ref',
      inputs.image_ref,
      `a digest reference; ${refText === '' ? 'it is empty' : `${refText} is not set`}: is the image job (input image_job) in this pipeline, and does it report IMAGE_REF?`,
    );
  } else {
    const parsed = parseImageRef(refText);
    if ('problem' in parsed) problem('image_ref', inputs.image_ref, parsed.problem);
    else ref = parsed.ref;
  }

  const repository = inputs.gitops_repository.trim();
  const repositoryProblem = checkRepositoryUrl(repository, context);
  if (repositoryProblem !== undefined) problem('gitops_repository', repository, repositoryProblem);

  if (
    !/^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]+(?<![./])$/.test(inputs.gitops_branch) ||
    inputs.gitops_branch.endsWith('.lock')
  ) {
    problem('gitops_branch', inputs.gitops_branch, 'a branch name');
  }

  const unknown = unknownPlaceholders(inputs.path);
  const templateProblem = pathProblem(inputs.path);
  if (unknown.length > 0)
    problem(
      'path',
      inputs.path,
      `only {app} and {environment} as placeholders (not {${unknown.join('}, {')}})`,
    );
  else if (templateProblem !== undefined) problem('path', inputs.path, templateProblem);

  if (inputs.format === 'helm' && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(inputs.helm_values_path)) {
    problem(
      'helm_values_path',
      inputs.helm_values_path,
      'a dotted path of keys such as `image` or `back.image`',
    );
  }
  if (inputs.kustomize_image !== '' && /\s/.test(inputs.kustomize_image)) {
    problem('kustomize_image', inputs.kustomize_image, 'an image name without spaces');
  }

  const viaMergeRequest = inputs.merge_request_environments.includes(environment);
  if (viaMergeRequest && urlProblem(inputs.gitlab_url) !== undefined) {
    problem(
      'gitlab_url',
      inputs.gitlab_url,
      `the URL of GitLab (needed to open merge requests for ${environment})`,
    );
  }

  let argocd: Plan['argocd'];
  if (inputs.argocd_server !== '') {
    const serverProblem = urlProblem(inputs.argocd_server);
    if (serverProblem !== undefined) problem('argocd_server', inputs.argocd_server, serverProblem);
    const unknownInName = unknownPlaceholders(inputs.argocd_application);
    const application = expand(inputs.argocd_application, { app, environment }).toLowerCase();
    if (unknownInName.length > 0) {
      problem(
        'argocd_application',
        inputs.argocd_application,
        'only {app} and {environment} as placeholders',
      );
    } else if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(application)) {
      problem(
        'argocd_application',
        inputs.argocd_application,
        `an Argo CD application name (got "${application}" once filled in)`,
      );
    }
    if (!(inputs.argocd_timeout > 0))
      problem('argocd_timeout', String(inputs.argocd_timeout), 'a number of seconds above 0');
    const project = inputs.argocd_project.trim();
    argocd = { server: inputs.argocd_server.trim(), application, ...(project !== '' ? { project } : {}) };
  }

  let grafanaUrl: string | undefined;
  if (inputs.grafana_url !== '') {
    const grafanaProblem = urlProblem(inputs.grafana_url);
    if (grafanaProblem !== undefined) problem('grafana_url', inputs.grafana_url, grafanaProblem);
    grafanaUrl = inputs.grafana_url.trim();
  }

  if (problems.length > 0 || ref === undefined) throw new InputError(COMPONENT, problems);
  const tags = isUnexpanded(inputs.image_tags.trim()) ? [] : parseTags(inputs.image_tags);
  return {
    environment,
    app,
    format: inputs.format,
    pathTemplate: inputs.path,
    ref,
    image: { name: ref.name, tag: displayTag(ref, tags), digest: ref.digest },
    repository,
    branch: inputs.gitops_branch,
    viaMergeRequest,
    argocd,
    grafanaUrl,
  };
}

/** `$NAME` left as it was: GitLab had no such variable to expand. */
const isUnexpanded = (value: string): boolean => /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(value);

function urlProblem(value: string): string | undefined {
  try {
    const url = new URL(value.trim());
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'an http(s) URL';
    if (url.username !== '' || url.password !== '')
      return 'a URL without credentials (tokens go in their own inputs)';
    return undefined;
  } catch {
    return isUnexpanded(value.trim()) ? `a URL (${value.trim()} is not set)` : 'an http(s) URL';
  }
}

function checkRepositoryUrl(value: string, context: RunContext): string | undefined {
  if (value === '') return 'the URL of the GitOps repository';
  if (/^[\w.-]+@[\w.-]+:/.test(value) || value.startsWith('ssh://')) {
    return 'an HTTPS URL (the token is sent over HTTPS; SSH keys are not supported)';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'an HTTPS URL such as https://gitlab.oneex.fr/oneex/gitops.git';
  }
  if (url.username !== '' || url.password !== '') {
    // The URL carries a secret: mask it before the error prints the value.
    if (url.password !== '') context.redactor.add(decodeURIComponent(url.password));
    else context.redactor.add(decodeURIComponent(url.username));
    return 'a URL without credentials: git prints remote URLs, so the token goes in gitops_token';
  }
  if (!['https:', 'http:', 'file:'].includes(url.protocol)) return 'an HTTPS URL';
  return undefined;
}

async function readCredentials(inputs: Inputs, context: RunContext): Promise<Credentials> {
  const gitToken = await readCredential('gitops_token', inputs.gitops_token, context);
  const argocd =
    inputs.argocd_server !== ''
      ? await readCredential('argocd_token', inputs.argocd_token, context)
      : undefined;
  const grafana =
    inputs.grafana_url !== ''
      ? await readCredential('grafana_token', inputs.grafana_token, context)
      : undefined;
  const git =
    gitToken !== undefined
      ? { username: inputs.gitops_username || 'oauth2', token: gitToken.value }
      : undefined;
  if (git !== undefined) for (const form of credentialForms(git)) context.redactor.add(form);
  return { git, argocd: argocd?.value, grafana: grafana?.value };
}

function describe(plan: Plan, context: RunContext): void {
  context.log.info(
    `Promote ${formatRef(plan.ref)}${plan.image.tag !== undefined ? ` (${plan.image.tag})` : ''}`,
  );
  context.log.info(
    `     to ${plan.environment} of ${plan.app} in ${plan.repository} (${plan.branch}, ${plan.format})`,
  );
  if (plan.viaMergeRequest)
    context.log.info(`     by a merge request (merge_request_environments lists ${plan.environment})`);
  if (plan.argocd !== undefined)
    context.log.info(`   then Argo CD application ${plan.argocd.application} at ${plan.argocd.server}`);
}

function author(context: RunContext): Identity {
  const { GITLAB_USER_NAME: name, GITLAB_USER_EMAIL: email } = context.ci;
  return name !== undefined && email !== undefined ? { name, email } : committer(context);
}

function committer(context: RunContext): Identity {
  return { name: 'Oneex CI', email: `oneex-ci@noreply.${context.ci.CI_SERVER_FQDN ?? 'oneex.fr'}` };
}

async function locateOrFail(repo: GitOpsRepository, plan: Plan): Promise<Located> {
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

function checkApplicationSource(app: ArgoApplication, plan: Plan, located: Located): void {
  const mismatch = sourceMismatch(
    app,
    plan.repository,
    plan.format === 'kustomize' ? located.dir : undefined,
  );
  if (mismatch === undefined) return;
  throw new OneexError(
    'EARGOCD_SOURCE',
    `Argo CD application "${app.metadata.name}" would not deploy this promotion: ${mismatch}.`,
    'Check argocd_application (and path): the application must deploy the file this job edits. Nothing was pushed.',
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
async function land(
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

async function checkMergeRequestTarget(
  inputs: Inputs,
  plan: Plan,
  credentials: Credentials,
): Promise<MergeRequestTarget> {
  if (credentials.git === undefined) {
    throw new OneexError(
      'ENOTOKEN',
      `A merge request for ${plan.environment} needs gitops_token (a token with the api scope on the GitOps project); it is not set.`,
      'Set the masked CI/CD variable GITOPS_TOKEN, or the input gitops_token.',
      EXIT.usage,
    );
  }
  const target: MergeRequestTarget = {
    gitlabUrl: inputs.gitlab_url.trim(),
    project: projectPath(plan.repository, inputs.gitlab_url),
    token: credentials.git.token,
  };
  // Loaded only here: the GitLab client is large, and most promotions push directly.
  const { checkProject } = await import('./merge-request.ts');
  await checkProject(target);
  return target;
}

/** `oneex/gitops` from `https://gitlab.oneex.fr/oneex/gitops.git` (GitLab under a path prefix included). */
export function projectPath(repository: string, gitlabUrl: string): string {
  const path = new URL(repository).pathname.replace(/\.git$/, '').replace(/^\/+|\/+$/g, '');
  let prefix = '';
  try {
    const gitlab = new URL(gitlabUrl);
    if (gitlab.host === new URL(repository).host) prefix = gitlab.pathname.replace(/^\/+|\/+$/g, '');
  } catch {
    prefix = '';
  }
  return prefix !== '' && path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : path;
}

/** The change on a branch of its own and a merge request for it; the same change again reuses both. */
async function propose(
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

function report(outcome: Outcome, plan: Plan, context: RunContext): void {
  const what = `${plan.app} ${plan.image.tag ?? ''}`.trim();
  switch (outcome.kind) {
    case 'unchanged':
      context.log.success(
        `${outcome.file} already runs ${shortDigest(plan.image.digest)} in ${plan.environment}: nothing to commit (branch at ${outcome.head.slice(0, 12)}).`,
      );
      return;
    case 'pushed':
      context.log.success(
        `${what} promoted to ${plan.environment}: commit ${outcome.commit.slice(0, 12)} on ${plan.branch}${outcome.attempts > 1 ? ` (after ${outcome.attempts - 1} rejected push${outcome.attempts > 2 ? 'es' : ''})` : ''}.`,
      );
      return;
    case 'proposed':
      context.log.success(
        `${what} proposed for ${plan.environment}: ${outcome.created ? 'opened' : 'updated'} ${outcome.url}`,
      );
      context.log.info('Merging it deploys; Argo CD syncs the branch on its own.');
      return;
  }
}
