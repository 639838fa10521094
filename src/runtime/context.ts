import { Logger, wantsColour } from './log.ts';
import { Redactor } from './redact.ts';

// What an action may know about the job it runs in. GitLab's predefined variables are read through an
// allowlist, so an action's dependencies on the job are visible here and typed.

export const CI_VARIABLES = [
  'CI',
  'GITLAB_CI',
  // A GitLab access token in a masked CI/CD variable, for what the job token may not do (merge request
  // notes, releases, pushing tags); GL_TOKEN is semantic-release's other name for it. Secrets,
  // registered with the redactor by the action that reads them.
  'GITLAB_TOKEN',
  'GL_TOKEN',
  'CI_API_V4_URL',
  'CI_COMMIT_BEFORE_SHA',
  'CI_COMMIT_BRANCH',
  'CI_COMMIT_REF_NAME',
  'CI_COMMIT_REF_SLUG',
  'CI_COMMIT_SHA',
  'CI_COMMIT_SHORT_SHA',
  'CI_COMMIT_TAG',
  'CI_COMMIT_TIMESTAMP',
  'CI_DEFAULT_BRANCH',
  'CI_ENVIRONMENT_NAME',
  'CI_ENVIRONMENT_URL',
  'CI_JOB_ID',
  'CI_JOB_NAME',
  'CI_JOB_STATUS',
  'CI_JOB_TOKEN',
  'CI_JOB_URL',
  'CI_MERGE_REQUEST_DIFF_BASE_SHA',
  'CI_MERGE_REQUEST_IID',
  'CI_MERGE_REQUEST_SOURCE_BRANCH_SHA',
  'CI_MERGE_REQUEST_TARGET_BRANCH_NAME',
  'CI_PIPELINE_ID',
  'CI_PIPELINE_SOURCE',
  'CI_PIPELINE_URL',
  'CI_PROJECT_DIR',
  'CI_PROJECT_ID',
  'CI_PROJECT_NAME',
  'CI_PROJECT_PATH',
  'CI_PROJECT_PATH_SLUG',
  'CI_PROJECT_TITLE',
  'CI_PROJECT_URL',
  'CI_REGISTRY',
  'CI_SERVER_FQDN',
  'CI_SERVER_URL',
  // Group-level CI/CD variables the library documents: the Harbor host and its robot account.
  'HARBOR_HOST',
  'HARBOR_USERNAME',
  'HARBOR_PASSWORD',
  'GITLAB_USER_EMAIL',
  'GITLAB_USER_LOGIN',
  'GITLAB_USER_NAME',
  // The job's GitLab ID token for Vault (an `id_tokens` entry, see src/vault/inputs.ts): a secret.
  'ONEEX_VAULT_ID_TOKEN',
] as const;

export type CiVariable = (typeof CI_VARIABLES)[number];
export type CiEnv = Readonly<Partial<Record<CiVariable, string>>>;

export interface RunContext {
  /**
   * The project directory. A GitLab job's script starts in `CI_PROJECT_DIR`, so this is the working
   * directory (gitlab-ci-local's shell executor sets `CI_PROJECT_DIR` to the container path instead).
   */
  readonly cwd: string;
  readonly ci: CiEnv;
  readonly log: Logger;
  readonly redactor: Redactor;
}

export function ciEnv(env: Readonly<Record<string, string | undefined>>): CiEnv {
  const picked: Partial<Record<CiVariable, string>> = {};
  for (const name of CI_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

export function createContext(options: {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly out: { write(text: string): void };
  readonly isTTY: boolean;
}): RunContext {
  const redactor = new Redactor();
  const ci = ciEnv(options.env);
  // The job token is a secret like any other, though GitLab masks it too.
  if (ci.CI_JOB_TOKEN !== undefined) redactor.add(ci.CI_JOB_TOKEN);
  if (ci.ONEEX_VAULT_ID_TOKEN !== undefined) redactor.add(ci.ONEEX_VAULT_ID_TOKEN);
  const log = new Logger({ out: options.out, colour: wantsColour(options.env, options.isTTY), redactor });
  return { cwd: options.cwd, ci, log, redactor };
}
