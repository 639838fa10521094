import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { type HttpResponse, http, NetworkError } from '../../src/runtime/http.ts';
import type { Logger } from '../../src/runtime/log.ts';

// Argo CD's REST API (argo-cd.readthedocs.io/en/stable/developer-guide/api-docs), as much as a
// promotion needs: read an application (reachable? allowed? watching our repository?), ask it to
// sync, and watch it until it runs our commit, Synced and Healthy, or fails, or the time is up.

export interface ArgoSource {
  readonly repoURL?: string;
  readonly path?: string;
  readonly targetRevision?: string;
  readonly chart?: string;
  readonly ref?: string;
}

export interface ArgoResource {
  readonly group?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly status?: string;
  readonly health?: { readonly status?: string; readonly message?: string };
}

export interface ArgoSyncResultResource {
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly status?: string;
  readonly message?: string;
  readonly hookPhase?: string;
}

export interface ArgoApplication {
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: {
    readonly project?: string;
    readonly source?: ArgoSource;
    readonly sources?: readonly ArgoSource[];
  };
  readonly status?: {
    readonly sync?: {
      readonly status?: string;
      readonly revision?: string;
      readonly revisions?: readonly string[];
    };
    readonly health?: { readonly status?: string; readonly message?: string };
    readonly operationState?: {
      readonly phase?: string;
      readonly message?: string;
      readonly startedAt?: string;
      readonly finishedAt?: string;
      readonly syncResult?: {
        readonly revision?: string;
        readonly revisions?: readonly string[];
        readonly resources?: readonly ArgoSyncResultResource[];
      };
    };
    readonly resources?: readonly ArgoResource[];
    readonly conditions?: readonly { readonly type?: string; readonly message?: string }[];
  };
}

interface ArgoErrorBody {
  readonly error?: string;
  readonly code?: number;
  readonly message?: string;
}

/** gRPC code 9, FAILED_PRECONDITION: Argo CD's answer to a sync while another operation runs. */
const OPERATION_IN_PROGRESS = 9;

export class ArgoCd {
  constructor(
    private readonly server: string,
    private readonly token: string | undefined,
    private readonly project: string | undefined,
  ) {}

  private url(path: string, query: Record<string, string | undefined> = {}): string {
    const url = new URL(`${this.server.replace(/\/+$/, '')}${path}`);
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(key, value);
    return url.toString();
  }

  private headers(): Record<string, string> {
    return this.token === undefined ? {} : { Authorization: `Bearer ${this.token}` };
  }

  private async send(request: Parameters<typeof http>[0]): Promise<HttpResponse> {
    try {
      return await http(request);
    } catch (error) {
      if (error instanceof NetworkError) {
        throw new OneexError(
          'EARGOCD_UNREACHABLE',
          `Argo CD at ${this.server} did not answer: ${error.reason}`,
          'Check argocd_server (the URL of the Argo CD API server) and that the runner can reach it.',
          EXIT.unavailable,
        );
      }
      throw error;
    }
  }

  async application(name: string, refresh?: 'normal' | 'hard'): Promise<ArgoApplication> {
    const response = await this.send({
      method: 'GET',
      url: this.url(`/api/v1/applications/${encodeURIComponent(name)}`, { project: this.project, refresh }),
      headers: this.headers(),
    });
    if (response.status !== 200) throw this.failure(response, name, 'read');
    return response.body as ArgoApplication;
  }

  /** Asks for a sync of the branch's newest commit; `busy` when another operation is running. */
  async sync(name: string): Promise<'started' | 'busy'> {
    const response = await this.send({
      method: 'POST',
      url: this.url(`/api/v1/applications/${encodeURIComponent(name)}/sync`),
      headers: { ...this.headers(), 'Content-Type': 'application/json' },
      // No revision: the application syncs its target branch, so a promotion that landed after ours
      // is never rolled back by our sync.
      body: { name, ...(this.project !== undefined ? { project: this.project } : {}) },
    });
    if (response.status === 200) return 'started';
    const body = (response.body ?? {}) as ArgoErrorBody;
    if (response.status === 400 && body.code === OPERATION_IN_PROGRESS) return 'busy';
    throw this.failure(response, name, 'sync');
  }

