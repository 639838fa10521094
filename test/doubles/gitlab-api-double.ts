import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

// A test double of GitLab's REST API v4 (docs.gitlab.com/api/rest), for the endpoints the library
// calls. Built to grow: each endpoint is one entry of ROUTES (method, path pattern, handler), and the
// contract they share lives once here:
// - authentication by `PRIVATE-TOKEN`, `Authorization: Bearer` or `JOB-TOKEN`; no or a bad token on a
//   private project: 401 `{"message":"401 Unauthorized"}`; a project the caller may not see:
//   404 `{"message":"404 Project Not Found"}` (GitLab hides what exists);
// - `:id` is a numeric id or the URL-encoded path (`oneex%2Fgitops`);
// - errors are `{"message": ...}` (a list of texts for validation errors) or `{"error": ...}` for a
//   missing parameter (400 `title is missing`);
// - lists are paginated (`page`, `per_page` up to 100) with `X-Total`, `X-Page`, `X-Per-Page`,
//   `X-Next-Page`, `X-Total-Pages` and a `Link` header, as GitLab sends them.
// Endpoints: GET /projects/:id; merge requests (list, get, create, edit) and their notes (list, create).

export interface ProjectSpec {
  readonly id: number;
  readonly path: string;
  readonly defaultBranch?: string;
  /** The project's bare repository: merge requests report their source branch's head from it. */
  readonly bare?: string;
}

export interface TokenSpec {
  readonly username: string;
  /** Project paths the token may use (`*`: all), and with which access level (30 Developer, 40 Maintainer). */
  readonly projects: Readonly<Record<string, number>>;
}

export interface MergeRequestRecord {
  id: number;
  iid: number;
  project_id: number;
  title: string;
  description: string;
  state: 'opened' | 'closed' | 'merged';
  source_branch: string;
  target_branch: string;
  labels: string[];
  sha: string | null;
  force_remove_source_branch: boolean;
  author: { username: string };
  web_url: string;
  created_at: string;
  updated_at: string;
}

export interface NoteRecord {
  id: number;
  body: string;
  author: { username: string };
  created_at: string;
  system: boolean;
  noteable_type: 'MergeRequest';
  noteable_iid: number;
}

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly status: number;
  /** Which header carried the credential, never its value. */
  readonly auth: 'private-token' | 'bearer' | 'job-token' | 'none';
}

interface Call {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
  readonly caller: { readonly username: string; readonly level: number } | undefined;
  readonly project: ProjectSpec | undefined;
}

type Answer = { readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> };
type Handler = (double: GitLabApiDouble, call: Call) => Answer | Promise<Answer>;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  /** Needs a project the caller can see (`:id`), and at least this access level. */
  readonly level?: number;
  readonly handler: Handler;
}

const run = promisify(execFile);
const DEVELOPER = 30;
const REPORTER = 20;

