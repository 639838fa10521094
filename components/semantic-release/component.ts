import { defineComponent, jobInputs } from '../../src/model/component.ts';
import type { InputSpecs } from '../../src/model/inputs.ts';
import { rulesInput } from '../../src/model/rules.ts';
import { vaultIdTokens, vaultInputs } from '../../src/vault/inputs.ts';

// A maintenance branch as semantic-release's default config names them (`1.x`, `1.2.x`), as a GitLab
// rules regex: the release job runs on them as on the default branch.
const MAINTENANCE_BRANCH_RULE = '$CI_COMMIT_BRANCH =~ /^[0-9]+(\\.([0-9]+|x))?\\.x$/';

export const inputs = {
  ...jobInputs({ as: 'release', stage: 'deploy' }),
  needs: {
    type: 'array',
    description:
      'Jobs the release waits for (GitLab `needs:`), e.g. `[test, build-image]`: only a pipeline where they passed releases. ' +
      'Required on purpose, so that no release goes out before the tests; `[]` releases at once.',
    env: false,
  },
  rules: {
    type: 'array',
    default: [
      { if: '$CI_COMMIT_TAG', when: 'never' },
      { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' },
      { if: MAINTENANCE_BRANCH_RULE },
    ],
    description:
      'GitLab `rules:` of the release job. The default releases from the default branch and from maintenance branches (`1.x`, `1.2.x`).',
    env: false,
  },
  next_version_as: {
    default: 'next-version',
    description:
      'Name of the job that computes the next version (a dry run) for the rest of the pipeline. Start it with `.` to get a hidden job instead.',
    env: false,
  },
  next_version_stage: {
    default: '.pre',
    description:
      'Stage of the next-version job. `.pre` runs before every other stage, so build jobs can `needs:` it.',
    env: false,
  },
  next_version_rules: rulesInput(
    'GitLab `rules:` of the next-version job. The default runs in merge request pipelines and branch pipelines (not in tag pipelines).',
  ),
  branches: {
    type: 'array',
    default: [],
    description:
      'Release branches (names or globs), as semantic-release’s `branches`. Empty: the default branch, plus maintenance branches `N.x` and `N.N.x`. Ignored when the repository has its own release configuration.',
  },
  prerelease_branches: {
    type: 'array',
    default: [],
    description:
      'Branches that release pre-releases named after them (`2.0.0-beta.1` from `beta`). Ignored when the repository has its own release configuration.',
  },
  tag_prefix: {
    default: 'v',
    description:
      'Text before the version in tag names (`v` gives `v1.2.3`; empty gives `1.2.3`, which the CI/CD catalog needs). Ignored when the repository has its own release configuration.',
    regex: '^[A-Za-z0-9._/-]*$',
  },
  changelog_file: {
    default: '',
    description:
      'File to keep the release notes in (e.g. `CHANGELOG.md`), committed back as `chore(release): <version> [skip ci]`. Empty: no changelog file. Ignored when the repository has its own release configuration.',
    regex: '^$|^[^/\\\\.][^\\\\]*$',
  },
  gitlab_release: {
    type: 'boolean',
    default: true,
    description:
      'Create the GitLab release (with the notes) through the API and comment on the merge requests and issues it contains. Set false when a job with the `release:` keyword creates it (a CI/CD catalog project). Ignored when the repository has its own release configuration.',
  },
  dotenv_file: {
    default: 'next-version.env',
    description:
      'Dotenv report of the next-version job: `NEXT_VERSION` (empty when no release is due), `NEXT_VERSION_TAG`, `NEXT_VERSION_TYPE`.',
    regex: '^[^/\\\\][^\\\\]*$',
  },
  token_vault_path: {
    default: '',
    description:
      'Vault reference of the GitLab token the release job uses, e.g. `kv/data/ci/gitlab#release_token`; the job logs in to Vault with its ID token (the `vault_*` inputs). Empty: the masked, protected CI/CD variable `GITLAB_TOKEN` (or `GL_TOKEN`).',
  },
  ...vaultInputs(),
  notes_file: {
    default: 'release-notes.md',
    description:
      'File `oneex-ci semantic-release notes` writes the notes of a release tag to, in a tag pipeline, for a job with the `release:` keyword (a CI/CD catalog project releases that way).',
    regex: '^[^/\\\\][^\\\\]*$',
  },
} as const satisfies InputSpecs;

export default defineComponent({
  name: 'semantic-release',
  summary:
    'Releases from the default and maintenance branches with Conventional Commits, and tells the pipeline the next version.',
  description: `
Two jobs. **next-version** (stage \`.pre\`) runs semantic-release in dry-run mode and writes a dotenv
report, so later jobs can tag images and packages with the version the pipeline will release:
\`NEXT_VERSION\` (\`1.4.0\`; empty when no release is due), \`NEXT_VERSION_TAG\` (\`v1.4.0\`),
\`NEXT_VERSION_TYPE\` (\`major\`, \`minor\`, \`patch\`, \`prerelease\`) and \`LAST_VERSION\`. In a merge
request it shows what merging would release. It needs no token: it works on a private copy of the
repository, so it runs in merge requests where protected variables are not available.

**release** runs semantic-release for real on the default branch and on maintenance branches
(\`1.x\`, \`1.2.x\`): it computes the version from the commits since the last tag (Conventional
Commits: \`fix\` is a patch, \`feat\` a minor, \`!\` or \`BREAKING CHANGE\` a major), pushes the tag,
creates the GitLab release with its notes, and comments on the merge requests and issues it ships.
\`resource_group\` keeps two releases of a project from running at once.

The repository's own semantic-release configuration (\`.releaserc*\`, \`release.config.*\`, or a
\`release\` key in \`package.json\`) is used when there is one; otherwise the library's: Conventional
Commits, the branches above, \`@semantic-release/gitlab\`, and optionally a changelog file.

A CI/CD catalog project (this library is one) must create its releases with a job that has the
\`release:\` keyword: set \`gitlab_release: false\` and \`tag_prefix: ""\`, and in the tag pipeline run
\`oneex-ci semantic-release notes\`, which writes the tag's notes to \`notes_file\` for that job.

The release job needs a GitLab token that can push tags and create releases (a project access token
with the \`api\` and \`write_repository\` scopes and the Maintainer role, or Developer where tags are
not protected): read from Vault (\`token_vault_path\`, logged in with the job's ID token), or the
masked, protected CI/CD variable \`GITLAB_TOKEN\` (or \`GL_TOKEN\`). It reaches git through a credential helper and semantic-release through its
environment, never a command line.
`,
  inputs,
  usage: { needs: ['test'] },
  actions: {
    'next-version': () => import('./next-version.ts'),
    release: () => import('./release.ts'),
    notes: () => import('./notes.ts'),
  },
  jobs: (inputs) => ({
    [inputs.next_version_as]: {
      stage: inputs.next_version_stage,
      image: inputs.image,
      needs: [],
      rules: inputs.next_version_rules,
      variables: { GIT_DEPTH: '0' },
      run: 'next-version',
      interruptible: true,
      artifacts: {
        expire_in: '30 days',
        reports: { dotenv: inputs.dotenv_file },
      },
    },
    [inputs.as]: {
      stage: inputs.stage,
      image: inputs.image,
      needs: inputs.needs,
      rules: inputs.rules,
      variables: { GIT_DEPTH: '0', GIT_STRATEGY: 'clone' },
      id_tokens: vaultIdTokens(inputs),
      run: 'release',
      resource_group: 'semantic-release',
      interruptible: false,
    },
  }),
});