  private failure(response: HttpResponse, name: string, what: 'read' | 'sync'): OneexError {
    const body = (
      typeof response.body === 'object' && response.body !== null ? response.body : {}
    ) as ArgoErrorBody;
    const said = body.message ?? body.error ?? (typeof response.body === 'string' ? response.body : '');
    switch (response.status) {
      case 401:
        return new OneexError(
          'EARGOCD_AUTH',
          `Argo CD refused the request to ${what} application "${name}" (401 ${said}).`,
          'Check argocd_token: an Argo CD API token (account or project role), not expired.',
          EXIT.unavailable,
        );
      case 403:
        return new OneexError(
          'EARGOCD_PERMISSION',
          `Argo CD denied the request to ${what} application "${name}" (403 ${said}): either it does not exist or the token may not ${what} it.`,
          `Check argocd_application; the token's role needs applications, get and sync on it.${this.project === undefined ? ' Set argocd_project to learn which: Argo CD then answers 404 for an application that does not exist.' : ''}`,
          EXIT.unavailable,
        );
      case 404:
        return new OneexError(
          'EARGOCD_APPLICATION',
          `Argo CD has no application "${name}"${this.project !== undefined ? ` in project "${this.project}"` : ''} (404 ${said}).`,
          'Check argocd_application and argocd_project.',
          EXIT.usage,
        );
      default:
        return new OneexError(
          'EARGOCD',
          `Argo CD answered ${response.status} to the request to ${what} application "${name}": ${said}`,
          undefined,
          EXIT.unavailable,
        );
    }
  }
}

/** A repository URL reduced to host and path, so https, ssh and `.git` spellings compare equal. */
export function normaliseRepoUrl(url: string): string {
  const scp = /^[\w.-]+@([^:/]+):(.+)$/.exec(url);
  let hostAndPath: string;
  if (scp !== null) hostAndPath = `${scp[1]}/${scp[2]}`;
  else {
    try {
      const parsed = new URL(url);
      hostAndPath = `${parsed.hostname}${parsed.port !== '' ? `:${parsed.port}` : ''}${parsed.pathname}`;
    } catch {
      hostAndPath = url;
    }
  }
  return hostAndPath
    .toLowerCase()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
}

const normalisePath = (path: string): string => path.replace(/^\.\/+/, '').replace(/\/+$/, '') || '.';

/** Why the application cannot be the one that deploys this file, if it cannot. */
export function sourceMismatch(
  app: ArgoApplication,
  repository: string,
  path: string | undefined,
): string | undefined {
  const sources = app.spec.sources ?? (app.spec.source !== undefined ? [app.spec.source] : []);
  const ours = sources.filter(
    (source) =>
      source.repoURL !== undefined && normaliseRepoUrl(source.repoURL) === normaliseRepoUrl(repository),
  );
  const described = sources
    .map((source) => `${source.repoURL ?? '?'}${source.path !== undefined ? ` path ${source.path}` : ''}`)
    .join('; ');
  if (ours.length === 0) return `it deploys from ${described || 'no source'}, not from ${repository}`;
  if (
    path !== undefined &&
    !ours.some((source) => source.path !== undefined && normalisePath(source.path) === normalisePath(path))
  ) {
    return `it deploys ${described}, not the overlay ${path}`;
  }
  return undefined;
}

const FAILED_PHASES = ['Failed', 'Error'];
const RUNNING_PHASES = ['Running', 'Terminating'];

export type Progress =
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly why: string }
  | { readonly kind: 'waiting'; readonly why: string; readonly needsSync: boolean };

const revisionsOf = (revision: string | undefined, revisions: readonly string[] | undefined): string[] => [
  ...(revisions ?? []),
  ...(revision !== undefined && revision !== '' ? [revision] : []),
];

/** Where the application stands with respect to our commit. */
export async function assess(
  app: ArgoApplication,
  hasOurCommit: (revision: string) => Promise<boolean>,
): Promise<Progress> {
  const status = app.status ?? {};
  const operation = status.operationState;
  const running = RUNNING_PHASES.includes(operation?.phase ?? '');
  const some = async (revisions: string[]) => {
    for (const revision of revisions) if (await hasOurCommit(revision)) return true;
    return false;
  };
  const atOurs = await some(revisionsOf(status.sync?.revision, status.sync?.revisions));
  const operationOnOurs = await some(
    revisionsOf(operation?.syncResult?.revision, operation?.syncResult?.revisions),
  );
  if (operationOnOurs && FAILED_PHASES.includes(operation?.phase ?? '')) {
    return {
      kind: 'failed',
      why: `the sync ${operation?.phase?.toLowerCase()}: ${operation?.message ?? 'no message'}`,
    };
  }
  if (running)
    return { kind: 'waiting', why: `an operation is ${operation?.phase?.toLowerCase()}`, needsSync: false };
  if (!atOurs) {
    return {
      kind: 'waiting',
      why: `it runs ${shortSha(status.sync?.revision)}, not our commit yet`,
      needsSync: true,
    };
  }
  if (status.sync?.status !== 'Synced') {
    return { kind: 'waiting', why: `sync status is ${status.sync?.status ?? 'unknown'}`, needsSync: true };
  }
  const health = status.health?.status ?? 'Unknown';
  if (health === 'Healthy') return { kind: 'done' };
  if (health === 'Degraded')
    return {
      kind: 'failed',
      why: `its health is Degraded${status.health?.message ? `: ${status.health.message}` : ''}`,
    };
  return { kind: 'waiting', why: `its health is ${health}`, needsSync: false };
}

