import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A test double of GitLab's REST API (/api/v4), on loopback, following its documented behaviour:
// - authentication by `PRIVATE-TOKEN` (or `Authorization: Bearer`) for user tokens, `JOB-TOKEN` for
//   job tokens, and Basic auth (`gitlab-ci-token:<job token>` or `<user>:<token>`) where GitLab
//   accepts it; a job token works only on the endpoints that allow it, elsewhere the caller is
//   anonymous (401 `{"message":"401 Unauthorized"}`); a project the caller cannot see is
//   404 `{"message":"404 Project Not Found"}`;
// - offset pagination: `page`, `per_page` (default 20, at most 100), and the X-Page, X-Per-Page,
//   X-Total, X-Total-Pages, X-Next-Page, X-Prev-Page and Link headers.
// Endpoints come in groups registered on the router (`double.route(...)`): projects and merge requests,
// merge request notes and the Terraform state API are built in; add others (releases) the same way.

export type Role = 'guest' | 'reporter' | 'developer' | 'maintainer' | 'owner';
/** GitLab's access levels (`permissions.project_access.access_level`). */
export const LEVEL: Record<Role, number> = {
  guest: 10,
  reporter: 20,
  developer: 30,
  maintainer: 40,
  owner: 50,
};

export interface UserDouble {
  readonly id: number;
  readonly username: string;
  readonly name: string;
}

export interface ProjectDouble {
  readonly id: number;
  readonly path: string;
  /** Each user's role in the project. */
  readonly members: Map<number, Role>;
}

export interface Caller {
  readonly user: UserDouble;
  readonly role: Role | undefined;
  readonly via: 'private-token' | 'job-token';
  readonly scopes: readonly string[];
}

export interface RequestContext {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly caller: Caller | undefined;
  json(): unknown;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Route {
  readonly method: string;
  /** `/projects/:id/merge_requests/:iid/notes`, under /api/v4. */
  readonly pattern: string;
  /** Whether a job token authenticates here (GitLab allows it on a few endpoints only). */
  readonly jobToken?: boolean;
  /** Whether Basic auth authenticates here (the Terraform state API). */
  readonly basicAuth?: boolean;
  readonly handle: (request: RequestContext, double: GitLabApiDouble) => Reply | Promise<Reply>;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly auth: Caller['via'] | 'basic' | 'none';
}

export const message = (status: number, text: string): Reply => ({ status, body: { message: text } });
export const UNAUTHORIZED = message(401, '401 Unauthorized');
export const FORBIDDEN = message(403, '403 Forbidden');
export const PROJECT_NOT_FOUND = message(404, '404 Project Not Found');

export class GitLabApiDouble {
  readonly users = new Map<number, UserDouble>();
  readonly projects = new Map<number, ProjectDouble>();
  readonly requests: RecordedRequest[] = [];
  private readonly tokens = new Map<string, { userId: number; scopes: string[] }>();
  private readonly jobTokens = new Map<string, { userId: number; projectId: number }>();
  private readonly routes: Route[] = [];
  private server: Server | undefined;
  private base = '';

  /** Starts on a loopback port with the built-in endpoint groups. */
  static async start(): Promise<GitLabApiDouble> {
    const double = new GitLabApiDouble();
    const { registerMergeRequests } = await import('./gitlab-api/merge-requests.ts');
    const { registerMergeRequestNotes } = await import('./gitlab-api/notes.ts');
    const { registerTerraformState } = await import('./gitlab-api/terraform-state.ts');
    registerMergeRequests(double);
    registerMergeRequestNotes(double);
    registerTerraformState(double);
    await double.listen();
    return double;
  }

  get url(): string {
    return this.base;
  }

  get apiUrl(): string {
    return `${this.base}/api/v4`;
  }

  route(route: Route): void {
    this.routes.push(route);
  }

  addUser(username: string): UserDouble {
    const user = { id: this.users.size + 1, username, name: username };
    this.users.set(user.id, user);
    return user;
  }

  addProject(path: string, members: Readonly<Record<string, Role>> = {}): ProjectDouble {
    const project: ProjectDouble = { id: 1000 + this.projects.size + 1, path, members: new Map() };
    for (const [username, role] of Object.entries(members)) {
      const user = [...this.users.values()].find((u) => u.username === username) ?? this.addUser(username);
      project.members.set(user.id, role);
    }
    this.projects.set(project.id, project);
    return project;
  }

  /** A personal, project or group access token of `user`. */
  addToken(token: string, user: UserDouble, scopes: readonly string[] = ['api']): void {
    this.tokens.set(token, { userId: user.id, scopes: [...scopes] });
  }

  /** The CI_JOB_TOKEN of a job in `project`, acting for `user` (who started the pipeline). */
  addJobToken(token: string, user: UserDouble, project: ProjectDouble): void {
    this.jobTokens.set(token, { userId: user.id, projectId: project.id });
  }

  /** `:id` as GitLab reads it: a numeric ID or a URL-encoded path. */
  findProject(id: string): ProjectDouble | undefined {
    if (/^\d+$/.test(id)) return this.projects.get(Number(id));
    const path = decodeURIComponent(id);
    return [...this.projects.values()].find((p) => p.path === path);
  }

