import { defineComponent, jobInputs } from '../../src/model/component.ts';
import type { InputSpecs } from '../../src/model/inputs.ts';
import { rulesInput } from '../../src/model/rules.ts';
import { SEVERITIES } from '../../src/runtime/severity.ts';

/** The thresholds: a Code Quality severity, or never. */
export const THRESHOLDS = [...SEVERITIES, 'never'] as const;

/**
 * The exit code of a job that ends with warnings only. The job lists it under `allow_failure:
 * exit_codes`, so GitLab shows it as passed with warnings, not failed.
 */
export const WARNINGS_EXIT_CODE = 4;

export const inputs = {
  ...jobInputs({ as: 'lint', stage: 'test' }),
  rules: rulesInput(
    'GitLab `rules:` of the job. The default runs in merge request pipelines, and in branch pipelines of branches without an open merge request.',
  ),
  linters: {
    type: 'array',
    default: ['auto'],
    description:
      'What to lint: `auto` (detected from the repository), stacks (`typescript` or `javascript`, `python`, `dotnet`, `containerfile`, `yaml`, `shell`) and linters (`eslint`, `prettier`, `tsc`, `ruff`, `flake8`, `dotnet-format`, `hadolint`, `yamllint`, `shellcheck`). What is named here always runs, and its tool must be in the job.',
  },
  skip_linters: {
    type: 'array',
    default: [],
    description: 'Stacks or linters never to run, even when detected.',
  },
  paths: {
    type: 'array',
    default: ['.'],
    description: 'Files and directories to lint, relative to the project directory.',
  },
  exclude: {
    type: 'array',
    default: [],
    description:
      'Glob patterns of files not to lint, relative to the project directory (`vendor/**`). Files that .gitignore ignores, and node_modules, are never linted.',
  },
  fail_on: {
    default: 'major',
    options: THRESHOLDS,
    description:
      'Lowest severity that fails the job, or `never`. A tool’s errors are major, its warnings minor, its notes and style hints info, and a file it cannot parse critical; Ruff, Flake8, Prettier and dotnet format findings are major.',
  },
  warn_on: {
    default: 'minor',
    options: THRESHOLDS,
    description: `Lowest severity that makes the job pass with warnings (exit code ${WARNINGS_EXIT_CODE}, allowed to fail) when nothing reaches fail_on, or \`never\`.`,
  },
  skip_missing_tools: {
    type: 'boolean',
    default: false,
    description:
      'Skip, with a warning, a linter that detection picked but whose tool the job lacks, instead of failing. What `linters` names is never skipped.',
  },
  install: {
    default: 'auto',
    description:
      'How the job gets the repository’s JavaScript tools: `auto` (`npm ci` when package-lock.json is there and node_modules is not), `none`, or a command (words separated by spaces, run without a shell).',
  },
  report_file: {
    default: 'gl-code-quality-report.json',
    description: 'Path of the Code Quality report, relative to the project directory.',
    regex: '^[^/\\\\].*\\.json$',
  },
} as const satisfies InputSpecs;

export default defineComponent({
  name: 'lint',
  summary: 'Lints TypeScript, Python, .NET, Containerfiles, YAML and shell, with a Code Quality report.',
  description: `
Runs the linters of each stack the repository holds, with the repository's own configuration of each
(and a sound default where it has none):

| Stack | Detected from | Linters |
| --- | --- | --- |
| TypeScript, JavaScript | package.json, tsconfig.json | ESLint, Prettier (when the repository uses it), \`tsc --noEmit\` |
| Python | pyproject.toml, setup.cfg, \`*.py\` | Ruff, or Flake8 where the repository configures it or the job lacks Ruff |
| .NET | \`*.sln\`, \`*.csproj\` | \`dotnet format --verify-no-changes\` (reads .editorconfig) |
| Containerfile | Containerfile, Dockerfile | hadolint (reads .hadolint.yaml) |
| YAML | \`*.yml\`, \`*.yaml\` | yamllint (reads .yamllint) |
| Shell | \`*.sh\`, shebang scripts | ShellCheck (reads .shellcheckrc) |

JavaScript tools come from the repository's node_modules: the job installs them first (\`npm ci\`, with
npm's cache kept between pipelines) unless node_modules is already there or \`install\` says otherwise.
Other tools, and JavaScript tools the repository lacks, come from the job image. For .NET, run the job in
an image with the .NET SDK and \`oneex-ci\` (the \`image\` input).

Every finding goes to the job log, grouped per linter in collapsible sections, and to a Code Quality
report that the merge request widget shows, each with a fingerprint that stays the same while the line
it points at is unchanged. The job fails when a finding reaches \`fail_on\` or a linter cannot run; it
passes with warnings when findings reach \`warn_on\` only. A missing tool fails the job before anything
is linted, naming the tool and how to get it, unless detection alone picked it and
\`skip_missing_tools\` is true.
`,
  usage: { linters: ['auto'], fail_on: 'major' },
  inputs,
  actions: {
    run: () => import('./lint.ts'),
  },
  jobs: (inputs) => ({
    [inputs.as]: {
      stage: inputs.stage,
      image: inputs.image,
      needs: [],
      rules: inputs.rules,
      // npm's download cache inside the project, so that GitLab's cache can keep it between pipelines.
      variables: { npm_config_cache: '$CI_PROJECT_DIR/.npm' },
      run: 'run',
      cache: { key: { files: ['package-lock.json'], prefix: 'oneex-lint-npm' }, paths: ['.npm/'] },
      interruptible: true,
      allow_failure: { exit_codes: [WARNINGS_EXIT_CODE] },
      artifacts: {
        when: 'always',
        expire_in: '30 days',
        reports: { codequality: inputs.report_file },
      },
    },
  }),
});