const shortSha = (revision: string | undefined): string =>
  revision === undefined || revision === '' ? 'no revision' : revision.slice(0, 12);

/** The lines a person needs when a deployment did not come up: what is not healthy, and why. */
export function unhealthyReport(app: ArgoApplication): string[] {
  const status = app.status ?? {};
  const name = (r: { kind?: string; namespace?: string; name?: string }) =>
    `${r.kind ?? '?'} ${r.namespace !== undefined && r.namespace !== '' ? `${r.namespace}/` : ''}${r.name ?? '?'}`;
  const lines: string[] = [];
  for (const resource of status.resources ?? []) {
    const health = resource.health?.status;
    if (health === undefined || health === 'Healthy') continue;
    lines.push(
      `${name(resource)}: ${health}${resource.health?.message ? `: ${resource.health.message}` : ''}`,
    );
  }
  for (const resource of status.operationState?.syncResult?.resources ?? []) {
    if (resource.status === undefined || resource.status === 'Synced') continue;
    lines.push(
      `${name(resource)}: sync ${resource.status}${resource.message ? `: ${resource.message}` : ''}`,
    );
  }
  for (const condition of status.conditions ?? []) {
    lines.push(`condition ${condition.type ?? '?'}: ${condition.message ?? ''}`);
  }
  if (status.operationState?.message !== undefined && status.operationState.message !== '') {
    lines.push(`last operation (${status.operationState.phase ?? '?'}): ${status.operationState.message}`);
  }
  return lines;
}

export interface WaitOptions {
  readonly name: string;
  readonly timeoutMs: number;
  readonly hasOurCommit: (revision: string) => Promise<boolean>;
  readonly log: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** A sync that ended without our commit (Argo CD's revision cache lagged) is asked again, this often at most. */
const RESYNC_AFTER_MS = 5_000;

/**
 * Syncs the application and watches it until it runs our commit, Synced and Healthy. Polls quickly at
 * first (most syncs of an image change take seconds), then every few seconds. A sync refused because
 * another operation runs (an auto-sync, often of our very commit) is asked again once that ends.
 */
export async function syncAndWait(argocd: ArgoCd, options: WaitOptions): Promise<ArgoApplication> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + options.timeoutMs;
  // A normal refresh makes Argo CD look at the repository now instead of at its next poll.
  let app = await argocd.application(options.name, 'normal');
  let lastReport = '';
  let delay = 500;
  let lastSync = Number.NEGATIVE_INFINITY;
  for (;;) {
    const progress = await assess(app, options.hasOurCommit);
    if (progress.kind === 'done') return app;
    if (progress.kind === 'failed') throw deploymentFailed(options.name, progress.why, app);
    if (progress.needsSync && now() - lastSync >= RESYNC_AFTER_MS) {
      const answer = await argocd.sync(options.name);
      if (answer === 'started') lastSync = now();
      options.log.info(
        answer === 'started'
          ? `Asked Argo CD to sync ${options.name}.`
          : `Argo CD is busy with another operation on ${options.name}; waiting for it to end.`,
      );
    }
    if (progress.why !== lastReport) {
      options.log.info(`  ${options.name}: ${progress.why}`);
      lastReport = progress.why;
    }
    if (now() + delay > deadline) {
      const seconds = Math.round(options.timeoutMs / 1000);
      throw deploymentFailed(
        options.name,
        `it was not Synced and Healthy at our commit within ${seconds} s (${progress.why})`,
        app,
      );
    }
    await sleep(delay);
    delay = Math.min(5_000, Math.round(delay * 1.5));
    app = await argocd.application(options.name);
  }
}

function deploymentFailed(name: string, why: string, app: ArgoApplication): OneexError {
  const report = unhealthyReport(app);
  return new OneexError(
    'EARGOCD_DEPLOY',
    [
      `Argo CD application "${name}" did not come up: ${why}.`,
      ...(report.length > 0 ? ['Not healthy:', ...report.map((line) => `  - ${line}`)] : []),
    ].join('\n'),
    'The commit is in the GitOps repository: fix forward, or roll back by promoting the previous digest (see the component docs).',
    EXIT.failed,
  );
}
