import { execFileSync } from 'node:child_process';
import {
  FORBIDDEN,
  type GitLabApiDouble,
  LEVEL,
  message,
  PROJECT_NOT_FOUND,
  type ProjectDouble,
  paginate,
  type Reply,
  type RequestContext,
  type UserDouble,
} from '../gitlab-api-double.ts';
import { addMergeRequest } from './notes.ts';

// What @semantic-release/gitlab calls (docs.gitlab.com/api/projects, /api/releases,
// /api/commits#list-merge-requests-associated-with-a-commit, /api/merge_requests, /api/notes,
// /api/issues), as GitLab answers:
// (GET /projects/:id, with the caller's `permissions`, is a built-in endpoint: ./merge-requests.ts.)
// - releases: list and get (a job token may read them and create them), create: Developer role and
//   the `api` scope; `tag_name` missing is 400 `{"error":"tag_name is missing"}`; a tag that does not
//   exist, without `ref`, is 422 `{"message":"Ref is not specified"}` (with `ref`, GitLab creates the
//   tag); a second release on a tag is 409 `{"message":"Release already exists"}`;
// - the merge requests of a commit, the issues a merge request closes, notes on merge requests and
//   issues; issues searched by title and created (the plugin's failure issue).
// - the repository's tags (Renovate's gitlab-tags datasource reads them to find component releases).
// Tags are read from the project's bare repository (`setRepository`), where the release pushes them.

export interface ReleaseDouble {
  readonly tag_name: string;
  readonly name: string;
  readonly description: string;
  readonly author: UserDouble;
  readonly commit: string;
  readonly created_at: string;
  readonly links: readonly { name: string; url: string; link_type?: string }[];
  readonly milestones: readonly string[];
}

export interface MergeRequestRecord {
  readonly iid: number;
  readonly title: string;
  readonly state: 'opened' | 'merged' | 'closed';
  /** The commits it brought: `repository/commits/:sha/merge_requests` finds it by them. */
  readonly commits: readonly string[];
  /** Issue iids it closes. */
  readonly closes: readonly number[];
}

export interface IssueDouble {
  readonly iid: number;
  title: string;
  state: 'opened' | 'closed';
  readonly description: string;
  readonly labels: readonly string[];
  readonly notes: { readonly body: string; readonly author: string }[];
}

interface Store {
  readonly repositories: Map<number, string>;
  readonly releases: Map<number, ReleaseDouble[]>;
  readonly mergeRequests: Map<number, MergeRequestRecord[]>;
  readonly issues: Map<number, IssueDouble[]>;
}

const stores = new WeakMap<GitLabApiDouble, Store>();

function storeOf(double: GitLabApiDouble): Store {
  let store = stores.get(double);
  if (store === undefined) {
    store = { repositories: new Map(), releases: new Map(), mergeRequests: new Map(), issues: new Map() };
    stores.set(double, store);
  }
  return store;
}

/** The bare repository holding the project's tags. */
export function setRepository(double: GitLabApiDouble, project: ProjectDouble, bare: string): void {
  storeOf(double).repositories.set(project.id, bare);
}

export function releasesOf(double: GitLabApiDouble, project: ProjectDouble): ReleaseDouble[] {
  return storeOf(double).releases.get(project.id) ?? [];
}

/** A merge request (already merged, typically) that brought `commits`; its notes can be written. */
export function addMergedMergeRequest(
  double: GitLabApiDouble,
  project: ProjectDouble,
  record: Omit<MergeRequestRecord, 'state'> & { state?: MergeRequestRecord['state'] },
): void {
  const list = storeOf(double).mergeRequests.get(project.id) ?? [];
  list.push({ state: 'merged', ...record });
  storeOf(double).mergeRequests.set(project.id, list);
  addMergeRequest(double, project.id, record.iid);
}

