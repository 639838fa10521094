// GitLab-managed state through the tool's `http` backend (docs.gitlab.com/user/infrastructure/iac/terraform_state).
// Addresses go on the command line as -backend-config (they are not secret, and the tool stores them
// with the plan); the job token goes only through the environment, so it is in no argv, no
// .terraform/ file and no saved plan.

export interface GitLabBackend {
  readonly address: string;
  readonly lockAddress: string;
  readonly unlockAddress: string;
  /** The job token: secret. */
  readonly password: string;
}

export const BACKEND_USERNAME = 'gitlab-ci-token';

export function gitlabBackend(
  apiUrl: string,
  projectId: string,
  state: string,
  jobToken: string,
): GitLabBackend {
  const address = `${apiUrl.replace(/\/+$/, '')}/projects/${encodeURIComponent(projectId)}/terraform/state/${encodeURIComponent(state)}`;
  return { address, lockAddress: `${address}/lock`, unlockAddress: `${address}/lock`, password: jobToken };
}

export function backendConfigArgs(backend: GitLabBackend): string[] {
  return [
    `-backend-config=address=${backend.address}`,
    `-backend-config=lock_address=${backend.lockAddress}`,
    `-backend-config=unlock_address=${backend.unlockAddress}`,
    '-backend-config=lock_method=POST',
    '-backend-config=unlock_method=DELETE',
    '-backend-config=retry_wait_min=5',
  ];
}

/** The credentials, as the http backend reads them from the environment. */
export function backendEnv(backend: GitLabBackend): Record<string, string> {
  return { TF_HTTP_USERNAME: BACKEND_USERNAME, TF_HTTP_PASSWORD: backend.password };
}
