import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  type GitLabApiDouble,
  LEVEL,
  message,
  paginate,
  type Reply,
  type RequestContext,
  type UserDouble,
} from '../gitlab-api-double.ts';
import { addMergeRequest } from './notes.ts';

// Projects and merge requests (docs.gitlab.com/api/projects#get-a-single-project,
// docs.gitlab.com/api/merge_requests): get a project; list a project's merge requests (state,
// source_branch, target_branch filters, paginated, newest first); get, create and edit one. Creating
// needs a Developer with the api scope; the source branch must exist in the project's repository
// when one is attached (`attachRepository`), and a second open merge request for the same source and
// target branches is 409 `Another open merge request already exists for this source branch: !<iid>`.
// A merge request created here can take notes (./notes.ts).

const run = promisify(execFile);

export interface MergeRequestDouble {
  readonly id: number;
  readonly iid: number;
  readonly project_id: number;
  title: string;
  description: string;
  state: 'opened' | 'closed' | 'merged';
  readonly source_branch: string;
  readonly target_branch: string;
  labels: string[];
  sha: string | null;
  readonly force_remove_source_branch: boolean;
  readonly author: UserDouble;
  readonly created_at: string;
  updated_at: string;
}

interface Repository {
  /** The project's bare repository, where branches are looked up. */
  readonly bare: string;
  readonly defaultBranch: string;
}

const store = new WeakMap<
  GitLabApiDouble,
  { mergeRequests: MergeRequestDouble[]; repositories: Map<number, Repository> }
>();

function stateOf(double: GitLabApiDouble) {
  let s = store.get(double);
  if (s === undefined) {
    s = { mergeRequests: [], repositories: new Map() };
    store.set(double, s);
  }
  return s;
}

/** Gives a project its git repository: branches are checked and merge requests carry their head. */
export function attachRepository(double: GitLabApiDouble, projectId: number, repository: Repository): void {
  stateOf(double).repositories.set(projectId, repository);
}

export function mergeRequestsOf(double: GitLabApiDouble, projectId: number): MergeRequestDouble[] {
  return stateOf(double).mergeRequests.filter((mr) => mr.project_id === projectId);
}

async function branchHead(
  double: GitLabApiDouble,
  projectId: number,
  branch: string,
): Promise<string | null> {
  const repository = stateOf(double).repositories.get(projectId);
  if (repository === undefined) return null;
  try {
    return (
      await run('git', ['rev-parse', '--verify', `refs/heads/${branch}`], { cwd: repository.bare })
    ).stdout.trim();
  } catch {
    return null;
  }
}

const render = (double: GitLabApiDouble, path: string, mr: MergeRequestDouble) => ({
  id: mr.id,
  iid: mr.iid,
  project_id: mr.project_id,
  title: mr.title,
  description: mr.description,
  state: mr.state,
  source_branch: mr.source_branch,
  target_branch: mr.target_branch,
  labels: mr.labels,
  sha: mr.sha,
  force_remove_source_branch: mr.force_remove_source_branch,
  author: { id: mr.author.id, username: mr.author.username, name: mr.author.name, state: 'active' },
  created_at: mr.created_at,
  updated_at: mr.updated_at,
  web_url: `${double.url}/${path}/-/merge_requests/${mr.iid}`,
});

function needsApiScope(request: RequestContext): Reply | undefined {
  return request.caller?.scopes.includes('api')
    ? undefined
    : message(403, '403 Forbidden - Insufficient scope');
}

const labelsOf = (value: unknown): string[] | undefined =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((label) => label.trim())
        .filter((label) => label !== '')
    : Array.isArray(value)
      ? value.map(String)
      : undefined;

function access(
  project: { readonly members: ReadonlyMap<number, keyof typeof LEVEL> },
  request: RequestContext,
): { access_level: number; notification_level: number } | null {
  const role = request.caller === undefined ? undefined : project.members.get(request.caller.user.id);
  return role === undefined ? null : { access_level: LEVEL[role], notification_level: 3 };
}