  /** The project if the caller may see it, else the reply GitLab gives. */
  projectFor(request: RequestContext, minimum: Role = 'guest'): ProjectDouble | Reply {
    const project = this.findProject(request.params.id ?? '');
    if (project === undefined || request.caller === undefined)
      return request.caller === undefined ? UNAUTHORIZED : PROJECT_NOT_FOUND;
    const role = project.members.get(request.caller.user.id);
    if (role === undefined) return PROJECT_NOT_FOUND;
    if (LEVEL[role] < LEVEL[minimum]) return FORBIDDEN;
    return project;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.dispatch(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.base = `http://127.0.0.1:${port}`;
  }

  private authenticate(
    req: IncomingMessage,
    route: Route,
  ): { caller?: Caller; auth: RecordedRequest['auth'] } {
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const bearer = /^Bearer (.+)$/.exec(header('authorization') ?? '')?.[1];
    const privateToken = header('private-token') ?? bearer;
    if (privateToken !== undefined) {
      const token = this.tokens.get(privateToken);
      const user = token !== undefined ? this.users.get(token.userId) : undefined;
      return user === undefined || token === undefined
        ? { auth: 'private-token' }
        : {
            caller: { user, role: undefined, via: 'private-token', scopes: token.scopes },
            auth: 'private-token',
          };
    }
    const basic = /^Basic (.+)$/.exec(header('authorization') ?? '')?.[1];
    if (basic !== undefined && route.basicAuth === true) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const username = decoded.slice(0, colon);
      const secret = decoded.slice(colon + 1);
      const job = username === 'gitlab-ci-token' ? this.jobTokens.get(secret) : undefined;
      if (job !== undefined) {
        const user = this.users.get(job.userId);
        if (user !== undefined)
          return { caller: { user, role: undefined, via: 'job-token', scopes: ['api'] }, auth: 'basic' };
      }
      const token = this.tokens.get(secret);
      const user = token !== undefined ? this.users.get(token.userId) : undefined;
      if (user !== undefined && token !== undefined && user.username === username)
        return {
          caller: { user, role: undefined, via: 'private-token', scopes: token.scopes },
          auth: 'basic',
        };
      return { auth: 'basic' };
    }
    const jobToken = header('job-token');
    if (jobToken !== undefined) {
      const job = this.jobTokens.get(jobToken);
      const user = job !== undefined ? this.users.get(job.userId) : undefined;
      // Elsewhere GitLab ignores the job token: the caller is anonymous.
      if (route.jobToken === true && user !== undefined)
        return { caller: { user, role: undefined, via: 'job-token', scopes: [] }, auth: 'job-token' };
      return { auth: 'job-token' };
    }
    return { auth: 'none' };
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = url.pathname.replace(/^\/api\/v4/, '');
    let reply: Reply = message(404, '404 Not Found');
    let auth: RecordedRequest['auth'] = 'none';
    for (const route of this.routes) {
      if (route.method !== req.method) continue;
      const params = matchPath(route.pattern, path);
      if (params === undefined || !url.pathname.startsWith('/api/v4/')) continue;
      const authenticated = this.authenticate(req, route);
      auth = authenticated.auth;
      const request: RequestContext = {
        method: req.method,
        path,
        params,
        query: url.searchParams,
        headers: req.headers,
        body,
        caller: authenticated.caller,
        json: () => (body.length === 0 ? {} : JSON.parse(body.toString('utf8'))),
      };
      // A token that names nobody is refused before the endpoint looks at anything.
      if (authenticated.caller === undefined && auth !== 'none' && auth !== 'job-token') reply = UNAUTHORIZED;
      else
        try {
          reply = await route.handle(request, this);
        } catch (error) {
          reply = { status: 400, body: { error: (error as Error).message } };
        }
      break;
    }
    this.requests.push({ method: req.method ?? '', path, status: reply.status, auth });
    const payload =
      reply.body === undefined
        ? ''
        : typeof reply.body === 'string'
          ? reply.body
          : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...(payload !== ''
        ? { 'Content-Type': typeof reply.body === 'string' ? 'text/plain' : 'application/json' }
        : {}),
      ...reply.headers,
    });
    res.end(payload);
  }
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const regex = new RegExp(
    `^${pattern.replace(/:([a-z_]+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  const match = regex.exec(path);
  if (match === null) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
}

/** One page of `items` with GitLab's offset pagination headers. */
export function paginate<T>(request: RequestContext, items: readonly T[], baseUrl: string): Reply {
  const perPage = Math.min(100, Math.max(1, Number(request.query.get('per_page') ?? 20) || 20));
  const page = Math.max(1, Number(request.query.get('page') ?? 1) || 1);
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const link = (p: number, rel: string) => {
    const url = new URL(`${baseUrl}/api/v4${request.path}`);
    for (const [k, v] of request.query) url.searchParams.set(k, v);
    url.searchParams.set('page', String(p));
    url.searchParams.set('per_page', String(perPage));
    return `<${url}>; rel="${rel}"`;
  };
  const links = [
    ...(page > 1 ? [link(page - 1, 'prev')] : []),
    ...(page < totalPages ? [link(page + 1, 'next')] : []),
    link(1, 'first'),
    link(totalPages, 'last'),
  ];
  return {
    status: 200,
    body: slice,
    headers: {
      'X-Page': String(page),
      'X-Per-Page': String(perPage),
      'X-Total': String(items.length),
      'X-Total-Pages': String(totalPages),
      'X-Next-Page': page < totalPages ? String(page + 1) : '',
      'X-Prev-Page': page > 1 ? String(page - 1) : '',
      Link: links.join(', '),
    },
  };
}
