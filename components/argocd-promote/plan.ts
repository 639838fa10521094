import { envName, type ParsedInputs } from '../../src/model/inputs.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, InputError, type InputProblem, OneexError } from '../../src/runtime/errors.ts';
import type { inputs as declared } from './component.ts';
import { displayTag, type ImageRef, parseImageRef, parseTags } from './image-ref.ts';
import type { ImageUpdate } from './manifest.ts';
import { expand, type Format, pathProblem, unknownPlaceholders } from './target.ts';

// What a promotion will do, from its inputs and the job alone: every check that needs no network, all
// problems reported together, before anything is read or written.

export type Inputs = ParsedInputs<typeof declared>;
export const COMPONENT = 'argocd-promote';

export interface Plan {
  readonly environment: string;
  readonly app: string;
  readonly format: Format;
  readonly pathTemplate: string;
  readonly ref: ImageRef;
  readonly image: ImageUpdate;
  readonly repository: string;
  readonly branch: string;
  readonly viaMergeRequest: boolean;
  readonly argocd: ArgoTarget | undefined;
  readonly grafanaUrl: string | undefined;
}

export interface ArgoTarget {
  readonly server: string;
  readonly application: string;
  readonly project?: string;
}

type Report = (input: keyof Inputs, value: string | undefined, expected: string) => void;

/** `$NAME` left as it was: GitLab had no such variable to expand. */
export const isUnexpanded = (value: string): boolean => /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(value.trim());

export function planPromotion(inputs: Inputs, context: RunContext): Plan {
  const problems: InputProblem[] = [];
  const problem: Report = (input, value, expected) =>
    problems.push({ input, variable: envName(COMPONENT, input), value, expected });

  const environment = environmentOf(context);
  const app = inputs.app.trim();
  if (isUnexpanded(app) || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(app)) {
    problem('app', inputs.app, 'an app name (letters, digits, `.`, `_`, `-`)');
  }
  const ref = imageOf(inputs, problem);
  const repository = inputs.gitops_repository.trim();
  const repositoryProblem = repositoryUrlProblem(repository, context);
  if (repositoryProblem !== undefined) problem('gitops_repository', repository, repositoryProblem);
  checkLayout(inputs, problem);

  const viaMergeRequest = inputs.merge_request_environments.includes(environment);
  if (viaMergeRequest && urlProblem(inputs.gitlab_url) !== undefined) {
    problem(
      'gitlab_url',
      inputs.gitlab_url,
      `the URL of GitLab (needed to open merge requests for ${environment})`,
    );
  }
  const argocd = inputs.argocd_server !== '' ? argoTargetOf(inputs, app, environment, problem) : undefined;
  const grafanaUrl = inputs.grafana_url !== '' ? inputs.grafana_url.trim() : undefined;
  const grafanaProblem = grafanaUrl !== undefined ? urlProblem(grafanaUrl) : undefined;
  if (grafanaProblem !== undefined) problem('grafana_url', inputs.grafana_url, grafanaProblem);

  if (problems.length > 0 || ref === undefined) throw new InputError(COMPONENT, problems);
  const tags = isUnexpanded(inputs.image_tags) ? [] : parseTags(inputs.image_tags);
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

/** The environment is the job's own (`environment:name`), as GitLab records the deployment. */
function environmentOf(context: RunContext): string {
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
      'Name the environment as its directory in the GitOps repository is named.',
      EXIT.usage,
    );
  }
  return environment;
}

function imageOf(inputs: Inputs, problem: Report): ImageRef | undefined {
  const text = inputs.image_ref.trim();
  if (text === '' || isUnexpanded(text)) {
    const why = text === '' ? 'it is empty' : `${text} is not set`;
    problem(
      'image_ref',
      inputs.image_ref,
      `a digest reference; ${why}: is the image job (input image_job) in this pipeline, and does it report IMAGE_REF?`,
    );
    return undefined;
  }
  const parsed = parseImageRef(text);
  if ('problem' in parsed) {
    problem('image_ref', inputs.image_ref, parsed.problem);
    return undefined;
  }
  return parsed.ref;
}

function checkLayout(inputs: Inputs, problem: Report): void {
  if (
    !/^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]+(?<![./])$/.test(inputs.gitops_branch) ||
    inputs.gitops_branch.endsWith('.lock')
  ) {
    problem('gitops_branch', inputs.gitops_branch, 'a branch name');
  }
  const unknown = unknownPlaceholders(inputs.path);
  const templateProblem = pathProblem(inputs.path);
  if (unknown.length > 0) {
    problem(
      'path',
      inputs.path,
      `only {app} and {environment} as placeholders (not {${unknown.join('}, {')}})`,
    );
  } else if (templateProblem !== undefined) problem('path', inputs.path, templateProblem);
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
}

function argoTargetOf(inputs: Inputs, app: string, environment: string, problem: Report): ArgoTarget {
  const serverProblem = urlProblem(inputs.argocd_server);
  if (serverProblem !== undefined) problem('argocd_server', inputs.argocd_server, serverProblem);
  const application = expand(inputs.argocd_application, { app, environment }).toLowerCase();
  if (unknownPlaceholders(inputs.argocd_application).length > 0) {
    problem('argocd_application', inputs.argocd_application, 'only {app} and {environment} as placeholders');
  } else if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(application)) {
    problem(
      'argocd_application',
      inputs.argocd_application,
      `an Argo CD application name (got "${application}" once filled in)`,
    );
  }
  if (!(inputs.argocd_timeout > 0)) {
    problem('argocd_timeout', String(inputs.argocd_timeout), 'a number of seconds above 0');
  }
  const project = inputs.argocd_project.trim();
  return { server: inputs.argocd_server.trim(), application, ...(project !== '' ? { project } : {}) };
}

function urlProblem(value: string): string | undefined {
  try {
    const url = new URL(value.trim());
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'an http(s) URL';
    if (url.username !== '' || url.password !== '')
      return 'a URL without credentials (tokens go in their own inputs)';
    return undefined;
  } catch {
    return isUnexpanded(value) ? `a URL (${value.trim()} is not set)` : 'an http(s) URL';
  }
}

function repositoryUrlProblem(value: string, context: RunContext): string | undefined {
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
    context.redactor.add(decodeURIComponent(url.password !== '' ? url.password : url.username));
    return 'a URL without credentials: git prints remote URLs, so the token goes in gitops_token';
  }
  if (!['https:', 'http:', 'file:'].includes(url.protocol)) return 'an HTTPS URL';
  return undefined;
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