export function registerMergeRequests(double: GitLabApiDouble): void {
  double.route({
    method: 'GET',
    pattern: '/projects/:id',
    handle: (request, d) => {
      const project = d.projectFor(request, 'guest');
      if ('status' in project) return project;
      const name = project.path.split('/').at(-1) ?? project.path;
      return {
        status: 200,
        body: {
          id: project.id,
          name,
          path: name,
          path_with_namespace: project.path,
          default_branch: stateOf(d).repositories.get(project.id)?.defaultBranch ?? 'main',
          visibility: 'private',
          web_url: `${d.url}/${project.path}`,
          http_url_to_repo: `${d.url}/${project.path}.git`,
          // The caller's own access, which clients check before writing (@semantic-release/gitlab).
          permissions: { project_access: access(project, request), group_access: null },
        },
      };
    },
  });
  double.route({
    method: 'GET',
    pattern: '/projects/:id/merge_requests',
    jobToken: true,
    handle: (request, d) => {
      const project = d.projectFor(request, 'guest');
      if ('status' in project) return project;
      const state = request.query.get('state') ?? 'all';
      const source = request.query.get('source_branch');
      const target = request.query.get('target_branch');
      const list = mergeRequestsOf(d, project.id)
        .filter((mr) => state === 'all' || mr.state === state)
        .filter((mr) => source === null || mr.source_branch === source)
        .filter((mr) => target === null || mr.target_branch === target)
        .sort((a, b) => b.id - a.id);
      return paginate(
        request,
        list.map((mr) => render(d, project.path, mr)),
        d.url,
      );
    },
  });
  double.route({
    method: 'GET',
    pattern: '/projects/:id/merge_requests/:iid',
    jobToken: true,
    handle: (request, d) => {
      const project = d.projectFor(request, 'guest');
      if ('status' in project) return project;
      const mr = mergeRequestsOf(d, project.id).find((m) => String(m.iid) === request.params.iid);
      return mr === undefined
        ? message(404, '404 Not found')
        : { status: 200, body: render(d, project.path, mr) };
    },
  });
  double.route({
    method: 'POST',
    pattern: '/projects/:id/merge_requests',
    handle: async (request, d) => {
      const project = d.projectFor(request, 'developer');
      if ('status' in project) return project;
      const scope = needsApiScope(request);
      if (scope !== undefined) return scope;
      const body = request.json() as Record<string, unknown>;
      for (const key of ['source_branch', 'target_branch', 'title']) {
        if (typeof body[key] !== 'string' || body[key] === '')
          return { status: 400, body: { error: `${key} is missing` } };
      }
      const [source, target] = [String(body.source_branch), String(body.target_branch)];
      const open = mergeRequestsOf(d, project.id).find(
        (mr) => mr.state === 'opened' && mr.source_branch === source && mr.target_branch === target,
      );
      if (open !== undefined) {
        const text = `Another open merge request already exists for this source branch: !${open.iid}`;
        return { status: 409, body: { message: [text] } };
      }
      const sha = await branchHead(d, project.id, source);
      if (stateOf(d).repositories.has(project.id) && sha === null) {
        return { status: 422, body: { message: ['Source branch does not exist'] } };
      }
      const now = new Date().toISOString();
      const all = stateOf(d).mergeRequests;
      const mr: MergeRequestDouble = {
        id: 5000 + all.length + 1,
        iid: mergeRequestsOf(d, project.id).length + 1,
        project_id: project.id,
        title: String(body.title),
        description: typeof body.description === 'string' ? body.description : '',
        state: 'opened',
        source_branch: source,
        target_branch: target,
        labels: labelsOf(body.labels) ?? [],
        sha,
        force_remove_source_branch: body.remove_source_branch === true,
        author: (request.caller as NonNullable<RequestContext['caller']>).user,
        created_at: now,
        updated_at: now,
      };
      all.push(mr);
      addMergeRequest(d, project.id, mr.iid);
      return { status: 201, body: render(d, project.path, mr) };
    },
  });
  double.route({
    method: 'PUT',
    pattern: '/projects/:id/merge_requests/:iid',
    handle: async (request, d) => {
      const project = d.projectFor(request, 'developer');
      if ('status' in project) return project;
      const scope = needsApiScope(request);
      if (scope !== undefined) return scope;
      const mr = mergeRequestsOf(d, project.id).find((m) => String(m.iid) === request.params.iid);
      if (mr === undefined) return message(404, '404 Not found');
      const body = request.json() as Record<string, unknown>;
      if (typeof body.title === 'string' && body.title !== '') mr.title = body.title;
      if (typeof body.description === 'string') mr.description = body.description;
      mr.labels = labelsOf(body.labels) ?? mr.labels;
      if (body.state_event === 'close') mr.state = 'closed';
      if (body.state_event === 'reopen') mr.state = 'opened';
      mr.sha = await branchHead(d, project.id, mr.source_branch);
      mr.updated_at = new Date().toISOString();
      return { status: 200, body: render(d, project.path, mr) };
    },
  });
}
