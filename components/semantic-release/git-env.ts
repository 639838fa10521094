// Git configuration handed to semantic-release's git commands through the environment
// (GIT_CONFIG_COUNT, git >= 2.31): nothing is written to the repository's config, and no secret is
// ever on a command line.

export type GitConfigEntry = readonly [key: string, value: string];

export function gitConfigEnv(entries: readonly GitConfigEntry[]): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/** The variable the credential helper reads the token from; semantic-release reads the same one. */
export const TOKEN_VARIABLE = 'GITLAB_TOKEN';

/**
 * A credential helper for the GitLab host only, answering with the token from the environment. The
 * empty value first clears any helper configured before (a runner's, a developer's).
 */
export function credentialHelper(projectUrl: string): GitConfigEntry[] {
  const origin = new URL(projectUrl).origin;
  return [
    [`credential.${origin}.helper`, ''],
    [
      `credential.${origin}.helper`,
      `!f() { test "$1" = get && printf 'username=oneex-ci\\npassword=%s\\n' "$${TOKEN_VARIABLE}"; }; f`,
    ],
  ];
}

/** Serves every fetch and push of `url` from a local repository instead. */
export function redirect(url: string, to: string): GitConfigEntry[] {
  return [
    ['protocol.file.allow', 'always'],
    [`url.${to}.insteadOf`, url],
  ];
}