export function addIssue(
  double: GitLabApiDouble,
  project: ProjectDouble,
  issue: Pick<IssueDouble, 'iid' | 'title' | 'state'>,
): IssueDouble {
  const full: IssueDouble = { description: '', labels: [], notes: [], ...issue };
  const list = storeOf(double).issues.get(project.id) ?? [];
  list.push(full);
  storeOf(double).issues.set(project.id, list);
  return full;
}

export function issuesOf(double: GitLabApiDouble, project: ProjectDouble): IssueDouble[] {
  return storeOf(double).issues.get(project.id) ?? [];
}

function tagCommit(bare: string | undefined, tag: string): string | undefined {
  if (bare === undefined) return undefined;
  try {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`], {
      cwd: bare,
      encoding: 'utf8',
    }).trim();
  } catch {
    return undefined;
  }
}

function createTag(bare: string | undefined, tag: string, ref: string): string | undefined {
  if (bare === undefined) return undefined;
  try {
    execFileSync('git', ['tag', tag, ref], { cwd: bare, stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return tagCommit(bare, tag);
}

const levelOf = (project: ProjectDouble, request: RequestContext): number | undefined => {
  const role = request.caller === undefined ? undefined : project.members.get(request.caller.user.id);
  return role === undefined ? undefined : LEVEL[role];
};

const userJson = (user: UserDouble) => ({
  id: user.id,
  username: user.username,
  name: user.name,
  state: 'active',
});

function projectUrl(double: GitLabApiDouble, project: ProjectDouble): string {
  return `${double.url}/${project.path}`;
}

function releaseJson(double: GitLabApiDouble, project: ProjectDouble, release: ReleaseDouble) {
  const self = `${projectUrl(double, project)}/-/releases/${encodeURIComponent(release.tag_name)}`;
  return {
    tag_name: release.tag_name,
    name: release.name,
    description: release.description,
    created_at: release.created_at,
    released_at: release.created_at,
    upcoming_release: false,
    author: userJson(release.author),
    commit: { id: release.commit, short_id: release.commit.slice(0, 8) },
    milestones: release.milestones.map((title) => ({ title })),
    assets: {
      count: release.links.length + 4,
      sources: ['zip', 'tar.gz', 'tar.bz2', 'tar'].map((format) => ({
        format,
        url: `${projectUrl(double, project)}/-/archive/${release.tag_name}/${project.path.split('/').pop()}-${release.tag_name}.${format}`,
      })),
      links: release.links.map((link, i) => ({ id: i + 1, link_type: 'other', ...link })),
    },
    _links: { self },
  };
}

/** The project if the caller may see it with `minimum` access, else GitLab's answer. */
function visibleProject(
  request: RequestContext,
  double: GitLabApiDouble,
  minimum: keyof typeof LEVEL,
): ProjectDouble | Reply {
  const project = double.findProject(request.params.id ?? '');
  // GitLab hides a private project from anonymous callers and non-members alike.
  if (project === undefined || request.caller === undefined) return PROJECT_NOT_FOUND;
  const level = levelOf(project, request);
  if (level === undefined) return PROJECT_NOT_FOUND;
  if (level < LEVEL[minimum]) return FORBIDDEN;
  return project;
}

const needsApiScope = (request: RequestContext): Reply | undefined =>
  request.caller?.via === 'private-token' && !request.caller.scopes.includes('api')
    ? message(403, '403 Forbidden - Insufficient scope')
    : undefined;

/** The bare repository's tags, newest commit first (GitLab's default order: `updated`, descending). */
function tagsOf(bare: string | undefined): { name: string; sha: string; date: string; message: string }[] {
  if (bare === undefined) return [];
  const out = execFileSync(
    'git',
    [
      'for-each-ref',
      '--sort=-creatordate',
      '--format=%(refname:short)%09%(*objectname)%(objectname)%09%(creatordate:iso-strict)%09%(contents:subject)',
      'refs/tags/',
    ],
    { cwd: bare, encoding: 'utf8' },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', objects = '', date = '', message = ''] = line.split('\t');
      // An annotated tag prints its commit then itself; a lightweight one only its commit.
      return { name, sha: objects.slice(0, 40), date, message };
    });
}

/** An issue as the API lists it (the fields semantic-release reads). */
const issueJson = (projectId: number, issue: { iid: number; title: string; state: string }) => ({
  id: projectId * 1000 + issue.iid,
  iid: issue.iid,
  project_id: projectId,
  title: issue.title,
  state: issue.state,
});

export function registerReleases(double: GitLabApiDouble): void {
  double.route({
    method: 'GET',
    pattern: '/projects/:id/repository/tags',
    handle: (request, d) => {
      const project = visibleProject(request, d, 'reporter');
      if ('status' in project) return project;
      const releases = releasesOf(d, project);
      const tags = tagsOf(storeOf(d).repositories.get(project.id)).map((tag) => {
        const release = releases.find((r) => r.tag_name === tag.name);
        return {
          name: tag.name,
          message: tag.message,
          target: tag.sha,
          commit: {
            id: tag.sha,
            short_id: tag.sha.slice(0, 8),
            created_at: tag.date,
            committed_date: tag.date,
          },
          release:
            release === undefined ? null : { tag_name: release.tag_name, description: release.description },
          protected: false,
          created_at: tag.date,
        };
      });
      return paginate(request, tags, d.url);
    },
  });

  double.route({
    method: 'GET',
    pattern: '/projects/:id/releases',
    jobToken: true,
    handle: (request, d) => {
      const project = visibleProject(request, d, 'reporter');
      if ('status' in project) return project;
      const releases = [...releasesOf(d, project)].reverse().map((r) => releaseJson(d, project, r));
      return paginate(request, releases, d.url);
    },
  });

  double.route({
    method: 'GET',
    pattern: '/projects/:id/releases/:tag_name',
    jobToken: true,
    handle: (request, d) => {
      const project = visibleProject(request, d, 'reporter');
      if ('status' in project) return project;
      const release = releasesOf(d, project).find((r) => r.tag_name === request.params.tag_name);
      return release === undefined
        ? message(404, '404 Not Found')
        : { status: 200, body: releaseJson(d, project, release) };
    },
  });

  double.route({
    method: 'POST',
    pattern: '/projects/:id/releases',
    jobToken: true,
    handle: (request, d) => {
      const project = visibleProject(request, d, 'developer');
      if ('status' in project) return project;
      const scope = needsApiScope(request);
      if (scope !== undefined) return scope;
      const body = request.json() as {
        tag_name?: unknown;
        name?: unknown;
        description?: unknown;
        ref?: unknown;
        milestones?: unknown;
        assets?: { links?: { name: string; url: string; link_type?: string }[] };
      };
      if (typeof body.tag_name !== 'string' || body.tag_name === '')
        return { status: 400, body: { error: 'tag_name is missing' } };
      const store = storeOf(d);
      const bare = store.repositories.get(project.id);
      const existing = store.releases.get(project.id) ?? [];
      if (existing.some((r) => r.tag_name === body.tag_name)) return message(409, 'Release already exists');
      let commit = tagCommit(bare, body.tag_name);
      if (commit === undefined) {
        if (typeof body.ref !== 'string' || body.ref === '') return message(422, 'Ref is not specified');
        commit = createTag(bare, body.tag_name, body.ref);
        if (commit === undefined) return message(422, 'Ref is not specified');
      }
      const release: ReleaseDouble = {
        tag_name: body.tag_name,
        name: typeof body.name === 'string' && body.name !== '' ? body.name : body.tag_name,
        description: typeof body.description === 'string' ? body.description : '',
        author: (request.caller as { user: UserDouble }).user,
        commit,
        created_at: new Date().toISOString(),
        links: body.assets?.links ?? [],
        milestones: Array.isArray(body.milestones) ? body.milestones.map(String) : [],
      };
      store.releases.set(project.id, [...existing, release]);
      return { status: 201, body: releaseJson(d, project, release) };
    },
  });

  double.route({
    method: 'GET',
    pattern: '/projects/:id/repository/commits/:sha/merge_requests',
    jobToken: true,
    handle: (request, d) => {
      const project = visibleProject(request, d, 'guest');
      if ('status' in project) return project;
      const sha = request.params.sha ?? '';
      const found = (storeOf(d).mergeRequests.get(project.id) ?? []).filter((mr) =>
        mr.commits.some((c) => c === sha || (sha.length >= 7 && c.startsWith(sha))),
      );
      return paginate(
        request,
        found.map((mr) => ({
          id: project.id * 1000 + mr.iid,
          iid: mr.iid,
          project_id: project.id,
          title: mr.title,
          state: mr.state,
          web_url: `${projectUrl(d, project)}/-/merge_requests/${mr.iid}`,
        })),
        d.url,
      );
    },
  });

  double.route({
    method: 'GET',
    pattern: '/projects/:id/merge_requests/:iid/closes_issues',
    handle: (request, d) => {
      const project = visibleProject(request, d, 'guest');
      if ('status' in project) return project;
      const mr = (storeOf(d).mergeRequests.get(project.id) ?? []).find(
        (m) => m.iid === Number(request.params.iid),
      );
      if (mr === undefined) return message(404, '404 Not found');
      const issues = issuesOf(d, project).filter((issue) => mr.closes.includes(issue.iid));
      return paginate(
        request,
        issues.map((issue) => issueJson(project.id, issue)),
        d.url,
      );
    },
  });

  double.route({
    method: 'GET',
    pattern: '/projects/:id/issues',
    handle: (request, d) => {
      const project = visibleProject(request, d, 'guest');
      if ('status' in project) return project;
      const state = request.query.get('state');
      const search = request.query.get('search');
      const issues = issuesOf(d, project).filter(
        (issue) =>
          (state === null || state === 'all' || issue.state === state) &&
          (search === null || issue.title.includes(search) || issue.description.includes(search)),
      );
      return paginate(
        request,
        issues.map((issue) => issueJson(project.id, issue)),
        d.url,
      );
    },
  });

  double.route({
    method: 'POST',
    pattern: '/projects/:id/issues',
    handle: (request, d) => {
      const project = visibleProject(request, d, 'guest');
      if ('status' in project) return project;
      const scope = needsApiScope(request);
      if (scope !== undefined) return scope;
      const body = request.json() as { title?: unknown; description?: unknown; labels?: unknown };
      if (typeof body.title !== 'string' || body.title === '')
        return { status: 400, body: { error: 'title is missing' } };
      const iid = issuesOf(d, project).length + 1;
      const issue = addIssue(d, project, { iid, title: body.title, state: 'opened' });
      Object.assign(issue, {
        description: typeof body.description === 'string' ? body.description : '',
        labels: typeof body.labels === 'string' ? body.labels.split(',') : [],
      });
      return {
        status: 201,
        body: {
          id: project.id * 1000 + iid,
          iid,
          project_id: project.id,
          title: issue.title,
          state: 'opened',
        },
      };
    },
  });

  double.route({
    method: 'POST',
    pattern: '/projects/:id/issues/:iid/notes',
    handle: (request, d) => {
      const project = visibleProject(request, d, 'guest');
      if ('status' in project) return project;
      const scope = needsApiScope(request);
      if (scope !== undefined) return scope;
      const issue = issuesOf(d, project).find((i) => i.iid === Number(request.params.iid));
      if (issue === undefined) return message(404, '404 Not found');
      const body = (request.json() as { body?: unknown }).body;
      if (typeof body !== 'string' || body === '') return { status: 400, body: { error: 'body is missing' } };
      const author = (request.caller as { user: UserDouble }).user;
      issue.notes.push({ body, author: author.username });
      return {
        status: 201,
        body: { id: issue.notes.length, body, author: userJson(author), noteable_type: 'Issue' },
      };
    },
  });
}
