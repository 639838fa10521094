// Kept apart from session.ts so the component definition reads these names without loading the
// session code (the CLI loads every definition at startup).

// Where a job's Vault session lives between `oneex-ci vault login` (before_script), the job's script,
// and `oneex-ci vault revoke` (after_script, a separate shell; both start in the project directory):
// `<project dir>.tmp/oneex-vault/`, next
// to the project directory, where GitLab Runner itself keeps file-type variables. It is outside the
// project directory (no artifact, cache or `git status` sees it), private (0700, files 0600), and the
// runner removes `<project dir>.tmp` when the job ends even if after_script never runs.
//
//   env.sh        sourced by before_script; holds file paths only, never a value
//   values/NAME   one variable's value, read by env.sh into the shell, then deleted by it
//   files/NAME    one file secret (the variable NAME holds this path)
//   token         the Vault token, only when the job asked for it (expose_token)
//   session.json  address, namespace and accessor, for revoke and renew

export const SESSION_DIR = 'oneex-vault';
export const ENV_SCRIPT = 'env.sh';

/**
 * The line before_script runs after login. It computes the same path as `sessionDir`: both start from
 * the physical working directory, which is the project directory when a job's scripts start (the
 * working directory is more reliable than CI_PROJECT_DIR, which some executors set to a container path).
 */
export const SOURCE_ENV_SCRIPT = `. "$(pwd -P).tmp/${SESSION_DIR}/${ENV_SCRIPT}"`;
