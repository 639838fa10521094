import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

// A test double of the Argo CD API server (argo-cd.readthedocs.io, /api/v1/applications), for what a
// promotion uses, with Argo CD's own contract:
// - `Authorization: Bearer <token>`; none: 401 `no session information` (gRPC code 16); an unknown token:
//   401 `invalid session: ...`.
// - An application the token may not see, or that does not exist, is 403 `permission denied` (code 7)
//   unless the request names the project (`?project=`, or `project` in the sync body): then a missing
//   one is 404 (code 5), `applications.argoproj.io "<name>" not found`.
// - `POST .../sync` needs `Content-Type: application/json` exactly; while an operation runs it is 400,
//   code 9, `another operation is already in progress`.
// - Errors are `{"error", "code", "message"}`. Applications carry `status.sync` (status, revision),
//   `status.health`, `status.operationState` (phase Running -> Succeeded/Failed, syncResult) and
//   `status.resources[]` with per-resource health and messages; `status.summary.images`.
// Its controller is real where it can be: it resolves the target revision in the GitOps repository
// (a real bare repository) and renders the application's path there with `kubectl kustomize`, so what
// it reports as deployed is what the commit says. How the rollout then goes is the test's choice.

const run = promisify(execFile);

export type Rollout =
  /** Progressing, then Healthy. */
  | { readonly kind: 'healthy' }
  /** Progressing, then Degraded with this message on the Deployment. */
  | { readonly kind: 'degraded'; readonly message: string }
  /** Progressing for ever (a rollout that never finishes). */
  | { readonly kind: 'stuck'; readonly message: string }
  /** The sync itself fails: the apply of a resource is refused. */
  | { readonly kind: 'sync-failed'; readonly message: string };

export interface ApplicationSpec {
  readonly name: string;
  readonly project: string;
  readonly repoURL: string;
  readonly path: string;
  readonly targetRevision?: string;
  /** Where the double finds `repoURL`'s bare repository. */
  readonly bare: string;
  readonly rollout?: Rollout;
  /** Milliseconds a sync operation runs, and the rollout after it; small by default. */
  readonly syncMs?: number;
  readonly rolloutMs?: number;
  /** Argo CD's automated sync: a refresh that finds a new revision starts a sync by itself. */
  readonly autoSync?: boolean;
}

interface Resource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  status: 'Synced' | 'OutOfSync';
  health?: { status: string; message?: string };
}

interface OperationState {
  phase: 'Running' | 'Succeeded' | 'Failed';
  message: string;
  startedAt: string;
  finishedAt?: string;
  operation: { sync: { revision: string }; initiatedBy: { username?: string; automated?: boolean } };
  syncResult?: {
    revision: string;
    resources: { kind: string; namespace: string; name: string; status: string; message: string }[];
  };
}

interface AppState {
  readonly spec: ApplicationSpec;
  syncedRevision: string;
  comparedRevision: string;
  live: string;
  desired: string;
  syncStatus: 'Synced' | 'OutOfSync' | 'Unknown';
  health: { status: string; message?: string };
  resources: Resource[];
  images: string[];
  operationState?: OperationState;
  conditions: { type: string; message: string }[];
}

export interface ArgoRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: unknown;
  readonly status: number;
}

export interface ArgoCdDoubleOptions {
  /** token -> application names it may get and sync (`*`: all). */
  readonly tokens: Readonly<Record<string, readonly string[]>>;
}

const error = (code: number, message: string) => ({ error: message, code, message });