function route(method: string, path: string, handler: Handler, level?: number): Route {
  const names: string[] = [];
  const pattern = new RegExp(
    `^/api/v4${path.replace(/:([a-z_]+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  return { method, pattern, names, handler, ...(level !== undefined ? { level } : {}) };
}

const notFound = (what: string): Answer => ({ status: 404, body: { message: `404 ${what} Not Found` } });

const ROUTES: readonly Route[] = [
  route(
    'GET',
    '/projects/:id',
    (double, { project }) => ({ status: 200, body: double.projectView(project as ProjectSpec) }),
    REPORTER,
  ),

  route(
    'GET',
    '/projects/:id/merge_requests',
    (double, { project, query }) => {
      const filters: Record<string, string | null> = {
        state: query.get('state'),
        source_branch: query.get('source_branch'),
        target_branch: query.get('target_branch'),
      };
      const list = double.mergeRequests
        .filter((mr) => mr.project_id === project?.id)
        .filter((mr) => filters.state === null || filters.state === 'all' || mr.state === filters.state)
        .filter((mr) => filters.source_branch === null || mr.source_branch === filters.source_branch)
        .filter((mr) => filters.target_branch === null || mr.target_branch === filters.target_branch)
        .sort((a, b) => b.id - a.id);
      return double.page(list, query, `/projects/${project?.id}/merge_requests`);
    },
    REPORTER,
  ),

  route(
    'GET',
    '/projects/:id/merge_requests/:iid',
    (double, { project, params }) => {
      const mr = double.mergeRequest(project, params.iid);
      return mr === undefined ? notFound('') : { status: 200, body: mr };
    },
    REPORTER,
  ),

  route(
    'POST',
    '/projects/:id/merge_requests',
    async (double, { project, body, caller }) => {
      for (const key of ['source_branch', 'target_branch', 'title']) {
        if (typeof body[key] !== 'string' || body[key] === '')
          return { status: 400, body: { error: `${key} is missing` } };
      }
      const spec = project as ProjectSpec;
      const open = double.mergeRequests.find(
        (mr) =>
          mr.project_id === spec.id &&
          mr.state === 'opened' &&
          mr.source_branch === body.source_branch &&
          mr.target_branch === body.target_branch,
      );
      if (open !== undefined) {
        return {
          status: 409,
          body: {
            message: [`Another open merge request already exists for this source branch: !${open.iid}`],
          },
        };
      }
      const now = new Date().toISOString();
      const iid = double.mergeRequests.filter((mr) => mr.project_id === spec.id).length + 1;
      const record: MergeRequestRecord = {
        id: double.mergeRequests.length + 1000,
        iid,
        project_id: spec.id,
        title: String(body.title),
        description: typeof body.description === 'string' ? body.description : '',
        state: 'opened',
        source_branch: String(body.source_branch),
        target_branch: String(body.target_branch),
        labels: typeof body.labels === 'string' ? body.labels.split(',').filter((l) => l !== '') : [],
        sha: await double.branchHead(spec, String(body.source_branch)),
        force_remove_source_branch: body.remove_source_branch === true,
        author: { username: caller?.username ?? '' },
        web_url: `${double.url}/${spec.path}/-/merge_requests/${iid}`,
        created_at: now,
        updated_at: now,
      };
      double.mergeRequests.push(record);
      return { status: 201, body: record };
    },
    DEVELOPER,
  ),

  route(
    'PUT',
    '/projects/:id/merge_requests/:iid',
    async (double, { project, params, body }) => {
      const mr = double.mergeRequest(project, params.iid);
      if (mr === undefined) return notFound('');
      if (typeof body.title === 'string') mr.title = body.title;
      if (typeof body.description === 'string') mr.description = body.description;
      if (typeof body.labels === 'string') mr.labels = body.labels.split(',').filter((l) => l !== '');
      if (body.state_event === 'close') mr.state = 'closed';
      mr.sha = await double.branchHead(project as ProjectSpec, mr.source_branch);
      mr.updated_at = new Date().toISOString();
      return { status: 200, body: mr };
    },
    DEVELOPER,
  ),

  route(
    'GET',
    '/projects/:id/merge_requests/:iid/notes',
    (double, { project, params, query }) => {
      const mr = double.mergeRequest(project, params.iid);
      if (mr === undefined) return notFound('');
      const notes = (double.notes.get(mr.id) ?? []).slice().sort((a, b) => b.id - a.id);
      return double.page(notes, query, `/projects/${project?.id}/merge_requests/${mr.iid}/notes`);
    },
    REPORTER,
  ),

  route(
    'POST',
    '/projects/:id/merge_requests/:iid/notes',
    (double, { project, params, body, caller }) => {
      const mr = double.mergeRequest(project, params.iid);
      if (mr === undefined) return notFound('');
      if (typeof body.body !== 'string' || body.body === '')
        return { status: 400, body: { error: 'body is missing' } };
      const notes = double.notes.get(mr.id) ?? [];
      const note: NoteRecord = {
        id: double.nextNoteId++,
        body: body.body,
        author: { username: caller?.username ?? '' },
        created_at: new Date().toISOString(),
        system: false,
        noteable_type: 'MergeRequest',
        noteable_iid: mr.iid,
      };
      notes.push(note);
      double.notes.set(mr.id, notes);
      return { status: 201, body: note };
    },
    REPORTER,
  ),
];

export class GitLabApiDouble {
  readonly requests: ApiRequest[] = [];
  readonly mergeRequests: MergeRequestRecord[] = [];
  readonly notes = new Map<number, NoteRecord[]>();
  nextNoteId = 1;
  private readonly projects: ProjectSpec[] = [];

  private constructor(
    private readonly server: Server,
    /** GitLab's URL, `http://127.0.0.1:<port>`; the API is under `/api/v4`. */
    readonly url: string,
    private readonly tokens: Readonly<Record<string, TokenSpec>>,
  ) {}

  static async start(options: {
    readonly tokens: Readonly<Record<string, TokenSpec>>;
  }): Promise<GitLabApiDouble> {
    let double: GitLabApiDouble | undefined;
    const server = createServer((request, response) => {
      void double?.handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    double = new GitLabApiDouble(server, `http://127.0.0.1:${port}`, options.tokens);
    return double;
  }

  addProject(project: ProjectSpec): void {
    this.projects.push(project);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  projectView(project: ProjectSpec) {
    return {
      id: project.id,
      path: project.path.split('/').at(-1),
      path_with_namespace: project.path,
      name: project.path.split('/').at(-1),
      default_branch: project.defaultBranch ?? 'main',
      web_url: `${this.url}/${project.path}`,
      http_url_to_repo: `${this.url}/${project.path}.git`,
      visibility: 'private',
    };
  }

  mergeRequest(project: ProjectSpec | undefined, iid: string | undefined): MergeRequestRecord | undefined {
    return this.mergeRequests.find((mr) => mr.project_id === project?.id && String(mr.iid) === iid);
  }

  async branchHead(project: ProjectSpec, branch: string): Promise<string | null> {
    if (project.bare === undefined) return null;
    try {
      return (
        await run('git', ['rev-parse', '--verify', `refs/heads/${branch}`], { cwd: project.bare })
      ).stdout.trim();
    } catch {
      return null;
    }
  }

  /** One page of a list, with GitLab's pagination headers. */
  page<T>(items: readonly T[], query: URLSearchParams, path: string): Answer {
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 20) || 20));
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const totalPages = Math.max(1, Math.ceil(items.length / perPage));
    const next = page < totalPages ? page + 1 : undefined;
    const link = (p: number, rel: string) => {
      const params = new URLSearchParams(query);
      params.set('page', String(p));
      params.set('per_page', String(perPage));
      return `<${this.url}/api/v4${path}?${params}>; rel="${rel}"`;
    };
    return {
      status: 200,
      body: items.slice((page - 1) * perPage, page * perPage),
      headers: {
        'X-Total': String(items.length),
        'X-Total-Pages': String(totalPages),
        'X-Page': String(page),
        'X-Per-Page': String(perPage),
        'X-Next-Page': next !== undefined ? String(next) : '',
        'X-Prev-Page': page > 1 ? String(page - 1) : '',
        Link: [
          ...(next !== undefined ? [link(next, 'next')] : []),
          link(1, 'first'),
          link(totalPages, 'last'),
        ].join(', '),
      },
    };
  }

  private caller(request: IncomingMessage): { token: string | undefined; auth: ApiRequest['auth'] } {
    const privateToken = request.headers['private-token'];
    if (typeof privateToken === 'string') return { token: privateToken, auth: 'private-token' };
    const authorization = request.headers.authorization;
    if (authorization?.startsWith('Bearer ')) return { token: authorization.slice(7), auth: 'bearer' };
    const jobToken = request.headers['job-token'];
    if (typeof jobToken === 'string') return { token: jobToken, auth: 'job-token' };
    return { token: undefined, auth: 'none' };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> = {};
    if (text !== '') {
      try {
        body = (request.headers['content-type'] ?? '').includes('json')
          ? (JSON.parse(text) as Record<string, unknown>)
          : Object.fromEntries(new URLSearchParams(text));
      } catch {
        body = {};
      }
    }
    const { token, auth } = this.caller(request);
    const answer = await this.dispatch(request.method ?? 'GET', url, body, token);
    this.requests.push({
      method: request.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      status: answer.status,
      auth,
    });
    response.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.body));
  }

  private async dispatch(
    method: string,
    url: URL,
    body: Record<string, unknown>,
    token: string | undefined,
  ): Promise<Answer> {
    const tokenSpec = token !== undefined ? this.tokens[token] : undefined;
    if (token !== undefined && tokenSpec === undefined)
      return { status: 401, body: { message: '401 Unauthorized' } };
    for (const candidate of ROUTES) {
      if (candidate.method !== method) continue;
      const match = candidate.pattern.exec(url.pathname);
      if (match === null) continue;
      const params = Object.fromEntries(
        candidate.names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]),
      );
      const project = params.id !== undefined ? this.findProject(params.id) : undefined;
      let caller: Call['caller'];
      if (params.id !== undefined) {
        // Private projects: anonymous callers get 401, callers without access 404.
        if (tokenSpec === undefined) return { status: 401, body: { message: '401 Unauthorized' } };
        const level =
          project === undefined ? undefined : (tokenSpec.projects[project.path] ?? tokenSpec.projects['*']);
        if (project === undefined || level === undefined) return notFound('Project');
        if (candidate.level !== undefined && level < candidate.level)
          return { status: 403, body: { message: '403 Forbidden' } };
        caller = { username: tokenSpec.username, level };
      }
      return candidate.handler(this, { params, query: url.searchParams, body, caller, project });
    }
    return { status: 404, body: { error: '404 Not Found' } };
  }

  private findProject(id: string): ProjectSpec | undefined {
    return /^\d+$/.test(id)
      ? this.projects.find((p) => String(p.id) === id)
      : this.projects.find((p) => p.path === id);
  }
}
