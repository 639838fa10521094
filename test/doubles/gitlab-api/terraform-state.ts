import type { GitLabApiDouble, Reply, RequestContext } from '../gitlab-api-double.ts';

// GitLab-managed Terraform state (docs.gitlab.com/user/infrastructure/iac/terraform_state), the HTTP
// backend's endpoints: GET/POST/DELETE /projects/:id/terraform/state/:name, POST and DELETE …/lock.
// Reading needs the Developer role, locking and writing the Maintainer role. A locked state answers a
// lock request with 409 and the holder's lock info; a write must carry the lock's ID.

export interface StateDouble {
  data?: string;
  lock?: Record<string, unknown>;
  /** Every version written, oldest first. */
  readonly versions: string[];
}

const stores = new WeakMap<GitLabApiDouble, Map<string, StateDouble>>();

export function terraformStates(double: GitLabApiDouble): Map<string, StateDouble> {
  let states = stores.get(double);
  if (states === undefined) {
    states = new Map();
    stores.set(double, states);
  }
  return states;
}

export function stateOf(double: GitLabApiDouble, projectId: number, name: string): StateDouble {
  const states = terraformStates(double);
  const key = `${projectId}/${name}`;
  let state = states.get(key);
  if (state === undefined) {
    state = { versions: [] };
    states.set(key, state);
  }
  return state;
}

function target(
  request: RequestContext,
  double: GitLabApiDouble,
  minimum: 'developer' | 'maintainer',
): StateDouble | Reply {
  const project = double.projectFor(request, minimum);
  if ('status' in project) return project;
  return stateOf(double, project.id, request.params.name ?? '');
}

export function registerTerraformState(double: GitLabApiDouble): void {
  const base = '/projects/:id/terraform/state/:name';
  double.route({
    method: 'GET',
    pattern: base,
    basicAuth: true,
    jobToken: true,
    handle: (request, d) => {
      const state = target(request, d, 'developer');
      if ('status' in state) return state;
      return state.data === undefined ? { status: 204 } : { status: 200, body: JSON.parse(state.data) };
    },
  });
  double.route({
    method: 'POST',
    pattern: base,
    basicAuth: true,
    jobToken: true,
    handle: (request, d) => {
      const state = target(request, d, 'maintainer');
      if ('status' in state) return state;
      const id = request.query.get('ID');
      if (state.lock !== undefined && state.lock.ID !== id) return { status: 409, body: state.lock };
      const text = request.body.toString('utf8');
      JSON.parse(text);
      state.data = text;
      state.versions.push(text);
      return { status: 200, body: {} };
    },
  });
  double.route({
    method: 'DELETE',
    pattern: base,
    basicAuth: true,
    jobToken: true,
    handle: (request, d) => {
      const state = target(request, d, 'maintainer');
      if ('status' in state) return state;
      delete state.data;
      return { status: 204 };
    },
  });
  double.route({
    method: 'POST',
    pattern: `${base}/lock`,
    basicAuth: true,
    jobToken: true,
    handle: (request, d) => {
      const state = target(request, d, 'maintainer');
      if ('status' in state) return state;
      if (state.lock !== undefined) return { status: 409, body: state.lock };
      state.lock = request.json() as Record<string, unknown>;
      return { status: 200, body: {} };
    },
  });
  double.route({
    method: 'DELETE',
    pattern: `${base}/lock`,
    basicAuth: true,
    jobToken: true,
    handle: (request, d) => {
      const state = target(request, d, 'maintainer');
      if ('status' in state) return state;
      const id = (request.json() as { ID?: unknown }).ID ?? request.query.get('ID');
      if (state.lock !== undefined && id !== undefined && state.lock.ID !== id)
        return { status: 409, body: state.lock };
      delete state.lock;
      return { status: 200, body: {} };
    },
  });
}
