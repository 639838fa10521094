import type { CiEnv } from '../../src/runtime/context.ts';

// The library's semantic-release configuration, for repositories that have none of their own: pure
// functions of the inputs and the job, so each choice has a test.

/** semantic-release's own pattern for maintenance branches: `1.x`, `1.2.x`. */
export const MAINTENANCE_BRANCHES = '+([0-9])?(.{+([0-9]),x}).x';

export interface ConfigInputs {
  readonly branches: readonly string[];
  readonly prerelease_branches: readonly string[];
  readonly tag_prefix: string;
  readonly changelog_file: string;
  readonly gitlab_release: boolean;
}

export type Branch = string | { readonly name: string; readonly prerelease: true };

/** Release branches: the input's, else maintenance branches and the default branch; then pre-release ones. */
export function releaseBranches(inputs: ConfigInputs, ci: CiEnv): Branch[] {
  const release =
    inputs.branches.length > 0
      ? [...inputs.branches]
      : [MAINTENANCE_BRANCHES, ci.CI_DEFAULT_BRANCH ?? 'main'];
  return [...release, ...inputs.prerelease_branches.map((name) => ({ name, prerelease: true as const }))];
}

/** `${version}` is semantic-release's placeholder (a lodash template), not shell or GitLab syntax. */
export const tagFormat = (prefix: string): string => `${prefix}\${version}`;

export const CONVENTIONAL = { preset: 'conventionalcommits' } as const;

export function defaultConfig(inputs: ConfigInputs, ci: CiEnv): Record<string, unknown> {
  const plugins: unknown[] = [
    ['@semantic-release/commit-analyzer', CONVENTIONAL],
    ['@semantic-release/release-notes-generator', CONVENTIONAL],
  ];
  if (inputs.changelog_file !== '') {
    plugins.push(['@semantic-release/changelog', { changelogFile: inputs.changelog_file }]);
    plugins.push([
      '@semantic-release/git',
      {
        assets: [inputs.changelog_file],
        // `[skip ci]`: the changelog commit needs no pipeline of its own; the tag gets one. The
        // placeholders are semantic-release's (lodash templates), filled in at release time.
        // biome-ignore lint/suspicious/noTemplateCurlyInString: semantic-release's template syntax.
        message: 'chore(release): ${nextRelease.version} [skip ci]\n\n${nextRelease.notes}',
      },
    ]);
  }
  if (inputs.gitlab_release) plugins.push('@semantic-release/gitlab');
  return { branches: releaseBranches(inputs, ci), tagFormat: tagFormat(inputs.tag_prefix), plugins };
}
