import {
  FORBIDDEN,
  type GitLabApiDouble,
  message,
  paginate,
  type Reply,
  type RequestContext,
  type UserDouble,
} from '../gitlab-api-double.ts';

// Merge request notes (docs.gitlab.com/api/notes#merge-requests): list (paginated, sort, order_by),
// create, update. A job token may read them but not write them; a note is edited only by its author.

export interface NoteDouble {
  readonly id: number;
  body: string;
  readonly author: UserDouble;
  readonly created_at: string;
  updated_at: string;
  readonly system: boolean;
  readonly noteable_iid: number;
}

const store = new WeakMap<
  GitLabApiDouble,
  { merge: Map<string, NoteDouble[]>; nextId: number; open: Set<string> }
>();

function notesOf(double: GitLabApiDouble) {
  let s = store.get(double);
  if (s === undefined) {
    s = { merge: new Map(), nextId: 1, open: new Set() };
    store.set(double, s);
  }
  return s;
}

/** Opens merge request `iid` in `projectId` so notes can be written on it. */
export function addMergeRequest(double: GitLabApiDouble, projectId: number, iid: number): void {
  notesOf(double).open.add(`${projectId}!${iid}`);
}

export function mergeRequestNotes(double: GitLabApiDouble, projectId: number, iid: number): NoteDouble[] {
  return notesOf(double).merge.get(`${projectId}!${iid}`) ?? [];
}

/** A note written by someone else (a reviewer, GitLab itself), for tests. */
export function addNote(
  double: GitLabApiDouble,
  projectId: number,
  iid: number,
  author: UserDouble,
  body: string,
  system = false,
): NoteDouble {
  const s = notesOf(double);
  const now = new Date().toISOString();
  const note: NoteDouble = {
    id: s.nextId++,
    body,
    author,
    created_at: now,
    updated_at: now,
    system,
    noteable_iid: iid,
  };
  const key = `${projectId}!${iid}`;
  s.merge.set(key, [...(s.merge.get(key) ?? []), note]);
  return note;
}

const render = (note: NoteDouble) => ({
  id: note.id,
  type: null,
  body: note.body,
  author: { id: note.author.id, username: note.author.username, name: note.author.name, state: 'active' },
  created_at: note.created_at,
  updated_at: note.updated_at,
  system: note.system,
  noteable_type: 'MergeRequest',
  noteable_iid: note.noteable_iid,
  resolvable: false,
  confidential: false,
  internal: false,
});

function mergeRequest(
  request: RequestContext,
  double: GitLabApiDouble,
  minimum: 'guest' | 'reporter',
): { key: string; projectId: number } | Reply {
  const project = double.projectFor(request, minimum);
  if ('status' in project) return project;
  const key = `${project.id}!${request.params.iid}`;
  if (!notesOf(double).open.has(key)) return message(404, '404 Not found');
  return { key, projectId: project.id };
}

export function registerMergeRequestNotes(double: GitLabApiDouble): void {
  double.route({
    method: 'GET',
    pattern: '/projects/:id/merge_requests/:iid/notes',
    jobToken: true,
    handle: (request, d) => {
      const mr = mergeRequest(request, d, 'guest');
      if ('status' in mr) return mr;
      const sort = request.query.get('sort') ?? 'desc';
      const orderBy = request.query.get('order_by') ?? 'created_at';
      if (!['asc', 'desc'].includes(sort) || !['created_at', 'updated_at'].includes(orderBy))
        return { status: 400, body: { error: 'sort, order_by does not have a valid value' } };
      const notes = [...(notesOf(d).merge.get(mr.key) ?? [])].sort((a, b) => {
        const by = orderBy === 'updated_at' ? a.updated_at.localeCompare(b.updated_at) : a.id - b.id;
        return sort === 'asc' ? by : -by;
      });
      return paginate(request, notes.map(render), d.url);
    },
  });
  double.route({
    method: 'POST',
    pattern: '/projects/:id/merge_requests/:iid/notes',
    handle: (request, d) => {
      const mr = mergeRequest(request, d, 'reporter');
      if ('status' in mr) return mr;
      if (!request.caller?.scopes.includes('api')) return message(403, '403 Forbidden - Insufficient scope');
      const body = (request.json() as { body?: unknown }).body;
      if (typeof body !== 'string' || body === '') return { status: 400, body: { error: 'body is missing' } };
      const note = addNote(d, mr.projectId, Number(request.params.iid), request.caller.user, body);
      return { status: 201, body: render(note) };
    },
  });
  double.route({
    method: 'PUT',
    pattern: '/projects/:id/merge_requests/:iid/notes/:note_id',
    handle: (request, d) => {
      const mr = mergeRequest(request, d, 'reporter');
      if ('status' in mr) return mr;
      if (!request.caller?.scopes.includes('api')) return message(403, '403 Forbidden - Insufficient scope');
      const note = notesOf(d)
        .merge.get(mr.key)
        ?.find((n) => n.id === Number(request.params.note_id));
      if (note === undefined) return message(404, '404 Not found');
      if (note.author.id !== request.caller.user.id || note.system) return FORBIDDEN;
      const body = (request.json() as { body?: unknown }).body;
      if (typeof body !== 'string' || body === '') return { status: 400, body: { error: 'body is missing' } };
      note.body = body;
      note.updated_at = new Date().toISOString();
      return { status: 200, body: render(note) };
    },
  });
}
