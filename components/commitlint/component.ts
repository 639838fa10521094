import { defineComponent, jobInputs } from '../../src/model/component.ts';
import type { InputSpecs } from '../../src/model/inputs.ts';
import { rulesInput } from '../../src/model/rules.ts';

export const inputs = {
  ...jobInputs({ as: 'commitlint', stage: 'test' }),
  rules: rulesInput(
    'GitLab `rules:` of the job. The default runs in merge request pipelines, and in branch pipelines of branches without an open merge request.',
  ),
  config_file: {
    default: '',
    description:
      'Path of the commitlint configuration, relative to the project directory. Empty: the repository’s own configuration if found, else Conventional Commits.',
    regex: '^$|^[^/\\\\].*$',
  },
  max_commits: {
    type: 'number',
    default: 250,
    description:
      'Most commits to lint in one pipeline; a longer range is cut to its newest commits, with a warning.',
  },
  report_file: {
    default: 'commitlint-report.xml',
    description: 'Path of the JUnit report, relative to the project directory.',
    regex: '^[^/\\\\].*\\.xml$',
  },
} as const satisfies InputSpecs;

export default defineComponent({
  name: 'commitlint',
  summary: 'Lints the commit messages of a merge request or a push against Conventional Commits.',
  description: `
Checks every commit a pipeline brings: in a merge request pipeline, the commits from the merge base
(\`CI_MERGE_REQUEST_DIFF_BASE_SHA\`) to the head; in a branch pipeline, the commits pushed since
\`CI_COMMIT_BEFORE_SHA\` (for a new branch, those not yet on the default branch). It uses the
repository's own commitlint configuration when it has one (\`commitlint.config.*\`, \`.commitlintrc*\`,
or a \`commitlint\` key in \`package.json\`), else the Conventional Commits rules of
\`@commitlint/config-conventional\`.

The log lists each bad commit with the rules it breaks, and a JUnit report (one test case per commit)
shows them in the merge request widget. The job fails when any commit breaks a rule of error level.
`,
  inputs,
  actions: {
    lint: () => import('./lint.ts'),
  },
  jobs: (inputs) => ({
    [inputs.as]: {
      stage: inputs.stage,
      image: inputs.image,
      needs: [],
      rules: inputs.rules,
      variables: { GIT_DEPTH: '0' },
      run: 'lint',
      interruptible: true,
      artifacts: {
        when: 'always',
        expire_in: '30 days',
        reports: { junit: inputs.report_file },
      },
    },
  }),
});
