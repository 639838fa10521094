import type { Action } from '../../src/model/component.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { type ArgoApplication, ArgoCd, sourceMismatch, syncAndWait } from './argocd.ts';
import { land, locateOrFail, type Outcome, propose } from './change.ts';
import type { inputs as declared } from './component.ts';
import { readTokens } from './credentials.ts';
import { credentialForms, type GitCredential, GitOpsRepository, type Identity } from './gitops.ts';
import { annotate } from './grafana.ts';
import { formatRef, shortDigest } from './image-ref.ts';
import type { MergeRequestTarget } from './merge-request.ts';
import { type Promotion, subject } from './message.ts';
import { type ArgoTarget, type Inputs, type Plan, planPromotion, projectPath } from './plan.ts';
import type { Located } from './target.ts';

// `oneex-ci argocd-promote promote`: one image digest into one environment of the GitOps repository.
// It reads like the job: check everything that can be checked, ask the services that must answer,
// make the change in a fresh clone, land it (or propose it), then watch Argo CD deploy it.

interface Credentials {
  readonly git: GitCredential | undefined;
  readonly argocd: string | undefined;
  readonly grafana: string | undefined;
}

const action: Action<typeof declared> = async (inputs, context) => {
  const plan = planPromotion(inputs, context);
  const credentials = await readCredentials(inputs, plan, context);
  describe(plan, context);

  // Services that must answer before anything is pushed.
  const argocd = plan.argocd !== undefined ? await checkArgoCd(plan.argocd, credentials, context) : undefined;
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
    if (argocd !== undefined) checkApplicationSource(argocd.application, plan, located);
    const outcome =
      mergeRequestTarget !== undefined
        ? await propose(repo, plan, located, mergeRequestTarget, inputs, context)
        : await land(repo, plan, inputs, context);
    report(outcome, plan, context);
    // A proposal is deployed when it is merged, by Argo CD on its own.
    if (argocd !== undefined && outcome.kind !== 'proposed') {
      await waitForArgoCd(
        argocd,
        outcome.kind === 'pushed' ? outcome.commit : outcome.head,
        repo,
        inputs,
        context,
      );
    }
    if (plan.grafanaUrl !== undefined && outcome.kind === 'pushed') {
      await markInGrafana(plan.grafanaUrl, plan, credentials, outcome.promotion, context);
    }
    return EXIT.ok;
  } finally {
    await repo.remove();
  }
};

export default action;

interface CheckedArgoCd {
  readonly client: ArgoCd;
  readonly name: string;
  readonly application: ArgoApplication;
}

/** Reachable, the token accepted, the application there: asked before the clone. */
async function checkArgoCd(
  target: ArgoTarget,
  credentials: Credentials,
  context: RunContext,
): Promise<CheckedArgoCd> {
  const client = new ArgoCd(target.server, credentials.argocd, target.project);
  const application = await context.log.section(
    'promote_argocd_check',
    `Argo CD application ${target.application}`,
    () => client.application(target.application),
  );
  return { client, name: target.application, application };
}

async function waitForArgoCd(
  argocd: CheckedArgoCd,
  commit: string,
  repo: GitOpsRepository,
  inputs: Inputs,
  context: RunContext,
): Promise<void> {
  const started = Date.now();
  await context.log.section(
    'promote_argocd_sync',
    `Argo CD: sync ${argocd.name} and wait for ${commit.slice(0, 12)}`,
    () =>
      syncAndWait(argocd.client, {
        name: argocd.name,
        timeoutMs: inputs.argocd_timeout * 1000,
        hasOurCommit: (revision) => repo.contains(revision, commit),
        log: context.log,
      }),
  );
  const seconds = Math.round((Date.now() - started) / 1000);
  context.log.success(
    `Argo CD: ${argocd.name} is Synced and Healthy at ${commit.slice(0, 12)} (${seconds} s).`,
  );
}

async function markInGrafana(
  grafanaUrl: string,
  plan: Plan,
  credentials: Credentials,
  promotion: Promotion,
  context: RunContext,
): Promise<void> {
  const version = plan.image.tag ?? shortDigest(plan.image.digest);
  const pipeline = context.ci.CI_PIPELINE_URL !== undefined ? ` (${context.ci.CI_PIPELINE_URL})` : '';
  const result = await annotate(grafanaUrl, credentials.grafana, {
    app: plan.app,
    environment: plan.environment,
    version,
    text: `${subject(promotion)}${pipeline}`,
    timeMs: Date.now(),
  });
  if ('id' in result) {
    context.log.success(
      `Grafana: annotation ${result.id} marks ${plan.app} ${version} in ${plan.environment}.`,
    );
  } else context.log.warn(`Grafana: no annotation (${result.problem}); the promotion itself is done.`);
}

/** The tokens this promotion uses, and no other: Argo CD's and Grafana's only when those are set. */
async function readCredentials(inputs: Inputs, plan: Plan, context: RunContext): Promise<Credentials> {
  const tokens = await readTokens(
    {
      git: { input: 'gitops_token', raw: inputs.gitops_token },
      argocd: plan.argocd !== undefined ? { input: 'argocd_token', raw: inputs.argocd_token } : undefined,
      grafana:
        plan.grafanaUrl !== undefined ? { input: 'grafana_token', raw: inputs.grafana_token } : undefined,
    },
    inputs,
    context,
  );
  const git =
    tokens.git !== undefined
      ? { username: inputs.gitops_username || 'oauth2', token: tokens.git }
      : undefined;
  if (git !== undefined) for (const form of credentialForms(git)) context.redactor.add(form);
  return { git, argocd: tokens.argocd, grafana: tokens.grafana };
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