export class ArgoCdDouble {
  readonly requests: ArgoRequest[] = [];
  private readonly apps = new Map<string, AppState>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: ArgoCdDoubleOptions,
  ) {}

  static async start(options: ArgoCdDoubleOptions): Promise<ArgoCdDouble> {
    let double: ArgoCdDouble | undefined;
    const server = createServer((request, response) => {
      void double?.handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    double = new ArgoCdDouble(server, `http://127.0.0.1:${port}`, options);
    return double;
  }

  /** Registers an application, synced and Healthy at its branch's current head. */
  async addApplication(spec: ApplicationSpec): Promise<void> {
    const revision = await this.resolve(spec);
    const rendered = await this.render(spec, revision);
    this.apps.set(spec.name, {
      spec,
      syncedRevision: revision,
      comparedRevision: revision,
      live: rendered.text,
      desired: rendered.text,
      syncStatus: 'Synced',
      health: { status: 'Healthy' },
      resources: rendered.resources.map((r) => ({ ...r, status: 'Synced', health: { status: 'Healthy' } })),
      images: rendered.images,
      conditions: [],
    });
  }

  /** Changes how the next rollouts of an application go. */
  setRollout(name: string, rollout: Rollout): void {
    const app = this.apps.get(name);
    if (app === undefined) throw new Error(`no application ${name}`);
    (app as { spec: ApplicationSpec }).spec = { ...app.spec, rollout };
  }

  /** What the application runs now: the images of its live manifests, and the revision they came from. */
  deployed(name: string): { revision: string; images: string[]; health: string } {
    const app = this.apps.get(name);
    if (app === undefined) throw new Error(`no application ${name}`);
    return { revision: app.syncedRevision, images: app.images, health: app.health.status };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private later(ms: number, task: () => Promise<void> | void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void task();
    }, ms);
    this.timers.add(timer);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const answer = await this.route(request, url, body);
    this.requests.push({
      method: request.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: request.headers.authorization,
      contentType: request.headers['content-type'],
      body,
      status: answer.status,
    });
    response.writeHead(answer.status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(answer.body));
  }

  private async route(
    request: IncomingMessage,
    url: URL,
    body: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const header = request.headers.authorization;
    if (header === undefined || !header.startsWith('Bearer '))
      return { status: 401, body: error(16, 'no session information') };
    const allowed = this.options.tokens[header.slice('Bearer '.length)];
    if (allowed === undefined) {
      return { status: 401, body: error(16, 'invalid session: token signature is invalid') };
    }
    const match = /^\/api\/v1\/applications\/([^/]+)(\/sync)?$/.exec(url.pathname);
    if (match?.[1] === undefined) return { status: 404, body: error(5, 'Not Found') };
    const name = decodeURIComponent(match[1]);
    const isSync = match[2] !== undefined;
    if (isSync && request.method !== 'POST') return { status: 405, body: error(12, 'Method Not Allowed') };
    if (!isSync && request.method !== 'GET') return { status: 405, body: error(12, 'Method Not Allowed') };
    if (isSync && request.headers['content-type'] !== 'application/json') {
      return { status: 400, body: error(3, 'request Content-Type must be application/json') };
    }
    const project = isSync
      ? ((body as { project?: string } | undefined)?.project ?? undefined)
      : (url.searchParams.get('project') ?? undefined);
    const app = this.apps.get(name);
    const permitted = allowed.includes('*') || allowed.includes(name);
    // Argo CD hides which applications exist: without a project, missing and forbidden look the same.
    // Without a project an existing application is found in its own; with one, it must be in it.
    if (!permitted || (app === undefined && project === undefined)) {
      return { status: 403, body: error(7, 'permission denied') };
    }
    if (app === undefined || (project !== undefined && app.spec.project !== project)) {
      return { status: 404, body: error(5, `applications.argoproj.io "${name}" not found`) };
    }
    if (!isSync) {
      const refresh = url.searchParams.get('refresh');
      if (refresh === 'normal' || refresh === 'hard') await this.refresh(app);
      return { status: 200, body: this.view(app) };
    }
    if (app.operationState?.phase === 'Running') {
      return { status: 400, body: error(9, 'another operation is already in progress') };
    }
    await this.startSync(app, false);
    return { status: 200, body: this.view(app) };
  }

  private async resolve(spec: ApplicationSpec): Promise<string> {
    const target =
      spec.targetRevision === undefined || spec.targetRevision === 'HEAD'
        ? 'HEAD'
        : `refs/heads/${spec.targetRevision}`;
    const { stdout } = await run('git', ['rev-parse', target], { cwd: spec.bare });
    return stdout.trim();
  }

  /** The manifests at a revision, as Argo CD's repo server renders a Kustomize path. */
  private async render(spec: ApplicationSpec, revision: string) {
    const dir = await mkdtemp(join(tmpdir(), 'argocd-double-render-'));
    try {
      await run('sh', ['-c', 'git archive --format=tar "$0" | tar -x -C "$1"', revision, dir], {
        cwd: spec.bare,
      });
      const { stdout } = await run('kubectl', ['kustomize', join(dir, spec.path)]);
      const resources: Omit<Resource, 'status' | 'health'>[] = [];
      const images: string[] = [];
      for (const doc of parseAllDocuments(stdout)) {
        const manifest = doc.toJS() as {
          apiVersion?: string;
          kind?: string;
          metadata?: { name?: string; namespace?: string };
          spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
        } | null;
        if (manifest === null || manifest.kind === undefined) continue;
        const [group, version] = (manifest.apiVersion ?? 'v1').includes('/')
          ? (manifest.apiVersion ?? '').split('/')
          : ['', manifest.apiVersion ?? 'v1'];
        resources.push({
          group: group ?? '',
          version: version ?? 'v1',
          kind: manifest.kind,
          namespace: manifest.metadata?.namespace ?? '',
          name: manifest.metadata?.name ?? '',
        });
        for (const container of manifest.spec?.template?.spec?.containers ?? []) {
          if (container.image !== undefined) images.push(container.image);
        }
      }
      return { text: stdout, resources, images };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async refresh(app: AppState): Promise<void> {
    const revision = await this.resolve(app.spec);
    if (revision === app.comparedRevision) return;
    try {
      const rendered = await this.render(app.spec, revision);
      app.comparedRevision = revision;
      app.desired = rendered.text;
      app.conditions = [];
      app.syncStatus = rendered.text === app.live ? 'Synced' : 'OutOfSync';
      if (app.syncStatus === 'Synced') app.syncedRevision = revision;
      for (const resource of app.resources) resource.status = app.syncStatus;
      // The controller starts an automated sync just after the refresh that found the change: a
      // client that asks for a sync right then is told another operation is in progress.
      if (app.syncStatus === 'OutOfSync' && app.spec.autoSync) {
        this.later(0, async () => {
          if (app.operationState?.phase !== 'Running') await this.startSync(app, true);
        });
      }
    } catch (failure) {
      app.comparedRevision = revision;
      app.syncStatus = 'Unknown';
      app.conditions = [{ type: 'ComparisonError', message: (failure as Error).message }];
    }
  }

  private async startSync(app: AppState, automated: boolean): Promise<void> {
    // The operation is recorded at once (a second sync meanwhile is refused); it resolves the target
    // revision when it starts, as Argo CD's controller does.
    const operation: OperationState = {
      phase: 'Running',
      message: 'waiting for completion of hook and 1 more resources',
      startedAt: new Date().toISOString(),
      operation: {
        sync: { revision: '' },
        initiatedBy: automated ? { automated: true } : { username: 'ci' },
      },
    };
    app.operationState = operation;
    const revision = await this.resolve(app.spec);
    operation.operation.sync.revision = revision;
    this.later(app.spec.syncMs ?? 150, async () => {
      const rendered = await this.render(app.spec, revision);
      const rollout = app.spec.rollout ?? { kind: 'healthy' };
      const finishedAt = new Date().toISOString();
      if (rollout.kind === 'sync-failed') {
        const first = rendered.resources[0];
        operation.phase = 'Failed';
        operation.message = `one or more objects failed to apply, reason: ${rollout.message}`;
        operation.finishedAt = finishedAt;
        operation.syncResult = {
          revision,
          resources: rendered.resources.map((r) => ({
            kind: r.kind,
            namespace: r.namespace,
            name: r.name,
            status: r === first ? 'SyncFailed' : 'Synced',
            message: r === first ? rollout.message : `${r.kind.toLowerCase()}/${r.name} configured`,
          })),
        };
        return;
      }
      app.live = rendered.text;
      app.desired = rendered.text;
      app.syncedRevision = revision;
      app.comparedRevision = revision;
      app.syncStatus = 'Synced';
      app.images = rendered.images;
      const progressing = 'Waiting for rollout to finish: 0 of 1 updated replicas are available...';
      app.resources = rendered.resources.map((r) => ({
        ...r,
        status: 'Synced',
        health:
          r.kind === 'Deployment' ? { status: 'Progressing', message: progressing } : { status: 'Healthy' },
      }));
      app.health = { status: 'Progressing', message: progressing };
      operation.phase = 'Succeeded';
      operation.message = 'successfully synced (all tasks run)';
      operation.finishedAt = finishedAt;
      operation.syncResult = {
        revision,
        resources: rendered.resources.map((r) => ({
          kind: r.kind,
          namespace: r.namespace,
          name: r.name,
          status: 'Synced',
          message: `${r.kind.toLowerCase()}/${r.name} configured`,
        })),
      };
      if (rollout.kind === 'stuck') {
        for (const resource of app.resources)
          if (resource.kind === 'Deployment')
            resource.health = { status: 'Progressing', message: rollout.message };
        app.health = { status: 'Progressing', message: rollout.message };
        return;
      }
      this.later(app.spec.rolloutMs ?? 150, () => {
        if (app.syncedRevision !== revision) return;
        const final =
          rollout.kind === 'degraded'
            ? { status: 'Degraded', message: rollout.message }
            : { status: 'Healthy' };
        for (const resource of app.resources) if (resource.kind === 'Deployment') resource.health = final;
        app.health =
          rollout.kind === 'degraded'
            ? { status: 'Degraded', message: rollout.message }
            : { status: 'Healthy' };
      });
    });
  }

  private view(app: AppState) {
    return {
      metadata: { name: app.spec.name, namespace: 'argocd' },
      spec: {
        project: app.spec.project,
        source: {
          repoURL: app.spec.repoURL,
          path: app.spec.path,
          targetRevision: app.spec.targetRevision ?? 'HEAD',
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: app.spec.name },
        ...(app.spec.autoSync ? { syncPolicy: { automated: { prune: false, selfHeal: false } } } : {}),
      },
      status: {
        sync: {
          status: app.syncStatus,
          revision: app.comparedRevision,
          comparedTo: { source: { repoURL: app.spec.repoURL, path: app.spec.path } },
        },
        health: app.health,
        ...(app.operationState !== undefined ? { operationState: app.operationState } : {}),
        resources: app.resources,
        summary: { images: app.images },
        conditions: app.conditions,
        reconciledAt: new Date().toISOString(),
      },
    };
  }
}
